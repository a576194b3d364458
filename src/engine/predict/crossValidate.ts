/**
 * Leave-one-model-out cross-validation, the paper's protocol: for each model,
 * train on every other model's trees and measure the mean absolute
 * percentage error (MAPE) on the left-out model's nodes, per level.
 */
import { DataError, throwIfAborted } from '../errors.js';
import type { ModelTree } from '../tree/modelNode.js';
import type { Profile } from '../profiles/profileFormat.js';
import type { FeatureSet } from './features.js';
import { minNormLeastSquares } from './leastSquares.js';
import {
  buildForest,
  fitPredictorModel,
  predictForest,
  prepareForest,
  type FitPredictorOptions,
  type PredictorModel,
} from './predictorModel.js';

/** MAPE per level (percent). NaN where the level has no measured node. */
export interface LevelErrors {
  /** Primitives (`ml` nodes). */
  mlPct: number;
  /** Modules (non-root nodes with children). */
  modulePct: number;
  /** Whole model, per inference. */
  modelPct: number;
}

/** Result of a cross-validation or an evaluation. */
export interface CrossValidationResult {
  perModel: ({ model: string } & LevelErrors)[];
  /** Mean over models of each level's MAPE (percent). */
  overall: LevelErrors;
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions extends Omit<FitPredictorOptions, 'featureSet' | 'onProgress' | 'signal'> {
  featureSet: FeatureSet;
  seed?: number;
  onProgress?(fraction: number, label: string): void;
  signal?: AbortSignal;
}

/** Distinct model names, in first-seen order. */
export function modelNames(trees: readonly ModelTree[]): string[] {
  return [...new Set(trees.map((t) => t.modelName))];
}

/**
 * Leave-one-model-out cross-validation. Nothing about the left-out model is
 * used in training or in any choice made during training.
 * @throws DataError with fewer than two models.
 */
export function crossValidate(trees: readonly ModelTree[], options: CrossValidateOptions): CrossValidationResult {
  const models = modelNames(trees);
  if (models.length < 2) {
    throw new DataError(`cross-validation needs trees of at least two models, got ${models.length} (${models.join(', ')})`);
  }
  const perModel: CrossValidationResult['perModel'] = [];
  for (let k = 0; k < models.length; k++) {
    throwIfAborted(options.signal);
    const m = models[k]!;
    options.onProgress?.(k / models.length, `leaving out ${m}`);
    const train = trees.filter((t) => t.modelName !== m);
    const test = trees.filter((t) => t.modelName === m);
    const model = fitPredictorModel(train, {
      ...options,
      onProgress: (f) => options.onProgress?.((k + f) / models.length, `leaving out ${m}`),
    });
    perModel.push({ model: m, ...scoreTrees(test, model, options.signal) });
  }
  options.onProgress?.(1, 'done');
  return { perModel, overall: meanErrors(perModel) };
}

/**
 * Scores a trained profile on measured trees (e.g. new measurements of the
 * same device), per model; same shape as a cross-validation result.
 */
export function evaluateProfile(trees: readonly ModelTree[], profile: Profile, signal?: AbortSignal): CrossValidationResult {
  return evaluateModel(trees, profile.predictor, signal);
}

/** Scores a trained model on trees of one or more models, per model. */
export function evaluateModel(trees: readonly ModelTree[], model: PredictorModel, signal?: AbortSignal): CrossValidationResult {
  const perModel = modelNames(trees).map((m) => ({ model: m, ...scoreTrees(trees.filter((t) => t.modelName === m), model, signal) }));
  return { perModel, overall: meanErrors(perModel) };
}

/** MAPE per level of a model's predictions on some trees. */
export function scoreTrees(trees: readonly ModelTree[], model: PredictorModel, signal?: AbortSignal): LevelErrors {
  const data = buildForest(trees, model.featureSet, signal, model.ignoredFeatures);
  prepareForest(data, model);
  const pred = predictForest(data, model);
  const acc = { ml: [0, 0], module: [0, 0], model: [0, 0] };
  const { forest, nodes } = data;
  const parent = forest.parent;
  for (let i = 0; i < forest.n; i++) {
    if (parent[i]! < 0) continue;
    const y = forest.target[i]!;
    if (!(y > 0)) continue;
    const lvl = nodes[i]!.type === 'ml' ? acc.ml : acc.module;
    lvl[0]! += Math.abs(pred[i]! - y) / y;
    lvl[1]! += 1;
  }
  for (let t = 0; t < trees.length; t++) {
    const r = data.roots[t]!;
    const tree = trees[t]!;
    const y = tree.measuredModelEnergyJ ?? (forest.target[r]! > 0 ? forest.target[r]! * tree.root.calls : NaN);
    if (!(y > 0)) continue;
    acc.model[0]! += Math.abs(pred[r]! * tree.root.calls - y) / y;
    acc.model[1]! += 1;
  }
  const pct = (a: number[]): number => (a[1]! > 0 ? (100 * a[0]!) / a[1]! : NaN);
  return { mlPct: pct(acc.ml), modulePct: pct(acc.module), modelPct: pct(acc.model) };
}

/** Mean of each level over models, ignoring NaN. */
export function meanErrors(rows: readonly LevelErrors[]): LevelErrors {
  const mean = (f: (r: LevelErrors) => number): number => {
    const v = rows.map(f).filter((x) => Number.isFinite(x));
    return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  return { mlPct: mean((r) => r.mlPct), modulePct: mean((r) => r.modulePct), modelPct: mean((r) => r.modelPct) };
}

/** Whole-model energy of a tree (joules per inference): the long-window figure if present, else the root's. */
function modelEnergy(tree: ModelTree): number {
  return tree.measuredModelEnergyJ ?? (tree.root.measured ? tree.root.measured.energyJ * tree.root.calls : NaN);
}

/**
 * The paper's baseline, leave-one-model-out: whole-model energy = a x FLOPs + b,
 * fitted by least squares on the other models' trees (FLOPs per inference).
 * Only the model level exists; ml and module are NaN.
 */
export function crossValidateFlopsBaseline(trees: readonly ModelTree[]): CrossValidationResult {
  const models = modelNames(trees);
  const perModel: CrossValidationResult['perModel'] = [];
  const flops = (t: ModelTree): number => t.root.flops * t.root.calls;
  for (const m of models) {
    const train = trees.filter((t) => t.modelName !== m && modelEnergy(t) > 0);
    // Scale FLOPs to GFLOPs so the two columns are of similar size for the SVD.
    const { coef } = minNormLeastSquares(
      train.map((t) => [flops(t) / 1e9, 1]),
      train.map(modelEnergy),
    );
    const test = trees.filter((t) => t.modelName === m && modelEnergy(t) > 0);
    let s = 0;
    for (const t of test) s += Math.abs(coef[0]! * (flops(t) / 1e9) + coef[1]! - modelEnergy(t)) / modelEnergy(t);
    perModel.push({ model: m, mlPct: NaN, modulePct: NaN, modelPct: test.length > 0 ? (100 * s) / test.length : NaN });
  }
  return { perModel, overall: meanErrors(perModel) };
}
