/**
 * Per-primitive energy regressions: one linear model per primitive kind on
 * standardised features, solved for the minimum-norm solution by SVD.
 */
import { minNormLeastSquares } from './leastSquares.js';

/**
 * How a regression maps features to energy:
 * - `linear`: energy = b0 + sum b_i z_i on standardised raw features, fitted
 *   to minimise the squared RELATIVE error (rows weighted by 1/energy), since
 *   the accuracy that matters is a percentage and energies span six orders of
 *   magnitude; predictions are clamped at a floor so they are never negative.
 * - `log`: log(energy) = b0 + sum b_i z_i on standardised log1p features (a
 *   power law); positive by construction.
 */
export type RegressionForm = 'linear' | 'log';

/** A fitted regression, serialisable into a profile. */
export interface RegressionModel {
  form: RegressionForm;
  /** Mean of each (transformed) feature column over the training rows. */
  mean: number[];
  /** Standard deviation of each (transformed) column; 0 marks a constant column, which is ignored. */
  std: number[];
  /** Intercept first, then one coefficient per column (joules per call, or log joules). */
  coef: number[];
  /** Smallest prediction allowed (joules per call): half the smallest energy seen in training. */
  floorJ: number;
  /**
   * Largest prediction inside the training range (joules per call): twice the
   * largest energy seen in training. Clamping features one by one can pair
   * values never seen together; this keeps such pairs from running off.
   */
  ceilingJ: number;
  /** Smallest raw value of each feature column in training (units of the column). */
  min: number[];
  /** Largest raw value of each feature column in training. */
  max: number[];
  /** Columns whose growth beyond `max` scales the prediction proportionally (FLOPs and bytes). */
  workColumns: number[];
  /** Training rows (count). */
  rows: number;
}

/** Options of {@link fitRegression}. */
export interface FitOptions {
  form: RegressionForm;
  /** Relative singular-value cut-off (truncated SVD damping); default 1e-10 (plain minimum norm). */
  rcond?: number;
  /** Columns to use (indices into the feature vector); default all. */
  columns?: readonly number[];
  /**
   * `linear` only: keep every coefficient (intercept included) >= 0 on
   * uncentred features, i.e. energy = fixed cost + a x FLOPs + b x bytes ...
   * with no negative terms. Such a model cannot turn negative or explode when
   * it extrapolates far beyond the few shapes it saw. Solved by an active set:
   * refit without the most negative column until none is negative.
   */
  nonNegative?: boolean;
  /** Columns measuring work (FLOPs, bytes) for extrapolation; see {@link predictRegression}. */
  workColumns?: readonly number[];
}

function transform(x: number, form: RegressionForm): number {
  return form === 'log' ? Math.log1p(Math.max(0, x)) : x;
}

/**
 * Fits one regression on rows of raw features and energies (joules per
 * call, all > 0; non-positive targets are dropped because a relative error
 * is undefined for them).
 */
export function fitRegression(features: readonly (readonly number[])[], energyJ: readonly number[], options: FitOptions): RegressionModel {
  const form = options.form;
  const idx: number[] = [];
  for (let i = 0; i < energyJ.length; i++) if (energyJ[i]! > 0 && Number.isFinite(energyJ[i]!)) idx.push(i);
  const nCols = features[0]?.length ?? 0;
  const use = new Set(options.columns ?? [...Array(nCols).keys()]);
  const mean = new Array<number>(nCols).fill(0);
  const std = new Array<number>(nCols).fill(0);
  const min = new Array<number>(nCols).fill(0);
  const max = new Array<number>(nCols).fill(0);
  const workColumns = [...(options.workColumns ?? [])];
  if (idx.length === 0) {
    return { form, mean, std, coef: new Array<number>(nCols + 1).fill(0), floorJ: 0, ceilingJ: 0, rows: 0, min, max, workColumns };
  }
  for (let j = 0; j < nCols; j++) {
    min[j] = Infinity;
    max[j] = -Infinity;
    for (const i of idx) {
      min[j] = Math.min(min[j]!, features[i]![j]!);
      max[j] = Math.max(max[j]!, features[i]![j]!);
    }
  }
  const nonNegative = options.nonNegative === true && form === 'linear';
  for (const i of idx) for (let j = 0; j < nCols; j++) mean[j] += transform(features[i]![j]!, form);
  for (let j = 0; j < nCols; j++) mean[j] /= idx.length;
  for (const i of idx) {
    for (let j = 0; j < nCols; j++) {
      const d = transform(features[i]![j]!, form) - mean[j]!;
      std[j] += d * d;
    }
  }
  for (let j = 0; j < nCols; j++) {
    const s = Math.sqrt(std[j]! / idx.length);
    // A column that is constant (relative to its size) carries no information; dropping it keeps the SVD clean.
    std[j] = use.has(j) && s > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? s : 0;
  }
  // Sign constraints only mean something on uncentred columns (scaled, not shifted).
  if (nonNegative) for (let j = 0; j < nCols; j++) mean[j] = 0;
  // Identical rows (the measured data copies identical layers) become one row
  // weighted by sqrt(count): the same least-squares problem, a much smaller SVD.
  const unique = new Map<string, { i: number; count: number }>();
  for (const i of idx) {
    const key = `${energyJ[i]!}|${features[i]!.join(',')}`;
    const u = unique.get(key);
    if (u) u.count++;
    else unique.set(key, { i, count: 1 });
  }
  const design: number[][] = [];
  const target: number[] = [];
  let minY = Infinity;
  let maxY = 0;
  for (const { i, count } of unique.values()) {
    const y = energyJ[i]!;
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
    const row = [1];
    for (let j = 0; j < nCols; j++) row.push(std[j]! > 0 ? (transform(features[i]![j]!, form) - mean[j]!) / std[j]! : 0);
    const c = Math.sqrt(count);
    if (form === 'linear') {
      // Weighting each row by 1/y turns the squared error into the squared relative error.
      design.push(row.map((v) => (c * v) / y));
      target.push(c);
    } else {
      design.push(row.map((v) => c * v));
      target.push(c * Math.log(y));
    }
  }
  let { coef } = minNormLeastSquares(design, target, options.rcond ?? 1e-10);
  if (nonNegative) {
    const active = coef.map(() => true);
    for (;;) {
      let worst = -1;
      for (let j = 0; j < coef.length; j++) if (active[j] && coef[j]! < 0 && (worst < 0 || coef[j]! < coef[worst]!)) worst = j;
      if (worst < 0) break;
      active[worst] = false;
      const cols = active.map((a, j) => (a ? j : -1)).filter((j) => j >= 0);
      const sub = minNormLeastSquares(
        design.map((r) => cols.map((j) => r[j]!)),
        target,
        options.rcond ?? 1e-10,
      ).coef;
      coef = coef.map(() => 0);
      cols.forEach((j, k) => (coef[j] = sub[k]!));
    }
  }
  return { form, mean, std, coef, floorJ: minY / 2, ceilingJ: 2 * maxY, rows: idx.length, min, max, workColumns };
}

/**
 * Energy of one call (joules) predicted by a regression from raw features;
 * never below its floor. Outside the training range the fitted curve is not
 * trusted (a power law or a product term can run off by orders of magnitude
 * a few sizes out): features are clamped to the range seen in training and
 * the result is scaled by how far the work grew beyond it (the largest ratio
 * of FLOPs or bytes to its clamped value), i.e. beyond the range energy grows
 * in proportion to work.
 */
export function predictRegression(model: RegressionModel, features: readonly number[]): number {
  let s = model.coef[0] ?? 0;
  let scale = 1;
  for (const j of model.workColumns) {
    const x = features[j] ?? 0;
    const hi = model.max[j]!;
    if (x > hi && hi > 0) scale = Math.max(scale, x / hi);
  }
  for (let j = 0; j < model.mean.length; j++) {
    const sd = model.std[j]!;
    if (sd === 0) continue;
    const x = Math.min(Math.max(features[j] ?? 0, model.min[j]!), model.max[j]!);
    s += model.coef[j + 1]! * ((transform(x, model.form) - model.mean[j]!) / sd);
  }
  const inRange = model.form === 'log' ? Math.exp(Math.min(s, 700)) : s;
  const e = Math.min(Math.max(Number.isFinite(inRange) ? inRange : model.floorJ, model.floorJ), model.ceilingJ) * scale;
  return Math.max(e, model.floorJ);
}

/** A candidate regression shape: form plus the feature columns it may use. */
export interface RegressionCandidate {
  form: RegressionForm;
  /** Column indices; undefined = all. */
  columns?: readonly number[];
  nonNegative?: boolean;
}

/**
 * Fits every candidate and keeps the one with the lowest leave-one-group-out
 * MAPE, where groups are the training models: the choice uses only the
 * training data, yet rewards shapes that carry over to a model not seen.
 * With fewer than two groups the first candidate is used.
 * @param groups group id (model) of each row.
 */
export function fitSelectedRegression(
  features: readonly (readonly number[])[],
  energyJ: readonly number[],
  groups: readonly number[],
  candidates: readonly RegressionCandidate[],
  rcond?: number,
  workColumns?: readonly number[],
): { model: RegressionModel; candidate: number; scores: number[] } {
  const ids = [...new Set(groups)];
  const scores = candidates.map(() => NaN);
  // With few distinct inputs (the H100 data: a handful of shapes per kind) inner validation cannot see
  // how a shape extrapolates; only candidates with at least 3 distinct rows per coefficient compete,
  // and the last candidate (the simplest) is the default.
  const distinct = new Set(features.map((f) => f.join(','))).size;
  const nCols = features[0]?.length ?? 0;
  const eligible = candidates.map((c) => distinct >= 3 * ((c.columns?.length ?? nCols) + 1));
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
        const m = fitRegression(trX, trY, { ...candidates[c]!, rcond, workColumns });
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
  return { model: fitRegression(features, energyJ, { ...candidates[best]!, rcond, workColumns }), candidate: best, scores };
}
