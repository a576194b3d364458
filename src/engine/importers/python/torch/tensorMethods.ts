/**
 * Methods of symbolic tensors (`x.view(...)`, `x.softmax(-1)`, `x.fill_(0)`):
 * one handler per method. Views and metadata change shapes only; methods that
 * are primitives go through the functional ops; the shape-preserving list
 * says which methods keep the shape without costing anything in the trees.
 */
import { memoryCost, numel } from '../../../features/primitiveCost.js';
import type { SourceRange } from '../pyAst.js';
import { allKnown, asNumber, dimIndex, knownShape, num, tensor, unknown, whyUnknown, type Dim, type Value } from '../pythonValue.js';
import { FUNCTIONAL_OPS, callFunctional } from './functionalOps.js';
import type { TorchContext } from './torchContext.js';

type TensorValue = Extract<Value, { t: 'tensor' }>;

/** A tensor method: receiver, positional and keyword arguments in, a value out. */
export type TensorMethodHandler = (ctx: TorchContext, x: TensorValue, pos: Value[], kw: Map<string, Value>, range: SourceRange) => Value;

/** Methods that keep the receiver's shape and are not primitives of the trees (casts to int/bool keep it and make it an integer tensor). */
const SHAPE_PRESERVING = new Set([
  'detach', 'clone', 'sin', 'cos', 'abs', 'repeat_interleave', 'triu', 'tril', 'cpu', 'cuda', 'requires_grad_', 'cumsum', 'cumprod',
  'clamp', 'clamp_', 'clip', 'masked_fill_', 'fill_', 'zero_', 'triu_', 'tril_', 'scatter_', 'scatter', 'copy_', 'normal_', 'uniform_',
  'add_', 'mul_', 'sub_', 'div_', 'masked_scatter', 'index_fill_', 'float_power', 'sign', 'round', 'floor', 'ceil', 'nan_to_num',
]);
const TO_INT = new Set(['long', 'int', 'bool', 'ne', 'eq', 'gt', 'lt', 'ge', 'le', 'logical_not', 'isnan', 'isinf', 'argmax', 'argmin']);

/** The dims a method takes as varargs or as one tuple (`view(2, 3)`, `view((2, 3))`). */
function dimsFromArgs(pos: Value[]): Dim[] | undefined {
  const first = pos[0];
  const items = pos.length === 1 && first?.t === 'seq' ? first.items : pos;
  if (items.some((v) => v.t !== 'num' && v.t !== 'unknown')) return undefined;
  return items.map(asNumber);
}

const reshape: TensorMethodHandler = (_ctx, x, pos) => {
  const shape = x.shape;
  const dims = dimsFromArgs(pos);
  if (!dims) return tensor(undefined, x.why);
  const whyArg = pos.map(whyUnknown).find((w) => w);
  const total = shape && allKnown(shape) ? numel(shape as number[]) : undefined;
  const neg = dims.indexOf(-1);
  if (neg >= 0) {
    const rest = dims.filter((_, i) => i !== neg);
    dims[neg] = total !== undefined && allKnown(rest) ? total / numel(rest as number[]) : undefined;
  }
  return tensor(dims, whyArg ?? x.why, x.int);
};

const transpose: TensorMethodHandler = (_ctx, x, pos) => {
  const shape = x.shape;
  if (!shape) return tensor(undefined, x.why);
  const a = dimIndex(pos[0], shape.length);
  const b = dimIndex(pos[1], shape.length);
  if (a === undefined || b === undefined) return tensor(undefined, x.why);
  const out = shape.slice();
  [out[a], out[b]] = [out[b], out[a]];
  return tensor(out, x.why, x.int);
};

const split: (chunk: boolean) => TensorMethodHandler = (chunk) => (_ctx, x, pos, kw) => {
  const shape = x.shape;
  if (!shape) return unknown(x.why ?? 'tensor shape');
  const d = dimIndex(pos[1] ?? kw.get('dim') ?? num(0), shape.length) ?? 0;
  const size = shape[d];
  const arg = pos[0] ?? kw.get('split_size_or_sections') ?? kw.get('split_size') ?? kw.get('chunks');
  if (arg?.t === 'seq') return { t: 'seq', kind: 'tuple', items: arg.items.map((s) => tensor(shape.map((v, i) => (i === d ? asNumber(s) : v)), x.why)) };
  const n = asNumber(arg);
  if (n === undefined || size === undefined || n <= 0) return unknown(whyUnknown(arg) ?? x.why ?? 'split size');
  const pieces = chunk ? n : Math.ceil(size / n);
  const each = chunk ? Math.ceil(size / n) : n;
  if (pieces > 65536) return unknown('split into too many pieces');
  return { t: 'seq', kind: 'tuple', items: Array.from({ length: pieces }, () => tensor(shape.map((v, i) => (i === d ? each : v)), x.why)) };
};

/** `x.sum(dim)` / `x.max(dim)`: the shape without `dim` (kept as 1 with keepdim); max/min with a dim also give indices. */
function reducedShape(withIndices: boolean): TensorMethodHandler {
  return (_ctx, x, pos, kw) => {
    const dimV = pos[0] ?? kw.get('dim');
    if (!dimV) return tensor([], undefined, x.int);
    const shape = x.shape;
    const d = shape ? dimIndex(dimV, shape.length) : undefined;
    const keep = kw.get('keepdim')?.t === 'bool' && (kw.get('keepdim') as { v: boolean }).v;
    const out = shape && d !== undefined ? (keep ? shape.map((v, i) => (i === d ? 1 : v)) : shape.filter((_, i) => i !== d)) : undefined;
    const values = tensor(out, x.why, x.int);
    return withIndices ? { t: 'seq', kind: 'tuple', items: [values, tensor(out, x.why, true)] } : values;
  };
}

/** A dtype conversion copies the tensor (the measured trees show it as `cast`); a device move does not count. */
const cast: (name: string) => TensorMethodHandler = (name) => (ctx, x, pos, kw, range) => {
  const toDtype = name !== 'to' || pos.some((p) => p.t === 'ref' && /(float|half|bfloat16|dtype|int|long|bool)/.test(p.path)) || kw.has('dtype');
  if (toDtype && !x.int) {
    const s = knownShape(x);
    ctx.recordOp('cast', [x], s ? memoryCost(numel(s), ctx.dtype) : undefined, range, x.why);
  }
  return tensor(x.shape, x.why, name === 'float' || name === 'half' || name === 'bfloat16' ? false : x.int);
};

/** Tensor methods by name. */
export const TENSOR_METHODS: Readonly<Record<string, TensorMethodHandler>> = {
  view: reshape,
  reshape,
  view_as: (_ctx, x, pos) => tensor(pos[0]?.t === 'tensor' ? pos[0].shape : undefined, x.why, x.int),
  reshape_as: (_ctx, x, pos) => tensor(pos[0]?.t === 'tensor' ? pos[0].shape : undefined, x.why, x.int),
  expand_as: (_ctx, x, pos) => tensor(pos[0]?.t === 'tensor' ? pos[0].shape : undefined, whyUnknown(pos[0]) ?? x.why, x.int),
  permute: (_ctx, x, pos) => {
    const shape = x.shape;
    const order = dimsFromArgs(pos);
    if (!shape || !order || order.some((o) => o === undefined)) return tensor(undefined, x.why);
    return tensor(order.map((o) => shape[o! < 0 ? shape.length + o! : o!]), x.why, x.int);
  },
  transpose,
  swapaxes: transpose,
  t: (_ctx, x) => tensor(x.shape ? x.shape.slice().reverse() : undefined, x.why, x.int),
  size: (_ctx, x, pos, kw) => {
    const shape = x.shape;
    if (!shape) return unknown(x.why ?? 'tensor shape');
    if (pos.length === 0 && !kw.has('dim')) return { t: 'seq', kind: 'tuple', items: shape.map((d) => (d === undefined ? unknown(x.why ?? 'tensor shape') : num(d))) };
    const d = dimIndex(pos[0] ?? kw.get('dim'), shape.length);
    const v = d === undefined ? undefined : shape[d];
    return v === undefined ? unknown(x.why ?? 'tensor shape') : num(v);
  },
  dim: (_ctx, x) => (x.shape ? num(x.shape.length) : unknown(x.why ?? 'tensor rank')),
  numel: (_ctx, x) => (x.shape && allKnown(x.shape) ? num(numel(x.shape as number[])) : unknown(x.why ?? 'tensor shape')),
  unsqueeze: (_ctx, x, pos) => {
    if (!x.shape) return tensor(undefined, x.why);
    const d = dimIndex(pos[0], x.shape.length + 1);
    if (d === undefined) return tensor(undefined, x.why);
    const out = x.shape.slice();
    out.splice(d, 0, 1);
    return tensor(out, x.why, x.int);
  },
  squeeze: (_ctx, x, pos) => {
    const shape = x.shape;
    if (!shape) return tensor(undefined, x.why);
    const d = dimIndex(pos[0], shape.length);
    return tensor(d === undefined ? shape.filter((s) => s !== 1) : shape.filter((s, i) => i !== d || s !== 1), x.why, x.int);
  },
  expand: (_ctx, x, pos) => {
    const dims = dimsFromArgs(pos);
    if (!dims) return tensor(undefined, x.why);
    const off = dims.length - (x.shape?.length ?? 0);
    return tensor(dims.map((d, i) => (d === -1 ? x.shape?.[i - off] : d)), x.why, x.int);
  },
  flatten: (_ctx, x, pos, kw) => {
    const shape = x.shape;
    if (!shape) return tensor(undefined, x.why);
    const s = dimIndex(pos[0] ?? kw.get('start_dim') ?? num(0), shape.length) ?? 0;
    const en = dimIndex(pos[1] ?? kw.get('end_dim') ?? num(-1), shape.length) ?? shape.length - 1;
    const mid = shape.slice(s, en + 1);
    return tensor([...shape.slice(0, s), allKnown(mid) ? numel(mid as number[]) : undefined, ...shape.slice(en + 1)], x.why, x.int);
  },
  split: split(false),
  chunk: split(true),
  unbind: (_ctx, x, pos, kw) => {
    const shape = x.shape;
    const d = shape ? dimIndex(pos[0] ?? kw.get('dim') ?? num(0), shape.length) : undefined;
    const n = shape && d !== undefined ? shape[d] : undefined;
    if (!shape || d === undefined || n === undefined || n > 65536) return unknown(x.why ?? 'unbind of a tensor of unknown shape');
    return { t: 'seq', kind: 'tuple', items: Array.from({ length: n }, () => tensor(shape.filter((_, i) => i !== d), x.why, x.int)) };
  },
  to: cast('to'),
  float: cast('float'),
  half: cast('half'),
  bfloat16: cast('bfloat16'),
  type: cast('type'),
  type_as: cast('type_as'),
  new_zeros: (_ctx, x, pos) => tensor(dimsFromArgs(pos), x.why),
  new_ones: (_ctx, x, pos) => tensor(dimsFromArgs(pos), x.why),
  new_empty: (_ctx, x, pos) => tensor(dimsFromArgs(pos), x.why),
  new_full: (_ctx, x, pos) => tensor(pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : undefined, x.why),
  // Reductions over masks and ids (`mask.sum(-1)`, `ids.max()`): shapes only, not primitives of the trees.
  sum: reducedShape(false),
  max: reducedShape(true),
  min: reducedShape(true),
  item: () => unknown('tensor value'),
  tolist: () => unknown('tensor value'),
  gelu: (ctx, x, _pos, kw, range) => callFunctional(ctx, 'gelu', [x], kw, range),
  silu: (ctx, x, _pos, kw, range) => callFunctional(ctx, 'silu', [x], kw, range),
};

/** Tensor methods that are the functional op of the same name (`x.softmax(-1)`, `x.matmul(y)`). */
const METHOD_OPS = new Set(['matmul', 'bmm', 'softmax', 'tanh', 'sigmoid', 'relu', 'add', 'sub', 'mul', 'div', 'neg', 'pow', 'sqrt', 'rsqrt', 'exp', 'mean', 'masked_fill', 'contiguous']);
const METHOD_OP_NAME: Readonly<Record<string, string>> = { bmm: 'matmul' };

/**
 * Calls a method on a symbolic tensor. A method without a handler keeps the shape when
 * the catalog says it preserves it (in-place `_` methods do), else gives a tensor of
 * unknown shape and one warning per method and line.
 */
export function callTensorMethod(ctx: TorchContext, x: TensorValue, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value {
  if (Object.hasOwn(TENSOR_METHODS, name)) return TENSOR_METHODS[name]!(ctx, x, pos, kw, range);
  if (METHOD_OPS.has(name)) {
    const op = METHOD_OP_NAME[name] ?? name;
    if (Object.hasOwn(FUNCTIONAL_OPS, op)) return callFunctional(ctx, op, [x, ...pos], kw, range);
  }
  if (TO_INT.has(name)) return tensor(x.shape, x.why, true);
  if (SHAPE_PRESERVING.has(name) || (name.endsWith('_') && !name.startsWith('_'))) return tensor(x.shape, x.why, x.int);
  ctx.incomplete(`line ${range.start.line + 1}: tensor method .${name}() is not modelled; its result's shape is unknown`);
  return tensor(undefined, `.${name}()`);
}
