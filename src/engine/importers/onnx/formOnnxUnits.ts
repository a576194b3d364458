/**
 * Groups ONNX nodes into primitive units, the ONNX counterpart of the ML
 * primitives a PyTorch forward calls: a MatMul/Gemm on a weight plus its bias
 * Add (and GPT-2's Conv1D reshapes) is one linear; a Gather on a table is an
 * embedding; the exporters' decompositions of gelu, silu, layer norm and RMS
 * norm fold into one activation or norm; every other node is one functional
 * op. Each unit gets FLOPs and bytes from the conventions in primitiveCost.ts
 * so that ONNX trees agree with config trees.
 */
import type { Dtype, PrimitiveKind } from '../../tree/modelNode.js';
import {
  FLOPS_PER_ELEMENT,
  elementwiseCost,
  embeddingCost,
  linearCost,
  matmulCost,
  memoryCost,
  numel,
  pointwiseCost,
  type PrimitiveCost,
} from '../../features/primitiveCost.js';
import { SMALL_TENSOR_ELEMENTS } from './decodeOnnxModel.js';
import type { TensorInfo } from './inferOnnxShapes.js';
import type { OnnxNode, OnnxTensor } from './onnxModel.js';
import { attrInt } from './onnxModel.js';
import type { PreparedGraph } from './prepareOnnxGraph.js';
import { ownValue } from '../../ownKey.js';

/** One primitive made of one or more ONNX nodes. */
export interface OnnxUnit {
  /** Node indices (into PreparedGraph.nodes), in execution order. */
  nodes: number[];
  /** The node that decides the unit's module (the MatMul of a linear, the core of a fused activation). */
  main: number;
  /** `drop` = view or constant computation: no runtime cost, not a tree node. */
  kind: PrimitiveKind | 'drop';
  /** Functional op name, torch style (`matmul`, `add`, `contiguous`), or the leaf's role (`linear`, `layernorm`). */
  op: string;
  /** Class of a leaf module when the unit is one (`Linear`, `Embedding`, `LayerNorm`, `GELUActivation`). */
  className?: string;
  /** Weight initializer of linear / embedding / conv / norm units. */
  weight?: OnnxTensor;
  /** Tensors the unit reads that are computed at run time. */
  dataInputs: string[];
  /** Tensors it writes. */
  outputs: string[];
  inputShapes: number[][];
  cost: PrimitiveCost;
  /**
   * Cost of input-independent work dropped as a step before the constant's hand-over: counted
   * again when its leaf module runs anyway (the rotary table's matmul inside LlamaRotaryEmbedding).
   */
  dormant?: PrimitiveCost;
}

// Expand is here because the graphs come from PyTorch, where expand() is a view: eager
// PyTorch (and so the measured trees) runs no kernel for it, e.g. GQA's repeat_kv.
const VIEW_OPS = new Set([
  'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Dropout', 'Shape', 'Size', 'Slice', 'Split', 'Constant', 'Expand',
]);
/** Ops between a weight initializer and the node that uses it (a transposed or cast weight). */
const PASS_THROUGH_OPS = new Set(['Transpose', 'Cast', 'Identity', 'DequantizeLinear']);
/** Pointwise ops the fusion walks through (one value in, one out, maybe with constants). */
const POINTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Reciprocal', 'Erf', 'Tanh', 'Sigmoid', 'Neg', 'Exp', 'ReduceMean', 'Cast',
]);
const ELEMENTWISE_NAMES: Record<string, string> = {
  Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Pow: 'pow', Sqrt: 'sqrt', Reciprocal: 'reciprocal', Neg: 'neg',
  Exp: 'exp', Log: 'log', Where: 'where', Equal: 'eq', Less: 'lt', Greater: 'gt', LessOrEqual: 'le',
  GreaterOrEqual: 'ge', And: 'bitwise_and', Or: 'bitwise_or', Not: 'bitwise_not', Max: 'maximum', Min: 'minimum',
  Cos: 'cos', Sin: 'sin', Abs: 'abs', ReduceMean: 'mean', ReduceSum: 'sum', ReduceMax: 'amax', CumSum: 'cumsum',
  Trilu: 'triu', Mod: 'remainder', Clip: 'clamp', Floor: 'floor', Ceil: 'ceil', IsNaN: 'isnan', Range: 'arange',
};
const ACTIVATIONS: Record<string, [string, number, string]> = {
  Erf: ['erf', FLOPS_PER_ELEMENT.gelu, 'GELUActivation'],
  Gelu: ['gelu', FLOPS_PER_ELEMENT.gelu, 'GELUActivation'],
  FastGelu: ['gelu', FLOPS_PER_ELEMENT.gelu, 'FastGELUActivation'],
  BiasGelu: ['gelu', FLOPS_PER_ELEMENT.gelu, 'GELUActivation'],
  QuickGelu: ['gelu', FLOPS_PER_ELEMENT.gelu, 'QuickGELUActivation'],
  Tanh: ['tanh', FLOPS_PER_ELEMENT.tanh, 'Tanh'],
  Sigmoid: ['sigmoid', FLOPS_PER_ELEMENT.sigmoid, 'Sigmoid'],
  Relu: ['relu', FLOPS_PER_ELEMENT.relu, 'ReLU'],
  Silu: ['silu', FLOPS_PER_ELEMENT.silu, 'SiLUActivation'],
  Swish: ['silu', FLOPS_PER_ELEMENT.silu, 'SiLUActivation'],
  Softplus: ['softplus', FLOPS_PER_ELEMENT.silu, 'Softplus'],
};

/** The context units are formed in. */
export interface UnitContext {
  graph: PreparedGraph;
  tensors: Map<string, TensorInfo>;
  initializers: Map<string, OnnxTensor>;
  dtype: Dtype;
}

/** Forms units over the whole graph, in execution order. */
// long-function: three passes over the graph (anchors, fused activations and norms, the rest) that share the
// claimed-node array and the small closures over the graph defined at the top; each pass is a commented block.
export function formOnnxUnits(ctx: UnitContext): OnnxUnit[] {
  const { graph, tensors, initializers } = ctx;
  const nodes = graph.nodes;
  const claimed = new Int32Array(nodes.length).fill(-1);
  const units: OnnxUnit[] = [];
  const shapeOf = (name: string): number[] | undefined => tensors.get(name)?.shape;
  const isConst = (name: string): boolean => name === '' || (tensors.get(name)?.constant ?? false);
  const singleConsumer = (name: string): number | undefined => {
    const c = graph.consumers.get(name);
    return c && c.length === 1 ? c[0] : undefined;
  };
  /** The initializer behind a constant operand, looking through Transpose/Cast/Identity nodes. */
  const weightOf = (name: string): OnnxTensor | undefined => {
    for (let hops = 0; hops < 4; hops++) {
      const init = initializers.get(name);
      if (init) return init;
      const p = graph.producer.get(name);
      if (p === undefined) return undefined;
      const n = nodes[p]!;
      if (!PASS_THROUGH_OPS.has(n.opType)) return undefined;
      name = n.inputs[0] ?? '';
    }
    return undefined;
  };
  const push = (u: Omit<OnnxUnit, 'outputs'> & { outputs?: string[] }): void => {
    const idx = units.length;
    for (let k = 0; k < u.nodes.length; k++) claimed[u.nodes[k]!] = idx;
    const outputs = u.outputs ?? (u.nodes.length === 1 ? namedOutputs(nodes[u.nodes[0]!]!) : u.nodes.flatMap((i) => namedOutputs(nodes[i]!)));
    // Empty tensors (a zero dim) make the cost formulas divide 0 by 0: such a primitive costs nothing.
    let c = u.cost;
    if (Number.isNaN(c.flops) || Number.isNaN(c.memBytes) || Number.isNaN(c.parameters)) {
      c = { flops: c.flops || 0, memBytes: c.memBytes || 0, parameters: c.parameters || 0 };
    }
    // Every unit gets the same fields in the same order: one hidden class, so the later passes'
    // reads of `kind`, `op` and `outputs` stay monomorphic over a 10k-node graph.
    units.push({
      nodes: u.nodes,
      main: u.main,
      kind: u.kind,
      op: u.op,
      className: u.className,
      weight: u.weight,
      dataInputs: u.dataInputs,
      outputs,
      inputShapes: u.inputShapes,
      cost: c,
      dormant: undefined,
    });
  };
  /** Run-time inputs of one node (constants and repeats left out). */
  const dataInputsOf = (i: number): string[] => {
    const out: string[] = [];
    const inputs = nodes[i]!.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const inp = inputs[k]!;
      if (!isConst(inp) && !out.includes(inp)) out.push(inp);
    }
    // Units keep it to the end of the import: no spare slots (push leaves room for 16).
    return out.length === 0 ? NO_TENSORS : out.slice();
  };

  /** x + 0, x - 0, x * 1, x / 1 with a uniform constant that does not change x's shape. */
  const isIdentity = (op: string, ins: string[]): boolean => {
    const neutral = op === 'Add' || op === 'Sub' ? 0 : op === 'Mul' || op === 'Div' ? 1 : undefined;
    if (neutral === undefined || ins.length !== 2) return false;
    const [a, b] = ins.map((s) => tensors.get(s));
    const check = (x: TensorInfo | undefined, c: TensorInfo | undefined): boolean =>
      !!x?.shape && !!c?.shape && c.constant && c.uniform === neutral && c.shape.length <= x.shape.length &&
      c.shape.every((d, k) => d === 1 || d === x.shape![x.shape!.length - c.shape!.length + k]);
    return check(a, b) || ((op === 'Add' || op === 'Mul') && check(b, a));
  };

  // Pass 1: linears, embeddings, convs (they anchor everything else).
  nodes.forEach((n, i) => {
    if (claimed[i]! >= 0) return;
    const op = n.opType;
    if ((op === 'MatMul' || op === 'Gemm') && n.inputs.length >= 2) {
      const wName = n.inputs[1]!;
      const w = isConst(wName) ? weightOf(wName) : undefined;
      if (!w || w.dims.length !== 2 || isConst(n.inputs[0]!)) return;
      const idx = [i];
      let x = n.inputs[0]!;
      let out = n.outputs[0]!;
      let bias = op === 'Gemm' && (n.inputs[2] ?? '') !== '';
      // A Conv1D/Linear on 3-D input is exported as Reshape -> Gemm -> Reshape: fold the views.
      const xp = graph.producer.get(x);
      if (op === 'Gemm' && xp !== undefined && nodes[xp]!.opType === 'Reshape' && claimed[xp]! < 0 && singleConsumer(x) === i) {
        idx.unshift(xp);
        x = nodes[xp]!.inputs[0]!;
      }
      const c1 = singleConsumer(out);
      if (!bias && c1 !== undefined && nodes[c1]!.opType === 'Add') {
        const other = nodes[c1]!.inputs.find((s) => s !== out) ?? '';
        const os = shapeOf(other);
        if (isConst(other) && os && os.length === 1) {
          idx.push(c1);
          out = nodes[c1]!.outputs[0]!;
          bias = true;
        }
      }
      const c2 = singleConsumer(out);
      if (op === 'Gemm' && c2 !== undefined && nodes[c2]!.opType === 'Reshape') {
        idx.push(c2);
        out = nodes[c2]!.outputs[0]!;
      }
      // Report the input as the module saw it ([B, S, in]) even when the export flattened it for Gemm.
      let inShape = shapeOf(x);
      const outShape = shapeOf(out);
      const k = attrInt(n, 'transB', 0) ? w.dims[1]! : w.dims[0]!;
      if (op === 'Gemm' && out !== n.outputs[0] && outShape && outShape.length > 2) inShape = [...outShape.slice(0, -1), k];
      const outFeatures = shapeOf(n.outputs[0]!)?.at(-1) ?? (attrInt(n, 'transB', 0) ? w.dims[0]! : w.dims[1]!);
      const cost = inShape ? linearCost(inShape, outFeatures, bias, ctx.dtype) : zeroCost(w.dims[0]! * w.dims[1]!);
      push({ nodes: idx, main: i, kind: 'linear', op: 'linear', className: 'Linear', weight: w, dataInputs: [x], outputs: [out], inputShapes: inShape ? [inShape] : [], cost });
      return;
    }
    if (op === 'Gather' && n.inputs.length >= 2) {
      const w = weightOf(n.inputs[0]!);
      const idxShape = shapeOf(n.inputs[1]!);
      if (!w || w.dims.length !== 2 || attrInt(n, 'axis', 0) !== 0 || !idxShape) return;
      const cost = embeddingCost(idxShape, w.dims[0]!, w.dims[1]!, ctx.dtype);
      push({ nodes: [i], main: i, kind: 'embedding', op: 'embedding', className: 'Embedding', weight: w, dataInputs: [n.inputs[1]!], inputShapes: [idxShape], cost });
      return;
    }
    if (op === 'Conv' && n.inputs.length >= 2) {
      const w = weightOf(n.inputs[1]!);
      const xs = shapeOf(n.inputs[0]!);
      const ys = shapeOf(n.outputs[0]!);
      if (!w || !xs || !ys) return;
      const perOut = numel(w.dims.slice(1));
      const parameters = numel(w.dims) + ((n.inputs[2] ?? '') !== '' ? w.dims[0]! : 0);
      const b = bytesOf(ctx.dtype);
      const cost = { flops: 2 * numel(ys) * perOut, memBytes: (numel(xs) + numel(ys) + parameters) * b, parameters };
      push({ nodes: [i], main: i, kind: 'conv', op: 'conv', className: `Conv${xs.length - 2}d`, weight: w, dataInputs: [n.inputs[0]!], inputShapes: [xs], cost });
    }
  });

  // Pass 2: fused activations and norms. A pointwise node's "source" is the one
  // run-time tensor all its non-constant inputs derive from; the nodes sharing a
  // source and containing an Erf/Tanh/Sigmoid/ReduceMean are one decomposed primitive.
  const source = new Map<string, string>();
  const sourceOf = (name: string): string => source.get(name) ?? name;
  const groups = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    if (claimed[i]! >= 0 || !POINTWISE.has(n.opType)) return;
    const live = n.inputs.filter((s) => !isConst(s));
    if (live.length === 0) return;
    const srcs = new Set(live.map(sourceOf));
    if (srcs.size !== 1) return;
    const src = [...srcs][0]!;
    for (const o of n.outputs) source.set(o, src);
    let g = groups.get(src);
    if (!g) groups.set(src, (g = []));
    g.push(i);
  });
  for (const [src, idx] of groups) {
    const ops = new Set(idx.map((i) => nodes[i]!.opType));
    const shape = shapeOf(src);
    if (!shape) continue;
    let unit: { kind: PrimitiveKind; op: string; className: string; perElement: number } | undefined;
    if (ops.has('ReduceMean') && ops.has('Sub') && (ops.has('Sqrt') || ops.has('Pow'))) {
      unit = { kind: 'layernorm', op: 'layernorm', className: 'LayerNorm', perElement: FLOPS_PER_ELEMENT.layernorm };
    } else if (ops.has('ReduceMean') && (ops.has('Sqrt') || ops.has('Reciprocal')) && ops.has('Pow')) {
      unit = { kind: 'rmsnorm', op: 'rmsnorm', className: 'RMSNorm', perElement: FLOPS_PER_ELEMENT.rmsnorm };
    } else if (ops.has('Erf')) {
      unit = { kind: 'activation', op: 'gelu', className: 'GELUActivation', perElement: FLOPS_PER_ELEMENT.gelu };
    } else if (ops.has('Tanh') && ops.has('Pow')) {
      unit = { kind: 'activation', op: 'gelu', className: 'NewGELUActivation', perElement: FLOPS_PER_ELEMENT.gelu };
    } else if (ops.has('Sigmoid') && ops.has('Mul')) {
      unit = { kind: 'activation', op: 'silu', className: 'SiLUActivation', perElement: FLOPS_PER_ELEMENT.silu };
    } else if (ops.has('Sigmoid') && ops.has('Mul') === false && idx.length > 1) {
      unit = { kind: 'activation', op: 'sigmoid', className: 'Sigmoid', perElement: FLOPS_PER_ELEMENT.sigmoid };
    }
    if (!unit) continue;
    // Norm parameters: the 1-D constants multiplied / added at the end (gamma, beta).
    let parameters = 0;
    let weight: OnnxTensor | undefined;
    if (unit.kind !== 'activation') {
      for (const i of idx) {
        const n = nodes[i]!;
        if (n.opType !== 'Mul' && n.opType !== 'Add') continue;
        for (const inp of n.inputs) {
          const init = isConst(inp) ? weightOf(inp) : undefined;
          if (init && init.dims.length === 1 && init.dims[0] === shape.at(-1)) {
            parameters += init.dims[0]!;
            weight ??= init;
          }
        }
      }
    }
    const core = idx.find((i) => ['Erf', 'Tanh', 'Sigmoid', 'ReduceMean'].includes(nodes[i]!.opType)) ?? idx[0]!;
    const last = idx[idx.length - 1]!;
    push({
      nodes: idx,
      main: core,
      kind: unit.kind,
      op: unit.op,
      className: unit.className,
      weight,
      dataInputs: [src],
      outputs: [nodes[last]!.outputs[0]!],
      inputShapes: [shape],
      cost: pointwiseCost(shape, unit.perElement, ctx.dtype, parameters),
    });
  }

  // Pass 3: every other node is its own functional op (or a dropped view / constant).
  nodes.forEach((n, i) => {
    if (claimed[i]! >= 0) return;
    const op = n.opType;
    const outs = namedOutputs(n);
    const dataInputs = dataInputsOf(i);
    // Views and shape arithmetic (most nodes of a TorchScript export) are settled first and cheaply.
    // Input-independent work on large tensors (a causal mask, rotary tables) still runs at every
    // forward: it is costed here and dropped below only if nothing that runs reads it.
    const constant = outs.length > 0 && outs.every(isConst);
    const large = constant && outs.some((o) => numel(shapeOf(o) ?? [0]) > SMALL_TENSOR_ELEMENTS);
    if (VIEW_OPS.has(op) || (constant && !large) || (op === 'Transpose' && !feedsReshape(graph, nodes, n))) {
      push({ nodes: [i], main: i, dataInputs, outputs: outs, inputShapes: [], kind: 'drop', op, cost: ZERO });
      return;
    }
    const ins = n.inputs.filter((s) => s !== '');
    if (isIdentity(op, ins)) {
      // Adding an all-zero mask (exports traced without padding) or scaling by 1: eager PyTorch skips it.
      push({ nodes: [i], main: i, dataInputs, outputs: outs, inputShapes: [], kind: 'drop', op: 'identity', cost: ZERO });
      return;
    }
    const known = ins.every((s) => shapeOf(s) !== undefined);
    const outShape = outs[0] ? shapeOf(outs[0]) : undefined;
    // Input shapes as a forward hook records them: every tensor operand, constants included (a mask,
    // a position table), but not scalars or the small integer tensors that only carry shapes and axes.
    const operands = ins.filter((s) => {
      if (!isConst(s)) return true;
      if (weightOf(s)) return false; // parameters are not inputs
      const t = tensors.get(s);
      const n = t?.shape ? numel(t.shape) : 0;
      return n > 1 && !((t?.elemType === 7 || t?.elemType === 6) && (t.shape?.length ?? 0) <= 1);
    });
    // Large input-independent tensors (a causal mask) are read like activations by the module around.
    const extra = operands.filter((s) => !dataInputs.includes(s));
    const reads = extra.length === 0 ? dataInputs : dataInputs.concat(extra);
    const inputShapes = operands.map((s) => shapeOf(s) ?? []);
    /** Pushes this node's unit (no object spread: it is slow in a cold process and gives units many shapes). */
    const own = (kind: PrimitiveKind, name: string, cost: PrimitiveCost, className?: string, weight?: OnnxTensor, shapes = inputShapes): void =>
      push({ nodes: [i], main: i, dataInputs: reads, outputs: outs, inputShapes: shapes, kind, op: name, className, weight, cost });
    if (op === 'MatMul' || op === 'FusedMatMul') {
      const [a, b] = [shapeOf(n.inputs[0]!), shapeOf(n.inputs[1]!)];
      own('matmul', 'matmul', a && b ? matmulCost(a, b, ctx.dtype) : zeroCost(0), undefined, undefined, [a ?? [], b ?? []]);
      return;
    }
    if (op === 'Softmax' || op === 'LogSoftmax') {
      const s = shapeOf(n.inputs[0]!);
      own('softmax', op === 'Softmax' ? 'softmax' : 'log_softmax', s ? pointwiseCost(s, FLOPS_PER_ELEMENT.softmax, ctx.dtype) : zeroCost(0));
      return;
    }
    if (op.includes('LayerNormalization') || op === 'RMSNormalization') {
      const s = shapeOf(n.inputs[0]!);
      const rms = op.includes('Simplified') || op === 'RMSNormalization';
      const w = weightOf(n.inputs[op.startsWith('Skip') ? 2 : 1] ?? '');
      const b = weightOf(n.inputs[op.startsWith('Skip') ? 3 : 2] ?? '');
      const parameters = (w ? numel(w.dims) : 0) + (b && b.dims.length === 1 ? numel(b.dims) : 0);
      const per = rms ? FLOPS_PER_ELEMENT.rmsnorm : FLOPS_PER_ELEMENT.layernorm;
      const cost = s ? pointwiseCost(s, per + (op.startsWith('Skip') ? 1 : 0), ctx.dtype, parameters) : zeroCost(parameters);
      own(rms ? 'rmsnorm' : 'layernorm', rms ? 'rmsnorm' : 'layernorm', cost, rms ? 'RMSNorm' : 'LayerNorm', w);
      return;
    }
    const act = ownValue(ACTIVATIONS, op);
    if (act) {
      const s = shapeOf(n.inputs[0]!);
      own('activation', act[0], s ? pointwiseCost(s, act[1], ctx.dtype) : zeroCost(0), act[2]);
      return;
    }
    if (op === 'Attention' || op === 'MultiHeadAttention' || op === 'GroupQueryAttention') {
      own('matmul', 'scaled_dot_product_attention', attentionCost(n, (s) => shapeOf(s), outShape, ctx.dtype, weightOf));
      return;
    }
    if (op === 'RotaryEmbedding') {
      const s = shapeOf(n.inputs[0]!);
      own('rotary', 'rotary', s ? elementwiseCost([s, s], ctx.dtype, 3) : zeroCost(0));
      return;
    }
    if (op === 'Transpose' || op === 'Concat' || op === 'Cast' || op === 'CastLike' || op === 'Tile' ||
      op === 'Gather' || op === 'GatherElements' || op === 'GatherND' || op === 'Pad' || op === 'ScatterND') {
      const name = op === 'Transpose' ? 'contiguous' : op === 'Concat' ? 'cat' : op === 'Cast' || op === 'CastLike' ? 'cast' : op.toLowerCase();
      own('memory', name, outShape ? memoryCost(numel(outShape), ctx.dtype) : zeroCost(0));
      return;
    }
    const ew = ownValue(ELEMENTWISE_NAMES, op);
    if (ew) {
      const shapes = ins.map((s) => (isConst(s) && (shapeOf(s)?.length ?? 0) <= 1 && numel(shapeOf(s) ?? []) <= 1 ? [] : (shapeOf(s) ?? [])));
      own('elementwise', ew, known ? elementwiseCost(shapes, ctx.dtype) : zeroCost(0));
      return;
    }
    own('other', op.toLowerCase(), outShape ? memoryCost(numel(outShape), ctx.dtype) : zeroCost(0));
  });
  units.sort((a, b) => a.nodes[0]! - b.nodes[0]!);
  dropDeadConstantWork(units, graph, nodes, isConst);
  return units;
}

/**
 * Input-independent work (all outputs constant) is counted once, where it is handed to the
 * run-time graph: the op whose result a running op reads (through views) stays, like the one
 * `where` that builds a causal mask in the measured trees; the steps before it and results
 * nothing running reads (an all-zero mask whose adds were identities) are dropped.
 */
function dropDeadConstantWork(units: OnnxUnit[], graph: PreparedGraph, nodes: OnnxNode[], isConst: (t: string) => boolean): void {
  const unitOf = new Int32Array(nodes.length).fill(-1);
  // runtime[i]: unit i computes something from the inputs (not a view, not constant work).
  const runtime = new Uint8Array(units.length);
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    for (let k = 0; k < u.nodes.length; k++) unitOf[u.nodes[k]!] = i;
    if (u.kind !== 'drop' && !u.outputs.every(isConst)) runtime[i] = 1;
  }
  // feeds[i]: a run-time unit reads unit i's result, directly or through views.
  const feeds = new Uint8Array(units.length);
  for (let i = units.length - 1; i >= 0; i--) {
    const u = units[i]!;
    if (runtime[i]) continue;
    // Views pass the value on; an identity (x + 0) does not read its neutral constant.
    // (Plain loops: this runs once per unit of a 10k-node graph, in a cold process.)
    search: for (let o = 0; o < u.outputs.length; o++) {
      const readers = graph.consumers.get(u.outputs[o]!);
      if (readers === undefined) continue;
      for (let c = 0; c < readers.length; c++) {
        const r = unitOf[readers[c]!]!;
        if (r < 0) continue;
        if (runtime[r] || (units[r]!.kind === 'drop' && units[r]!.op !== 'identity' && feeds[r])) {
          feeds[i] = 1;
          break search;
        }
      }
    }
    if (u.kind !== 'drop' && !feeds[i]) {
      u.dormant = u.cost;
      u.kind = 'drop';
      u.cost = ZERO;
    }
  }
}

/** The shared empty list of tensor names (units only read their lists). */
const NO_TENSORS: string[] = [];

/** A node's outputs without the empty names of optional outputs it leaves out: its own list when it has none. */
function namedOutputs(n: OnnxNode): string[] {
  return n.outputs.includes('') ? n.outputs.filter((o) => o !== '') : n.outputs;
}

/** Whether a Transpose's result is reshaped (torch would copy it with .contiguous()); otherwise it is a view. */
function feedsReshape(graph: PreparedGraph, nodes: OnnxNode[], n: OnnxNode): boolean {
  const c = graph.consumers.get(n.outputs[0] ?? '') ?? [];
  return c.length > 0 && c.every((i) => nodes[i]!.opType === 'Reshape' || nodes[i]!.opType === 'Flatten');
}

function bytesOf(dtype: Dtype): number {
  return dtype === 'fp32' ? 4 : 2;
}

const ZERO: PrimitiveCost = { flops: 0, memBytes: 0, parameters: 0 };

function zeroCost(parameters: number): PrimitiveCost {
  return { flops: 0, memBytes: 0, parameters };
}

/** Fused attention: QK^T and AV matmuls plus softmax (and the packed QKV projection of contrib Attention). */
function attentionCost(
  n: OnnxNode,
  shapeOf: (s: string) => number[] | undefined,
  outShape: number[] | undefined,
  dtype: Dtype,
  weightOf: (s: string) => OnnxTensor | undefined,
): PrimitiveCost {
  const q = shapeOf(n.inputs[0] ?? '');
  if (!q || !outShape) return zeroCost(0);
  const heads = attrInt(n, 'num_heads', attrInt(n, 'q_num_heads', 1));
  let batch: number;
  let seq: number;
  let hidden: number;
  if (q.length === 4) {
    [batch, , seq] = [q[0]!, q[1]!, q[2]!];
    hidden = q[1]! * q[3]!;
  } else {
    [batch, seq, hidden] = [q[0]!, q[1]!, outShape[2]!];
  }
  const kvSeq = n.domain === 'com.microsoft' ? seq : (shapeOf(n.inputs[1] ?? '')?.at(q.length === 4 ? 2 : 1) ?? seq);
  let flops = 4 * batch * seq * kvSeq * hidden + FLOPS_PER_ELEMENT.softmax * batch * heads * seq * kvSeq;
  let parameters = 0;
  if (n.opType === 'Attention' && n.domain === 'com.microsoft') {
    const w = weightOf(n.inputs[1] ?? '');
    if (w) {
      parameters = numel(w.dims);
      flops += 2 * batch * seq * w.dims[0]! * w.dims[1]!;
    }
  }
  const b = bytesOf(dtype);
  return { flops, memBytes: (numel(q) * 3 + numel(outShape) + parameters) * b, parameters };
}
