/**
 * The one-sigma uncertainty of a prediction, relative to its value:
 *
 *   sigma^2 = base(level)^2 + noise(tokens)^2 + (perLogDistance(level) x d)^2
 *
 * where `base` is how far off the predictor was on models it had not seen
 * (cross-validation), `noise` the run-to-run spread of the measurements for
 * inputs of that size, and d how far the input lies outside the training data
 * (natural-log units, `extrapolation.ts`). The two per-level parameters are
 * calibrated by maximum likelihood on the cross-validation residuals, so that
 * about 68 % of held-out nodes fall within one sigma; the coverage actually
 * reached is measured on folds the calibration did not see and stored with the
 * profile. Non-decreasing in d by construction.
 */

/** Levels of the IrEne hierarchy. */
export type Level = 'ml' | 'module' | 'model';

/** All levels, in order. */
export const LEVELS: readonly Level[] = ['ml', 'module', 'model'];

/** Calibrated parameters of one level. */
export interface LevelUncertainty {
  /** Relative one-sigma error inside the training range (0.1 = 10 %). */
  baseRelative: number;
  /** Growth of the relative sigma per natural-log unit of extrapolation distance. */
  perLogDistance: number;
}

/** Fraction of held-out nodes whose error lay within one and two sigma. */
export interface Coverage {
  within1Sigma: number;
  within2Sigma: number;
  /** Held-out nodes (count). */
  n: number;
}

/** A profile's uncertainty model. */
export interface UncertaintyModel {
  levels: Record<Level, LevelUncertainty>;
  /** Coverage on held-out folds, per level (absent where not measured). */
  coverage?: Partial<Record<Level, Coverage>>;
  /** How it was calibrated, in words. */
  note: string;
}

/** Run-to-run noise, as in a profile (`NoiseFigures`). */
export interface NoiseLike {
  smallTokens: number;
  smallRelative: number;
  largeRelative: number;
}

/** Relative noise for an input of `tokens` tokens (0 without noise figures). */
export function noiseFor(noise: NoiseLike | undefined, tokens: number): number {
  if (!noise) return 0;
  return tokens <= noise.smallTokens ? noise.smallRelative : noise.largeRelative;
}

/** Relative one-sigma uncertainty (0.1 = 10 %). */
export function relativeSigma(u: LevelUncertainty, noise: number, distance: number): number {
  const d = Math.max(0, distance);
  return Math.sqrt(u.baseRelative ** 2 + noise ** 2 + (u.perLogDistance * d) ** 2);
}

/** One held-out residual of a cross-validation. */
export interface Residual {
  level: Level;
  /** Which fold (left-out model or family) it came from. */
  fold: string;
  /** (predicted - measured) / measured. */
  relativeError: number;
  /** Relative measurement noise for its input size. */
  noise: number;
  /** Extrapolation distance of its input (ln units). */
  distance: number;
}

/** Fallback when a level has too few residuals: the extrapolation term grows by this much per e-fold. */
export const DEFAULT_PER_LOG_DISTANCE = 0.1;

/**
 * Least growth per e-fold, whatever the residuals say. Held-out models lie at
 * most two or three e-folds outside the others' range, so the residuals say
 * little about the distances users reach (a 70B model is ten e-folds past a
 * 1B one); where they show no growth, the band still widens by this much.
 */
export const MIN_PER_LOG_DISTANCE = 0.05;

const BASE_GRID = Array.from({ length: 60 }, (_, i) => 0.002 * Math.pow(1.13, i));
const SLOPE_GRID = [0, ...Array.from({ length: 50 }, (_, i) => 0.002 * Math.pow(1.15, i))];

/**
 * Maximum-likelihood (base, perLogDistance) for residuals under
 * e ~ Normal(0, base^2 + noise^2 + (k d)^2), on a log grid (robust, and the
 * likelihood is cheap): minimises sum of ln sigma^2 + e^2 / sigma^2.
 */
export function fitLevelUncertainty(residuals: readonly Residual[]): LevelUncertainty | undefined {
  if (residuals.length < 3) return undefined;
  let best: LevelUncertainty | undefined;
  let bestNll = Infinity;
  for (const base of BASE_GRID) {
    for (const k of SLOPE_GRID) {
      let nll = 0;
      for (const r of residuals) {
        const s2 = base * base + r.noise * r.noise + (k * r.distance) ** 2;
        nll += Math.log(s2) + (r.relativeError * r.relativeError) / s2;
      }
      if (nll < bestNll) {
        bestNll = nll;
        best = { baseRelative: base, perLogDistance: k };
      }
    }
  }
  return best;
}

/**
 * Calibrates every level on all residuals and measures coverage fold by
 * fold: each fold's sigmas come from parameters fitted without that fold.
 * Folds are weighed alike in the fit (a model with many nodes does not
 * outvote the others): residuals are subsampled to at most 400 per fold and level.
 */
export function calibrateUncertainty(residuals: readonly Residual[], fallback: Record<Level, number>): UncertaintyModel {
  const thin = thinByFold(residuals);
  const levels = {} as Record<Level, LevelUncertainty>;
  const coverage: Partial<Record<Level, Coverage>> = {};
  for (const level of LEVELS) {
    const rs = thin.filter((r) => r.level === level);
    const fitted = fitLevelUncertainty(rs) ?? { baseRelative: fallback[level], perLogDistance: DEFAULT_PER_LOG_DISTANCE };
    levels[level] = { ...fitted, perLogDistance: Math.max(MIN_PER_LOG_DISTANCE, fitted.perLogDistance) };
    const folds = [...new Set(rs.map((r) => r.fold))];
    if (folds.length < 2) continue;
    let in1 = 0;
    let in2 = 0;
    let n = 0;
    for (const f of folds) {
      const raw = fitLevelUncertainty(rs.filter((r) => r.fold !== f));
      const u = raw ? { ...raw, perLogDistance: Math.max(MIN_PER_LOG_DISTANCE, raw.perLogDistance) } : levels[level];
      for (const r of residuals) {
        if (r.level !== level || r.fold !== f) continue;
        const s = relativeSigma(u, r.noise, r.distance);
        const a = Math.abs(r.relativeError);
        if (a <= s) in1++;
        if (a <= 2 * s) in2++;
        n++;
      }
    }
    if (n > 0) coverage[level] = { within1Sigma: in1 / n, within2Sigma: in2 / n, n };
  }
  return {
    levels,
    coverage,
    note: `maximum-likelihood fit of a normal error model on the cross-validation residuals (at most 400 per fold and level), with at least ${MIN_PER_LOG_DISTANCE * 100} % growth per e-fold of extrapolation; coverage measured per fold with parameters fitted without that fold`,
  };
}

function thinByFold(residuals: readonly Residual[]): Residual[] {
  const out: Residual[] = [];
  const groups = new Map<string, Residual[]>();
  for (const r of residuals) {
    const k = `${r.fold}\u0000${r.level}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  for (const g of groups.values()) {
    const step = Math.max(1, Math.ceil(g.length / 400));
    for (let i = 0; i < g.length; i += step) out.push(g[i]!);
  }
  return out;
}

/** MAPE (percent) to a one-sigma relative error: for normal errors E|e| = sigma x sqrt(2/pi). */
export function mapeToSigma(mapePct: number): number {
  return (mapePct * Math.sqrt(Math.PI / 2)) / 100;
}
