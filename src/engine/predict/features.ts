/**
 * Features of a node for the primitive regressions and the aggregation
 * weights. `specs` uses only what is known before running the model (the
 * default); `specs+runtime` adds the columns measured while the node ran,
 * which contain the answer and exist for comparison with the paper only.
 */
import type { ModelNode, PrimitiveKind } from '../tree/modelNode.js';
import { numel } from '../features/primitiveCost.js';

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
}

/**
 * Raw specification columns: batch (count), sequence (count), tokens =
 * batch x sequence (count), input size (elements of all tensor inputs of one
 * call; 0 when the source gives no shapes), FLOPs and bytes of one call,
 * parameters (count), and tokens x sequence, which grows like attention's
 * quadratic term. All known from the model definition alone.
 */
export const SPEC_FEATURES = ['batch', 'seq', 'tokens', 'inputSize', 'flops', 'memBytes', 'parameters', 'tokensSeq'] as const;

/** Runtime columns (measured while the node ran; they leak the answer). */
export const RUNTIME_FEATURES = ['timesMean', 'gpuEnergyMean', 'cpu', 'mem', 'gpu', 'gpuMem', 'gpuClk', 'gpuMemClk'] as const;

/** Column names of a feature set, in vector order. */
export function featureNames(set: FeatureSet): string[] {
  return set === 'specs' ? [...SPEC_FEATURES] : [...SPEC_FEATURES, ...RUNTIME_FEATURES];
}

/**
 * The raw feature vector of one call of `node` (units as in
 * {@link SPEC_FEATURES}; runtime columns in their measured units, 0 when absent).
 */
export function rawFeatures(node: ModelNode, ctx: FeatureContext, set: FeatureSet): number[] {
  const tokens = ctx.batchSize * ctx.seqLen;
  let inputSize = 0;
  for (const s of node.inputShapes) inputSize += numel(s);
  const v = [
    ctx.batchSize,
    ctx.seqLen,
    tokens,
    inputSize,
    node.flops,
    node.memBytes,
    node.parameters,
    tokens * ctx.seqLen,
  ];
  if (set === 'specs+runtime') {
    const r = node.measured?.runtime ?? {};
    for (const k of RUNTIME_FEATURES) v.push(r[k] ?? 0);
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

/** Names of the aggregation feature columns (after the raw set's own). */
export function aggregationFeatureNames(set: FeatureSet): string[] {
  return [
    ...featureNames(set).map((n) => `log1p(${n})`),
    'flopsShareOfParent',
    'bytesShareOfParent',
    'log(siblings)',
    'log1p(primitivesInSubtree)',
    ...AGGREGATION_KINDS.map((k) => `is:${k}`),
  ];
}

/**
 * Features of a child that set its weight in its parent's sum: the child's
 * raw features on a log scale (energy spans six orders of magnitude), its
 * share of the parent's FLOPs and bytes, how many siblings it has, how many
 * primitives (kernel launches, roughly) it holds, and which kind of primitive
 * (or module) it is. On a fast GPU, parts measured one by one each pay launch
 * latency and idle power that overlap when the model runs end to end, so a
 * parent can cost much less than its children's sum, the more so the more
 * small launches it holds. The kind matters because the
 * parent's measured energy includes unlisted work (views, dropout, bias adds,
 * Python dispatch) that travels with particular children.
 */
export function aggregationFeatures(
  child: ModelNode,
  parent: ModelNode,
  ctx: FeatureContext,
  set: FeatureSet,
  primitivesInSubtree = 0,
): number[] {
  const raw = rawFeatures(child, ctx, set);
  const keep = process.env['AGG_KEEP'] ? process.env['AGG_KEEP'].split(',').map(Number) : raw.map((_, i) => i);
  const v = raw.map((x, i) => (keep.includes(i) ? Math.log1p(Math.max(0, x)) : 0));
  v.push(parent.flops > 0 ? (child.flops * child.calls) / (parent.flops * parent.calls) : 0);
  v.push(parent.memBytes > 0 ? (child.memBytes * child.calls) / (parent.memBytes * parent.calls) : 0);
  v.push(Math.log(parent.children.length));
  v.push(Math.log1p(primitivesInSubtree));
  const k: PrimitiveKind | 'module' = child.children.length > 0 || child.type !== 'ml' ? 'module' : (child.kind ?? 'other');
  for (const a of AGGREGATION_KINDS) v.push(a === k ? 1 : 0);
  return v;
}
