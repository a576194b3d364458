/**
 * What-if: the inputs a user can change in the panel, their validation, and
 * the sweeps of energy against sequence length and batch size.
 */
import { AbortedError, InvalidInputError, throwIfAborted } from '../errors.js';
import { DTYPES, type Dtype } from '../tree/modelNode.js';

/** The inputs of one prediction the panel lets the user change. */
export interface WhatIfParams {
  /** Sequences per inference (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Name of the device profile. */
  profile: string;
}

/** The axis a sweep varies. */
export type SweepAxis = 'seqLen' | 'batchSize';

/** One point of a sweep. */
export interface SweepPoint {
  /** Value of the swept input (tokens or sequences). */
  x: number;
  /** Energy of one inference (joules). */
  energyJ: number;
  /** One-sigma uncertainty of energyJ (joules). */
  uncertaintyJ: number;
  /** Energy per processed token = energyJ / (batchSize x seqLen) (joules per token). */
  perTokenJ: number;
  /** One-sigma uncertainty of perTokenJ (joules per token). */
  perTokenUncertaintyJ: number;
}

/** What a sweep needs from a predictor: energy and its uncertainty for one set of inputs. */
export type SweepPredictor = (params: WhatIfParams, signal?: AbortSignal) => Promise<{ energyJ: number; uncertaintyJ: number }>;

/** Largest batch size the panel accepts (sequences). */
export const MAX_BATCH_SIZE = 4096;
/** Largest sequence length the panel accepts (tokens). */
export const MAX_SEQ_LEN = 1 << 20;

/**
 * Checks user input; throws InvalidInputError with a message naming the
 * field. Text from the panel's fields is accepted as strings.
 */
export function parseWhatIfParams(input: { batchSize: unknown; seqLen: unknown; dtype: unknown; profile: unknown }): WhatIfParams {
  const batchSize = parsePositiveInt(input.batchSize, 'batch size', MAX_BATCH_SIZE);
  const seqLen = parsePositiveInt(input.seqLen, 'sequence length', MAX_SEQ_LEN);
  if (typeof input.dtype !== 'string' || !DTYPES.includes(input.dtype as Dtype)) {
    throw new InvalidInputError(`dtype must be one of ${DTYPES.join(', ')}, not "${String(input.dtype)}"`);
  }
  if (typeof input.profile !== 'string' || input.profile.trim() === '') throw new InvalidInputError('pick a device profile');
  return { batchSize, seqLen, dtype: input.dtype as Dtype, profile: input.profile };
}

function parsePositiveInt(value: unknown, what: string, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`${what} must be a whole number of at least 1, not "${String(value)}"`);
  if (n > max) throw new InvalidInputError(`${what} must be at most ${max}, not ${n}`);
  return n;
}

/**
 * The values a sweep visits: powers of two from `min` up to `max`, plus the
 * current value so the chart always shows the point the breakdown is for.
 * Sorted ascending, no duplicates.
 */
export function sweepValues(current: number, min: number, max: number): number[] {
  const values = new Set<number>();
  for (let v = 1; v <= max; v *= 2) if (v >= min) values.add(v);
  if (current >= 1 && current <= max) values.add(current);
  return [...values].sort((a, b) => a - b);
}

/** Default sweep values of an axis for a model that accepts up to `maxSeqLen` tokens. */
export function defaultSweepValues(axis: SweepAxis, params: WhatIfParams, maxSeqLen = 2048): number[] {
  return axis === 'seqLen' ? sweepValues(params.seqLen, 16, Math.max(16, maxSeqLen)) : sweepValues(params.batchSize, 1, 64);
}

/**
 * Predicts each value of the axis with the other inputs held, at most
 * `concurrency` at a time (the extension's worker queues them anyway; a
 * bound keeps a cancelled sweep from leaving a long queue behind).
 * Points come back in the order of `values`.
 * @throws AbortedError when the signal fires.
 */
export async function runSweep(
  axis: SweepAxis,
  values: readonly number[],
  base: WhatIfParams,
  predict: SweepPredictor,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<SweepPoint[]> {
  const { signal } = options;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const points: SweepPoint[] = new Array<SweepPoint>(values.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < values.length) {
      throwIfAborted(signal);
      const i = next++;
      const x = values[i]!;
      const params: WhatIfParams = { ...base, [axis]: x };
      const r = await predict(params, signal);
      throwIfAborted(signal);
      const tokens = params.batchSize * params.seqLen;
      points[i] = { x, energyJ: r.energyJ, uncertaintyJ: r.uncertaintyJ, perTokenJ: r.energyJ / tokens, perTokenUncertaintyJ: r.uncertaintyJ / tokens };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, values.length) }, worker));
  if (signal?.aborted) throw new AbortedError();
  return points;
}

/** True when y never decreases as x grows (what energy must do against tokens processed). */
export function isNonDecreasing(points: readonly SweepPoint[], metric: 'energyJ' | 'perTokenJ' = 'energyJ'): boolean {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]![metric] < sorted[i - 1]![metric]) return false;
  return true;
}
