/**
 * The device profile format: a trained predictor plus what a user needs to
 * judge it (hardware, dtype, energy source, cross-validation error, training
 * range, measurement noise), stored as small JSON files, and its validation.
 */
import { ProfileError } from '../errors.js';
import { DTYPES, type Dtype } from '../tree/modelNode.js';
import { aggregationFeatureNames, featureNames, FEATURE_SETS, type FeatureSet } from '../predict/features.js';
import type { PredictorModel } from '../predict/predictorModel.js';
import type { RegressionModel } from '../predict/primitiveRegression.js';

/** Version of the profile JSON format this code reads and writes. */
/**
 * Version of the profile JSON format this code reads and writes. 2: the
 * weighting model sees FLOPs and bytes only (not the shape columns), and
 * profiles list the primitives their training trees listed (`leafVocabulary`).
 */
export const PROFILE_FORMAT_VERSION = 2;

/** Cross-validation MAPE per level (percent): leave-one-model-out on the training data. */
export interface ProfileCrossValidation {
  mlPct: number;
  modulePct: number;
  modelPct: number;
}

/** Inclusive [min, max] range seen in training. */
export type Range = [number, number];

/** What the training data covered, per primitive kind and for the whole model. */
export interface TrainingRange {
  /** Sequences per pass (count). */
  batch: Range;
  /** Tokens per sequence (count). */
  seq: Range;
  /** FLOPs of one call. */
  flops: Range;
}

/**
 * Run-to-run measurement noise (relative one-sigma, 0.1 = 10 %). Inputs of
 * at most `smallTokens` tokens (batch x sequence) are launch-bound on a fast
 * GPU: energy is mostly idle power x time and repeats poorly.
 */
export interface NoiseFigures {
  smallTokens: number;
  smallRelative: number;
  largeRelative: number;
  /** How the figures were measured. */
  note: string;
}

/** A device profile. */
export interface Profile {
  formatVersion: number;
  /** Unique id (`h100-bf16`). */
  name: string;
  description: string;
  /** The machine the energy was measured on. */
  hardware: string;
  /** Dtype the training data ran in. */
  dtype: Dtype;
  /** How energy was measured (wall meter, NVML board counter ...). */
  energySource: string;
  trainingData: { description: string; models: string[]; trees: number };
  featureSet: FeatureSet;
  crossValidation: ProfileCrossValidation & {
    perModel: ({ model: string } & ProfileCrossValidation)[];
    seed: number;
  };
  /** Per primitive kind, and `model` for the whole tree. */
  trainingRange: Record<string, TrainingRange>;
  noise?: NoiseFigures;
  /**
   * Primitives the training trees listed as nodes of their own (keys from
   * `vocabularyKey`); others are dropped before predicting, because their
   * energy was measured as part of their parent modules.
   */
  leafVocabulary: string[];
  predictor: PredictorModel;
}

/** What lists and headers show of a profile. */
export interface ProfileSummary {
  name: string;
  description: string;
  hardware: string;
  dtype: Dtype;
  energySource: string;
  featureSet: FeatureSet;
  crossValidation: ProfileCrossValidation;
}

/** The summary of a profile. */
export function summarizeProfile(p: Profile): ProfileSummary {
  const { mlPct, modulePct, modelPct } = p.crossValidation;
  return {
    name: p.name,
    description: p.description,
    hardware: p.hardware,
    dtype: p.dtype,
    energySource: p.energySource,
    featureSet: p.featureSet,
    crossValidation: { mlPct, modulePct, modelPct },
  };
}

/**
 * Reads a profile from JSON text (a user's own, trained with `trainProfile`).
 * @param origin file name or other label for messages.
 * @throws ProfileError naming the first field that is missing or wrong.
 */
export function parseProfile(json: string, origin: string): Profile {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new ProfileError(`${origin}: not valid JSON (${(e as Error).message}); is this a profile file?`);
  }
  return validateProfile(value, origin);
}

/** Profile as pretty JSON text (what `parseProfile` reads back). */
export function serializeProfile(p: Profile): string {
  return `${JSON.stringify(p, null, 1)}\n`;
}

type Obj = Record<string, unknown>;

/**
 * Checks every field a prediction relies on, so that a bad profile fails at
 * load with a message instead of producing NaN later.
 * @throws ProfileError naming the field.
 */
export function validateProfile(value: unknown, origin: string): Profile {
  const fail = (path: string, what: string): never => {
    throw new ProfileError(`${origin}: field "${path}" ${what}`);
  };
  const obj = (v: unknown, path: string): Obj =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(path, 'must be an object');
  const str = (o: Obj, k: string, path: string): string =>
    typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : fail(`${path}${k}`, 'must be a non-empty string');
  const num = (o: Obj, k: string, path: string, allowNaN = false): number => {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (allowNaN && (v === null || v === undefined)) return NaN;
    return fail(`${path}${k}`, 'must be a finite number');
  };
  const nums = (v: unknown, path: string, length?: number): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      return fail(path, 'must be an array of finite numbers');
    }
    if (length !== undefined && v.length !== length) return fail(path, `must have ${length} entries, has ${v.length}`);
    return v as number[];
  };
  const root = obj(value, '(top level)');
  if (root['formatVersion'] !== PROFILE_FORMAT_VERSION) {
    fail('formatVersion', `is ${JSON.stringify(root['formatVersion'])}; this version of IrEne reads format ${PROFILE_FORMAT_VERSION} (retrain the profile with this version)`);
  }
  for (const k of ['name', 'description', 'hardware', 'energySource']) str(root, k, '');
  if (!DTYPES.includes(root['dtype'] as Dtype)) fail('dtype', `must be one of ${DTYPES.join(', ')}`);
  const featureSet = root['featureSet'] as FeatureSet;
  if (!FEATURE_SETS.includes(featureSet)) fail('featureSet', `must be one of ${FEATURE_SETS.join(', ')}`);
  const td = obj(root['trainingData'], 'trainingData');
  str(td, 'description', 'trainingData.');
  num(td, 'trees', 'trainingData.');
  if (!Array.isArray(td['models'])) fail('trainingData.models', 'must be an array of model names');
  const cv = obj(root['crossValidation'], 'crossValidation');
  // JSON has no NaN: a level without measured nodes is written as null and read back as NaN.
  for (const k of ['mlPct', 'modulePct', 'modelPct']) cv[k] = num(cv, k, 'crossValidation.', true);
  if (!Array.isArray(cv['perModel'])) fail('crossValidation.perModel', 'must be an array');
  const tr = obj(root['trainingRange'], 'trainingRange');
  if (!tr['model']) fail('trainingRange.model', 'is missing');
  for (const [k, r] of Object.entries(tr)) {
    const ro = obj(r, `trainingRange.${k}`);
    for (const f of ['batch', 'seq', 'flops']) nums(ro[f], `trainingRange.${k}.${f}`, 2);
  }
  if (root['noise'] !== undefined) {
    const n = obj(root['noise'], 'noise');
    for (const k of ['smallTokens', 'smallRelative', 'largeRelative']) num(n, k, 'noise.');
  }
  const vocab = root['leafVocabulary'];
  if (!Array.isArray(vocab) || !vocab.every((k) => typeof k === 'string')) fail('leafVocabulary', 'must be an array of strings');
  const pm = obj(root['predictor'], 'predictor');
  if (pm['featureSet'] !== featureSet) fail('predictor.featureSet', `must equal featureSet ("${featureSet}")`);
  const nRaw = featureNames(featureSet).length;
  const checkReg = (v: unknown, path: string): RegressionModel => {
    const r = obj(v, path);
    if (r['form'] !== 'linear' && r['form'] !== 'log') fail(`${path}.form`, 'must be "linear" or "log"');
    nums(r['mean'], `${path}.mean`, nRaw);
    nums(r['std'], `${path}.std`, nRaw);
    nums(r['coef'], `${path}.coef`, nRaw + 1);
    num(r, 'floorJ', `${path}.`);
    num(r, 'ceilingJ', `${path}.`);
    nums(r['min'], `${path}.min`, nRaw);
    nums(r['max'], `${path}.max`, nRaw);
    if (!nums(r['workColumns'], `${path}.workColumns`).every((j) => Number.isInteger(j) && j >= 0 && j < nRaw)) {
      fail(`${path}.workColumns`, `must hold column indices below ${nRaw}`);
    }
    return r as unknown as RegressionModel;
  };
  const ign = pm['ignoredFeatures'];
  if (ign !== undefined && !(Array.isArray(ign) && ign.every((k) => featureNames(featureSet).includes(k as string)))) {
    fail('predictor.ignoredFeatures', `must list feature names (${featureNames(featureSet).join(', ')})`);
  }
  const regs = obj(pm['regressions'], 'predictor.regressions');
  for (const [k, v] of Object.entries(regs)) checkReg(v, `predictor.regressions.${k}`);
  checkReg(pm['fallback'], 'predictor.fallback');
  const agg = obj(pm['aggregation'], 'predictor.aggregation');
  const nAgg = aggregationFeatureNames(featureSet).length;
  for (const k of ['mean', 'std', 'w']) nums(agg[k], `predictor.aggregation.${k}`, nAgg);
  num(agg, 'b', 'predictor.aggregation.');
  if (!(num(agg, 'tau', 'predictor.aggregation.') > 0)) fail('predictor.aggregation.tau', 'must be above 0');
  return root as unknown as Profile;
}
