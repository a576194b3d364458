/**
 * Predicting a model tree's energy with a device profile: every node gets
 * its part of the model's energy and time, split into static energy (idle
 * power x time) and dynamic energy (the work above idle), the regime that
 * bounds it (launch, memory or compute), IrEne's isolated prediction, an
 * uncertainty that widens with extrapolation, and its share of the model.
 * The prediction carries warnings about anything that makes it less
 * trustworthy: a dtype mismatch, extrapolation, unknown primitives, and a run
 * that does not fit in the device's memory.
 */
import { NonFinitePredictionError, throwIfAborted } from '../errors.js';
import { assertTreeWorkFinite } from '../limits/workBudgets.js';
import type { ModelTree, PredictedNode, Regime } from '../tree/modelNode.js';
import type { PredictionLike } from '../report/predictionReport.js';
import { summarizeProfile, type Profile, type ProfileSummary } from '../profiles/profileFormat.js';
import { buildForest, predictForest, prepareForest, type ForestData } from './predictorModel.js';
import { nodeEnergy, type AggregationModel } from './aggregation.js';
import { graphCaptured } from './timeModel.js';
import { projectToVocabulary } from './leafVocabulary.js';
import { repeatedSubtrees } from './repeatedSubtrees.js';
import { extrapolationWarnings, leafDistance, treeExtrapolation, type Extrapolation } from './extrapolation.js';
import { noiseFor, relativeSigma, type Level } from './uncertainty.js';
import { withOverrides, type HardwareOverrides, type HardwareSpec } from '../hardware/hardwareSpec.js';
import { estimateForwardMemory, fitInMemory, memoryWarning, type MemoryFit } from '../hardware/deviceMemory.js';
import { pushAll } from '../arrays.js';

/** A whole-model prediction: the report's fields (PredictionLike) with the profile's full summary. */
export interface Prediction extends PredictionLike {
  profile: ProfileSummary;
  /** The hardware the prediction used, user overrides applied. */
  hardware: HardwareSpec;
  /** How far the inputs lie outside the training data. */
  extrapolation: Extrapolation;
  /** Whether the forward pass fits in the device's memory. */
  memory: MemoryFit;
}

/** Options of {@link predictTree}. */
export interface PredictOptions extends HardwareOverrides {
  /**
   * Graph-captured execution (CUDA graphs): no CPU issue cost per kernel or
   * module call (see `graphCaptured`). Default false: eager PyTorch, as measured.
   */
  graphs?: boolean;
  signal?: AbortSignal;
}

/**
 * Relative one-sigma uncertainty of a node of a level with a profile, for an
 * input of `tokens` tokens lying `distance` (ln units) outside the training data.
 */
export function relativeUncertainty(profile: Profile, level: Level, tokens: number, distance = 0): number {
  return relativeSigma(profile.uncertainty.levels[level], noiseFor(profile.noise, tokens), distance);
}

/**
 * Splits each parent's part of the time and dynamic energy (already in `partTime` and
 * `partDynamic`, the root's set) over its children, pre-order: the time by their own forward
 * times, the dynamic energy by their weighted dynamic contributions.
 */
function splitIntoParts(data: ForestData, a: AggregationModel, dyn: Float64Array, forwardS: Float64Array, partTime: Float64Array, partDynamic: Float64Array): void {
  const { forest, sameAs } = data;
  // Each node's children as a range of `childList` (ascending index: model order), and each
  // child's weighted contribution and time in flat arrays: no array or object per node, which
  // a short-lived CLI process pays for in collections.
  const { n, d, feat, ratio } = forest;
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = forest.parent[i]!;
    if (p >= 0) childStart[p + 1]!++;
  }
  for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
  const childList = new Int32Array(n);
  const fill = childStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    const p = forest.parent[i]!;
    if (p >= 0) childList[fill[p]!++] = i;
  }
  // Each child's weight factor 1 + tanh(w . f + b) / tau: a function of its features alone, so a
  // repeat takes its first's (computed before it: first < i).
  const factor = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (forest.parent[i]! < 0) continue;
    const first = sameAs ? sameAs[i]! : i;
    if (first !== i) {
      factor[i] = factor[first]!;
      continue;
    }
    let z = a.b;
    for (let j = 0; j < d; j++) z += a.w[j]! * feat[i * d + j]!;
    factor[i] = 1 + Math.tanh(z) / a.tau;
  }
  const contribution = new Float64Array(n);
  const childTime = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const p = forest.order[k]!;
    const from = childStart[p]!;
    const end = childStart[p + 1]!;
    if (from === end) continue;
    const kids = end - from;
    let tSum = 0;
    let dSum = 0;
    for (let q = from; q < end; q++) {
      const i = childList[q]!;
      const c = factor[i]! * Math.max(0, dyn[i]!) * ratio[i]!;
      dSum += c;
      const t = forwardS[i]! * ratio[i]!;
      tSum += t;
      contribution[i] = c;
      childTime[i] = t;
    }
    for (let q = from; q < end; q++) {
      const i = childList[q]!;
      partTime[i] = tSum > 0 ? (partTime[p]! * childTime[i]!) / tSum : partTime[p]! / kids;
      partDynamic[i] = dSum > 0 ? (partDynamic[p]! * contribution[i]!) / dSum : partDynamic[p]! / kids;
    }
  }
}

/**
 * Predicts the energy of every node of a tree (joules per inference) with a
 * profile. Never throws for unusual inputs: it predicts and warns. Energies
 * are never negative, never below idle power x the roofline time and never
 * above the power limit x the predicted time.
 */
export function predictTree(tree: ModelTree, profile: Profile, options: PredictOptions = {}): Prediction {
  throwIfAborted(options.signal);
  assertTreeWorkFinite(tree);
  const model = options.graphs ? { ...profile.predictor, timeModel: graphCaptured(profile.predictor.timeModel) } : profile.predictor;
  const hardware = withOverrides(profile.hardware, options);
  // Only the primitives the profile's training trees listed; the rest ran inside their parents there.
  const { tree: projected, dropped } = projectToVocabulary(tree, profile.leafVocabulary);
  // A model's repeated layers are priced once (repeatedSubtrees.ts): the same figures, computed once.
  const data = buildForest([projected], model.featureSet, hardware, options.signal, model.ignoredFeatures, repeatedSubtrees(projected.root));
  const { usedFallback, times } = prepareForest(data, model, { hardware });
  throwIfAborted(options.signal);
  const dyn = predictForest(data, model);
  const { forest, nodes, work } = data;
  const rootIdx = data.roots[0]!;
  const bytesKnown = !(model.ignoredFeatures ?? []).includes('memBytes');
  const extrapolation = treeExtrapolation(tree, profile.trainingRange, bytesKnown);
  const memory = fitInMemory(estimateForwardMemory(tree), hardware);

  const warnings: string[] = [...tree.warnings];
  if (tree.dtype !== profile.dtype) {
    warnings.push(
      `the model runs in ${tree.dtype} but profile "${profile.name}" was measured in ${profile.dtype}; energies can differ by 2x or more between dtypes`,
    );
  }
  const memNote = memoryWarning(memory, hardware);
  if (memNote) warnings.push(memNote);
  pushAll(warnings, extrapolationWarnings(extrapolation));
  const fallbackTypes = new Set<string>();
  nodes.forEach((n, i) => {
    if (usedFallback[i]) fallbackTypes.add(n.instanceType);
  });
  if (fallbackTypes.size > 0) {
    warnings.push(
      `no regression for ${[...fallbackTypes].sort().join(', ')} in profile "${profile.name}": predicted from static energy, FLOPs, traffic and launches by the global fallback, expect larger errors there`,
    );
  }
  if (dropped.size > 0) {
    const list = [...dropped].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} (${n})`);
    warnings.push(
      `profile "${profile.name}" was measured on trees that do not list ${list.join(', ')} as parts of their own; their energy is counted in the modules that run them`,
    );
  }

  // The model's energy per call: idle (and active) power over the forward time, the host's issue
  // power over its issue time, and the aggregated dynamic energy, capped at the power limit over
  // that time; the forest holds each of them for the root (a root's isolated time is a forward pass).
  const idle = hardware.idlePowerW;
  const active = model.activePowerW;
  const rootTime = times.forwardS[rootIdx]!;
  const issueJ = forest.issuePowerW * forest.issueS[rootIdx]!;
  const rootEnergy = nodeEnergy(forest, rootIdx, dyn[rootIdx]!);
  // The work's part of the dynamic energy (the active power's and the issuing's parts go with time, below).
  const rootDynamic = Math.max(0, rootEnergy - (idle + active) * rootTime - issueJ);
  const activeShare = Math.max(0, Math.min(active * rootTime + issueJ, rootEnergy - idle * rootTime));
  // Parts that add up, pre-order: a parent's time is split over its children by their own forward
  // times, its dynamic energy by their weighted dynamic contributions.
  const partTime = new Float64Array(forest.n);
  const partDynamic = new Float64Array(forest.n);
  partTime[rootIdx] = rootTime;
  partDynamic[rootIdx] = rootDynamic;
  splitIntoParts(data, model.aggregation, dyn, times.forwardS, partTime, partDynamic);
  const rootCalls = nodes[rootIdx]!.calls;
  const modelEnergyJ = rootEnergy * rootCalls;
  const tokens = tree.batchSize * tree.seqLen;
  const noise = noiseFor(profile.noise, tokens);
  const tm = model.timeModel;
  const built: PredictedNode[] = new Array<PredictedNode>(forest.n);
  const leafDistanceOf = new Float64Array(forest.n);
  for (let k = 0; k < forest.n; k++) {
    const i = forest.order[k]!;
    const node = nodes[i]!;
    const isRoot = forest.parent[i]! < 0;
    const level: Level = isRoot ? 'model' : node.type === 'ml' ? 'ml' : 'module';
    const staticJ = idle * partTime[i]! * rootCalls;
    const dynamicJ = (partDynamic[i]! + (rootTime > 0 ? (activeShare * partTime[i]!) / rootTime : 0)) * rootCalls;
    const energyJ = staticJ + dynamicJ;
    const first = data.sameAs?.[i] ?? i;
    // A repeat's leaf has its first's FLOPs and kind (first < i, so built already).
    const ownDistance = node.children.length === 0 ? (first !== i ? leafDistanceOf[first]! : leafDistance(node, profile.trainingRange)) : 0;
    leafDistanceOf[i] = ownDistance;
    const distance = Math.max(extrapolation.distance, ownDistance);
    const w = work[i]!;
    const regime: Regime =
      times.forwardIssueS[i]! > times.gpuS[i]! ? 'launch' : w.trafficBytes * tm.secondsPerByte > w.flops * tm.secondsPerFlop ? 'memory' : 'compute';
    built[i] = {
      node,
      energyPerCallJ: energyJ / node.calls,
      energyJ,
      isolatedEnergyJ: nodeEnergy(forest, i, dyn[i]!) * node.calls,
      uncertaintyJ: energyJ * relativeSigma(profile.uncertainty.levels[level], noise, distance),
      share: modelEnergyJ > 0 ? energyJ / modelEnergyJ : 0,
      timeS: partTime[i]! * rootCalls,
      staticJ,
      dynamicJ,
      regime,
      children: [],
    };
  }
  for (let i = 0; i < forest.n; i++) {
    const p = forest.parent[i]!;
    if (p >= 0) built[p]!.children.push(built[i]!);
  }
  const root = built[rootIdx]!;
  for (const [what, v] of [['energy', root.energyJ], ['uncertainty', root.uncertaintyJ], ['time', root.timeS]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new NonFinitePredictionError(tree.modelName, profile.name, `${what} ${v}`);
  }
  return {
    modelName: tree.modelName,
    profile: summarizeProfile(profile),
    hardware,
    batchSize: tree.batchSize,
    seqLen: tree.seqLen,
    dtype: tree.dtype,
    energyJ: root.energyJ,
    uncertaintyJ: root.uncertaintyJ,
    timeS: root.timeS,
    staticJ: root.staticJ,
    dynamicJ: root.dynamicJ,
    regime: root.regime,
    idlePowerW: idle,
    extrapolation,
    memory,
    warnings,
    root,
  };
}
