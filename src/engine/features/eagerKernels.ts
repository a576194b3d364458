/**
 * How many GPU kernels one call of a primitive launches in eager PyTorch, and
 * whether the call goes through an `nn.Module`. Both are known before running
 * and both cost CPU time per call: on a fast GPU a small input is bound by the
 * CPU issuing kernels, not by the GPU (bert-base at 1 x 128 and 8 x 256 take
 * the same 9-10 ms on an H100; data/h100/model_level.jsonl).
 *
 * Counts follow what the code of each primitive runs, read from PyTorch and
 * `transformers`: `F.linear` with a bias is one addmm; `F.gelu` one kernel;
 * GPT-2's `NewGELUActivation` is the tanh formula written out in Python
 * (pow, mul, add, mul, tanh, add, mul, mul: eight kernels); Llama's RMSNorm
 * casts to fp32, squares, means, adds eps, takes rsqrt, multiplies, casts back
 * and scales (eight kernels, six when the input is already fp32).
 */
import type { ModelNode } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';

/** Kernels per call of a primitive whose count differs from 1, by lower-cased instance type. */
const KERNELS_BY_TYPE: ReadonlyMap<string, number> = new Map([
  ['newgeluactivation', 8],
  ['fastgeluactivation', 9],
  ['accurategeluactivation', 8],
  ['quickgeluactivation', 2],
  ['gelupytorchtanh', 1],
  ['pytorchgelutanh', 1],
  // Rotary tables: cast of the position ids, matmul with inv_freq, cat, cos, sin, two scalings, two casts.
  ['llamarotaryembedding', 9],
  ['mistralrotaryembedding', 9],
  ['qwen2rotaryembedding', 9],
  ['rotaryembedding', 9],
  // Dropout is the identity at inference: a module call, no kernel.
  ['dropout', 0],
  // One fused kernel (flash / memory-efficient attention).
  ['scaled_dot_product_attention', 1],
]);

/**
 * GPU kernels one call of `node` launches in eager PyTorch (count). Modules
 * with children launch what their children launch; this is for primitives.
 */
export function eagerKernels(node: ModelNode): number {
  const type = node.instanceType.toLowerCase();
  const known = KERNELS_BY_TYPE.get(type);
  if (known !== undefined) return known;
  // transformers calls `.contiguous()` on a 4-D (batch, seq, heads, head_dim) tensor after a
  // transpose, which copies, and on a 3-D (batch, seq, hidden) one after a reshape, which already
  // copied: that second call finds the tensor contiguous and launches nothing (5-9 us replays on the
  // H100 against 31-47 us for the copy; data/h100/trees.jsonl.gz).
  if (type === 'contiguous' && (node.inputShapes[0]?.length ?? 4) <= 3) return 0;
  const kind = node.kind ?? primitiveKindOf(node.instanceType);
  // HF RMSNorms (Llama, Mistral, Qwen2, Gemma ...) share the written-out fp32 formula.
  if (kind === 'rmsnorm') return node.dtype === 'fp32' ? 6 : 8;
  return 1;
}

/**
 * Whether a primitive is called through an nn.Module (`Linear`, `LayerNorm`,
 * `GELUActivation` ...) rather than as a functional op (`matmul`, `add`): a
 * module call adds Python dispatch (hooks, `__call__`) on top of its kernels.
 * Importers name modules by their class (capitalised) and functional ops by
 * their lower-case torch name, for every source format.
 */
export function isModuleCall(node: ModelNode): boolean {
  return node.type !== 'ml' || node.children.length > 0 || /^[A-Z]/.test(node.instanceType);
}

/**
 * Bytes a primitive moves through device memory per call (bytes): its inputs,
 * outputs and parameters once per kernel it launches. A one-kernel primitive
 * moves `memBytes`; GPT-2's eight-kernel GELU reads and writes its tensor
 * eight times; a call that launches nothing (a no-op `.contiguous()`, dropout
 * at inference) moves nothing. An approximation (some kernels read two operands, some fuse),
 * but it keeps the bandwidth term of written-out formulas in proportion.
 */
export function memoryTrafficBytes(node: ModelNode): number {
  return node.memBytes * eagerKernels(node);
}
