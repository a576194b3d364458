/**
 * Builds the model tree of one model class of an analysed Python file, with
 * real numbers: constructor arguments are evaluated statically (literals,
 * arithmetic, module constants, defaults, dataclass/dict configs, a config
 * file beside the source), shapes flow from token ids through `forward`, and
 * every node links back to the source line that creates or calls it.
 */
import { parse as parseYaml } from 'yaml';
import { InvalidInputError, MalformedFileError, MissingFieldError, UnknownModelTypeError, throwIfAborted } from '../../errors.js';
import { buildTreeFromConfig } from '../hfConfig/hfConfigImporter.js';
import type { ModelNode, ModelTree } from '../../tree/modelNode.js';
import { rollUpTotals, walkTree } from '../../tree/treeWalk.js';
import type { ImportOptions } from '../importer.js';
import { dottedName, type PyExpr } from './pyAst.js';
import { PythonInterpreter, ROOT_WIDTH } from './pythonInterpreter.js';
import type { PythonAnalysis, PythonClass } from './pythonAnalysisTypes.js';
import { IDENTITY_LAYERS } from './torchCatalog.js';
import { NONE, fromJson, unknown, type ClassRef, type ModuleInst, type Value } from './pythonValue.js';
import { pushAll } from '../../arrays.js';

/** Options of `buildPythonModelTree`. */
export interface BuildPythonTreeOptions extends ImportOptions {
  /** File name or URI of the analysed source (written into node sources). */
  fileName: string;
  /** Text of the `config.json` (or `.yaml`) beside the file; its values resolve `config.x`. */
  configText?: string;
  /** Name of that config file, to tell YAML from JSON (JSON when omitted and the text parses as JSON). */
  configFileName?: string;
  /**
   * The tree of the HF config importer for the same config. By default it is
   * built from `configText` when that is a config.json with a supported
   * `model_type`. When its root class is `className` and this file does not
   * change the architecture, its numbers are kept and this file's source
   * lines are attached to its nodes by scope, class name and attribute path;
   * a modified copy (layers added or removed) gets the tree built from source.
   */
  configTree?: ModelTree;
}

/**
 * The model tree of `className` in `analysis` for one inference of
 * batchSize x seqLen tokens. Unresolvable dimensions are reported in
 * `node.unresolved` and the tree's warnings, never guessed.
 * @throws InvalidInputError when the class is not a model class of the file.
 * @throws MalformedFileError when `configText` is neither JSON nor YAML.
 */
export function buildPythonModelTree(analysis: PythonAnalysis, className: string, options: BuildPythonTreeOptions): ModelTree {
  throwIfAborted(options.signal);
  const cls = analysis.classes.find((c) => c.name === className);
  if (!cls) {
    throw new InvalidInputError(`${options.fileName}: no class "${className}" (model classes here: ${analysis.modelClasses.join(', ') || 'none'})`);
  }
  if (!cls.isModel) {
    throw new InvalidInputError(`${options.fileName}: ${className} does not derive from nn.Module or PreTrainedModel, so it is not a model`);
  }
  const config = options.configText !== undefined ? parseConfig(options.configText, options.configFileName ?? 'config') : undefined;
  const ref: ClassRef = { cls, analysis };
  const run = (inputWidth?: number): { interp: PythonInterpreter; rootModule: ModuleInst; root: ModelNode } => {
    const interp = new PythonInterpreter(analysis, {
      batchSize: options.batchSize,
      seqLen: options.seqLen,
      dtype: options.dtype,
      fileName: options.fileName,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { args, kwargs } = constructorArgs(interp, ref, config);
    const rootModule = interp.instantiate(ref, args, kwargs, cls.nameRange);
    rootModule.range = cls.nameRange;
    const { inputs, inputKw } = forwardInputs(interp, ref, options, inputWidth);
    return { interp, rootModule, root: interp.runRoot(rootModule, inputs, inputKw) };
  };
  // A root that takes hidden states (not token ids) learns their width from the first layer that reads them; run again with it known.
  let first = run();
  if (first.interp.inferredInputWidth !== undefined && !first.interp.budgetExceeded) first = run(first.interp.inferredInputWidth);
  const { interp, rootModule, root } = first;
  finishNodes(root, rootModule);
  const warnings = [...interp.warnings];
  reportUncalled(rootModule, root, warnings);
  pushAll(warnings, unresolvedWarnings(root));
  const built: ModelTree = {
    modelName: className,
    format: 'python',
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    dtype: options.dtype,
    root,
    warnings,
  };
  const configTree = options.configTree ?? configTreeFor(config, options.configText, options);
  if (!configTree) return built;
  // The config tree describes the base model (AutoModel: BertModel). It is the whole tree when that is the
  // class asked for, or a subtree of it (`root.bert` inside BertForMaskedLM).
  const base = [...walkTree(root)].find(({ node }) => node.instanceType === configTree.root.instanceType)?.node;
  if (!base) return built;
  const sub = base.scope === 'root' ? configTree : rescope(configTree, base.scope);
  // Complete: nothing unresolved and no code skipped; only then may a difference be a user's modification.
  const resolved = !interp.isIncomplete && ![...walkTree(base)].some(({ node }) => node.unresolved?.length);
  const a = layerScopes(base);
  const b = layerScopes(sub.root);
  const same = a.size === b.size && [...a].every((x) => b.has(x));
  if (resolved && same) {
    // Same modules, but the source computes something else (a user's modified copy): show the source, name where it differs.
    const at = firstFlopsDifference(base, sub.root);
    if (at) {
      built.warnings.unshift(
        `${base.instanceType} differs from the stock ${configTree.format} tree by more than 1 % in FLOPs, first at ${at.scope} (${at.mine.toExponential(3)} vs ${at.theirs.toExponential(3)} FLOPs per inference): the tree is built from this source`,
      );
      return built;
    }
  }
  if (resolved && !same) {
    built.warnings.unshift(
      `${base.instanceType} differs from the stock ${configTree.format} tree (${[...a].filter((x) => !b.has(x)).length} layers added, ${[...b].filter((x) => !a.has(x)).length} missing): the tree is built from this source`,
    );
    return built;
  }
  const attached = attachSource(sub, built, analysis, options.fileName);
  if (!same) {
    // Kept the config tree because the source could not be evaluated completely: say what it would have added.
    for (const scope of [...a].filter((x) => !b.has(x))) attached.warnings.push(`${scope} is built in this source but not in the ${configTree.format} tree of the config; it is not counted`);
  }
  if (base === root) return attached;
  // Graft: the config's base model replaces the source's subtree; heads around it stay as built from source.
  const grafted = attached.root;
  grafted.type = base.type;
  grafted.calls = base.calls;
  grafted.source = base.source ?? grafted.source;
  const replace = (n: ModelNode): boolean => {
    const i = n.children.indexOf(base);
    if (i >= 0) {
      n.children[i] = grafted;
      return true;
    }
    return n.children.some(replace);
  };
  replace(root);
  rollUpTotals(root);
  return { ...built, warnings: attached.warnings };
}

/**
 * The first node where two trees of the same modules disagree by more than 1 % in FLOPs per
 * inference: from the root down, the first child that disagrees, until none of its children does.
 */
function firstFlopsDifference(mine: ModelNode, theirs: ModelNode): { scope: string; mine: number; theirs: number } | undefined {
  const total = (n: ModelNode): number => n.flops * n.calls;
  const differs = (a: ModelNode, b: ModelNode): boolean => Math.abs(total(a) - total(b)) > 0.01 * Math.max(total(a), total(b));
  if (!differs(mine, theirs)) return undefined;
  let a = mine;
  let b = theirs;
  for (let guard = 0; guard < 10_000; guard++) {
    const byScope = new Map(a.children.map((c) => [c.scope, c]));
    const next = b.children.map((c) => [byScope.get(c.scope), c] as const).find(([x, y]) => x && /^[A-Z]/.test(y.instanceType) && differs(x, y));
    if (!next) break;
    a = next[0]!;
    b = next[1];
  }
  return { scope: a.scope, mine: total(a), theirs: total(b) };
}

/** A copy of a tree whose scopes start at `scope` instead of `root` (for grafting). */
function rescope(tree: ModelTree, scope: string): ModelTree {
  const out = structuredClone(tree);
  for (const { node } of walkTree(out.root)) node.scope = node.scope === 'root' ? scope : `${scope}${node.scope.slice(4)}`;
  return out;
}

/** One warning per unresolved node, repeated layers (`h.0` ... `h.11`) collapsed into one line with a count. */
export function unresolvedWarnings(root: ModelNode): string[] {
  const groups = new Map<string, { node: ModelNode; count: number }>();
  for (const { node } of walkTree(root)) {
    if (!node.unresolved?.length) continue;
    const key = `${node.scope.replace(/\.\d+(?=\.|$)/g, '.*')}|${node.unresolved.join(',')}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { node, count: 1 });
  }
  return [...groups.values()].map(({ node, count }) => {
    const line = node.source?.line !== undefined ? `, line ${node.source.line + 1}` : '';
    const scope = count > 1 ? `${node.scope.replace(/\.\d+(?=\.|$)/g, '.*')} (${count} nodes, ` : `${node.scope} (`;
    return `${scope}${node.instanceType}${line}): cannot resolve ${node.unresolved!.join(', ')}; its numbers are incomplete`;
  });
}

/** Parses the config beside the file: JSON first (config.json), else YAML. */
function parseConfig(text: string, fileName: string): Value {
  const isYaml = /\.ya?ml$/i.test(fileName);
  if (!isYaml) {
    try {
      return asHfConfig(fromJson(JSON.parse(text) as unknown));
    } catch (err) {
      if (/\.json$/i.test(fileName)) throw new MalformedFileError(`${fileName}: not valid JSON (${(err as Error).message}); fix it or remove it so the model's defaults are used`);
    }
  }
  try {
    return asHfConfig(fromJson(parseYaml(text) as unknown));
  } catch (err) {
    throw new MalformedFileError(`${fileName}: not valid YAML (${(err as Error).message}); fix it or remove it so the model's defaults are used`);
  }
}

/** A config file's object, marked so that PretrainedConfig defaults and aliases apply to what it does not state. */
function asHfConfig(v: Value): Value {
  return v.t === 'obj' ? { ...v, hf: {} } : v;
}

/**
 * Arguments for the root class: a module-level instantiation in the file
 * (`model = GPT(GPTConfig(n_layer=12))`) wins; else each `__init__` parameter
 * gets its default, the config file's values (config-like parameters), a
 * dataclass config of the file, or stays unresolved.
 */
function constructorArgs(interp: PythonInterpreter, ref: ClassRef, config: Value | undefined): { args: Value[]; kwargs: Map<string, Value> } {
  const a = ref.analysis;
  for (const expr of Object.values(a.constants)) {
    if (expr.k === 'call' && dottedName(expr.fn) === ref.cls.name) {
      const args: Value[] = [];
      const kwargs = new Map<string, Value>();
      for (const arg of expr.args) {
        const v = interp.evalExpr(arg.value, new Map(), a);
        if (arg.name) kwargs.set(arg.name, v);
        else if (!arg.star) args.push(v);
      }
      return { args, kwargs };
    }
  }
  const init = interp.findMethod(ref, '__init__');
  const kwargs = new Map<string, Value>();
  if (!init) return { args: [], kwargs };
  for (const p of init.f.params.slice(1)) {
    if (p.star) continue;
    const configClass = configClassFor(interp, p.annotation, p.name, a, ref);
    const configLike = /^(config|cfg|conf|args|hparams|params|model_args|opt|options|settings)$/i.test(p.name) || configClass !== undefined || /config/i.test(p.annotation ?? '');
    if (configLike) {
      let v: Value | undefined;
      // An HF config class is built from the file's values (`LlamaConfig(**config_json)`), so that what its __init__ derives follows them.
      const defaults = defaultConfigOf(interp, ref);
      if (defaults) v = defaults;
      else if (configClass && config && isHfConfigClass(configClass.cls)) v = interp.evalExpr(callOf(configClass.cls.name, CONFIG_JSON), new Map([[CONFIG_JSON, config]]), configClass.analysis);
      else if (configClass) v = interp.evalExpr(callOf(configClass.cls.name), new Map(), configClass.analysis);
      if (config) v = v ? merge(v, config) : config;
      if (!v && p.default) v = interp.evalExpr(p.default, new Map(), init.owner.analysis);
      kwargs.set(p.name, v ?? unknown(p.name));
      continue;
    }
    if (config?.t === 'obj' && config.attrs.has(p.name)) kwargs.set(p.name, config.attrs.get(p.name)!);
    else if (p.default) kwargs.set(p.name, interp.evalExpr(p.default, new Map(), init.owner.analysis));
    else kwargs.set(p.name, unknown(p.name));
  }
  return { args: [], kwargs };
}

/**
 * The config a model class builds for itself (minGPT's `GPT.get_default_config()`,
 * whose `None`s the constructor fills by model type), when it has such a method.
 */
function defaultConfigOf(interp: PythonInterpreter, ref: ClassRef): Value | undefined {
  const m = interp.findMethod(ref, 'get_default_config');
  if (!m) return undefined;
  const range = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
  const call: PyExpr = { k: 'call', fn: { k: 'attr', obj: { k: 'name', id: m.owner.cls.name, range }, name: 'get_default_config', range }, args: [], range };
  const v = interp.evalExpr(call, new Map(), m.owner.analysis);
  return v.t === 'obj' ? v : undefined;
}

/** Name of the variable holding the config file's values in a synthetic `Config(**values)` call. */
const CONFIG_JSON = '<config.json>';

/** A synthetic `Name()` call expression, or `Name(**kwargsVar)`. */
function callOf(name: string, kwargsVar?: string): PyExpr {
  const range = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
  const args = kwargsVar ? [{ star: '**' as const, value: { k: 'name' as const, id: kwargsVar, range } }] : [];
  return { k: 'call', fn: { k: 'name', id: name, range }, args, range };
}

/** The config class a parameter refers to: its annotation, else a `*Config` class of the file. */
function configClassFor(interp: PythonInterpreter, annotation: string | undefined, paramName: string, a: PythonAnalysis, model?: ClassRef): ClassRef | undefined {
  if (annotation) {
    const r = interp.classRef(annotation.split('.').pop()!);
    if (r && !r.cls.isModel) return r;
  }
  // A PreTrainedModel names its config class (`config_class = LlamaConfig`), possibly in another workspace file.
  const declared = model ? interp.classAttr(model, 'config_class') : undefined;
  if (declared?.t === 'class' && !declared.ref.cls.isModel) return declared.ref;
  if (!/^(config|cfg|conf|args|hparams)$/i.test(paramName)) return undefined;
  const candidates = a.classes.filter((c) => !c.isModel && /(Config|Cfg|Args|Params|HParams)$/.test(c.name) && !isHfConfigClass(c));
  return candidates.length === 1 ? { cls: candidates[0]!, analysis: a } : undefined;
}

function isHfConfigClass(c: PythonClass): boolean {
  return c.bases.some((b) => /PretrainedConfig|PreTrainedConfig/.test(b)) || c.name.endsWith('Config') && c.bases.some((b) => b.endsWith('Config'));
}

/** Overlays config-file values on an object (a dataclass instance). */
function merge(base: Value, over: Value): Value {
  if (base.t !== 'obj' || over.t !== 'obj') return over;
  const attrs = new Map(base.attrs);
  for (const [k, v] of over.attrs) attrs.set(k, v);
  // Base's class and kind stay: values from the file fill a dataclass, a config node or a transformers config.
  return { ...base, attrs };
}

/** The root forward's inputs: token ids (batch x seq) for an ids-like first parameter, else hidden states whose width the first layer fixes. */
function forwardInputs(interp: PythonInterpreter, ref: ClassRef, options: ImportOptions, width?: number): { inputs: Value[]; inputKw: Map<string, Value> } {
  const fwd = interp.findMethod(ref, 'forward');
  const inputKw = new Map<string, Value>();
  if (!fwd) return { inputs: [], inputKw };
  const params = fwd.f.params.slice(1).filter((p) => !p.star);
  const inputs: Value[] = [];
  params.forEach((p, i) => {
    if (i === 0) {
      const ids = /(ids|idx|tokens?|input)$/i.test(p.name);
      inputs.push(
        ids
          ? { t: 'tensor', shape: [options.batchSize, options.seqLen], int: true }
          : width === 0
            ? { t: 'tensor', shape: [options.batchSize, options.seqLen], int: true }
            : width !== undefined
            ? { t: 'tensor', shape: [options.batchSize, options.seqLen, width] }
            : { t: 'tensor', shape: [options.batchSize, options.seqLen, undefined], why: `${ROOT_WIDTH}${p.name}` },
      );
      return;
    }
    if (p.default) inputKw.set(p.name, interp.evalExpr(p.default, new Map(), fwd.owner.analysis));
    else if (/mask/i.test(p.name)) inputKw.set(p.name, NONE);
    else inputKw.set(p.name, unknown(p.name));
  });
  return { inputs, inputKw };
}

/** Orders children (modules in registration order, then functional ops in call order) and rolls totals up. */
export function finishNodes(root: ModelNode, rootModule: ModuleInst): void {
  // Registration order over the whole module tree (depth-first), so that container items keep their place among siblings.
  const orderByScope = new Map<string, number>();
  let counter = 0;
  const visit = (m: ModuleInst): void => {
    for (const [, c] of m.children) {
      if (c.scope) orderByScope.set(c.scope, counter++);
      visit(c);
    }
  };
  visit(rootModule);
  const sortRec = (n: ModelNode): void => {
    const modules = n.children.filter((c) => orderByScope.has(c.scope));
    const ops = n.children.filter((c) => !orderByScope.has(c.scope));
    modules.sort((a, b) => orderByScope.get(a.scope)! - orderByScope.get(b.scope)!);
    n.children = [...modules, ...ops];
    for (const c of n.children) sortRec(c);
  };
  sortRec(root);
  root.calls = Math.max(1, root.calls);
  rollUpTotals(root);
  // rollUpTotals sums children only: add the nn.Parameters a module with submodules owns itself (a bias, a scale).
  const own = new Map<string, number>();
  // Iterative, with the number of identical instances each module stands for (counted repeats).
  rootModule.scope = rootModule.scope ?? 'root';
  const pending: [ModuleInst, number][] = [[rootModule, 1]];
  while (pending.length) {
    const [m, parentFactor] = pending.pop()!;
    const factor = parentFactor * (m.repeat ?? 1);
    if (m.scope && m.children.length > 0 && m.ownParameters > 0) own.set(m.scope, m.ownParameters * factor);
    for (const [, c] of m.children) pending.push([c, factor]);
  }
  const addOwn = (n: ModelNode): number => {
    let extra = own.get(n.scope) ?? 0;
    for (const c of n.children) extra += addOwn(c);
    if (n.children.length > 0) n.parameters += extra;
    return n.children.length > 0 ? extra : 0;
  };
  addOwn(root);
}

export function reportUncalled(m: ModuleInst, root: ModelNode, warnings: string[]): void {
  const scopes = new Set<string>();
  for (const { node } of walkTree(root)) scopes.add(node.scope);
  const visit = (x: ModuleInst): void => {
    for (const [, c] of x.children) {
      const skip = c.kind === 'container' && c.className !== 'Sequential';
      if (!skip && c.scope && !scopes.has(c.scope) && !IDENTITY_LAYERS.has(c.className)) {
        const line = c.range ? ` (line ${c.range.start.line + 1})` : '';
        warnings.push(`${c.scope}${line}: ${c.className} is never called in forward; not counted`);
      }
      visit(c);
    }
  };
  visit(m);
}

/** Scopes of module and layer nodes (functional ops excluded: their names are lower case). */
function layerScopes(root: ModelNode): Set<string> {
  const out = new Set<string>();
  for (const { node } of walkTree(root)) if (/^[A-Z]/.test(node.instanceType)) out.add(node.scope);
  return out;
}

/**
 * HF modelling files: keeps the config importer's tree (its numbers) and
 * attaches this file's source lines to exactly its nodes: first by scope from
 * the tree built here, then by class name (module nodes get their class
 * definition) and attribute path (layers get their `self.x = ...` line).
 */
function attachSource(configTree: ModelTree, fromSource: ModelTree, analysis: PythonAnalysis, fileName: string): ModelTree {
  const byScope = new Map<string, ModelNode>();
  for (const { node } of walkTree(fromSource.root)) byScope.set(node.scope, node);
  // Functional ops are matched by parent, op name and ordinal (the 2nd matmul of a module), not by index:
  // the source may call an op the config tree leaves out (a mask add), which shifts the indices.
  const opKey = (parentScope: string, node: ModelNode, ordinal: number): string => `${parentScope}|${node.instanceType}|${ordinal}`;
  const opOrdinals = (root: ModelNode): Map<ModelNode, string> => {
    const keys = new Map<ModelNode, string>();
    for (const { node } of walkTree(root)) {
      const seen = new Map<string, number>();
      for (const c of node.children) {
        if (!/^[a-z]/.test(c.instanceType)) continue;
        const k = seen.get(c.instanceType) ?? 0;
        seen.set(c.instanceType, k + 1);
        keys.set(c, opKey(node.scope, c, k));
      }
    }
    return keys;
  };
  const mineByOp = new Map<string, ModelNode>();
  for (const [n, k] of opOrdinals(fromSource.root)) mineByOp.set(k, n);
  const classes = new Map(analysis.classes.map((c) => [c.name, c]));
  const out = structuredClone(configTree);
  const theirOps = opOrdinals(out.root);
  for (const { node, parent } of walkTree(out.root)) {
    const opK = theirOps.get(node);
    const mine = opK !== undefined ? mineByOp.get(opK) : byScope.get(node.scope);
    if (mine?.source) {
      node.source = { ...node.source, ...mine.source };
      continue;
    }
    const cls = classes.get(node.instanceType);
    if (cls && node.children.length > 0) {
      node.source = { ...node.source, file: fileName, line: cls.nameRange.start.line, column: cls.nameRange.start.column };
      continue;
    }
    const parentCls = parent ? classes.get(parent.instanceType) : undefined;
    if (parent && parentCls) {
      const attr = node.scope.slice(parent.scope.length + 1).split('.')[0]!;
      const layer = parentCls.layers.find((l) => l.path === attr);
      if (layer) node.source = { ...node.source, file: fileName, line: layer.range.start.line, column: layer.range.start.column };
      else if (opK !== undefined) {
        // The evaluator did not reach this op: take the k-th call of that op written in the class's forward.
        const ordinal = Number(opK.slice(opK.lastIndexOf('|') + 1));
        const written = parentCls.functionalOps.filter((o) => o.method === 'forward' && o.op === node.instanceType)[ordinal];
        if (written) node.source = { ...node.source, file: fileName, line: written.range.start.line, column: written.range.start.column };
      }
    }
  }
  const warnings = [...out.warnings, ...fromSource.warnings.map((w) => `source: ${w}`)];
  return { ...out, format: 'python', warnings };
}

/** The config importer's tree for a config with a supported `model_type`, else undefined. */
function configTreeFor(config: Value | undefined, configText: string | undefined, options: ImportOptions): ModelTree | undefined {
  if (!configText || config?.t !== 'obj' || config.attrs.get('model_type')?.t !== 'str') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(configText);
  } catch {
    return undefined;
  }
  try {
    return buildTreeFromConfig(parsed as Record<string, unknown>, { batchSize: options.batchSize, seqLen: options.seqLen, dtype: options.dtype, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    if (err instanceof UnknownModelTypeError || err instanceof MissingFieldError) return undefined;
    throw err;
  }
}
