/**
 * Static analysis of PyTorch source: which classes are models (nn.Module
 * subclasses, directly or through other classes of this or other files), the
 * layers each one owns, and the functional primitives its methods call. Works
 * on broken files (lezer recovers from syntax errors) and re-parses
 * incrementally when given the previous analysis of the same document.
 */
import { TreeFragment, type SyntaxNode, type Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { throwIfAborted } from '../../errors.js';
import { AstConverter, BINARY_OPS, children, closeParserGaps, dottedName, isParserGap, sourceText, type PyExpr, type PyFunction, type PyStmt, type SourceRange } from './pyAst.js';
import { classifyCallee } from './torchCatalog.js';

import type { PythonAnalysis, PythonClass, PythonFunctionalOp, PythonLayer, PythonSyntaxError, TopLevelPart } from './pythonAnalysisTypes.js';
import { pushAll } from '../../arrays.js';
import { bracketDepthOverflow, MAX_PYTHON_BRACKET_DEPTH } from './bracketDepth.js';

export type { SourcePos, SourceRange } from './pyAst.js';
export type { PythonAnalysis, PythonClass, PythonFunctionalOp, PythonLayer, PythonSyntaxError, PythonUnresolved } from './pythonAnalysisTypes.js';
export { BINARY_OPS, sourceText } from './pyAst.js';
export { buildPythonModelTree, type BuildPythonTreeOptions } from './buildPythonModelTree.js';

/** Options of `analyzePythonModels`. */
export interface AnalyzePythonOptions {
  /** File name or URI of the text, written into node sources. */
  fileName?: string;
  /** The analysis of the previous version of the same document: its syntax tree is reused (incremental parse). */
  previous?: PythonAnalysis;
  /** Analyses of other files of the workspace (cross-file base classes and submodules). */
  otherFiles?: PythonAnalysis[];
  signal?: AbortSignal;
}

/**
 * Finds the model classes of a Python file and what they own.
 * Never throws on bad Python: syntax errors are listed and the classes that
 * parse are still returned.
 * @param text whole file contents
 */
export function analyzePythonModels(text: string, options: AnalyzePythonOptions = {}): PythonAnalysis {
  throwIfAborted(options.signal);
  const tooDeep = bracketDepthOverflow(text);
  if (tooDeep >= 0) return unparsedAnalysis(text, tooDeep, options);
  // The parser reads a text where its known gaps are papered over (same length, so every position holds).
  const parsed = closeParserGaps(text);
  const tree = parseIncremental(text, parsed, options.previous);
  throwIfAborted(options.signal);
  const conv = new AstConverter(parsed);
  const analysis: PythonAnalysis = { ...emptyAnalysis(text, options), parseState: { tree, fragments: TreeFragment.addTree(tree) } };
  // Each top-level statement is read once and reused while its text and position are unchanged:
  // after a one-character edit only the statement around it is converted again.
  const previousCache = options.previous?.parseState?.statements;
  const cache = new Map<string, TopLevelPart>();
  for (const stmt of children(tree.topNode)) {
    throwIfAborted(options.signal);
    const start = conv.pos(stmt.from);
    const key = `${start.line}:${start.column}:${text.slice(stmt.from, stmt.to)}`;
    let part = previousCache?.get(key) ?? cache.get(key);
    if (!part) {
      part = { imports: {}, constants: {}, functions: {}, classes: [], syntaxErrors: [] };
      collectSyntaxErrors(stmt, conv, part.syntaxErrors);
      readTopLevel(stmt, conv, part, []);
    }
    cache.set(key, part);
    Object.assign(analysis.imports, part.imports);
    Object.assign(analysis.constants, part.constants);
    Object.assign(analysis.functions, part.functions);
    // Classes are copied: resolution below fills per-analysis fields, and the previous analysis keeps its own.
    for (const c of part.classes) analysis.classes.push({ ...c, isModel: false, modelChain: [], layers: [], functionalOps: [], unresolvedBases: [] });
    pushAll(analysis.syntaxErrors, part.syntaxErrors);
  }
  analysis.parseState!.statements = cache;
  resolveModels(analysis);
  return analysis;
}

/**
 * The analysis of a file nested deeper than Python allows: no classes, and one syntax error at
 * the bracket past the limit, so that the file ends in a clear message instead of seconds of
 * parser recovery.
 */
function unparsedAnalysis(text: string, offset: number, options: AnalyzePythonOptions): PythonAnalysis {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const at = { line, column: offset - (before.lastIndexOf('\n') + 1) };
  const analysis = emptyAnalysis(text, options);
  analysis.syntaxErrors.push({
    range: { start: at, end: { line, column: at.column + 1 } },
    message: `brackets nested more than ${MAX_PYTHON_BRACKET_DEPTH} deep (Python's own limit): the file is not analysed`,
  });
  return analysis;
}

/** An analysis of `text` that has found nothing yet. */
function emptyAnalysis(text: string, options: AnalyzePythonOptions): PythonAnalysis {
  return {
    text,
    ...(options.fileName ? { fileName: options.fileName } : {}),
    imports: {},
    constants: {},
    functions: {},
    classes: [],
    modelClasses: [],
    syntaxErrors: [],
    unresolved: [],
    otherFiles: options.otherFiles ?? [],
  };
}

/** Re-parses reusing the previous tree for the unchanged prefix and suffix of the text. */
function parseIncremental(text: string, parsed: string, previous: PythonAnalysis | undefined): Tree {
  const prev = previous?.parseState;
  if (!prev || previous.text === undefined) return parser.parse(parsed);
  if (previous.text === text) return prev.tree;
  const old = previous.text;
  let start = 0;
  const minLen = Math.min(old.length, text.length);
  while (start < minLen && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  let endOld = old.length;
  let endNew = text.length;
  while (endOld > start && endNew > start && old.charCodeAt(endOld - 1) === text.charCodeAt(endNew - 1)) {
    endOld--;
    endNew--;
  }
  const fragments = TreeFragment.applyChanges(prev.fragments, [{ fromA: start, toA: endOld, fromB: start, toB: endNew }]);
  return parser.parse(parsed, fragments);
}

function collectSyntaxErrors(node: SyntaxNode, conv: AstConverter, out: PythonSyntaxError[]): void {
  const cursor = node.cursor();
  let depth = 0;
  for (;;) {
    let enter = true;
    if (cursor.type.isError && isParserGap(cursor.node)) enter = false;
    else if (cursor.type.isError) {
      const parent = cursor.node.parent;
      const context = parent && parent.name !== 'Script' ? ` in ${describeNode(parent.name)}` : '';
      const near = conv.src({ from: cursor.from, to: Math.min(cursor.to, cursor.from + 20) }).trim();
      out.push({
        range: conv.range(cursor.to > cursor.from ? cursor : { from: cursor.from, to: cursor.from }),
        message: near ? `syntax error${context} near "${near}"` : `syntax error${context}: something is missing here`,
      });
      enter = false;
    }
    if (enter && cursor.firstChild()) {
      depth++;
      continue;
    }
    for (;;) {
      if (depth === 0) return;
      if (cursor.nextSibling()) break;
      cursor.parent();
      depth--;
    }
  }
}

function describeNode(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function readTopLevel(stmt: SyntaxNode, conv: AstConverter, a: TopLevelPart, decorators: string[]): void {
  switch (stmt.name) {
    case 'ImportStatement':
      readImport(stmt, conv, a.imports);
      break;
    case 'AssignStatement': {
      const s = conv.stmt(stmt);
      if (s.k === 'assign') {
        for (const t of s.targets) if (t.k === 'name') a.constants[t.id] = s.value;
      }
      break;
    }
    case 'FunctionDefinition': {
      const f = conv.func(stmt);
      if (f) a.functions[f.name] = f;
      break;
    }
    case 'DecoratedStatement': {
      const decos: string[] = [];
      let inner: SyntaxNode | undefined;
      for (const c of children(stmt)) {
        if (c.name === 'Decorator') {
          const name = children(c).filter((n) => n.name === 'VariableName' || n.name === 'PropertyName' || n.name === '.');
          decos.push(name.map((n) => conv.src(n)).join(''));
        } else inner = c;
      }
      if (inner) {
        if (inner.name === 'ClassDefinition') a.classes.push(readClass(inner, conv, decos, stmt));
        else readTopLevel(inner, conv, a, decos);
      }
      break;
    }
    case 'ClassDefinition':
      a.classes.push(readClass(stmt, conv, decorators, stmt));
      break;
    case 'IfStatement':
    case 'TryStatement':
      // `if TYPE_CHECKING:` / `try: import x except ImportError:` blocks hold imports and classes too.
      for (const body of children(stmt)) {
        if (body.name === 'Body') for (const inner of children(body)) readTopLevel(inner, conv, a, []);
      }
      break;
    default:
      break;
  }
}

function readImport(stmt: SyntaxNode, conv: AstConverter, imports: Record<string, string>): void {
  const kids = children(stmt);
  const isFrom = kids[0]?.name === 'from';
  let i = 1;
  let fromPath = '';
  if (isFrom) {
    const parts: string[] = [];
    while (i < kids.length && kids[i]!.name !== 'import') parts.push(conv.src(kids[i++]!));
    fromPath = parts.join('');
    i++; // 'import'
  }
  // Names separated by commas; `a.b as c`.
  let current: string[] = [];
  const flush = (alias?: string): void => {
    if (current.length === 0) return;
    const dotted = current.join('.');
    if (isFrom) imports[alias ?? dotted] = fromPath.endsWith('.') ? `${fromPath}${dotted}` : `${fromPath}.${dotted}`;
    else imports[alias ?? current[0]!] = alias ? dotted : current[0]!;
    current = [];
  };
  for (; i < kids.length; i++) {
    const c = kids[i]!;
    if (c.name === 'VariableName') current.push(conv.src(c));
    else if (c.name === 'as' && kids[i + 1]) {
      flush(conv.src(kids[i + 1]!));
      i++;
    } else if (c.name === ',') flush();
  }
  flush();
}

function readClass(node: SyntaxNode, conv: AstConverter, decorators: string[], outer: SyntaxNode): PythonClass {
  const kids = children(node);
  const nameNode = kids.find((c) => c.name === 'VariableName');
  const argList = kids.find((c) => c.name === 'ArgList');
  const body = kids.find((c) => c.name === 'Body');
  const bases: string[] = [];
  if (argList) {
    for (const c of children(argList)) {
      if (c.name === '(' || c.name === ')' || c.name === ',') continue;
      const d = dottedName(conv.expr(c));
      if (d) bases.push(d);
    }
  }
  const cls: PythonClass = {
    name: nameNode ? conv.src(nameNode) : '<anonymous>',
    range: conv.range(outer),
    nameRange: conv.range(nameNode ?? node),
    bases,
    decorators,
    isModel: false,
    modelChain: [],
    fields: [],
    methods: {},
    layers: [],
    functionalOps: [],
    unresolvedBases: [],
  };
  for (const stmt of body ? children(body) : []) {
    let target = stmt;
    if (stmt.name === 'DecoratedStatement') target = children(stmt).find((c) => c.name === 'FunctionDefinition') ?? stmt;
    if (target.name === 'FunctionDefinition') {
      const f = conv.func(target);
      if (f) cls.methods[f.name] = f;
    } else if (target.name === 'AssignStatement') {
      const ks = children(target);
      const nameN = ks[0];
      if (nameN?.name !== 'VariableName') continue;
      const typeDef = ks.find((c) => c.name === 'TypeDef');
      const annNode = typeDef ? children(typeDef).find((c) => c.name !== ':') : undefined;
      const annotation = annNode ? dottedName(conv.expr(annNode)) : undefined;
      const s = conv.stmt(target);
      cls.fields.push({
        name: conv.src(nameN),
        ...(s.k === 'assign' ? { value: s.value } : {}),
        ...(annotation ? { annotation } : {}),
        range: conv.range(target),
      });
    }
  }
  return cls;
}

/** Marks model classes (fixpoint over same-file and other-file bases), then lists their layers and ops. */
function resolveModels(a: PythonAnalysis): void {
  const local = new Map(a.classes.map((c) => [c.name, c]));
  const external = new Map<string, PythonClass>();
  for (const other of a.otherFiles) for (const c of other.classes) if (!external.has(c.name)) external.set(c.name, c);
  const chainOf = new Map<string, string[] | null>();
  const visit = (cls: PythonClass, seen: Set<string>): string[] | null => {
    const memo = chainOf.get(cls.name);
    if (memo !== undefined) return memo;
    if (seen.has(cls.name)) return null;
    seen.add(cls.name);
    let chain: string[] | null = null;
    for (const base of cls.bases) {
      if (isTorchModelBase(base, a.imports)) {
        chain = [cls.name, base];
        break;
      }
      const short = base.split('.').pop()!;
      const baseCls = local.get(short) ?? external.get(short);
      if (baseCls && baseCls !== cls) {
        const sub = baseCls.isModel ? baseCls.modelChain : visit(baseCls, seen);
        if (sub) {
          chain = [cls.name, ...sub];
          break;
        }
      }
    }
    chainOf.set(cls.name, chain);
    return chain;
  };
  for (const cls of a.classes) {
    const chain = visit(cls, new Set());
    cls.isModel = chain !== null;
    cls.modelChain = chain ?? [];
    for (const base of cls.bases) {
      const short = base.split('.').pop()!;
      if (isTorchModelBase(base, a.imports) || local.has(short) || external.has(short) || KNOWN_NON_MODEL_BASES.has(short)) continue;
      cls.unresolvedBases.push(base);
      a.unresolved.push({
        className: cls.name,
        what: base,
        range: cls.nameRange,
        message: `${cls.name}: base class ${base} is not defined in this file${a.otherFiles.length ? ' or the other files given' : ''}; open the file that defines it so that its layers are counted`,
      });
    }
  }
  const isModelClass = (name: string): boolean => (local.get(name) ?? external.get(name))?.isModel ?? false;
  // Layers and ops depend on the class body (shared, immutable), the imports and which names are models.
  const modelNames = [...local.values(), ...external.values()].filter((c) => c.isModel).map((c) => c.name);
  const signature = `${JSON.stringify(a.imports)}|${modelNames.sort().join(',')}`;
  for (const cls of a.classes) {
    if (!cls.isModel) continue;
    a.modelClasses.push(cls.name);
    const memo = layerMemo.get(cls.methods);
    if (memo?.signature === signature) {
      cls.layers = memo.layers;
      cls.functionalOps = memo.ops;
      cls.instantiates = memo.instantiates;
      continue;
    }
    const init = Object.hasOwn(cls.methods, '__init__') ? cls.methods['__init__'] : undefined;
    if (init) collectLayers(init.body, false, cls.layers, a.imports, isModelClass);
    cls.instantiates = init ? calledModelClasses(init.body, isModelClass).filter((n) => n !== cls.name) : [];
    for (const [name, m] of Object.entries(cls.methods)) {
      if (name === '__init__') continue;
      collectOps(m.body, name, cls.functionalOps, a.imports);
    }
    cls.functionalOps.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.column - y.range.start.column);
    layerMemo.set(cls.methods, { signature, layers: cls.layers, ops: cls.functionalOps, instantiates: cls.instantiates });
  }
}

/** Layers and ops per class body, reused by incremental analyses while imports and model names are unchanged. */
const layerMemo = new WeakMap<Record<string, PyFunction>, { signature: string; layers: PythonLayer[]; ops: PythonFunctionalOp[]; instantiates: string[] }>();

/** Names of model classes called anywhere in a body (statements and expressions at any depth, iteratively). */
function calledModelClasses(body: PyStmt[], isModelClass: (name: string) => boolean): string[] {
  const found = new Set<string>();
  const exprs: PyExpr[] = [];
  const stmts: PyStmt[] = [...body];
  while (stmts.length || exprs.length) {
    const s = stmts.pop();
    if (s) {
      switch (s.k) {
        case 'assign':
          exprs.push(s.value);
          break;
        case 'augassign':
        case 'expr':
          exprs.push(s.value);
          break;
        case 'return':
          if (s.value) exprs.push(s.value);
          break;
        case 'if':
          for (const b of s.branches) {
            if (b.test) exprs.push(b.test);
            pushAll(stmts, b.body);
          }
          break;
        case 'for':
          exprs.push(s.iter);
          pushAll(stmts, s.body);
          break;
        case 'while':
          exprs.push(s.test);
          pushAll(stmts, s.body);
          break;
        case 'with':
          pushAll(stmts, s.body);
          break;
        case 'def':
          pushAll(stmts, s.f.body);
          break;
        default:
          break;
      }
      continue;
    }
    const e = exprs.pop()!;
    switch (e.k) {
      case 'call': {
        const callee = dottedName(e.fn);
        if (callee && isModelClass(callee.split('.').pop()!)) found.add(callee.split('.').pop()!);
        exprs.push(e.fn);
        pushAll(exprs, e.args.map((x) => x.value));
        break;
      }
      case 'attr':
        exprs.push(e.obj);
        break;
      case 'sub':
        exprs.push(e.obj);
        break;
      case 'bin':
        exprs.push(e.left, e.right);
        break;
      case 'unary':
        exprs.push(e.operand);
        break;
      case 'tuple':
      case 'list':
        pushAll(exprs, e.items);
        break;
      case 'dict':
        for (const en of e.entries) exprs.push(en.value);
        break;
      case 'comp':
        exprs.push(e.elt, e.iter);
        break;
      case 'cond':
        exprs.push(e.test, e.then, e.orelse);
        break;
      case 'starred':
        exprs.push(e.value);
        break;
      case 'lambda':
        pushAll(stmts, e.f.body);
        break;
      default:
        break;
    }
  }
  return [...found];
}

/** Bases that are not models and need not be resolved (mixins, dataclass bases, Python builtins). */
const KNOWN_NON_MODEL_BASES = new Set(['object', 'Enum', 'IntEnum', 'NamedTuple', 'TypedDict', 'ABC', 'GenerationMixin', 'PretrainedConfig', 'PreTrainedConfig', 'Generic', 'Protocol', 'dict', 'Exception', 'ModelOutput']);

/** nn.Module, torch.nn.Module, Module, PreTrainedModel and its *PreTrainedModel friends. */
export function isTorchModelBase(base: string, imports: Record<string, string>): boolean {
  const head = base.split('.')[0]!;
  const full = imports[head] ? [imports[head], ...base.split('.').slice(1)].join('.') : base;
  const last = full.split('.').pop()!;
  if (last === 'Module') return full === 'Module' || full.startsWith('torch.') || full.startsWith('nn.') || full === 'torch.nn.Module';
  if (last === 'PreTrainedModel' || last === 'ModelMixin') return true;
  // A *PreTrainedModel imported from transformers (BertPreTrainedModel) is a model base; a local one is resolved as a class.
  return last.endsWith('PreTrainedModel') && (full.startsWith('transformers') || full.includes('modeling_'));
}

function collectLayers(
  body: PyStmt[],
  conditional: boolean,
  out: PythonLayer[],
  imports: Record<string, string>,
  isModelClass: (name: string) => boolean,
): void {
  for (const s of body) {
    if (s.k === 'assign') {
      for (const t of s.targets) {
        if (t.k !== 'attr' || t.obj.k !== 'name' || t.obj.id !== 'self') continue;
        const layer = layerOf(s.value, t.name, s.range, conditional, imports, isModelClass);
        if (layer) out.push(layer);
      }
    } else if (s.k === 'expr' && s.value.k === 'call' && s.value.fn.k === 'attr' && s.value.fn.name === 'append') {
      // self.layers.append(Block(cfg)) in a loop
      const owner = s.value.fn.obj;
      const arg = s.value.args[0]?.value;
      if (owner.k === 'attr' && owner.obj.k === 'name' && owner.obj.id === 'self' && arg) {
        const container = out.find((l) => l.path === owner.name && l.category === 'container');
        const item = layerOf(arg, `${owner.name}.${container?.items?.length ?? 0}`, s.range, true, imports, isModelClass);
        if (item && container) (container.items ??= []).push(item);
      }
    } else if (s.k === 'if') {
      for (const b of s.branches) collectLayers(b.body, true, out, imports, isModelClass);
    } else if (s.k === 'for' || s.k === 'with') {
      collectLayers(s.body, true, out, imports, isModelClass);
    }
  }
}

function layerOf(
  value: PyExpr,
  path: string,
  range: SourceRange,
  conditional: boolean,
  imports: Record<string, string>,
  isModelClass: (name: string) => boolean,
): PythonLayer | undefined {
  if (value.k === 'sub') {
    // ACT2FN[config.hidden_act]
    const d = dottedName(value.obj);
    if (d && /^(ACT2FN|ACT2CLS)$/.test(d.split('.').pop()!)) return { path, layerType: 'activation', category: 'activation', range, conditional };
    return undefined;
  }
  if (value.k === 'cond') return layerOf(value.then, path, range, true, imports, isModelClass) ?? layerOf(value.orelse, path, range, true, imports, isModelClass);
  if (value.k !== 'call') return undefined;
  const callee = dottedName(value.fn);
  if (!callee) return undefined;
  const c = classifyCallee(callee, imports);
  const short = callee.split('.').pop()!;
  if (c.category === 'container') {
    const layer: PythonLayer = { path, layerType: c.name, category: 'container', range, conditional, items: [] };
    const first = value.args[0]?.value;
    const itemExprs: PyExpr[] =
      c.name === 'Sequential' ? value.args.filter((a) => !a.name && !a.star).map((a) => a.value) : first?.k === 'list' || first?.k === 'tuple' ? first.items : first ? [first] : [];
    itemExprs.forEach((e, i) => {
      if (e.k === 'comp') {
        const item = layerOf(e.elt, `${path}.${i}`, e.elt.range, conditional, imports, isModelClass);
        if (item) {
          const it = e.iter;
          if (it.k === 'call' && dottedName(it.fn) === 'range') {
            const last = it.args[it.args.length - 1];
            if (last) item.repeat = sourceText(last.value);
          }
          layer.items!.push(item);
        }
      } else if (e.k === 'dict') {
        for (const en of e.entries) {
          const key = en.key?.k === 'str' ? en.key.value : `${layer.items!.length}`;
          const item = layerOf(en.value, `${path}.${key}`, en.value.range, conditional, imports, isModelClass);
          if (item) layer.items!.push(item);
        }
      } else {
        const item = layerOf(e, `${path}.${i}`, e.range, conditional, imports, isModelClass);
        if (item) layer.items!.push(item);
      }
    });
    return layer;
  }
  if (c.category === 'layer') return { path, layerType: c.name, category: 'torch', range, conditional };
  if (c.category === 'activation') return { path, layerType: 'activation', category: 'activation', range, conditional };
  if (isModelClass(short)) return { path, layerType: short, category: 'model', range, conditional };
  return undefined;
}

function collectOps(body: PyStmt[], method: string, out: PythonFunctionalOp[], imports: Record<string, string>): void {
  const visitExpr = (e: PyExpr | undefined): void => {
    if (!e) return;
    switch (e.k) {
      case 'call': {
        const callee = dottedName(e.fn);
        if (callee) {
          const c = classifyCallee(callee, imports);
          if (c.category === 'functional') out.push({ op: c.name, callee, method, range: e.range });
        } else if (e.fn.k === 'attr') {
          const c = classifyCallee(`<tensor>.${e.fn.name}`, imports);
          if (c.category === 'functional') out.push({ op: c.name, callee: `.${e.fn.name}`, method, range: e.range });
        }
        if (e.fn.k === 'attr') visitExpr(e.fn.obj);
        for (const a of e.args) visitExpr(a.value);
        break;
      }
      case 'bin': {
        const op = BINARY_OPS[e.op];
        if (op) out.push({ op, callee: e.op, method, range: e.range });
        visitExpr(e.left);
        visitExpr(e.right);
        break;
      }
      case 'unary':
        if (e.op === '-' && e.operand.k !== 'num') out.push({ op: 'neg', callee: '-', method, range: e.range });
        visitExpr(e.operand);
        break;
      case 'attr':
        visitExpr(e.obj);
        break;
      case 'sub':
        visitExpr(e.obj);
        break;
      case 'tuple':
      case 'list':
        e.items.forEach(visitExpr);
        break;
      case 'cond':
        visitExpr(e.test);
        visitExpr(e.then);
        visitExpr(e.orelse);
        break;
      case 'starred':
        visitExpr(e.value);
        break;
      default:
        break;
    }
  };
  for (const s of body) {
    switch (s.k) {
      case 'assign':
        visitExpr(s.value);
        break;
      case 'augassign': {
        const op = BINARY_OPS[s.op];
        if (op) out.push({ op, callee: `${s.op}=`, method, range: s.range });
        visitExpr(s.value);
        break;
      }
      case 'expr':
        visitExpr(s.value);
        break;
      case 'return':
        visitExpr(s.value);
        break;
      case 'if':
        for (const b of s.branches) collectOps(b.body, method, out, imports);
        break;
      case 'for':
      case 'with':
        collectOps(s.body, method, out, imports);
        break;
      default:
        break;
    }
  }
}

