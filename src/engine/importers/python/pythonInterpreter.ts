/**
 * A small abstract interpreter for model code: runs `__init__` to build the
 * module instances with their constructor arguments, then runs `forward` on
 * symbolic tensors (shapes only) to record which modules and functional
 * primitives execute, how often, and on which shapes. Nothing is guessed: a
 * dimension it cannot resolve stays undefined and is reported by name.
 */
import { IreneError, throwIfAborted } from '../../errors.js';
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
import { DTYPE_BYTES, type Dtype, type ModelNode } from '../../tree/modelNode.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import { dottedName, type PyArg, type PyExpr, type PyFunction, type PyStmt, type SourceRange } from './pyAst.js';
import { BINARY_OPS, sourceText, type PythonAnalysis, type PythonClass } from './pythonModelAnalyzer.js';
import {
  ACT2FN_CLASSES,
  ACTIVATION_LAYERS,
  IDENTITY_LAYERS,
  LAYER_SIGNATURES,
  classifyCallee,
  fullName,
} from './torchCatalog.js';
import {
  NONE,
  asNumber,
  knownShape,
  num,
  truthy,
  unknown,
  whyUnknown,
  type ClassRef,
  type Dim,
  type ModuleInst,
  type Value,
} from './pythonValue.js';

/** Settings of one interpretation. */
export interface InterpreterOptions {
  batchSize: number;
  seqLen: number;
  dtype: Dtype;
  /** File name written into node sources for the main file. */
  fileName: string;
  signal?: AbortSignal;
}

/** One active forward call: the module whose ops are being recorded. */
interface Frame {
  module: ModuleInst;
  node: ModelNode;
  opIndex: number;
  /** Leaf user modules fold their ops into their own cost instead of creating children. */
  fold?: PrimitiveCost;
}

class ReturnSignal {
  constructor(readonly value: Value) {}
}

const MAX_DEPTH = 64;

/** Prefix of the `why` of a root input whose feature width is not known yet. */
export const ROOT_WIDTH = 'width of ';
const MAX_LOOP = 4096;

/** Methods PreTrainedModel provides that modelling files call on self (masks, head masks, weight init). */
const PRETRAINED_HELPERS = new Set(['get_extended_attention_mask', 'invert_attention_mask', 'get_head_mask', 'init_weights', 'post_init', 'tie_weights', 'gradient_checkpointing_enable']);

const BUILTIN_NAMES = new Set([
  'range', 'len', 'int', 'float', 'min', 'max', 'abs', 'enumerate', 'zip', 'isinstance', 'getattr', 'hasattr', 'setattr',
  'super', 'dict', 'list', 'tuple', 'print', 'round', 'sum', 'str', 'bool', 'reversed', 'sorted', 'type', 'any', 'all',
]);

/** The interpreter for one analysed file (plus the other files it links to). */
export class PythonInterpreter {
  /** Messages for the tree's warnings, in order, without duplicates. */
  readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  private readonly classes = new Map<string, ClassRef>();
  private readonly frames: Frame[] = [];
  private readonly nodes = new Map<string, ModelNode>();
  private depth = 0;
  private steps = 0;
  private readonly constCache = new Map<string, Value>();

  constructor(
    readonly analysis: PythonAnalysis,
    private readonly opts: InterpreterOptions,
  ) {
    for (const other of analysis.otherFiles) for (const c of other.classes) this.classes.set(c.name, { cls: c, analysis: other });
    for (const c of analysis.classes) this.classes.set(c.name, { cls: c, analysis });
  }

  /** A class of the analysed files by name. */
  classRef(name: string): ClassRef | undefined {
    return this.classes.get(name);
  }

  /** Set when some code could not be evaluated (a condition, a loop, a forward): the tree may miss work. */
  isIncomplete = false;

  /** A warning about code that was not evaluated: the tree built from source may be incomplete. */
  incomplete(message: string): void {
    this.isIncomplete = true;
    this.warn(message);
  }

  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  // ---------------------------------------------------------------- construction

  /** Instantiates a model class with bound arguments and returns the module. */
  instantiate(ref: ClassRef, args: Value[], kwargs: Map<string, Value>, range?: SourceRange): ModuleInst {
    const m: ModuleInst = {
      className: ref.cls.name,
      kind: 'user',
      args: new Map(),
      attrs: new Map(),
      children: [],
      cls: ref,
      ...(range ? { range } : {}),
      // The source link points where the module is created (the caller's file), not where its class lives.
      file: this.currentFile ?? this.analysis,
      unresolved: [],
      ownParameters: 0,
    };
    const self: Value = { t: 'module', m };
    const init = this.findMethod(ref, '__init__');
    try {
      if (init) this.callFunction(init.f, init.owner.analysis, [self, ...args], kwargs, init.owner);
    } catch (err) {
      if (err instanceof IreneError) throw err;
      this.incomplete(`${ref.cls.name}.__init__ could not be evaluated to the end (${err instanceof Error ? err.message : String(err)}); layers after that point are missing`);
    }
    return m;
  }

  /** The method `name` of a class or its bases (same-file and other-file classes). */
  findMethod(ref: ClassRef, name: string, skipSelf = false): { f: PyFunction; owner: ClassRef } | undefined {
    const seen = new Set<string>();
    const visit = (r: ClassRef, skip: boolean): { f: PyFunction; owner: ClassRef } | undefined => {
      if (seen.has(r.cls.name)) return undefined;
      seen.add(r.cls.name);
      if (!skip) {
        const f = r.cls.methods[name];
        if (f) return { f, owner: r };
      }
      for (const base of r.cls.bases) {
        const b = this.classes.get(base.split('.').pop()!);
        if (b && b.cls !== r.cls) {
          const found = visit(b, false);
          if (found) return found;
        }
      }
      return undefined;
    };
    return visit(ref, skipSelf);
  }

  /** Class-level field of a class or its bases. */
  private classField(ref: ClassRef, name: string): Value | undefined {
    for (let r: ClassRef | undefined = ref, guard = 0; r && guard < 32; guard++) {
      const f = r.cls.fields.find((x) => x.name === name);
      if (f?.value) return this.evalExpr(f.value, new Map(), r.analysis);
      const cur: ClassRef = r;
      const base: ClassRef | undefined = cur.cls.bases.map((b) => this.classes.get(b.split('.').pop()!)).find((b) => b && b.cls !== cur.cls);
      r = base;
    }
    return undefined;
  }

  private makeLayer(name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange, file: PythonAnalysis): ModuleInst {
    const sig = LAYER_SIGNATURES[name] ?? [];
    const bound = new Map<string, Value>();
    sig.forEach(([pname, def], i) => {
      const v = i < args.length ? args[i] : kwargs.get(pname);
      bound.set(pname, v ?? jsDefault(def));
    });
    const m: ModuleInst = { className: name, kind: 'layer', args: bound, attrs: new Map(), children: [], range, file, unresolved: [], ownParameters: 0 };
    for (const [pname, def] of sig) {
      const v = bound.get(pname)!;
      if (def === undefined && v.t === 'unknown') m.unresolved.push(v.why);
    }
    return m;
  }

  private makeContainer(name: string, items: [string, Value][], range: SourceRange, file: PythonAnalysis): ModuleInst {
    const m: ModuleInst = { className: name, kind: 'container', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [], ownParameters: 0 };
    for (const [key, v] of items) {
      if (v.t === 'module') m.children.push([key, v.m]);
      else if (v.t === 'unknown') m.unresolved.push(v.why);
    }
    return m;
  }

  // ---------------------------------------------------------------- scopes and nodes

  /** Assigns dotted scopes to a module tree built by `instantiate` (containers never called get no node of their own). */
  assignScopes(m: ModuleInst, scope: string): void {
    m.scope = scope;
    m.children.forEach(([key, child], i) => {
      child.order = i;
      this.assignScopes(child, `${scope}.${key}`);
    });
  }

  /** The node of a module (created on first call). */
  private nodeOf(m: ModuleInst, parent: ModelNode | undefined): ModelNode {
    const scope = m.scope ?? `${parent?.scope ?? 'root'}.<unnamed>`;
    let node = this.nodes.get(scope);
    if (!node) {
      node = {
        scope,
        type: 'module',
        instanceType: m.className,
        inputShapes: [],
        dtype: this.opts.dtype,
        calls: 0,
        parameters: 0,
        flops: 0,
        memBytes: 0,
        children: [],
      };
      const src = this.sourceOf(m.range, m.file);
      if (src) node.source = src;
      if (m.unresolved.length) node.unresolved = [...new Set(m.unresolved)];
      this.nodes.set(scope, node);
      const parentNode = this.structuralParent(scope) ?? parent;
      if (parentNode && parentNode !== node) parentNode.children.push(node);
    }
    return node;
  }

  /** The node whose scope is the longest existing prefix (the module that owns this one). */
  private structuralParent(scope: string): ModelNode | undefined {
    let s = scope;
    for (;;) {
      const i = s.lastIndexOf('.');
      if (i < 0) return undefined;
      s = s.slice(0, i);
      const n = this.nodes.get(s);
      if (n) return n;
    }
  }

  private sourceOf(range: SourceRange | undefined, file: PythonAnalysis | undefined): ModelNode['source'] | undefined {
    if (!range) return undefined;
    const fileName = file && file !== this.analysis ? file.fileName : this.opts.fileName;
    return { ...(fileName ? { file: fileName } : {}), line: range.start.line, column: range.start.column };
  }

  /** Runs the root module's forward on token ids and returns the root node. */
  runRoot(root: ModuleInst, inputs: Value[], kwargs: Map<string, Value>): ModelNode {
    this.assignScopes(root, 'root');
    const node = this.nodeOf(root, undefined);
    node.type = 'model';
    this.callModule(root, inputs, kwargs, root.range ?? { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } });
    return node;
  }

  // ---------------------------------------------------------------- calling modules

  private callModule(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const parentFrame = this.frames[this.frames.length - 1];
    if (m.kind === 'container') {
      if (m.className === 'Sequential') {
        const node = this.nodeOf(m, parentFrame?.node);
        node.calls++;
        let x = args[0] ?? NONE;
        for (const [, child] of m.children) x = this.callModule(child, [x], new Map(), range);
        return x;
      }
      this.warn(`${m.scope ?? m.className}: a ${m.className} is not callable; call its items`);
      return unknown(`${m.className} call`);
    }
    if (m.kind === 'layer') {
      if (IDENTITY_LAYERS.has(m.className)) return args[0] ?? NONE;
      if (m.scope === undefined && parentFrame) {
        // Created and called inline (`nn.Softmax(dim=-1)(x)`): not a submodule, so named like a functional op.
        m.scope = `${parentFrame.node.scope}.${m.className.toLowerCase()}.${parentFrame.opIndex++}`;
        const out = this.callLayer(m, args, kwargs, parentFrame);
        const node = this.nodes.get(m.scope);
        if (node) node.instanceType = m.className.toLowerCase();
        m.scope = undefined;
        return out;
      }
      return this.callLayer(m, args, kwargs, parentFrame);
    }
    // user module
    const ref = m.cls!;
    const fwd = this.findMethod(ref, 'forward');
    const node = this.nodeOf(m, parentFrame?.node);
    node.calls++;
    if (node.inputShapes.length === 0) node.inputShapes = [...args, ...kwargs.values()].map(knownShape).filter((s): s is number[] => s !== undefined);
    if (!fwd) {
      this.incomplete(`${ref.cls.name}: no forward method found; its layers are not counted`);
      return unknown(`${ref.cls.name}.forward`);
    }
    const isLeaf = m.children.length === 0;
    const frame: Frame = { module: m, node, opIndex: 0, ...(isLeaf ? { fold: { flops: 0, memBytes: 0, parameters: 0 } } : {}) };
    this.frames.push(frame);
    let out: Value;
    try {
      out = this.callFunction(fwd.f, fwd.owner.analysis, [{ t: 'module', m }, ...args], kwargs, fwd.owner);
    } catch (err) {
      // A construct the evaluator does not handle must not lose the whole tree: keep what was recorded and say so.
      if (err instanceof IreneError) throw err;
      this.incomplete(`${ref.cls.name}.forward could not be evaluated to the end (${err instanceof Error ? err.message : String(err)}); its numbers are incomplete`);
      out = unknown(`${ref.cls.name}.forward`);
    } finally {
      this.frames.pop();
    }
    if (isLeaf) this.finishLeafModule(m, node, frame.fold!, args[0]);
    return out;
  }

  /** A user module without submodules is one primitive (LlamaRMSNorm): its cost by convention when its kind is known, else the sum of its ops. */
  private finishLeafModule(m: ModuleInst, node: ModelNode, folded: PrimitiveCost, input: Value | undefined): void {
    node.type = 'ml';
    const kind = primitiveKindOf(m.className);
    node.kind = kind;
    const shape = knownShape(input);
    let cost = folded;
    const perElement: Partial<Record<string, number>> = { rmsnorm: FLOPS_PER_ELEMENT.rmsnorm, layernorm: FLOPS_PER_ELEMENT.layernorm, softmax: FLOPS_PER_ELEMENT.softmax };
    if (shape && perElement[kind] !== undefined) cost = pointwiseCost(shape, perElement[kind]!, this.opts.dtype, m.ownParameters);
    else if (kind === 'activation' && shape) cost = pointwiseCost(shape, FLOPS_PER_ELEMENT[activationOf(m.className)], this.opts.dtype);
    if (!shape && kind !== 'rotary' && whyUnknown(input)) this.markUnresolved(node, whyUnknown(input)!);
    node.flops = cost.flops;
    node.memBytes = cost.memBytes + (perElement[kind] !== undefined ? 0 : m.ownParameters * DTYPE_BYTES[this.opts.dtype]);
    node.parameters = m.ownParameters;
  }

  private markUnresolved(node: ModelNode, what: string): void {
    node.unresolved ??= [];
    if (!node.unresolved.includes(what)) node.unresolved.push(what);
  }

  /** Runs a torch layer on symbolic inputs: output shape, cost and a leaf node. */
  private callLayer(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, parentFrame: Frame | undefined): Value {
    const x = args[0] ?? kwargs.get('input') ?? kwargs.get('query') ?? NONE;
    const dtype = this.opts.dtype;
    const a = (k: string): number | undefined => asNumber(m.args.get(k));
    const missing: string[] = [...m.unresolved];
    const need = (k: string): number | undefined => {
      const v = a(k);
      if (v === undefined) {
        const w = whyUnknown(m.args.get(k)) ?? k;
        if (!missing.includes(w)) missing.push(w);
      }
      return v;
    };
    let shape: Dim[] | undefined = x.t === 'tensor' ? x.shape?.slice() : undefined;
    let out: Value;
    let cost: PrimitiveCost | undefined;
    let parameters = 0;
    const name = m.className;
    const act = ACTIVATION_LAYERS[name];
    switch (name) {
      case 'Linear':
      case 'Conv1D':
      case 'LazyLinear': {
        const inF = name === 'Conv1D' ? need('nx') : name === 'LazyLinear' ? shape?.[shape.length - 1] : need('in_features');
        const outF = name === 'Conv1D' ? need('nf') : need('out_features');
        const bias = name === 'Conv1D' ? true : truthy(m.args.get('bias') ?? NONE) !== false;
        if (shape && shape.length > 0 && shape[shape.length - 1] === undefined && inF !== undefined) {
          shape[shape.length - 1] = inF;
          this.noteInferredWidth(x, inF);
        }
        if (shape && inF !== undefined && shape[shape.length - 1] !== undefined && shape[shape.length - 1] !== inF) {
          this.warn(`${m.scope}: input has ${shape[shape.length - 1]} features but the ${name} expects ${inF}`);
        }
        if (inF !== undefined && outF !== undefined) parameters = inF * outF + (bias ? outF : 0);
        const s = shape && allKnown(shape) ? shape : undefined;
        if (s && outF !== undefined) cost = linearCost(s, outF, bias, dtype);
        out = tensor(shape ? [...shape.slice(0, -1), outF] : undefined, whyUnknown(x) ?? missing[0]);
        break;
      }
      case 'Embedding': {
        if (x.t === 'tensor' && x.why?.startsWith(ROOT_WIDTH) && shape && shape.length === 3 && shape[2] === undefined) {
          // The root input goes into an embedding: it is token ids (batch x seq), whatever its name.
          shape = shape.slice(0, 2);
          this.noteInferredWidth(x, 0);
        }
        const rows = need('num_embeddings');
        const dim = need('embedding_dim');
        if (rows !== undefined && dim !== undefined) parameters = rows * dim;
        const s = shape && allKnown(shape) ? shape : undefined;
        if (s && rows !== undefined && dim !== undefined) cost = embeddingCost(s, rows, dim, dtype);
        out = tensor(shape ? [...shape, dim] : undefined, whyUnknown(x) ?? missing[0]);
        break;
      }
      case 'LayerNorm':
      case 'RMSNorm':
      case 'GroupNorm':
      case 'BatchNorm1d': {
        const ns = m.args.get(name === 'GroupNorm' ? 'num_channels' : name === 'BatchNorm1d' ? 'num_features' : 'normalized_shape');
        const dims = ns?.t === 'seq' ? ns.items.map(asNumber) : [asNumber(ns)];
        const n = dims.every((d) => d !== undefined) ? numel(dims as number[]) : undefined;
        if (n === undefined) missing.push(whyUnknown(ns) ?? 'normalized_shape');
        const affine = truthy(m.args.get(name === 'GroupNorm' ? 'affine' : 'elementwise_affine') ?? { t: 'bool', v: true }) !== false;
        const hasBias = name === 'LayerNorm' ? truthy(m.args.get('bias') ?? { t: 'bool', v: true }) !== false : name !== 'RMSNorm';
        if (n !== undefined && affine) parameters = n * (hasBias ? 2 : 1);
        if (shape && shape.length > 0 && shape[shape.length - 1] === undefined && dims.length === 1 && dims[0] !== undefined && name !== 'GroupNorm') {
          shape[shape.length - 1] = dims[0];
          this.noteInferredWidth(x, dims[0]);
        }
        const s = shape && allKnown(shape) ? shape : undefined;
        const per = name === 'RMSNorm' ? FLOPS_PER_ELEMENT.rmsnorm : FLOPS_PER_ELEMENT.layernorm;
        if (s) cost = pointwiseCost(s, per, dtype, parameters);
        out = tensor(shape, whyUnknown(x));
        break;
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const s = shape && allKnown(shape) ? shape : undefined;
        if (s) cost = pointwiseCost(s, FLOPS_PER_ELEMENT.softmax, dtype);
        out = tensor(shape, whyUnknown(x));
        break;
      }
      case 'Conv1d': {
        const cin = need('in_channels');
        const cout = need('out_channels');
        const k = firstNum(m.args.get('kernel_size'));
        const stride = firstNum(m.args.get('stride')) ?? 1;
        const pad = firstNum(m.args.get('padding')) ?? 0;
        const dil = firstNum(m.args.get('dilation')) ?? 1;
        const groups = a('groups') ?? 1;
        const bias = truthy(m.args.get('bias') ?? NONE) !== false;
        if (k === undefined) missing.push(whyUnknown(m.args.get('kernel_size')) ?? 'kernel_size');
        if (cin !== undefined && cout !== undefined && k !== undefined) parameters = (cout * cin * k) / groups + (bias ? cout : 0);
        const L = shape?.[shape.length - 1];
        const lout = L !== undefined && k !== undefined ? Math.floor((L + 2 * pad - dil * (k - 1) - 1) / stride + 1) : undefined;
        const outShape = shape ? [...shape.slice(0, -2), cout, lout] : undefined;
        if (shape && allKnown(shape) && outShape && allKnown(outShape) && cin !== undefined && k !== undefined) {
          const outN = numel(outShape);
          cost = { flops: (2 * outN * cin * k) / groups, memBytes: (numel(shape) + outN + parameters) * DTYPE_BYTES[dtype], parameters };
        }
        out = tensor(outShape, whyUnknown(x) ?? missing[0]);
        break;
      }
      case 'MultiheadAttention': {
        const E = need('embed_dim');
        const H = need('num_heads');
        const batchFirst = truthy(m.args.get('batch_first') ?? NONE) === true;
        const q = shape;
        const kv = knownShape(args[1]) ?? (q && allKnown(q) ? q : undefined);
        if (E !== undefined) parameters = 4 * E * E + 4 * E;
        if (q && allKnown(q) && kv && E !== undefined && H !== undefined) {
          const [B, L] = batchFirst ? [q[0]!, q[1]!] : [q[1]!, q[0]!];
          const S = batchFirst ? kv[1]! : kv[0]!;
          const proj = linearCost([B * L, E], E, true, dtype);
          const projKv = linearCost([B * S, E], E, true, dtype);
          const scores = matmulCost([B, H, L, E / H], [B, H, E / H, S], dtype);
          const soft = pointwiseCost([B, H, L, S], FLOPS_PER_ELEMENT.softmax, dtype);
          const ctx = matmulCost([B, H, L, S], [B, H, S, E / H], dtype);
          cost = {
            flops: 2 * proj.flops + 2 * projKv.flops + scores.flops + soft.flops + ctx.flops,
            memBytes: 2 * proj.memBytes + 2 * projKv.memBytes + scores.memBytes + soft.memBytes + ctx.memBytes,
            parameters,
          };
          out = { t: 'seq', kind: 'tuple', items: [tensor(q), tensor([B, L, S])] };
        } else out = { t: 'seq', kind: 'tuple', items: [tensor(q, whyUnknown(x) ?? missing[0]), unknown('attention weights')] };
        break;
      }
      default: {
        if (act) {
          const s = shape && allKnown(shape) ? shape : undefined;
          if (s) cost = pointwiseCost(s, FLOPS_PER_ELEMENT[act], dtype);
          out = tensor(shape, whyUnknown(x));
          break;
        }
        this.incomplete(`${m.scope}: ${name} layers are not modelled; counted as 0 FLOPs`);
        out = tensor(shape, whyUnknown(x));
        cost = { flops: 0, memBytes: 0, parameters: 0 };
      }
    }
    if (parentFrame?.fold) {
      if (cost) addCost(parentFrame.fold, cost);
      return out;
    }
    const node = this.nodeOf(m, parentFrame?.node);
    node.type = 'ml';
    node.kind = primitiveKindOf(name);
    node.calls++;
    node.parameters = parameters;
    if (node.inputShapes.length === 0) {
      const s = shape && allKnown(shape) && name !== 'Conv1d' && name !== 'Embedding' ? shape : knownShape(x);
      if (s) node.inputShapes = [s];
    }
    if (cost) {
      node.flops = cost.flops;
      node.memBytes = cost.memBytes;
    } else {
      const why = missing[0] ?? whyUnknown(x) ?? 'input shape';
      this.markUnresolved(node, why);
    }
    return out;
  }

  /** Width of the root input, learnt from the first layer that consumed it (features; 0: it is token ids), when it was not given. */
  inferredInputWidth: number | undefined;

  private noteInferredWidth(x: Value, width: number): void {
    if (this.inferredInputWidth === undefined && x.t === 'tensor' && x.why?.startsWith(ROOT_WIDTH)) this.inferredInputWidth = width;
  }

  // ---------------------------------------------------------------- functional ops

  /** Records a functional primitive in the current module (or folds it into a leaf). */
  private recordOp(op: string, inputs: Value[], cost: PrimitiveCost | undefined, range: SourceRange, why?: string): void {
    const frame = this.frames[this.frames.length - 1];
    if (!frame) return;
    if (frame.fold) {
      if (cost) addCost(frame.fold, cost);
      return;
    }
    const scope = `${frame.node.scope}.${op}.${frame.opIndex++}`;
    let node = this.nodes.get(scope);
    if (!node) {
      node = {
        scope,
        type: 'ml',
        instanceType: op,
        kind: primitiveKindOf(op),
        inputShapes: inputs.map(knownShape).filter((s): s is number[] => s !== undefined),
        dtype: this.opts.dtype,
        calls: 0,
        parameters: 0,
        flops: cost?.flops ?? 0,
        memBytes: cost?.memBytes ?? 0,
        children: [],
      };
      const src = this.sourceOf(range, this.currentFile);
      if (src) node.source = src;
      if (!cost) this.markUnresolved(node, why ?? 'input shapes');
      this.nodes.set(scope, node);
      frame.node.children.push(node);
    }
    node.calls++;
  }

  private currentFile: PythonAnalysis | undefined;

  private elementwise(op: string, inputs: Value[], range: SourceRange): Value {
    const shapes = inputs.map((v) => (v.t === 'tensor' ? v.shape : []));
    const allShapesKnown = shapes.every((s) => s !== undefined && allKnown(s));
    const outShape = shapes.every((s) => s !== undefined) ? broadcastDims(shapes as Dim[][]) : undefined;
    const int = inputs.every((v) => v.t !== 'tensor' || v.int === true);
    const cost = allShapesKnown ? elementwiseCost(shapes as number[][], this.opts.dtype) : undefined;
    const why = inputs.map(whyUnknown).find((w) => w !== undefined);
    if (!int) this.recordOp(op, inputs, cost, range, why);
    return tensor(outShape, why, int);
  }

  private pointwise(op: string, x: Value, perElement: number, range: SourceRange): Value {
    const s = knownShape(x);
    this.recordOp(op, [x], s ? pointwiseCost(s, perElement, this.opts.dtype) : undefined, range, whyUnknown(x));
    return tensor(x.t === 'tensor' ? x.shape : undefined, whyUnknown(x));
  }

  private matmul(a: Value, b: Value, range: SourceRange): Value {
    const sa = a.t === 'tensor' ? a.shape : undefined;
    const sb = b.t === 'tensor' ? b.shape : undefined;
    let out: Dim[] | undefined;
    if (sa && sb && sa.length >= 2 && sb.length >= 2) {
      out = [...broadcastDims([sa.slice(0, -2), sb.slice(0, -2)]), sa[sa.length - 2], sb[sb.length - 1]];
    } else if (sa && sb && sb.length === 2 && sa.length >= 1) out = [...sa.slice(0, -1), sb[1]];
    const ka = knownShape(a);
    const kb = knownShape(b);
    const cost = ka && kb && ka.length >= 2 && kb.length >= 2 ? matmulCost(ka, kb, this.opts.dtype) : undefined;
    const why = whyUnknown(a) ?? whyUnknown(b);
    this.recordOp('matmul', [a, b], cost, range, why);
    return tensor(out, why);
  }

  private sdpa(args: Value[], kw: Map<string, Value>, range: SourceRange): Value {
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
      const b = DTYPE_BYTES[this.opts.dtype];
      cost = {
        flops: 2 * scores * E + 2 * scores * Ev + FLOPS_PER_ELEMENT.softmax * scores,
        memBytes: (numel(sq) + numel(sk) + numel(sv) + batch * L * Ev) * b,
        parameters: 0,
      };
    }
    this.recordOp('scaled_dot_product_attention', [q, k, v], cost, range, why);
    const qs = q.t === 'tensor' ? q.shape : undefined;
    const vs = v.t === 'tensor' ? v.shape : undefined;
    return tensor(qs && vs ? [...qs.slice(0, -1), vs[vs.length - 1]] : undefined, why);
  }

  /** Calls a torch / F function by its normalised name. */
  private callFunctional(op: string, args: Value[], kw: Map<string, Value>, range: SourceRange): Value {
    const x = args[0] ?? kw.get('input') ?? NONE;
    switch (op) {
      case 'matmul':
        return this.matmul(x, args[1] ?? kw.get('other') ?? kw.get('mat2') ?? NONE, range);
      case 'scaled_dot_product_attention':
        return this.sdpa(args, kw, range);
      case 'softmax':
        return this.pointwise('softmax', x, FLOPS_PER_ELEMENT.softmax, range);
      case 'gelu':
      case 'silu':
      case 'relu':
      case 'tanh':
      case 'sigmoid':
        return this.pointwise(op, x, FLOPS_PER_ELEMENT[op], range);
      case 'layer_norm':
        return this.pointwise('layer_norm', x, FLOPS_PER_ELEMENT.layernorm, range);
      case 'rms_norm':
        return this.pointwise('rms_norm', x, FLOPS_PER_ELEMENT.rmsnorm, range);
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
        return this.elementwise(op, [x, args[1] ?? kw.get('other') ?? NONE], range);
      case 'neg':
      case 'pow':
      case 'sqrt':
      case 'rsqrt':
      case 'exp':
        return this.elementwise(op, [x], range);
      case 'where':
        return this.elementwise('where', args.slice(0, 3), range);
      case 'masked_fill':
        this.elementwise('masked_fill', [x], range);
        return tensor(x.t === 'tensor' ? x.shape : undefined, whyUnknown(x));
      case 'mean': {
        const shape = x.t === 'tensor' ? x.shape : undefined;
        const s = knownShape(x);
        this.recordOp('mean', [x], s ? elementwiseCost([s], this.opts.dtype) : undefined, range, whyUnknown(x));
        const dim = asNumber(args[1] ?? kw.get('dim'));
        const keep = truthy(args[2] ?? kw.get('keepdim') ?? { t: 'bool', v: false }) === true;
        if (!shape) return tensor(undefined, whyUnknown(x));
        if (dim === undefined) return tensor([]);
        const d = dim < 0 ? shape.length + dim : dim;
        return tensor(keep ? shape.map((v, i) => (i === d ? 1 : v)) : shape.filter((_, i) => i !== d), whyUnknown(x));
      }
      case 'cat': {
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
        this.recordOp('cat', list, out && allKnown(out) ? memoryCost(numel(out as number[]), this.opts.dtype) : undefined, range, why);
        return tensor(out, why);
      }
      case 'contiguous': {
        const s = knownShape(x);
        this.recordOp('contiguous', [x], s ? memoryCost(numel(s), this.opts.dtype) : undefined, range, whyUnknown(x));
        return x;
      }
      case 'einsum':
        return this.einsum(args, range);
      default:
        this.recordOp(op, args, undefined, range, `${op} is not modelled`);
        return tensor(undefined, `${op} result`);
    }
  }

  /**
   * torch.einsum("bhld,lrd->bhlr", a, b): output shape from the subscripts; FLOPs 2 x the product of every
   * index's size for two operands (one multiply-add per point of the joint index space), 1 x for one.
   */
  private einsum(args: Value[], range: SourceRange): Value {
    const eq = args[0];
    const operands = args.slice(1).length === 1 && args[1]?.t === 'seq' ? args[1].items : args.slice(1);
    const why = operands.map(whyUnknown).find((w) => w);
    if (eq?.t !== 'str' || eq.v.includes('.')) {
      this.recordOp('einsum', operands, undefined, range, eq?.t === 'str' ? 'einsum with ...' : 'einsum equation');
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
      const b = DTYPE_BYTES[this.opts.dtype];
      const outN = numel(out as number[]);
      const inN = operands.reduce((sum, v) => sum + numel(knownShape(v)!), 0);
      cost = { flops: (operands.length >= 2 ? 2 : 1) * points, memBytes: (inN + outN) * b, parameters: 0 };
    }
    this.recordOp('einsum', operands, cost, range, why ?? 'einsum operand shapes');
    return tensor(known ? out : undefined, why ?? (known ? undefined : 'einsum operand shapes'));
  }

  // ---------------------------------------------------------------- functions and statements

  /** Calls a Python function with positional and keyword arguments bound as Python does. */
  callFunction(f: PyFunction, file: PythonAnalysis, args: Value[], kwargs: Map<string, Value>, owner?: ClassRef): Value {
    throwIfAborted(this.opts.signal);
    if (this.depth >= MAX_DEPTH) {
      this.incomplete(`${f.name}: recursion too deep; stopped evaluating`);
      return unknown(`${f.name}(...)`);
    }
    const env = new Map<string, Value>();
    let i = 0;
    for (const p of f.params) {
      if (p.star === '*') {
        env.set(p.name, { t: 'seq', kind: 'tuple', items: args.slice(i) });
        i = args.length;
      } else if (p.star === '**') {
        const rest = new Map<string, Value>();
        for (const [k, v] of kwargs) if (!f.params.some((q) => q.name === k)) rest.set(k, v);
        env.set(p.name, { t: 'dict', map: rest });
      } else if (i < args.length) env.set(p.name, args[i++]!);
      else if (kwargs.has(p.name)) env.set(p.name, kwargs.get(p.name)!);
      else if (p.default) env.set(p.name, this.evalExpr(p.default, new Map(), file));
      else env.set(p.name, unknown(p.name));
    }
    const prevFile = this.currentFile;
    const prevSelf = this.currentSelf;
    const prevOwner = this.currentOwnerRef;
    this.currentFile = file;
    if (owner) {
      this.currentSelf = args[0];
      this.currentOwnerRef = owner;
    }
    this.depth++;
    try {
      const r = this.execBlock(f.body, env, file);
      return r ? r.value : NONE;
    } finally {
      this.depth--;
      this.currentFile = prevFile;
      this.currentSelf = prevSelf;
      this.currentOwnerRef = prevOwner;
    }
  }

  private execBlock(body: PyStmt[], env: Map<string, Value>, file: PythonAnalysis): ReturnSignal | undefined {
    for (const s of body) {
      const r = this.execStmt(s, env, file);
      if (r) return r;
    }
    return undefined;
  }

  private execStmt(s: PyStmt, env: Map<string, Value>, file: PythonAnalysis): ReturnSignal | undefined {
    if (++this.steps % 256 === 0) throwIfAborted(this.opts.signal);
    switch (s.k) {
      case 'assign': {
        const v = this.evalExpr(s.value, env, file);
        for (const t of s.targets) this.assign(t, v, env, file, s.range);
        return undefined;
      }
      case 'augassign': {
        const cur = this.evalExpr(s.target, env, file);
        const v = this.binary(s.op, cur, this.evalExpr(s.value, env, file), s.range);
        this.assign(s.target, v, env, file, s.range);
        return undefined;
      }
      case 'expr':
        this.evalExpr(s.value, env, file);
        return undefined;
      case 'return':
        return new ReturnSignal(s.value ? this.evalExpr(s.value, env, file) : NONE);
      case 'if': {
        for (const b of s.branches) {
          if (!b.test) return this.execBlock(b.body, env, file);
          const t = truthy(this.evalExpr(b.test, env, file));
          if (t === true) return this.execBlock(b.body, env, file);
          if (t === undefined) {
            const what = whyUnknown(this.evalExpr(b.test, env, file)) ?? sourceText(b.test);
            this.incomplete(`line ${s.range.start.line + 1}: condition "${sourceText(b.test)}" cannot be resolved (${what}); the code under it is not counted`);
            return undefined;
          }
        }
        return undefined;
      }
      case 'for': {
        const it = this.iterate(this.evalExpr(s.iter, env, file));
        if (!it) {
          this.incomplete(`line ${s.range.start.line + 1}: cannot resolve what "for ... in ${sourceText(s.iter)}" iterates over; the loop body is not counted`);
          return undefined;
        }
        for (const item of it) {
          this.assign(s.target, item, env, file, s.range);
          const r = this.execBlock(s.body, env, file);
          if (r) return r;
        }
        return undefined;
      }
      case 'with':
        return this.execBlock(s.body, env, file);
      default:
        return undefined;
    }
  }

  private iterate(v: Value): Value[] | undefined {
    if (v.t === 'seq') return v.items.slice(0, MAX_LOOP);
    if (v.t === 'module' && v.m.kind === 'container') return v.m.children.map(([, c]) => ({ t: 'module', m: c }) as Value);
    if (v.t === 'dict') return [...v.map.keys()].map((k) => ({ t: 'str', v: k }) as Value);
    if (v.t === 'str') return [...v.v].map((c) => ({ t: 'str', v: c }) as Value);
    return undefined;
  }

  private assign(target: PyExpr, v: Value, env: Map<string, Value>, file: PythonAnalysis, range: SourceRange): void {
    switch (target.k) {
      case 'name':
        env.set(target.id, v);
        return;
      case 'tuple':
      case 'list': {
        const items = this.iterate(v);
        const starIdx = target.items.findIndex((t) => t.k === 'starred');
        target.items.forEach((t, i) => {
          if (t.k === 'starred') {
            const rest = items ? items.slice(i, items.length - (target.items.length - 1 - i)) : [];
            this.assign(t.value, { t: 'seq', kind: 'list', items: rest }, env, file, range);
            return;
          }
          const idx = starIdx >= 0 && i > starIdx && items ? items.length - (target.items.length - i) : i;
          this.assign(t, items?.[idx] ?? (v.t === 'tensor' ? tensor(undefined, 'unpacked tensor') : unknown(sourceText(t))), env, file, range);
        });
        return;
      }
      case 'attr': {
        const obj = this.evalExpr(target.obj, env, file);
        if (obj.t === 'module') {
          const m = obj.m;
          if (v.t === 'module') {
            if (!v.m.range || v.m.range.start.line !== range.start.line) v.m.range = range;
            const existing = m.children.findIndex(([k]) => k === target.name);
            if (existing >= 0) m.children[existing] = [target.name, v.m];
            else m.children.push([target.name, v.m]);
          } else if (v.t === 'tensor' && v.param) {
            const s = knownShape(v);
            if (s) m.ownParameters += numel(s);
            else m.unresolved.push(whyUnknown(v) ?? 'parameter shape');
          }
          m.attrs.set(target.name, v);
        } else if (obj.t === 'obj') obj.attrs.set(target.name, v);
        return;
      }
      case 'sub': {
        const obj = this.evalExpr(target.obj, env, file);
        const key = target.items[0];
        if (obj.t === 'dict' && key?.k === 'index') {
          const k = this.evalExpr(key.value, env, file);
          if (k.t === 'str') obj.map.set(k.v, v);
        }
        return;
      }
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- expressions

  evalExpr(e: PyExpr, env: Map<string, Value>, file: PythonAnalysis): Value {
    switch (e.k) {
      case 'num':
        return num(e.value);
      case 'str':
        return { t: 'str', v: e.value };
      case 'bool':
        return { t: 'bool', v: e.value };
      case 'none':
        return NONE;
      case 'name':
        return this.lookup(e.id, env, file);
      case 'attr':
        return this.getAttr(this.evalExpr(e.obj, env, file), e.name, sourceText(e));
      case 'sub':
        return this.subscript(e, env, file);
      case 'call':
        return this.call(e, env, file);
      case 'bin': {
        if (e.op === 'and' || e.op === 'or') {
          const l = this.evalExpr(e.left, env, file);
          const t = truthy(l);
          if (t === undefined) return l.t === 'unknown' ? l : unknown(sourceText(e.left));
          if (e.op === 'and') return t ? this.evalExpr(e.right, env, file) : l;
          return t ? l : this.evalExpr(e.right, env, file);
        }
        return this.binary(e.op, this.evalExpr(e.left, env, file), this.evalExpr(e.right, env, file), e.range, e);
      }
      case 'unary': {
        const v = this.evalExpr(e.operand, env, file);
        if (e.op === 'not') {
          const t = truthy(v);
          return t === undefined ? unknown(whyUnknown(v) ?? sourceText(e.operand)) : { t: 'bool', v: !t };
        }
        if (e.op === '-') {
          if (v.t === 'num') return num(-v.v);
          if (v.t === 'tensor') return this.elementwise('neg', [v], e.range);
          return unknown(whyUnknown(v) ?? sourceText(e));
        }
        if (e.op === '+') return v;
        return unknown(sourceText(e));
      }
      case 'tuple':
      case 'list': {
        const items: Value[] = [];
        for (const it of e.items) {
          if (it.k === 'starred') {
            const inner = this.iterate(this.evalExpr(it.value, env, file));
            if (inner) items.push(...inner);
            else items.push(unknown(sourceText(it.value)));
          } else items.push(this.evalExpr(it, env, file));
        }
        return { t: 'seq', kind: e.k, items };
      }
      case 'dict': {
        const map = new Map<string, Value>();
        for (const en of e.entries) {
          const v = this.evalExpr(en.value, env, file);
          if (!en.key) {
            if (v.t === 'dict') for (const [k, x] of v.map) map.set(k, x);
            else if (v.t === 'obj') for (const [k, x] of v.attrs) map.set(k, x);
            continue;
          }
          const k = this.evalExpr(en.key, env, file);
          if (k.t === 'str' || k.t === 'num') map.set(String(k.v), v);
        }
        return { t: 'dict', map };
      }
      case 'comp': {
        const iter = this.evalExpr(e.iter, env, file);
        const items = this.iterate(iter);
        if (!items) {
          // Build one item so its layers are visible, and say that the count is unknown.
          const why = whyUnknown(iter) ?? sourceText(e.iter);
          const local = new Map(env);
          this.assign(e.target, unknown(sourceText(e.target)), local, file, e.range);
          const one = this.evalExpr(e.elt, local, file);
          if (one.t === 'module') one.m.unresolved.push(`number of repeats (${why})`);
          this.incomplete(`line ${e.range.start.line + 1}: cannot resolve how many items "${sourceText(e.iter)}" makes (${why}); one item is shown and the total is incomplete`);
          return { t: 'seq', kind: 'list', items: [one] };
        }
        const out: Value[] = [];
        for (const item of items) {
          const local = new Map(env);
          this.assign(e.target, item, local, file, e.range);
          let keep: boolean | undefined = true;
          if (e.cond) {
            keep = truthy(this.evalExpr(e.cond, local, file));
            if (keep === false) continue;
          }
          const v = this.evalExpr(e.elt, local, file);
          if (keep === undefined && e.cond) {
            // Kept, but flagged: whether it exists is not known.
            if (v.t === 'module') v.m.unresolved.push(`filter ${sourceText(e.cond)}`);
            this.incomplete(`line ${e.range.start.line + 1}: cannot resolve the filter "${sourceText(e.cond)}"; the items it may drop are kept and flagged`);
          }
          out.push(v);
        }
        return { t: 'seq', kind: 'list', items: out };
      }
      case 'cond': {
        const t = truthy(this.evalExpr(e.test, env, file));
        if (t === true) return this.evalExpr(e.then, env, file);
        if (t === false) return this.evalExpr(e.orelse, env, file);
        return unknown(sourceText(e.test));
      }
      case 'starred':
        return this.evalExpr(e.value, env, file);
      default:
        return unknown(e.k === 'unknown' ? e.text : sourceText(e));
    }
  }

  private lookup(id: string, env: Map<string, Value>, file: PythonAnalysis): Value {
    const local = env.get(id);
    if (local) return local;
    if (file.constants[id]) {
      const key = `${file.fileName ?? ''}::${id}`;
      const cached = this.constCache.get(key);
      if (cached) return cached;
      this.constCache.set(key, unknown(id)); // cycle guard
      const v = this.evalExpr(file.constants[id], new Map(), file);
      this.constCache.set(key, v);
      return v;
    }
    const cls = file.classes.find((c) => c.name === id);
    if (cls) return { t: 'class', ref: { cls, analysis: file } };
    if (file.functions[id]) return { t: 'func', f: file.functions[id], file };
    if (file.imports[id]) {
      const path = file.imports[id];
      const ext = this.classes.get(path.split('.').pop()!);
      if (ext) return { t: 'class', ref: ext };
      return { t: 'ref', path };
    }
    const ext = this.classes.get(id);
    if (ext) return { t: 'class', ref: ext };
    if (BUILTIN_NAMES.has(id)) return { t: 'ref', path: `builtins.${id}` };
    if (id === 'torch' || id === 'math' || id === 'nn' || id === 'F') return { t: 'ref', path: fullName(id, {}) };
    return unknown(id);
  }

  private getAttr(obj: Value, name: string, text: string): Value {
    switch (obj.t) {
      case 'obj':
        return obj.attrs.get(name) ?? unknown(text);
      case 'dict':
        return obj.map.get(name) ?? unknown(text);
      case 'ref':
        return { t: 'ref', path: `${obj.path}.${name}` };
      case 'class': {
        const f = obj.ref.cls.methods[name];
        if (f) return { t: 'func', f, file: obj.ref.analysis, owner: obj.ref };
        return this.classField(obj.ref, name) ?? unknown(text);
      }
      case 'module': {
        const m = obj.m;
        const attr = m.attrs.get(name);
        if (attr) return attr;
        const child = m.children.find(([k]) => k === name);
        if (child) return { t: 'module', m: child[1] };
        if (m.kind === 'layer') return this.layerAttr(m, name, text);
        if ((m.kind === 'container' && ['append', 'extend', 'insert'].includes(name)) || name === 'add_module' || name === 'register_module' || name === 'register_buffer' || name === 'register_parameter') {
          return { t: 'func', f: TENSOR_METHOD, file: this.analysis, self: obj, owner: { cls: tensorMethodClass(name), analysis: this.analysis } };
        }
        if (name === 'training') return { t: 'bool', v: false };
        if (m.cls) {
          const method = this.findMethod(m.cls, name);
          if (method) return { t: 'func', f: method.f, file: method.owner.analysis, self: obj, owner: method.owner };
          const field = this.classField(m.cls, name);
          if (field) return field;
          if (PRETRAINED_HELPERS.has(name)) return { t: 'func', f: TENSOR_METHOD, file: this.analysis, self: obj, owner: { cls: tensorMethodClass(name), analysis: this.analysis } };
        }
        return unknown(text);
      }
      case 'tensor':
        if (name === 'shape') return obj.shape ? { t: 'seq', kind: 'tuple', items: obj.shape.map((d) => (d === undefined ? unknown(obj.why ?? text) : num(d))) } : unknown(obj.why ?? text);
        if (name === 'T' || name === 'mT') return tensor(obj.shape ? [...obj.shape.slice(0, -2), ...obj.shape.slice(-2).reverse()] : undefined, obj.why);
        if (name === 'ndim') return obj.shape ? num(obj.shape.length) : unknown(text);
        if (name === 'dtype' || name === 'device') return { t: 'ref', path: `tensor.${name}` };
        return { t: 'func', f: TENSOR_METHOD, file: this.analysis, self: obj, owner: { cls: tensorMethodClass(name), analysis: this.analysis } };
      case 'super':
        return { t: 'func', f: SUPER_METHOD, file: this.analysis, self: obj, owner: { cls: tensorMethodClass(name), analysis: this.analysis } };
      case 'seq':
      case 'str':
        return { t: 'func', f: TENSOR_METHOD, file: this.analysis, self: obj, owner: { cls: tensorMethodClass(name), analysis: this.analysis } };
      case 'unknown':
        return unknown(obj.why.includes('(') ? obj.why : `${obj.why}.${name}`.startsWith(text) ? text : obj.why);
      default:
        return unknown(text);
    }
  }

  private layerAttr(m: ModuleInst, name: string, text: string): Value {
    const n = (k: string): Value => m.args.get(k) ?? unknown(text);
    if (name === 'weight') {
      if (m.className === 'Linear') return { t: 'tensor', shape: [asNumber(n('out_features')), asNumber(n('in_features'))], param: true };
      if (m.className === 'Embedding') return { t: 'tensor', shape: [asNumber(n('num_embeddings')), asNumber(n('embedding_dim'))], param: true };
    }
    if (m.args.has(name)) return m.args.get(name)!;
    const aliases: Record<string, string> = { embed_dim: 'embed_dim', num_heads: 'num_heads', nf: 'nf' };
    return aliases[name] ? n(aliases[name]) : unknown(text);
  }

  private subscript(e: Extract<PyExpr, { k: 'sub' }>, env: Map<string, Value>, file: PythonAnalysis): Value {
    const objExpr = e.obj;
    const d = dottedName(objExpr);
    if (d && /^(ACT2FN|ACT2CLS)$/.test(d.split('.').pop()!) && e.items[0]?.k === 'index') {
      const key = this.evalExpr(e.items[0].value, env, file);
      return this.activationModule(key, e.range, file);
    }
    const obj = this.evalExpr(objExpr, env, file);
    const items = e.items;
    if (obj.t === 'tensor') return this.indexTensor(obj, items.map((it) => this.subItem(it, env, file)));
    const first = items[0];
    if (!first) return unknown(sourceText(e));
    const it = this.subItem(first, env, file);
    if (obj.t === 'seq') {
      if (it.k === 'index') {
        const i = asNumber(it.v);
        if (i === undefined) return unknown(whyUnknown(it.v) ?? sourceText(e));
        return obj.items[i < 0 ? obj.items.length + i : i] ?? unknown(sourceText(e));
      }
      if (it.k === 'slice') {
        const n = obj.items.length;
        const norm = (x: number | undefined, def: number): number => (x === undefined ? def : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
        return { t: 'seq', kind: obj.kind, items: obj.items.slice(norm(it.lower, 0), norm(it.upper, n)) };
      }
    }
    if (obj.t === 'obj' && it.k === 'index' && it.v.t === 'num') {
      const values = [...obj.attrs.values()];
      return values[it.v.v < 0 ? values.length + it.v.v : it.v.v] ?? unknown(sourceText(e));
    }
    if ((obj.t === 'dict' || obj.t === 'obj') && it.k === 'index') {
      const k = it.v.t === 'str' || it.v.t === 'num' ? String(it.v.v) : undefined;
      const map = obj.t === 'dict' ? obj.map : obj.attrs;
      return (k !== undefined ? map.get(k) : undefined) ?? unknown(sourceText(e));
    }
    if (obj.t === 'module' && obj.m.kind === 'container' && it.k === 'slice') {
      // self.layers[: config.num_hidden_layers]
      if (it.unknownBound) return unknown(sourceText(e));
      const n = obj.m.children.length;
      const norm = (x: number | undefined, def: number): number => (x === undefined ? def : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
      const picked = obj.m.children.slice(norm(it.lower, 0), norm(it.upper, n)).filter((_, i) => i % (it.step ?? 1) === 0);
      return { t: 'seq', kind: 'list', items: picked.map(([, c]) => ({ t: 'module', m: c }) as Value) };
    }
    if (obj.t === 'module' && obj.m.kind === 'container' && it.k === 'index') {
      const k = it.v.t === 'num' ? String(it.v.v < 0 ? obj.m.children.length + it.v.v : it.v.v) : it.v.t === 'str' ? it.v.v : undefined;
      const child = obj.m.children.find(([key]) => key === k);
      return child ? { t: 'module', m: child[1] } : unknown(sourceText(e));
    }
    return obj.t === 'unknown' ? obj : unknown(sourceText(e));
  }

  private subItem(it: Extract<PyExpr, { k: 'sub' }>['items'][number], env: Map<string, Value>, file: PythonAnalysis): SubItem {
    if (it.k === 'ellipsis') return { k: 'ellipsis' };
    if (it.k === 'index') {
      const v = this.evalExpr(it.value, env, file);
      return { k: 'index', v };
    }
    const n = (x: PyExpr | undefined): number | undefined => (x ? asNumber(this.evalExpr(x, env, file)) : undefined);
    const lowerV = it.lower ? this.evalExpr(it.lower, env, file) : undefined;
    const upperV = it.upper ? this.evalExpr(it.upper, env, file) : undefined;
    return {
      k: 'slice',
      lower: asNumber(lowerV),
      upper: asNumber(upperV),
      step: n(it.step),
      unknownBound: (lowerV && asNumber(lowerV) === undefined && lowerV.t !== 'none') || (upperV && asNumber(upperV) === undefined && upperV.t !== 'none') ? true : false,
    };
  }

  /** Shape of `x[...]` for basic indexing (ints, slices, None, ...). */
  private indexTensor(x: Extract<Value, { t: 'tensor' }>, items: SubItem[]): Value {
    if (!x.shape) return tensor(undefined, x.why);
    const shape = x.shape;
    const out: Dim[] = [];
    let dim = 0;
    const consumed = items.filter((i) => i.k !== 'ellipsis' && !(i.k === 'index' && i.v.t === 'none')).length;
    for (const it of items) {
      if (it.k === 'ellipsis') {
        const skip = shape.length - consumed;
        for (let i = 0; i < skip; i++) out.push(shape[dim++]);
      } else if (it.k === 'index') {
        if (it.v.t === 'none') out.push(1);
        else if (it.v.t === 'seq') {
          // x[:, [-1], :] keeps the dimension with the list's length.
          out.push(it.v.items.length);
          dim++;
        } else if (it.v.t === 'tensor') {
          // Advanced indexing: keep it simple, the result has the index's shape plus the rest.
          out.push(...(it.v.shape ?? [undefined]));
          dim++;
        } else dim++;
      } else {
        const size = shape[dim++];
        if (it.unknownBound) out.push(undefined);
        else if (size === undefined) out.push(undefined);
        else {
          const norm = (v: number | undefined, def: number): number => (v === undefined ? def : v < 0 ? Math.max(0, size + v) : Math.min(size, v));
          const len = Math.max(0, norm(it.upper, size) - norm(it.lower, 0));
          out.push(Math.ceil(len / (it.step ?? 1)));
        }
      }
    }
    while (dim < shape.length) out.push(shape[dim++]);
    return tensor(out, x.why, x.int);
  }

  private activationModule(key: Value, range: SourceRange, file: PythonAnalysis): Value {
    if (key.t !== 'str') {
      return { t: 'module', m: { className: 'activation', kind: 'layer', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [whyUnknown(key) ?? 'activation name'], ownParameters: 0 } };
    }
    const cls = ACT2FN_CLASSES[key.v];
    if (!cls) this.incomplete(`activation "${key.v}" is not modelled; counted as 0 FLOPs`);
    return { t: 'module', m: { className: cls ?? key.v, kind: 'layer', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [], ownParameters: 0 } };
  }

  private binary(op: string, l: Value, r: Value, range: SourceRange, e?: PyExpr): Value {
    const text = e ? sourceText(e) : op;
    if ((op === 'is' || op === 'is not') && (l.t === 'tensor' || r.t === 'tensor')) {
      // A tensor is never None (nor identical to another value here).
      return { t: 'bool', v: op === 'is not' };
    }
    if (l.t === 'tensor' || r.t === 'tensor') {
      if (op === '@') return this.matmul(l, r, range);
      const name = BINARY_OPS[op];
      if (name) return this.elementwise(name, [l, r], range);
      if (['==', '!=', '<', '>', '<=', '>='].includes(op)) return tensor(l.t === 'tensor' ? l.shape : r.t === 'tensor' ? r.shape : undefined);
      return unknown(text);
    }
    const a = asNumber(l);
    const b = asNumber(r);
    switch (op) {
      case 'is':
        return l.t === 'unknown' || r.t === 'unknown' ? unknown(whyUnknown(l) ?? whyUnknown(r)!) : { t: 'bool', v: sameIdentity(l, r) };
      case 'is not':
        return l.t === 'unknown' || r.t === 'unknown' ? unknown(whyUnknown(l) ?? whyUnknown(r)!) : { t: 'bool', v: !sameIdentity(l, r) };
      case '==':
      case '!=': {
        if (l.t === 'unknown' || r.t === 'unknown') return unknown(whyUnknown(l) ?? whyUnknown(r)!);
        const eq = (a !== undefined && b !== undefined && a === b) || ((l.t === 'str' && r.t === 'str' && l.v === r.v) || (l.t === 'none' && r.t === 'none'));
        return { t: 'bool', v: op === '==' ? eq : !eq };
      }
      case 'in':
      case 'not in': {
        let found: boolean | undefined;
        if (r.t === 'seq') found = r.items.some((x) => (x.t === 'str' && l.t === 'str' && x.v === l.v) || (asNumber(x) !== undefined && asNumber(x) === a));
        else if (r.t === 'dict' && l.t === 'str') found = r.map.has(l.v);
        else if (r.t === 'obj' && l.t === 'str') found = r.attrs.has(l.v);
        else if (r.t === 'str' && l.t === 'str') found = r.v.includes(l.v);
        if (found === undefined) return unknown(whyUnknown(l) ?? whyUnknown(r) ?? text);
        return { t: 'bool', v: op === 'in' ? found : !found };
      }
      default:
        break;
    }
    if (op === '+' && l.t === 'seq' && r.t === 'seq') return { t: 'seq', kind: l.kind, items: [...l.items, ...r.items] };
    if (op === '+' && l.t === 'str' && r.t === 'str') return { t: 'str', v: l.v + r.v };
    if (op === '*' && l.t === 'seq' && b !== undefined) return { t: 'seq', kind: l.kind, items: Array.from({ length: b }, () => l.items).flat() };
    if (a === undefined || b === undefined) return unknown(whyUnknown(l) ?? whyUnknown(r) ?? text);
    switch (op) {
      case '+':
        return num(a + b);
      case '-':
        return num(a - b);
      case '*':
        return num(a * b);
      case '/':
        return num(a / b);
      case '//':
        return num(Math.floor(a / b));
      case '%':
        return num(a - b * Math.floor(a / b));
      case '**':
        return num(a ** b);
      case '<':
        return { t: 'bool', v: a < b };
      case '>':
        return { t: 'bool', v: a > b };
      case '<=':
        return { t: 'bool', v: a <= b };
      case '>=':
        return { t: 'bool', v: a >= b };
      case '<<':
        return num(a * 2 ** b);
      case '>>':
        return num(Math.floor(a / 2 ** b));
      default:
        return unknown(text);
    }
  }

  // ---------------------------------------------------------------- calls

  private evalArgs(args: PyArg[], env: Map<string, Value>, file: PythonAnalysis): { pos: Value[]; kw: Map<string, Value> } {
    const pos: Value[] = [];
    const kw = new Map<string, Value>();
    for (const a of args) {
      const v = this.evalExpr(a.value, env, file);
      if (a.star === '*') {
        const items = this.iterate(v);
        if (items) pos.push(...items);
        else pos.push(v);
      } else if (a.star === '**') {
        if (v.t === 'dict') for (const [k, x] of v.map) kw.set(k, x);
        else if (v.t === 'obj') for (const [k, x] of v.attrs) kw.set(k, x);
      } else if (a.name) kw.set(a.name, v);
      else pos.push(v);
    }
    return { pos, kw };
  }

  private call(e: Extract<PyExpr, { k: 'call' }>, env: Map<string, Value>, file: PythonAnalysis): Value {
    const fn = this.evalExpr(e.fn, env, file);
    const { pos, kw } = this.evalArgs(e.args, env, file);
    return this.apply(fn, pos, kw, e, file);
  }

  private apply(fn: Value, pos: Value[], kw: Map<string, Value>, e: Extract<PyExpr, { k: 'call' }>, file: PythonAnalysis): Value {
    const range = e.range;
    switch (fn.t) {
      case 'module':
        return this.callModule(fn.m, pos, kw, range);
      case 'class': {
        const ref = fn.ref;
        if (ref.cls.isModel) return { t: 'module', m: this.instantiate(ref, pos, kw, range) };
        return this.instantiateObject(ref, pos, kw);
      }
      case 'func': {
        if (fn.f === TENSOR_METHOD) return this.method(fn.self!, fn.owner!.cls.name, pos, kw, range);
        if (fn.f === SUPER_METHOD) return this.superCall(fn.self!, fn.owner!.cls.name, pos, kw);
        return this.callFunction(fn.f, fn.file, fn.self ? [fn.self, ...pos] : pos, kw, fn.owner);
      }
      case 'ref':
        return this.callRef(fn.path, pos, kw, e, file);
      case 'unknown':
        return unknown(fn.why);
      default:
        return unknown(sourceText(e));
    }
  }

  /** A non-model class call: a dataclass or plain config class becomes an object with its fields and arguments. */
  private instantiateObject(ref: ClassRef, pos: Value[], kw: Map<string, Value>): Value {
    const attrs = new Map<string, Value>();
    const chain: ClassRef[] = [];
    for (let r: ClassRef | undefined = ref, g = 0; r && g < 16; g++) {
      chain.unshift(r);
      r = r.cls.bases.map((b) => this.classes.get(b.split('.').pop()!)).find((b) => b && b.cls !== r!.cls);
    }
    for (const r of chain) for (const f of r.cls.fields) if (f.value) attrs.set(f.name, this.evalExpr(f.value, new Map(), r.analysis));
    const obj: Value = { t: 'obj', name: ref.cls.name, attrs };
    const init = this.findMethod(ref, '__init__');
    if (init) {
      this.callFunction(init.f, init.owner.analysis, [obj, ...pos], kw, init.owner);
    } else {
      // dataclass: fields bind positionally in order, then by keyword
      const fields = chain.flatMap((r) => r.cls.fields.filter((f) => f.annotation !== undefined || f.value !== undefined));
      pos.forEach((v, i) => {
        const f = fields[i];
        if (f) attrs.set(f.name, v);
      });
      for (const [k, v] of kw) attrs.set(k, v);
    }
    return obj;
  }

  private superCall(self: Value, method: string, pos: Value[], kw: Map<string, Value>): Value {
    if (self.t !== 'super') return NONE;
    const found = this.findMethod(self.owner, method, true);
    if (!found) return NONE; // nn.Module.__init__ and friends
    return this.callFunction(found.f, found.owner.analysis, [self.self, ...pos], kw, found.owner);
  }

  private callRef(path: string, pos: Value[], kw: Map<string, Value>, e: Extract<PyExpr, { k: 'call' }>, file: PythonAnalysis): Value {
    const range = e.range;
    if (path.startsWith('builtins.')) return this.builtin(path.slice(9), pos, kw, e, file);
    const last = path.split('.').pop()!;
    if (path.startsWith('math.')) {
      const f = (Math as unknown as Record<string, unknown>)[last];
      const args = pos.map(asNumber);
      if (typeof f === 'function' && args.every((a) => a !== undefined)) return num((f as (...a: number[]) => number)(...(args as number[])));
      if (last === 'pi') return num(Math.PI);
      return unknown(whyUnknown(pos.find((p) => asNumber(p) === undefined)) ?? sourceText(e));
    }
    const c = classifyCallee(path, file.imports);
    if (c.category === 'layer') {
      const m = this.makeLayer(c.name, pos, kw, range, file);
      return { t: 'module', m };
    }
    if (c.category === 'container') {
      const arg = pos[0];
      let items: [string, Value][] = [];
      if (c.name === 'Sequential') items = pos.map((v, i) => [String(i), v]);
      else if (c.name === 'ModuleDict' && arg?.t === 'dict') items = [...arg.map.entries()];
      else if (arg && arg.t === 'seq') items = arg.items.map((v, i) => [String(i), v]);
      else if (arg && arg.t === 'unknown') items = [['0', arg]];
      return { t: 'module', m: this.makeContainer(c.name, items, range, file) };
    }
    if (c.category === 'activation') return this.activationModule(pos[0] ?? NONE, range, file);
    if (c.category === 'functional') return this.callFunctional(c.name, pos, kw, range);
    if (last === 'Parameter' || last === 'Buffer') {
      const t = pos[0] ?? kw.get('data');
      return t?.t === 'tensor' ? { ...t, param: last === 'Parameter' } : { t: 'tensor', shape: undefined, param: last === 'Parameter', why: whyUnknown(t) ?? 'parameter' };
    }
    if (path.startsWith('torch.')) return this.torchFunction(last, pos, kw, e);
    if (last === 'apply_chunking_to_forward') {
      // transformers: apply_chunking_to_forward(fn, chunk_size, dim, *inputs) computes fn(*inputs) (in chunks: same work).
      const fn = pos[0];
      return fn ? this.apply(fn, pos.slice(3), new Map(), e, file) : unknown(sourceText(e));
    }
    if (/Output(WithPast|WithPooling|WithCrossAttentions|WithPastAndCrossAttentions|WithPoolingAndCrossAttentions)*$/.test(last) || path.includes('modeling_outputs')) {
      // transformers' ModelOutput: attributes by name, and [i] = i-th attribute that is not None.
      return { t: 'obj', name: last, attrs: new Map([...kw].filter(([, v]) => v.t !== 'none')) };
    }
    return unknown(`${sourceText(e.fn)}(...)`);
  }

  private torchFunction(name: string, pos: Value[], kw: Map<string, Value>, e: Extract<PyExpr, { k: 'call' }>): Value {
    const shapeArgs = (): Dim[] | undefined => {
      const first = pos[0] ?? kw.get('size');
      const items = first?.t === 'seq' ? first.items : pos.filter((p) => p.t === 'num' || p.t === 'unknown');
      return items.map(asNumber);
    };
    const why = (): string | undefined => pos.map(whyUnknown).find((w) => w);
    switch (name) {
      case 'ones':
      case 'zeros':
      case 'empty':
      case 'randn':
      case 'rand':
      case 'full': {
        const s = name === 'full' ? (pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : undefined) : shapeArgs();
        return tensor(s, why() ?? sourceText(e));
      }
      case 'ones_like':
      case 'zeros_like':
      case 'empty_like':
      case 'full_like':
      case 'tril':
      case 'triu':
      case 'sin':
      case 'cos':
      case 'clone':
      case 'abs':
        return pos[0]?.t === 'tensor' ? tensor(pos[0].shape, pos[0].why, pos[0].int) : tensor(undefined, sourceText(e));
      case 'arange': {
        const nums = pos.map(asNumber);
        if (nums.some((n) => n === undefined)) return tensor([undefined], why() ?? sourceText(e), true);
        const [a, b, s] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
        return tensor([Math.max(0, Math.ceil((b - a) / s))], undefined, true);
      }
      case 'outer': {
        const a = pos[0]?.t === 'tensor' ? pos[0].shape?.[0] : undefined;
        const b = pos[1]?.t === 'tensor' ? pos[1].shape?.[0] : undefined;
        return tensor([a, b], why());
      }
      case 'stack': {
        const list = pos[0]?.t === 'seq' ? pos[0].items : [];
        const s = list[0]?.t === 'tensor' ? list[0].shape : undefined;
        const dim = asNumber(pos[1] ?? kw.get('dim')) ?? 0;
        if (!s) return tensor(undefined, why());
        const out = s.slice();
        out.splice(dim < 0 ? s.length + 1 + dim : dim, 0, list.length);
        return tensor(out, why());
      }
      case 'tensor':
        return tensor([], undefined);
      case 'dropout':
      case 'dropout1d':
      case 'dropout2d':
      case 'alpha_dropout':
      case 'feature_alpha_dropout':
        // Identity at inference (eval mode), as nn.Dropout.
        return pos[0] ?? kw.get('input') ?? NONE;
      case 'linear': {
        const x = pos[0] ?? kw.get('input') ?? NONE;
        const w = pos[1] ?? kw.get('weight') ?? NONE;
        const xs = x.t === 'tensor' ? x.shape : undefined;
        const ws = w.t === 'tensor' ? w.shape : undefined;
        const out = xs && ws && ws.length === 2 ? [...xs.slice(0, -1), ws[0]] : undefined;
        const kx = knownShape(x);
        const cost = kx && ws && ws[0] !== undefined ? linearCost(kx, ws[0], (pos[2] ?? kw.get('bias') ?? NONE).t === 'tensor', this.opts.dtype) : undefined;
        this.recordOp('linear', [x], cost && { ...cost, memBytes: cost.memBytes }, e.range, whyUnknown(x) ?? whyUnknown(w));
        return tensor(out, whyUnknown(x) ?? whyUnknown(w));
      }
      case 'finfo':
      case 'iinfo':
        return { t: 'obj', name: `torch.${name}`, attrs: new Map([['min', num(-3.4e38)], ['max', num(3.4e38)]]) };
      case 'no_grad':
      case 'autocast':
        return NONE;
      default:
        return unknown(`${sourceText(e.fn)}(...)`);
    }
  }

  private builtin(name: string, pos: Value[], kw: Map<string, Value>, e: Extract<PyExpr, { k: 'call' }>, file: PythonAnalysis): Value {
    const nums = pos.map(asNumber);
    const why = pos.map(whyUnknown).find((w) => w) ?? sourceText(e);
    switch (name) {
      case 'range': {
        if (nums.some((n) => n === undefined) || nums.length === 0) return unknown(why);
        const [a, b, s] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
        const items: Value[] = [];
        for (let i = a; s > 0 ? i < b : i > b; i += s) {
          items.push(num(i));
          if (items.length > MAX_LOOP) break;
        }
        return { t: 'seq', kind: 'list', items };
      }
      case 'len': {
        const v = pos[0];
        if (v?.t === 'seq') return num(v.items.length);
        if (v?.t === 'dict') return num(v.map.size);
        if (v?.t === 'str') return num(v.v.length);
        if (v?.t === 'module' && v.m.kind === 'container') return num(v.m.children.length);
        if (v?.t === 'tensor' && v.shape?.[0] !== undefined) return num(v.shape[0]);
        return unknown(why);
      }
      case 'int':
        return nums[0] !== undefined ? num(Math.trunc(nums[0])) : pos[0]?.t === 'str' && Number.isFinite(Number(pos[0].v)) ? num(Math.trunc(Number(pos[0].v))) : unknown(why);
      case 'float':
        return nums[0] !== undefined ? num(nums[0]) : pos[0]?.t === 'str' && Number.isFinite(Number(pos[0].v)) ? num(Number(pos[0].v)) : unknown(why);
      case 'abs':
        return nums[0] !== undefined ? num(Math.abs(nums[0])) : unknown(why);
      case 'round':
        return nums[0] !== undefined ? num(Math.round(nums[0])) : unknown(why);
      case 'min':
      case 'max': {
        const list = pos.length === 1 && pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : nums;
        if (list.length === 0 || list.some((n) => n === undefined)) return unknown(why);
        return num(name === 'min' ? Math.min(...(list as number[])) : Math.max(...(list as number[])));
      }
      case 'sum': {
        const list = pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : [];
        return list.every((n) => n !== undefined) ? num((list as number[]).reduce((s, x) => s + x, 0)) : unknown(why);
      }
      case 'bool': {
        const t = truthy(pos[0] ?? NONE);
        return t === undefined ? unknown(why) : { t: 'bool', v: t };
      }
      case 'str':
        return pos[0]?.t === 'str' ? pos[0] : nums[0] !== undefined ? { t: 'str', v: String(nums[0]) } : unknown(why);
      case 'enumerate': {
        const items = this.iterate(pos[0] ?? NONE);
        if (!items) return unknown(why);
        const start = asNumber(pos[1] ?? kw.get('start')) ?? 0;
        return { t: 'seq', kind: 'list', items: items.map((v, i) => ({ t: 'seq', kind: 'tuple', items: [num(i + start), v] }) as Value) };
      }
      case 'zip': {
        const lists = pos.map((p) => this.iterate(p));
        if (lists.some((l) => !l)) return unknown(why);
        const n = Math.min(...lists.map((l) => l!.length));
        return { t: 'seq', kind: 'list', items: Array.from({ length: n }, (_, i) => ({ t: 'seq', kind: 'tuple', items: lists.map((l) => l![i]!) }) as Value) };
      }
      case 'reversed': {
        const items = this.iterate(pos[0] ?? NONE);
        return items ? { t: 'seq', kind: 'list', items: items.slice().reverse() } : unknown(why);
      }
      case 'list':
      case 'tuple': {
        if (pos.length === 0) return { t: 'seq', kind: name, items: [] };
        const items = this.iterate(pos[0]!);
        return items ? { t: 'seq', kind: name, items } : unknown(why);
      }
      case 'dict': {
        const map = new Map<string, Value>();
        if (pos[0]?.t === 'dict') for (const [k, v] of pos[0].map) map.set(k, v);
        for (const [k, v] of kw) map.set(k, v);
        return { t: 'dict', map };
      }
      case 'getattr': {
        const obj = pos[0] ?? NONE;
        const key = pos[1];
        if (key?.t !== 'str') return unknown(why);
        const v = this.getAttr(obj, key.v, `${sourceText(e.args[0]!.value)}.${key.v}`);
        return v.t === 'unknown' && pos[2] ? pos[2] : v;
      }
      case 'hasattr': {
        const key = pos[1];
        if (key?.t !== 'str') return unknown(why);
        const v = this.getAttr(pos[0] ?? NONE, key.v, key.v);
        // Config objects, dicts and modules: every attribute they have is known once __init__ ran.
        if (pos[0]?.t === 'obj' || pos[0]?.t === 'dict' || pos[0]?.t === 'module') return { t: 'bool', v: v.t !== 'unknown' };
        return v.t === 'unknown' ? unknown(why) : { t: 'bool', v: true };
      }
      case 'isinstance': {
        const v = pos[0] ?? NONE;
        const types = pos[1]?.t === 'seq' ? pos[1].items : pos[1] ? [pos[1]] : [];
        if (v.t === 'unknown') return v;
        let result = false;
        for (const t of types) {
          const tn = t.t === 'ref' ? t.path.split('.').pop()! : t.t === 'class' ? t.ref.cls.name : undefined;
          if (tn === undefined) return unknown(why);
          const match =
            (tn === 'str' && v.t === 'str') ||
            (tn === 'bool' && v.t === 'bool') ||
            ((tn === 'int' || tn === 'float') && v.t === 'num' && (tn === 'float' || Number.isInteger(v.v))) ||
            (tn === 'list' && v.t === 'seq' && v.kind === 'list') ||
            (tn === 'tuple' && v.t === 'seq' && v.kind === 'tuple') ||
            (tn === 'dict' && v.t === 'dict') ||
            (tn === 'Tensor' && v.t === 'tensor') ||
            (v.t === 'module' && (v.m.className === tn || tn === 'Module'));
          if (match) result = true;
        }
        return { t: 'bool', v: result };
      }
      case 'super': {
        // super() inside a method: the class is in the environment of the caller; resolved by the method's owner.
        void file;
        const owner = this.currentOwnerRef;
        const self = this.currentSelf;
        return owner && self ? { t: 'super', self, owner } : NONE;
      }
      case 'print':
      case 'setattr':
        return NONE;
      default:
        return unknown(why);
    }
  }

  private currentSelf: Value | undefined;
  private currentOwnerRef: ClassRef | undefined;

  /** Methods of tensors, sequences, strings and dicts. */
  private method(self: Value, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value {
    if (self.t === 'seq') {
      if (name === 'append') {
        self.items.push(pos[0] ?? NONE);
        return NONE;
      }
      if (name === 'extend') {
        const items = this.iterate(pos[0] ?? NONE);
        if (items) self.items.push(...items);
        return NONE;
      }
      if (name === 'index' || name === 'count') return unknown(name);
      return unknown(name);
    }
    if (self.t === 'module') {
      const m = self.m;
      const add = (key: string, v: Value | undefined): void => {
        if (v?.t === 'module') {
          if (!v.m.range) v.m.range = range;
          m.children.push([key, v.m]);
        } else if (v?.t === 'unknown') m.unresolved.push(v.why);
      };
      if (name === 'append') add(String(m.children.length), pos[0]);
      else if (name === 'extend') for (const v of this.iterate(pos[0] ?? NONE) ?? []) add(String(m.children.length), v);
      else if (name === 'insert') add(String(m.children.length), pos[1]);
      else if ((name === 'add_module' || name === 'register_module') && pos[0]?.t === 'str') add(pos[0].v, pos[1]);
      else if (name === 'get_extended_attention_mask' || name === 'invert_attention_mask') {
        // PreTrainedModel helpers: a (batch, seq) mask becomes (batch, 1, 1, seq), added to the attention scores.
        const mask = pos[0];
        const sh = mask?.t === 'tensor' ? mask.shape : undefined;
        return tensor(sh && sh.length === 2 ? [sh[0], 1, 1, sh[1]] : sh, mask ? whyUnknown(mask) : 'attention mask');
      } else if (name === 'get_head_mask') {
        const n = asNumber(pos[1]);
        if (pos[0]?.t === 'none' && n !== undefined) return { t: 'seq', kind: 'list', items: Array.from({ length: n }, () => NONE) };
        return pos[0]?.t === 'none' ? NONE : unknown('head_mask');
      } else if ((name === 'register_buffer' || name === 'register_parameter') && pos[0]?.t === 'str' && pos[1]) {
        m.attrs.set(pos[0].v, pos[1]);
        if (name === 'register_parameter') {
          const shape = knownShape(pos[1]);
          if (shape) m.ownParameters += numel(shape);
        }
      }
      return NONE;
    }
    if (self.t === 'str') {
      if (name === 'lower') return { t: 'str', v: self.v.toLowerCase() };
      if (name === 'upper') return { t: 'str', v: self.v.toUpperCase() };
      return unknown(`str.${name}`);
    }
    if (self.t !== 'tensor') return unknown(name);
    const x = self;
    const shape = x.shape;
    const dimsFromArgs = (): Dim[] | undefined => {
      const first = pos[0];
      const items = pos.length === 1 && first?.t === 'seq' ? first.items : pos;
      if (items.some((v) => v.t !== 'num' && v.t !== 'unknown')) return undefined;
      return items.map(asNumber);
    };
    const dimIdx = (v: Value | undefined, rank: number): number | undefined => {
      const d = asNumber(v);
      return d === undefined ? undefined : d < 0 ? rank + d : d;
    };
    switch (name) {
      case 'view':
      case 'reshape': {
        const dims = dimsFromArgs();
        if (!dims) return tensor(undefined, x.why);
        const whyArg = pos.map(whyUnknown).find((w) => w);
        const total = shape && allKnown(shape) ? numel(shape as number[]) : undefined;
        const neg = dims.indexOf(-1);
        if (neg >= 0) {
          const rest = dims.filter((_, i) => i !== neg);
          dims[neg] = total !== undefined && allKnown(rest) ? total / numel(rest as number[]) : undefined;
        }
        return tensor(dims, whyArg ?? x.why, x.int);
      }
      case 'permute': {
        const order = dimsFromArgs();
        if (!shape || !order || order.some((o) => o === undefined)) return tensor(undefined, x.why);
        return tensor(order.map((o) => shape[o! < 0 ? shape.length + o! : o!]), x.why, x.int);
      }
      case 'transpose':
      case 'swapaxes': {
        if (!shape) return tensor(undefined, x.why);
        const a = dimIdx(pos[0], shape.length);
        const b = dimIdx(pos[1], shape.length);
        if (a === undefined || b === undefined) return tensor(undefined, x.why);
        const out = shape.slice();
        [out[a], out[b]] = [out[b], out[a]];
        return tensor(out, x.why, x.int);
      }
      case 't':
        return tensor(shape ? shape.slice().reverse() : undefined, x.why, x.int);
      case 'size': {
        if (!shape) return unknown(x.why ?? 'tensor shape');
        if (pos.length === 0 && !kw.has('dim')) return { t: 'seq', kind: 'tuple', items: shape.map((d) => (d === undefined ? unknown(x.why ?? 'tensor shape') : num(d))) };
        const d = dimIdx(pos[0] ?? kw.get('dim'), shape.length);
        const v = d === undefined ? undefined : shape[d];
        return v === undefined ? unknown(x.why ?? 'tensor shape') : num(v);
      }
      case 'dim':
        return shape ? num(shape.length) : unknown(x.why ?? 'tensor rank');
      case 'numel':
        return shape && allKnown(shape) ? num(numel(shape as number[])) : unknown(x.why ?? 'tensor shape');
      case 'unsqueeze': {
        if (!shape) return tensor(undefined, x.why);
        const d = dimIdx(pos[0], shape.length + 1);
        if (d === undefined) return tensor(undefined, x.why);
        const out = shape.slice();
        out.splice(d, 0, 1);
        return tensor(out, x.why, x.int);
      }
      case 'squeeze': {
        if (!shape) return tensor(undefined, x.why);
        const d = dimIdx(pos[0], shape.length);
        return tensor(d === undefined ? shape.filter((s) => s !== 1) : shape.filter((s, i) => i !== d || s !== 1), x.why, x.int);
      }
      case 'expand': {
        const dims = dimsFromArgs();
        if (!dims) return tensor(undefined, x.why);
        const off = dims.length - (shape?.length ?? 0);
        return tensor(dims.map((d, i) => (d === -1 ? shape?.[i - off] : d)), x.why, x.int);
      }
      case 'flatten': {
        if (!shape) return tensor(undefined, x.why);
        const s = dimIdx(pos[0] ?? kw.get('start_dim') ?? num(0), shape.length) ?? 0;
        const en = dimIdx(pos[1] ?? kw.get('end_dim') ?? num(-1), shape.length) ?? shape.length - 1;
        const mid = shape.slice(s, en + 1);
        return tensor([...shape.slice(0, s), allKnown(mid) ? numel(mid as number[]) : undefined, ...shape.slice(en + 1)], x.why, x.int);
      }
      case 'split':
      case 'chunk': {
        if (!shape) return unknown(x.why ?? 'tensor shape');
        const d = dimIdx(pos[1] ?? kw.get('dim') ?? num(name === 'split' ? 0 : 0), shape.length) ?? 0;
        const size = shape[d];
        const arg = pos[0] ?? kw.get('split_size_or_sections') ?? kw.get('chunks');
        if (arg?.t === 'seq') return { t: 'seq', kind: 'tuple', items: arg.items.map((s) => tensor(shape.map((v, i) => (i === d ? asNumber(s) : v)), x.why)) };
        const n = asNumber(arg);
        if (n === undefined || size === undefined) return unknown(whyUnknown(arg) ?? x.why ?? 'split size');
        const pieces = name === 'chunk' ? n : Math.ceil(size / n);
        const each = name === 'chunk' ? Math.ceil(size / n) : n;
        return { t: 'seq', kind: 'tuple', items: Array.from({ length: pieces }, () => tensor(shape.map((v, i) => (i === d ? each : v)), x.why)) };
      }
      case 'to':
      case 'float':
      case 'half':
      case 'bfloat16':
      case 'type':
      case 'type_as': {
        // A dtype conversion copies the tensor (the measured trees show it as `cast`); a device move does not count.
        const toDtype = name !== 'to' || pos.some((p) => p.t === 'ref' && /(float|half|bfloat16|dtype|int|long|bool)/.test(p.path)) || kw.has('dtype');
        if (toDtype && !x.int) {
          const s = knownShape(x);
          this.recordOp('cast', [x], s ? memoryCost(numel(s), this.opts.dtype) : undefined, range, x.why);
        }
        return tensor(shape, x.why, name === 'float' || name === 'half' || name === 'bfloat16' ? false : x.int);
      }
      case 'detach':
      case 'clone':
      case 'long':
      case 'int':
      case 'bool':
      case 'sin':
      case 'cos':
      case 'abs':
      case 'repeat_interleave':
      case 'triu':
      case 'tril':
      case 'masked_fill_':
      case 'cpu':
      case 'cuda':
        return tensor(shape, x.why, ['long', 'int', 'bool'].includes(name) ? true : x.int);
      case 'new_zeros':
      case 'new_ones':
      case 'new_empty':
        return tensor(dimsFromArgs(), x.why);
      case 'item':
        return unknown('tensor value');
      default: {
        const c = classifyCallee(`<tensor>.${name}`, {});
        if (c.category === 'functional') return this.callFunctional(c.name, [x, ...pos], kw, range);
        if (['gelu', 'silu'].includes(name)) return this.callFunctional(name, [x], kw, range);
        this.incomplete(`tensor method .${name}() is not modelled; its result's shape is unknown`);
        return tensor(undefined, `.${name}()`);
      }
    }
  }
}

// Sentinels: a tensor/sequence method or super() call bound to its receiver (owner.cls.name holds the method name).
const TENSOR_METHOD: PyFunction = { name: '<method>', params: [], body: [], range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } };
const SUPER_METHOD: PyFunction = { name: '<super>', params: [], body: [], range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } };

function tensorMethodClass(name: string): PythonClass {
  return { name, range: TENSOR_METHOD.range, nameRange: TENSOR_METHOD.range, bases: [], decorators: [], isModel: false, modelChain: [], fields: [], methods: {}, layers: [], functionalOps: [], unresolvedBases: [] };
}

type SubItem =
  | { k: 'index'; v: Value }
  | { k: 'slice'; lower: number | undefined; upper: number | undefined; step: number | undefined; unknownBound: boolean }
  | { k: 'ellipsis' };

function tensor(shape: Dim[] | undefined, why?: string, int?: boolean): Value {
  return { t: 'tensor', shape, ...(why && (!shape || shape.some((d) => d === undefined)) ? { why } : {}), ...(int ? { int } : {}) };
}

function allKnown(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => d !== undefined);
}

function broadcastDims(shapes: Dim[][]): Dim[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s.length - n + i;
      const v = j < 0 ? 1 : s[j];
      if (v === undefined) d = d === 1 ? undefined : d;
      else if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

function sumDims(ds: Dim[]): Dim {
  let s = 0;
  for (const d of ds) {
    if (d === undefined) return undefined;
    s += d;
  }
  return s;
}

function firstNum(v: Value | undefined): number | undefined {
  if (v?.t === 'seq') return asNumber(v.items[0]);
  return asNumber(v);
}

function addCost(into: PrimitiveCost, c: PrimitiveCost): void {
  into.flops += c.flops;
  into.memBytes += c.memBytes;
}

function sameIdentity(a: Value, b: Value): boolean {
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  return a === b;
}

function activationOf(className: string): 'gelu' | 'relu' | 'silu' | 'tanh' | 'sigmoid' {
  const lower = className.toLowerCase();
  if (lower.includes('silu') || lower.includes('swish')) return 'silu';
  if (lower.includes('relu')) return 'relu';
  if (lower.includes('tanh')) return 'tanh';
  if (lower.includes('sigmoid')) return 'sigmoid';
  return 'gelu';
}

function jsDefault(def: unknown): Value {
  if (def === undefined || def === null) return def === null ? NONE : unknown('argument');
  if (typeof def === 'number') return num(def);
  if (typeof def === 'boolean') return { t: 'bool', v: def };
  if (typeof def === 'string') return { t: 'str', v: def };
  return NONE;
}

