/**
 * Training a device profile from measured trees: fit the predictor on all of
 * them, measure how well it carries over to unseen models by
 * leave-one-model-out cross-validation (stored in the profile, and the basis
 * of every prediction's uncertainty), and calibrate the uncertainty on the
 * cross-validation residuals.
 */
import { DataError, throwIfAborted } from '../errors.js';
import type { Dtype, ModelTree } from '../tree/modelNode.js';
import { PROFILE_FORMAT_VERSION, validateProfile, type NoiseFigures, type Profile } from '../profiles/profileFormat.js';
import { crossValidate, modelNames, useHostCompanions } from './crossValidate.js';
import type { FeatureSet } from './features.js';
import { fitHostTimePrior, fitPredictorModel, type FitPredictorOptions, type FitSetting } from './predictorModel.js';
import { leafVocabulary } from './leafVocabulary.js';
import { trainingRanges } from './extrapolation.js';
import { calibrateUncertainty, mapeToSigma, DEFAULT_PER_LOG_DISTANCE, LEVELS, type UncertaintyModel } from './uncertainty.js';
import type { HardwareSpec } from '../hardware/hardwareSpec.js';

/** Options of {@link trainProfile}. */
export interface TrainProfileOptions {
  name: string;
  description?: string;
  /**
   * The machine the data was measured on. Known figures (datasheet, a
   * measured idle power) are used as they are; with `fitIdlePower` the idle
   * power is fitted from the data (a wall meter of unknown idle draw).
   */
  hardware: HardwareSpec;
  /** Fit the idle power from the data instead of using the hardware's figure. */
  fitIdlePower?: boolean;
  dtype: Dtype;
  /** How energy was measured. */
  energySource: string;
  /** Default `specs` (inputs known before running). */
  featureSet?: FeatureSet;
  /** Seed of the weighting model's random start (default 1). */
  seed?: number;
  /** Run-to-run noise of the data, when known. */
  noise?: NoiseFigures;
  /**
   * Trees measured on the same host in other dtypes, for the host's CPU-side
   * time rates (used when they hold more models; see `useHostCompanions`).
   * Default: the trees of `trees` in other dtypes.
   */
  companionTrees?: readonly ModelTree[];
  /** Describes the training data (default: counts of models and trees). */
  trainingDescription?: string;
  /** Skip cross-validation (its figures become NaN); for quick experiments only. */
  skipCrossValidation?: boolean;
  /** Hyper-parameters other than the feature set and seed (defaults: DEFAULT_FIT). */
  fit?: Omit<FitPredictorOptions, 'featureSet' | 'seed' | 'signal' | 'onProgress'>;
  onProgress?(fraction: number, label: string): void;
  signal?: AbortSignal;
}

/**
 * Trains a profile on measured trees (every node with `measured.energyJ` is a
 * target; roots use `measuredModelEnergyJ` when set). Only trees in
 * `options.dtype` are used; the others are left out and counted in the
 * profile's training description. The profile is validated before it is
 * returned, so that nothing `train` writes is refused by `predict`.
 * @throws DataError when no tree has measurements, or none in that dtype.
 */
export function trainProfile(trees: ModelTree[], options: TrainProfileOptions): Profile {
  const featureSet = options.featureSet ?? 'specs';
  const seed = options.seed ?? 1;
  const withEnergy = trees.filter((t) => t.root.measured || t.measuredModelEnergyJ !== undefined);
  if (withEnergy.length === 0) {
    throw new DataError(`training "${options.name}": none of the ${trees.length} trees carries measured energies`);
  }
  // A profile describes one dtype: energies differ by 2x or more between them (the H100 file holds both).
  const measured = withEnergy.filter((t) => t.dtype === options.dtype);
  const otherDtypes = [...new Set(withEnergy.filter((t) => t.dtype !== options.dtype).map((t) => t.dtype))];
  if (measured.length === 0) {
    throw new DataError(
      `training "${options.name}" for ${options.dtype}: the data holds only ${otherDtypes.join(', ')} trees; train for one of those dtypes or use other data`,
    );
  }
  const leftOut = withEnergy.length - measured.length;
  const models = modelNames(measured);
  const fitOptions = { ...options.fit, featureSet, seed, signal: options.signal };
  const companionTrees = options.companionTrees ?? withEnergy.filter((t) => t.dtype !== options.dtype);
  const setting: FitSetting = { hardware: options.hardware, fitIdlePower: options.fitIdlePower };
  const cvShare = options.skipCrossValidation || models.length < 2 ? 0 : 0.85;
  let cv = {
    perModel: [] as { model: string; mlPct: number; modulePct: number; modelPct: number }[],
    overall: { mlPct: NaN, modulePct: NaN, modelPct: NaN },
    residuals: [] as Parameters<typeof calibrateUncertainty>[0],
  };
  if (cvShare > 0) {
    cv = crossValidate(measured, {
      ...fitOptions,
      setting,
      companionTrees,
      noise: options.noise,
      onProgress: (f, label) => options.onProgress?.(f * cvShare, `cross-validation: ${label}`),
    });
  }
  throwIfAborted(options.signal);
  if (useHostCompanions(measured, companionTrees)) setting.hostTimePrior = fitHostTimePrior(companionTrees, options.hardware, featureSet, options.signal);
  const { model: predictor, hardware } = fitPredictorModel(
    measured,
    { ...fitOptions, onProgress: (f) => options.onProgress?.(cvShare + f * (1 - cvShare), 'fitting on all models') },
    setting,
  );
  options.onProgress?.(1, 'done');
  const profile: Profile = {
    formatVersion: PROFILE_FORMAT_VERSION,
    name: options.name,
    description: options.description ?? `Trained on ${models.join(', ')}`,
    hardware,
    dtype: options.dtype,
    energySource: options.energySource,
    trainingData: {
      description:
        (options.trainingDescription ?? `${measured.length} measured trees of ${models.length} models (${models.join(', ')})`) +
        (leftOut > 0 ? `; ${leftOut} trees in ${otherDtypes.join(', ')} left out (the profile is for ${options.dtype})` : ''),
      models,
      trees: measured.length,
    },
    featureSet,
    crossValidation: { ...cv.overall, perModel: cv.perModel, seed },
    trainingRange: trainingRanges(measured),
    uncertainty: uncertaintyFrom(cv),
    leafVocabulary: leafVocabulary(measured),
    predictor,
  };
  if (options.noise) profile.noise = options.noise;
  // Round-trip through JSON (NaN becomes null, as in a file) and validate: what train writes, predict reads.
  validateProfile(JSON.parse(JSON.stringify(profile)), `profile "${options.name}" as trained`);
  return profile;
}

/**
 * The uncertainty model: calibrated on the cross-validation residuals where
 * there are some; otherwise each level's MAPE turned into a sigma (or 50 %
 * where even that is missing) with the default growth per e-fold of
 * extrapolation, and the note says so.
 */
function uncertaintyFrom(cv: { overall: { mlPct: number; modulePct: number; modelPct: number }; residuals: Parameters<typeof calibrateUncertainty>[0] }): UncertaintyModel {
  const mape = { ml: cv.overall.mlPct, module: cv.overall.modulePct, model: cv.overall.modelPct };
  const known = Object.values(mape).filter((v) => Number.isFinite(v));
  const fallback = Object.fromEntries(
    LEVELS.map((l) => [l, Number.isFinite(mape[l]) ? mapeToSigma(mape[l]) : known.length > 0 ? mapeToSigma(Math.max(...known)) : 0.5]),
  ) as Record<(typeof LEVELS)[number], number>;
  if (cv.residuals.length > 0) return calibrateUncertainty(cv.residuals, fallback);
  return {
    levels: Object.fromEntries(LEVELS.map((l) => [l, { baseRelative: fallback[l], perLogDistance: DEFAULT_PER_LOG_DISTANCE }])) as UncertaintyModel['levels'],
    note: `not calibrated (no cross-validation): each level's sigma from its MAPE, or 50 % without one, widening by ${DEFAULT_PER_LOG_DISTANCE * 100} % per e-fold outside the training data`,
  };
}
