import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  applyModelLevelTruth,
  loadIreneCsv,
  loadIreneJsonl,
  loadModelLevelJsonl,
  type Dtype,
  type ModelTree,
} from '../engine/index.js';
import { CliUsageError } from './cliErrors.js';

const CSV_NAMES = {
  model: 'model_level_features.csv',
  module: 'module_level_features.csv',
  ml1: 'ml1_level_features.csv',
  ml2: 'ml2_level_features.csv',
} as const;

/** Training trees plus what the user should know about how they were read. */
export interface LoadedTrainingData {
  trees: ModelTree[];
  /** Short description for profile metadata (`IrEne CSV folder data/irene/device_1`). */
  description: string;
  notes: string[];
}

/**
 * Reads measurements from a path: an IrEne CSV folder (the paper's four CSVs)
 * or an IrEne JSONL tree file (optionally gzipped). For JSONL, model-level
 * ground truth is taken from `modelLevelPath`, or from a `model_level.jsonl`
 * beside the trees when there is one.
 */
export function loadTrainingData(path: string, options: { modelLevelPath?: string; dtype?: Dtype; signal?: AbortSignal } = {}): LoadedTrainingData {
  if (!existsSync(path)) throw new CliUsageError(`${path}: no such file or folder`);
  const notes: string[] = [];
  const onWarning = (m: string) => notes.push(m);
  if (statSync(path).isDirectory()) {
    const missing = Object.values(CSV_NAMES).filter((n) => !existsSync(join(path, n)));
    if (missing.length > 0) {
      throw new CliUsageError(`${path}: not an IrEne data folder (missing ${missing.join(', ')})`);
    }
    const read = (n: string) => readFileSync(join(path, n), 'utf8');
    const trees = loadIreneCsv(
      { model: read(CSV_NAMES.model), module: read(CSV_NAMES.module), ml1: read(CSV_NAMES.ml1), ml2: read(CSV_NAMES.ml2) },
      { dtype: options.dtype, onWarning, signal: options.signal },
    );
    return { trees, description: `IrEne CSV folder ${basename(path)}`, notes };
  }
  const trees = loadIreneJsonl(readFileSync(path), { fileName: basename(path), dtype: options.dtype, onWarning, signal: options.signal });
  const sibling = join(dirname(path), 'model_level.jsonl');
  const modelLevel = options.modelLevelPath ?? (existsSync(sibling) && sibling !== path ? sibling : undefined);
  if (modelLevel) {
    const missing = applyModelLevelTruth(trees, loadModelLevelJsonl(readFileSync(modelLevel, 'utf8'), basename(modelLevel)));
    notes.push(`model-level truth from ${modelLevel} (${trees.length - missing} of ${trees.length} trees matched)`);
  }
  return { trees, description: `IrEne JSONL ${basename(path)}${modelLevel ? ` + ${basename(modelLevel)}` : ''}`, notes };
}
