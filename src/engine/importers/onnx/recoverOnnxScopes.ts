/**
 * Recovers the PyTorch module tree of an exported graph, in order of trust:
 * 1. node metadata `pkg.torch.onnx.name_scopes` / `class_hierarchy` (recent torch.onnx);
 * 2. TorchScript-style node names `/encoder/layer.0/attention/self/query/MatMul`;
 * 3. weight names (`encoder.layer.3.intermediate.dense.weight`, also through the
 *    optimizer's `folded_from` metadata) as anchors, and the data flow around
 *    them for nodes without weights: an op belongs to the module its inputs
 *    come out of (the Q.K^T matmul to the attention that produced Q and K).
 *    Where Hugging Face conventions differ between families (post-norm BERT
 *    keeps the residual add and LayerNorm in `attention.output`, pre-norm
 *    GPT-2 / Llama keep them in the block), a small table keyed by
 *    recognisable scope names decides.
 */
import type { OnnxUnit } from './formOnnxUnits.js';
import type { OnnxNode, OnnxTensor } from './onnxModel.js';
import type { PreparedGraph } from './prepareOnnxGraph.js';
import { pushAll } from '../../arrays.js';
import { ownValue } from '../../ownKey.js';

/** Where each unit sits in the module tree. */
export interface ScopeAssignment {
  mode: 'metadata' | 'node-names' | 'weight-names';
  /** Module path of each unit (`encoder.layer.0.attention.self`; '' = the model). */
  module: string[];
  /** Leaf-module path of units that are (part of) a leaf module (`encoder.layer.0.attention.self.query`). */
  leaf: (string | undefined)[];
  /** Python class per module or leaf path, where known ('' = the model). */
  classes: Map<string, string>;
}

/** Architecture family, for naming what the graph cannot tell. */
export type OnnxFamily = 'bert' | 'gpt2' | 'llama' | 'generic';

const FAMILY_BY_MODEL_TYPE: Record<string, OnnxFamily> = {
  bert: 'bert', roberta: 'bert', electra: 'bert', albert: 'bert', camembert: 'bert', xlm_roberta: 'bert',
  gpt2: 'gpt2', 'openai-gpt': 'gpt2', gpt_neo: 'gpt2',
  llama: 'llama', mistral: 'llama', qwen2: 'llama', qwen3: 'llama', gemma: 'llama', phi3: 'llama',
};

/** Class-name prefix per HF model_type. */
const CLASS_PREFIX: Record<string, string> = {
  bert: 'Bert', roberta: 'Roberta', electra: 'Electra', albert: 'Albert', distilbert: 'DistilBert', gpt2: 'GPT2',
  'openai-gpt': 'OpenAIGPT', llama: 'Llama', mistral: 'Mistral', qwen2: 'Qwen2', camembert: 'Camembert',
};

/** Output projections: ops after them belong to the enclosing block (residual adds), not to their module. */
const OUTPUT_PROJECTIONS = new Set(['c_proj', 'o_proj', 'out_proj', 'down_proj', 'dense_4h_to_h', 'fc2', 'wo', 'w2']);

/** Leaf names of norms by family and position, as Hugging Face names them. */
const NORM_NAMES: Record<OnnxFamily, { block: string[]; root: string[]; other: string[] }> = {
  bert: { block: ['LayerNorm'], root: ['LayerNorm'], other: ['LayerNorm'] },
  gpt2: { block: ['ln_1', 'ln_2'], root: ['ln_f'], other: ['ln'] },
  llama: { block: ['input_layernorm', 'post_attention_layernorm'], root: ['norm'], other: ['norm'] },
  generic: { block: ['norm'], root: ['norm'], other: ['norm'] },
};
const ACT_NAMES: Record<string, string> = {
  'bert:intermediate': 'intermediate_act_fn',
  'bert:pooler': 'activation',
  'gpt2:mlp': 'act',
  'llama:mlp': 'act_fn',
};

/** Inputs of the scope recovery. */
export interface ScopeContext {
  graph: PreparedGraph;
  units: OnnxUnit[];
  /** Original parameter name of each weight tensor (after the optimizer's renames). */
  originalName: (t: OnnxTensor) => string | undefined;
  modelType?: string;
}

/** Parses a Python list repr of strings: `['', 'layers.0', 'linear']`. */
export function parsePyList(text: string | undefined): string[] | undefined {
  if (!text || !text.startsWith('[')) return undefined;
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function parentPath(p: string): string {
  const k = p.lastIndexOf('.');
  return k < 0 ? '' : p.slice(0, k);
}

function lastSegment(p: string): string {
  return p.slice(p.lastIndexOf('.') + 1);
}

/** The numbered block (`h.3`, `encoder.layer.3`) a path lies in. */
export function blockOf(p: string): string | undefined {
  const segs = p.split('.');
  for (let k = segs.length - 1; k >= 0; k--) if (/^\d+$/.test(segs[k]!)) return segs.slice(0, k + 1).join('.');
  return undefined;
}

function isAncestorOrSelf(a: string, b: string): boolean {
  return a === '' || a === b || b.startsWith(a + '.');
}

function shortClass(c: string): string {
  const k = c.lastIndexOf('.');
  return k < 0 ? c : c.slice(k + 1);
}

/** The Python class a module path most likely has, from its name (used when no metadata says). */
export function guessClassName(path: string, prefix: string): string {
  if (path === '') return `${prefix}Model`;
  const segs = path.split('.');
  const s = segs[segs.length - 1]!;
  const prev = segs[segs.length - 2];
  if (/^\d+$/.test(s)) {
    if (prev === 'h') return `${prefix}Block`;
    if (prev === 'layers') return `${prefix}DecoderLayer`;
    return `${prefix}Layer`;
  }
  const roles: Record<string, string> = {
    embeddings: 'Embeddings', encoder: 'Encoder', decoder: 'Decoder', attention: 'Attention', self: 'SelfAttention',
    intermediate: 'Intermediate', pooler: 'Pooler', attn: 'Attention', self_attn: 'Attention', mlp: 'MLP',
    crossattention: 'Attention',
  };
  if (s === 'output') return `${prefix}${prev === 'attention' ? 'SelfOutput' : 'Output'}`;
  const role = ownValue(roles, s);
  if (role) return prefix + role;
  return s.replace(/(^|_)([a-z])/g, (_, __: string, c: string) => c.toUpperCase());
}

/** Assigns every unit a module (and a leaf module where it is one). */
export function recoverOnnxScopes(ctx: ScopeContext): ScopeAssignment {
  const { graph } = ctx;
  const nodes = graph.nodes;
  const withScopes = nodes.filter((n) => n.metadata['pkg.torch.onnx.name_scopes'] !== undefined).length;
  const withNames = nodes.filter((n) => n.name.startsWith('/') && n.name.indexOf('/', 1) > 0).length;
  if (withScopes > 0 && withScopes >= nodes.length / 2) return fromPaths(ctx, 'metadata', (n) => metadataPath(n));
  if (withNames > 0 && withNames >= nodes.length / 2) {
    // Most nodes share their module with many others: one path (one string) per directory of names.
    const byDirectory = new Map<string, NodePath | undefined>();
    return fromPaths(ctx, 'node-names', (n) => {
      // A name ending in '/' has no last segment to leave out: its path differs from its directory's.
      if (n.name.endsWith('/')) return namePath(n);
      const directory = n.name.slice(0, n.name.lastIndexOf('/') + 1);
      let p = byDirectory.get(directory);
      if (p === undefined && !byDirectory.has(directory)) byDirectory.set(directory, (p = namePath(n)));
      return p;
    });
  }
  return fromWeights(ctx);
}

interface NodePath {
  path: string;
  /** Class of each path level (path -> class). */
  classes?: [string, string][];
}

function metadataPath(n: OnnxNode): NodePath | undefined {
  const scopes = parsePyList(n.metadata['pkg.torch.onnx.name_scopes']);
  if (!scopes || scopes.length === 0) return undefined;
  const classes = parsePyList(n.metadata['pkg.torch.onnx.class_hierarchy']) ?? [];
  if (scopes[0] !== '') return { path: '' }; // hooks outside any module (torch's runtime asserts)
  const out: [string, string][] = [];
  if (classes[0]) out.push(['', shortClass(classes[0])]);
  let full = '';
  for (let k = 1; k < scopes.length - 1; k++) {
    const e = scopes[k]!;
    full = full === '' || e.startsWith(full + '.') ? e : `${full}.${e}`;
    const c = classes[k];
    if (c) out.push([full, shortClass(c)]);
  }
  return { path: full, classes: out };
}

function namePath(n: OnnxNode): NodePath | undefined {
  const name = n.name;
  if (!name.startsWith('/')) return undefined;
  // The non-empty segments but the last, joined by dots; one pass without the split/filter/slice
  // arrays, as this runs for every node of a 10k-node graph in a cold process.
  let path = '';
  let pending: string | undefined;
  for (let start = 1; start <= name.length; ) {
    let end = name.indexOf('/', start);
    if (end < 0) end = name.length;
    if (end > start) {
      if (pending !== undefined) path = path === '' ? pending : `${path}.${pending}`;
      pending = name.slice(start, end);
    }
    start = end + 1;
  }
  return { path };
}

function familyOf(ctx: ScopeContext, leaves: Iterable<string>): OnnxFamily {
  const byType = ctx.modelType ? ownValue(FAMILY_BY_MODEL_TYPE, ctx.modelType) : undefined;
  if (byType) return byType;
  for (const l of leaves) {
    if (/(^|\.)attention\.self\.query$/.test(l)) return 'bert';
    if (/(^|\.)attn\.c_attn$/.test(l)) return 'gpt2';
    if (/(^|\.)self_attn\.q_proj$/.test(l)) return 'llama';
  }
  return 'generic';
}

function prefixOf(ctx: ScopeContext, family: OnnxFamily): string {
  if (ctx.modelType && ownValue(CLASS_PREFIX, ctx.modelType)) return CLASS_PREFIX[ctx.modelType]!;
  return family === 'bert' ? 'Bert' : family === 'gpt2' ? 'GPT2' : family === 'llama' ? 'Llama' : '';
}

/** Modes 1 and 2: every node knows its module; leaf modules absorb their nodes. */
function fromPaths(ctx: ScopeContext, mode: 'metadata' | 'node-names', pathOf: (n: OnnxNode) => NodePath | undefined): ScopeAssignment {
  const { graph, units } = ctx;
  const classes = new Map<string, string>();
  // Index loops here and below: this runs for every node and unit of a 10k-node graph, in a cold
  // process, where for-of allocates a result per element.
  const nodes = graph.nodes;
  const nodePaths: string[] = new Array<string>(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const p = pathOf(nodes[i]!);
    const levels = p?.classes;
    if (levels) {
      for (let k = 0; k < levels.length; k++) {
        const [path, cls] = levels[k]!;
        if (!classes.has(path)) classes.set(path, cls);
      }
    }
    nodePaths[i] = p?.path ?? '';
  }
  const all = new Set(nodePaths);
  const hasChild = new Set<string>();
  for (const p of all) for (let q = parentPath(p); ; q = parentPath(q)) {
    hasChild.add(q);
    if (q === '') break;
  }
  const module: string[] = [];
  const leaf: (string | undefined)[] = [];
  for (let i = 0; i < units.length; i++) {
    const p = nodePaths[units[i]!.main] ?? '';
    if (p !== '' && !hasChild.has(p)) {
      leaf.push(p);
      module.push(parentPath(p));
    } else {
      leaf.push(undefined);
      module.push(p);
    }
  }
  if (mode === 'node-names') {
    const family = familyOf(ctx, leaf.filter((l): l is string => l !== undefined));
    const prefix = prefixOf(ctx, family);
    for (const p of [...all, ...hasChild]) if (!classes.has(p) && hasChild.has(p)) classes.set(p, guessClassName(p, prefix));
    units.forEach((u, i) => {
      const l = leaf[i];
      if (l && u.kind !== 'drop' && u.className && !classes.has(l)) classes.set(l, leafClassName(u, family, prefix));
    });
  }
  return { mode, module, leaf, classes };
}

/** Mode 3: weights anchor leaves; data flow places the rest. */
function fromWeights(ctx: ScopeContext): ScopeAssignment {
  const { graph, units } = ctx;
  const n = units.length;
  const module: string[] = new Array<string>(n).fill('');
  const leaf: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  const exit: string[] = new Array<string>(n).fill('');
  const anchor: boolean[] = new Array<boolean>(n).fill(false);

  // Anchors: weights with a parameter name of their own (not shared by deduplication).
  const uses = new Map<OnnxTensor, number>();
  for (const u of units) if (u.weight) uses.set(u.weight, (uses.get(u.weight) ?? 0) + 1);
  const claimedLeaf = new Set<string>();
  units.forEach((u, i) => {
    if (!u.weight || (u.kind !== 'linear' && u.kind !== 'embedding' && u.kind !== 'conv')) return;
    const name = ctx.originalName(u.weight);
    if (!name || !name.endsWith('.weight') || uses.get(u.weight) !== 1) return;
    const l = name.slice(0, -'.weight'.length);
    if (claimedLeaf.has(l)) return;
    claimedLeaf.add(l);
    anchor[i] = true;
    leaf[i] = l;
    module[i] = parentPath(l);
    exit[i] = OUTPUT_PROJECTIONS.has(lastSegment(l)) ? parentPath(parentPath(l)) : parentPath(l);
  });
  const family = familyOf(ctx, claimedLeaf);
  const prefix = prefixOf(ctx, family);

  // Forward pass: an op belongs to the module its latest input comes out of.
  const producerUnit = new Map<string, number>();
  units.forEach((u, i) => {
    for (const o of u.outputs) producerUnit.set(o, i);
    for (const k of u.nodes) for (const o of graph.nodes[k]!.outputs) if (!producerUnit.has(o)) producerUnit.set(o, i);
  });
  const consumersOf = (i: number): number[] => {
    const out = new Set<number>();
    const stack = [...units[i]!.outputs];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      for (const c of graph.consumers.get(t) ?? []) {
        const cu = unitOfNode.get(c);
        if (cu === undefined || cu === i) continue;
        if (units[cu]!.kind === 'drop') pushAll(stack, units[cu]!.outputs);
        else out.add(cu);
      }
    }
    return [...out];
  };
  const unitOfNode = new Map<number, number>();
  units.forEach((u, i) => u.nodes.forEach((k) => unitOfNode.set(k, i)));

  units.forEach((u, i) => {
    if (anchor[i]) return;
    // The op belongs where its most recent input came out of: exporters emit nodes in execution
    // order, so that is the module the forward was in when it ran.
    let best = '';
    let bestProducer = -1;
    for (const t of u.dataInputs) {
      const p = producerUnit.get(t);
      if (p === undefined || p >= i || p < bestProducer) continue;
      best = anchor[p] ? exit[p]! : module[p]!;
      bestProducer = p;
    }
    module[i] = best;
    exit[i] = best;
  });

  // Backward corrections: an op whose results only feed one module's weights opens that module
  // (BERT's pooler slice); pre-norm norms open the block of the layer they feed, and the last one
  // (ln_f, norm) sits in the model.
  units.forEach((u, i) => {
    if (anchor[i] || u.kind === 'drop') return;
    const cons = consumersOf(i);
    const isNorm = u.kind === 'layernorm' || u.kind === 'rmsnorm';
    if (cons.length > 0 && cons.every((c) => anchor[c])) {
      const entries = [...new Set(cons.map((c) => module[c]!))];
      const entry = entries.reduce((a, b) => commonPrefix(a, b));
      if (isNorm) {
        const b = blockOf(entry);
        if (b && blockOf(module[i]!) !== b) module[i] = b;
      } else if (!isAncestorOrSelf(module[i]!, entry) && blockOf(module[i]!) !== blockOf(entry)) module[i] = entry;
    } else if (isNorm && cons.length === 0) {
      const b = blockOf(module[i]!);
      if (b && b === module[i]) module[i] = parentPath(parentPath(b));
    }
    exit[i] = module[i]!;
  });

  // Leaf names for fused norms / activations and for weights without a usable name.
  const used = new Set<string>(claimedLeaf);
  const embeddingLeaves = new Set(units.flatMap((u, i) => (anchor[i] && u.kind === 'embedding' ? [leaf[i]!] : [])));
  const ordinal = new Map<string, number>();
  const nextSuffix = new Map<string, number>();
  units.forEach((u, i) => {
    if (anchor[i] || u.kind === 'drop') return;
    const m = module[i]!;
    const leafName = (base: string): string => {
      let name = m === '' ? base : `${m}.${base}`;
      // Start from the suffix this name last got: trying _1, _2 ... from 1 each time is quadratic
      // in a module with thousands of same-named leaves (a wide fan-out).
      const key = name;
      let k = nextSuffix.get(key) ?? 1;
      for (; used.has(name); k++) name = `${m === '' ? '' : m + '.'}${base}_${k}`;
      nextSuffix.set(key, k);
      used.add(name);
      return name;
    };
    if (u.kind === 'layernorm' || u.kind === 'rmsnorm') {
      const own = u.weight ? ctx.originalName(u.weight) : undefined;
      const ownLeaf = own?.endsWith('.weight') ? own.slice(0, -'.weight'.length) : undefined;
      const k = ordinal.get(`norm:${m}`) ?? 0;
      ordinal.set(`norm:${m}`, k + 1);
      if (ownLeaf && parentPath(ownLeaf) === m && !used.has(ownLeaf)) {
        used.add(ownLeaf);
        leaf[i] = ownLeaf;
        return;
      }
      // Deduplicated or renamed weights: name the norm by its place, as Hugging Face does.
      const table = NORM_NAMES[family];
      const list = m === '' ? table.root : blockOf(m) === m ? table.block : table.other;
      leaf[i] = leafName(list[Math.min(k, list.length - 1)]!);
    } else if (u.kind === 'activation' && u.className) {
      leaf[i] = leafName(ownValue(ACT_NAMES, `${family}:${lastSegment(m)}`) ?? 'act');
    } else if (u.kind === 'linear' || u.kind === 'embedding' || u.kind === 'conv') {
      const own = u.weight ? ctx.originalName(u.weight) : undefined;
      const ownLeaf = own?.endsWith('.weight') ? own.slice(0, -'.weight'.length) : undefined;
      // A projection reusing an embedding's table is the tied LM head.
      const tied = u.kind === 'linear' && ownLeaf !== undefined && embeddingLeaves.has(ownLeaf);
      leaf[i] = leafName(tied ? 'lm_head' : ownLeaf ? lastSegment(ownLeaf) : u.kind);
    }
  });

  return { mode: 'weight-names', module, leaf, classes: weightModeClasses(units, module, leaf, family, prefix) };
}

/** Classes of the weight-names mode: leaves by what they compute, every enclosing module by its path. */
function weightModeClasses(units: readonly OnnxUnit[], module: readonly string[], leaf: readonly (string | undefined)[], family: OnnxFamily, prefix: string): Map<string, string> {
  const classes = new Map<string, string>();
  units.forEach((u, i) => {
    const l = leaf[i];
    if (l && u.className && !classes.has(l)) classes.set(l, leafClassName(u, family, prefix));
  });
  const modules = new Set<string>();
  for (const m of module) for (let q = m; ; q = parentPath(q)) {
    modules.add(q);
    if (q === '') break;
  }
  for (const l of leaf) if (l) for (let q = parentPath(l); ; q = parentPath(q)) {
    modules.add(q);
    if (q === '') break;
  }
  for (const m of modules) classes.set(m, guessClassName(m, prefix));
  return classes;
}

/** Class of a leaf from what its nodes compute, in the family's naming (GPT-2's Conv1D, LlamaRMSNorm). */
function leafClassName(u: OnnxUnit, family: OnnxFamily, prefix: string): string {
  if (u.kind === 'linear' && family === 'gpt2') return 'Conv1D';
  if (u.kind === 'rmsnorm') return `${prefix}RMSNorm`;
  return u.className ?? u.op;
}

function commonPrefix(a: string, b: string): string {
  const x = a.split('.');
  const y = b.split('.');
  const out: string[] = [];
  for (let k = 0; k < Math.min(x.length, y.length) && x[k] === y[k]; k++) out.push(x[k]!);
  return out.join('.');
}
