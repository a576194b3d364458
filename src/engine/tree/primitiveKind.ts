import type { PrimitiveKind } from './modelNode.js';
import { ownValue } from '../ownKey.js';

/**
 * Maps a primitive's instance type (PyTorch class or functional op name, as
 * written in the measured trees, IrEne CSVs and Python source) onto the
 * normalised kind the predictor regresses on. Case-insensitive.
 */
const KIND_BY_TYPE: Record<string, PrimitiveKind> = {
  linear: 'linear',
  conv1d: 'linear', // GPT-2's Conv1D is a transposed Linear
  falconlinear: 'linear', // nn.Linear subclass (x @ W.T + b)
  gemm: 'linear',
  matmul: 'matmul',
  bmm: 'matmul',
  baddbmm: 'matmul',
  einsum: 'matmul',
  scaled_dot_product_attention: 'matmul',
  softmax: 'softmax',
  log_softmax: 'softmax',
  layernorm: 'layernorm',
  layer_norm: 'layernorm',
  rmsnorm: 'rmsnorm',
  llamarmsnorm: 'rmsnorm',
  mistralrmsnorm: 'rmsnorm',
  qwen2rmsnorm: 'rmsnorm',
  embedding: 'embedding',
  // T5's "LayerNorm" is a root-mean-square norm (no mean, no bias)
  t5layernorm: 'rmsnorm',
  mt5layernorm: 'rmsnorm',
  umt5layernorm: 'rmsnorm',
  bloomgelu: 'activation',
  geluactivation: 'activation',
  newgeluactivation: 'activation',
  gelupytorchtanh: 'activation',
  pytorchgelutanh: 'activation', // transformers' class for hidden_act "gelu_pytorch_tanh"
  gelutanh: 'activation',
  accurategeluactivation: 'activation',
  fastgeluactivation: 'activation',
  quickgeluactivation: 'activation',
  gelu: 'activation',
  tanh: 'activation',
  siluactivation: 'activation',
  silu: 'activation',
  sigmoid: 'activation',
  relu: 'activation',
  erf: 'activation',
  add: 'elementwise',
  sub: 'elementwise',
  mul: 'elementwise',
  div: 'elementwise',
  neg: 'elementwise',
  pow: 'elementwise',
  sqrt: 'elementwise',
  rsqrt: 'elementwise',
  where: 'elementwise',
  masked_fill: 'elementwise',
  index_add: 'elementwise', // MoE experts scatter-adding their outputs
  clamp: 'elementwise',
  sum: 'elementwise',
  exp: 'elementwise',
  mean: 'elementwise',
  llamarotaryembedding: 'rotary',
  mistralrotaryembedding: 'rotary',
  qwen2rotaryembedding: 'rotary',
  rotaryembedding: 'rotary',
  conv2d: 'conv',
  conv: 'conv',
  cat: 'memory',
  concat: 'memory',
  contiguous: 'memory',
  cast: 'memory',
  to: 'memory',
  transpose: 'memory',
  dropout: 'memory',
  gather: 'memory',
  repeat: 'memory',
  index_copy: 'memory', // a static KV cache's append
  // torch.topk (MoE routers) is its own op with no regression of its own: 'other', the fallback.
  topk: 'other',
};

/**
 * Class-name endings that decide the kind of HF modules not listed above
 * (`Gemma2RMSNorm`, `Qwen3RotaryEmbedding`, `BartScaledWordEmbedding`), checked in order.
 */
const KIND_BY_SUFFIX: readonly [RegExp, PrimitiveKind][] = [
  [/rotaryembedding$/, 'rotary'],
  [/rmsnorm$/, 'rmsnorm'],
  [/layernorm$/, 'layernorm'],
  [/embedding$/, 'embedding'],
];

/** The normalised kind of an instance type; unknown types map to `other` (they still get a fallback prediction). */
export function primitiveKindOf(instanceType: string): PrimitiveKind {
  const t = instanceType.toLowerCase();
  const known = ownValue(KIND_BY_TYPE, t);
  if (known) return known;
  for (const [suffix, kind] of KIND_BY_SUFFIX) if (suffix.test(t)) return kind;
  return 'other';
}
