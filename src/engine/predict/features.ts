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
  /** Columns read as 0: the profile's training data measured them another way (see `ignoredFeaturesFor`). */
  ignored?: ReadonlySet<string>;
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
  if (ctx.ignored && ctx.ignored.size > 0) {
    const names = featureNames(set);
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

/**
 * Which raw columns the weighting model sees: the child's FLOPs and bytes
 * (plus the runtime columns in `specs+runtime`), not batch size, sequence
 * length or tokens. Profiles are trained on a handful of shapes (the H100 data
 * has three); with the shape columns the weights were free to vary between
 * and beyond those shapes, and predictions fell as the sequence grew
 * (bert-base 8 x 128 above 8 x 256). FLOPs and bytes still carry the size,
 * and the predictions stay monotone in it. Measured: H100 bf16 model-level
 * CV 10.6 -> 13.4 %, fp32 7.2 -> 6.8 %, device_1 1.9 -> 2.8 %, device_2
 * 2.3 -> 3.3 % (docs/accuracy.md has the current figures).
 */
export function aggregationRawColumns(set: FeatureSet): number[] {
  const names = featureNames(set);
  const keep = new Set<string>(['flops', 'memBytes', ...RUNTIME_FEATURES]);
  return names.map((n, i) => (keep.has(n) ? i : -1)).filter((i) => i >= 0);
}

/** Names of the aggregation feature columns (after the raw set's own). */
export function aggregationFeatureNames(set: FeatureSet): string[] {
  return [
    ...aggregationRawColumns(set).map((i) => `log1p(${featureNames(set)[i]})`),
    'flopsShareOfParent',
    'bytesShareOfParent',
    'log1p(primitivesInSubtree)',
    ...AGGREGATION_KINDS.map((k) => `is:${k}`),
  ];
}

/**
 * Features of a child that set its weight in its parent's sum: the child's
 * raw features on a log scale (energy spans six orders of magnitude), its
 * share of the parent's FLOPs and bytes, how many primitives (kernel
 * launches, roughly) it holds, and which kind of primitive (or module) it is.
 * Not the number of siblings: with it, every child's weight moved when a
 * source listed one more small op beside it (an ONNX export that builds the
 * causal mask in one op instead of eager PyTorch's six changed gpt2's
 * prediction by 3.7 %; without it, 0.5 %), at no gain in cross-validation. On a fast GPU, parts measured one by one each pay launch
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
  const v = aggregationRawColumns(set).map((i) => Math.log1p(Math.max(0, raw[i]!)));
  v.push(parent.flops > 0 ? (child.flops * child.calls) / (parent.flops * parent.calls) : 0);
  v.push(parent.memBytes > 0 && !ctx.ignored?.has('memBytes') ? (child.memBytes * child.calls) / (parent.memBytes * parent.calls) : 0);
  v.push(Math.log1p(primitivesInSubtree));
  const k: PrimitiveKind | 'module' = child.children.length > 0 || child.type !== 'ml' ? 'module' : (child.kind ?? 'other');
  for (const a of AGGREGATION_KINDS) v.push(a === k ? 1 : 0);
  return v;
}

/**
 * Columns a profile must not use because its training data gives them in a
 * convention no model definition reproduces. The IrEne paper's CSVs report
 * mem_bytes as measured memory (about 4.5x our inputs + outputs + parameters
 * for a Linear, and not a fixed ratio), and carry no parameter counts or
 * input shapes; a profile trained on them and fed computed bytes predicted
 * bert-base at 2-3x its measured energy. Trees from anything else use every column.
 */
export function ignoredFeaturesFor(trees: readonly { format: string }[]): string[] {
  return trees.some((t) => t.format === 'irene-csv') ? ['inputSize', 'memBytes', 'parameters'] : [];
}
