import {
  findImporter,
  formatBytes,
  formatEnergyAuto,
  InvalidInputError,
  predictGeneration,
  readHfConfig,
  toGenerationReport,
  declaredDtype,
  type AttentionImplementation,
  type Dtype,
  type GenerationPrediction,
} from '../../engine/index.js';
import { formatTreeMarkdown, formatTreeTable } from '../format/treeTable.js';
import { readModelInput } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';
import { maxOf } from '../../engine/arrays.js';

/** Options of `irene generate`. */
export interface GenerateCommandOptions {
  promptLen: number;
  outputLen: number;
  batchSize: number;
  attn?: AttentionImplementation;
  graphs: boolean;
  gpus: number;
  dtype?: Dtype;
  profile: string;
  format: 'table' | 'json' | 'markdown';
  depth: number;
  /** Idle power of the user's host (W), replacing the profile's. */
  idlePower?: number;
}

const ms = (s: number): string => {
  const v = s * 1e3;
  return `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ms`;
};
const seconds = (s: number): string => (s >= 1 ? `${s.toPrecision(3)} s` : ms(s));

/** The headline and the lines under it (table and Markdown share them). */
function summaryLines(g: GenerationPrediction): string[] {
  const assumed = g.warnings.some((w) => w.startsWith('attention assumed')) ? ' (assumed)' : '';
  const mem = g.memory;
  const capacity = mem.capacityBytes !== undefined ? ` of ${formatBytes(mem.capacityBytes)}` : '';
  const maxBatch = mem.maxBatch !== undefined ? ` · largest batch that fits: ${mem.maxBatch}` : '';
  return [
    `${g.modelName}: ${formatEnergyAuto(g.energyPerOutputTokenJ)} per output token · ${formatEnergyAuto(g.energyPerRequestJ)} per request (${g.promptLen} → ${g.outputLen}) · batch ${g.batchSize}`,
    `prefill ${formatEnergyAuto(g.prefillJ)} (${seconds(g.prefillTimeS)}) + decode ${formatEnergyAuto(g.decodeJ)} (${g.outputLen} steps, ${ms(g.decodeStepTimeS.meanS)} each; ${formatEnergyAuto(g.decodePerTokenJ)} per token) = ${formatEnergyAuto(g.energyJ)} ± ${formatEnergyAuto(g.uncertaintyJ)} in ${seconds(g.timeS)} · ${g.tokensPerJ.toPrecision(3)} tokens/J`,
    `${g.attention} attention${assumed} · ${g.graphs ? 'CUDA graphs' : 'eager kernel launches'} · ${g.gpus} GPU${g.gpus > 1 ? 's (tensor parallel)' : ''} · ${g.dtype} · profile ${g.profile.name} (${g.hardware})`,
    `memory per GPU: ${formatBytes(mem.totalBytes)}${capacity} (weights ${formatBytes(mem.weightBytes)} + KV cache ${formatBytes(mem.kvCacheBytes)} + activations ${formatBytes(mem.activationBytes)})${mem.fits ? '' : ' — does not fit'}${maxBatch}`,
  ];
}

function moduleRows(g: GenerationPrediction): string[][] {
  return g.modules.map((m) => [m.module, formatEnergyAuto(m.prefillJ), formatEnergyAuto(m.decodeJ)]);
}

/** Runs the generation predictor on a causal LM's config.json; returns what to print. */
export function runGenerate(file: string, options: GenerateCommandOptions): { stdout: string; stderr: string[]; prediction: GenerationPrediction } {
  const profile = resolveProfile(options.profile);
  const input = readModelInput(file);
  if (findImporter(input.fileName, input.bytes)?.id !== 'hf-config') {
    throw new InvalidInputError(`${file}: generation is predicted from a Hugging Face config.json (or a model folder with one)`);
  }
  const { config, modelName } = readHfConfig(input);
  const dtype = options.dtype ?? declaredDtype(input) ?? profile.dtype;
  const g = predictGeneration(
    config,
    profile,
    {
      batchSize: options.batchSize,
      promptLen: options.promptLen,
      outputLen: options.outputLen,
      dtype,
      graphs: options.graphs,
      gpus: options.gpus,
      ...(options.attn ? { attention: options.attn } : {}),
      ...(options.idlePower !== undefined ? { idlePowerW: options.idlePower } : {}),
    },
    modelName,
  );
  const stderr = options.format === 'json' ? [] : g.warnings.map((w) => `warning: ${w}`);
  let stdout: string;
  switch (options.format) {
    case 'json':
      stdout = JSON.stringify(toGenerationReport(g), null, 2);
      break;
    case 'markdown': {
      const [head, ...rest] = summaryLines(g);
      stdout = [
        `## ${head}`,
        '',
        ...rest.flatMap((l) => [l, '']),
        '| part | prefill | decode |',
        '|---|---:|---:|',
        ...moduleRows(g).map((r) => `| ${r.join(' | ')} |`),
        '',
        `### Decode step at context ${g.decodeContext} (one GPU)`,
        '',
        formatTreeMarkdown(g.decode.root, { maxDepth: options.depth }),
        ...(g.warnings.length ? ['', ...g.warnings.map((w) => `> warning: ${w}`)] : []),
      ].join('\n');
      break;
    }
    default: {
      const rows = [['part', 'prefill', 'decode'], ...moduleRows(g)];
      const widths = rows[0]!.map((_, k) => maxOf(rows.map((r) => r[k]!.length)));
      stdout = [
        ...summaryLines(g),
        '',
        ...rows.map((r) => r.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ')),
        '',
        `decode step at context ${g.decodeContext} (one GPU):`,
        formatTreeTable(g.decode.root, { maxDepth: options.depth }),
      ].join('\n');
    }
  }
  return { stdout, stderr, prediction: g };
}
