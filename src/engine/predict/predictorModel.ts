/**
 * The trained predictor and the sweeps that use it: fitting on measured trees
 * and predicting any tree.
 *
 * Three parts, each fitted on the training data only:
 * 1. the time model (`timeModel.ts`): how long each node takes, from its work
 *    and the hardware, fitted on measured times;
 * 2. per-kind primitive regressions (IrEne's first level): a leaf's energy as
 *    a non-negative combination of its static energy (idle power x predicted
 *    time) and work terms;
 * 3. IrEne's recursive aggregation of the dynamic energy, trained end to end
 *    on every measured module and model, with a node's static energy taken
 *    from its own predicted time.
 */
import { throwIfAborted } from '../errors.js';
import type { ModelNode, ModelTree } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';
import type { HardwareSpec } from '../hardware/hardwareSpec.js';
import { rooflineRates, treeWork, type NodeWork, type RooflineRates } from '../features/nodeWork.js';
import { columnStats, forward, standardiseInto, trainWeights, type AggregationModel, type FlatForest } from './aggregation.js';
import {
  aggregationFeatures,
  featureNames,
  ignoredFeaturesFor,
  monotoneAggregationColumns,
  rawFeatures,
  RUNTIME_FEATURES,
  SPEC_FEATURES,
  type FeatureSet,
} from './features.js';
import { fitRegression, fitSelectedRegression, splitPrediction, type RegressionCandidate, type RegressionModel } from './primitiveRegression.js';
import { hiddenGpuTime, nodeTime, primitiveGpuTime, fitTimeModel, HOST_TIME_FIELDS, type HostTimePrior, type TimeModel, type TimeObservation } from './timeModel.js';
import { nonNegativeLeastSquares } from './nonNegativeLeastSquares.js';

/** Everything needed to predict a tree, serialised inside a profile. */
export interface PredictorModel {
  featureSet: FeatureSet;
  timeModel: TimeModel;
  /** Regression per primitive key: `kind:<kind>` and, where enough rows, `type:<instanceType>`. */
  regressions: Record<string, RegressionModel>;
  /** Regression on static energy, FLOPs and traffic for primitives of kinds absent from training. */
  fallback: RegressionModel;
  aggregation: AggregationModel;
  /**
   * Power a running board draws above idle whatever it runs (W, >= 0): clocks
   * and memory held up while kernels trickle in. An H100 at fp32 drew about
   * 190 W on launch-bound inputs against 123 W idle. Learned end to end with
   * the aggregation; it is dynamic energy (above idle), proportional to time.
   */
  activePowerW: number;
  /**
   * Power the host draws above idle while it issues kernels (W, >= 0), times
   * each module's and model's predicted issue time (the CPU's time spent
   * launching its kernels and calling its modules). A wall meter (the IrEne
   * paper's machines) reads the CPU at work; a GPU board meter does not, and
   * the fit there finds little. It is dynamic energy and, unlike idle power
   * over the whole time, it is spent whether or not the GPU hides the issue
   * time. Learned end to end with the aggregation; absent (profiles written
   * before it) = 0.
   */
  issuePowerW?: number;
  /** Feature columns read as 0 in training and prediction (see `ignoredFeaturesFor`); absent = none. */
  ignoredFeatures?: string[];
}

/** The physical setting a forest is evaluated in: the profile's hardware (after user overrides). */
export interface PhysicalSetting {
  hardware: HardwareSpec;
}

/** Options of {@link fitPredictorModel}. */
export interface FitPredictorOptions {
  featureSet: FeatureSet;
  /** Pick each regression's columns by inner leave-one-model-out on the training models (else the physical columns). */
  selectForm?: boolean;
  /** Also fit per instance type (`Conv1D` apart from `Linear`) where a type has at least this many rows; 0 = kind only. */
  perTypeMinRows?: number;
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
  selectForm: true,
  perTypeMinRows: 50,
  tau: 1,
  seed: 1,
  epochs: 800,
  restarts: 3,
  l2: 1e-4,
  learningRate: 0.03,
};

/** The issue power's bound, as a share of the power limit: a host's CPU draws well under the board's limit above idle. */
export const ISSUE_POWER_MAX_SHARE = 0.5;

/** Random starts of the weighting model on data sets of fewer than {@link SMALL_DATA_TREES} trees. */
export const SMALL_DATA_RESTARTS = 5;
/** Below this many training trees, {@link SMALL_DATA_RESTARTS} starts are used unless `restarts` is given. */
export const SMALL_DATA_TREES = 50;

/** The kind a leaf is regressed as. */
export function leafKind(node: ModelNode): string {
  return node.type === 'ml' ? (node.kind ?? primitiveKindOf(node.instanceType)) : 'other';
}

/** Column of the static energy (idle power x predicted isolated time, joules) in a regression's raw vector. */
export const STATIC_COLUMN = 0;
/**
 * Column of a constant 1: a fixed energy per call replayed on its own (the
 * harness's Python call of the node). Like the static column it belongs to
 * the isolated measurement and does not carry into a forward pass; the
 * feature set's columns follow.
 */
export const CONSTANT_COLUMN = 1;
/** Columns whose terms are part of an isolated call only, not of the work's dynamic energy. */
export const ISOLATED_COLUMNS: readonly number[] = [STATIC_COLUMN, CONSTANT_COLUMN];

/** Names of a regression's raw vector. */
export function regressionColumnNames(set: FeatureSet): string[] {
  return ['staticJ', 'constant', ...featureNames(set)];
}

/** Index of a named column in a regression's raw vector. */
function col(name: (typeof SPEC_FEATURES)[number]): number {
  return 2 + SPEC_FEATURES.indexOf(name);
}

/** The fallback's columns: static energy, a fixed cost, FLOPs, traffic, launches. */
const PHYSICAL_COLUMNS = [STATIC_COLUMN, CONSTANT_COLUMN, col('flops'), col('trafficBytes'), col('kernels')];

/**
 * Column sets tried per primitive (when `selectForm`), every one with
 * non-negative coefficients: all columns; IrEne's specification columns;
 * the physical ones (static energy, FLOPs, traffic, launches), with or
 * without tokens; last (the default where data are too few to choose)
 * static energy, FLOPs and traffic, which extrapolates sanely from a few shapes.
 */
export function candidatesFor(set: FeatureSet): RegressionCandidate[] {
  const runtime = set === 'specs' ? [] : RUNTIME_FEATURES.map((_, i) => 2 + SPEC_FEATURES.length + i);
  const all = regressionColumnNames(set).map((_, i) => i);
  const irene = [STATIC_COLUMN, CONSTANT_COLUMN, ...['batch', 'seq', 'tokens', 'inputSize', 'flops', 'memBytes', 'parameters', 'tokensSeq'].map((n) => col(n as (typeof SPEC_FEATURES)[number]))];
  return [
    { columns: all },
    { columns: [...irene, ...runtime] },
    { columns: [...PHYSICAL_COLUMNS, col('tokens'), ...runtime] },
    { columns: [...PHYSICAL_COLUMNS, ...runtime] },
    { columns: [STATIC_COLUMN, CONSTANT_COLUMN, col('flops'), col('trafficBytes'), ...runtime] },
  ];
}

/** A forest plus the node objects, work and raw features behind it. */
export interface ForestData {
  forest: FlatForest;
  nodes: ModelNode[];
  /** Index of each node's tree. */
  treeOf: Int32Array;
  /** Work per call of each node (subtree included). */
  work: NodeWork[];
  /** Raw regression features of leaves, without the static column (undefined elsewhere). */
  leafFeat: (number[] | undefined)[];
  /** Raw aggregation features of non-roots (undefined for roots). */
  aggFeat: (number[] | undefined)[];
  /** Index of each tree's root node. */
  roots: number[];
  /** Measured seconds per call of each node (NaN where unmeasured; roots: the model-level time when known). */
  targetTimeS: Float64Array;
  /**
   * Index of the first node of the same subtree for repeats (`repeatedSubtrees`), else the node's
   * own index; absent when built without repeats. A repeat's bottom-up figures are its first's.
   */
  sameAs?: Int32Array;
}

/**
 * Flattens trees (children before parents) and computes their work and raw features.
 * @param repeats nodes whose subtree repeats an earlier one (`repeatedSubtrees`): they share
 *   the first one's work and features (the same numbers) instead of computing them again
 */
export function buildForest(
  trees: readonly ModelTree[],
  featureSet: FeatureSet,
  hardware: HardwareSpec | undefined,
  signal?: AbortSignal,
  ignoredFeatures?: readonly string[],
  repeats?: ReadonlyMap<ModelNode, ModelNode>,
): ForestData {
  const ignored = ignoredFeatures && ignoredFeatures.length > 0 ? new Set(ignoredFeatures) : undefined;
  const ignoreBytes = ignored?.has('memBytes') ?? false;
  const nodes: ModelNode[] = [];
  const parent: number[] = [];
  const order: number[] = [];
  const treeOf: number[] = [];
  const work: NodeWork[] = [];
  const leafFeat: (number[] | undefined)[] = [];
  const aggFeat: (number[] | undefined)[] = [];
  const roots: number[] = [];
  const sameAs: number[] = [];
  const indexOf = new Map<ModelNode, number>();
  for (let t = 0; t < trees.length; t++) {
    throwIfAborted(signal);
    const tree = trees[t]!;
    const ctx = { batchSize: tree.batchSize, seqLen: tree.seqLen, ignored };
    const works = treeWork(tree.root, rooflineRates(hardware, tree.dtype), ignoreBytes, repeats);
    // Iterative post-order: push index on entry, emit after children.
    const stack: { node: ModelNode; idx: number; next: number }[] = [];
    const enter = (node: ModelNode, parentIdx: number, hasParent: boolean): void => {
      const idx = nodes.length;
      const first = repeats?.get(node);
      // A repeat's first occurrence was entered before it (it lies wholly before it in pre-order).
      const j = first ? indexOf.get(first)! : idx;
      if (repeats && !first) indexOf.set(node, idx);
      const w = works.get(first ?? node)!;
      nodes.push(node);
      parent.push(parentIdx);
      treeOf.push(t);
      work.push(w);
      sameAs.push(j);
      leafFeat.push(node.children.length === 0 ? (first ? leafFeat[j] : rawFeatures(node, w, ctx, featureSet)) : undefined);
      aggFeat.push(hasParent ? ((first && aggFeat[j]) || aggregationFeatures(node, w, ctx, featureSet)) : undefined);
      stack.push({ node, idx, next: 0 });
    };
    enter(tree.root, -1, false);
    roots.push(nodes.length - 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.children.length) enter(top.node.children[top.next++]!, top.idx, true);
      else {
        order.push(top.idx);
        stack.pop();
      }
    }
  }
  const n = nodes.length;
  const ratio = new Float64Array(n);
  const leaf = new Uint8Array(n);
  const target = new Float64Array(n);
  const targetTimeS = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    const p = parent[i]!;
    ratio[i] = p >= 0 ? node.calls / nodes[p]!.calls : 1;
    leaf[i] = node.children.length === 0 ? 1 : 0;
    target[i] = node.measured && node.measured.energyJ > 0 ? node.measured.energyJ : NaN;
    const ts = node.measured?.runtime?.timesMean;
    targetTimeS[i] = ts !== undefined && ts > 0 ? ts : NaN;
  }
  // A tree's whole-model figures (long-window measurements where available) are the root's targets.
  trees.forEach((t, k) => {
    const e = t.measuredModelEnergyJ;
    if (e !== undefined && e > 0) target[roots[k]!] = e / t.root.calls;
    const s = t.measuredModelTimeS;
    if (s !== undefined && s > 0) targetTimeS[roots[k]!] = s / t.root.calls;
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
      offset: new Float64Array(n),
      perWatt: new Float64Array(n),
      staticPowerW: 0,
      issueS: new Float64Array(n),
      issuePowerW: 0,
      cap: new Float64Array(n).fill(Infinity),
      feat: new Float64Array(n * d),
      target,
      order: Int32Array.from(order),
      lossWeight,
    },
    nodes,
    treeOf: Int32Array.from(treeOf),
    work,
    leafFeat,
    aggFeat,
    roots,
    targetTimeS,
    ...(repeats ? { sameAs: Int32Array.from(sameAs) } : {}),
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

/** Per-node times of a prepared forest (seconds per call). */
export interface ForestTimes {
  /** GPU busy time. */
  gpuS: Float64Array;
  /** Time when run on its own (how the harness measured nodes; the root: a forward pass). */
  isolatedS: Float64Array;
  /** Time inside a forward pass of the whole model. */
  forwardS: Float64Array;
  /** CPU issue time inside a forward pass. */
  forwardIssueS: Float64Array;
  /** CPU issue time when run on its own (the root: a forward pass). */
  isolatedIssueS: Float64Array;
}

/** Predicted times of every node (children before parents). */
export function forestTimes(data: ForestData, tm: TimeModel): ForestTimes {
  const { forest, work } = data;
  const n = forest.n;
  const gpuS = new Float64Array(n);
  const isolatedS = new Float64Array(n);
  const forwardS = new Float64Array(n);
  const forwardIssueS = new Float64Array(n);
  const isolatedIssueS = new Float64Array(n);
  // A module's own hidden FLOPs: its subtree's minus its children's.
  const ownHidden = new Float64Array(n);
  for (let i = 0; i < n; i++) ownHidden[i] = work[i]!.hiddenFlops;
  for (let i = 0; i < n; i++) {
    const p = forest.parent[i]!;
    if (p >= 0) ownHidden[p] -= work[i]!.hiddenFlops * forest.ratio[i]!;
  }
  for (let k = 0; k < n; k++) {
    const i = forest.order[k]!;
    if (forest.leaf[i]) gpuS[i] = primitiveGpuTime(tm, work[i]!);
    else gpuS[i] += hiddenGpuTime(tm, ownHidden[i]!);
    const same = data.sameAs?.[i] ?? i;
    if (same !== i) {
      // A repeated subtree's node: its first's times (the same work and GPU time; done: first in post-order).
      isolatedS[i] = isolatedS[same]!;
      isolatedIssueS[i] = isolatedIssueS[same]!;
      forwardS[i] = forwardS[same]!;
      forwardIssueS[i] = forwardIssueS[same]!;
      gpuS[forest.parent[i]!] += gpuS[i]! * forest.ratio[i]!;
      continue;
    }
    const isRoot = forest.parent[i]! < 0;
    const iso = nodeTime(tm, gpuS[i]!, work[i]!, isRoot, 'isolated', forest.leaf[i] === 1);
    const fwd = nodeTime(tm, gpuS[i]!, work[i]!, isRoot, 'forward');
    isolatedS[i] = iso.timeS;
    isolatedIssueS[i] = iso.issueS;
    forwardS[i] = fwd.timeS;
    forwardIssueS[i] = fwd.issueS;
    const p = forest.parent[i]!;
    if (p >= 0) gpuS[p] += gpuS[i]! * forest.ratio[i]!;
  }
  return { gpuS, isolatedS, forwardS, forwardIssueS, isolatedIssueS };
}

/** A leaf's regression vector: its static energy (idle power x isolated time), a constant 1, then its raw features. */
function leafVector(data: ForestData, i: number, staticJ: number): number[] {
  return [staticJ, 1, ...data.leafFeat[i]!];
}

/**
 * Fills the forest's static offsets, caps, leaf dynamic energies and
 * standardised aggregation features from a model and the physical setting.
 */
export function prepareForest(data: ForestData, model: PredictorModel, setting: PhysicalSetting): { usedFallback: boolean[]; times: ForestTimes } {
  const { forest, nodes } = data;
  const idle = setting.hardware.idlePowerW;
  const limit = setting.hardware.powerLimitW;
  const times = forestTimes(data, model.timeModel);
  const usedFallback = new Array<boolean>(forest.n).fill(false);
  forest.staticPowerW = idle + model.activePowerW;
  forest.issuePowerW = model.issuePowerW ?? 0;
  for (let i = 0; i < forest.n; i++) {
    const staticJ = idle * times.isolatedS[i]!;
    forest.cap[i] = limit * times.isolatedS[i]!;
    if (!forest.leaf[i]) {
      forest.offset[i] = 0;
      forest.perWatt[i] = times.isolatedS[i]!;
      forest.issueS[i] = times.isolatedIssueS[i]!;
      continue;
    }
    forest.perWatt[i] = 0;
    forest.issueS[i] = 0;
    const first = data.sameAs?.[i] ?? i;
    if (first !== i) {
      // A repeated subtree's leaf: the same regression on the same vector as its first (done: first < i).
      forest.leafPred[i] = forest.leafPred[first]!;
      forest.offset[i] = forest.offset[first]!;
      usedFallback[i] = usedFallback[first]!;
      continue;
    }
    const { reg, usedFallback: fb } = regressionFor(model, nodes[i]!);
    const { isolatedJ, dynamicJ } = splitPrediction(reg, leafVector(data, i, staticJ), ISOLATED_COLUMNS);
    forest.leafPred[i] = dynamicJ;
    forest.offset[i] = isolatedJ;
    usedFallback[i] = fb;
  }
  standardiseInto(forest, data.aggFeat, model.aggregation.mean, model.aggregation.std, data.sameAs);
  return { usedFallback, times };
}

/** Predicted dynamic energy per call of every node of a prepared forest (joules). */
export function predictForest(data: ForestData, model: PredictorModel): Float64Array {
  const a = model.aggregation;
  return forward(data.forest, a.w, a.b, a.tau, data.sameAs).pred;
}

/** Time observations of a forest: every measured node and root, deduplicated, each level weighing alike. */
export function timeObservations(data: ForestData): TimeObservation[] {
  const { forest, work, nodes } = data;
  // Unique primitives under each node with their calls per call of the node, merged bottom-up.
  const prims: (Map<string, { work: NodeWork; times: number }> | undefined)[] = new Array(forest.n);
  const keyOf = (w: NodeWork): string => `${w.flops}|${w.trafficBytes}|${w.kernels}`;
  const byLevel = { leaf: new Map<string, TimeObservation>(), module: new Map<string, TimeObservation>(), root: new Map<string, TimeObservation>() };
  for (let k = 0; k < forest.n; k++) {
    const i = forest.order[k]!;
    let m = prims[i];
    if (forest.leaf[i]) {
      m = new Map([[keyOf(work[i]!), { work: work[i]!, times: 1 }]]);
      prims[i] = m;
    }
    if (!m) m = prims[i] = new Map();
    const t = data.targetTimeS[i]!;
    const isRoot = forest.parent[i]! < 0;
    if (t > 0) {
      const level = isRoot ? byLevel.root : forest.leaf[i] ? byLevel.leaf : byLevel.module;
      const key = `${nodes[i]!.instanceType}|${keyOf(work[i]!)}|${work[i]!.moduleCalls}|${t}`;
      if (!level.has(key)) {
        level.set(key, { work: work[i]!, primitives: [...m.values()], isRoot, isLeaf: forest.leaf[i] === 1, context: isRoot ? 'forward' : 'isolated', timeS: t, weight: 1 });
      }
    }
    const p = forest.parent[i]!;
    if (p >= 0) {
      let pm = prims[p];
      if (!pm) pm = prims[p] = new Map();
      for (const [key, v] of m) {
        const e = pm.get(key);
        if (e) e.times += v.times * forest.ratio[i]!;
        else pm.set(key, { work: v.work, times: v.times * forest.ratio[i]! });
      }
    }
    // Children's maps are no longer needed once merged.
    if (!isRoot && !forest.leaf[i]) prims[i] = undefined;
  }
  // Whole-model times weigh as much as all module replays together (each stage weighs its own).
  const out: TimeObservation[] = [];
  const share = { root: 0.5, module: 0.5, leaf: 1 };
  for (const [name, level] of Object.entries(byLevel) as [keyof typeof share, Map<string, TimeObservation>][]) {
    for (const o of level.values()) out.push({ ...o, weight: share[name] / level.size });
  }
  return out;
}

/**
 * The hardware a fit runs against. Profiles of measured hardware pass its
 * datasheet block; where the idle power is unknown (the IrEne paper's wall
 * meter), it is fitted from the whole-model energies and times.
 */
export interface FitSetting {
  hardware: HardwareSpec;
  /** Fit the idle power from the data (the hardware's figure is only a start). */
  fitIdlePower?: boolean;
  /** The host's CPU-side rates from its other measurements (see {@link fitHostTimePrior}). */
  hostTimePrior?: HostTimePrior;
}

/**
 * The host rates (kernel issue, module call, forward overhead; seconds) fitted
 * on trees measured on the same host in another dtype, as a prior for a fit on
 * this one. Empty without trees.
 */
export function fitHostTimePrior(trees: readonly ModelTree[], hardware: HardwareSpec, featureSet: FeatureSet, signal?: AbortSignal): HostTimePrior {
  if (trees.length === 0) return {};
  const fd = buildForest(trees, featureSet, hardware, signal, ignoredFeaturesFor(trees));
  const tm = fitTimeModel(timeObservations(fd), { rates: rooflineRates(hardware, trees[0]!.dtype ?? 'fp32'), signal });
  return Object.fromEntries(HOST_TIME_FIELDS.map((k) => [k, tm[k]])) as HostTimePrior;
}

/**
 * Fits the time model on every measured time, the regressions on every
 * measured leaf, then trains the weighting model end to end on every
 * measured non-leaf node.
 * @returns the model and the hardware after any fitted figures (idle power).
 */
export function fitPredictorModel(
  trees: readonly ModelTree[],
  options: FitPredictorOptions,
  setting: FitSetting,
  data?: ForestData,
): { model: PredictorModel; hardware: HardwareSpec } {
  const o = { ...DEFAULT_FIT, ...stripUndefined(options), featureSet: options.featureSet };
  const ignoredFeatures = options.ignoreFeatures ?? ignoredFeaturesFor(trees);
  const fd = data ?? buildForest(trees, o.featureSet, setting.hardware, options.signal, ignoredFeatures);
  const { forest } = fd;
  const dtype = trees[0]?.dtype ?? 'fp32';
  const rates: RooflineRates = rooflineRates(setting.hardware, dtype);
  const timeModel = fitTimeModel(timeObservations(fd), { rates, hostPrior: setting.hostTimePrior, signal: options.signal });
  throwIfAborted(options.signal);
  options.onProgress?.(0.05);
  const times = forestTimes(fd, timeModel);
  const mono = monotoneAggregationColumns(o.featureSet);
  const stats = columnStats(fd.aggFeat, forest.d);
  const restarts = options.restarts ?? (trees.length < SMALL_DATA_TREES ? SMALL_DATA_RESTARTS : DEFAULT_FIT.restarts);
  /** Regressions at an idle power, then the weighting model (and, when asked, the idle power itself) end to end. */
  /**
   * Regressions at an idle power, then the weighting model and the power every running node draws
   * (idle + active) end to end: with `learnIdle` all of it is idle (its figure unknown), else the
   * learned part above the known idle is the active power.
   */
  const fitAt = (hardware: HardwareSpec, learnIdle: boolean, progress: [number, number]): { model: PredictorModel; staticPowerW: number } => {
    const { regressions, fallback } = fitRegressions(trees, fd, times, hardware.idlePowerW, o);
    const model: PredictorModel = {
      featureSet: o.featureSet,
      timeModel,
      regressions,
      fallback,
      aggregation: { mean: stats.mean, std: stats.std, w: new Array<number>(forest.d).fill(0), b: 0, tau: o.tau, monotoneColumns: mono },
      activePowerW: 0,
    };
    if (ignoredFeatures.length > 0) model.ignoredFeatures = [...ignoredFeatures];
    prepareForest(fd, model, { hardware });
    const trained = trainWeights(forest, {
      tau: o.tau,
      seed: o.seed,
      epochs: o.epochs,
      restarts,
      l2: o.l2,
      learningRate: o.learningRate,
      monotoneColumns: mono,
      staticPowerRange: learnIdle ? [0.05 * hardware.powerLimitW, 0.9 * hardware.powerLimitW] : [hardware.idlePowerW, 0.9 * hardware.powerLimitW],
      issuePowerMax: ISSUE_POWER_MAX_SHARE * hardware.powerLimitW,
      signal: options.signal,
      onProgress: (f) => options.onProgress?.(progress[0] + (progress[1] - progress[0]) * f),
    });
    model.aggregation.w = trained.w;
    model.aggregation.b = trained.b;
    model.issuePowerW = trained.issuePowerW;
    if (!learnIdle) model.activePowerW = Math.max(0, trained.staticPowerW - hardware.idlePowerW);
    return { model, staticPowerW: trained.staticPowerW };
  };
  if (!setting.fitIdlePower) return { model: fitAt(setting.hardware, false, [0.1, 1]).model, hardware: setting.hardware };
  // Unknown idle draw: start from a linear fit over the roots, learn it with the weighting model,
  // then fit everything again at the learned figure, so that the leaves' static terms agree with it.
  const start = withFittedIdle(fd, times, setting.hardware);
  const learned = fitAt(start, true, [0.1, 0.55]).staticPowerW;
  const hardware: HardwareSpec = {
    ...start,
    idlePowerW: learned,
    sources: {
      ...start.sources,
      idlePowerW: {
        origin: 'fitted',
        note: 'learned end to end with the aggregation weights (the meter reads a whole machine of unknown idle draw); started from a non-negative fit E = P x T + a x FLOPs + c x launches over the measured roots',
      },
    },
  };
  return { model: fitAt(hardware, false, [0.55, 1]).model, hardware };
}

/** Per-kind and per-type regressions on every measured leaf, and the fallback, at an idle power. */
function fitRegressions(
  trees: readonly ModelTree[],
  fd: ForestData,
  times: ForestTimes,
  idle: number,
  o: { featureSet: FeatureSet; perTypeMinRows: number; selectForm: boolean },
): { regressions: Record<string, RegressionModel>; fallback: RegressionModel } {
  const { forest, nodes } = fd;
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
    const x = leafVector(fd, i, idle * times.isolatedS[i]!);
    const y = forest.target[i]!;
    const name = trees[fd.treeOf[i]!]!.modelName;
    if (!modelIds.has(name)) modelIds.set(name, modelIds.size);
    const mid = modelIds.get(name)!;
    add(`kind:${leafKind(node)}`, x, y, mid);
    if (o.perTypeMinRows > 0) add(`type:${node.instanceType}`, x, y, mid);
    all.x.push(x);
    all.y.push(y);
  }
  const candidates = candidatesFor(o.featureSet);
  const regressions: Record<string, RegressionModel> = {};
  for (const [key, g] of groups) {
    if (key.startsWith('type:') && g.y.length < o.perTypeMinRows) continue;
    regressions[key] = o.selectForm
      ? fitSelectedRegression(g.x, g.y, g.model, candidates).model
      : fitRegression(g.x, g.y, candidates[candidates.length - 1]!.columns);
  }
  return { regressions, fallback: fitRegression(all.x, all.y, PHYSICAL_COLUMNS) };
}

/**
 * The idle power that best explains the whole-model energies with the fitted
 * times: a non-negative fit E = P x T + a x FLOPs + c x launches over the
 * measured roots, for data whose meter reads a whole machine of unknown idle
 * draw (the IrEne paper's). The fitted figure is marked as such.
 */
function withFittedIdle(data: ForestData, times: ForestTimes, hw: HardwareSpec): HardwareSpec {
  const rows: number[][] = [];
  const y: number[] = [];
  for (const r of data.roots) {
    const e = data.forest.target[r]!;
    if (!(e > 0)) continue;
    const w = data.work[r]!;
    rows.push([times.forwardS[r]! / e, w.flops / e, w.kernels / e]);
    y.push(1);
  }
  if (rows.length < 3) return hw;
  const [p] = nonNegativeLeastSquares(rows, y);
  if (!(p! > 0) || p! >= hw.powerLimitW) return hw;
  return {
    ...hw,
    idlePowerW: p!,
    sources: { ...hw.sources, idlePowerW: { origin: 'fitted', note: 'fitted to the whole-model energies and predicted times (E = P x T + a x FLOPs + c x launches, non-negative); the meter reads a whole machine of unknown idle draw' } },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
