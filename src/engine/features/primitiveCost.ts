/**
 * FLOPs and bytes of each primitive, from tensor shapes. One place for the
 * conventions so that trees from configs, ONNX graphs and Python source agree
 * with each other and with the measured H100 trees:
 *
 * - 2 FLOPs per multiply-add; a Linear counts tokens x 2 x in x out (the bias
 *   add is not counted, as in the measured trees);
 * - element-wise ops count one FLOP per output element; softmax 5, layernorm 8,
 *   rmsnorm 4, gelu 8, tanh / silu / sigmoid 4, relu 1 per element;
 * - memory bytes are inputs + outputs + parameters of one call.
 */
import { DTYPE_BYTES, type Dtype } from '../tree/modelNode.js';

/** FLOPs per element of pointwise primitives (FLOPs). */
export const FLOPS_PER_ELEMENT = {
  softmax: 5,
  layernorm: 8,
  rmsnorm: 4,
  gelu: 8,
  tanh: 4,
  silu: 4,
  sigmoid: 4,
  relu: 1,
  elementwise: 1,
} as const;

/** Activation functions by the names HF configs and PyTorch use. */
export type ActivationName = 'gelu' | 'tanh' | 'silu' | 'sigmoid' | 'relu';

/** Cost of one call of a primitive. */
export interface PrimitiveCost {
  /** FLOPs of one call. */
  flops: number;
  /** Bytes read and written by one call, parameters included (bytes). */
  memBytes: number;
  /** Parameters owned (count). */
  parameters: number;
}

/** Number of elements of a shape (count); a scalar shape [] has one. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  // An index loop: called for most primitives of every tree, often before the JIT has compiled it,
  // and an interpreted for-of allocates an iterator result per element.
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * Linear layer y = x W^T + b on input `inShape` (..., inFeatures).
 * @returns FLOPs = 2 x tokens x in x out; bytes = (input + output + weights) x dtype size.
 */
export function linearCost(inShape: readonly number[], outFeatures: number, bias: boolean, dtype: Dtype): PrimitiveCost {
  const inFeatures = inShape[inShape.length - 1] ?? 1;
  const tokens = numel(inShape) / inFeatures;
  const parameters = inFeatures * outFeatures + (bias ? outFeatures : 0);
  const b = DTYPE_BYTES[dtype];
  return {
    flops: 2 * tokens * inFeatures * outFeatures,
    memBytes: (numel(inShape) + tokens * outFeatures + parameters) * b,
    parameters,
  };
}

/**
 * Batched matrix product of two activations a (..., m, k) x b (..., k, n), broadcasting leading dims.
 * @returns FLOPs = 2 x batch x m x k x n; bytes = (a + b + out) x dtype size.
 */
export function matmulCost(a: readonly number[], b: readonly number[], dtype: Dtype): PrimitiveCost {
  const m = a[a.length - 2] ?? 1;
  const k = a[a.length - 1] ?? 1;
  const n = b[b.length - 1] ?? 1;
  const outShape = [...broadcastShapes(a.slice(0, -2), b.slice(0, -2)), m, n];
  const batch = numel(outShape) / (m * n);
  const bytes = DTYPE_BYTES[dtype];
  return { flops: 2 * batch * m * k * n, memBytes: (numel(a) + numel(b) + numel(outShape)) * bytes, parameters: 0 };
}

/**
 * A pointwise primitive with one tensor input and an output of the same shape
 * (softmax, activations, norms). Norms own `parameters` (gamma, beta).
 */
export function pointwiseCost(
  shape: readonly number[],
  flopsPerElement: number,
  dtype: Dtype,
  parameters = 0,
): PrimitiveCost {
  const n = numel(shape);
  return { flops: flopsPerElement * n, memBytes: (2 * n + parameters) * DTYPE_BYTES[dtype], parameters };
}

/**
 * Element-wise op over several inputs with broadcasting (add, mul, div, where ...).
 * Scalars are passed as []. One FLOP per output element.
 */
export function elementwiseCost(inputs: readonly (readonly number[])[], dtype: Dtype, flopsPerElement = 1): PrimitiveCost {
  const out = inputs.reduce<number[]>((acc, s) => broadcastShapes(acc, s), []);
  const bytes = DTYPE_BYTES[dtype];
  const inBytes = inputs.reduce((s, shape) => s + (shape.length === 0 ? 0 : numel(shape)), 0);
  return { flops: flopsPerElement * numel(out), memBytes: (inBytes + numel(out)) * bytes, parameters: 0 };
}

/**
 * Embedding lookup of `indexShape` int64 ids into a (rows x dim) table.
 * The whole table is counted as touched, as the measured trees do.
 */
export function embeddingCost(indexShape: readonly number[], rows: number, dim: number, dtype: Dtype): PrimitiveCost {
  const parameters = rows * dim;
  const b = DTYPE_BYTES[dtype];
  return { flops: 0, memBytes: numel(indexShape) * 8 + numel(indexShape) * dim * b + parameters * b, parameters };
}

/** A copy that moves `elements` elements (cat, contiguous, cast): no FLOPs, read + write. */
export function memoryCost(elements: number, dtype: Dtype): PrimitiveCost {
  return { flops: 0, memBytes: 2 * elements * DTYPE_BYTES[dtype], parameters: 0 };
}

/** NumPy-style broadcast of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out[i] = da === 1 ? db : db === 1 ? da : Math.max(da, db);
  }
  return out;
}
