/**
 * Reads trees in the IrEne JSONL tree format (the H100 measurements): one
 * JSON object per line with `model_name, dtype, batch_size, seq_len` and a
 * nested `frontend_tree`. A generation measurement adds `phase` (`prefill` |
 * `decode`; absent: a forward pass), `context` (decode: the positions the step
 * attends over) and `attn_implementation` (`eager`, `sdpa`, flash ...).
 */
import { gunzipSync } from 'node:zlib';
import { DataError, throwIfAborted } from '../../errors.js';
import { formatMegabytes, MAX_DECOMPRESSED_BYTES } from '../../limits/inputLimits.js';
import { PHASES, type Dtype, type ModelNode, type ModelTree, type NodeType, type Phase, type RuntimeFeatures } from '../../tree/modelNode.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import { IRENE_SKIPPED_MODELS, RUNTIME_COLUMNS, type IreneLoadOptions } from './loadIreneCsv.js';
import { pushAll } from '../../arrays.js';
import { assertJsonNesting } from '../../limits/jsonNesting.js';
import { ownValue } from '../../ownKey.js';
import { forEachLine } from './textLines.js';
import { TreeNodeBudget } from '../../limits/workBudgets.js';
import { valueText } from '../../valueText.js';

/** PyTorch dtype names as written in the files, mapped onto the engine's. */
const DTYPE_BY_NAME: Record<string, Dtype> = {
  float32: 'fp32',
  fp32: 'fp32',
  float: 'fp32',
  float16: 'fp16',
  fp16: 'fp16',
  half: 'fp16',
  bfloat16: 'bf16',
  bf16: 'bf16',
};

/** Maps a dtype name from a data file (`bfloat16`, `float32` ...) onto the engine's Dtype, if known. */
export function dtypeFromName(name: string): Dtype | undefined {
  return ownValue(DTYPE_BY_NAME, name.toLowerCase().replace(/^torch\./, ''));
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Text of a possibly gzipped file; inflating stops at MAX_DECOMPRESSED_BYTES,
 * so a small gzip bomb is refused as too large instead of filling memory.
 * @throws DataError for a damaged stream or one that inflates past the limit
 */
export function decodeMaybeGzip(bytes: Uint8Array, fileName: string): string {
  if (!isGzip(bytes)) return new TextDecoder().decode(bytes);
  let inflated: Buffer;
  try {
    inflated = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new DataError(`${fileName}: too large when decompressed (over the ${formatMegabytes(MAX_DECOMPRESSED_BYTES)} limit for data files); split it or give it uncompressed`);
    }
    throw new DataError(`${fileName}: the gzip stream is damaged (${(e as Error).message}); download the file again`);
  }
  return new TextDecoder().decode(inflated);
}

type Json = Record<string, unknown>;

/**
 * Parses IrEne JSONL trees (gunzipping when the bytes are gzipped). Units as
 * in the files: flops in FLOPs, mem_bytes in bytes, ground_truth_energy in
 * joules per call, times_mean in seconds per call. `measuredModelEnergyJ` is
 * the root's energy per call x its calls; replace it with the long-window
 * model-level figures via {@link applyModelLevelTruth} where available.
 * @param fileName used in messages only.
 * @throws DataError naming the file, line and field of a malformed entry.
 */
export function loadIreneJsonl(
  bytes: Uint8Array,
  options: IreneLoadOptions & { fileName?: string } = {},
): ModelTree[] {
  const fileName = options.fileName ?? 'trees.jsonl';
  const skip = new Set(options.skipModels ?? IRENE_SKIPPED_MODELS);
  const text = decodeMaybeGzip(bytes, fileName);
  const trees: ModelTree[] = [];
  forEachLine(text, (line, lineNo) => {
    throwIfAborted(options.signal);
    const raw = line.trim();
    const where = `${fileName}: line ${lineNo}`;
    assertJsonNesting(raw, where, (m) => new DataError(m));
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      throw new DataError(`${where} is not valid JSON (${(e as Error).message})`);
    }
    if (!isObject(obj)) throw new DataError(`${where} is not a JSON object`);
    if (obj['meta'] === true) return;
    const modelName = str(obj, 'model_name', where);
    if (skip.has(modelName)) {
      options.onWarning?.(`${where}: skipped ${modelName} (left out like the original IrEne code)`);
      return;
    }
    const dtypeName = str(obj, 'dtype', where);
    const dtype = dtypeFromName(dtypeName) ?? options.dtype;
    if (!dtype) throw new DataError(`${where}, field "dtype": unknown dtype "${dtypeName}" (expected float32, float16 or bfloat16)`);
    const batchSize = positiveInt(obj, 'batch_size', where);
    const seqLen = positiveInt(obj, 'seq_len', where);
    const ft = obj['frontend_tree'];
    if (!isObject(ft)) throw new DataError(`${where}, field "frontend_tree": missing or not an object`);
    const root = readNode(ft, dtype, `${where}, field "frontend_tree`, new TreeNodeBudget(where));
    const tree: ModelTree = {
      modelName,
      format: 'irene-jsonl',
      batchSize,
      seqLen,
      dtype,
      root,
      warnings: [],
    };
    readGenerationFields(obj, tree, where);
    if (root.measured) tree.measuredModelEnergyJ = root.measured.energyJ * root.calls;
    redistributeSharedModules(tree);
    trees.push(tree);
  }, options.signal);
  return trees;
}

function readNode(o: Json, dtype: Dtype, path: string, budget: TreeNodeBudget): ModelNode {
  budget.take();
  const at = (f: string): string => `${path}.${f}"`;
  const scope = typeof o['scope'] === 'string' ? o['scope'] : undefined;
  if (!scope) throw new DataError(`${at('scope')}: missing or not a string`);
  const here = `${path}[${scope}]`;
  const type = o['type'];
  if (type !== 'model' && type !== 'module' && type !== 'ml') {
    throw new DataError(`${here}.type": "${String(type)}" is not model, module or ml`);
  }
  const instanceType = typeof o['instance_type'] === 'string' ? o['instance_type'] : '';
  if (!instanceType) throw new DataError(`${here}.instance_type": missing or not a string`);
  const num = (f: string, required: boolean): number | undefined => {
    const v = o[f];
    if (v === undefined || v === null) {
      if (required) throw new DataError(`${here}.${f}": missing`);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new DataError(`${here}.${f}": ${valueText(v)} is not a non-negative number`);
    }
    return v;
  };
  const calls = num('calls', false) ?? 1;
  if (calls < 1) throw new DataError(`${here}.calls": ${calls} is below 1`);
  const node: ModelNode = {
    scope,
    type: type as NodeType,
    instanceType,
    inputShapes: readShapes(o['input_shapes']),
    dtype,
    calls,
    parameters: num('num_parameters', false) ?? 0,
    flops: num('flops', true)!,
    memBytes: num('mem_bytes', true)!,
    children: [],
  };
  if (type === 'ml') node.kind = primitiveKindOf(instanceType);
  const energy = num('ground_truth_energy', false);
  if (energy !== undefined) {
    const runtime: RuntimeFeatures = {};
    for (const [key, f] of RUNTIME_COLUMNS) {
      const v = o[f];
      if (typeof v === 'number' && Number.isFinite(v)) runtime[key] = v;
    }
    node.measured = { energyJ: energy, runtime };
  }
  const kids = o['child_nodes_obj'];
  if (kids !== undefined && !Array.isArray(kids)) throw new DataError(`${here}.child_nodes_obj": not an array`);
  for (const k of (kids as unknown[] | undefined) ?? []) {
    if (!isObject(k)) throw new DataError(`${here}.child_nodes_obj": an entry is not an object`);
    node.children.push(readNode(k, dtype, path, budget));
  }
  return node;
}

/** Tensor shapes from `input_shapes` entries `[[dims...], "dtype"]`; non-tensor arguments are skipped. */
function readShapes(v: unknown): number[][] {
  if (!Array.isArray(v)) return [];
  const out: number[][] = [];
  for (const e of v) {
    const shape = Array.isArray(e) && Array.isArray(e[0]) ? e[0] : Array.isArray(e) && e.every((d) => typeof d === 'number') ? e : undefined;
    if (shape && shape.every((d: unknown) => typeof d === 'number')) out.push(shape as number[]);
  }
  return out;
}

/**
 * A module instance shared by several parents (openai-gpt's activation is one
 * object registered in every MLP) is traced once, under the first parent that
 * called it, with the calls of all parents: 12 GELUs per call of `h.0.mlp`
 * and none in `h.1.mlp`... That misstates every one of those modules. Where a
 * child's calls are k x its parent's and exactly k - 1 other nodes of the
 * parent's class (same calls) lack a child of that class, the child is given
 * its parent's calls and a copy (same measured energy per call) is placed in
 * each of the others. Recorded in the tree's warnings.
 */
function redistributeSharedModules(tree: ModelTree): void {
  const all: ModelNode[] = [];
  const stack = [tree.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    all.push(n);
    pushAll(stack, n.children);
  }
  for (const parent of all) {
    for (let idx = 0; idx < parent.children.length; idx++) {
      const child = parent.children[idx]!;
      const k = child.calls / parent.calls;
      if (!(k > 1) || !Number.isInteger(k)) continue;
      const others = all.filter(
        (q) =>
          q !== parent &&
          q.instanceType === parent.instanceType &&
          q.calls === parent.calls &&
          !q.children.some((c) => c.instanceType === child.instanceType),
      );
      if (others.length !== k - 1) continue;
      const suffix = child.scope.startsWith(`${parent.scope}.`) ? child.scope.slice(parent.scope.length) : `.${child.instanceType}`;
      child.calls = parent.calls;
      for (const q of others) {
        const copy = structuredClone(child);
        renameScopes(copy, child.scope, `${q.scope}${suffix}`);
        q.children.splice(Math.min(idx, q.children.length), 0, copy);
      }
      tree.warnings.push(
        `${child.scope} (${child.instanceType}) is one module shared by ${k} ${parent.instanceType} modules and was traced only under ${parent.scope}; a copy was placed in each of them`,
      );
    }
  }
}

function renameScopes(node: ModelNode, from: string, to: string): void {
  if (node.scope.startsWith(from)) node.scope = to + node.scope.slice(from.length);
  for (const c of node.children) renameScopes(c, from, to);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, f: string, where: string): string {
  const v = o[f];
  if (typeof v !== 'string' || v === '') throw new DataError(`${where}, field "${f}": missing or not a string`);
  return v;
}

/**
 * `phase`, `context` and `attn_implementation` of a generation measurement, onto the tree.
 * `context` is the tokens in the KV cache once the pass has appended its own: a decode step's
 * positions attended over (at least 1, required), a prefill's prompt, 0 for a forward pass.
 */
function readGenerationFields(o: Json, tree: ModelTree, where: string): void {
  const phase = o['phase'];
  if (phase !== undefined && phase !== null && !PHASES.includes(phase as Phase)) {
    throw new DataError(`${where}, field "phase": ${JSON.stringify(phase)} is not ${PHASES.join(', ')}`);
  }
  const context = o['context'];
  if (context !== undefined && context !== null && (typeof context !== 'number' || !Number.isInteger(context) || context < 0)) {
    throw new DataError(`${where}, field "context": ${typeof context === 'number' ? String(context) : JSON.stringify(context)} is not a whole number of tokens (0 or more)`);
  }
  // A forward pass (the field absent, as in every file before generation) keeps its tree as it was.
  if (phase === undefined || phase === null || phase === 'forward') return;
  tree.phase = phase as Phase;
  if (phase === 'decode') tree.context = positiveInt(o, 'context', where);
  else if (typeof context === 'number') tree.context = context;
  const attn = o['attn_implementation'];
  if (typeof attn === 'string') tree.attention = attn === 'eager' ? 'eager' : 'sdpa';
}

function positiveInt(o: Json, f: string, where: string): number {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new DataError(`${where}, field "${f}": ${valueText(v)} is not a positive integer`);
  }
  return v;
}
