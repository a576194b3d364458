import {
  formatEnergyAuto,
  formatFlops,
  formatShare,
  importModel,
  predictTree,
  toPredictionReport,
  type Dtype,
  type Prediction,
} from '../../engine/index.js';
import { formatTreeMarkdown, formatTreeTable } from '../format/treeTable.js';
import { readModelInput } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';

/** Options of `irene predict`. */
export interface PredictCommandOptions {
  batchSize: number;
  seqLen: number;
  dtype?: Dtype;
  profile: string;
  format: 'table' | 'json' | 'markdown';
  depth: number;
}

/** Runs the importer and the predictor on a model file; returns what to print. */
export function runPredict(file: string, options: PredictCommandOptions): { stdout: string; stderr: string[]; prediction: Prediction } {
  const profile = resolveProfile(options.profile);
  // Without --dtype the profile's own dtype is used, so a default run never mixes dtypes.
  const dtype = options.dtype ?? profile.dtype;
  const tree = importModel(readModelInput(file), { batchSize: options.batchSize, seqLen: options.seqLen, dtype });
  const prediction = predictTree(tree, profile);
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
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens · ${prediction.dtype} · profile \`${prediction.profile.name}\` · ${formatFlops(tree.root.flops)} per inference`,
        '',
        formatTreeMarkdown(prediction.root, { maxDepth: options.depth }),
        ...(prediction.warnings.length ? ['', ...prediction.warnings.map((w) => `> warning: ${w}`)] : []),
      ].join('\n');
      break;
    default:
      stdout = [
        `${prediction.modelName}: ${formatEnergyAuto(prediction.energyJ)} per inference ± ${formatEnergyAuto(prediction.uncertaintyJ)} (${formatShare(prediction.uncertaintyJ / prediction.energyJ)})`,
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens · ${prediction.dtype} · profile ${prediction.profile.name} (${prediction.profile.hardware})`,
        '',
        formatTreeTable(prediction.root, { maxDepth: options.depth }),
      ].join('\n');
  }
  return { stdout, stderr, prediction };
}
