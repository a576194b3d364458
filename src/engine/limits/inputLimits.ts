/**
 * Size limits on what IrEne reads, in one place, so that a careless or
 * hostile file (a `.json` that is really `/dev/zero`, a gzip bomb) ends in a
 * one-line error that names the limit instead of gigabytes of memory. The
 * limits sit far above any real file of each kind (and data stays under V8's
 * longest string, 512 MB): the largest real config.json
 * is a few kilobytes, the largest measured data set here 6.2 MB (uncompressed). ONNX is exempt:
 * its importer skips weight payloads, so its size does not become memory.
 */
import { InvalidInputError } from '../errors.js';

/** The kinds of file with a size limit. */
export type InputKind = 'config' | 'python' | 'profile' | 'data' | 'budget';

const MB = 1024 * 1024;

/** Most bytes read from one file of each kind (bytes). */
export const INPUT_SIZE_LIMITS: Readonly<Record<InputKind, number>> = {
  config: 16 * MB,
  // The largest modeling files of transformers are some 200 KB; the evaluator takes about 8 µs a
  // line, so 6 MB of one-line statements took 8 s and 1 GB. At 1 MB the worst stays near 1.5 s.
  python: 1 * MB,
  profile: 16 * MB,
  // The bundled H100 trees are 6.2 MB uncompressed; 200 MB of blank lines once took 2.5 s and 640 MB.
  data: 64 * MB,
  budget: 4 * MB,
};

/** Most bytes a gzipped data file may inflate to (bytes); zlib stops there instead of filling memory. */
export const MAX_DECOMPRESSED_BYTES = 64 * MB;

/** What each kind is called in messages. */
const KIND_NAMES: Readonly<Record<InputKind, string>> = {
  config: 'JSON and YAML configs',
  python: 'Python sources',
  profile: 'profiles',
  data: 'data files',
  budget: 'budget files',
};

/**
 * The kind of a model or data file by its name, for its size limit;
 * undefined for files without one (ONNX and anything the importers stream).
 */
export function inputKindOf(fileName: string): InputKind | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.onnx') || lower.endsWith('.onnx.data') || lower.endsWith('.safetensors')) return undefined;
  if (lower.endsWith('.py')) return 'python';
  if (/\.(csv|jsonl|jsonl\.gz|gz)$/.test(lower)) return 'data';
  if (/\.(json|yaml|yml)$/.test(lower)) return 'config';
  return undefined;
}

/** `16 MB` (whole megabytes when exact, else one decimal). */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / MB;
  return `${Number.isInteger(mb) ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

/**
 * The error for a file over its kind's limit; the message names the file, the
 * limit and the kind.
 * @param sizeBytes the file's size, when known (bytes)
 */
export function inputTooLargeError(fileName: string, kind: InputKind, sizeBytes?: number): InvalidInputError {
  const size = sizeBytes === undefined ? 'more than' : `${formatMegabytes(sizeBytes)}, over`;
  return new InvalidInputError(`${fileName}: too large (${size} the ${formatMegabytes(INPUT_SIZE_LIMITS[kind])} limit for ${KIND_NAMES[kind]}); give the real file`);
}
