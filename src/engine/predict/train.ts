/**
 * Training a device profile from measured trees: fit the predictor on all of
 * them, and measure how well it carries over to unseen models by
 * leave-one-model-out cross-validation (stored in the profile, and the basis
 * of every prediction's uncertainty).
 */
import { DataError, throwIfAborted } from '../errors.js';
import type { Dtype, ModelTree } from '../tree/modelNode.js';
import { walkTree } from '../tree/treeWalk.js';
import { PROFILE_FORMAT_VERSION, type NoiseFigures, type Profile, type TrainingRange } from '../profiles/profileFormat.js';
import { crossValidate, modelNames } from './crossValidate.js';
import type { FeatureSet } from './features.js';
import { fitPredictorModel, leafKind, type FitPredictorOptions } from './predictorModel.js';
import { leafVocabulary } from './leafVocabulary.js';

/** Options of {@link trainProfile}. */
export interface TrainProfileOptions {
  name: string;
  description?: string;
  /** The machine the data was measured on. */
  hardware: string;
  dtype: Dtype;
  /** How energy was measured. */
  energySource: string;
  /** Default `specs` (inputs known before running). */
  featureSet?: FeatureSet;
  /** Seed of the weighting model's random start (default 1). */
  seed?: number;
  /** Run-to-run noise of the data, when known. */
  noise?: NoiseFigures;
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
 * profile's training description.
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
  const cvShare = options.skipCrossValidation || models.length < 2 ? 0 : 0.85;
  let cv = { perModel: [] as { model: string; mlPct: number; modulePct: number; modelPct: number }[], overall: { mlPct: NaN, modulePct: NaN, modelPct: NaN } };
  if (cvShare > 0) {
    cv = crossValidate(measured, {
      ...fitOptions,
      onProgress: (f, label) => options.onProgress?.(f * cvShare, `cross-validation: ${label}`),
    });
  }
  throwIfAborted(options.signal);
  const predictor = fitPredictorModel(measured, {
    ...fitOptions,
    onProgress: (f) => options.onProgress?.(cvShare + f * (1 - cvShare), 'fitting on all models'),
  });
  options.onProgress?.(1, 'done');
  const profile: Profile = {
    formatVersion: PROFILE_FORMAT_VERSION,
    name: options.name,
    description: options.description ?? `Trained on ${models.join(', ')}`,
    hardware: options.hardware,
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
    leafVocabulary: leafVocabulary(measured),
    predictor,
  };
  if (options.noise) profile.noise = options.noise;
  return profile;
}

/** Batch, sequence and FLOPs ranges per primitive kind (leaves) and for whole models (`model`). */
export function trainingRanges(trees: readonly ModelTree[]): Record<string, TrainingRange> {
  const out: Record<string, TrainingRange> = {};
  const widen = (key: string, batch: number, seq: number, flops: number): void => {
    const r = out[key];
    if (!r) {
      out[key] = { batch: [batch, batch], seq: [seq, seq], flops: [flops, flops] };
      return;
    }
    r.batch = [Math.min(r.batch[0], batch), Math.max(r.batch[1], batch)];
    r.seq = [Math.min(r.seq[0], seq), Math.max(r.seq[1], seq)];
    r.flops = [Math.min(r.flops[0], flops), Math.max(r.flops[1], flops)];
  };
  for (const t of trees) {
    widen('model', t.batchSize, t.seqLen, t.root.flops * t.root.calls);
    for (const { node } of walkTree(t.root)) {
      if (node.children.length === 0) widen(leafKind(node), t.batchSize, t.seqLen, node.flops);
    }
  }
  return out;
}
