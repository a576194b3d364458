/**
 * Per-primitive energy regressions (IrEne's first level), one per primitive
 * kind: the energy of one call is a non-negative combination of work terms,
 *
 *   E = a x (idle power x predicted time) + b x FLOPs + c x traffic + d x launches + ...
 *
 * on uncentred columns, fitted to the squared relative error. Non-negative
 * coefficients on columns that only grow with work make the regression
 * monotone in work and positive by construction, and let it extrapolate
 * linearly (the physics of dynamic energy) instead of running off or
 * turning negative a few sizes out, as the earlier free-sign fits on centred
 * features did.
 */
import { nonNegativeLeastSquares } from './nonNegativeLeastSquares.js';

/** A fitted regression, serialisable into a profile. */
export interface RegressionModel {
  /** Columns used (indices into the regression's raw vector: static energy first, then the feature set's columns). */
  columns: number[];
  /** Coefficient of each used column (>= 0; joules per unit of the column, the static one dimensionless). */
  coef: number[];
  /** Training rows (count). */
  rows: number;
}

/**
 * Energy of one call (joules) predicted by a regression from its raw vector;
 * >= 0 by construction.
 */
export function predictRegression(model: RegressionModel, x: readonly number[]): number {
  let e = 0;
  for (let k = 0; k < model.columns.length; k++) e += model.coef[k]! * Math.max(0, x[model.columns[k]!] ?? 0);
  return e;
}

/**
 * The prediction split in two (joules): the terms of `isolatedColumns` (the
 * static energy and the fixed cost of a call replayed on its own, which do not
 * carry into a forward pass) and the rest, the dynamic energy of the work.
 */
export function splitPrediction(model: RegressionModel, x: readonly number[], isolatedColumns: readonly number[]): { isolatedJ: number; dynamicJ: number } {
  let isolatedJ = 0;
  let dynamicJ = 0;
  for (let k = 0; k < model.columns.length; k++) {
    const term = model.coef[k]! * Math.max(0, x[model.columns[k]!] ?? 0);
    if (isolatedColumns.includes(model.columns[k]!)) isolatedJ += term;
    else dynamicJ += term;
  }
  return { isolatedJ, dynamicJ };
}

/**
 * Fits one regression on rows of raw vectors and energies (joules per call;
 * rows with non-positive or non-finite targets are dropped, since a relative
 * error is undefined for them). Identical rows (the measured data copies
 * identical layers) become one row weighted by their count.
 * @param columns the columns the regression may use.
 */
export function fitRegression(features: readonly (readonly number[])[], energyJ: readonly number[], columns: readonly number[]): RegressionModel {
  const unique = new Map<string, { i: number; count: number }>();
  for (let i = 0; i < energyJ.length; i++) {
    const y = energyJ[i]!;
    if (!(y > 0) || !Number.isFinite(y)) continue;
    const key = `${y}|${columns.map((j) => features[i]![j]).join(',')}`;
    const u = unique.get(key);
    if (u) u.count++;
    else unique.set(key, { i, count: 1 });
  }
  if (unique.size === 0) return { columns: [...columns], coef: columns.map(() => 0), rows: 0 };
  const design: number[][] = [];
  const target: number[] = [];
  let rows = 0;
  for (const { i, count } of unique.values()) {
    const y = energyJ[i]!;
    const c = Math.sqrt(count);
    // Dividing a row by its target turns the squared error into the squared relative error.
    design.push(columns.map((j) => (c * Math.max(0, features[i]![j]!)) / y));
    target.push(c);
    rows += count;
  }
  const coef = nonNegativeLeastSquares(design, target);
  return { columns: [...columns], coef, rows };
}

/** A candidate regression shape: the columns it may use. */
export interface RegressionCandidate {
  /** Column indices into the raw vector. */
  columns: readonly number[];
}

/**
 * Fits every candidate and keeps the one with the lowest leave-one-group-out
 * MAPE, where groups are the training models: the choice uses only the
 * training data, yet rewards shapes that carry over to a model not seen.
 * With few distinct inputs (the H100 data: a handful of shapes per kind)
 * inner validation cannot see how a shape extrapolates; only candidates with
 * at least 3 distinct rows per coefficient compete, and the last candidate
 * (the simplest) is the default.
 * @param groups group id (model) of each row.
 */
export function fitSelectedRegression(
  features: readonly (readonly number[])[],
  energyJ: readonly number[],
  groups: readonly number[],
  candidates: readonly RegressionCandidate[],
): { model: RegressionModel; candidate: number; scores: number[] } {
  const ids = [...new Set(groups)];
  const scores = candidates.map(() => NaN);
  const distinct = new Set(features.map((f) => f.join(','))).size;
  const eligible = candidates.map((c) => distinct >= 3 * c.columns.length);
  let best = candidates.length - 1;
  if (ids.length >= 2 && candidates.length > 1) {
    for (let c = 0; c < candidates.length; c++) {
      if (!eligible[c] && c !== candidates.length - 1) continue;
      let sum = 0;
      for (const g of ids) {
        const trX: (readonly number[])[] = [];
        const trY: number[] = [];
        for (let i = 0; i < energyJ.length; i++) {
          if (groups[i] === g) continue;
          trX.push(features[i]!);
          trY.push(energyJ[i]!);
        }
        const m = fitRegression(trX, trY, candidates[c]!.columns);
        let e = 0;
        let n = 0;
        for (let i = 0; i < energyJ.length; i++) {
          if (groups[i] !== g || !(energyJ[i]! > 0)) continue;
          e += Math.abs(predictRegression(m, features[i]!) - energyJ[i]!) / energyJ[i]!;
          n++;
        }
        sum += n > 0 ? e / n : 0;
      }
      scores[c] = sum / ids.length;
      if (scores[c]! < scores[best]! || Number.isNaN(scores[best]!)) best = c;
    }
  }
  return { model: fitRegression(features, energyJ, candidates[best]!.columns), candidate: best, scores };
}
