/**
 * Features of a node for the primitive regressions and the aggregation
 * weights. `specs` uses only what is known before running the model (the
 * default); `specs+runtime` adds the columns measured while the node ran,
 * which contain the answer and exist for comparison with the paper only.
 *
 * Every `specs` column grows (never shrinks) with batch size, sequence
 * length, width and depth. The regressions give each a non-negative
 * coefficient and the weighting model a non-negative weight on the work
 * columns, so that more work never costs less.
 */
import type { ModelNode, PrimitiveKind } from '../tree/modelNode.js';
import { numel } from '../features/primitiveCost.js';
import type { NodeWork } from '../features/nodeWork.js';

/** Which inputs a predictor may use. */
export type FeatureSet = 'specs' | 'specs+runtime';

/** All feature sets, default first. */
export const FEATURE_SETS: readonly FeatureSet[] = ['specs', 'specs+runtime'];

/** Inference setting shared by every node of a tree. */
export interface FeatureContext {
  /** Sequences per forward pass (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  /** Columns read as 0: the profile's training data measured them another way (see `ignoredFeaturesFor`). */
  ignored?: ReadonlySet<string>;
}

/**
 * Raw specification columns of one call: batch (count), sequence (count),
 * tokens = batch x sequence (count), input size (elements of all tensor
 * inputs; 0 when the source gives no shapes), FLOPs, bytes, parameters
 * (count), tokens x sequence (grows like attention's quadratic term), and the
 * hardware-aware ones: memory traffic (bytes, once per kernel), eager kernel
 * launches (count) and the roofline time on the profile's hardware (seconds).
 */
export const SPEC_FEATURES = [
  'batch',
  'seq',
  'tokens',
  'inputSize',
  'flops',
  'memBytes',
  'parameters',
  'tokensSeq',
  'trafficBytes',
  'kernels',
  'rooflineTimeS',
] as const;

/** Runtime columns (measured while the node ran; they leak the answer). */
export const RUNTIME_FEATURES = ['timesMean', 'gpuEnergyMean', 'cpu', 'mem', 'gpu', 'gpuMem', 'gpuClk', 'gpuMemClk'] as const;

/** Column names of a feature set, in vector order. */
export function featureNames(set: FeatureSet): string[] {
  return set === 'specs' ? [...SPEC_FEATURES] : [...SPEC_FEATURES, ...RUNTIME_FEATURES];
}

/** Index of a named spec column. */
export function specColumn(name: (typeof SPEC_FEATURES)[number]): number {
  return SPEC_FEATURES.indexOf(name);
}

/**
 * The raw feature vector of one call of `node` with its work (units as in
 * {@link SPEC_FEATURES}; runtime columns in their measured units, 0 when absent).
 */
export function rawFeatures(node: ModelNode, work: NodeWork, ctx: FeatureContext, set: FeatureSet): number[] {
  const tokens = ctx.batchSize * ctx.seqLen;
  let inputSize = 0;
  for (const s of node.inputShapes) inputSize += numel(s);
  const v = [
    ctx.batchSize,
    ctx.seqLen,
    tokens,
    inputSize,
    work.flops,
    work.memBytes,
    node.parameters,
    tokens * ctx.seqLen,
    work.trafficBytes,
    work.kernels,
    work.rooflineTimeS,
  ];
  if (set === 'specs+runtime') {
    const r = node.measured?.runtime ?? {};
    for (const k of RUNTIME_FEATURES) v.push(r[k] ?? 0);
  }
  if (ctx.ignored && ctx.ignored.size > 0) {
    const names = set === 'specs' ? SPEC_FEATURES : featureNames(set);
    for (let i = 0; i < v.length; i++) if (ctx.ignored.has(names[i]!)) v[i] = 0;
  }
  return v;
}

/**
 * Kinds in the order of the aggregation model's one-hot columns; a module
 * child takes the last column.
 */
export const AGGREGATION_KINDS: readonly (PrimitiveKind | 'module')[] = [
  'linear',
  'matmul',
  'softmax',
  'layernorm',
  'rmsnorm',
  'embedding',
  'activation',
  'elementwise',
  'rotary',
  'conv',
  'memory',
  'other',
  'module',
];

/** Raw columns the weighting model sees on a log scale: work (FLOPs, traffic, launches), plus the runtime columns in `specs+runtime`. */
function aggregationRawColumns(set: FeatureSet): readonly number[] {
  // Asked once per node of every tree predicted: computed once per feature set.
  let cols = AGGREGATION_RAW_COLUMNS.get(set);
  if (!cols) {
    const names = featureNames(set);
    const keep = new Set<string>(['flops', 'trafficBytes', 'kernels', ...RUNTIME_FEATURES]);
    cols = names.map((n, i) => (keep.has(n) ? i : -1)).filter((i) => i >= 0);
    AGGREGATION_RAW_COLUMNS.set(set, cols);
  }
  return cols;
}
const AGGREGATION_RAW_COLUMNS = new Map<FeatureSet, readonly number[]>();

/** Names of the aggregation feature columns. */
export function aggregationFeatureNames(set: FeatureSet): string[] {
  return [...aggregationRawColumns(set).map((i) => `log1p(${featureNames(set)[i]})`), ...AGGREGATION_KINDS.map((k) => `is:${k}`)];
}

/**
 * How many leading aggregation columns measure work (FLOPs, traffic,
 * launches): their weights are kept >= 0, so a child's weight never falls as
 * its work grows. The earlier weighting model let its log-FLOPs weight go
 * negative, and bert-base at 1 x 1 cost more than at 1 x 128.
 */
export function monotoneAggregationColumns(set: FeatureSet): number {
  return set === 'specs' ? 3 : 3;
}

/**
 * Features of a child that set the weight of its dynamic energy in its
 * parent's sum: its work on a log scale (energy spans six orders of
 * magnitude) and which kind of primitive (or module) it is. Not its share of
 * the parent, nor the number of siblings: both move when a sibling's work
 * changes, and with them a child's weight could fall as the model grows.
 * The kind matters because the parent's measured energy includes unlisted
 * work (views, dropout, bias adds, Python dispatch) that travels with
 * particular children.
 */
export function aggregationFeatures(child: ModelNode, childWork: NodeWork, ctx: FeatureContext, set: FeatureSet): number[] {
  const raw = rawFeatures(child, childWork, ctx, set);
  const cols = aggregationRawColumns(set);
  const v = new Array<number>(cols.length + AGGREGATION_KINDS.length);
  for (let j = 0; j < cols.length; j++) v[j] = Math.log1p(Math.max(0, raw[cols[j]!]!));
  const k: PrimitiveKind | 'module' = child.children.length > 0 || child.type !== 'ml' ? 'module' : (child.kind ?? 'other');
  for (let j = 0; j < AGGREGATION_KINDS.length; j++) v[cols.length + j] = AGGREGATION_KINDS[j] === k ? 1 : 0;
  return v;
}

/**
 * Columns a profile must not use because its training data gives them in a
 * convention no model definition reproduces. The IrEne paper's CSVs report
 * mem_bytes as measured memory (about 4.5x our inputs + outputs + parameters
 * for a Linear, and not a fixed ratio), and carry no parameter counts or
 * input shapes; a profile trained on them and fed computed bytes predicted
 * bert-base at 2-3x its measured energy. Memory traffic and the roofline
 * time derive from those bytes, so they go too. Trees from anything else use
 * every column.
 */
export function ignoredFeaturesFor(trees: readonly { format: string }[]): string[] {
  return trees.some((t) => t.format === 'irene-csv') ? ['inputSize', 'memBytes', 'parameters', 'trafficBytes', 'rooflineTimeS'] : [];
}
