/**
 * The trained predictor (regressions + weighting model) and the two sweeps
 * that use it: fitting on measured trees and predicting any tree.
 */
import { throwIfAborted } from '../errors.js';
import type { ModelNode, ModelTree } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';
import {
  columnStats,
  forward,
  standardiseInto,
  trainWeights,
  type AggregationModel,
  type FlatForest,
} from './aggregation.js';
import { aggregationFeatures, featureNames, ignoredFeaturesFor, rawFeatures, SPEC_FEATURES, type FeatureSet } from './features.js';
import {
  fitRegression,
  fitSelectedRegression,
  predictRegression,
  type RegressionCandidate,
  type RegressionForm,
  type RegressionModel,
} from './primitiveRegression.js';

/** Everything needed to predict a tree, serialised inside a profile. */
export interface PredictorModel {
  featureSet: FeatureSet;
  /** Regression per primitive key: `kind:<kind>` and, where enough rows, `type:<instanceType>`. */
  regressions: Record<string, RegressionModel>;
  /** Global regression on FLOPs and bytes for primitives of kinds absent from training. */
  fallback: RegressionModel;
  aggregation: AggregationModel;
  /** Feature columns read as 0 in training and prediction (see `ignoredFeaturesFor`); absent = none. */
  ignoredFeatures?: string[];
}

/** Options of {@link fitPredictorModel}. */
export interface FitPredictorOptions {
  featureSet: FeatureSet;
  form?: RegressionForm;
  /** Pick each regression's shape by inner leave-one-model-out on the training models (else use `form` with all columns). */
  selectForm?: boolean;
  /** Also fit per instance type (`Conv1D` apart from `Linear`) where a type has at least this many rows; 0 = kind only. */
  perTypeMinRows?: number;
  rcond?: number;
  tau?: number;
  seed?: number;
  epochs?: number;
  restarts?: number;
  l2?: number;
  learningRate?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Columns to read as 0; default from the trees' format (`ignoredFeaturesFor`). */
  ignoreFeatures?: string[];
}

/** Default hyper-parameters (chosen once on device_1 training folds; see docs/accuracy.md). */
export const DEFAULT_FIT: Required<Omit<FitPredictorOptions, 'featureSet' | 'signal' | 'onProgress' | 'ignoreFeatures'>> = {
  form: 'linear',
  selectForm: true,
  perTypeMinRows: 50,
  rcond: 1e-6,
  tau: 1,
  seed: 1,
  epochs: 800,
  // Three starts, keeping the lowest training loss: with one, device_2's model-level CV ranged
  // 4.1-10.9 % over seeds 1-3; with three, 4.2-4.4 % (seeds 1, 2).
  restarts: 3,
  l2: 1e-4,
  learningRate: 0.03,
};

/**
 * Random starts of the weighting model on small data sets (fewer than
 * SMALL_DATA_TREES trees), keeping the lowest training loss: with a handful
 * of roots the start matters (H100 fp32 model-level CV 6.6-17.9 % over three
 * seeds with one start, 7.2-11.5 % with five); larger data sets use
 * DEFAULT_FIT.restarts.
 */
export const SMALL_DATA_RESTARTS = 5;
/** Below this many training trees, {@link SMALL_DATA_RESTARTS} starts are used unless `restarts` is given. */
export const SMALL_DATA_TREES = 50;

/** The kind a leaf is regressed as. */
export function leafKind(node: ModelNode): string {
  return node.type === 'ml' ? (node.kind ?? primitiveKindOf(node.instanceType)) : 'other';
}

/** Column indices of FLOPs and bytes, the fallback regression's inputs. */
const FALLBACK_COLUMNS = [SPEC_FEATURES.indexOf('flops'), SPEC_FEATURES.indexOf('memBytes')];

/**
 * Regression shapes tried per primitive (when `selectForm`): all columns, or
 * only FLOPs, bytes and tokens, each linear or as a power law; last (the
 * default where data are too few to choose) fixed cost + FLOPs + bytes with
 * non-negative coefficients, which extrapolates sanely from a few shapes.
 */
export function candidatesFor(set: FeatureSet): RegressionCandidate[] {
  const small = ['flops', 'memBytes', 'tokens'].map((n) => SPEC_FEATURES.indexOf(n as (typeof SPEC_FEATURES)[number]));
  const smallWithRuntime =
    set === 'specs' ? small : [...small, ...featureNames(set).map((_, i) => i).filter((i) => i >= SPEC_FEATURES.length)];
  return [
    { form: 'linear' },
    { form: 'linear', columns: smallWithRuntime },
    { form: 'log' },
    { form: 'log', columns: smallWithRuntime },
    { form: 'linear', columns: [small[0]!, small[1]!, ...smallWithRuntime.slice(small.length)], nonNegative: true },
  ];
}

/** A forest plus the node objects and raw features behind it. */
export interface ForestData {
  forest: FlatForest;
  nodes: ModelNode[];
  /** Index of each node's tree. */
  treeOf: Int32Array;
  /** Raw regression features of leaves (undefined elsewhere). */
  leafFeat: (number[] | undefined)[];
  /** Raw aggregation features of non-roots (undefined for roots). */
  aggFeat: (number[] | undefined)[];
  /** Index of each tree's root node. */
  roots: number[];
}

/** Flattens trees (children before parents) and computes their raw features. */
export function buildForest(trees: readonly ModelTree[], featureSet: FeatureSet, signal?: AbortSignal, ignoredFeatures?: readonly string[]): ForestData {
  const ignored = ignoredFeatures && ignoredFeatures.length > 0 ? new Set(ignoredFeatures) : undefined;
  const nodes: ModelNode[] = [];
  const parent: number[] = [];
  const order: number[] = [];
  const treeOf: number[] = [];
  const leafFeat: (number[] | undefined)[] = [];
  const aggFeat: (number[] | undefined)[] = [];
  const roots: number[] = [];
  for (let t = 0; t < trees.length; t++) {
    throwIfAborted(signal);
    const tree = trees[t]!;
    const ctx = { batchSize: tree.batchSize, seqLen: tree.seqLen, ignored };
    const leaves = new Map<ModelNode, number>();
    const leafCount = (n: ModelNode): number => {
      let c = leaves.get(n);
      if (c === undefined) {
        // Runs per call of n: a child running k times per call counts k times.
        c = n.children.length === 0 ? 1 : n.children.reduce((s, k) => s + leafCount(k) * (k.calls / n.calls), 0);
        leaves.set(n, c);
      }
      return c;
    };
    // Iterative post-order: push index on entry, emit after children.
    const stack: { node: ModelNode; parentIdx: number; parentNode?: ModelNode; next: number; idx: number }[] = [];
    const enter = (node: ModelNode, parentIdx: number, parentNode?: ModelNode): void => {
      const idx = nodes.length;
      nodes.push(node);
      parent.push(parentIdx);
      treeOf.push(t);
      leafFeat.push(node.children.length === 0 ? rawFeatures(node, ctx, featureSet) : undefined);
      aggFeat.push(parentNode ? aggregationFeatures(node, parentNode, ctx, featureSet, leafCount(node)) : undefined);
      stack.push({ node, parentIdx, parentNode, next: 0, idx });
    };
    enter(tree.root, -1);
    roots.push(nodes.length - 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.children.length) {
        enter(top.node.children[top.next++]!, top.idx, top.node);
      } else {
        order.push(top.idx);
        stack.pop();
      }
    }
  }
  const n = nodes.length;
  const ratio = new Float64Array(n);
  const leaf = new Uint8Array(n);
  const target = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    const p = parent[i]!;
    ratio[i] = p >= 0 ? node.calls / nodes[p]!.calls : 1;
    leaf[i] = node.children.length === 0 ? 1 : 0;
    target[i] = node.measured && node.measured.energyJ > 0 ? node.measured.energyJ : NaN;
  }
  // A tree's whole-model figure (long-window measurement where available) is the root's target.
  trees.forEach((t, k) => {
    const e = t.measuredModelEnergyJ;
    if (e !== undefined && e > 0) target[roots[k]!] = e / t.root.calls;
  });
  const lossWeight = new Float64Array(n);
  let modules = 0;
  let models = 0;
  for (let i = 0; i < n; i++) {
    if (leaf[i] || !(target[i]! > 0)) continue;
    if (parent[i]! < 0) models++;
    else modules++;
  }
  const levels = (modules > 0 ? 1 : 0) + (models > 0 ? 1 : 0);
  for (let i = 0; i < n; i++) {
    if (leaf[i] || !(target[i]! > 0)) continue;
    lossWeight[i] = 1 / levels / (parent[i]! < 0 ? models : modules);
  }
  const d = aggFeat.find((f) => f)?.length ?? 0;
  return {
    forest: {
      n,
      d,
      parent: Int32Array.from(parent),
      ratio,
      leaf,
      leafPred: new Float64Array(n),
      feat: new Float64Array(n * d),
      target,
      order: Int32Array.from(order),
      lossWeight,
    },
    nodes,
    treeOf: Int32Array.from(treeOf),
    leafFeat,
    aggFeat,
    roots,
  };
}

/** Which regression predicts a leaf: its instance type's, else its kind's, else the fallback. */
export function regressionFor(model: PredictorModel, node: ModelNode): { reg: RegressionModel; usedFallback: boolean } {
  const byType = model.regressions[`type:${node.instanceType}`];
  if (byType) return { reg: byType, usedFallback: false };
  const byKind = model.regressions[`kind:${leafKind(node)}`];
  if (byKind) return { reg: byKind, usedFallback: false };
  return { reg: model.fallback, usedFallback: true };
}

/** Fills the forest's leaf predictions and standardised features from a model. */
export function prepareForest(data: ForestData, model: PredictorModel): { usedFallback: boolean[] } {
  const { forest, nodes, leafFeat } = data;
  const usedFallback = new Array<boolean>(forest.n).fill(false);
  for (let i = 0; i < forest.n; i++) {
    if (!forest.leaf[i]) continue;
    const { reg, usedFallback: fb } = regressionFor(model, nodes[i]!);
    forest.leafPred[i] = predictRegression(reg, leafFeat[i]!);
    usedFallback[i] = fb;
  }
  standardiseInto(forest, data.aggFeat, model.aggregation.mean, model.aggregation.std);
  return { usedFallback };
}

/** Predicted energy per call of every node of a prepared forest (joules). */
export function predictForest(data: ForestData, model: PredictorModel): Float64Array {
  const a = model.aggregation;
  return forward(data.forest, a.w, a.b, a.tau).pred;
}

/**
 * Fits the regressions on every measured leaf, then trains the weighting
 * model end to end on every measured non-leaf node, with the leaves'
 * regression predictions as inputs.
 */
export function fitPredictorModel(trees: readonly ModelTree[], options: FitPredictorOptions, data?: ForestData): PredictorModel {
  const o = { ...DEFAULT_FIT, ...stripUndefined(options), featureSet: options.featureSet };
  const ignoredFeatures = options.ignoreFeatures ?? ignoredFeaturesFor(trees);
  const fd = data ?? buildForest(trees, o.featureSet, options.signal, ignoredFeatures);
  const { forest, nodes, leafFeat } = fd;
  // Group measured leaves by kind and by instance type.
  const groups = new Map<string, { x: number[][]; y: number[]; model: number[] }>();
  const all = { x: [] as number[][], y: [] as number[] };
  const modelIds = new Map<string, number>();
  const add = (key: string, x: number[], y: number, model: number): void => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { x: [], y: [], model: [] }));
    g.x.push(x);
    g.y.push(y);
    g.model.push(model);
  };
  for (let i = 0; i < forest.n; i++) {
    if (!forest.leaf[i] || !(forest.target[i]! > 0)) continue;
    const node = nodes[i]!;
    const x = leafFeat[i]!;
    const y = forest.target[i]!;
    const name = trees[fd.treeOf[i]!]!.modelName;
    if (!modelIds.has(name)) modelIds.set(name, modelIds.size);
    const mid = modelIds.get(name)!;
    add(`kind:${leafKind(node)}`, x, y, mid);
    if (o.perTypeMinRows > 0) add(`type:${node.instanceType}`, x, y, mid);
    all.x.push(x);
    all.y.push(y);
  }
  throwIfAborted(options.signal);
  const regressions: Record<string, RegressionModel> = {};
  for (const [key, g] of groups) {
    if (key.startsWith('type:') && g.y.length < o.perTypeMinRows) continue;
    regressions[key] = o.selectForm
      ? fitSelectedRegression(g.x, g.y, g.model, candidatesFor(o.featureSet), o.rcond, FALLBACK_COLUMNS).model
      : fitRegression(g.x, g.y, { form: o.form, rcond: o.rcond, workColumns: FALLBACK_COLUMNS });
  }
  const fallback = fitRegression(all.x, all.y, { form: 'log', columns: FALLBACK_COLUMNS, workColumns: FALLBACK_COLUMNS });
  options.onProgress?.(0.1);
  const stats = columnStats(fd.aggFeat, forest.d);
  const model: PredictorModel = {
    featureSet: o.featureSet,
    regressions,
    fallback,
    aggregation: { mean: stats.mean, std: stats.std, w: new Array<number>(forest.d).fill(0), b: 0, tau: o.tau },
  };
  if (ignoredFeatures.length > 0) model.ignoredFeatures = [...ignoredFeatures];
  prepareForest(fd, model);
  const trained = trainWeights(forest, {
    tau: o.tau,
    seed: o.seed,
    epochs: o.epochs,
    restarts: options.restarts ?? (trees.length < SMALL_DATA_TREES ? SMALL_DATA_RESTARTS : DEFAULT_FIT.restarts),
    l2: o.l2,
    learningRate: o.learningRate,
    signal: options.signal,
    onProgress: (f) => options.onProgress?.(0.1 + 0.9 * f),
  });
  model.aggregation.w = trained.w;
  model.aggregation.b = trained.b;
  return model;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
