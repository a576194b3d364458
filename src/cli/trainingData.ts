import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  applyModelLevelTruth,
  loadIreneCsv,
  loadIreneJsonl,
  loadModelLevelJsonl,
  type Dtype,
  type MeasurementMachine,
  type ModelTree,
} from '../engine/index.js';
import { CliUsageError } from './cliErrors.js';
import { readInputFile, readInputText, statInput } from '../shared/readInputFile.js';

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
  /** The machine as the files' meta lines describe it (device name, idle power). */
  machine: MeasurementMachine;
}

/**
 * Device name and idle power from the `{"meta": true, ...}` lines the harness
 * writes first in its JSONL files (and a `meta.json` beside them); a
 * model-level file's idle power wins, since its long windows are the
 * model-level truth.
 */
function readMachine(texts: { text: string; origin: string }[]): MeasurementMachine {
  const machine: MeasurementMachine = {};
  for (const { text, origin } of texts) {
    const first = text.slice(0, 64 * 1024).split(/\r?\n/, 1)[0]!.trim();
    let meta: unknown;
    try {
      meta = JSON.parse(first);
    } catch {
      continue;
    }
    if (typeof meta !== 'object' || meta === null) continue;
    const m = meta as Record<string, unknown>;
    if (m['meta'] !== true && !origin.endsWith('meta.json')) continue;
    if (typeof m['device'] === 'string' && m['device'] !== '') machine.deviceName = m['device'];
    const idle = m['idle_power_w'];
    if (typeof idle === 'number' && Number.isFinite(idle) && idle > 0) {
      machine.idlePowerW = idle;
      machine.idleNote = `measured with nothing running (${origin}, idle_power_w)`;
    }
  }
  return machine;
}

/**
 * Reads measurements from a path: an IrEne CSV folder (the paper's four CSVs)
 * or an IrEne JSONL tree file (optionally gzipped). For JSONL, model-level
 * ground truth is taken from `modelLevelPath`, or from a `model_level.jsonl`
 * beside the trees when there is one.
 */
export function loadTrainingData(path: string, options: { modelLevelPath?: string; dtype?: Dtype; signal?: AbortSignal } = {}): LoadedTrainingData {
  const st = statInput(path);
  if (!st) throw new CliUsageError(`${path}: no such file or folder`);
  const notes: string[] = [];
  const onWarning = (m: string) => notes.push(m);
  if (st.isDirectory()) {
    const missing = Object.values(CSV_NAMES).filter((n) => !existsSync(join(path, n)));
    if (missing.length > 0) {
      throw new CliUsageError(`${path}: not an IrEne data folder (missing ${missing.join(', ')})`);
    }
    const read = (n: string) => readInputText(join(path, n), 'data');
    const trees = loadIreneCsv(
      { model: read(CSV_NAMES.model), module: read(CSV_NAMES.module), ml1: read(CSV_NAMES.ml1), ml2: read(CSV_NAMES.ml2) },
      { dtype: options.dtype, onWarning, signal: options.signal },
    );
    return { trees, description: `IrEne CSV folder ${basename(path)}`, notes, machine: {} };
  }
  const bytes = readInputFile(path, 'data');
  const trees = loadIreneJsonl(bytes, { fileName: basename(path), dtype: options.dtype, onWarning, signal: options.signal });
  const metaTexts: { text: string; origin: string }[] = [];
  const metaJson = join(dirname(path), 'meta.json');
  if (existsSync(metaJson)) metaTexts.push({ text: readInputText(metaJson, 'config').replace(/\s+/g, ' '), origin: metaJson });
  // Gzipped trees carry their meta line inside the stream: the engine's loader already read it, so
  // only plain text is scanned here.
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) metaTexts.push({ text: bytes.subarray(0, 64 * 1024).toString('utf8'), origin: basename(path) });
  const sibling = join(dirname(path), 'model_level.jsonl');
  const modelLevel = options.modelLevelPath ?? (existsSync(sibling) && sibling !== path ? sibling : undefined);
  if (modelLevel) {
    const text = readInputText(modelLevel, 'data');
    const missing = applyModelLevelTruth(trees, loadModelLevelJsonl(text, basename(modelLevel)));
    notes.push(`model-level truth from ${modelLevel} (${trees.length - missing} of ${trees.length} trees matched)`);
    metaTexts.push({ text, origin: basename(modelLevel) });
  }
  return { trees, description: `IrEne JSONL ${basename(path)}${modelLevel ? ` + ${basename(modelLevel)}` : ''}`, notes, machine: readMachine(metaTexts) };
}
