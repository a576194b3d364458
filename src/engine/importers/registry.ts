import { InvalidInputError, UnsupportedFormatError, throwIfAborted } from '../errors.js';
import type { Dtype, ModelTree } from '../tree/modelNode.js';
import { ATTENTION_IMPLEMENTATIONS, DTYPES, PHASES } from '../tree/modelNode.js';
import { MAX_BATCH_SIZE, MAX_SEQUENCE_LENGTH } from '../limits/workBudgets.js';
import type { ImportInput, ImportOptions, Importer } from './importer.js';

const importers: Importer[] = [];

/** Adds an importer; later registrations are tried after earlier ones. */
export function registerImporter(importer: Importer): void {
  if (!importers.some((i) => i.id === importer.id)) importers.push(importer);
}

/** The registered importers, in the order they are tried. */
export function listImporters(): readonly Importer[] {
  return importers;
}

/** The importer that recognises this file, if any. */
export function findImporter(fileName: string, bytes: Uint8Array): Importer | undefined {
  const head = bytes.subarray(0, 4096);
  return importers.find((i) => i.match(fileName, head));
}

/** Rejects settings no model can run with, before any parsing. */
export function validateImportOptions(options: ImportOptions): void {
  for (const [name, value] of [
    ['batch size', options.batchSize],
    ['sequence length', options.seqLen],
    ...(options.targetLen === undefined ? [] : ([['target length', options.targetLen]] as const)),
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidInputError(`${name} must be a positive integer, got ${String(value)}`);
    }
    const limit = name === 'batch size' ? MAX_BATCH_SIZE : MAX_SEQUENCE_LENGTH;
    if (value > limit) throw new InvalidInputError(`${name} ${String(value)} is above IrEne's limit of ${limit.toLocaleString('en-US')}`);
  }
  if (!DTYPES.includes(options.dtype)) {
    throw new InvalidInputError(`dtype must be one of ${DTYPES.join(', ')}, got "${String(options.dtype)}"`);
  }
  const phase = options.phase ?? 'forward';
  if (!PHASES.includes(phase)) throw new InvalidInputError(`phase must be one of ${PHASES.join(', ')}, got "${String(phase)}"`);
  if (options.attention !== undefined && !ATTENTION_IMPLEMENTATIONS.includes(options.attention)) {
    throw new InvalidInputError(`attention must be one of ${ATTENTION_IMPLEMENTATIONS.join(', ')}, got "${String(options.attention)}"`);
  }
  if (phase === 'decode' && (!Number.isInteger(options.context) || (options.context ?? 0) < 1)) {
    throw new InvalidInputError(`a decode step needs a context length (the tokens in the KV cache, a positive integer), got ${String(options.context)}`);
  }
  if (options.context !== undefined && options.context > MAX_SEQUENCE_LENGTH) {
    throw new InvalidInputError(`context ${String(options.context)} is above IrEne's limit of ${MAX_SEQUENCE_LENGTH.toLocaleString('en-US')}`);
  }
}

/**
 * Builds the model tree of any supported file: picks the importer by name and
 * content, validates the options, and parses.
 * @throws UnsupportedFormatError when no importer recognises the file.
 */
export function importModel(input: ImportInput, options: ImportOptions): ModelTree {
  validateImportOptions(options);
  throwIfAborted(options.signal);
  const importer = findImporter(input.fileName, input.bytes);
  if (!importer) {
    throw new UnsupportedFormatError(
      `${input.fileName}: not a model file IrEne can read (supported: ${importers.map((i) => i.id).join(', ')})`,
    );
  }
  if ((options.phase ?? 'forward') !== 'forward' && importer.id !== 'hf-config') {
    throw new InvalidInputError(
      `${input.fileName}: the ${options.phase} phase is built from a Hugging Face config.json only (this file was read as ${importer.id}); use the model's config.json`,
    );
  }
  return importer.parse(input, options);
}

/**
 * The dtype a model file declares (a Hugging Face config's `dtype`, else its
 * weights'), for adapters that default to it; undefined when the format or
 * the file does not say.
 * @throws what parsing the file throws (MalformedFileError ...)
 */
export function declaredDtype(input: ImportInput): Dtype | undefined {
  return findImporter(input.fileName, input.bytes)?.declaredDtype?.(input);
}
