/**
 * Files the CLI writes (`train -o`, `calibrate`'s profile): only regular
 * files or new ones, never one of the files being read, and a write that
 * fails (a full disk, /dev/full, a read-only place) is one line naming the
 * file, not a stack trace. Why: `-o` on a FIFO waited forever for a reader,
 * `-o` on the training data replaced it with the profile, and ENOSPC ended
 * in "internal error".
 */
import { readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliUsageError } from './cliErrors.js';

/** Why a write failed, in words, by errno code. */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EROFS: 'a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder',
  EINVAL: 'the file does not take writes',
};

/** The real path of `path`, or its absolute path when it does not exist yet. */
function realOrAbsolute(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Writes `text` to `path`.
 * @param what what the file is, for messages (`the profile`)
 * @param inputs files this command reads: `path` may be none of them
 * @throws CliUsageError (one line) when `path` is not a regular file, is one of the inputs, or cannot be written
 */
export function writeOutputFile(path: string, text: string, what: string, inputs: readonly string[] = []): void {
  checkOutputPath(path, what, inputs);
  try {
    writeFileSync(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new CliUsageError(`${path}: could not write ${what} (${WRITE_FAILURES[code] ?? (code || String(err))})`);
  }
}

/**
 * The checks of {@link writeOutputFile} without the write: a command that works for a while
 * (`train`) makes them first, so that a wrong `-o` is said at once.
 * @throws CliUsageError (one line) when `path` is not a regular file or is one of the inputs
 */
export function checkOutputPath(path: string, what: string, inputs: readonly string[] = []): void {
  let isFile = true;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // a new file
  }
  if (!isFile) throw new CliUsageError(`${path}: not a regular file; give the path of a file to write ${what} to`);
  const target = realOrAbsolute(path);
  for (const input of inputs) {
    if (realOrAbsolute(input) === target) throw new CliUsageError(`${path}: that is the input ${input}; write ${what} somewhere else`);
  }
}

/**
 * The files a data argument stands for: itself when it is a file, else the data files
 * (`.csv`, `.jsonl`, `.gz`) directly in that folder.
 */
export function dataFilesOf(path: string): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((n) => /\.(csv|jsonl|gz)$/i.test(n))
      .map((n) => join(path, n));
  } catch {
    return [path];
  }
}
