/**
 * What the Python importer knows about PyTorch (and the few transformers
 * helpers HF modelling files use): which callees are layers, containers and
 * functional primitives, and the signatures of the layers so that positional
 * and keyword arguments can be bound the way Python binds them.
 */

/** A callee's role. */
export interface CalleeClass {
  category: 'layer' | 'container' | 'functional' | 'activation' | 'other';
  /** Layer class (`Linear`) or normalised op name (`matmul`, `softmax`, `gelu`). */
  name: string;
}

/** Constructor parameters of the layers the importer models, in positional order, with defaults. */
export const LAYER_SIGNATURES: Readonly<Record<string, readonly (readonly [string, unknown])[]>> = {
  Linear: [['in_features', undefined], ['out_features', undefined], ['bias', true]],
  LazyLinear: [['out_features', undefined], ['bias', true]],
  Bilinear: [['in1_features', undefined], ['in2_features', undefined], ['out_features', undefined], ['bias', true]],
  Conv1D: [['nf', undefined], ['nx', undefined]], // transformers' GPT-2 Conv1D: out, in
  Embedding: [['num_embeddings', undefined], ['embedding_dim', undefined], ['padding_idx', null]],
  LayerNorm: [['normalized_shape', undefined], ['eps', 1e-5], ['elementwise_affine', true], ['bias', true]],
  RMSNorm: [['normalized_shape', undefined], ['eps', null], ['elementwise_affine', true]],
  GroupNorm: [['num_groups', undefined], ['num_channels', undefined], ['eps', 1e-5], ['affine', true]],
  BatchNorm1d: [['num_features', undefined]],
  Dropout: [['p', 0.5]],
  Identity: [],
  GELU: [['approximate', 'none']],
  ReLU: [],
  SiLU: [],
  Tanh: [],
  Sigmoid: [],
  Softmax: [['dim', null]],
  LogSoftmax: [['dim', null]],
  Conv1d: [['in_channels', undefined], ['out_channels', undefined], ['kernel_size', undefined], ['stride', 1], ['padding', 0], ['dilation', 1], ['groups', 1], ['bias', true]],
  Conv2d: [['in_channels', undefined], ['out_channels', undefined], ['kernel_size', undefined], ['stride', 1], ['padding', 0], ['dilation', 1], ['groups', 1], ['bias', true]],
  // fairscale (Llama reference code): same arguments as their single-device layers, plus parallelism flags.
  ColumnParallelLinear: [['in_features', undefined], ['out_features', undefined], ['bias', true]],
  RowParallelLinear: [['in_features', undefined], ['out_features', undefined], ['bias', true]],
  ParallelEmbedding: [['num_embeddings', undefined], ['embedding_dim', undefined], ['padding_idx', null]],
  VocabParallelEmbedding: [['num_embeddings', undefined], ['embedding_dim', undefined], ['padding_idx', null]],
  MultiheadAttention: [['embed_dim', undefined], ['num_heads', undefined], ['dropout', 0], ['bias', true], ['add_bias_kv', false], ['add_zero_attn', false], ['kdim', null], ['vdim', null], ['batch_first', false]],
};

/** Layers that are the identity at inference (eval mode): they get no tree node, as in the measured trees. */
export const IDENTITY_LAYERS = new Set(['Dropout', 'Identity', 'Dropout1d', 'Dropout2d', 'AlphaDropout']);

/** Activation layer classes and the pointwise function they compute. */
export const ACTIVATION_LAYERS: Readonly<Record<string, 'gelu' | 'relu' | 'silu' | 'tanh' | 'sigmoid'>> = {
  GELU: 'gelu',
  ReLU: 'relu',
  SiLU: 'silu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
  GELUActivation: 'gelu',
  NewGELUActivation: 'gelu',
  GELUTanh: 'gelu',
  FastGELUActivation: 'gelu',
  QuickGELUActivation: 'gelu',
  SiLUActivation: 'silu',
};

/** transformers' ACT2FN keys -> the class it instantiates (as the measured trees name them). */
export const ACT2FN_CLASSES: Readonly<Record<string, string>> = {
  gelu: 'GELUActivation',
  gelu_new: 'NewGELUActivation',
  gelu_fast: 'FastGELUActivation',
  gelu_pytorch_tanh: 'GELUTanh',
  quick_gelu: 'QuickGELUActivation',
  silu: 'SiLUActivation',
  swish: 'SiLUActivation',
  relu: 'ReLU',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
};

const CONTAINERS = new Set(['ModuleList', 'Sequential', 'ModuleDict']);

/** Functional ops by their last name component (torch.X, F.X, tensor.X()). */
const FUNCTIONAL: Readonly<Record<string, string>> = {
  matmul: 'matmul',
  bmm: 'matmul',
  mm: 'matmul',
  baddbmm: 'matmul',
  einsum: 'einsum',
  softmax: 'softmax',
  log_softmax: 'softmax',
  scaled_dot_product_attention: 'scaled_dot_product_attention',
  gelu: 'gelu',
  silu: 'silu',
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  layer_norm: 'layer_norm',
  rms_norm: 'rms_norm',
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  neg: 'neg',
  pow: 'pow',
  sqrt: 'sqrt',
  rsqrt: 'rsqrt',
  exp: 'exp',
  mean: 'mean',
  where: 'where',
  masked_fill: 'masked_fill',
  cat: 'cat',
  concat: 'cat',
  contiguous: 'contiguous',
};

/** Functional names that, called as tensor methods (`x.softmax(-1)`), are ops; the rest only as `torch.X` / `F.X`. */
const TENSOR_METHOD_OPS = new Set(['matmul', 'bmm', 'softmax', 'tanh', 'sigmoid', 'relu', 'add', 'sub', 'mul', 'div', 'neg', 'pow', 'sqrt', 'rsqrt', 'exp', 'mean', 'masked_fill', 'contiguous']);

/** Full dotted path of a callee after applying the file's imports (`nn.Linear` -> `torch.nn.Linear`). */
export function fullName(callee: string, imports: Record<string, string>): string {
  const parts = callee.split('.');
  const head = parts[0]!;
  const mapped = (Object.hasOwn(imports, head) ? imports[head] : undefined) ?? (Object.hasOwn(DEFAULT_ALIASES, head) ? DEFAULT_ALIASES[head] : undefined);
  return mapped ? [mapped, ...parts.slice(1)].join('.') : callee;
}

/** Conventional aliases, used when a snippet forgot its imports. */
const DEFAULT_ALIASES: Readonly<Record<string, string>> = { nn: 'torch.nn', F: 'torch.nn.functional' };

/**
 * Classifies a callee as written in the source (`nn.Linear`, `F.softmax`,
 * `torch.matmul`, `<tensor>.softmax` for a method call on a value).
 */
export function classifyCallee(callee: string, imports: Record<string, string>): CalleeClass {
  if (callee.startsWith('<tensor>.')) {
    const m = callee.slice(9);
    return TENSOR_METHOD_OPS.has(m) && Object.hasOwn(FUNCTIONAL, m) ? { category: 'functional', name: FUNCTIONAL[m]! } : { category: 'other', name: m };
  }
  const full = fullName(callee, imports);
  const parts = full.split('.');
  const last = parts[parts.length - 1]!;
  const ns = parts.slice(0, -1).join('.');
  const fromTorchNn = ns === 'torch.nn' || ns.startsWith('torch.nn.modules') || (parts.length === 1 && imports[callee]?.startsWith('torch.nn'));
  if (CONTAINERS.has(last) && (fromTorchNn || parts.length === 1)) return { category: 'container', name: last };
  if (last === 'get_activation') return { category: 'activation', name: last };
  const fromTransformers = full.startsWith('transformers') || full.startsWith('fairscale') || ns.endsWith('pytorch_utils') || ns.endsWith('activations');
  if (Object.hasOwn(LAYER_SIGNATURES, last) && (fromTorchNn || fromTransformers || (parts.length === 1 && imports[callee] === undefined && last !== 'Identity'))) {
    return { category: 'layer', name: last };
  }
  if (Object.hasOwn(ACTIVATION_LAYERS, last) && (fromTorchNn || fromTransformers)) return { category: 'layer', name: last };
  const functionalNs = ns === 'torch' || ns === 'torch.nn.functional' || ns === 'torch.special' || ns === 'torch.Tensor';
  if (functionalNs && Object.hasOwn(FUNCTIONAL, last)) return { category: 'functional', name: FUNCTIONAL[last] };
  return { category: 'other', name: last };
}

/** Whether a class name (short) is a torch layer the importer models. */
export function isKnownLayer(name: string): boolean {
  return Object.hasOwn(LAYER_SIGNATURES, name) || Object.hasOwn(ACTIVATION_LAYERS, name);
}
