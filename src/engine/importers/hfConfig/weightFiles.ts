/**
 * A checkpoint's safetensors headers against the tree built from its
 * config: how many parameters the weights hold, in which dtype, and, when
 * the two counts differ by more than 1 %, which tensors the tree does not
 * account for (the way a config field the architecture file missed shows
 * up) or which tree parts have no weights.
 *
 * Counting rules:
 * - buffers some checkpoints carry are not parameters: rotary `inv_freq`,
 *   `position_ids`, GPT-2's (1, 1, n, n) `attn.bias` / `attn.masked_bias`
 *   masks, DeepSeek's `e_score_correction_bias`;
 * - heads AutoModel does not build (`lm_head`, `embed_out`, `cls.*`,
 *   `classifier`, `score`, `qa_outputs`, `final_logits_bias`, ModernBERT's
 *   `head.*` and `decoder.*`) are counted apart and not compared;
 * - quantized tensors are unpacked: GPTQ/AWQ `qweight` (int32 holding
 *   32 / bits weights each), bitsandbytes 4-bit `weight` (uint8, two per
 *   byte), MXFP4 `*_blocks` (uint8, two per byte); their scales, zero
 *   points and quant states are not parameters.
 */
import { parseSafetensorsHeader, parseSafetensorsIndex, type SafetensorsHeader, type SafetensorsIndex, type SafetensorsTensor } from '../safetensors/safetensorsHeader.js';
import { SAFETENSORS_INDEX_FILE } from './modelDirectory.js';
import type { ModelNode, WeightFilesSummary } from '../../tree/modelNode.js';
import { walkTree } from '../../tree/treeWalk.js';
import { ownValue } from '../../ownKey.js';

/** A weight file as an adapter hands it over: the name, the first 8 + N bytes (the header), and the file's size. */
export interface WeightFileBytes {
  fileName: string;
  bytes: Uint8Array;
  /** The whole file's size (bytes), so offsets can be checked; optional. */
  size?: number;
}

const BUFFER = /(^|\.)(inv_freq|position_ids|masked_bias|_float_tensor|e_score_correction_bias)$/;
const HEAD = /^((lm_head|embed_out|cls|classifier|score|qa_outputs|lm_predictions|mask_predictions|head)\.|final_logits_bias$|decoder\.(weight|bias)$)/;
const QUANT_AUX = /(\.(qzeros|scales|g_idx|absmax|quant_map|nested_absmax|nested_quant_map|SCB|weight_format|weight_scale_inv|weight_scale|input_scale)$|\.quant_state\.|_scales$)/;
/** First path segments a checkpoint may put before AutoModel's module names. */
const PREFIXES = ['model.', 'transformer.', 'bert.', 'roberta.', 'deberta.', 'gpt_neox.', 'language_model.', 'model.language_model.'];

/** One tensor's parameters once quantized packing is undone (count); 0 for buffers and quantization aux data. */
function tensorParameters(t: SafetensorsTensor, names: ReadonlySet<string>, bits: number): number {
  if (BUFFER.test(t.name) || QUANT_AUX.test(t.name)) return 0;
  if (/\.attn\.bias$/.test(t.name) && t.shape.length === 4) return 0; // GPT-2's causal-mask buffer
  if (t.name.endsWith('.qweight') && (t.dtype === 'I32' || t.dtype === 'U32')) return t.elements * (32 / bits);
  if (t.name.endsWith('_blocks') && t.dtype === 'U8') return t.elements * 2;
  if (t.dtype === 'U8' && names.has(`${t.name}.absmax`)) return t.elements * 2;
  return t.elements;
}

/** The module a tensor belongs to, as a tree scope, with per-expert and legacy MoE names folded onto transformers 5's. */
function moduleScopeOf(name: string): string {
  // the last segment names the parameter (weight, bias, qweight, gate_up_proj, sinks, *_blocks ...)
  let path = name.slice(0, Math.max(0, name.lastIndexOf('.')));
  path = path.replace(/(^|\.)block_sparse_moe(\.|$)/, '$1mlp$2').replace(/(\.experts)\.\d+(\..*)?$/, '$1');
  if (path === 'shared') path = 'encoder.embed_tokens';
  return path === '' ? 'root' : `root.${path}`;
}

/** The tree's scopes, for matching tensors against. */
function treeScopes(root: ModelNode): Set<string> {
  const s = new Set<string>();
  for (const { node } of walkTree(root)) s.add(node.scope);
  return s;
}

/** Where a tensor lands in the tree, trying the name as is and without a model prefix; undefined when nowhere. */
function placeInTree(name: string, scopes: ReadonlySet<string>): string | undefined {
  const direct = moduleScopeOf(name);
  if (scopes.has(direct)) return direct;
  for (const p of PREFIXES) {
    if (!name.startsWith(p)) continue;
    const s = moduleScopeOf(name.slice(p.length));
    if (scopes.has(s)) return s;
  }
  return undefined;
}

/** `model.layers.61.mlp.experts...` -> `model.layers.61.*`: tensors grouped up to their first layer index. */
function groupOf(name: string): string {
  const parts = name.split('.');
  const i = parts.findIndex((p) => /^\d+$/.test(p));
  return i < 0 || i === parts.length - 1 ? name : `${parts.slice(0, i + 1).join('.')}.*`;
}

/** Parsed weight files: the headers, the index (when sharded), and what could not be read. */
export interface WeightFiles {
  headers: SafetensorsHeader[];
  index?: SafetensorsIndex;
  /** Shards the index lists that were not handed over. */
  missing: string[];
}

/**
 * Picks the weight files out of an importer's companions and parses them.
 * @returns undefined when there are none
 * @throws MalformedFileError for a header or an index that lies
 */
export function readWeightFiles(companions: readonly WeightFileBytes[]): WeightFiles | undefined {
  // One import asks twice (for the declared dtype, then for the tree): the headers are parsed once.
  const known = parsedWeightFiles.get(companions);
  if (known) return known.files;
  const files = parseWeightFiles(companions);
  parsedWeightFiles.set(companions, { files });
  return files;
}

/** Parsed weight files by the companions list they came from. */
const parsedWeightFiles = new WeakMap<readonly WeightFileBytes[], { files: WeightFiles | undefined }>();

function parseWeightFiles(companions: readonly WeightFileBytes[]): WeightFiles | undefined {
  const base = (n: string) => n.split(/[\\/]/).pop() ?? n;
  const indexFile = companions.find((c) => base(c.fileName) === SAFETENSORS_INDEX_FILE);
  const shards = companions.filter((c) => /\.safetensors$/i.test(c.fileName));
  if (!indexFile && shards.length === 0) return undefined;
  const index = indexFile ? parseSafetensorsIndex(new TextDecoder().decode(indexFile.bytes), indexFile.fileName) : undefined;
  const headers = shards.map((c) => parseSafetensorsHeader(c.bytes, c.fileName, c.size));
  const given = new Set(shards.map((c) => base(c.fileName)));
  return { headers, ...(index ? { index } : {}), missing: (index?.files ?? []).filter((f) => !given.has(base(f))) };
}

/** Float dtype names of safetensors, as the tree reports them. */
const FLOAT_DTYPES: Readonly<Record<string, string>> = { BF16: 'bf16', F16: 'fp16', F32: 'fp32', F64: 'fp64', F8_E4M3: 'fp8', F8_E5M2: 'fp8' };

/**
 * Summarises the weight files and compares their parameters with the tree's.
 * @param bits weight bits of a GPTQ/AWQ checkpoint (unpacks `qweight`)
 * @param warn receives the mismatch and missing-shard warnings
 */
export function checkWeights(files: WeightFiles, root: ModelNode, context: string, bits: number, warn: (w: string) => void): WeightFilesSummary {
  const all = files.headers.flatMap((h) => h.tensors);
  const names = new Set(all.map((t) => t.name));
  const scopes = treeScopes(root);
  let parameters = 0;
  let headParameters = 0;
  const bytesByDtype: Record<string, number> = Object.create(null) as Record<string, number>;
  const unplaced = new Map<string, number>();
  const placed = new Set<string>();
  for (const t of all) {
    bytesByDtype[t.dtype] = (bytesByDtype[t.dtype] ?? 0) + t.dataBytes;
    const p = tensorParameters(t, names, bits);
    if (p === 0) continue;
    const bare = PREFIXES.reduce((n, pre) => (n.startsWith(pre) ? n.slice(pre.length) : n), t.name);
    if (HEAD.test(t.name) || HEAD.test(bare)) {
      headParameters += p;
      continue;
    }
    parameters += p;
    const at = placeInTree(t.name, scopes);
    if (at) placed.add(at);
    else {
      const group = groupOf(t.name);
      unplaced.set(group, (unplaced.get(group) ?? 0) + p);
    }
  }
  let dtype: string | undefined;
  let most = 0;
  for (const [d, b] of Object.entries(bytesByDtype)) {
    if (ownValue(FLOAT_DTYPES, d) && b > most) {
      most = b;
      dtype = FLOAT_DTYPES[d];
    }
  }
  const fileNames = files.headers.map((h) => h.fileName);
  if (files.missing.length > 0) {
    warn(`${context}: the safetensors index lists ${files.missing.length} shard(s) that were not read (${files.missing.slice(0, 3).join(', ')}${files.missing.length > 3 ? ' ...' : ''}); the weight check covers the others only`);
  } else if (parameters > 0 && Math.abs(parameters - root.parameters) > 0.01 * parameters) {
    warn(mismatchWarning(context, parameters, root, unplaced, placed));
  }
  return { files: fileNames, parameters, headParameters, ...(dtype ? { dtype } : {}), bytesByDtype };
}

function mismatchWarning(context: string, weights: number, root: ModelNode, unplaced: ReadonlyMap<string, number>, placed: ReadonlySet<string>): string {
  const pct = (((weights - root.parameters) / weights) * 100).toFixed(1);
  const head = `${context}: the safetensors weights hold ${weights.toLocaleString('en-US')} parameters, the tree ${root.parameters.toLocaleString('en-US')} (${Number(pct) > 0 ? '+' : ''}${pct} % in the weights)`;
  const list = (m: [string, number][]) =>
    m
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([n, p]) => `${n} (${p.toLocaleString('en-US')})`)
      .join(', ') + (m.length > 5 ? `, and ${m.length - 5} more` : '');
  if (unplaced.size > 0) return `${head}; tensors the tree does not account for: ${list([...unplaced])}; a config field the architecture does not read may be the cause`;
  // no stray tensors: the tree has parts the weights lack, or sizes that differ
  const missing = new Map<string, number>();
  // a leaf is covered when a tensor lands on it or on a module holding it (3D experts, sinks, routers)
  const covered = (scope: string): boolean => {
    for (let s = scope; s.includes('.'); s = s.slice(0, s.lastIndexOf('.'))) if (placed.has(s)) return true;
    return false;
  };
  for (const { node } of walkTree(root)) {
    if (node.children.length > 0 || node.parameters === 0 || covered(node.scope)) continue;
    const g = groupOf(node.scope.replace(/^root\./, ''));
    missing.set(g, (missing.get(g) ?? 0) + node.parameters);
  }
  return missing.size > 0
    ? `${head}; tree parts without weights: ${list([...missing])}; check the config's sizes`
    : `${head}; every tensor has its place, so sizes differ: check the config's sizes (hidden, intermediate, heads, vocabulary)`;
}
