/**
 * Hugging Face `config.json` importer: builds, from the config alone (no
 * weights, no Python), the tree transformers' AutoModel runs for one batch
 * size, sequence length and dtype, with the module scopes and class names of
 * the HF code so that it lines up with measured trees.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ARCHITECTURE_SPECS, ARCHITECTURES, KV_CACHE_MODEL_TYPES, SUPPORTED_MODEL_TYPES } from '../../architectures/index.js';
import { attentionNote, checkPhaseSupported, chooseAttention, lmHeadNode } from './generationPhase.js';
import { ConfigReader } from '../../architectures/configReader.js';
import { resemblance } from '../../architectures/resemblance.js';
import { NodeFactory } from '../../architectures/treeBuilder.js';
import { MalformedFileError, MissingFieldError, UnknownModelTypeError, throwIfAborted } from '../../errors.js';
import type { Dtype, ModelNode, ModelTree } from '../../tree/modelNode.js';
import { hfCacheModelName } from './modelDirectory.js';
import { readQuantizationConfig } from './quantizationConfig.js';
import { checkWeights, readWeightFiles, type WeightFiles } from './weightFiles.js';
import { forEachNode, rollUpTotals } from '../../tree/treeWalk.js';
import type { ImportInput, ImportOptions, Importer } from '../importer.js';
import { validateImportOptions } from '../registry.js';
import { TreeNodeBudget } from '../../limits/workBudgets.js';
import { assertJsonNesting } from '../../limits/jsonNesting.js';
import { ownValue } from '../../ownKey.js';
import { valueText } from '../../valueText.js';

/**
 * Builds the model tree of a parsed config.json.
 * @param config the parsed JSON object (HF `PretrainedConfig.to_dict()` or a hub config.json)
 * @param options batch size (count), sequence length (tokens), target length (encoder-decoders) and dtype
 * @param modelName display name; defaults to `_name_or_path`, else the model_type
 * @param weights the model folder's safetensors headers (readWeightFiles), checked against the tree
 * @throws UnknownModelTypeError, MissingFieldError, MalformedFileError, InvalidInputError
 */
export function buildTreeFromConfig(config: Record<string, unknown>, options: ImportOptions, modelName?: string, weights?: WeightFiles): ModelTree {
  validateImportOptions(options);
  throwIfAborted(options.signal);
  const modelType = config['model_type'];
  if (modelType === undefined || modelType === null) throw new MissingFieldError('model_type', 'config.json');
  if (typeof modelType !== 'string') {
    throw new MalformedFileError(`config.json: "model_type" must be a string, got ${valueText(modelType)}`);
  }
  const build = ownValue(ARCHITECTURES, modelType);
  const spec = ownValue(ARCHITECTURE_SPECS, modelType);
  if (!build || !spec) throw new UnknownModelTypeError(modelType, SUPPORTED_MODEL_TYPES, resemblance(config));
  const phase = options.phase ?? 'forward';
  checkPhaseSupported(modelType, spec, phase, KV_CACHE_MODEL_TYPES);
  const warnings: string[] = [];
  const cfg = new ConfigReader(config, `${modelType} config`, warnings);
  const quant = readQuantizationConfig(cfg);
  const dtypeNote = unknownDtypeNote(config, cfg.context, options.dtype);
  if (dtypeNote) warnings.push(dtypeNote);
  const f = new NodeFactory(options.dtype, quant ? (scope) => (quant.applies(scope) ? quant.bytesPerWeight : undefined) : undefined, new TreeNodeBudget(`${modelType} config`));
  const attention = chooseAttention(options.attention, config, phase);
  f.attention = attention.attention;
  f.kvCache = phase !== 'forward';
  const moe = { routedParameters: 0, activeRoutedParameters: 0 };
  const targetLen = options.targetLen ?? options.seqLen;
  // A decode step runs one new token per sequence against `context` cached positions (the new one included).
  const seqLen = phase === 'decode' ? 1 : options.seqLen;
  const pastLen = phase === 'decode' ? options.context! - 1 : 0;
  const root = build(cfg, { batchSize: options.batchSize, seqLen, pastLen, targetLen, dtype: options.dtype, f, moe, signal: options.signal });
  if (phase !== 'forward') {
    root.children.push(lmHeadNode(cfg, spec, f, options.batchSize));
    const note = attentionNote(attention);
    if (note) warnings.push(note);
  }
  rollUpTotals(root);
  throwIfAborted(options.signal);
  const nameOrPath = config['_name_or_path'];
  const tree: ModelTree = {
    modelName: modelName ?? (typeof nameOrPath === 'string' && nameOrPath !== '' ? nameOrPath : modelType),
    format: hfConfigImporter.id,
    batchSize: options.batchSize,
    seqLen,
    dtype: options.dtype,
    root,
    warnings,
  };
  if (phase !== 'forward' || options.attention !== undefined) tree.attention = attention.attention;
  if (phase !== 'forward') tree.phase = phase;
  if (phase === 'decode') tree.context = options.context;
  if (spec.family === 'encoder-decoder') tree.targetLen = targetLen;
  if (moe.routedParameters > 0) tree.activeParameters = root.parameters - moe.routedParameters + moe.activeRoutedParameters;
  tree.weightBytes = weightBytesOf(root, f);
  if (weights) tree.weights = checkWeights(weights, root, cfg.context, quant?.bits ?? 4, (w) => warnings.push(w));
  return tree;
}

const DTYPE_NAMES: Readonly<Record<string, Dtype>> = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16', float: 'fp32', half: 'fp16' };

/** The dtype a config's `dtype` / `torch_dtype` string names (`bfloat16`, `torch.float16`); undefined for others. */
function dtypeNamed(name: string): Dtype | undefined {
  return ownValue(DTYPE_NAMES, name.replace(/^torch\./, ''));
}

/**
 * The dtype transformers 5 loads a checkpoint in by default (`dtype="auto"`):
 * the config's `dtype` (or the older `torch_dtype`), else the dtype most of
 * the weight bytes are stored in; undefined when neither says (or names a
 * dtype IrEne does not predict for, such as fp8).
 */
export function declaredDtypeOf(config: Readonly<Record<string, unknown>>, weights?: WeightFiles): Dtype | undefined {
  for (const key of ['dtype', 'torch_dtype']) {
    const v = config[key];
    if (typeof v === 'string') return dtypeNamed(v);
  }
  if (!weights) return undefined;
  const bytes = new Map<string, number>();
  for (const t of weights.headers.flatMap((h) => h.tensors)) bytes.set(t.dtype, (bytes.get(t.dtype) ?? 0) + t.dataBytes);
  const best = (['BF16', 'F16', 'F32'] as const).map((d) => [d, bytes.get(d) ?? 0] as const).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? ({ BF16: 'bf16', F16: 'fp16', F32: 'fp32' } as const)[best[0]] : undefined;
}

/**
 * The warning for a `dtype` / `torch_dtype` that names no dtype IrEne predicts for (`int3`, an
 * object, `float8_e4m3fn`): before, the settings' dtype was used without a word.
 */
function unknownDtypeNote(config: Readonly<Record<string, unknown>>, context: string, used: Dtype): string | undefined {
  for (const key of ['dtype', 'torch_dtype']) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' && (v === 'auto' || dtypeNamed(v) !== undefined)) return undefined;
    return `${context}: "${key}" is ${valueText(v)}, not a dtype IrEne predicts for (float32, float16, bfloat16): the settings' ${used} is used`;
  }
  return undefined;
}

/** Bytes to hold the tree's parameters: quantized Linears at their width, everything else at the compute dtype (bytes). */
function weightBytesOf(root: ModelNode, f: NodeFactory): number {
  let bytes = 0;
  forEachNode(root, (node) => {
    if (node.children.length > 0 || node.parameters === 0) return;
    bytes += f.quantizedWeightBytes.get(node.scope) ?? node.parameters * f.dtypeBytes;
  });
  return bytes;
}

/**
 * Parses config.json text strictly (as Python's json module does).
 * @throws MalformedFileError naming the line and column of the first error
 */
export function parseConfigText(text: string, fileName: string): Record<string, unknown> {
  assertJsonNesting(text, fileName);
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const e = errors[0]!;
    const { line, column } = lineColumn(text, e.offset);
    throw new MalformedFileError(`${fileName}:${line + 1}:${column + 1}: invalid JSON (${printParseErrorCode(e.error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedFileError(`${fileName}: a config.json must hold one JSON object`);
  }
  return value as Record<string, unknown>;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start };
}

/** The display name from a path like `models/bert-base-uncased/config.json` (the folder), else the file name without `.json` / `.config.json`. */
function nameFromPath(fileName: string): string | undefined {
  const parts = fileName.split(/[\\/]/).filter((p) => p !== '');
  const base = parts[parts.length - 1];
  if (base && /^config\.json$/i.test(base) && parts.length >= 2) return parts[parts.length - 2];
  return base?.replace(/(\.config)?\.json$/i, '');
}

/** Keys transformers writes before `model_type` in a sorted config.json. */
const HF_MARKERS = ['"_name_or_path"', '"architectures"', '"id2label"', '"attention_probs_dropout_prob"', '"transformers_version"'];

/** Importer for HF config.json files (id `hf-config`). */
export const hfConfigImporter: Importer = {
  id: 'hf-config',
  match(fileName: string, head: Uint8Array): boolean {
    if (!/\.json$/i.test(fileName)) return false;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    } catch {
      return false;
    }
    if (text.includes('"model_type"')) return true;
    // transformers writes keys sorted, so a long id2label can push model_type past the
    // 4 KiB head; a config.json that starts with HF's other keys is still one of ours.
    return /(^|[\\/])config\.json$/i.test(fileName) && HF_MARKERS.some((k) => text.includes(k));
  },
  parse(input: ImportInput, options: ImportOptions): ModelTree {
    const config = configOf(input);
    return buildTreeFromConfig(config, options, displayName(input.fileName, config), readWeightFiles(input.companions ?? []));
  },
  declaredDtype(input: ImportInput): Dtype | undefined {
    return declaredDtypeOf(configOf(input), readWeightFiles(input.companions ?? []));
  },
};

/**
 * The parsed config.json of a Hugging Face input and the display name its
 * trees get (what `parse` builds from), for callers that build several trees
 * from one config (generation).
 * @throws MalformedFileError for text that is not one JSON object
 */
export function readHfConfig(input: ImportInput): { config: Record<string, unknown>; modelName: string | undefined } {
  const config = configOf(input);
  return { config, modelName: displayName(input.fileName, config) };
}

function configOf(input: ImportInput): Record<string, unknown> {
  let text = new TextDecoder('utf-8').decode(input.bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseConfigText(text, input.fileName);
}

/**
 * A model's display name: `org/name` inside the Hugging Face cache (its
 * folder is a revision hash), else `_name_or_path`, else the folder of a
 * config.json (or the file name).
 */
function displayName(fileName: string, config: Readonly<Record<string, unknown>>): string | undefined {
  const cached = hfCacheModelName(fileName);
  if (cached) return cached;
  const nameOrPath = config['_name_or_path'];
  return typeof nameOrPath === 'string' && nameOrPath !== '' ? (hfCacheModelName(nameOrPath) ?? nameOrPath) : nameFromPath(fileName);
}
