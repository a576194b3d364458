/**
 * A static evaluator of Python, for model code: values, scopes and closures,
 * classes with `super()`, nested functions and lambdas, dataclass and plain
 * config objects with their defaults, control flow, and the work budgets.
 * It knows nothing of torch: calls of library paths, tensor methods and
 * operators and module calls go to a `TorchDispatch` (see torchDispatch.ts).
 * Nothing is guessed: what it cannot resolve is an `unknown` value that names
 * what is missing.
 */
import { IreneError, throwIfAborted } from '../../errors.js';
import { BudgetExceeded, EvalBudget, MAX_DEPTH, MAX_LOOP, MAX_SEQUENCE } from './evalBudget.js';
import type { EvalDiagnostics } from './evalDiagnostics.js';
import { dottedName, sourceText, type PyArg, type PyExpr, type PyFunction, type PyStmt, type SourceRange } from './pyAst.js';
import type { PythonAnalysis } from './pythonAnalysisTypes.js';
import { BUILTIN_NAMES, callBuiltin, callMath, type BuiltinHost } from './pythonBuiltins.js';
import { callHfLibrary, callHfObjectMethod, hfConfigAttr, isAttentionTable } from './hfSemantics.js';
import { NONE, asNumber, fromJson, newScope, num, truthy, unknown, whyUnknown, type ClassRef, type ModuleInst, type Scope, type SubItem, type Value } from './pythonValue.js';
import { arithmetic, callValueMethod, joinValues, repeatCount, sameIdentity, sliceItem, sliceItems } from './pythonOperators.js';
import type { PythonRunner, TorchDispatch } from './torchDispatch.js';
import { fullName } from './torchCatalog.js';

type CallExpr = Extract<PyExpr, { k: 'call' }>;

/** How a block ended: normally (undefined), by `return`, `break` or `continue`. */
type Completion = { k: 'return'; value: Value } | { k: 'break' } | { k: 'continue' } | undefined;

/** Settings of one evaluation. */
export interface EvaluatorOptions {
  signal?: AbortSignal;
}

/** The evaluator for one analysed file (plus the other files it links to). */
export class PythonEvaluator implements PythonRunner, BuiltinHost {
  private readonly classes = new Map<string, ClassRef>();
  private depth = 0;
  readonly budget = new EvalBudget();
  private readonly constCache = new Map<string, Value>();
  private torch!: TorchDispatch;
  /** Set when a budget ran out inside the outermost constructor. */
  budgetCut = false;
  /** The file whose code runs now. */
  currentFile: PythonAnalysis | undefined;
  private currentSelf: Value | undefined;
  private currentOwnerRef: ClassRef | undefined;

  constructor(
    readonly analysis: PythonAnalysis,
    private readonly diagnostics: EvalDiagnostics,
    private readonly opts: EvaluatorOptions = {},
  ) {
    for (const other of analysis.otherFiles) for (const c of other.classes) this.classes.set(c.name, { cls: c, analysis: other });
    for (const c of analysis.classes) this.classes.set(c.name, { cls: c, analysis });
  }

  /** Connects the torch side (set once, before any evaluation). */
  connect(torch: TorchDispatch): void {
    this.torch = torch;
  }

  /** A class of the analysed files by name. */
  classRef(name: string): ClassRef | undefined {
    return this.classes.get(name);
  }

  warn(message: string): void {
    this.diagnostics.warn(message);
  }

  private incomplete(message: string): void {
    this.diagnostics.incomplete(message);
  }

  // ---------------------------------------------------------------- classes

  /** Instantiates a model class with bound arguments and returns the module. */
  instantiate(ref: ClassRef, args: Value[], kwargs: Map<string, Value>, range?: SourceRange): ModuleInst {
    this.budget.instance();
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
      if (err instanceof BudgetExceeded && this.depth === 0) {
        // The outermost constructor keeps what it built: the tree is partial, not empty.
        this.budgetCut = true;
        this.incomplete(`${err.what}; the tree is partial (what was built until then is counted)`);
        return m;
      }
      if (err instanceof IreneError || err instanceof BudgetExceeded) throw err;
      this.incomplete(`${ref.cls.name}.__init__ could not be evaluated to the end (${err instanceof Error ? err.message : String(err)}); layers after that point are missing`);
    }
    return m;
  }

  /** The class a base name refers to, if it is one of the analysed files. */
  private baseRef(base: string): ClassRef | undefined {
    return this.classes.get(base.split('.').pop()!);
  }

  /** The method `name` of a class or its bases (same-file and other-file classes). */
  findMethod(ref: ClassRef, name: string, skipSelf = false): { f: PyFunction; owner: ClassRef } | undefined {
    const seen = new Set<string>();
    const visit = (r: ClassRef, skip: boolean): { f: PyFunction; owner: ClassRef } | undefined => {
      if (seen.has(r.cls.name)) return undefined;
      seen.add(r.cls.name);
      if (!skip && Object.hasOwn(r.cls.methods, name)) return { f: r.cls.methods[name]!, owner: r };
      for (const base of r.cls.bases) {
        const b = this.baseRef(base);
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
  classField(ref: ClassRef, name: string): Value | undefined {
    for (let r: ClassRef | undefined = ref, guard = 0; r && guard < 32; guard++) {
      const f = r.cls.fields.find((x) => x.name === name);
      if (f?.value) return this.evalExpr(f.value, newScope(), r.analysis);
      const cur: ClassRef = r;
      r = cur.cls.bases.map((b) => this.baseRef(b)).find((b) => b && b.cls !== cur.cls);
    }
    return undefined;
  }

  /** A non-model class call: a dataclass or plain config class becomes an object with its fields and arguments. */
  private instantiateObject(ref: ClassRef, pos: Value[], kw: Map<string, Value>): Value {
    const attrs = new Map<string, Value>();
    const chain: ClassRef[] = [];
    for (let r: ClassRef | undefined = ref, g = 0; r && g < 16; g++) {
      chain.unshift(r);
      const cur: ClassRef = r;
      r = cur.cls.bases.map((b) => this.baseRef(b)).find((b) => b && b.cls !== cur.cls);
    }
    for (const r of chain) for (const f of r.cls.fields) if (f.value) attrs.set(f.name, this.evalExpr(f.value, newScope(), r.analysis));
    const obj: Value = { t: 'obj', name: ref.cls.name, attrs, cls: ref };
    if (chain.some((r) => r.cls.bases.some((b) => /Pre[tT]rainedConfig$/.test(b)))) {
      // A transformers config class: PretrainedConfig's defaults and the class's attribute_map apply.
      const map = attrs.get('attribute_map');
      const aliases = new Map<string, string>();
      if (map?.t === 'dict') for (const [k, v] of map.map) if (v.t === 'str') aliases.set(k, v.v);
      attrs.delete('attribute_map');
      obj.hf = { aliases };
    }
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

  /** `super().method(...)`: the next class in the owner's bases that defines it. */
  private superCall(self: Value, method: string, pos: Value[], kw: Map<string, Value>): Value {
    if (self.t !== 'super') return NONE;
    const found = this.findMethod(self.owner, method, true);
    if (!found) {
      if (method === '__init__') this.libraryInit(self.self, pos, kw);
      return NONE; // nn.Module.__init__ and friends
    }
    return this.callFunction(found.f, found.owner.analysis, [self.self, ...pos], kw, found.owner);
  }

  /**
   * `super().__init__(...)` reaching a library base: PretrainedConfig sets its
   * keyword arguments as attributes; PreTrainedModel binds `self.config`.
   */
  private libraryInit(self: Value, pos: Value[], kw: Map<string, Value>): void {
    if (self.t === 'obj' && self.hf) {
      for (const [k, v] of kw) if (!self.attrs.has(k)) self.attrs.set(k, v);
      return;
    }
    if (self.t === 'module' && self.m.kind === 'user' && self.m.cls?.cls.modelChain.some((c) => /PreTrainedModel$|ModelMixin$/.test(c))) {
      const config = pos[0] ?? kw.get('config');
      if (config && !self.m.attrs.has('config')) self.m.attrs.set('config', config);
    }
  }

  /** An attribute of a config object: its own, else (a transformers config) an alias or a PretrainedConfig default. */
  private objAttr(obj: Extract<Value, { t: 'obj' }>, name: string, text: string): Value {
    const own = obj.attrs.get(name);
    if (own) return own;
    // `self.__dict__` is the attribute map itself (`self.__dict__.update(kwargs)`).
    if (name === '__dict__') return { t: 'dict', map: obj.attrs };
    if (obj.cls) {
      const method = this.findMethod(obj.cls, name);
      if (method) return { t: 'func', f: method.f, file: method.owner.analysis, self: obj, owner: method.owner };
      const field = this.classField(obj.cls, name);
      if (field) return field;
    }
    if (obj.hf) {
      const v = hfConfigAttr(obj.attrs, obj.hf.aliases, name, fromJson);
      if (name === '_attn_implementation' && v?.t === 'str' && !obj.attrs.has('attn_implementation')) {
        // The one default that changes which code runs: say which attention the tree uses.
        this.warn(`config._attn_implementation is not set; the attention code for "${v.v}" is counted (transformers' default, and what the profiles were measured with)`);
      }
      return v ?? unknown(text);
    }
    if (obj.name === 'DynamicCache') return { t: 'bound', self: obj, name, via: 'builtin' };
    return unknown(text);
  }

  /**
   * `post_init()` / `tie_weights()` of a PreTrainedModel: the weights named in
   * `_tied_weights_keys` are the input embedding's when the config ties them
   * (PretrainedConfig's default), so they are counted once.
   */
  private tieWeights(m: ModuleInst): void {
    if (!m.cls) return;
    const keys = this.classField(m.cls, '_tied_weights_keys');
    const config = m.attrs.get('config');
    const tie = config?.t === 'obj' ? truthy(this.getAttr(config, 'tie_word_embeddings', 'config.tie_word_embeddings')) : undefined;
    if (keys?.t !== 'seq' || tie !== true) return;
    for (const key of keys.items) {
      if (key.t !== 'str' || !key.v.endsWith('.weight')) continue;
      let target: ModuleInst | undefined = m;
      for (const part of key.v.slice(0, -'.weight'.length).split('.')) target = target?.children.find(([k]) => k === part)?.[1];
      const w = target ? this.torch.moduleAttr(target, 'weight', key.v) : undefined;
      if (target && w?.t === 'tensor' && w.shape?.every((d) => d !== undefined)) target.tiedParameters = (w.shape as number[]).reduce((p, d) => p * d, 1);
    }
  }

  currentSuper(): Value | undefined {
    const owner = this.currentOwnerRef;
    const self = this.currentSelf;
    return owner && self ? { t: 'super', self, owner } : undefined;
  }

  // ---------------------------------------------------------------- functions and statements

  /** Calls a Python function with positional and keyword arguments bound as Python does. */
  callFunction(f: PyFunction, file: PythonAnalysis, args: Value[], kwargs: Map<string, Value>, owner?: ClassRef, closure?: Scope): Value {
    throwIfAborted(this.opts.signal);
    if (this.depth >= MAX_DEPTH) {
      this.incomplete(`${f.name}: recursion too deep; stopped evaluating`);
      return unknown(`${f.name}(...)`);
    }
    const scope = newScope(closure);
    const env = scope.vars;
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
      else if (p.default) env.set(p.name, this.evalExpr(p.default, closure ?? newScope(), file));
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
      const r = this.execBlock(f.body, scope, file);
      return r?.k === 'return' ? r.value : NONE;
    } finally {
      this.depth--;
      this.currentFile = prevFile;
      this.currentSelf = prevSelf;
      this.currentOwnerRef = prevOwner;
    }
  }

  private execBlock(body: PyStmt[], scope: Scope, file: PythonAnalysis): Completion {
    for (const s of body) {
      const r = this.execStmt(s, scope, file);
      if (r) return r;
    }
    return undefined;
  }

  private step(): void {
    this.budget.step();
    if (this.budget.steps % 256 === 0) throwIfAborted(this.opts.signal);
  }

  private execStmt(s: PyStmt, scope: Scope, file: PythonAnalysis): Completion {
    this.step();
    switch (s.k) {
      case 'assign': {
        const v = this.evalExpr(s.value, scope, file);
        for (const t of s.targets) this.assign(t, v, scope, file, s.range);
        return undefined;
      }
      case 'augassign': {
        const cur = this.evalExpr(s.target, scope, file);
        const v = this.binary(s.op, cur, this.evalExpr(s.value, scope, file), s.range);
        this.assign(s.target, v, scope, file, s.range);
        return undefined;
      }
      case 'expr':
        this.evalExpr(s.value, scope, file);
        return undefined;
      case 'return':
        return { k: 'return', value: s.value ? this.evalExpr(s.value, scope, file) : NONE };
      case 'if':
        return this.execIf(s, scope, file);
      case 'for':
        return this.execFor(s, scope, file);
      case 'while':
        return this.execWhile(s, scope, file);
      case 'with':
        return this.execBlock(s.body, scope, file);
      case 'def':
        scope.vars.set(s.f.name, { t: 'func', f: s.f, file, closure: scope });
        return undefined;
      case 'break':
        return { k: 'break' };
      case 'continue':
        return { k: 'continue' };
      default:
        return undefined;
    }
  }

  private execIf(s: Extract<PyStmt, { k: 'if' }>, scope: Scope, file: PythonAnalysis): Completion {
    for (let i = 0; i < s.branches.length; i++) {
      const b = s.branches[i]!;
      if (!b.test) return this.execBlock(b.body, scope, file);
      const test = this.evalExpr(b.test, scope, file);
      const t = truthy(test);
      if (t === true) return this.execBlock(b.body, scope, file);
      if (t === undefined) {
        const what = whyUnknown(test) ?? sourceText(b.test);
        this.incomplete(`line ${s.range.start.line + 1}: condition "${sourceText(b.test)}" cannot be resolved (${what}); every branch is counted (an upper bound) and what they assign is joined`);
        return this.joinBranches(s.branches.slice(i), s.range, scope, file);
      }
    }
    return undefined;
  }

  /**
   * Runs each remaining branch (an implicit empty `else` included) on its own
   * copy of the scope and joins what they assign: a value every branch agrees on
   * stays known, a tensor keeps the dimensions the branches share. Unknown stays local.
   */
  private joinBranches(branches: { test?: PyExpr; body: PyStmt[] }[], range: SourceRange, scope: Scope, file: PythonAnalysis): Completion {
    const bodies = branches.map((b) => b.body);
    if (branches[branches.length - 1]!.test) bodies.push([]);
    const outcomes: { vars: Map<string, Value>; done: Completion }[] = [];
    for (const body of bodies) {
      const fork: Scope = { vars: new Map(scope.vars), ...(scope.parent ? { parent: scope.parent } : {}) };
      const done = this.execBlock(body, fork, file);
      outcomes.push({ vars: fork.vars, done });
    }
    const why = `branches of line ${range.start.line + 1}`;
    const names = new Set<string>();
    for (const o of outcomes) for (const k of o.vars.keys()) names.add(k);
    for (const name of names) {
      const values = outcomes.map((o) => o.vars.get(name) ?? scope.vars.get(name));
      const joined = joinValues(values, why);
      if (joined) scope.vars.set(name, joined);
    }
    const returns = outcomes.map((o) => (o.done?.k === 'return' ? o.done.value : undefined));
    if (returns.every((r) => r !== undefined)) return { k: 'return', value: joinValues(returns, why) ?? unknown(why) };
    return undefined;
  }

  private execFor(s: Extract<PyStmt, { k: 'for' }>, scope: Scope, file: PythonAnalysis): Completion {
    const iterValue = this.evalExpr(s.iter, scope, file);
    const repeats = repeatCount(iterValue);
    if (repeats !== undefined) {
      // A loop over N counted repeats: the body runs once and counts N times.
      return this.torch.repeated(repeats, () => {
        this.assign(s.target, this.iterate(iterValue)![0]!, scope, file, s.range);
        const r = this.execBlock(s.body, scope, file);
        return r?.k === 'return' ? r : undefined;
      });
    }
    const it = this.iterate(iterValue);
    if (!it) {
      this.incomplete(`line ${s.range.start.line + 1}: cannot resolve what "for ... in ${sourceText(s.iter)}" iterates over; the loop body is not counted`);
      return undefined;
    }
    for (const item of it) {
      this.assign(s.target, item, scope, file, s.range);
      const r = this.execBlock(s.body, scope, file);
      if (r?.k === 'break') break;
      if (r?.k === 'return') return r;
    }
    return undefined;
  }

  private execWhile(s: Extract<PyStmt, { k: 'while' }>, scope: Scope, file: PythonAnalysis): Completion {
    for (let i = 0; i < MAX_LOOP; i++) {
      const t = truthy(this.evalExpr(s.test, scope, file));
      if (t === false) return undefined;
      if (t === undefined) {
        this.incomplete(`line ${s.range.start.line + 1}: condition "${sourceText(s.test)}" of the while loop cannot be resolved; the loop body is not counted`);
        return undefined;
      }
      const r = this.execBlock(s.body, scope, file);
      if (r?.k === 'break') return undefined;
      if (r?.k === 'return') return r;
    }
    this.incomplete(`line ${s.range.start.line + 1}: the while loop ran ${MAX_LOOP} times and was stopped; its total is incomplete`);
    return undefined;
  }

  /** Items of an iterable value, undefined when they cannot be known. */
  iterate(v: Value): Value[] | undefined {
    if (v.t === 'seq') return v.items;
    if (v.t === 'module' && v.m.kind === 'container') return v.m.children.map(([, c]) => ({ t: 'module', m: c }) as Value);
    if (v.t === 'dict') return [...v.map.keys()].map((k) => ({ t: 'str', v: k }) as Value);
    if (v.t === 'str') return [...v.v].map((c) => ({ t: 'str', v: c }) as Value);
    return undefined;
  }

  private assign(target: PyExpr, v: Value, scope: Scope, file: PythonAnalysis, range: SourceRange): void {
    switch (target.k) {
      case 'name':
        scope.vars.set(target.id, v);
        return;
      case 'tuple':
      case 'list': {
        const items = this.iterate(v);
        const starIdx = target.items.findIndex((t) => t.k === 'starred');
        target.items.forEach((t, i) => {
          if (t.k === 'starred') {
            const rest = items ? items.slice(i, items.length - (target.items.length - 1 - i)) : [];
            this.assign(t.value, { t: 'seq', kind: 'list', items: rest }, scope, file, range);
            return;
          }
          const idx = starIdx >= 0 && i > starIdx && items ? items.length - (target.items.length - i) : i;
          this.assign(t, items?.[idx] ?? (v.t === 'tensor' ? { t: 'tensor', shape: undefined, why: 'unpacked tensor' } : unknown(sourceText(t))), scope, file, range);
        });
        return;
      }
      case 'attr': {
        const obj = this.evalExpr(target.obj, scope, file);
        if (obj.t === 'module') this.setModuleAttr(obj.m, target.name, v, range);
        else if (obj.t === 'obj') obj.attrs.set(target.name, v);
        return;
      }
      case 'sub': {
        const obj = this.evalExpr(target.obj, scope, file);
        const key = target.items[0];
        if (obj.t === 'dict' && key?.k === 'index') {
          const k = this.evalExpr(key.value, scope, file);
          if (k.t === 'str') obj.map.set(k.v, v);
        } else if (obj.t === 'seq' && key?.k === 'index') {
          const i = asNumber(this.evalExpr(key.value, scope, file));
          if (i !== undefined && Number.isInteger(i) && Math.abs(i) < obj.items.length) obj.items[i < 0 ? obj.items.length + i : i] = v;
        }
        return;
      }
      default:
        return;
    }
  }

  /** `self.x = value` on a module: a submodule is registered under its name, an nn.Parameter counted. */
  private setModuleAttr(m: ModuleInst, name: string, v: Value, range: SourceRange): void {
    if (name === 'weight' && m.kind === 'layer' && v.t === 'tensor' && v.weightOf && v.weightOf !== m) {
      // `wte.weight = lm_head.weight`: one tensor shared by two layers, counted once (on the embedding).
      const isEmbedding = (x: ModuleInst): boolean => /Embedding$/.test(x.className);
      const tied = isEmbedding(m) && !isEmbedding(v.weightOf) ? v.weightOf : m;
      const s = v.shape && v.shape.every((d) => d !== undefined) ? (v.shape as number[]) : undefined;
      if (s) tied.tiedParameters = s.reduce((p, d) => p * d, 1);
      m.attrs.set(name, v);
      return;
    }
    if (v.t === 'module') {
      if (!v.m.range || v.m.range.start.line !== range.start.line) v.m.range = range;
      const existing = m.children.findIndex(([k]) => k === name);
      if (existing >= 0) m.children[existing] = [name, v.m];
      else m.children.push([name, v.m]);
    } else if (v.t === 'tensor' && v.param) {
      const s = v.shape && v.shape.every((d) => d !== undefined) ? (v.shape as number[]) : undefined;
      const n = s ? s.reduce((p, d) => p * d, 1) : undefined;
      if (n !== undefined && Number.isFinite(m.ownParameters + n)) m.ownParameters += n;
      else m.unresolved.push(whyUnknown(v) ?? 'parameter shape');
    }
    m.attrs.set(name, v);
  }

  // ---------------------------------------------------------------- expressions

  /** Evaluates an expression in a scope of a file. */
  evalExpr(e: PyExpr, scope: Scope, file: PythonAnalysis): Value {
    this.step();
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
        return this.lookup(e.id, scope, file);
      case 'attr':
        return this.getAttr(this.evalExpr(e.obj, scope, file), e.name, sourceText(e));
      case 'sub':
        return this.subscript(e, scope, file);
      case 'call':
        return this.call(e, scope, file);
      case 'bin': {
        if (e.op === 'and' || e.op === 'or') {
          const l = this.evalExpr(e.left, scope, file);
          const t = truthy(l);
          if (t === undefined) return l.t === 'unknown' ? l : unknown(sourceText(e.left));
          if (e.op === 'and') return t ? this.evalExpr(e.right, scope, file) : l;
          return t ? l : this.evalExpr(e.right, scope, file);
        }
        return this.binary(e.op, this.evalExpr(e.left, scope, file), this.evalExpr(e.right, scope, file), e.range, e);
      }
      case 'unary': {
        const v = this.evalExpr(e.operand, scope, file);
        if (e.op === 'not') {
          const t = truthy(v);
          return t === undefined ? unknown(whyUnknown(v) ?? sourceText(e.operand)) : { t: 'bool', v: !t };
        }
        if (e.op === '-') {
          if (v.t === 'num') return num(-v.v);
          if (v.t === 'tensor') return this.torch.tensorOperator('-', v, undefined, e.range);
          return unknown(whyUnknown(v) ?? sourceText(e));
        }
        if (e.op === '+') return v;
        if (e.op === '~' && v.t === 'tensor') return { t: 'tensor', shape: v.shape, int: true, ...(v.why ? { why: v.why } : {}) };
        return unknown(sourceText(e));
      }
      case 'tuple':
      case 'list': {
        const items: Value[] = [];
        for (const it of e.items) {
          if (it.k === 'starred') {
            const inner = this.iterate(this.evalExpr(it.value, scope, file));
            if (inner) for (const x of inner) items.push(x);
            else items.push(unknown(sourceText(it.value)));
          } else items.push(this.evalExpr(it, scope, file));
        }
        return { t: 'seq', kind: e.k, items };
      }
      case 'dict': {
        const map = new Map<string, Value>();
        for (const en of e.entries) {
          const v = this.evalExpr(en.value, scope, file);
          if (!en.key) {
            if (v.t === 'dict') for (const [k, x] of v.map) map.set(k, x);
            else if (v.t === 'obj') for (const [k, x] of v.attrs) map.set(k, x);
            continue;
          }
          const k = this.evalExpr(en.key, scope, file);
          if (k.t === 'str' || k.t === 'num') map.set(String(k.v), v);
        }
        return { t: 'dict', map };
      }
      case 'comp':
        return this.comprehension(e, scope, file);
      case 'cond': {
        const test = this.evalExpr(e.test, scope, file);
        const t = truthy(test);
        if (t === true) return this.evalExpr(e.then, scope, file);
        if (t === false) return this.evalExpr(e.orelse, scope, file);
        // Both sides run (each one's ops are counted: an upper bound); the value is what they agree on.
        const a = this.evalExpr(e.then, scope, file);
        const b = this.evalExpr(e.orelse, scope, file);
        const joined = joinValues([a, b], `"${sourceText(e.test)}"`);
        if (joined?.t !== 'unknown' && (a.t === 'tensor' || b.t === 'tensor')) {
          this.incomplete(`line ${e.range.start.line + 1}: condition "${sourceText(e.test)}" cannot be resolved (${whyUnknown(test) ?? sourceText(e.test)}); both sides are counted (an upper bound)`);
        }
        return joined?.t === 'unknown' ? unknown(whyUnknown(test) ?? sourceText(e.test)) : (joined ?? unknown(sourceText(e.test)));
      }
      case 'lambda':
        return { t: 'func', f: e.f, file, closure: scope };
      case 'starred':
        return this.evalExpr(e.value, scope, file);
      default:
        return unknown(e.k === 'unknown' ? e.text : sourceText(e));
    }
  }

  private comprehension(e: Extract<PyExpr, { k: 'comp' }>, scope: Scope, file: PythonAnalysis): Value {
    const iter = this.evalExpr(e.iter, scope, file);
    const items = this.iterate(iter);
    if (!items) {
      // Build one item so its layers are visible, and say that the count is unknown.
      const why = whyUnknown(iter) ?? sourceText(e.iter);
      const local = newScope(scope);
      this.assign(e.target, unknown(sourceText(e.target)), local, file, e.range);
      const one = this.evalExpr(e.elt, local, file);
      if (one.t === 'module') one.m.unresolved.push(`number of repeats (${why})`);
      this.incomplete(`line ${e.range.start.line + 1}: cannot resolve how many items "${sourceText(e.iter)}" makes (${why}); one item is shown and the total is incomplete`);
      return { t: 'seq', kind: 'list', items: [one] };
    }
    if (items.length > MAX_LOOP && !e.cond) {
      // N identical items (a ModuleList of 10,000 blocks): built once, counted N times.
      const local = newScope(scope);
      this.assign(e.target, items[0]!, local, file, e.range);
      const one = this.evalExpr(e.elt, local, file);
      this.warn(`line ${e.range.start.line + 1}: ${items.length.toLocaleString('en-US')} items are built once and counted ${items.length.toLocaleString('en-US')} times (one node with that many calls)`);
      return { t: 'seq', kind: 'list', items: [one], repeat: items.length };
    }
    const out: Value[] = [];
    for (const item of items) {
      const local = newScope(scope);
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

  private lookup(id: string, scope: Scope, file: PythonAnalysis): Value {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const local = s.vars.get(id);
      if (local) return local;
    }
    if (Object.hasOwn(file.constants, id)) {
      const key = `${file.fileName ?? ''}::${id}`;
      const cached = this.constCache.get(key);
      if (cached) return cached;
      this.constCache.set(key, unknown(id)); // cycle guard
      const v = this.evalExpr(file.constants[id]!, newScope(), file);
      this.constCache.set(key, v);
      return v;
    }
    const cls = file.classes.find((c) => c.name === id);
    if (cls) return { t: 'class', ref: { cls, analysis: file } };
    if (Object.hasOwn(file.functions, id)) return { t: 'func', f: file.functions[id]!, file };
    if (Object.hasOwn(file.imports, id)) {
      const path = file.imports[id]!;
      const ext = this.classes.get(path.split('.').pop()!);
      if (ext) return { t: 'class', ref: ext };
      return { t: 'ref', path };
    }
    const ext = this.classes.get(id);
    if (ext) return { t: 'class', ref: ext };
    if (BUILTIN_NAMES.has(id)) return { t: 'ref', path: `builtins.${id}` };
    if (id === 'torch' || id === 'math' || id === 'nn' || id === 'F' || id === 'copy') return { t: 'ref', path: fullName(id, {}) };
    return unknown(id);
  }

  /** `obj.name`. */
  getAttr(obj: Value, name: string, text: string): Value {
    switch (obj.t) {
      case 'obj':
        return this.objAttr(obj, name, text);
      case 'dict':
        if (['get', 'items', 'keys', 'values', 'pop', 'setdefault', 'update'].includes(name)) return { t: 'bound', self: obj, name, via: 'builtin' };
        return obj.map.get(name) ?? unknown(text);
      case 'ref':
        return { t: 'ref', path: `${obj.path}.${name}` };
      case 'class': {
        if (Object.hasOwn(obj.ref.cls.methods, name)) return { t: 'func', f: obj.ref.cls.methods[name]!, file: obj.ref.analysis, owner: obj.ref };
        return this.classField(obj.ref, name) ?? unknown(text);
      }
      case 'module':
        return this.moduleAttr(obj, obj.m, name, text);
      case 'tensor':
        return this.torch.tensorAttr(obj, name, text) ?? { t: 'bound', self: obj, name, via: 'builtin' };
      case 'super':
        return { t: 'bound', self: obj, name, via: 'super' };
      case 'seq':
      case 'str':
        return { t: 'bound', self: obj, name, via: 'builtin' };
      case 'func':
        // `self.attention.forward` is the module's bound method already; `f.__name__` and the like are unknown.
        return unknown(text);
      case 'unknown':
        return unknown(obj.why.includes('(') ? obj.why : `${obj.why}.${name}`.startsWith(text) ? text : obj.why);
      default:
        return unknown(text);
    }
  }

  private moduleAttr(obj: Value, m: ModuleInst, name: string, text: string): Value {
    const attr = m.attrs.get(name);
    if (attr) return attr;
    const child = m.children.find(([k]) => k === name);
    if (child) return { t: 'module', m: child[1] };
    if (this.torch.hasModuleMethod(m, name) && !(m.cls && this.findMethod(m.cls, name))) return { t: 'bound', self: obj, name, via: 'builtin' };
    const fromTorch = m.kind !== 'user' || name === 'training' ? this.torch.moduleAttr(m, name, text) : undefined;
    if (fromTorch) return fromTorch;
    if (m.cls) {
      const method = this.findMethod(m.cls, name);
      if (method) return { t: 'func', f: method.f, file: method.owner.analysis, self: obj, owner: method.owner };
      const field = this.classField(m.cls, name);
      if (field) return field;
    }
    return unknown(text);
  }

  private subscript(e: Extract<PyExpr, { k: 'sub' }>, scope: Scope, file: PythonAnalysis): Value {
    const d = dottedName(e.obj);
    if (d && /^(ACT2FN|ACT2CLS)$/.test(d.split('.').pop()!) && e.items[0]?.k === 'index') {
      return this.torch.activationModule(this.evalExpr(e.items[0].value, scope, file), e.range, file);
    }
    const obj = this.evalExpr(e.obj, scope, file);
    if (obj.t === 'ref' && e.items[0]?.k === 'index' && (isAttentionTable(obj.path) || obj.path.endsWith('ROPE_INIT_FUNCTIONS'))) {
      const key = this.evalExpr(e.items[0].value, scope, file);
      if (key.t !== 'str') return unknown(whyUnknown(key) ?? sourceText(e));
      return { t: 'ref', path: obj.path.endsWith('ROPE_INIT_FUNCTIONS') ? 'transformers.modeling_rope_utils._compute_default_rope_parameters' : `${obj.path}.${key.v}` };
    }
    if (obj.t === 'tensor') return this.torch.indexTensor(obj, e.items.map((it) => this.subItem(it, scope, file)));
    const first = e.items[0];
    if (!first) return unknown(sourceText(e));
    const it = this.subItem(first, scope, file);
    if (obj.t === 'seq') {
      if (it.k === 'index') {
        const i = asNumber(it.v);
        if (i === undefined) return unknown(whyUnknown(it.v) ?? sourceText(e));
        return obj.items[i < 0 ? obj.items.length + i : i] ?? unknown(sourceText(e));
      }
      if (it.k === 'slice') return { t: 'seq', kind: obj.kind, items: sliceItems(obj.items, it) };
    }
    if (obj.t === 'obj' && it.k === 'index' && it.v.t === 'num') {
      const values = [...obj.attrs.values()];
      return values[it.v.v < 0 ? values.length + it.v.v : it.v.v] ?? unknown(sourceText(e));
    }
    if ((obj.t === 'dict' || obj.t === 'obj') && it.k === 'index') {
      const k = it.v.t === 'str' || it.v.t === 'num' ? String(it.v.v) : undefined;
      const map = obj.t === 'dict' ? obj.map : obj.attrs;
      return (k !== undefined ? map.get(k) : undefined) ?? unknown(whyUnknown(it.v) ?? sourceText(e));
    }
    if (obj.t === 'module' && obj.m.kind === 'container' && it.k === 'slice') {
      // self.layers[: config.num_hidden_layers]
      if (it.unknownBound) return unknown(sourceText(e));
      const picked = sliceItems(obj.m.children, it);
      return { t: 'seq', kind: 'list', items: picked.map(([, c]) => ({ t: 'module', m: c }) as Value) };
    }
    if (obj.t === 'module' && obj.m.kind === 'container' && it.k === 'index') {
      const k = it.v.t === 'num' ? String(it.v.v < 0 ? obj.m.children.length + it.v.v : it.v.v) : it.v.t === 'str' ? it.v.v : undefined;
      const child = obj.m.children.find(([key]) => key === k);
      return child ? { t: 'module', m: child[1] } : unknown(sourceText(e));
    }
    return obj.t === 'unknown' ? obj : unknown(sourceText(e));
  }

  private subItem(it: Extract<PyExpr, { k: 'sub' }>['items'][number], scope: Scope, file: PythonAnalysis): SubItem {
    if (it.k === 'ellipsis') return { k: 'ellipsis' };
    if (it.k === 'index') {
      const v = this.evalExpr(it.value, scope, file);
      return v.t === 'slice' ? sliceItem(v.lower, v.upper, v.step) : { k: 'index', v };
    }
    const ev = (x: PyExpr | undefined): Value | undefined => (x ? this.evalExpr(x, scope, file) : undefined);
    return sliceItem(ev(it.lower), ev(it.upper), ev(it.step));
  }

  private binary(op: string, l: Value, r: Value, range: SourceRange, e?: PyExpr): Value {
    const text = e ? sourceText(e) : op;
    if (l.t === 'tensor' || r.t === 'tensor') return this.torch.tensorOperator(op, l, r, range);
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
        const eq = (a !== undefined && b !== undefined && a === b) || (l.t === 'str' && r.t === 'str' && l.v === r.v) || (l.t === 'none' && r.t === 'none');
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
    if (op === '+' && l.t === 'seq' && r.t === 'seq') return this.sequence(l.kind, l.items.length + r.items.length, () => [...l.items, ...r.items], text);
    if (op === '+' && l.t === 'str' && r.t === 'str') return l.v.length + r.v.length > MAX_SEQUENCE ? unknown(`${text} (too long)`) : { t: 'str', v: l.v + r.v };
    if (op === '*' && (l.t === 'seq' || r.t === 'seq')) {
      const [s, n] = l.t === 'seq' ? [l, b] : [r as Extract<Value, { t: 'seq' }>, a];
      if (n === undefined) return unknown(whyUnknown(l) ?? whyUnknown(r) ?? text);
      const times = Math.max(0, Math.floor(n));
      return this.sequence(s.kind, s.items.length * times, () => {
        const out: Value[] = [];
        for (let i = 0; i < times; i++) for (const x of s.items) out.push(x);
        return out;
      }, text);
    }
    if (a === undefined || b === undefined) return unknown(whyUnknown(l) ?? whyUnknown(r) ?? text);
    return arithmetic(op, a, b) ?? unknown(text);
  }

  /** A list or tuple of `length` items, built only when within the budget. */
  private sequence(kind: 'list' | 'tuple', length: number, build: () => Value[], text: string): Value {
    if (length > MAX_SEQUENCE) {
      this.incomplete(`${text}: a sequence of ${length.toLocaleString('en-US')} items is more than the evaluator builds (${MAX_SEQUENCE.toLocaleString('en-US')}); treated as unknown`);
      return unknown(`${text} (too long)`);
    }
    return { t: 'seq', kind, items: build() };
  }

  // ---------------------------------------------------------------- calls

  private evalArgs(args: PyArg[], scope: Scope, file: PythonAnalysis): { pos: Value[]; kw: Map<string, Value> } {
    const pos: Value[] = [];
    const kw = new Map<string, Value>();
    for (const a of args) {
      const v = this.evalExpr(a.value, scope, file);
      if (a.star === '*') {
        const items = this.iterate(v);
        if (items) for (const x of items) pos.push(x);
        else pos.push(v);
      } else if (a.star === '**') {
        if (v.t === 'dict') for (const [k, x] of v.map) kw.set(k, x);
        else if (v.t === 'obj') for (const [k, x] of v.attrs) kw.set(k, x);
      } else if (a.name) kw.set(a.name, v);
      else pos.push(v);
    }
    return { pos, kw };
  }

  private call(e: CallExpr, scope: Scope, file: PythonAnalysis): Value {
    const fn = this.evalExpr(e.fn, scope, file);
    const { pos, kw } = this.evalArgs(e.args, scope, file);
    return this.apply(fn, pos, kw, e, file);
  }

  /** Calls a value with evaluated arguments. */
  apply(fn: Value, pos: Value[], kw: Map<string, Value>, e: CallExpr, file: PythonAnalysis): Value {
    const range = e.range;
    switch (fn.t) {
      case 'module':
        return this.torch.callModule(fn.m, pos, kw, range);
      case 'class': {
        const ref = fn.ref;
        if (ref.cls.isModel) return { t: 'module', m: this.instantiate(ref, pos, kw, range) };
        return this.instantiateObject(ref, pos, kw);
      }
      case 'func': {
        // `self.attention.forward(x)` runs the module as a call would (its node, its ops).
        if (fn.f.name === 'forward' && fn.self?.t === 'module' && fn.self.m.kind === 'user') return this.torch.callModule(fn.self.m, pos, kw, range);
        return this.callFunction(fn.f, fn.file, fn.self ? [fn.self, ...pos] : pos, kw, fn.owner, fn.closure);
      }
      case 'bound':
        if (fn.via === 'super') return this.superCall(fn.self, fn.name, pos, kw);
        return this.callMethod(fn.self, fn.name, pos, kw, range);
      case 'ref':
        return this.callRef(fn.path, pos, kw, e, file);
      case 'unknown':
        return unknown(fn.why);
      default:
        return unknown(sourceText(e));
    }
  }

  /** Built-in methods of tensors, sequences, strings, dicts and modules. */
  private callMethod(self: Value, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value {
    switch (self.t) {
      case 'tensor':
        return this.torch.tensorMethod(self, name, pos, kw, range);
      case 'module':
        if ((name === 'post_init' || name === 'tie_weights') && self.m.kind === 'user') this.tieWeights(self.m);
        return this.torch.moduleMethod(self.m, name, pos, kw, range);
      case 'obj':
        return callHfObjectMethod(self.name, name, pos) ?? unknown(`${self.name}.${name}`);
      case 'seq':
      case 'str':
      case 'dict':
        return callValueMethod(this, self, name, pos, kw);
      default:
        return unknown(name);
    }
  }

  private callRef(path: string, pos: Value[], kw: Map<string, Value>, e: CallExpr, file: PythonAnalysis): Value {
    if (path.startsWith('builtins.')) return callBuiltin(this, path.slice(9), pos, kw, sourceText(e), e.args.map((a) => sourceText(a.value)));
    const last = path.split('.').pop()!;
    if (path.startsWith('math.')) return callMath(last, pos, sourceText(e));
    if (path === 'copy.deepcopy' || path === 'copy.copy') return this.deepCopy(pos[0] ?? NONE, e.range);
    const fromTorch = this.torch.callLibrary(path, pos, kw, { text: sourceText(e.fn), range: e.range, file });
    if (fromTorch) return fromTorch;
    const table = /ALL_ATTENTION_FUNCTIONS\.(\w+)$/.exec(path);
    if (table) {
      // sdpa / flash attention (module, query, key, value, mask, ...): one fused attention, (output, None).
      const out = this.torch.callLibrary('torch.nn.functional.scaled_dot_product_attention', pos.slice(1, 4), new Map(), { text: `${table[1]} attention`, range: e.range, file });
      return { t: 'seq', kind: 'tuple', items: [this.torch.tensorMethod(out as Extract<Value, { t: 'tensor' }>, 'transpose', [num(1), num(2)], new Map(), e.range), NONE] };
    }
    const hf = callHfLibrary(last, pos, kw, (config, attr) => this.getAttr(config, attr, `config.${attr}`));
    if (hf) return hf;
    if (last === 'apply_chunking_to_forward') {
      // transformers: apply_chunking_to_forward(fn, chunk_size, dim, *inputs) computes fn(*inputs) (in chunks: same work).
      const fn = pos[0];
      return fn ? this.apply(fn, pos.slice(3), new Map(), e, file) : unknown(sourceText(e));
    }
    if (last === 'field' && (path.startsWith('dataclasses') || path === 'field')) return kw.get('default') ?? NONE;
    if (/Output(WithPast|WithPooling|WithCrossAttentions|WithPastAndCrossAttentions|WithPoolingAndCrossAttentions)*$/.test(last) || path.includes('modeling_outputs')) {
      // transformers' ModelOutput: attributes by name, and [i] = i-th attribute that is not None.
      return { t: 'obj', name: last, attrs: new Map([...kw].filter(([, v]) => v.t !== 'none')) };
    }
    return unknown(`${sourceText(e.fn)}(...)`);
  }

  /**
   * `copy.deepcopy(module)`: a new instance with the same structure (its own scope and
   * node once registered); other values are returned as they are (they are never mutated here).
   */
  private deepCopy(v: Value, range: SourceRange): Value {
    if (v.t !== 'module') return v;
    const clone = (m: ModuleInst): ModuleInst => {
      this.budget.instance();
      const { scope: _scope, order: _order, ...rest } = m;
      return { ...rest, range: m.range ?? range, args: new Map(m.args), attrs: new Map(m.attrs), unresolved: [...m.unresolved], children: m.children.map(([k, c]) => [k, clone(c)]) };
    };
    const copy = clone(v.m);
    // Attributes that point at submodules must point at the copies.
    const fix = (orig: ModuleInst, c: ModuleInst): void => {
      orig.children.forEach(([, oc], i) => {
        const cc = c.children[i]![1];
        for (const [k, a] of c.attrs) if (a.t === 'module' && a.m === oc) c.attrs.set(k, { t: 'module', m: cc });
        fix(oc, cc);
      });
    };
    fix(v.m, copy);
    return { t: 'module', m: copy };
  }
}
