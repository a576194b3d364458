/**
 * Hugging Face `config.json` importer: builds, from the config alone (no
 * weights, no Python), the tree transformers' AutoModel runs for one batch
 * size, sequence length and dtype, with the module scopes and class names of
 * the HF code so that it lines up with measured trees.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ARCHITECTURE_SPECS, ARCHITECTURES, SUPPORTED_MODEL_TYPES } from '../../architectures/index.js';
import { ConfigReader } from '../../architectures/configReader.js';
import { resemblance } from '../../architectures/resemblance.js';
import { NodeFactory } from '../../architectures/treeBuilder.js';
import { MalformedFileError, MissingFieldError, UnknownModelTypeError, throwIfAborted } from '../../errors.js';
import type { ModelNode, ModelTree } from '../../tree/modelNode.js';
import { rollUpTotals, walkTree } from '../../tree/treeWalk.js';
import type { ImportInput, ImportOptions, Importer } from '../importer.js';
import { validateImportOptions } from '../registry.js';

/**
 * Builds the model tree of a parsed config.json.
 * @param config the parsed JSON object (HF `PretrainedConfig.to_dict()` or a hub config.json)
 * @param options batch size (count), sequence length (tokens) and dtype
 * @param modelName display name; defaults to `_name_or_path`, else the model_type
 * @throws UnknownModelTypeError, MissingFieldError, MalformedFileError, InvalidInputError
 */
export function buildTreeFromConfig(config: Record<string, unknown>, options: ImportOptions, modelName?: string): ModelTree {
  validateImportOptions(options);
  throwIfAborted(options.signal);
  const modelType = config['model_type'];
  if (modelType === undefined || modelType === null) throw new MissingFieldError('model_type', 'config.json');
  if (typeof modelType !== 'string') {
    throw new MalformedFileError(`config.json: "model_type" must be a string, got ${JSON.stringify(modelType)}`);
  }
  const build = ARCHITECTURES[modelType];
  if (!build) throw new UnknownModelTypeError(modelType, SUPPORTED_MODEL_TYPES, resemblance(config));
  const warnings: string[] = [];
  const cfg = new ConfigReader(config, `${modelType} config`, warnings);
  const f = new NodeFactory(options.dtype);
  const moe = { routedParameters: 0, activeRoutedParameters: 0 };
  const targetLen = options.targetLen ?? options.seqLen;
  const root = build(cfg, { batchSize: options.batchSize, seqLen: options.seqLen, targetLen, dtype: options.dtype, f, moe, signal: options.signal });
  rollUpTotals(root);
  throwIfAborted(options.signal);
  const nameOrPath = config['_name_or_path'];
  const tree: ModelTree = {
    modelName: modelName ?? (typeof nameOrPath === 'string' && nameOrPath !== '' ? nameOrPath : modelType),
    format: hfConfigImporter.id,
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    dtype: options.dtype,
    root,
    warnings,
  };
  if (ARCHITECTURE_SPECS[modelType]?.family === 'encoder-decoder') tree.targetLen = targetLen;
  if (moe.routedParameters > 0) tree.activeParameters = root.parameters - moe.routedParameters + moe.activeRoutedParameters;
  tree.weightBytes = weightBytesOf(root, f);
  return tree;
}

/** Bytes to hold the tree's parameters: quantized Linears at their width, everything else at the compute dtype (bytes). */
function weightBytesOf(root: ModelNode, f: NodeFactory): number {
  let bytes = 0;
  for (const { node } of walkTree(root)) {
    if (node.children.length > 0 || node.parameters === 0) continue;
    bytes += f.quantizedWeightBytes.get(node.scope) ?? node.parameters * f.dtypeBytes;
  }
  return bytes;
}

/**
 * Parses config.json text strictly (as Python's json module does).
 * @throws MalformedFileError naming the line and column of the first error
 */
export function parseConfigText(text: string, fileName: string): Record<string, unknown> {
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
    let text = new TextDecoder('utf-8').decode(input.bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const config = parseConfigText(text, input.fileName);
    const nameOrPath = config['_name_or_path'];
    const name = typeof nameOrPath === 'string' && nameOrPath !== '' ? nameOrPath : nameFromPath(input.fileName);
    return buildTreeFromConfig(config, options, name);
  },
};
