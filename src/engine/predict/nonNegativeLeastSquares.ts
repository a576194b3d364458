/**
 * Non-negative least squares: min |A x - b|^2 subject to x >= 0, by the
 * Lawson-Hanson active-set method (Lawson and Hanson, "Solving Least Squares
 * Problems", 1974, ch. 23). Every energy term the predictor fits (joules per
 * FLOP, per byte, per launch, per second of static power) is a cost of work,
 * so its coefficient may not be negative: with a negative one, more work could
 * cost less, and an extrapolation could turn the energy negative.
 *
 * No well-kept npm package implements it (ml-matrix and ml-regression have
 * unconstrained solvers only); the unconstrained sub-problems go through the
 * SVD of `minNormLeastSquares`.
 */
import { minNormLeastSquares } from './leastSquares.js';

/** Options of {@link nonNegativeLeastSquares}. */
export interface NnlsOptions {
  /** Active-set iterations at most (default 3 x columns + 10). */
  maxIterations?: number;
  /** Tolerance on the gradient for optimality (relative to the largest column norm). */
  tolerance?: number;
}

/**
 * Solves min |A x - b| with x >= 0. Columns are scaled to unit norm inside,
 * so that FLOPs (1e12) and launches (1e2) compete fairly; the result is in
 * the units of the unscaled columns.
 * @param rows A, one array per row (m x n).
 * @param b targets (m).
 */
export function nonNegativeLeastSquares(rows: readonly (readonly number[])[], b: readonly number[], options: NnlsOptions = {}): number[] {
  const m = rows.length;
  const n = rows[0]?.length ?? 0;
  if (m === 0 || n === 0) return new Array<number>(n).fill(0);
  const scale = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += rows[i]![j]! ** 2;
    scale[j] = Math.sqrt(s);
  }
  const A = rows.map((r) => r.map((v, j) => (scale[j]! > 0 ? v / scale[j]! : 0)));
  const tol = options.tolerance ?? 1e-10;
  const maxIter = options.maxIterations ?? 3 * n + 10;
  const x = new Array<number>(n).fill(0);
  const passive = new Array<boolean>(n).fill(false);
  const usable = scale.map((s) => s > 0);
  const gradient = (): number[] => {
    // w = A^T (b - A x)
    const r = b.map((bi, i) => bi - A[i]!.reduce((s, a, j) => s + a * x[j]!, 0));
    return Array.from({ length: n }, (_, j) => A.reduce((s, row, i) => s + row[j]! * r[i]!, 0));
  };
  const solvePassive = (): number[] => {
    const cols = passive.map((p, j) => (p ? j : -1)).filter((j) => j >= 0);
    const z = new Array<number>(n).fill(0);
    if (cols.length === 0) return z;
    const sub = minNormLeastSquares(
      A.map((row) => cols.map((j) => row[j]!)),
      b,
      1e-12,
    ).coef;
    cols.forEach((j, k) => (z[j] = sub[k]!));
    return z;
  };
  for (let outer = 0; outer < maxIter; outer++) {
    const w = gradient();
    let best = -1;
    for (let j = 0; j < n; j++) if (!passive[j] && usable[j] && w[j]! > tol && (best < 0 || w[j]! > w[best]!)) best = j;
    if (best < 0) break;
    passive[best] = true;
    for (let inner = 0; inner < maxIter; inner++) {
      const z = solvePassive();
      const negative = passive.some((p, j) => p && z[j]! <= 0);
      if (!negative) {
        for (let j = 0; j < n; j++) x[j] = passive[j] ? z[j]! : 0;
        break;
      }
      // Step from x towards z as far as feasibility allows, then drop the columns that hit zero.
      let alpha = Infinity;
      for (let j = 0; j < n; j++) {
        if (passive[j] && z[j]! <= 0) alpha = Math.min(alpha, x[j]! / (x[j]! - z[j]!));
      }
      for (let j = 0; j < n; j++) x[j] = x[j]! + alpha * (z[j]! - x[j]!);
      for (let j = 0; j < n; j++) if (passive[j] && x[j]! <= 1e-15) passive[j] = false;
      if (!passive.some(Boolean)) break;
    }
  }
  return x.map((v, j) => (scale[j]! > 0 ? Math.max(0, v) / scale[j]! : 0));
}
