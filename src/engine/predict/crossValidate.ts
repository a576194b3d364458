/**
 * Leave-one-model-out cross-validation, the paper's protocol: for each model
 * (or family of models), train on every other model's trees and measure the
 * mean absolute percentage error (MAPE) on the left-out model's nodes, per
 * level. The residuals calibrate the uncertainty (`uncertainty.ts`); two
 * simple baselines, fitted the same way, say what the predictor adds.
 */
import { DataError, throwIfAborted } from '../errors.js';
import type { ModelTree } from '../tree/modelNode.js';
import type { Profile } from '../profiles/profileFormat.js';
import type { FeatureSet } from './features.js';
import { minNormLeastSquares } from './leastSquares.js';
import { nonNegativeLeastSquares } from './nonNegativeLeastSquares.js';
import { buildForest, fitHostTimePrior, fitPredictorModel, predictForest, prepareForest, type FitPredictorOptions, type FitSetting, type PredictorModel } from './predictorModel.js';
import { nodeEnergy } from './aggregation.js';
import { leafDistance, trainingRanges, treeExtrapolation, type TrainingRange } from './extrapolation.js';
import { noiseFor, type NoiseLike, type Residual } from './uncertainty.js';
import type { HardwareSpec } from '../hardware/hardwareSpec.js';
import { treeWork, rooflineRates } from '../features/nodeWork.js';
import { pushAll } from '../arrays.js';

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
  /** One row per left-out group (a model, or a family with `groupOf`). */
  perModel: ({ model: string } & LevelErrors)[];
  /** Mean over groups of each level's MAPE (percent). */
  overall: LevelErrors;
  /** Every held-out node's relative error, for uncertainty calibration. */
  residuals: Residual[];
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions extends Omit<FitPredictorOptions, 'featureSet' | 'onProgress' | 'signal'> {
  featureSet: FeatureSet;
  seed?: number;
  /** The hardware every fold is fitted against. */
  setting: FitSetting;
  /** Measurement noise, for the residuals' noise term. */
  noise?: NoiseLike;
  /** Which group a tree is left out with (default its model): families for leave-one-family-out. */
  groupOf?: (tree: ModelTree) => string;
  /**
   * Trees measured on the same host in another dtype: each fold fits the host's
   * CPU-side time rates on those of them outside the left-out group (the same
   * model in another dtype is left out too) and uses them as a prior, when they
   * hold more models than the fold's training set (see {@link useHostCompanions}).
   */
  companionTrees?: readonly ModelTree[];
  onProgress?(fraction: number, label: string): void;
  signal?: AbortSignal;
}

/**
 * Whether another dtype's trees of the same host should set the host's time
 * rates: only when they hold more models than the trees being fitted. A richer
 * set tells a forward pass's fixed overhead from its per-kernel cost (models of
 * different depths); a poorer one would pull a better-identified fit towards
 * a worse one (measured: with the four fp32 models as the prior, H100 bf16's
 * model-level error rose from 5.6 to 7.5 %; with the seven bf16 models, H100
 * fp32's fell from 6.1 to 3.5 %).
 */
export function useHostCompanions(trees: readonly ModelTree[], companions: readonly ModelTree[]): boolean {
  return modelNames(companions).length > modelNames(trees).length;
}

/**
 * The fit setting with the host's time rates fitted on `companions` as its prior, where
 * {@link useHostCompanions} says they should set them; else `setting` as it is.
 */
export function withHostCompanions(setting: FitSetting, trees: readonly ModelTree[], companions: readonly ModelTree[], featureSet: FeatureSet, signal?: AbortSignal): FitSetting {
  return useHostCompanions(trees, companions) ? { ...setting, hostTimePrior: fitHostTimePrior(companions, setting.hardware, featureSet, signal) } : setting;
}

/** Distinct model names, in first-seen order. */
export function modelNames(trees: readonly ModelTree[]): string[] {
  return [...new Set(trees.map((t) => t.modelName))];
}

/**
 * The trees of each group, groups in first-seen order. Grouped in one pass: a filter per group
 * was quadratic (20k one-tree models took `evaluate` 3.8 s).
 */
function groupTrees(trees: readonly ModelTree[], groupOf: (t: ModelTree) => string): Map<string, ModelTree[]> {
  const byGroup = new Map<string, ModelTree[]>();
  for (const t of trees) {
    const g = groupOf(t);
    const list = byGroup.get(g);
    if (list) list.push(t);
    else byGroup.set(g, [t]);
  }
  return byGroup;
}

/**
 * Most folds a cross-validation fits (count). Why a cap: each fold is a whole fit, and one fold per
 * model made the work grow with the square of the models: a file of 200 one-tree models took 50 s
 * (9.7 s in 20 folds). The measured data sets hold 4 to 12 models, so they keep one fold per model.
 */
export const MAX_FOLDS = 20;

/**
 * Leave-one-group-out cross-validation (a group is a model unless `groupOf`
 * says otherwise); with more than {@link MAX_FOLDS} groups, leave-several-out in
 * that many folds. Nothing about a left-out group is used in training or in
 * any choice made during training.
 * @throws DataError with fewer than two groups.
 */
export function crossValidate(trees: readonly ModelTree[], options: CrossValidateOptions): CrossValidationResult {
  const groupOf = options.groupOf ?? ((t: ModelTree) => t.modelName);
  const treesOf = groupTrees(trees, groupOf);
  const groups = [...treesOf.keys()];
  if (groups.length < 2) {
    throw new DataError(`cross-validation needs trees of at least two models, got ${groups.length} (${groups.join(', ')})`);
  }
  const perModel: CrossValidationResult['perModel'] = [];
  const residuals: Residual[] = [];
  // Up to MAX_FOLDS groups, one fold each (the paper's protocol); past it, groups are dealt into
  // MAX_FOLDS folds in first-seen order, and each fold leaves all of its groups out at once.
  const folds = Array.from({ length: Math.min(groups.length, MAX_FOLDS) }, (_, k) => groups.filter((_, i) => i % MAX_FOLDS === k));
  const scoredRows = new Map<string, CrossValidationResult['perModel'][number]>();
  for (let k = 0; k < folds.length; k++) {
    throwIfAborted(options.signal);
    const out = new Set(folds[k]);
    const label = folds[k]!.length === 1 ? folds[k]![0]! : `${folds[k]!.length} ${options.groupOf ? 'groups' : 'models'} (${folds[k]![0]}, ...)`;
    options.onProgress?.(k / folds.length, `leaving out ${label}`);
    const train = trees.filter((t) => !out.has(groupOf(t)));
    const companions = (options.companionTrees ?? []).filter((t) => !out.has(groupOf(t)));
    const setting = withHostCompanions(options.setting, train, companions, options.featureSet, options.signal);
    const { model, hardware } = fitPredictorModel(
      train,
      { ...options, onProgress: (f) => options.onProgress?.((k + f) / folds.length, `leaving out ${label}`) },
      setting,
    );
    const ranges = trainingRanges(train);
    for (const g of folds[k]!) {
      const scored = scoreTrees(treesOf.get(g)!, model, hardware, { ranges, noise: options.noise, fold: g, signal: options.signal });
      scoredRows.set(g, { model: g, ...scored.errors });
      pushAll(residuals, scored.residuals);
    }
  }
  // Rows in the groups' first-seen order, as with one fold each.
  for (const g of groups) perModel.push(scoredRows.get(g)!);
  options.onProgress?.(1, 'done');
  return { perModel, overall: meanErrors(perModel), residuals };
}

/**
 * Scores a trained profile on measured trees (e.g. new measurements of the
 * same device), per model; same shape as a cross-validation result.
 */
export function evaluateProfile(trees: readonly ModelTree[], profile: Profile, signal?: AbortSignal): CrossValidationResult {
  const perModel: CrossValidationResult['perModel'] = [];
  const residuals: Residual[] = [];
  for (const [m, modelTrees] of groupTrees(trees, (t) => t.modelName)) {
    const s = scoreTrees(
      modelTrees,
      profile.predictor,
      profile.hardware,
      { ranges: profile.trainingRange, noise: profile.noise, fold: m, signal },
    );
    perModel.push({ model: m, ...s.errors });
    pushAll(residuals, s.residuals);
  }
  return { perModel, overall: meanErrors(perModel), residuals };
}

/** Context of {@link scoreTrees}. */
export interface ScoreContext {
  /** Training ranges of the model being scored, for the residuals' distances. */
  ranges: Record<string, TrainingRange>;
  noise?: NoiseLike;
  /** Label of the residuals' fold. */
  fold: string;
  signal?: AbortSignal;
}

/** MAPE per level of a model's predictions on some trees, and every node's residual. */
export function scoreTrees(
  trees: readonly ModelTree[],
  model: PredictorModel,
  hardware: HardwareSpec,
  context: ScoreContext,
): { errors: LevelErrors; residuals: Residual[] } {
  const data = buildForest(trees, model.featureSet, hardware, context.signal, model.ignoredFeatures);
  prepareForest(data, model, { hardware });
  const pred = predictForest(data, model);
  const acc = { ml: [0, 0], module: [0, 0], model: [0, 0] };
  const residuals: Residual[] = [];
  const { forest, nodes } = data;
  const bytesKnown = !(model.ignoredFeatures ?? []).includes('memBytes');
  const treeDistance = trees.map((t) => treeExtrapolation(t, context.ranges, bytesKnown).distance);
  for (let i = 0; i < forest.n; i++) {
    if (forest.parent[i]! < 0) continue;
    const y = forest.target[i]!;
    if (!(y > 0)) continue;
    const e = nodeEnergy(forest, i, pred[i]!);
    const node = nodes[i]!;
    const isMl = node.type === 'ml';
    const lvl = isMl ? acc.ml : acc.module;
    const rel = (e - y) / y;
    lvl[0]! += Math.abs(rel);
    lvl[1]! += 1;
    const tree = trees[data.treeOf[i]!]!;
    const distance = Math.max(treeDistance[data.treeOf[i]!]!, isMl && node.children.length === 0 ? leafDistance(node, context.ranges) : 0);
    residuals.push({ level: isMl ? 'ml' : 'module', fold: context.fold, relativeError: rel, noise: noiseFor(context.noise, tree.batchSize * tree.seqLen), distance });
  }
  for (let t = 0; t < trees.length; t++) {
    const r = data.roots[t]!;
    const tree = trees[t]!;
    const y = tree.measuredModelEnergyJ ?? (forest.target[r]! > 0 ? forest.target[r]! * tree.root.calls : NaN);
    if (!(y > 0)) continue;
    const e = nodeEnergy(forest, r, pred[r]!) * tree.root.calls;
    const rel = (e - y) / y;
    acc.model[0]! += Math.abs(rel);
    acc.model[1]! += 1;
    residuals.push({ level: 'model', fold: context.fold, relativeError: rel, noise: noiseFor(context.noise, tree.batchSize * tree.seqLen), distance: treeDistance[t]! });
  }
  const pct = (a: number[]): number => (a[1]! > 0 ? (100 * a[0]!) / a[1]! : NaN);
  return { errors: { mlPct: pct(acc.ml), modulePct: pct(acc.module), modelPct: pct(acc.model) }, residuals };
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

/** A whole-model baseline: features of a tree, fitted and scored leave-one-group-out. */
interface Baseline {
  features(tree: ModelTree): number[];
  fit(x: number[][], y: number[]): number[];
}

function crossValidateBaseline(trees: readonly ModelTree[], baseline: Baseline, groupOf: (t: ModelTree) => string): CrossValidationResult {
  const groups = [...new Set(trees.map(groupOf))];
  const perModel: CrossValidationResult['perModel'] = [];
  for (const g of groups) {
    const train = trees.filter((t) => groupOf(t) !== g && modelEnergy(t) > 0);
    const coef = baseline.fit(train.map(baseline.features), train.map(modelEnergy));
    const test = trees.filter((t) => groupOf(t) === g && modelEnergy(t) > 0);
    let s = 0;
    for (const t of test) {
      const x = baseline.features(t);
      const e = x.reduce((acc, v, j) => acc + v * coef[j]!, 0);
      s += Math.abs(e - modelEnergy(t)) / modelEnergy(t);
    }
    perModel.push({ model: g, mlPct: NaN, modulePct: NaN, modelPct: test.length > 0 ? (100 * s) / test.length : NaN });
  }
  return { perModel, overall: meanErrors(perModel), residuals: [] };
}

/**
 * The paper's baseline, leave-one-group-out: whole-model energy = a x FLOPs + b,
 * fitted by least squares on the other groups' trees (FLOPs per inference).
 * Only the model level exists; ml and module are NaN.
 */
export function crossValidateFlopsBaseline(trees: readonly ModelTree[], groupOf: (t: ModelTree) => string = (t) => t.modelName): CrossValidationResult {
  return crossValidateBaseline(
    trees,
    {
      // FLOPs in GFLOPs so that the two columns are of similar size for the SVD.
      features: (t) => [(t.root.flops * t.root.calls) / 1e9, 1],
      fit: (x, y) => minNormLeastSquares(x, y).coef,
    },
    groupOf,
  );
}

/**
 * A stronger baseline that knows about launches: whole-model energy = a +
 * b x kernel launches + c x FLOPs + d x bytes, every coefficient >= 0, fitted
 * to the squared relative error on the other groups' trees.
 */
export function crossValidateLaunchBaseline(trees: readonly ModelTree[], groupOf: (t: ModelTree) => string = (t) => t.modelName): CrossValidationResult {
  return crossValidateBaseline(
    trees,
    {
      features: (t) => {
        const w = treeWork(t.root, rooflineRates(undefined, t.dtype)).get(t.root)!;
        const c = t.root.calls;
        return [1, w.kernels * c, w.flops * c, w.memBytes * c];
      },
      fit: (x, y) => nonNegativeLeastSquares(
        x.map((r, i) => r.map((v) => v / y[i]!)),
        y.map(() => 1),
      ),
    },
    groupOf,
  );
}

/**
 * The architecture family of a measured model, by its name: the groups of
 * leave-one-family-out cross-validation, which tests a predictor on an
 * architecture it has not seen at all (a held-out BERT still has RoBERTa and
 * DistilBERT in training; a held-out BERT family has none of them).
 */
export function modelFamily(modelName: string): string {
  const n = modelName.toLowerCase();
  if (/bert|roberta|electra|albert/.test(n)) return 'BERT family';
  if (/gpt/.test(n)) return 'GPT family';
  if (/llama|mistral|qwen/.test(n)) return 'Llama family';
  return modelName;
}
