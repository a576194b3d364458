/**
 * The one way the Node adapters (CLI, engine worker) read a file a user named:
 * regular files only (never a FIFO, a device or a folder, which would block or
 * read forever), at most the size limit of the file's kind, and every file
 * system error as one line a user can act on.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { INPUT_SIZE_LIMITS, InvalidInputError, inputKindOf, inputTooLargeError, type InputKind } from '../engine/index.js';

/** What each file system error means to the user. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links (a link loop?)',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** The error for a failed file system call on `path`, as one line. */
export function fileSystemError(path: string, err: unknown): InvalidInputError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words = code !== undefined && Object.hasOwn(ERRNO_WORDS, code) ? ERRNO_WORDS[code] : `cannot be read (${code ?? String(err)})`;
  return new InvalidInputError(`${path}: ${words}`);
}

/** Throws unless `st` is a regular file. */
function requireRegularFile(path: string, st: Stats): void {
  if (st.isDirectory()) throw new InvalidInputError(`${path}: is a folder, not a file`);
  if (!st.isFile()) throw new InvalidInputError(`${path}: not a regular file (a FIFO, device or socket); give a model, profile or data file`);
}

/**
 * Stat of `path` (following links), with file system errors as one line.
 * @returns undefined when nothing is there
 */
export function statInput(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileSystemError(path, err);
  }
}

/**
 * Reads a regular file whole, refusing anything over the limit of `kind`
 * (default: the kind its name says; none for ONNX).
 * @param kind the file's kind, for its size limit; `null` for no limit
 * @throws InvalidInputError for a missing file, a non-regular file, a file over its limit, or any read error
 */
export function readInputFile(path: string, kind: InputKind | null = inputKindOf(path) ?? null): Buffer {
  const st = statInput(path);
  if (!st) throw new InvalidInputError(`${path}: no such file`);
  requireRegularFile(path, st);
  const limit = kind === null ? Number.POSITIVE_INFINITY : INPUT_SIZE_LIMITS[kind];
  if (st.size > limit) throw inputTooLargeError(path, kind!, st.size);
  let fd: number;
  try {
    // Non-blocking, so a FIFO swapped in after the stat cannot hang the open.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw fileSystemError(path, err);
  }
  try {
    const fst = fstatSync(fd);
    requireRegularFile(path, fst);
    // Read to the end rather than trusting the size: a file may grow while it is read (a log).
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(fst.size + 1, 64 * 1024 * 1024)));
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw inputTooLargeError(path, kind!);
      chunks.push(chunk.subarray(0, n));
      if (n === chunk.length) chunk = Buffer.allocUnsafe(chunk.length);
      else chunk = chunk.subarray(n);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw fileSystemError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** {@link readInputFile} as UTF-8 text. */
export function readInputText(path: string, kind: InputKind | null = inputKindOf(path) ?? null): string {
  return readInputFile(path, kind).toString('utf8');
}
