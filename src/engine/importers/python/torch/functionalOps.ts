/**
 * Functional primitives (`torch.X`, `F.X`, and the tensor methods that are the
 * same ops): one handler per normalised op name, each returning the output
 * shape and recording its cost through `features/`. The names are the ones
 * the measured trees use (`matmul`, `softmax`, `add` ...).
 */
import {
  FLOPS_PER_ELEMENT,
  elementwiseCost,
  linearCost,
  matmulCost,
  memoryCost,
  numel,
  pointwiseCost,
  type PrimitiveCost,
} from '../../../features/primitiveCost.js';
import { DTYPE_BYTES } from '../../../tree/modelNode.js';
import type { SourceRange } from '../pyAst.js';
import { NONE, allKnown, asNumber, broadcastDims, knownShape, sumDims, tensor, truthy, whyUnknown, type Dim, type Value } from '../pythonValue.js';
import type { TorchContext, TorchOpHandler } from './torchContext.js';

/** An element-wise op over broadcast inputs; integer-only inputs (index arithmetic) are not primitives. */
export function elementwise(ctx: TorchContext, op: string, inputs: Value[], range: SourceRange): Value {
  const shapes = inputs.map((v) => (v.t === 'tensor' ? v.shape : []));
  const allShapesKnown = shapes.every((s) => s !== undefined && allKnown(s));
  const outShape = shapes.every((s) => s !== undefined) ? broadcastDims(shapes as Dim[][]) : undefined;
  const int = inputs.every((v) => v.t !== 'tensor' || v.int === true);
  const cost = allShapesKnown ? elementwiseCost(shapes as number[][], ctx.dtype) : undefined;
  const why = inputs.map(whyUnknown).find((w) => w !== undefined);
  if (!int) ctx.recordOp(op, inputs, cost, range, why);
  return tensor(outShape, why, int);
}

/** A one-input op whose output has the input's shape, at `perElement` FLOPs per element. */
export function pointwise(ctx: TorchContext, op: string, x: Value, perElement: number, range: SourceRange): Value {
  const s = knownShape(x);
  ctx.recordOp(op, [x], s ? pointwiseCost(s, perElement, ctx.dtype) : undefined, range, whyUnknown(x));
  return tensor(x.t === 'tensor' ? x.shape : undefined, whyUnknown(x));
}

/** `a @ b` with broadcasting of the leading dimensions. */
export function matmul(ctx: TorchContext, a: Value, b: Value, range: SourceRange): Value {
  const sa = a.t === 'tensor' ? a.shape : undefined;
  const sb = b.t === 'tensor' ? b.shape : undefined;
  let out: Dim[] | undefined;
  if (sa && sb && sa.length >= 2 && sb.length >= 2) {
    out = [...broadcastDims([sa.slice(0, -2), sb.slice(0, -2)]), sa[sa.length - 2], sb[sb.length - 1]];
  } else if (sa && sb && sb.length === 2 && sa.length >= 1) out = [...sa.slice(0, -1), sb[1]];
  const ka = knownShape(a);
  const kb = knownShape(b);
  const cost = ka && kb && ka.length >= 2 && kb.length >= 2 ? matmulCost(ka, kb, ctx.dtype) : undefined;
  const why = whyUnknown(a) ?? whyUnknown(b);
  ctx.recordOp('matmul', [a, b], cost, range, why);
  return tensor(out, why);
}

/** F.scaled_dot_product_attention: both products and the softmax in one fused primitive. */
function sdpa(ctx: TorchContext, args: Value[], kw: Map<string, Value>, range: SourceRange): Value {
  const q = args[0] ?? kw.get('query') ?? NONE;
  const k = args[1] ?? kw.get('key') ?? NONE;
  const v = args[2] ?? kw.get('value') ?? NONE;
  const sq = knownShape(q);
  const sk = knownShape(k);
  const sv = knownShape(v);
  const why = whyUnknown(q) ?? whyUnknown(k) ?? whyUnknown(v);
  let cost: PrimitiveCost | undefined;
  if (sq && sk && sv && sq.length >= 2) {
    const L = sq[sq.length - 2]!;
    const E = sq[sq.length - 1]!;
    const S = sk[sk.length - 2]!;
    const Ev = sv[sv.length - 1]!;
    const batch = numel(sq.slice(0, -2));
    const scores = batch * L * S;
    const b = DTYPE_BYTES[ctx.dtype];
    cost = {
      flops: 2 * scores * E + 2 * scores * Ev + FLOPS_PER_ELEMENT.softmax * scores,
      memBytes: (numel(sq) + numel(sk) + numel(sv) + batch * L * Ev) * b,
      parameters: 0,
    };
  }
  ctx.recordOp('scaled_dot_product_attention', [q, k, v], cost, range, why);
  const qs = q.t === 'tensor' ? q.shape : undefined;
  const vs = v.t === 'tensor' ? v.shape : undefined;
  return tensor(qs && vs ? [...qs.slice(0, -1), vs[vs.length - 1]] : undefined, why);
}

/**
 * torch.einsum("bhld,lrd->bhlr", a, b): output shape from the subscripts; FLOPs 2 x the product of every
 * index's size for two operands (one multiply-add per point of the joint index space), 1 x for one.
 */
function einsum(ctx: TorchContext, args: Value[], range: SourceRange): Value {
  const eq = args[0];
  const operands = args.slice(1).length === 1 && args[1]?.t === 'seq' ? args[1].items : args.slice(1);
  const why = operands.map(whyUnknown).find((w) => w);
  if (eq?.t !== 'str' || eq.v.includes('.')) {
    ctx.recordOp('einsum', operands, undefined, range, eq?.t === 'str' ? 'einsum with ...' : 'einsum equation');
    return tensor(undefined, 'einsum result');
  }
  const [lhs, rhsGiven] = eq.v.replace(/\s+/g, '').split('->');
  const inputs = lhs!.split(',');
  const sizes = new Map<string, number>();
  let known = inputs.length === operands.length;
  inputs.forEach((sub, i) => {
    const shape = knownShape(operands[i]);
    if (!shape || shape.length !== sub.length) known = false;
    else [...sub].forEach((ch, j) => sizes.set(ch, Math.max(sizes.get(ch) ?? 1, shape[j]!)));
  });
  // Implicit output: the indices that appear once, in alphabetical order.
  const rhs = rhsGiven ?? [...new Set(lhs!.replace(/,/g, ''))].filter((ch) => lhs!.split(ch).length === 2).sort().join('');
  const out: Dim[] = [...rhs].map((ch) => sizes.get(ch));
  let cost: PrimitiveCost | undefined;
  if (known) {
    const points = [...sizes.values()].reduce((p, d) => p * d, 1);
    const b = DTYPE_BYTES[ctx.dtype];
    const outN = numel(out as number[]);
    const inN = operands.reduce((sum, v) => sum + numel(knownShape(v)!), 0);
    cost = { flops: (operands.length >= 2 ? 2 : 1) * points, memBytes: (inN + outN) * b, parameters: 0 };
  }
  ctx.recordOp('einsum', operands, cost, range, why ?? 'einsum operand shapes');
  return tensor(known ? out : undefined, why ?? (known ? undefined : 'einsum operand shapes'));
}

/** A reduction over `dim` (or everything): one FLOP per input element. */
function reduction(op: string): TorchOpHandler {
  return (ctx, args, kw, range) => {
    const x = args[0] ?? kw.get('input') ?? NONE;
    const shape = x.t === 'tensor' ? x.shape : undefined;
    const s = knownShape(x);
    ctx.recordOp(op, [x], s ? elementwiseCost([s], ctx.dtype) : undefined, range, whyUnknown(x));
    const dim = asNumber(args[1] ?? kw.get('dim'));
    const keep = truthy(args[2] ?? kw.get('keepdim') ?? { t: 'bool', v: false }) === true;
    if (!shape) return tensor(undefined, whyUnknown(x));
    if (dim === undefined) return tensor([]);
    const d = dim < 0 ? shape.length + dim : dim;
    return tensor(keep ? shape.map((v, i) => (i === d ? 1 : v)) : shape.filter((_, i) => i !== d), whyUnknown(x));
  };
}

const input = (args: Value[], kw: Map<string, Value>): Value => args[0] ?? kw.get('input') ?? NONE;
const other = (args: Value[], kw: Map<string, Value>): Value => args[1] ?? kw.get('other') ?? NONE;
const pointwiseOp =
  (op: string, perElement: number, name = op): TorchOpHandler =>
  (ctx, args, kw, range) =>
    pointwise(ctx, name, input(args, kw), perElement, range);
const binaryOp =
  (op: string): TorchOpHandler =>
  (ctx, args, kw, range) =>
    elementwise(ctx, op, [input(args, kw), other(args, kw)], range);
const unaryOp =
  (op: string): TorchOpHandler =>
  (ctx, args, kw, range) =>
    elementwise(ctx, op, [input(args, kw)], range);

/** A comparison or mask op: an integer/bool tensor of the broadcast shape, no primitive (masks are index work). */
const maskOp: TorchOpHandler = (_ctx, args, kw) => {
  const x = input(args, kw);
  const y = other(args, kw);
  const shapes = [x, y].filter((v) => v.t === 'tensor').map((v) => (v.t === 'tensor' ? v.shape : undefined));
  const out = shapes.every((s) => s !== undefined) ? broadcastDims(shapes as Dim[][]) : undefined;
  return tensor(out, whyUnknown(x) ?? whyUnknown(y), true);
};

/** Functional ops by normalised name. */
export const FUNCTIONAL_OPS: Readonly<Record<string, TorchOpHandler>> = {
  matmul: (ctx, args, kw, range) => matmul(ctx, input(args, kw), args[1] ?? kw.get('other') ?? kw.get('mat2') ?? NONE, range),
  scaled_dot_product_attention: sdpa,
  softmax: pointwiseOp('softmax', FLOPS_PER_ELEMENT.softmax),
  gelu: pointwiseOp('gelu', FLOPS_PER_ELEMENT.gelu),
  silu: pointwiseOp('silu', FLOPS_PER_ELEMENT.silu),
  relu: pointwiseOp('relu', FLOPS_PER_ELEMENT.relu),
  tanh: pointwiseOp('tanh', FLOPS_PER_ELEMENT.tanh),
  sigmoid: pointwiseOp('sigmoid', FLOPS_PER_ELEMENT.sigmoid),
  layer_norm: pointwiseOp('layer_norm', FLOPS_PER_ELEMENT.layernorm),
  rms_norm: pointwiseOp('rms_norm', FLOPS_PER_ELEMENT.rmsnorm),
  add: binaryOp('add'),
  sub: binaryOp('sub'),
  mul: binaryOp('mul'),
  div: binaryOp('div'),
  neg: unaryOp('neg'),
  pow: unaryOp('pow'),
  sqrt: unaryOp('sqrt'),
  rsqrt: unaryOp('rsqrt'),
  exp: unaryOp('exp'),
  where: (ctx, args, _kw, range) => elementwise(ctx, 'where', args.slice(0, 3), range),
  masked_fill: (ctx, args, kw, range) => {
    const x = input(args, kw);
    elementwise(ctx, 'masked_fill', [x], range);
    return tensor(x.t === 'tensor' ? x.shape : undefined, whyUnknown(x));
  },
  mean: reduction('mean'),
  cat: (ctx, args, kw, range) => {
    const x = input(args, kw);
    const list = x.t === 'seq' ? x.items : [];
    const dim = asNumber(args[1] ?? kw.get('dim')) ?? 0;
    const shapes = list.map((v) => (v.t === 'tensor' ? v.shape : undefined));
    let out: Dim[] | undefined;
    if (shapes.length && shapes.every((s) => s !== undefined)) {
      const first = shapes[0]!;
      const d = dim < 0 ? first.length + dim : dim;
      out = first.map((v, i) => (i === d ? sumDims(shapes.map((s) => s![i])) : v));
    }
    const why = list.map(whyUnknown).find((w) => w);
    ctx.recordOp('cat', list, out && allKnown(out) ? memoryCost(numel(out as number[]), ctx.dtype) : undefined, range, why);
    return tensor(out, why);
  },
  contiguous: (ctx, args, kw, range) => {
    const x = input(args, kw);
    const s = knownShape(x);
    ctx.recordOp('contiguous', [x], s ? memoryCost(numel(s), ctx.dtype) : undefined, range, whyUnknown(x));
    return x;
  },
  einsum: (ctx, args, _kw, range) => einsum(ctx, args, range),
  linear: (ctx, args, kw, range) => {
    const x = input(args, kw);
    const w = args[1] ?? kw.get('weight') ?? NONE;
    const xs = x.t === 'tensor' ? x.shape : undefined;
    const ws = w.t === 'tensor' ? w.shape : undefined;
    const out = xs && ws && ws.length === 2 ? [...xs.slice(0, -1), ws[0]] : undefined;
    const kx = knownShape(x);
    const cost = kx && ws && ws[0] !== undefined ? linearCost(kx, ws[0], (args[2] ?? kw.get('bias') ?? NONE).t === 'tensor', ctx.dtype) : undefined;
    ctx.recordOp('linear', [x], cost, range, whyUnknown(x) ?? whyUnknown(w));
    return tensor(out, whyUnknown(x) ?? whyUnknown(w));
  },
  // Masks and position ids: integer tensors, no primitive in the measured trees.
  ne: maskOp,
  eq: maskOp,
  gt: maskOp,
  lt: maskOp,
  ge: maskOp,
  le: maskOp,
  logical_not: maskOp,
  cumsum: (_ctx, args, kw) => {
    const x = input(args, kw);
    return tensor(x.t === 'tensor' ? x.shape : undefined, whyUnknown(x), x.t === 'tensor' ? x.int : undefined);
  },
};

/** A functional op by normalised name; an op without a handler keeps a node with unresolved cost. */
export function callFunctional(ctx: TorchContext, op: string, args: Value[], kw: Map<string, Value>, range: SourceRange): Value {
  const handler = Object.hasOwn(FUNCTIONAL_OPS, op) ? FUNCTIONAL_OPS[op] : undefined;
  if (handler) return handler(ctx, args, kw, range);
  ctx.recordOp(op, args, undefined, range, `${op} is not modelled`);
  return tensor(undefined, `${op} result`);
}
