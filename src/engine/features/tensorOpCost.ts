/**
 * Cost of functional tensor ops whose operands have mixed element types
 * (int64 position ids, bool masks, a float32 softmax output cast back to
 * bf16). `primitiveCost.ts` assumes every operand has the compute dtype; the
 * measured H100 trees count each operand at its own width, so ops on ids and
 * masks need this more general form to match them byte for byte.
 *
 * Conventions (same as the measured trees):
 * - a Python scalar operand (`x * 0.125`) is not a tensor: no bytes;
 * - a 0-d tensor (shape `[]`) is one element;
 * - FLOPs = flopsPerElement x elements of the broadcast output;
 * - bytes = every tensor input + the output, each at its own width.
 */
import { DTYPE_BYTES, type Dtype } from '../tree/modelNode.js';
import { broadcastShapes, numel, type PrimitiveCost } from './primitiveCost.js';

/** Element types that appear in a forward pass (activations, ids, masks). */
export type ElementType = Dtype | 'int64' | 'int32' | 'bool';

/** Bytes per element of each element type (bytes). */
export const ELEMENT_BYTES: Readonly<Record<ElementType, number>> = {
  ...DTYPE_BYTES,
  int64: 8,
  int32: 4,
  bool: 1,
};

/** A tensor operand: its shape (elements per dim) and element type. */
export interface TensorSpec {
  shape: readonly number[];
  type: ElementType;
}

/** An operand of a functional op: a tensor, or a Python number (`'scalar'`), which touches no memory. */
export type Operand = TensorSpec | 'scalar';

/** Bytes of one tensor (bytes). */
export function tensorBytes(t: TensorSpec): number {
  return numel(t.shape) * ELEMENT_BYTES[t.type];
}

/** Broadcast shape of the tensor operands (scalars broadcast to anything). */
export function broadcastOperands(inputs: readonly Operand[]): number[] {
  let out: number[] = [];
  // Index loops here and below: these run for most primitives of every tree, before the JIT has
  // compiled them, and an interpreted for-of allocates an iterator result per element.
  for (let i = 0; i < inputs.length; i++) {
    const op = inputs[i]!;
    if (op !== 'scalar') out = broadcastShapes(out, op.shape);
  }
  return out;
}

/**
 * An element-wise op (add, mul, where, sub ...) with broadcasting.
 * @param outType element type of the result
 * @param flopsPerElement FLOPs per output element (1 for arithmetic; 0 for pure copies)
 * @returns FLOPs = flopsPerElement x output elements; bytes = tensor inputs + output at their widths.
 */
export function elementwiseOpCost(inputs: readonly Operand[], outType: ElementType, flopsPerElement = 1): PrimitiveCost {
  const out = broadcastOperands(inputs);
  let bytes = numel(out) * ELEMENT_BYTES[outType];
  for (let i = 0; i < inputs.length; i++) {
    const op = inputs[i]!;
    if (op !== 'scalar') bytes += tensorBytes(op);
  }
  return { flops: flopsPerElement * numel(out), memBytes: bytes, parameters: 0 };
}

/**
 * A copy of one tensor into a new one of the same shape, possibly of another
 * element type (contiguous, `.to(dtype)`, `.to(device)` that returns a copy).
 * @returns no FLOPs; bytes = input + output.
 */
export function copyOpCost(input: TensorSpec, outType: ElementType = input.type): PrimitiveCost {
  const n = numel(input.shape);
  return { flops: 0, memBytes: n * (ELEMENT_BYTES[input.type] + ELEMENT_BYTES[outType]), parameters: 0 };
}

/**
 * Concatenation of tensors of one element type along a dim.
 * @returns no FLOPs; bytes = inputs + output (output elements = sum of input elements).
 */
export function catOpCost(inputs: readonly TensorSpec[]): PrimitiveCost {
  let bytes = 0;
  for (const t of inputs) bytes += tensorBytes(t);
  return { flops: 0, memBytes: 2 * bytes, parameters: 0 };
}

/**
 * Softmax over the last dim, optionally producing another element type
 * (Llama computes `softmax(x, dtype=float32)` on bf16 scores).
 * @returns FLOPs = flopsPerElement x elements; bytes = input + output at their widths.
 */
export function softmaxOpCost(input: TensorSpec, outType: ElementType, flopsPerElement: number): PrimitiveCost {
  const n = numel(input.shape);
  return {
    flops: flopsPerElement * n,
    memBytes: n * (ELEMENT_BYTES[input.type] + ELEMENT_BYTES[outType]),
    parameters: 0,
  };
}
