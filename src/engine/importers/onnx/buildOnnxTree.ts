/**
 * From a decoded ONNX model to the IrEne model tree: prepare the graph,
 * infer shapes, group nodes into primitives, recover module scopes, and
 * assemble module and ml nodes with FLOPs and bytes rolled up.
 */
import { InvalidInputError, throwIfAborted } from '../../errors.js';
import type { PrimitiveCost } from '../../features/primitiveCost.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import type { ModelNode, ModelTree, PrimitiveKind } from '../../tree/modelNode.js';
import { rollUpTotals } from '../../tree/treeWalk.js';
import type { ImportOptions } from '../importer.js';
import { formOnnxUnits, type OnnxUnit } from './formOnnxUnits.js';
import { inferOnnxShapes, type TensorInfo } from './inferOnnxShapes.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnxModel.js';
import { prepareOnnxGraph } from './prepareOnnxGraph.js';
import { guessClassName, parsePyList, recoverOnnxScopes, type ScopeAssignment } from './recoverOnnxScopes.js';

/** Import options of the ONNX importer: the HF config the model was exported from, when known, names classes. */
export type OnnxImportOptions = ImportOptions & { config?: Record<string, unknown> };

/** Where each ONNX node ended up, for the text rendering. */
export interface OnnxLayout {
  nodes: OnnxNode[];
  tensors: Map<string, TensorInfo>;
  initializers: Map<string, OnnxTensor>;
  /** Tree scope of the module each node belongs to (`root.encoder.layer.0.attention.self`). */
  nodeModule: string[];
  /** Tree scope of the ml node a node was folded into; undefined for views and constants. */
  nodeMl: (string | undefined)[];
  scopes: ScopeAssignment;
}

/** The tree plus the layout of the graph behind it. */
export interface OnnxTreeResult {
  tree: ModelTree;
  layout: OnnxLayout;
}

const ROOT = 'root';

function treeScope(path: string): string {
  return path === '' ? ROOT : `${ROOT}.${path}`;
}

/** Parent module path, skipping ModuleList containers (`encoder.layer` of `encoder.layer.0`), as the config trees do. */
function moduleParent(path: string): string {
  const segs = path.split('.');
  const own = segs.pop() ?? '';
  if (/^\d+$/.test(own) && segs.length > 0 && !/^\d+$/.test(segs[segs.length - 1]!)) segs.pop();
  return segs.join('.');
}

/**
 * Builds the tree of a decoded model.
 * @param fileName for the model name and messages.
 */
export function buildOnnxTree(model: OnnxModel, options: OnnxImportOptions, fileName: string): OnnxTreeResult {
  const signal = options.signal;
  const graph = prepareOnnxGraph(model, fileName, signal);
  throwIfAborted(signal);
  const inference = inferOnnxShapes(model.graph, graph.nodes, options);
  throwIfAborted(signal);
  const initializers = new Map<string, OnnxTensor>();
  for (const t of model.graph.initializers) initializers.set(t.name, t);
  const units = formOnnxUnits({ graph, tensors: inference.tensors, initializers, dtype: options.dtype });
  throwIfAborted(signal);

  const foldedFrom = new Map<string, string>();
  for (const v of [...model.graph.valueInfo, ...model.graph.inputs]) {
    const f = v.metadata['pkg.onnxscript.optimizer.folded_from'];
    if (f) foldedFrom.set(v.name, f);
  }
  const originalName = (t: OnnxTensor): string | undefined => {
    const f = t.metadata['pkg.onnxscript.optimizer.folded_from'] ?? foldedFrom.get(t.name);
    const list = parsePyList(f);
    if (list) {
      const weights = list.filter((s) => s.endsWith('.weight'));
      return weights.length === 1 ? weights[0] : undefined;
    }
    return t.name.includes('.') ? t.name : undefined;
  };
  const modelType = typeof options.config?.model_type === 'string' ? options.config.model_type : undefined;
  const scopes = recoverOnnxScopes({ graph, units, originalName, modelType });

  const warnings = [...graph.warnings, ...inference.warnings];
  if (inference.unknownOps.size > 0) {
    warnings.push(
      `unknown operators ${[...inference.unknownOps].sort().join(', ')}: kept in the tree without a cost, shapes after them may be missing`,
    );
  }
  const assembled = assemble(units, scopes, graph.nodes, inference.tensors, options, warnings);
  // A graph with no operator that runs (no nodes, or only constants and views) has nothing to
  // predict: its "energy" would be the fixed overhead of a forward pass of nothing.
  if (assembled.root.children.length === 0) {
    throw new InvalidInputError(
      `${fileName}: the graph has no operator that runs (${graph.nodes.length === 0 ? 'no nodes' : `${graph.nodes.length} node${graph.nodes.length === 1 ? '' : 's'}, all constants, views or of unknown input`}): nothing to predict`,
    );
  }
  const name = modelName(model, options, fileName);
  const tree: ModelTree = {
    modelName: name,
    format: 'onnx',
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    dtype: options.dtype,
    root: assembled.root,
    warnings,
  };
  return {
    tree,
    layout: { nodes: graph.nodes, tensors: inference.tensors, initializers, nodeModule: assembled.nodeModule, nodeMl: assembled.nodeMl, scopes },
  };
}

function modelName(model: OnnxModel, options: OnnxImportOptions, fileName: string): string {
  const fromConfig = options.config?._name_or_path;
  if (typeof fromConfig === 'string' && fromConfig !== '') return fromConfig;
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.onnx$/i, '') || model.graph.name || 'onnx model';
}

function assemble(
  units: OnnxUnit[],
  scopes: ScopeAssignment,
  nodes: OnnxNode[],
  tensors: Map<string, TensorInfo>,
  options: OnnxImportOptions,
  warnings: string[],
): { root: ModelNode; nodeModule: string[]; nodeMl: (string | undefined)[] } {
  const newNode = (scope: string, type: ModelNode['type'], instanceType: string, kind?: PrimitiveKind): ModelNode => ({
    scope,
    type,
    instanceType,
    ...(kind ? { kind } : {}),
    inputShapes: [],
    dtype: options.dtype,
    calls: 1,
    parameters: 0,
    flops: 0,
    memBytes: 0,
    children: [],
    source: { onnxNodes: [] },
  });
  const root = newNode(ROOT, 'model', scopes.classes.get('') ?? guessClassName('', ''));
  const modules = new Map<string, ModelNode>([['', root]]);
  const ensureModule = (path: string): ModelNode => {
    const found = modules.get(path);
    if (found) return found;
    const parent = ensureModule(moduleParent(path));
    const m = newNode(treeScope(path), 'module', scopes.classes.get(path) ?? guessClassName(path, ''));
    parent.children.push(m);
    modules.set(path, m);
    return m;
  };
  const leaves = new Map<string, { node: ModelNode; live: boolean; dormant: PrimitiveCost[] }>();
  const counters = new Map<string, number>();
  const nodeModule: string[] = new Array<string>(nodes.length).fill(ROOT);
  const nodeMl: (string | undefined)[] = new Array<string | undefined>(nodes.length).fill(undefined);
  /** Appends the names of a unit's nodes to `into` (an unnamed node gets its op and index). */
  const addNodeNames = (u: OnnxUnit, into: string[]): string[] => {
    for (let j = 0; j < u.nodes.length; j++) {
      const k = u.nodes[j]!;
      const node = nodes[k]!;
      into.push(node.name || `${node.opType}_${k}`);
    }
    return into;
  };

  // Index loops on this per-unit path: in a cold process for-of allocates a result per element.
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const leafPath = scopes.leaf[i];
    const modPath = leafPath !== undefined ? moduleParent(leafPath) : scopes.module[i]!;
    const mod = ensureModule(modPath);
    for (let j = 0; j < u.nodes.length; j++) nodeModule[u.nodes[j]!] = mod.scope;
    if (leafPath !== undefined) {
      let entry = leaves.get(leafPath);
      if (!entry) {
        const cls = scopes.classes.get(leafPath) ?? u.className ?? u.op;
        const byClass = primitiveKindOf(cls);
        const kind: PrimitiveKind = byClass !== 'other' ? byClass : u.kind === 'drop' ? 'other' : u.kind;
        entry = { node: newNode(treeScope(leafPath), 'ml', cls, kind), live: false, dormant: [] };
        // Placed on first sight so that children keep execution order.
        mod.children.push(entry.node);
        leaves.set(leafPath, entry);
      }
      const n = entry.node;
      addNodeNames(u, n.source!.onnxNodes!);
      for (let j = 0; j < u.nodes.length; j++) nodeMl[u.nodes[j]!] = n.scope;
      if (u.dormant) entry.dormant.push(u.dormant);
      if (u.kind !== 'drop') {
        if (!entry.live) {
          n.inputShapes = u.inputShapes;
          // A leaf first seen through a Constant or a view takes its class from what it computes.
          if (!scopes.classes.has(leafPath)) {
            n.instanceType = u.className ?? u.op;
            const byClass = primitiveKindOf(n.instanceType);
            n.kind = byClass !== 'other' ? byClass : u.kind;
          }
        }
        entry.live = true;
        n.flops += u.cost.flops;
        n.memBytes += u.cost.memBytes;
        n.parameters += u.cost.parameters;
        if (n.kind === 'other' && u.kind !== 'other') n.kind = u.kind;
      }
      continue;
    }
    if (u.kind === 'drop') {
      addNodeNames(u, mod.source!.onnxNodes!);
      continue;
    }
    const c = counters.get(mod.scope) ?? 0;
    counters.set(mod.scope, c + 1);
    const n = newNode(`${mod.scope}.${u.op}.${c}`, 'ml', u.op, u.kind);
    n.inputShapes = u.inputShapes;
    n.flops = u.cost.flops;
    n.memBytes = u.cost.memBytes;
    n.parameters = u.cost.parameters;
    n.source!.onnxNodes = addNodeNames(u, []);
    for (let j = 0; j < u.nodes.length; j++) nodeMl[u.nodes[j]!] = n.scope;
    mod.children.push(n);
  }
  // A leaf module that runs does all of its forward, constant steps included.
  for (const { node, live, dormant } of leaves.values()) {
    if (!live) continue;
    for (const c of dormant) {
      node.flops += c.flops;
      node.memBytes += c.memBytes;
    }
  }
  // Leaves whose nodes are all views or constants (a dropout) stay only when their class says they compute.
  for (const { node, live } of leaves.values()) {
    if (live || (node.kind !== 'other' && node.kind !== 'memory')) continue;
    for (const m of modules.values()) {
      const k = m.children.indexOf(node);
      if (k >= 0) m.children.splice(k, 1);
    }
  }
  pruneEmpty(root);
  moduleInputShapes(root, units, nodeModule, tensors);
  rollUpTotals(root);
  if (scopes.mode === 'weight-names' && root.children.every((c) => c.type === 'ml')) {
    warnings.push('no module scopes in the file (no scope metadata, node names or parameter names): ops are listed under the model');
  }
  return { root, nodeModule, nodeMl };
}

/**
 * A module's input shapes: the run-time tensors its nodes (views included) read that are
 * produced outside it, in order of first use, as a forward hook sees its tensor arguments.
 * The model keeps none, as in the measured trees.
 */
function moduleInputShapes(root: ModelNode, units: OnnxUnit[], nodeModule: string[], tensors: Map<string, TensorInfo>): void {
  // Number the modules in pre-order: module m's subtree is the range [pre(m), end(m)]. A tensor is
  // written inside m when the module of the unit writing it falls in that range. (The sets of
  // tensors written were once merged up the tree: every layer's thousand names copied into each
  // ancestor, the bulk of this step's time and garbage on a 10k-node graph.)
  const pre = new Map<string, number>();
  const end = new Map<string, number>();
  const number = (m: ModelNode): void => {
    if (pre.has(m.scope)) return;
    pre.set(m.scope, pre.size);
    for (const c of m.children) if (c.type !== 'ml') number(c);
    end.set(m.scope, pre.size - 1);
  };
  number(root);
  const byModule = new Map<string, OnnxUnit[]>();
  // Pre-order index of the module whose unit writes each tensor (modules left in the tree only).
  const writer = new Map<string, number>();
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const scope = nodeModule[u.nodes[0]!]!;
    let list = byModule.get(scope);
    if (!list) byModule.set(scope, (list = []));
    list.push(u);
    const at = pre.get(scope);
    if (at !== undefined) for (let k = 0; k < u.outputs.length; k++) writer.set(u.outputs[k]!, at);
  }
  const visited = new Set<string>();
  const visit = (m: ModelNode): { reads: string[]; first: Map<string, number> } => {
    visited.add(m.scope);
    const reads: string[] = [];
    const first = new Map<string, number>();
    const add = (t: string, at: number): void => {
      const seen = first.get(t);
      if (seen === undefined) {
        first.set(t, at);
        reads.push(t);
      } else if (at < seen) first.set(t, at);
    };
    const own = byModule.get(m.scope) ?? [];
    for (let i = 0; i < own.length; i++) {
      const u = own[i]!;
      for (let k = 0; k < u.dataInputs.length; k++) add(u.dataInputs[k]!, u.nodes[0]!);
    }
    for (let i = 0; i < m.children.length; i++) {
      const c = m.children[i]!;
      if (c.type === 'ml' || visited.has(c.scope)) continue;
      const sub = visit(c);
      for (let k = 0; k < sub.reads.length; k++) add(sub.reads[k]!, sub.first.get(sub.reads[k]!)!);
    }
    const lo = pre.get(m.scope)!;
    const hi = end.get(m.scope)!;
    const external = reads
      .filter((t) => {
        const w = writer.get(t);
        return w === undefined || w < lo || w > hi;
      })
      .sort((a, b) => first.get(a)! - first.get(b)!);
    if (m.type === 'module') {
      m.inputShapes = external.map((t) => tensors.get(t)?.shape).filter((s): s is number[] => s !== undefined);
    }
    return { reads: external, first };
  };
  visit(root);
}

/** Drops module nodes left without any ml descendant (only views and constants sat in them). */
function pruneEmpty(node: ModelNode): boolean {
  node.children = node.children.filter((c) => c.type === 'ml' || pruneEmpty(c));
  return node.children.length > 0;
}
