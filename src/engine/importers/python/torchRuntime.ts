/**
 * torch as the evaluator sees it: implements `TorchDispatch` over the
 * catalog tables (layers, functional ops, tensor methods, factories) and the
 * module recorder. Calling a layer runs its handler; calling a user module
 * runs its Python `forward` through the evaluator (`PythonRunner`).
 */
import { IreneError } from '../../errors.js';
import { numel, type PrimitiveCost } from '../../features/primitiveCost.js';
import type { Dtype, ModelNode } from '../../tree/modelNode.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import type { SourceRange } from './pyAst.js';
import type { PythonAnalysis } from './pythonAnalysisTypes.js';
import { BudgetExceeded } from './evalBudget.js';
import type { EvalDiagnostics } from './evalDiagnostics.js';
import { ModuleRecorder, addCost, finiteCost, type Frame } from './moduleRecorder.js';
import { NONE, ROOT_WIDTH, allKnown, asNumber, isSize, jsDefault, knownShape, num, tensor, unknown, whyUnknown, type Dim, type ModuleInst, type SubItem, type Value } from './pythonValue.js';
import { FUNCTIONAL_OPS, callFunctional, elementwise, matmul } from './torch/functionalOps.js';
import { indexTensor } from './torch/tensorIndexing.js';
import { callTensorMethod } from './torch/tensorMethods.js';
import { torchFactory } from './torch/torchFactories.js';
import { layerEntry, type LayerCall, type LayerContext } from './torch/torchLayers.js';
import { ACT2FN_CLASSES, IDENTITY_LAYERS, LAYER_SIGNATURES, classifyCallee } from './torchCatalog.js';
import type { CallSite, PythonRunner, TorchDispatch } from './torchDispatch.js';

type TensorValue = Extract<Value, { t: 'tensor' }>;

/** Python operators that are tensor primitives when applied to tensors. */
const OPERATOR_OPS: Readonly<Record<string, string>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '**': 'pow' };
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Methods nn.Module / PreTrainedModel provide that modelling files call on modules. */
const MODULE_METHODS = new Set(['append', 'extend', 'insert', 'add_module', 'register_module', 'register_buffer', 'register_parameter']);
const PRETRAINED_HELPERS = new Set(['get_extended_attention_mask', 'invert_attention_mask', 'get_head_mask', 'init_weights', 'post_init', 'tie_weights', 'gradient_checkpointing_enable', 'apply', 'eval', 'train', 'to', 'requires_grad_', 'parameters', 'named_parameters', 'modules', 'named_modules', 'children', 'named_children', 'buffers', 'named_buffers']);

/** The torch side of one evaluation. */
export class TorchRuntime implements TorchDispatch, LayerContext {
  readonly recorder: ModuleRecorder;
  /** Width of the root input, learnt from the first layer that consumed it (features; 0: it is token ids), when it was not given. */
  inferredInputWidth: number | undefined;
  private python!: PythonRunner;

  constructor(
    readonly dtype: Dtype,
    private readonly diagnostics: EvalDiagnostics,
    mainFile: PythonAnalysis,
    mainFileName: string,
  ) {
    this.recorder = new ModuleRecorder(dtype, mainFile, mainFileName);
  }

  /** Connects the evaluator that runs Python `forward` methods (set once, before any call). */
  connect(python: PythonRunner): void {
    this.python = python;
  }

  warn(message: string): void {
    this.diagnostics.warn(message);
  }

  incomplete(message: string): void {
    this.diagnostics.incomplete(message);
  }

  recordOp(op: string, inputs: Value[], cost: PrimitiveCost | undefined, range: SourceRange, why?: string): void {
    this.recorder.recordOp(op, inputs, cost, range, this.python.currentFile, why);
  }

  noteInferredWidth(x: Value, width: number): void {
    if (this.inferredInputWidth === undefined && x.t === 'tensor' && x.why?.startsWith(ROOT_WIDTH)) this.inferredInputWidth = width;
  }

  repeated<T>(count: number, work: () => T): T {
    this.recorder.callMultiplier *= count;
    try {
      return work();
    } finally {
      this.recorder.callMultiplier /= count;
    }
  }

  // ---------------------------------------------------------------- building modules

  /** A torch layer with its constructor arguments bound to the catalog's signature. */
  makeLayer(name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange, file: PythonAnalysis): ModuleInst {
    const sig = Object.hasOwn(LAYER_SIGNATURES, name) ? LAYER_SIGNATURES[name]! : [];
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

  /** ModuleList / Sequential / ModuleDict over (key, value) items; values that are not modules are dropped, unknown ones noted. */
  makeContainer(name: string, items: [string, Value][], range: SourceRange, file: PythonAnalysis): ModuleInst {
    const m: ModuleInst = { className: name, kind: 'container', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [], ownParameters: 0 };
    for (const [key, v] of items) {
      if (v.t === 'module') m.children.push([key, v.m]);
      else if (v.t === 'unknown') m.unresolved.push(v.why);
    }
    return m;
  }

  /** A ModuleList over counted repeats (`[Block() for _ in range(10_000)]`): one child standing for all of them. */
  makeRepeatedContainer(name: string, item: Value, count: number, range: SourceRange, file: PythonAnalysis): ModuleInst {
    const m = this.makeContainer(name, [['0', item]], range, file);
    const child = m.children[0]?.[1];
    if (child) child.repeat = count;
    return m;
  }

  activationModule(key: Value, range: SourceRange, file: PythonAnalysis): Value {
    if (key.t !== 'str') {
      return { t: 'module', m: { className: 'activation', kind: 'layer', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [whyUnknown(key) ?? 'activation name'], ownParameters: 0 } };
    }
    const cls = Object.hasOwn(ACT2FN_CLASSES, key.v) ? ACT2FN_CLASSES[key.v] : undefined;
    if (!cls) this.incomplete(`activation "${key.v}" is not modelled; counted as 0 FLOPs`);
    return { t: 'module', m: { className: cls ?? key.v, kind: 'layer', args: new Map(), attrs: new Map(), children: [], range, file, unresolved: [], ownParameters: 0 } };
  }

  callLibrary(path: string, pos: Value[], kw: Map<string, Value>, site: CallSite): Value | undefined {
    const c = classifyCallee(path, site.file.imports);
    if (c.category === 'layer') return { t: 'module', m: this.makeLayer(c.name, pos, kw, site.range, site.file) };
    if (c.category === 'container') {
      const arg = pos[0];
      let items: [string, Value][] = [];
      if (c.name === 'Sequential') items = pos.map((v, i) => [String(i), v]);
      else if (c.name === 'ModuleDict' && arg?.t === 'dict') items = [...arg.map.entries()];
      else if (arg && arg.t === 'seq' && arg.repeat !== undefined && arg.items.length === 1) {
        return { t: 'module', m: this.makeRepeatedContainer(c.name, arg.items[0]!, arg.repeat, site.range, site.file) };
      } else if (arg && arg.t === 'seq') items = arg.items.map((v, i) => [String(i), v]);
      else if (arg && arg.t === 'unknown') items = [['0', arg]];
      return { t: 'module', m: this.makeContainer(c.name, items, site.range, site.file) };
    }
    if (c.category === 'activation') return this.activationModule(pos[0] ?? NONE, site.range, site.file);
    if (c.category === 'functional') return callFunctional(this, c.name, pos, kw, site.range);
    const last = path.split('.').pop()!;
    if (last === 'Parameter' || last === 'Buffer') {
      const t = pos[0] ?? kw.get('data');
      return t?.t === 'tensor' ? { ...t, param: last === 'Parameter' } : { t: 'tensor', shape: undefined, param: last === 'Parameter', why: whyUnknown(t) ?? 'parameter' };
    }
    if (!path.startsWith('torch.')) return undefined;
    const factory = torchFactory(last);
    if (factory) return factory(this, pos, kw, site.text, site.range);
    if (Object.hasOwn(FUNCTIONAL_OPS, last)) return callFunctional(this, last, pos, kw, site.range);
    return unknown(`${site.text}(...)`);
  }

  // ---------------------------------------------------------------- tensors

  tensorMethod(x: TensorValue, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value {
    return callTensorMethod(this, x, name, pos, kw, range);
  }

  tensorAttr(x: TensorValue, name: string, text: string): Value | undefined {
    if (name === 'shape') return x.shape ? { t: 'seq', kind: 'tuple', items: x.shape.map((d) => (d === undefined ? unknown(x.why ?? text) : num(d))) } : unknown(x.why ?? text);
    if (name === 'T' || name === 'mT') return tensor(x.shape ? [...x.shape.slice(0, -2), ...x.shape.slice(-2).reverse()] : undefined, x.why);
    if (name === 'ndim') return x.shape ? num(x.shape.length) : unknown(text);
    if (name === 'dtype' || name === 'device') return { t: 'ref', path: `tensor.${name}` };
    if (name === 'is_cuda' || name === 'requires_grad') return { t: 'bool', v: false };
    return undefined;
  }

  tensorOperator(op: string, l: Value, r: Value | undefined, range: SourceRange): Value {
    if (r === undefined) return elementwise(this, 'neg', [l], range);
    if (op === 'is' || op === 'is not') return { t: 'bool', v: op === 'is not' }; // a tensor is never None (nor identical to another value here)
    if (op === '@') return matmul(this, l, r, range);
    const name = OPERATOR_OPS[op];
    if (name) return elementwise(this, name, [l, r], range);
    if (COMPARISONS.has(op)) return tensor(l.t === 'tensor' ? l.shape : r.t === 'tensor' ? r.shape : undefined);
    if (op === '&' || op === '|' || op === '^' || op === '//' || op === '%') {
      const s = l.t === 'tensor' ? l : r.t === 'tensor' ? r : undefined;
      return tensor(s?.t === 'tensor' ? s.shape : undefined, whyUnknown(s), true);
    }
    return unknown(op);
  }

  indexTensor(x: TensorValue, items: SubItem[]): Value {
    return indexTensor(x, items);
  }

  // ---------------------------------------------------------------- modules

  moduleAttr(m: ModuleInst, name: string, text: string): Value | undefined {
    if (m.kind === 'layer') return this.layerAttr(m, name, text);
    if (name === 'training') return { t: 'bool', v: false };
    return undefined;
  }

  hasModuleMethod(m: ModuleInst, name: string): boolean {
    if (MODULE_METHODS.has(name)) return m.kind === 'container' || !['append', 'extend', 'insert'].includes(name);
    return m.kind === 'user' && PRETRAINED_HELPERS.has(name);
  }

  moduleMethod(m: ModuleInst, name: string, pos: Value[], _kw: Map<string, Value>, range: SourceRange): Value {
    const add = (key: string, v: Value | undefined): void => {
      if (v?.t === 'module') {
        if (!v.m.range) v.m.range = range;
        m.children.push([key, v.m]);
      } else if (v?.t === 'unknown') m.unresolved.push(v.why);
    };
    if (name === 'append') add(String(m.children.length), pos[0]);
    else if (name === 'extend') for (const v of this.python.iterate(pos[0] ?? NONE) ?? []) add(String(m.children.length), v);
    else if (name === 'insert') add(String(m.children.length), pos[1]);
    else if ((name === 'add_module' || name === 'register_module') && pos[0]?.t === 'str') add(pos[0].v, pos[1]);
    else if (name === 'get_extended_attention_mask' || name === 'invert_attention_mask') {
      // PreTrainedModel helpers: a (batch, seq) mask becomes (batch, 1, 1, seq), added to the attention scores.
      const mask = pos[0];
      const sh = mask?.t === 'tensor' ? mask.shape : undefined;
      return tensor(sh && sh.length === 2 ? [sh[0], 1, 1, sh[1]] : sh, mask ? whyUnknown(mask) : 'attention mask');
    } else if (name === 'get_head_mask') {
      const n = asNumber(pos[1]);
      if (pos[0]?.t === 'none' && n !== undefined && n <= 65536) return { t: 'seq', kind: 'list', items: Array.from({ length: n }, () => NONE) };
      return pos[0]?.t === 'none' ? NONE : unknown('head_mask');
    } else if ((name === 'register_buffer' || name === 'register_parameter') && pos[0]?.t === 'str' && pos[1]) {
      m.attrs.set(pos[0].v, pos[1]);
      if (name === 'register_parameter') {
        const shape = knownShape(pos[1]);
        if (shape) m.ownParameters += numel(shape);
      }
    } else if (name === 'to' || name === 'eval' || name === 'train' || name === 'requires_grad_') return { t: 'module', m };
    else if (/^(named_)?(parameters|modules|children|buffers)$/.test(name)) {
      // Weight-initialisation loops (`for pn, p in self.named_parameters()`) do not change the tree: nothing to iterate.
      return { t: 'seq', kind: 'list', items: [] };
    }
    return NONE;
  }

  private layerAttr(m: ModuleInst, name: string, text: string): Value {
    const n = (k: string): Value => m.args.get(k) ?? unknown(text);
    if (name === 'weight') {
      const entry = layerEntry(m.className);
      if (entry?.kind === 'linear' && m.className !== 'Conv1D') return { t: 'tensor', shape: [asNumber(n('out_features')), asNumber(n('in_features'))], param: true, weightOf: m };
      if (entry?.kind === 'embedding') return { t: 'tensor', shape: [asNumber(n('num_embeddings')), asNumber(n('embedding_dim'))], param: true, weightOf: m };
    }
    if (m.args.has(name)) return m.args.get(name)!;
    if (name === 'training') return { t: 'bool', v: false };
    return unknown(text);
  }

  /** Runs `m(*args, **kwargs)`: a container's items, a layer's handler or a user module's forward. */
  callModule(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    // A module standing for N identical instances owns N times the parameters of one.
    const factor = m.repeat ?? 1;
    this.recorder.instanceFactor *= factor;
    try {
      return this.callModuleOnce(m, args, kwargs, range);
    } finally {
      this.recorder.instanceFactor /= factor;
    }
  }

  private callModuleOnce(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const parentFrame = this.recorder.top;
    if (m.kind === 'container') {
      if (m.className === 'Sequential') {
        const node = this.recorder.nodeOf(m, parentFrame?.node);
        node.calls += this.recorder.callMultiplier;
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
        const node = this.recorder.node(m.scope);
        if (node) node.instanceType = m.className.toLowerCase();
        m.scope = undefined;
        return out;
      }
      return this.callLayer(m, args, kwargs, parentFrame);
    }
    return this.callUserModule(m, args, kwargs);
  }

  private callUserModule(m: ModuleInst, args: Value[], kwargs: Map<string, Value>): Value {
    const parentFrame = this.recorder.top;
    const ref = m.cls!;
    const fwd = this.python.findMethod(ref, 'forward');
    const node = this.recorder.nodeOf(m, parentFrame?.node);
    node.calls += this.recorder.callMultiplier;
    if (node.inputShapes.length === 0) node.inputShapes = [...args, ...kwargs.values()].map(knownShape).filter((s): s is number[] => s !== undefined);
    if (!fwd) {
      this.incomplete(`${ref.cls.name}: no forward method found; its layers are not counted`);
      return unknown(`${ref.cls.name}.forward`);
    }
    const isLeaf = m.children.length === 0;
    const frame: Frame = { module: m, node, opIndex: 0, ...(isLeaf ? { fold: { flops: 0, memBytes: 0, parameters: 0 } } : {}) };
    this.recorder.frames.push(frame);
    let out: Value;
    try {
      out = this.python.callFunction(fwd.f, fwd.owner.analysis, [{ t: 'module', m }, ...args], kwargs, fwd.owner);
    } catch (err) {
      // A construct the evaluator does not handle must not lose the whole tree: keep what was recorded and say so.
      if (err instanceof IreneError || err instanceof BudgetExceeded) throw err;
      this.incomplete(`${ref.cls.name}.forward could not be evaluated to the end (${err instanceof Error ? err.message : String(err)}); its numbers are incomplete`);
      out = unknown(`${ref.cls.name}.forward`);
    } finally {
      this.recorder.frames.pop();
    }
    if (isLeaf) this.recorder.finishLeafModule(m, node, frame.fold!, args[0]);
    return out;
  }

  /** Runs a torch layer on symbolic inputs: output shape, cost and a leaf node. */
  private callLayer(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, parentFrame: Frame | undefined): Value {
    const x = args[0] ?? kwargs.get('input') ?? kwargs.get('query') ?? NONE;
    const missing: string[] = [...m.unresolved];
    // A layer argument that cannot be a size (1e300, -1, 0.5) is as good as unknown, and says so.
    const a = (k: string): number | undefined => {
      const v = asNumber(m.args.get(k));
      if (v !== undefined && !isSize(v)) {
        const w = `${k} = ${v} is not a size`;
        if (!missing.includes(w)) missing.push(w);
        return undefined;
      }
      return v;
    };
    const call: LayerCall = {
      m,
      x,
      args,
      shape: x.t === 'tensor' ? (x.shape?.slice() as Dim[] | undefined) : undefined,
      a,
      need: (k) => {
        const v = a(k);
        if (v === undefined) {
          const w = whyUnknown(m.args.get(k)) ?? k;
          if (!missing.includes(w)) missing.push(w);
        }
        return v;
      },
      missing,
    };
    const entry = layerEntry(m.className);
    let result: { out: Value; cost?: PrimitiveCost; parameters: number };
    if (entry) result = entry.run(this, call);
    else if (m.className === 'activation') {
      // ACT2FN[name] whose name is unknown: the node says what is missing (its cost cannot be known).
      result = { out: tensor(call.shape, whyUnknown(x)), parameters: 0 };
    } else {
      this.incomplete(`${m.scope}: ${m.className} layers are not modelled; counted as 0 FLOPs`);
      result = { out: tensor(call.shape, whyUnknown(x)), cost: { flops: 0, memBytes: 0, parameters: 0 }, parameters: 0 };
    }
    const cost = finiteCost(result.cost);
    if (result.cost && !cost) missing.push('a cost that is not a finite number');
    if (!Number.isFinite(result.parameters)) result.parameters = 0;
    if (parentFrame?.fold) {
      if (cost) addCost(parentFrame.fold, cost);
      return result.out;
    }
    const node: ModelNode = this.recorder.nodeOf(m, parentFrame?.node);
    node.type = 'ml';
    node.kind = entry?.kind ?? primitiveKindOf(m.className);
    node.calls += this.recorder.callMultiplier;
    node.parameters = Math.max(0, result.parameters - (m.tiedParameters ?? 0)) * this.recorder.instanceFactor;
    if (node.inputShapes.length === 0) {
      const shape = call.shape;
      const s = shape && allKnown(shape) && m.className !== 'Conv1d' && entry?.kind !== 'embedding' ? shape : knownShape(x);
      if (s) node.inputShapes = [s];
    }
    if (cost) {
      node.flops = cost.flops;
      node.memBytes = cost.memBytes;
    } else this.recorder.markUnresolved(node, missing[0] ?? whyUnknown(x) ?? 'input shape');
    return result.out;
  }
}
