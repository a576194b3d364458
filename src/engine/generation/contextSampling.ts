/**
 * Summing a decode step's cost over the contexts of a request without
 * predicting every step.
 *
 * For a fixed batch and model, a decode step's tree is the same at every
 * context except the attention cores and the cache reads, whose FLOPs and
 * bytes grow linearly with the context: the work is affine in the context.
 * The predicted energy and time are smooth functions of that work (the
 * roofline, the FLOP exponent, the CPU/GPU overlap), close to affine over a
 * request. So the sum over the contexts P, P+1, ..., P+N-1 is computed from a
 * few sampled steps: both ends and the middle, a piecewise-linear curve
 * through them summed exactly over the integer contexts, and each half split
 * again (adaptive bisection) wherever the middle sample lies more than
 * `tolerance` (relative) off the chord of its ends. A request of N <= 3 steps
 * is summed step by step.
 */
import { throwIfAborted } from '../errors.js';

/** The sums of a sampled quantity vector over a run of contexts. */
export interface ContextSum {
  /** Σ over the contexts of each component of `evaluate`'s vector. */
  sums: number[];
  /** The contexts that were evaluated (ascending). */
  samples: number[];
  /** Each sampled context's vector, in the order of `samples`. */
  values: number[][];
}

/** Options of {@link sumOverContexts}. */
export interface ContextSumOptions {
  /** Largest relative deviation of a middle sample from its chord that is accepted (default 1e-3). */
  tolerance?: number;
  /** Most samples to evaluate (default 17); past it the chords are accepted. */
  maxSamples?: number;
  /**
   * The caller guarantees component 0 is monotone in the context (a decode
   * step never gets cheaper with a longer cache: a tested invariant). Then a
   * middle sample lies between its ends, at most half their difference off the
   * chord, so a segment whose ends differ by at most 2 x tolerance is accepted
   * without evaluating its middle.
   */
  monotone?: boolean;
  signal?: AbortSignal;
}

/**
 * Σ_{c = first}^{first + count - 1} evaluate(c), component by component
 * (component 0 decides where to refine; every component uses the same
 * samples), from a few sampled contexts (see the file comment).
 * @param first the first context (tokens, integer)
 * @param count how many consecutive contexts (count, >= 1)
 * @param evaluate the quantities of one step at a context (all finite)
 */
export function sumOverContexts(first: number, count: number, evaluate: (context: number) => number[], options: ContextSumOptions = {}): ContextSum {
  const tolerance = options.tolerance ?? 1e-3;
  const maxSamples = options.maxSamples ?? 17;
  const cache = new Map<number, number[]>();
  const at = (c: number): number[] => {
    let v = cache.get(c);
    if (!v) {
      throwIfAborted(options.signal);
      v = evaluate(c);
      cache.set(c, v);
    }
    return v;
  };
  const last = first + count - 1;
  let sums: number[];
  if (count <= 3) {
    sums = at(first).map(() => 0);
    for (let c = first; c <= last; c++) at(c).forEach((x, k) => (sums[k]! += x));
  } else {
    // Segments [a, b] accepted as linear; refined breadth-first so that a sample cap cuts evenly.
    const accepted: [number, number][] = [];
    let pending: [number, number][] = [[first, last]];
    at(first);
    at(last);
    while (pending.length > 0) {
      const next: [number, number][] = [];
      for (const [a, b] of pending) {
        if (b - a < 2) {
          accepted.push([a, b]);
          continue;
        }
        const m = Math.floor((a + b) / 2);
        const fresh = !cache.has(m);
        if (fresh && options.monotone) {
          const va = at(a)[0]!;
          const vb = at(b)[0]!;
          if (Math.abs(vb - va) / 2 <= tolerance * Math.min(Math.abs(va), Math.abs(vb))) {
            accepted.push([a, b]);
            continue;
          }
        }
        if (fresh && cache.size >= maxSamples) {
          accepted.push([a, b]);
          continue;
        }
        const va = at(a)[0]!;
        const vb = at(b)[0]!;
        const vm = at(m)[0]!;
        const chord = va + ((vb - va) * (m - a)) / (b - a);
        // On the chord: both halves are linear through the three samples; else refine each half.
        if (Math.abs(vm - chord) <= tolerance * Math.abs(vm)) accepted.push([a, m], [m, b]);
        else next.push([a, m], [m, b]);
      }
      pending = next;
    }
    accepted.sort((x, y) => x[0] - y[0]);
    sums = at(first).map(() => 0);
    // Each segment sums its contexts a .. b-1 along its chord; the final context is added once at the end.
    for (const [a, b] of accepted) {
      const ya = at(a);
      const yb = at(b);
      const n = b - a;
      ya.forEach((y0, k) => (sums[k]! += n * y0 + ((yb[k]! - y0) * (n - 1)) / 2));
    }
    at(last).forEach((x, k) => (sums[k]! += x));
  }
  const samples = [...cache.keys()].sort((x, y) => x - y);
  return { sums, samples, values: samples.map((c) => cache.get(c)!) };
}

/** The method in one sentence, for reports. */
export const CONTEXT_SAMPLING_METHOD =
  'decode steps predicted at both ends and the middle of the contexts (the middle skipped where the ends differ by under 0.2 %: the cost is monotone in the context), split again where the middle lies more than 0.1 % off the chord; the steps in between summed along the piecewise-linear curve (the step work is affine in the context)';
