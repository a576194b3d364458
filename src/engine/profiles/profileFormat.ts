/**
 * The device profile format: a trained predictor plus what a user needs to
 * judge it (hardware, dtype, energy source, cross-validation error, training
 * range, measurement noise, uncertainty calibration), stored as small JSON
 * files, and its validation: every number a prediction relies on is checked
 * for its type and its range, so that a bad profile fails at load with a
 * message instead of producing NaN, Infinity or nonsense later.
 */
import { ProfileError } from '../errors.js';
import { DTYPES, type Dtype } from '../tree/modelNode.js';
import { aggregationFeatureNames, featureNames, FEATURE_SETS, type FeatureSet } from '../predict/features.js';
import type { PredictorModel } from '../predict/predictorModel.js';
import { regressionColumnNames } from '../predict/predictorModel.js';
import { TIME_MODEL_FIELDS } from '../predict/timeModel.js';
import { LEVELS, type UncertaintyModel } from '../predict/uncertainty.js';
import type { TrainingRange } from '../predict/extrapolation.js';
import { validateHardware, type HardwareSpec } from '../hardware/hardwareSpec.js';
import { assertJsonNesting } from '../limits/jsonNesting.js';

export type { Range, TrainingRange } from '../predict/extrapolation.js';

/**
 * Version of the profile JSON format this code reads and writes.
 * 2: the weighting model sees FLOPs and bytes only, and profiles list the
 * primitives their training trees listed (`leafVocabulary`).
 * 3: a hardware block (peak FLOP/s, bandwidth, capacity, idle power, power
 * limit, with sources), a fitted time model, static + dynamic energy with
 * non-negative coefficients, and a calibrated uncertainty model.
 */
export const PROFILE_FORMAT_VERSION = 3;

/** Cross-validation MAPE per level (percent): leave-one-model-out on the training data. */
export interface ProfileCrossValidation {
  mlPct: number;
  modulePct: number;
  modelPct: number;
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
  /** The machine the energy was measured on, with the figures the predictor reasons with. */
  hardware: HardwareSpec;
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
  /** How wide the one-sigma band is, and how it widens outside the training data. */
  uncertainty: UncertaintyModel;
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
  /** The hardware's name. */
  hardware: string;
  dtype: Dtype;
  energySource: string;
  featureSet: FeatureSet;
  crossValidation: ProfileCrossValidation;
  /** Idle power the static energy is computed with (W), and where it comes from. */
  idlePowerW: number;
  idlePowerSource: string;
}

/** The summary of a profile. */
export function summarizeProfile(p: Profile): ProfileSummary {
  const { mlPct, modulePct, modelPct } = p.crossValidation;
  return {
    name: p.name,
    description: p.description,
    hardware: p.hardware.name,
    dtype: p.dtype,
    energySource: p.energySource,
    featureSet: p.featureSet,
    crossValidation: { mlPct, modulePct, modelPct },
    idlePowerW: p.hardware.idlePowerW,
    idlePowerSource: p.hardware.sources['idlePowerW']?.origin ?? 'unknown',
  };
}

/**
 * Reads a profile from JSON text (a user's own, trained with `trainProfile`).
 * @param origin file name or other label for messages.
 * @throws ProfileError naming the first field that is missing or wrong.
 */
export function parseProfile(json: string, origin: string): Profile {
  assertJsonNesting(json, origin, (m) => new ProfileError(m));
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

/** Upper bound of any coefficient: a check against corrupted or hand-edited profiles. */
const MAX_COEFFICIENT = 1e6;
/** Largest value of a training range (FLOPs, bytes, tokens ...): far above any real model, and finite when multiplied. */
const MAX_RANGE_VALUE = 1e30;
/** Largest aggregation weight magnitude: beyond it tanh saturates and the weights carry no information. */
const MAX_WEIGHT = 1e3;

/**
 * Checks every field a prediction relies on, by type and range, so that a bad
 * profile fails at load with a message instead of producing NaN later.
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
  const num = (o: Obj, k: string, path: string, lo: number, hi: number, allowNaN = false): number => {
    const v = o[k];
    if (allowNaN && (v === null || v === undefined)) return NaN;
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${path}${k}`, 'must be a finite number');
    if (v < lo || v > hi) return fail(`${path}${k}`, `is ${v}; it must lie between ${lo} and ${hi}`);
    return v;
  };
  const nums = (v: unknown, path: string, length: number | undefined, lo = -Infinity, hi = Infinity): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      return fail(path, 'must be an array of finite numbers');
    }
    if (length !== undefined && v.length !== length) return fail(path, `must have ${length} entries, has ${v.length}`);
    const bad = (v as number[]).findIndex((x) => x < lo || x > hi);
    if (bad >= 0) fail(`${path}[${bad}]`, `is ${(v as number[])[bad]}; it must lie between ${lo} and ${hi}`);
    return v as number[];
  };
  const root = obj(value, '(top level)');
  const version = root['formatVersion'];
  if (version !== PROFILE_FORMAT_VERSION) {
    if (version === 1 || version === 2) {
      fail(
        'formatVersion',
        `is ${String(version)}: this profile was written by an earlier IrEne, before the hardware-aware predictor (format ${PROFILE_FORMAT_VERSION}); train it again from its measurements with "irene train <trees.jsonl> --out <file>", or run "IrEne: Calibrate this machine" again`,
      );
    }
    fail('formatVersion', `is ${JSON.stringify(version)}; this version of IrEne reads format ${PROFILE_FORMAT_VERSION}`);
  }
  for (const k of ['name', 'description', 'energySource']) str(root, k, '');
  if (!DTYPES.includes(root['dtype'] as Dtype)) fail('dtype', `must be one of ${DTYPES.join(', ')}`);
  const hardware = validateHardware(root['hardware'], origin);
  const featureSet = root['featureSet'] as FeatureSet;
  if (!FEATURE_SETS.includes(featureSet)) fail('featureSet', `must be one of ${FEATURE_SETS.join(', ')}`);
  const td = obj(root['trainingData'], 'trainingData');
  str(td, 'description', 'trainingData.');
  num(td, 'trees', 'trainingData.', 0, 1e9);
  if (!Array.isArray(td['models'])) fail('trainingData.models', 'must be an array of model names');
  const cv = obj(root['crossValidation'], 'crossValidation');
  // JSON has no NaN: a level without measured nodes is written as null and read back as NaN.
  for (const k of ['mlPct', 'modulePct', 'modelPct']) cv[k] = num(cv, k, 'crossValidation.', 0, 1e9, true);
  if (!Array.isArray(cv['perModel'])) fail('crossValidation.perModel', 'must be an array');
  (cv['perModel'] as unknown[]).forEach((m, i) => {
    const mo = obj(m, `crossValidation.perModel[${i}]`);
    str(mo, 'model', `crossValidation.perModel[${i}].`);
    for (const k of ['mlPct', 'modulePct', 'modelPct']) mo[k] = num(mo, k, `crossValidation.perModel[${i}].`, 0, 1e9, true);
  });
  const tr = obj(root['trainingRange'], 'trainingRange');
  if (!tr['model']) fail('trainingRange.model', 'is missing');
  for (const [k, r] of Object.entries(tr)) {
    const ro = obj(r, `trainingRange.${k}`);
    // A range is [lowest, highest] seen in training ([0, 0] for a kind that does no such work):
    // inverted, or with its top between 0 and one unit, it puts inputs infinitely far outside it.
    const range = (f: string): void => {
      const [lo, hi] = nums(ro[f], `trainingRange.${k}.${f}`, 2, 0, MAX_RANGE_VALUE) as [number, number];
      if (lo > hi) fail(`trainingRange.${k}.${f}`, `is [${lo}, ${hi}]; the lowest value must not exceed the highest`);
      if (hi > 0 && hi < 1) fail(`trainingRange.${k}.${f}`, `is [${lo}, ${hi}]; the highest value must be 0 or at least 1`);
    };
    for (const f of ['batch', 'seq', 'flops']) range(f);
    for (const f of ['bytes', 'tokens', 'parameters']) if (ro[f] !== undefined) range(f);
  }
  if (root['noise'] !== undefined) {
    const n = obj(root['noise'], 'noise');
    num(n, 'smallTokens', 'noise.', 0, 1e12);
    for (const k of ['smallRelative', 'largeRelative']) num(n, k, 'noise.', 0, 1);
  }
  const unc = obj(root['uncertainty'], 'uncertainty');
  const ul = obj(unc['levels'], 'uncertainty.levels');
  for (const level of LEVELS) {
    const l = obj(ul[level], `uncertainty.levels.${level}`);
    // Up to 1000 %: training on a few noisy measurements (a CPU calibration) legitimately gives
    // bands of 200-300 %, and train must be able to write what it measured.
    num(l, 'baseRelative', `uncertainty.levels.${level}.`, 0, 10);
    num(l, 'perLogDistance', `uncertainty.levels.${level}.`, 0, 10);
  }
  const vocab = root['leafVocabulary'];
  if (!Array.isArray(vocab) || !vocab.every((k) => typeof k === 'string')) fail('leafVocabulary', 'must be an array of strings');
  const pm = obj(root['predictor'], 'predictor');
  if (pm['featureSet'] !== featureSet) fail('predictor.featureSet', `must equal featureSet ("${featureSet}")`);
  const tm = obj(pm['timeModel'], 'predictor.timeModel');
  for (const k of TIME_MODEL_FIELDS) {
    if (k === 'overlapExponent') num(tm, k, 'predictor.timeModel.', 1, 100);
    else if (k === 'replayIssueScale' || k === 'leafReplayIssueScale' || k === 'replayGpuScale') num(tm, k, 'predictor.timeModel.', 0, 1e3);
    else num(tm, k, 'predictor.timeModel.', 0, 10);
  }
  const peak = hardware.peakFlopsPerS[root['dtype'] as Dtype];
  if (peak && (tm['secondsPerFlop'] as number) * peak < 1 - 1e-9) {
    fail('predictor.timeModel.secondsPerFlop', `implies more than the hardware's peak of ${peak} FLOP/s`);
  }
  // Power drawn while busy on top of idle (W); below the power limit, or energies pass the ceiling.
  num(pm, 'activePowerW', 'predictor.', 0, hardware.powerLimitW);
  // The host's power above idle while it issues kernels (W); absent in profiles written before it.
  if (pm['issuePowerW'] !== undefined) num(pm, 'issuePowerW', 'predictor.', 0, hardware.powerLimitW);
  const nReg = regressionColumnNames(featureSet).length;
  const checkReg = (v: unknown, path: string): void => {
    const r = obj(v, path);
    const cols = nums(r['columns'], `${path}.columns`, undefined, 0, nReg - 1);
    if (!cols.every((c) => Number.isInteger(c))) fail(`${path}.columns`, `must hold column indices below ${nReg}`);
    nums(r['coef'], `${path}.coef`, cols.length, 0, MAX_COEFFICIENT);
    num(r, 'rows', `${path}.`, 0, 1e12);
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
  nums(agg['mean'], 'predictor.aggregation.mean', nAgg);
  nums(agg['std'], 'predictor.aggregation.std', nAgg, 0);
  const w = nums(agg['w'], 'predictor.aggregation.w', nAgg, -MAX_WEIGHT, MAX_WEIGHT);
  num(agg, 'b', 'predictor.aggregation.', -MAX_WEIGHT, MAX_WEIGHT);
  // tau < 1 would let a child's factor turn negative; a huge tau switches the aggregation off silently.
  num(agg, 'tau', 'predictor.aggregation.', 1, 100);
  const mono = num(agg, 'monotoneColumns', 'predictor.aggregation.', 0, nAgg);
  if (!Number.isInteger(mono)) fail('predictor.aggregation.monotoneColumns', 'must be a whole number');
  const negative = w.slice(0, mono).findIndex((x) => x < 0);
  if (negative >= 0) fail(`predictor.aggregation.w[${negative}]`, 'must be >= 0: it weighs a work column, and a negative weight lets more work cost less');
  return root as unknown as Profile;
}
