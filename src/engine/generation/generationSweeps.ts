/**
 * What the panel's Generation tab draws, predicted in one call: the decode
 * J per generated token against the context (at the setting's batch) and
 * against the batch (at the request's last context, with the largest batch
 * that fits in memory), and J per request over a prompt x output grid around
 * the setting.
 */
import type { Profile } from '../profiles/profileFormat.js';
import { throwIfAborted } from '../errors.js';
import { predictDecodeStep, predictGeneration, type GenerationOptions } from './predictGeneration.js';
import { toGenerationReport, type GenerationReport } from './generationReport.js';

/** One point of a per-token sweep. */
export interface PerTokenPoint {
  /** The swept value: a context (tokens) or a batch size (sequences). */
  x: number;
  /** Decode J per generated token. */
  perTokenJ: number;
  /** One-sigma uncertainty of perTokenJ (joules per token). */
  uncertaintyJ: number;
}

/** One cell of the prompt x output what-if. */
export interface RequestCell {
  promptLen: number;
  outputLen: number;
  /** One sequence's prompt + output (joules). */
  energyPerRequestJ: number;
  /** All energy / output tokens (joules per token). */
  energyPerOutputTokenJ: number;
  fits: boolean;
}

/** Everything the Generation tab shows. */
export interface GenerationSweeps {
  /** The setting's own request, without trees. */
  report: Omit<GenerationReport, 'trees'>;
  /** Decode J/token against the context, at the setting's batch. */
  byContext: PerTokenPoint[];
  /** Decode J/token against the batch, at context prompt + output. */
  byBatch: PerTokenPoint[];
  /** The context of byBatch (tokens). */
  batchContext: number;
  /** The prompt x output grid (rows: prompts, then outputs, ascending). */
  grid: RequestCell[];
}

/** Powers of two from `lo` to `hi` (both included when they are powers of two). */
function powersOfTwo(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi; v *= 2) out.push(v);
  return out;
}

/** The values of a what-if axis around a setting: half, the setting, double. */
export function aroundSetting(v: number): number[] {
  return [...new Set([Math.max(1, Math.round(v / 2)), v, 2 * v])];
}

/**
 * Predicts the Generation tab's sweeps.
 * @param maxContext the longest context swept (tokens; the model's max positions, say)
 */
export function predictGenerationSweeps(
  config: Readonly<Record<string, unknown>>,
  profile: Profile,
  options: GenerationOptions,
  modelName?: string,
  maxContext = 32768,
): GenerationSweeps {
  const base = predictGeneration(config, profile, options, modelName);
  const report: Partial<GenerationReport> = toGenerationReport(base);
  delete report.trees;
  const step = (batchSize: number, context: number): PerTokenPoint => {
    throwIfAborted(options.signal);
    const s = predictDecodeStep(config, profile, { ...options, batchSize, context }, modelName);
    return { x: 0, perTokenJ: s.perTokenJ, uncertaintyJ: s.prediction.uncertaintyJ * (options.gpus ?? 1) / batchSize };
  };
  const byContext = powersOfTwo(128, Math.max(128, maxContext)).map((c) => ({ ...step(options.batchSize, c), x: c }));
  const batchContext = options.promptLen + options.outputLen;
  const byBatch = powersOfTwo(1, 256).map((b) => ({ ...step(b, batchContext), x: b }));
  const grid: RequestCell[] = [];
  for (const promptLen of aroundSetting(options.promptLen)) {
    for (const outputLen of aroundSetting(options.outputLen)) {
      const g = promptLen === options.promptLen && outputLen === options.outputLen ? base : predictGeneration(config, profile, { ...options, promptLen, outputLen }, modelName);
      grid.push({ promptLen, outputLen, energyPerRequestJ: g.energyPerRequestJ, energyPerOutputTokenJ: g.energyPerOutputTokenJ, fits: g.memory.fits });
    }
  }
  return { report: report as Omit<GenerationReport, 'trees'>, byContext, byBatch, batchContext, grid };
}
