/**
 * Reading a model file for the importers: its bytes, and for a Python model
 * the config.json / config.yaml beside it, which its `config.x` dimensions
 * come from. Shared by `predict`, `check` and `diff`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { COMPANION_FILE_NAMES, type ImportInput } from '../engine/index.js';

/** True for files whose importer reads companions. */
export function takesCompanions(file: string): boolean {
  return file.endsWith('.py');
}

/** The names of the companion files of a model, beside it (same folder), excluding the model itself. */
export function companionPaths(file: string): string[] {
  if (!takesCompanions(file)) return [];
  const dir = dirname(file);
  return COMPANION_FILE_NAMES.filter((n) => n !== basename(file)).map((n) => (dir === '.' ? n : join(dir, n)));
}

/** A model file from disk, with its companions. */
export function readModelInput(file: string): ImportInput {
  const bytes = readFileSync(resolve(file));
  const companions = companionPaths(resolve(file))
    .filter((p) => existsSync(p))
    .map((p) => ({ fileName: p, bytes: readFileSync(p) }));
  return { fileName: file, bytes, companions };
}
