import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  COMPANION_FILE_NAMES,
  HF_CONFIG_FILE,
  InvalidInputError,
  declaredDtype,
  formatEnergyAuto,
  formatFlops,
  formatShare,
  importModel,
  predictTree,
  readWeightCompanions,
  toPredictionReport,
  type Dtype,
  type Prediction,
} from '../../engine/index.js';
import { formatTreeMarkdown, formatTreeTable } from '../format/treeTable.js';
import { resolveProfile } from '../profileResolver.js';
import { nodeFolderAccess } from '../../shared/nodeFolderAccess.js';

/** Options of `irene predict`. */
export interface PredictCommandOptions {
  batchSize: number;
  seqLen: number;
  /** Target tokens per sequence (encoder-decoders only); defaults to seqLen. */
  targetLen?: number;
  dtype?: Dtype;
  profile: string;
  format: 'table' | 'json' | 'markdown';
  depth: number;
  /** Idle power of the user's host (W), replacing the profile's. */
  idlePower?: number;
}

const REGIME_WORDS = { launch: 'launch-bound (the CPU issuing kernels sets the pace)', memory: 'memory-bound', compute: 'compute-bound' } as const;

/** One line: predicted time, regime, and the static / dynamic split of the energy. */
function physicsLine(p: Prediction): string {
  const ms = p.timeS * 1e3;
  return `${ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3)} ms per inference, ${REGIME_WORDS[p.regime]} · static ${formatEnergyAuto(p.staticJ)} (idle ${p.idlePowerW.toFixed(0)} W × time) + dynamic ${formatEnergyAuto(p.dynamicJ)}`;
}

/** Runs the importer and the predictor on a model file; returns what to print. */
export function runPredict(file: string, options: PredictCommandOptions): { stdout: string; stderr: string[]; prediction: Prediction } {
  const profile = resolveProfile(options.profile);
  const path = modelFileOf(file);
  const bytes = readFileSync(resolve(path));
  const companions = path.endsWith('.py') ? readCompanions(path) : isConfigJson(path) ? readWeightCompanions(nodeFolderAccess(dirname(resolve(path)))) : [];
  const input = { fileName: path, bytes, companions };
  // Without --dtype: the dtype the model declares (transformers 5 loads a checkpoint in its config's
  // dtype, else its weights'), else the profile's own.
  const dtype = options.dtype ?? declaredDtype(input) ?? profile.dtype;
  const tree = importModel(input, { batchSize: options.batchSize, seqLen: options.seqLen, dtype, ...(options.targetLen !== undefined ? { targetLen: options.targetLen } : {}) });
  const prediction = predictTree(tree, profile, { idlePowerW: options.idlePower });
  const stderr = options.format === 'json' ? [] : prediction.warnings.map((w) => `warning: ${w}`);
  let stdout: string;
  switch (options.format) {
    case 'json':
      stdout = JSON.stringify(toPredictionReport(prediction), null, 2);
      break;
    case 'markdown':
      stdout = [
        `## ${prediction.modelName}: ${formatEnergyAuto(prediction.energyJ)} per inference (±${formatEnergyAuto(prediction.uncertaintyJ)})`,
        '',
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens${targetNote(tree.targetLen)} · ${prediction.dtype} · profile \`${prediction.profile.name}\` · ${formatFlops(tree.root.flops)} per inference`,
        '',
        physicsLine(prediction),
        '',
        formatTreeMarkdown(prediction.root, { maxDepth: options.depth }),
        ...(prediction.warnings.length ? ['', ...prediction.warnings.map((w) => `> warning: ${w}`)] : []),
      ].join('\n');
      break;
    default:
      stdout = [
        `${prediction.modelName}: ${formatEnergyAuto(prediction.energyJ)} per inference ± ${formatEnergyAuto(prediction.uncertaintyJ)} (${formatShare(prediction.uncertaintyJ / prediction.energyJ)})`,
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens${targetNote(tree.targetLen)} · ${prediction.dtype} · profile ${prediction.profile.name} (${prediction.profile.hardware})`,
        physicsLine(prediction),
        '',
        formatTreeTable(prediction.root, { maxDepth: options.depth }),
      ].join('\n');
  }
  return { stdout, stderr, prediction };
}

/** The file to read for `file`: a model folder means its config.json. */
function modelFileOf(file: string): string {
  if (!existsSync(file) || !statSync(file).isDirectory()) return file;
  const config = join(file, HF_CONFIG_FILE);
  if (!existsSync(config)) throw new InvalidInputError(`${file} is a folder without a ${HF_CONFIG_FILE}: give a model file, or a Hugging Face model folder`);
  return config;
}

/** A Hugging Face config file, whose folder may hold the weights. */
function isConfigJson(path: string): boolean {
  return basename(path).toLowerCase() === HF_CONFIG_FILE;
}

/** ` → N target tokens` for an encoder-decoder's tree, else nothing. */
function targetNote(targetLen: number | undefined): string {
  return targetLen === undefined ? '' : ` → ${targetLen} target tokens`;
}

/** The config.json / config.yaml beside a Python model, which its `config.x` dimensions come from. */
function readCompanions(file: string): { fileName: string; bytes: Uint8Array }[] {
  const dir = dirname(resolve(file));
  return COMPANION_FILE_NAMES.map((n) => join(dir, n))
    .filter((p) => existsSync(p) && basename(p) !== basename(file))
    .map((p) => ({ fileName: p, bytes: readFileSync(p) }));
}
