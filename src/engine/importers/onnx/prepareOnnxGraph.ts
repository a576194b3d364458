/**
 * Puts a decoded graph into the shape the tree builder needs: model-local
 * functions inlined (their body nodes keep the call's module), nodes in
 * topological order (a cycle is a malformed file), sub-graphs of If/Loop/Scan
 * counted and reported.
 */
import { MalformedFileError, throwIfAborted } from '../../errors.js';
import type { OnnxFunction, OnnxGraph, OnnxModel, OnnxNode } from './onnxModel.js';
import { pushAll } from '../../arrays.js';
import { MAX_INLINED_ONNX_NODES, TreeNodeBudget } from '../../limits/workBudgets.js';

/** A graph ready for inference: nodes in execution order plus who produces and consumes each tensor. */
export interface PreparedGraph {
  nodes: OnnxNode[];
  /** Index in `nodes` of the node producing each tensor. */
  producer: Map<string, number>;
  /** Indices of the nodes consuming each tensor. */
  consumers: Map<string, number[]>;
  /** Nodes inside If/Loop/Scan bodies (count), not costed. */
  subgraphNodes: number;
  warnings: string[];
}

/** Deepest chain of nested function calls expanded; deeper calls are left as opaque nodes. */
const MAX_FUNCTION_DEPTH = 8;

/**
 * Inlines functions, orders the nodes and indexes producers and consumers.
 * @throws MalformedFileError on a cyclic graph or a tensor produced twice.
 */
export function prepareOnnxGraph(model: OnnxModel, fileName: string, signal?: AbortSignal): PreparedGraph {
  const warnings: string[] = [];
  const functions = new Map<string, OnnxFunction>();
  for (const f of model.functions) functions.set(`${f.domain}::${f.name}`, f);
  let inlined = 0;
  // Inlining multiplies: a function calling another 20 times, 8 levels deep, is 20^8 nodes. The
  // budget counts every node inlining adds; calls past it (and calls of a function from inside
  // itself) stay opaque nodes, with a warning.
  let added = 0;
  let overBudget = 0;
  const recursive = new Set<string>();
  const active = new Set<string>();
  const prefixes = new Set<string>();
  const expand = (nodes: OnnxNode[], depth: number): OnnxNode[] => {
    const out: OnnxNode[] = [];
    for (const n of nodes) {
      const key = `${n.domain}::${n.opType}`;
      const fn = functions.get(key);
      if (!fn || depth >= MAX_FUNCTION_DEPTH) {
        out.push(n);
        continue;
      }
      if (active.has(key)) {
        recursive.add(fn.name);
        out.push(n);
        continue;
      }
      if (added + fn.nodes.length > MAX_INLINED_ONNX_NODES) {
        overBudget++;
        out.push(n);
        continue;
      }
      added += fn.nodes.length;
      inlined++;
      throwIfAborted(signal);
      // Unnamed calls of one function in one body would share a prefix and produce a tensor twice.
      let prefix = `${n.name || n.opType}/`;
      if (prefixes.has(prefix)) prefix = `${n.name || n.opType}_${inlined}/`;
      prefixes.add(prefix);
      const rename = new Map<string, string>();
      fn.inputs.forEach((name, k) => rename.set(name, n.inputs[k] ?? ''));
      fn.outputs.forEach((name, k) => rename.set(name, n.outputs[k] ?? ''));
      const map = (name: string): string => (name === '' ? '' : (rename.get(name) ?? prefix + name));
      const body = fn.nodes.map<OnnxNode>((b) => ({
        ...b,
        name: prefix + (b.name || b.opType),
        inputs: b.inputs.map(map),
        outputs: b.outputs.map(map),
        // The call's metadata (module scope) wins over the body's, which has none from exporters.
        metadata: { ...b.metadata, ...n.metadata },
      }));
      active.add(key);
      pushAll(out, expand(body, depth + 1));
      active.delete(key);
    }
    return out;
  };
  const raw = model.functions.length > 0 ? expand(model.graph.nodes, 0) : model.graph.nodes;
  new TreeNodeBudget(fileName).take(raw.length);
  if (inlined > 0) warnings.push(`${inlined} calls of model-local functions were expanded into their nodes`);
  if (overBudget > 0) {
    warnings.push(`${overBudget} calls of model-local functions were left unexpanded: inlining stopped at ${MAX_INLINED_ONNX_NODES.toLocaleString('en-US')} added nodes (IrEne's limit); their cost is not predicted`);
  }
  if (recursive.size > 0) {
    warnings.push(`model-local function${recursive.size > 1 ? 's' : ''} ${[...recursive].join(', ')} call${recursive.size > 1 ? '' : 's'} itself: those calls were left unexpanded and their cost is not predicted`);
  }

  let subgraphNodes = 0;
  let controlFlow = 0;
  const countSub = (g: OnnxGraph): void => {
    for (const n of g.nodes) {
      subgraphNodes++;
      for (const a of n.attributes) {
        if (a.g) countSub(a.g);
        for (const s of a.graphs ?? []) countSub(s);
      }
    }
  };
  for (let i = 0; i < raw.length; i++) {
    const attributes = raw[i]!.attributes;
    for (let k = 0; k < attributes.length; k++) {
      const a = attributes[k]!;
      if (!a.g && !a.graphs) continue;
      controlFlow++;
      if (a.g) countSub(a.g);
      for (const s of a.graphs ?? []) countSub(s);
    }
  }
  if (controlFlow > 0) {
    warnings.push(
      `${controlFlow} control-flow nodes (If/Loop/Scan) hold ${subgraphNodes} nodes in sub-graphs: counted, but their cost is not predicted (it depends on data)`,
    );
  }

  // One pass indexes producers and consumers in file order and checks that order: the file is
  // in execution order unless some tensor was consumed (by this node or an earlier one) before
  // the node producing it. (Separate passes for each cost a cold process tens of milliseconds on
  // a 10k-node graph.)
  const producerOf = new Map<string, number>();
  let consumers = new Map<string, number[]>();
  let sorted = true;
  // Index loops, and one map operation where one does: a cold process runs this in the
  // interpreter, where for-of allocates a result object per element and each lookup costs.
  for (let i = 0; i < raw.length; i++) {
    const n = raw[i]!;
    const inputs = n.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const inp = inputs[k]!;
      if (inp === '') continue;
      // A literal [i], not [] then push: most tensors have one consumer, and push leaves room for 16.
      const list = consumers.get(inp);
      if (list) list.push(i);
      else consumers.set(inp, [i]);
    }
    const outputs = n.outputs;
    for (let k = 0; k < outputs.length; k++) {
      const o = outputs[k]!;
      if (o === '') continue;
      const known = producerOf.size;
      producerOf.set(o, i);
      if (producerOf.size === known) throw new MalformedFileError(`${fileName}: not a valid ONNX graph (tensor "${o}" is produced by two nodes)`);
      if (sorted && consumers.has(o)) sorted = false;
    }
  }
  if (sorted) return { nodes: raw, producer: producerOf, consumers, subgraphNodes, warnings };

  const nodes = topoSort(raw, producerOf, fileName, signal);
  const producer = new Map<string, number>();
  consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o !== '') producer.set(o, i);
    for (const inp of n.inputs) {
      if (inp === '') continue;
      const list = consumers.get(inp);
      if (list) list.push(i);
      else consumers.set(inp, [i]);
    }
  });
  return { nodes, producer, consumers, subgraphNodes, warnings };
}

/** Kahn's algorithm, stable in the file's order; a node left over sits on a cycle. */
function topoSort(raw: OnnxNode[], producerOf: Map<string, number>, fileName: string, signal?: AbortSignal): OnnxNode[] {
  const indeg = new Array<number>(raw.length).fill(0);
  const next: number[][] = raw.map(() => []);
  raw.forEach((n, i) => {
    const deps = new Set<number>();
    for (const inp of n.inputs) {
      const p = producerOf.get(inp);
      if (p !== undefined) deps.add(p);
    }
    for (const p of deps) {
      indeg[i]!++;
      next[p]!.push(i);
    }
  });
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  const out: OnnxNode[] = [];
  for (let q = 0; q < queue.length; q++) {
    if (q % 4096 === 0) throwIfAborted(signal);
    const i = queue[q]!;
    out.push(raw[i]!);
    for (const j of next[i]!) if (--indeg[j]! === 0) queue.push(j);
  }
  if (out.length !== raw.length) {
    const stuck = raw.find((_, i) => indeg[i]! > 0)!;
    throw new MalformedFileError(
      `${fileName}: not a valid ONNX graph (cycle through node "${stuck.name || stuck.opType}"; ONNX graphs must be acyclic)`,
    );
  }
  return out;
}
