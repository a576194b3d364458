/**
 * FolderAccess (the engine's view of a model folder) over node:fs, for the
 * adapters that run in Node with local files: the CLI and the engine
 * worker. Reads exactly the byte ranges asked for; symlinks (the Hugging
 * Face cache's snapshot files point into ../../blobs) are followed.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, type FolderAccess } from '../engine/index.js';

/** Access to the files of `dir`. */
export function nodeFolderAccess(dir: string): FolderAccess {
  return {
    list: () => readdirSync(dir),
    size: (name) => statSync(join(dir, name)).size,
    pathOf: (name) => join(dir, name),
    read: (name, start, length) => {
      const path = join(dir, name);
      // A folder (or FIFO) named like a weight file: reading it said EISDIR without a path, or waited.
      if (!statSync(path).isFile()) throw new InvalidInputError(`${path}: not a regular file`);
      const fd = openSync(path, 'r');
      try {
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const n = readSync(fd, buf, got, length - got, start + got);
          if (n === 0) break;
          got += n;
        }
        return got === length ? buf : buf.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
  };
}
