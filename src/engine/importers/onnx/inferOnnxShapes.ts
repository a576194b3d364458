/**
 * Shape inference over an ONNX graph for the operators Transformer exports
 * use, with constant folding of the small integer tensors that shape
 * sub-graphs compute (Shape -> Gather -> Concat -> Reshape). Symbolic input
 * dims are bound from the import options; a dim that cannot be resolved is
 * reported by name, never guessed silently.
 */
import { throwIfAborted } from '../../errors.js';
import { SMALL_TENSOR_ELEMENTS } from './decodeOnnxModel.js';
import type { OnnxDim, OnnxGraph, OnnxNode } from './onnxModel.js';
import { attrInt, attrInts } from './onnxModel.js';

/** What is known about one tensor: shape (elements per dim), element type and, for small constants, values. */
export interface TensorInfo {
  shape?: number[];
  elemType: number;
  values?: number[];
  /** Whether the tensor is an initializer or computed only from constants and input shapes. */
  constant: boolean;
  /** The one value every element has, when known (an all-zero attention mask, a filled tensor). */
  uniform?: number;
  /**
   * The tensor's name: the string object the inference's map holds it under ('' until stored).
   * The inference points each node input at it, so that every later lookup of the tensor is of
   * one string object, hashed once, found by identity instead of by comparing characters.
   */
  name: string;
}

/** Whether every dim is a whole number of elements (a corrupt file can fold to negative or NaN dims). */
function isValidShape(shape: readonly number[]): boolean {
  for (let k = 0; k < shape.length; k++) {
    const d = shape[k]!;
    if (!Number.isSafeInteger(d) || d < 0) return false;
  }
  return true;
}

/** The value all elements share, if they do. */
function sameValue(values: readonly number[]): number | undefined {
  const v = values[0];
  if (v === undefined) return undefined;
  for (let k = 1; k < values.length; k++) if (values[k] !== v) return undefined;
  return v;
}

/** Most elements computed values are kept for (shape constants, aranges over the sequence). */
const VALUE_LIMIT = 16384;

/** Ops whose output holds only values of their first input. */
const UNIFORM_PASS = new Set(['Expand', 'Tile', 'Unsqueeze', 'Squeeze', 'Reshape', 'Transpose', 'Identity', 'Slice', 'Flatten', 'Gather', 'GatherElements', 'GatherND', 'Split']);

/** The uniform value of a node's outputs, from its inputs' (see TensorInfo.uniform). */
function uniformOf(node: OnnxNode, ins: (TensorInfo | undefined)[], out: TensorInfo): number | undefined {
  if (out.values) return sameValue(out.values);
  const op = node.opType;
  if (UNIFORM_PASS.has(op)) return ins[0]?.uniform;
  if (op === 'Cast') {
    const v = ins[0]?.uniform;
    const to = attrInt(node, 'to', 1);
    return v === undefined ? undefined : to === 9 ? (v ? 1 : 0) : [6, 7, 12, 13, 2, 3, 4, 5].includes(to) ? Math.trunc(v) : v;
  }
  if (op === 'ConstantOfShape') return node.attributes[0]?.t?.values?.[0] ?? 0;
  if (op === 'Where') {
    const c = ins[0]?.uniform;
    return c === undefined ? undefined : (c ? ins[1] : ins[2])?.uniform;
  }
  if (BROADCAST_OPS.has(op) && ins.length >= 2) {
    // Most adds and muls have no uniform operand: settled at the first, with nothing allocated.
    let acc = ins[0]?.uniform;
    for (let k = 1; k < ins.length && acc !== undefined; k++) {
      const v = ins[k]?.uniform;
      acc = v === undefined ? undefined : elementwise(op, acc, v);
    }
    return acc;
  }
  return undefined;
}

/** Result of shape inference. */
export interface ShapeInference {
  tensors: Map<string, TensorInfo>;
  /** Symbolic dim names and the value each was bound to. */
  bindings: Record<string, number>;
  /** Op types (domain-qualified when not ai.onnx) no rule covers. */
  unknownOps: Set<string>;
  warnings: string[];
}

/** Options of the inference: where symbolic dims come from. */
export interface ShapeOptions {
  batchSize: number;
  seqLen: number;
  signal?: AbortSignal;
}

/** Binds a symbolic dim name from the options; undefined when the name says nothing we know. */
export function bindSymbol(name: string, options: ShapeOptions): number | undefined {
  const n = name.toLowerCase();
  if (/past/.test(n)) return 0; // one forward pass of the prompt: no KV cache yet
  if (/batch|^n$|^b$/.test(n)) return options.batchSize;
  if (/total_seq|seq|sequence|length|tokens|^s$|^t$/.test(n)) return options.seqLen;
  return undefined;
}

const BROADCAST_OPS = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor',
  'Max', 'Min', 'Mod', 'BitwiseAnd', 'BitwiseOr', 'PRelu', 'Sum', 'Mean', 'BiasGelu', 'BiasAdd',
]);
const UNARY_OPS = new Set([
  'Erf', 'Tanh', 'Sigmoid', 'Relu', 'Sqrt', 'Reciprocal', 'Neg', 'Exp', 'Log', 'Cos', 'Sin', 'Abs', 'Not', 'Softmax',
  'LogSoftmax', 'Gelu', 'FastGelu', 'QuickGelu', 'IsNaN', 'IsInf', 'Identity', 'Dropout', 'Cast', 'CastLike', 'CumSum',
  'Trilu', 'RotaryEmbedding', 'Floor', 'Ceil', 'Round', 'Sign', 'HardSigmoid', 'Elu', 'LeakyRelu', 'Softplus', 'Mish',
  'Silu', 'Swish', 'Clip', 'LpNormalization', 'InstanceNormalization', 'BatchNormalization', 'GroupNormalization',
]);
const NORM_OPS = new Set([
  'LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'RMSNormalization', 'EmbedLayerNormalization',
]);

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out.push(da === 1 ? db : db === 1 ? da : Math.max(da, db));
  }
  return out;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function elementwise(op: string, a: number, b: number): number {
  switch (op) {
    case 'Add':
      return a + b;
    case 'Sub':
      return a - b;
    case 'Mul':
      return a * b;
    case 'Div':
      return Number.isInteger(a) && Number.isInteger(b) && b !== 0 ? Math.trunc(a / b) : a / b;
    case 'Pow':
      return a ** b;
    case 'Equal':
      return a === b ? 1 : 0;
    case 'Less':
      return a < b ? 1 : 0;
    case 'Greater':
      return a > b ? 1 : 0;
    case 'LessOrEqual':
      return a <= b ? 1 : 0;
    case 'GreaterOrEqual':
      return a >= b ? 1 : 0;
    case 'And':
      return a && b ? 1 : 0;
    case 'Or':
      return a || b ? 1 : 0;
    case 'Max':
      return Math.max(a, b);
    case 'Min':
      return Math.min(a, b);
    case 'Mod':
      return b === 0 ? 0 : a % b;
    default:
      return NaN;
  }
}

/** Values of a broadcast elementwise op over small tensors. */
function broadcastValues(op: string, inputs: TensorInfo[], out: number[]): number[] | undefined {
  if (numel(out) > VALUE_LIMIT) return undefined;
  if (!inputs.every((t) => t.values && t.shape)) return undefined;
  const n = numel(out);
  const res: number[] = new Array<number>(n);
  const strides = inputs.map((t) => {
    const s = t.shape!;
    const st: number[] = new Array<number>(out.length).fill(0);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const oi = out.length - s.length + i;
      st[oi] = s[i] === 1 ? 0 : acc;
      acc *= s[i]!;
    }
    return st;
  });
  for (let idx = 0; idx < n; idx++) {
    let rem = idx;
    const offs = inputs.map(() => 0);
    for (let d = out.length - 1; d >= 0; d--) {
      const c = rem % out[d]!;
      rem = Math.floor(rem / out[d]!);
      for (let k = 0; k < inputs.length; k++) offs[k]! += c * strides[k]![d]!;
    }
    let v = inputs[0]!.values![offs[0]!]!;
    for (let k = 1; k < inputs.length; k++) v = elementwise(op, v, inputs[k]!.values![offs[k]!]!);
    res[idx] = v;
  }
  return res;
}

/** Infers shapes of every tensor of the graph, in node order (ONNX graphs are topologically sorted). */
export function inferOnnxShapes(
  graph: OnnxGraph,
  order: readonly OnnxNode[],
  options: ShapeOptions,
  outer?: Map<string, TensorInfo>,
): ShapeInference {
  const tensors = new Map<string, TensorInfo>(outer ?? []);
  // No prototype: a dim_param named __proto__ or constructor is just a name.
  const bindings: Record<string, number> = Object.create(null) as Record<string, number>;
  const unknownOps = new Set<string>();
  const warnings: string[] = [];
  const unbound = new Map<string, string>();
  const rebatched: string[] = [];

  const resolveDims = (dims: OnnxDim[] | undefined, owner: string): number[] | undefined => {
    if (!dims) return undefined;
    const out: number[] = [];
    for (const d of dims) {
      if (typeof d === 'number' && d >= 0) out.push(d);
      else if (typeof d === 'string' && d !== '') {
        let v = bindings[d] ?? bindSymbol(d, options);
        if (v === undefined) {
          if (!unbound.has(d)) unbound.set(d, owner);
          v = 1;
        }
        bindings[d] = v;
        out.push(v);
      } else {
        if (!unbound.has('?')) unbound.set('?', owner);
        out.push(1);
      }
    }
    return out;
  };

  /** Stores an info under its name, the name kept in it (see TensorInfo.name). */
  const store = (name: string, info: TensorInfo): void => {
    info.name = name;
    tensors.set(name, info);
  };

  for (const t of graph.initializers) {
    store(t.name, info5(t.dims, t.dataType, t.values, true, t.values ? sameValue(t.values) : undefined));
  }
  const initNames = new Set(graph.initializers.map((t) => t.name));
  for (const v of graph.inputs) {
    if (initNames.has(v.name)) continue; // IR < 4 lists initializers as inputs too
    store(v.name, info5(resolveDims(v.type?.shape, `input "${v.name}"`), v.type?.elemType ?? 0, undefined, false, undefined));
  }
  // value_info is a fallback for outputs our rules cannot derive.
  const declared = new Map<string, { shape?: number[]; elemType: number }>();
  for (const v of [...graph.valueInfo, ...graph.outputs]) {
    if (v.type) declared.set(v.name, { shape: resolveDimsQuiet(v.type.shape, bindings, options), elemType: v.type.elemType });
  }

  // Index loops and no per-node closures: in a cold process this loop runs in the interpreter.
  for (let i = 0; i < order.length; i++) {
    if ((i + 1) % 4096 === 0) throwIfAborted(options.signal);
    const node = order[i]!;
    const inputs = node.inputs;
    const ins: (TensorInfo | undefined)[] = new Array<TensorInfo | undefined>(inputs.length);
    // Whether the node computes only from constants: the same for each of its outputs.
    let fromConstants = inputs.length > 0;
    for (let k = 0; k < inputs.length; k++) {
      const info = inputs[k] === '' ? undefined : tensors.get(inputs[k]!);
      ins[k] = info;
      if (info === undefined) continue;
      // The same name as one string object from here on (see TensorInfo.name); the text is equal.
      if (info.name !== '') inputs[k] = info.name;
      if (!info.constant) fromConstants = false;
    }
    let outs: (TensorInfo | undefined)[];
    try {
      outs = inferNode(node, ins, unknownOps, options, rebatched);
    } catch {
      outs = [];
    }
    const constant = node.opType === 'Constant' || (fromConstants && !node.opType.startsWith('Random'));
    // Every info stored has the same five fields in the same order (one hidden class for the
    // passes that read them over a 10k-node graph); object spread would give each copy a new map.
    for (let k = 0; k < node.outputs.length; k++) {
      const name = node.outputs[k]!;
      if (name === '') continue;
      let info = outs[k];
      const decl = !info || !info.shape ? declared.get(name) : undefined;
      if (decl) info = info5(decl.shape, decl.elemType, info?.values, info?.constant ?? false, undefined);
      // A corrupt file can fold to negative or NaN dims: treat those as unknown rather than cost them.
      if (info?.shape && !isValidShape(info.shape)) info = info5(undefined, info.elemType, undefined, info.constant, info.uniform);
      if (!info) {
        store(name, info5(undefined, 0, undefined, constant, undefined));
        continue;
      }
      // Infos are fresh objects from inferNode (or copies above): completed in place.
      if (info === outs[k] && info.name === '') {
        info.uniform ??= uniformOf(node, ins, info);
        info.constant = info.constant || constant || info.values !== undefined;
        store(name, info);
      } else {
        store(name, info5(info.shape, info.elemType, info.values, info.constant || constant || info.values !== undefined, info.uniform ?? uniformOf(node, ins, info)));
      }
    }
  }
  if (rebatched.length > 0) {
    warnings.push(
      `${rebatched.length} Reshape nodes have batch size 1 baked in by the exporter (e.g. "${rebatched[0]}"): their batch dim was set to ${options.batchSize}`,
    );
  }
  for (const [name, owner] of unbound) {
    warnings.push(
      name === '?'
        ? `an unnamed dynamic dim of ${owner} could not be resolved: assumed 1 (export with named dims or fixed sizes)`
        : `symbolic dim "${name}" (${owner}) could not be bound from batch size / sequence length: assumed 1`,
    );
  }
  return { tensors, bindings, unknownOps, warnings };
}

function resolveDimsQuiet(dims: OnnxDim[] | undefined, bindings: Record<string, number>, options: ShapeOptions): number[] | undefined {
  if (!dims) return undefined;
  const out: number[] = [];
  for (const d of dims) {
    if (typeof d === 'number' && d >= 0) out.push(d);
    else if (typeof d === 'string' && (bindings[d] !== undefined || bindSymbol(d, options) !== undefined)) {
      out.push(bindings[d] ?? bindSymbol(d, options)!);
    } else return undefined;
  }
  return out;
}

function t(shape: number[] | undefined, elemType: number, values?: number[]): TensorInfo {
  return info5(shape, elemType, values && values.length <= VALUE_LIMIT ? values : undefined, false, undefined);
}

/**
 * A TensorInfo with all its fields, always in this order (see the inference loop). The shape is
 * copied to its exact length: the rules build shapes by push, which leaves room for 16 dims, and
 * the import keeps one info per tensor alive to its end (a tenth of its heap on a 10k-node graph).
 */
function info5(shape: number[] | undefined, elemType: number, values: number[] | undefined, constant: boolean, uniform: number | undefined): TensorInfo {
  return { shape: shape === undefined ? undefined : shape.slice(), elemType, values, constant, uniform, name: '' };
}

/** Output infos of one node (undefined entries: unknown). */
// long-function: one switch case per ONNX operator, each a few lines reading the same locals (x, xs, et);
// a function per operator would repeat that preamble and the fall-through to unknownOps in every one.
function inferNode(
  node: OnnxNode,
  ins: (TensorInfo | undefined)[],
  unknownOps: Set<string>,
  options: ShapeOptions,
  rebatched: string[],
): (TensorInfo | undefined)[] {
  const op = node.opType;
  const x = ins[0];
  const xs = x?.shape;
  const et = x?.elemType ?? 1;
  if (BROADCAST_OPS.has(op)) {
    // The commonest rule (every add, mul, div): a loop, no filtered copies or closures.
    let shape: number[] = [];
    for (let k = 0; k < ins.length; k++) {
      const s = ins[k]?.shape;
      if (s === undefined) return [];
      shape = broadcast(shape, s);
    }
    const cmp = /Equal|Less|Greater|And|Or|Xor/.test(op);
    return [t(shape, cmp ? 9 : et, broadcastValues(op, ins as TensorInfo[], shape))];
  }
  if (UNARY_OPS.has(op)) {
    let values = x?.values;
    if (values && op !== 'Cast' && op !== 'Identity' && op !== 'Neg' && op !== 'Not' && op !== 'Sqrt') values = undefined;
    if (values && op === 'Neg') values = values.map((v) => -v);
    if (values && op === 'Not') values = values.map((v) => (v ? 0 : 1));
    if (values && op === 'Sqrt') values = values.map((v) => Math.sqrt(v));
    let elem = et;
    if (op === 'Cast') {
      elem = attrInt(node, 'to', et);
      if (values && [6, 7, 12, 13, 2, 3, 4, 5].includes(elem)) values = values.map((v) => Math.trunc(v));
      if (values && elem === 9) values = values.map((v) => (v ? 1 : 0));
    }
    if (op === 'CastLike') elem = ins[1]?.elemType ?? et;
    return [t(xs, elem, values), t(xs, 9)];
  }
  if (NORM_OPS.has(op)) {
    if (!xs) return [];
    if (op === 'EmbedLayerNormalization') {
      const hidden = ins[2]?.shape?.[1];
      return [t(hidden !== undefined ? [...xs, hidden] : undefined, 1), t([xs[0]!], 6)];
    }
    const axis = normAxis(attrInt(node, 'axis', -1), xs.length);
    const reduced = xs.map((d, k) => (k >= axis ? 1 : d));
    if (op.startsWith('Skip')) return [t(xs, ins[0]!.elemType), t(reduced, 1), t(reduced, 1), t(xs, ins[0]!.elemType)];
    return [t(xs, et), t(reduced, 1), t(reduced, 1)];
  }
  switch (op) {
    case 'Constant': {
      const a = node.attributes[0];
      if (!a) return [];
      if (a.t) return [t(a.t.dims, a.t.dataType, a.t.values)];
      if (a.name === 'value_int') return [t([], 7, [a.i ?? 0])];
      if (a.name === 'value_ints') return [t([a.ints?.length ?? 0], 7, a.ints ?? [])];
      if (a.name === 'value_float') return [t([], 1, [a.f ?? 0])];
      if (a.name === 'value_floats') return [t([a.floats?.length ?? 0], 1, a.floats ?? [])];
      return [];
    }
    case 'Shape': {
      if (!xs) return [t(undefined, 7)];
      let start = attrInt(node, 'start', 0);
      let end = attrInt(node, 'end', xs.length);
      start = Math.max(0, Math.min(xs.length, normAxis(start, xs.length)));
      end = Math.max(0, Math.min(xs.length, normAxis(end, xs.length)));
      const v = xs.slice(start, Math.max(start, end));
      return [t([v.length], 7, v)];
    }
    case 'Size':
      return [t([], 7, xs ? [numel(xs)] : undefined)];
    case 'ConstantOfShape': {
      const shape = x?.values;
      if (!shape) return [];
      const fill = node.attributes[0]?.t;
      const val = fill?.values?.[0] ?? 0;
      const n = numel(shape);
      return [t(shape.slice(), fill?.dataType ?? 1, n <= SMALL_TENSOR_ELEMENTS ? new Array<number>(n).fill(val) : undefined)];
    }
    case 'Gather': {
      const idx = ins[1];
      if (!xs || !idx?.shape) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), xs.length);
      const shape = [...xs.slice(0, axis), ...idx.shape, ...xs.slice(axis + 1)];
      let values: number[] | undefined;
      if (x?.values && idx.values && xs.length === 1) {
        values = idx.values.map((k) => x.values![k < 0 ? k + xs[0]! : k]!);
      }
      return [t(shape, et, values)];
    }
    case 'GatherElements':
      return [t(ins[1]?.shape, et)];
    case 'GatherND': {
      const idx = ins[1]?.shape;
      if (!xs || !idx) return [];
      const b = attrInt(node, 'batch_dims', 0);
      const last = idx[idx.length - 1] ?? 0;
      return [t([...idx.slice(0, -1), ...xs.slice(b + last)], et)];
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      if (!xs) return [];
      const axes = attrInts(node, 'axes') ?? ins[1]?.values;
      let shape: number[];
      if (op === 'Unsqueeze') {
        if (!axes) return [];
        const rank = xs.length + axes.length;
        const set = new Set(axes.map((a) => normAxis(a, rank)));
        shape = [];
        let k = 0;
        for (let d = 0; d < rank; d++) shape.push(set.has(d) ? 1 : xs[k++]!);
      } else {
        const set = axes ? new Set(axes.map((a) => normAxis(a, xs.length))) : undefined;
        shape = xs.filter((d, k) => (set ? !set.has(k) : d !== 1));
      }
      return [t(shape, et, x?.values)];
    }
    case 'Concat': {
      const present = ins.filter((v): v is TensorInfo => v !== undefined);
      if (present.length === 0 || present.some((v) => !v.shape)) return [];
      const rank = present[0]!.shape!.length;
      const axis = normAxis(attrInt(node, 'axis', 0), rank);
      const shape = present[0]!.shape!.slice();
      shape[axis] = present.reduce((s, v) => s + (v.shape![axis] ?? 0), 0);
      const values = rank === 1 && present.every((v) => v.values) ? present.flatMap((v) => v.values!) : undefined;
      return [t(shape, present[0]!.elemType, values)];
    }
    case 'Reshape': {
      const target = ins[1]?.values;
      if (!target || !xs) return [t(undefined, et)];
      const allowZero = attrInt(node, 'allowzero', 0) === 1;
      const shape = target.map((d, k) => (d === 0 && !allowZero ? (xs[k] ?? 1) : d));
      const neg = shape.indexOf(-1);
      if (neg >= 0) {
        const known = shape.reduce((a, d, k) => (k === neg ? a : a * d), 1);
        shape[neg] = known === 0 ? 0 : Math.round(numel(xs) / known);
        // Dynamo exports traced at batch 1 bake that 1 into view shapes ([1, -1, 384]): put the batch back
        // when the input carries it, or every op after would see one giant sequence.
        const b = options.batchSize;
        const rows = xs[0];
        if (neg > 0 && target[0] === 1 && b > 1 && (rows === b || rows === b * options.seqLen) && shape[neg]! % b === 0) {
          shape[0] = b;
          shape[neg] = shape[neg]! / b;
          rebatched.push(node.name || node.outputs[0] || 'Reshape');
        }
      }
      return [t(shape, et, x?.values)];
    }
    case 'Flatten': {
      if (!xs) return [];
      const axis = normAxis(attrInt(node, 'axis', 1), xs.length);
      return [t([numel(xs.slice(0, axis)), numel(xs.slice(axis))], et)];
    }
    case 'Transpose': {
      if (!xs) return [];
      const perm = attrInts(node, 'perm') ?? xs.map((_, k) => xs.length - 1 - k);
      return [t(perm.map((p) => xs[p] ?? 1), et)];
    }
    case 'Slice': {
      if (!xs) return [];
      const starts = ins[1]?.values ?? attrInts(node, 'starts');
      const ends = ins[2]?.values ?? attrInts(node, 'ends');
      if (!starts || !ends) return [t(undefined, et)];
      const axes = ins[3]?.values ?? attrInts(node, 'axes') ?? starts.map((_, k) => k);
      const steps = ins[4]?.values ?? starts.map(() => 1);
      // A step of 0 is invalid ONNX (the slice would never advance): its shape is unknown, not infinite.
      if (steps.some((step) => step === 0 || !Number.isFinite(step))) return [t(undefined, et)];
      const shape = xs.slice();
      const ranges: [number, number, number][] = xs.map((d) => [0, d, 1]);
      axes.forEach((a0, k) => {
        const a = normAxis(a0, xs.length);
        const dim = xs[a];
        if (dim === undefined) return;
        const step = steps[k] ?? 1;
        let s = starts[k]!;
        let e = ends[k]!;
        if (s < 0) s += dim;
        if (e < 0) e += dim;
        if (step > 0) {
          s = Math.max(0, Math.min(dim, s));
          e = Math.max(0, Math.min(dim, e));
          shape[a] = Math.max(0, Math.ceil((e - s) / step));
        } else {
          s = Math.max(-1, Math.min(dim - 1, s));
          e = Math.max(-1, Math.min(dim - 1, e));
          shape[a] = Math.max(0, Math.ceil((s - e) / -step));
        }
        ranges[a] = [s, e, step];
      });
      let values: number[] | undefined;
      if (x?.values && xs.length === 1 && shape[0]! <= VALUE_LIMIT) {
        const [s, , step] = ranges[0]!;
        values = [];
        for (let k = 0; k < shape[0]!; k++) values.push(x.values[s + k * step]!);
      }
      return [t(shape, et, values)];
    }
    case 'Split': {
      if (!xs) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), xs.length);
      const n = node.outputs.length;
      const sizes = ins[1]?.values ?? attrInts(node, 'split');
      const dim = xs[axis] ?? 0;
      return node.outputs.map((_, k) => {
        const even = Math.ceil(dim / n);
        const size = sizes ? (sizes[k] ?? 0) : k < n - 1 ? even : dim - even * (n - 1);
        const s = xs.slice();
        s[axis] = size;
        return t(s, et);
      });
    }
    case 'Expand': {
      const target = ins[1]?.values;
      if (!xs || !target) return [];
      return [t(broadcast(xs, target), et)];
    }
    case 'Tile': {
      const reps = ins[1]?.values;
      if (!xs || !reps) return [];
      return [t(xs.map((d, k) => d * (reps[k] ?? 1)), et)];
    }
    case 'Where': {
      const present = ins.filter((v): v is TensorInfo => v !== undefined);
      if (present.length !== 3 || present.some((v) => !v.shape)) return [];
      const shape = present.reduce<number[]>((acc, v) => broadcast(acc, v.shape!), []);
      let values: number[] | undefined;
      if (numel(shape) <= VALUE_LIMIT && present.every((v) => v.values && numel(v.shape!) === numel(shape))) {
        values = present[0]!.values!.map((c, k) => (c ? present[1]!.values![k]! : present[2]!.values![k]!));
      }
      return [t(shape, ins[1]!.elemType, values)];
    }
    case 'MatMul':
    case 'MatMulInteger':
    case 'FusedMatMul': {
      const a = xs;
      const b = ins[1]?.shape;
      if (!a || !b) return [];
      const a2 = a.length === 1 ? [1, a[0]!] : a;
      const b2 = b.length === 1 ? [b[0]!, 1] : b;
      const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
      const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
      if (a.length === 1) out.splice(out.length - 2, 1);
      if (b.length === 1) out.splice(out.length - 1, 1);
      return [t(out, et)];
    }
    case 'Gemm': {
      const a = xs;
      const b = ins[1]?.shape;
      if (!a || !b || a.length !== 2 || b.length !== 2) return [];
      const m = attrInt(node, 'transA', 0) ? a[1]! : a[0]!;
      const n = attrInt(node, 'transB', 0) ? b[0]! : b[1]!;
      return [t([m, n], et)];
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL2':
    case 'ReduceSumSquare':
    case 'ArgMax':
    case 'ArgMin': {
      if (!xs) return [];
      const keep = attrInt(node, 'keepdims', 1) === 1;
      let axes = attrInts(node, 'axes') ?? ins[1]?.values;
      if (op.startsWith('Arg')) axes = [attrInt(node, 'axis', 0)];
      const set = new Set((axes ?? xs.map((_, k) => k)).map((a) => normAxis(a, xs.length)));
      const shape = keep ? xs.map((d, k) => (set.has(k) ? 1 : d)) : xs.filter((_, k) => !set.has(k));
      return [t(shape, op.startsWith('Arg') ? 7 : et)];
    }
    case 'Range': {
      const [s, l, d] = [ins[0]?.values?.[0], ins[1]?.values?.[0], ins[2]?.values?.[0]];
      if (s === undefined || l === undefined || d === undefined || d === 0) return [t(undefined, et)];
      const n = Math.max(0, Math.ceil((l - s) / d));
      const values = n <= VALUE_LIMIT ? Array.from({ length: n }, (_, k) => s + k * d) : undefined;
      return [t([n], et, values)];
    }
    case 'Conv': {
      const w = ins[1]?.shape;
      if (!xs || !w) return [];
      const spatial = xs.length - 2;
      const strides = attrInts(node, 'strides') ?? new Array<number>(spatial).fill(1);
      const dil = attrInts(node, 'dilations') ?? new Array<number>(spatial).fill(1);
      const pads = attrInts(node, 'pads') ?? new Array<number>(2 * spatial).fill(0);
      const out = [xs[0]!, w[0]!];
      for (let k = 0; k < spatial; k++) {
        const kk = w[2 + k] ?? 1;
        out.push(Math.floor((xs[2 + k]! + pads[k]! + pads[k + spatial]! - dil[k]! * (kk - 1) - 1) / strides[k]!) + 1);
      }
      return [t(out, et)];
    }
    case 'Attention': {
      if (!xs) return [];
      if (node.domain === 'com.microsoft') {
        const w = ins[1]?.shape;
        const sizes = attrInts(node, 'qkv_hidden_sizes');
        const vHidden = sizes?.[2] ?? (w ? w[1]! / 3 : xs[2]!);
        return [t([xs[0]!, xs[1]!, vHidden], et)];
      }
      // opset 23: Q is (B, S, q_hidden) or (B, Hq, S, Dh); output follows Q with V's head size.
      const v = ins[2]?.shape;
      if (xs.length === 4 && v) return [t([xs[0]!, xs[1]!, xs[2]!, v[3]!], et)];
      if (xs.length === 3 && v) {
        const qHeads = attrInt(node, 'q_num_heads', 1);
        const kvHeads = attrInt(node, 'kv_num_heads', 1);
        return [t([xs[0]!, xs[1]!, (v[2]! / kvHeads) * qHeads], et)];
      }
      return [t(xs, et)];
    }
    case 'MultiHeadAttention': {
      if (!xs) return [];
      const v = ins[2]?.shape;
      return [t(v && v.length === 3 ? [xs[0]!, xs[1]!, v[2]!] : xs, et)];
    }
    case 'GroupQueryAttention': {
      if (!xs) return [];
      const heads = attrInt(node, 'num_heads', 1);
      const kvHeads = attrInt(node, 'kv_num_heads', heads);
      const packed = !ins[1];
      const hidden = packed ? (xs[2]! / (heads + 2 * kvHeads)) * heads : xs[2]!;
      return [t([xs[0]!, xs[1]!, hidden], et)];
    }
    case 'Einsum':
    case 'If':
    case 'Loop':
    case 'Scan':
      return [];
    default:
      if (!node.outputs.length) return [];
      unknownOps.add(node.domain ? `${node.domain}.${op}` : op);
      return [];
  }
}
