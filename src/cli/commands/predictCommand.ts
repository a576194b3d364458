import {
  declaredDtype,
  formatEnergyAuto,
  formatFlops,
  formatShare,
  importModel,
  predictTree,
  toPredictionReport,
  type AttentionImplementation,
  type Dtype,
  type Phase,
  type Prediction,
} from '../../engine/index.js';
import { formatTreeMarkdown, formatTreeTable } from '../format/treeTable.js';
import { readModelInput } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';
import { markdownCode, markdownText, terminalText } from '../../engine/report/escapeText.js';

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
  /** The pass to predict (default forward). */
  phase?: Phase;
  /** Decode: positions the step attends over (tokens). */
  context?: number;
  /** Attention implementation (default: see ImportOptions.attention). */
  attn?: AttentionImplementation;
  /** Graph-captured execution. */
  graphs?: boolean;
  /** Table: a row for every one of identical siblings instead of `layer.0-11 (BertLayer) ×12`. */
  expandRepeats?: boolean;
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
  const input = readModelInput(file);
  // Without --dtype: the dtype the model declares (transformers 5 loads a checkpoint in its config's
  // dtype, else its weights'), else the profile's own.
  const dtype = options.dtype ?? declaredDtype(input) ?? profile.dtype;
  const tree = importModel(input, {
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    dtype,
    ...(options.targetLen !== undefined ? { targetLen: options.targetLen } : {}),
    ...(options.phase && options.phase !== 'forward' ? { phase: options.phase } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.attn ? { attention: options.attn } : {}),
  });
  const prediction = predictTree(tree, profile, { idlePowerW: options.idlePower, ...(options.graphs ? { graphs: true } : {}) });
  const stderr = options.format === 'json' ? [] : prediction.warnings.map((w) => `warning: ${w}`);
  let stdout: string;
  switch (options.format) {
    case 'json':
      stdout = JSON.stringify(
        {
          ...toPredictionReport(prediction),
          ...(tree.phase ? { phase: tree.phase } : {}),
          ...(tree.context !== undefined ? { context: tree.context } : {}),
          ...(tree.attention ? { attention: tree.attention } : {}),
          ...(options.graphs ? { graphs: true } : {}),
        },
        null,
        2,
      );
      break;
    case 'markdown':
      stdout = [
        `## ${markdownText(prediction.modelName)}: ${formatEnergyAuto(prediction.energyJ)} per inference (±${formatEnergyAuto(prediction.uncertaintyJ)})`,
        '',
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens${targetNote(tree.targetLen, tree)} · ${prediction.dtype} · profile ${markdownCode(prediction.profile.name)} · ${formatFlops(tree.root.flops)} per inference`,
        '',
        physicsLine(prediction),
        '',
        formatTreeMarkdown(prediction.root, { maxDepth: options.depth }),
        ...(prediction.warnings.length ? ['', ...prediction.warnings.map((w) => `> warning: ${markdownText(w)}`)] : []),
      ].join('\n');
      break;
    default:
      stdout = [
        `${terminalText(prediction.modelName)}: ${formatEnergyAuto(prediction.energyJ)} per inference ± ${formatEnergyAuto(prediction.uncertaintyJ)} (${formatShare(prediction.uncertaintyJ / prediction.energyJ)})`,
        `batch ${prediction.batchSize} × ${prediction.seqLen} tokens${targetNote(tree.targetLen, tree)} · ${prediction.dtype} · profile ${terminalText(prediction.profile.name)} (${terminalText(prediction.profile.hardware)})`,
        physicsLine(prediction),
        '',
        formatTreeTable(prediction.root, { maxDepth: options.depth, expandRepeats: options.expandRepeats ?? false }),
      ].join('\n');
  }
  return { stdout, stderr, prediction };
}

/** ` → N target tokens` for an encoder-decoder's tree, the phase of a generation tree, else nothing. */
function targetNote(targetLen: number | undefined, tree?: { phase?: Phase; context?: number; attention?: AttentionImplementation }): string {
  const phase = tree?.phase === 'decode' ? ` · decode step against ${tree.context} cached positions` : tree?.phase === 'prefill' ? ' · prefill (KV cache writes + LM head)' : '';
  const attention = tree?.attention ? ` · ${tree.attention} attention` : '';
  return (targetLen === undefined ? '' : ` → ${targetLen} target tokens`) + phase + attention;
}
