/**
 * safetensors headers, read without the tensors: a file starts with its
 * header's length as a little-endian unsigned 64-bit integer, then that many
 * bytes of JSON mapping each tensor name to its dtype, shape and
 * [begin, end) byte offsets in the data that follows (plus an optional
 * `__metadata__` map of strings). Adapters read the first 8 bytes, ask
 * `safetensorsHeaderLength` how many more to read, and hand the engine those
 * 8 + N bytes: tensor data is never read.
 *
 * Format: https://github.com/huggingface/safetensors (README, "Format").
 */
import { InvalidInputError, MalformedFileError } from '../../errors.js';
import { formatMegabytes } from '../../limits/inputLimits.js';
import { assertJsonNesting } from '../../limits/jsonNesting.js';
import { ownValue } from '../../ownKey.js';

/** Bytes before the JSON header: its length, u64 little-endian (bytes). */
export const SAFETENSORS_PREFIX_BYTES = 8;

/** Largest header the format allows (the reference implementation refuses more than 100 MB) (bytes). */
export const FORMAT_SAFETENSORS_HEADER_BYTES = 100_000_000;

/**
 * Largest header IrEne reads (bytes): 16 MiB. Why below the format's 100 MB: a header is JSON
 * parsed whole, and an 80 MB one (900k tensors) took 9.7 s and 1.5 GB; a real checkpoint's
 * header is far smaller (Llama-3-8B's is 33 KiB; each shard of a sharded one holds at most a few
 * thousand tensors, some hundreds of KiB).
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024;

/** Bytes per element of each safetensors dtype (sub-byte types as fractions). */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
  F4: 0.5,
  F6_E2M3: 0.75,
  F6_E3M2: 0.75,
};

/** One tensor as the header declares it. */
export interface SafetensorsTensor {
  name: string;
  /** safetensors dtype (`BF16`, `I32` ...). */
  dtype: string;
  /** Elements per dim. */
  shape: number[];
  /** Elements (count). */
  elements: number;
  /** Bytes of its data (end - begin) (bytes). */
  dataBytes: number;
}

/** A parsed header. */
export interface SafetensorsHeader {
  fileName: string;
  tensors: SafetensorsTensor[];
  /** `__metadata__` (string values only, as the format requires). */
  metadata: Record<string, string>;
  /** Bytes of the header JSON (bytes). */
  headerBytes: number;
  /** Bytes of tensor data the header describes (bytes). */
  dataBytes: number;
}

/**
 * Length N of the JSON header, from the file's first 8 bytes.
 * @param prefix at least the first 8 bytes of the file
 * @param fileSize the whole file's size (bytes), so a length that runs past it is refused
 * @throws MalformedFileError (one line naming the file) for a short file, an empty or oversized header, or one longer than the file
 */
export function safetensorsHeaderLength(prefix: Uint8Array, fileSize: number, fileName: string): number {
  if (prefix.length < SAFETENSORS_PREFIX_BYTES || fileSize < SAFETENSORS_PREFIX_BYTES) {
    throw new MalformedFileError(`${fileName}: not a safetensors file: ${fileSize} bytes is shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, SAFETENSORS_PREFIX_BYTES).getBigUint64(0, true);
  if (n > BigInt(fileSize - SAFETENSORS_PREFIX_BYTES)) {
    throw new MalformedFileError(`${fileName}: safetensors header says it is ${n} bytes long, but only ${fileSize - SAFETENSORS_PREFIX_BYTES} bytes follow: truncated or not a safetensors file`);
  }
  if (n > BigInt(FORMAT_SAFETENSORS_HEADER_BYTES)) {
    throw new MalformedFileError(`${fileName}: safetensors header of ${n} bytes is larger than the format's ${FORMAT_SAFETENSORS_HEADER_BYTES}-byte limit`);
  }
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new InvalidInputError(
      `${fileName}: safetensors header of ${n} bytes is over IrEne's ${formatMegabytes(MAX_SAFETENSORS_HEADER_BYTES)} limit (real checkpoints' headers are far smaller); give the real file`,
    );
  }
  if (n < 2n) throw new MalformedFileError(`${fileName}: safetensors header of ${n} bytes cannot hold a JSON object`);
  return Number(n);
}

/**
 * Parses a safetensors header from the file's first 8 + N bytes.
 * @param bytes the 8-byte length and the N header bytes (anything after them is ignored)
 * @param fileSize the whole file's size (bytes), when known: offsets past the file are then refused
 * @throws MalformedFileError (one line naming the file) when the length or the JSON is wrong
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileName: string, fileSize?: number): SafetensorsHeader {
  const n = safetensorsHeaderLength(bytes, fileSize ?? bytes.length, fileName);
  if (bytes.length < SAFETENSORS_PREFIX_BYTES + n) {
    throw new MalformedFileError(`${fileName}: safetensors header is ${n} bytes but only ${bytes.length - SAFETENSORS_PREFIX_BYTES} were given`);
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(SAFETENSORS_PREFIX_BYTES, SAFETENSORS_PREFIX_BYTES + n));
  assertJsonNesting(text, fileName);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MalformedFileError(`${fileName}: safetensors header is not valid JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedFileError(`${fileName}: safetensors header must be a JSON object of tensors`);
  }
  const dataRegion = fileSize === undefined ? undefined : fileSize - SAFETENSORS_PREFIX_BYTES - n;
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> = {};
  let dataBytes = 0;
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new MalformedFileError(`${fileName}: safetensors "__metadata__" must map names to strings`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const t = readTensor(name, entry, fileName);
    if (dataRegion !== undefined && t.end > dataRegion) {
      throw new MalformedFileError(`${fileName}: tensor "${name}" ends at byte ${t.end} of the data, past the file's ${dataRegion} data bytes: truncated file`);
    }
    dataBytes += t.tensor.dataBytes;
    tensors.push(t.tensor);
  }
  return { fileName, tensors, metadata, headerBytes: n, dataBytes };
}

function readTensor(name: string, entry: unknown, fileName: string): { tensor: SafetensorsTensor; end: number } {
  const bad = (what: string) => new MalformedFileError(`${fileName}: safetensors tensor "${name}" ${what}`);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad('is not an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string') throw bad('has no dtype');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(`has a bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) || (offsets[1] as number) < (offsets[0] as number)) {
    throw bad(`has bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const dataBytes = (offsets[1] as number) - (offsets[0] as number);
  const width = ownValue(SAFETENSORS_DTYPE_BYTES, dtype);
  if (width !== undefined && Math.ceil(elements * width) !== dataBytes) {
    throw bad(`holds ${dataBytes} bytes, but ${dtype} x ${JSON.stringify(shape)} needs ${Math.ceil(elements * width)}`);
  }
  return { tensor: { name, dtype, shape: shape as number[], elements, dataBytes }, end: offsets[1] as number };
}

/** A sharded checkpoint's index (`model.safetensors.index.json`). */
export interface SafetensorsIndex {
  /** Tensor name -> shard file name. */
  weightMap: Record<string, string>;
  /** Shard file names, in first-mention order. */
  files: string[];
  /** `metadata.total_size`, when given (bytes). */
  totalSize?: number;
}

/**
 * Parses `model.safetensors.index.json`.
 * @throws MalformedFileError when it is not JSON with a `weight_map` of strings
 */
export function parseSafetensorsIndex(text: string, fileName: string): SafetensorsIndex {
  assertJsonNesting(text, fileName);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MalformedFileError(`${fileName}: not valid JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map) || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new MalformedFileError(`${fileName}: a safetensors index needs a "weight_map" of tensor names to shard files`);
  }
  const weightMap = map as Record<string, string>;
  const total = (json as { metadata?: { total_size?: unknown } }).metadata?.total_size;
  return { weightMap, files: [...new Set(Object.values(weightMap))], ...(typeof total === 'number' ? { totalSize: total } : {}) };
}
