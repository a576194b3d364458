/**
 * Reading a model file for the importers: its bytes, and its companions: for
 * a Python model the config.json / config.yaml beside it, which its
 * `config.x` dimensions come from; for a Hugging Face config.json the
 * safetensors headers beside it (never the tensors). A Hugging Face model
 * folder stands for its config.json. Shared by `predict`, `check` and `diff`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { COMPANION_FILE_NAMES, HF_CONFIG_FILE, InvalidInputError, readWeightCompanions, type ImportInput } from '../engine/index.js';
import { nodeFolderAccess } from '../shared/nodeFolderAccess.js';
import { readInputFile, statInput } from '../shared/readInputFile.js';

/** True for files whose importer reads companions beside them that are model sources (Python). */
export function takesCompanions(file: string): boolean {
  return file.endsWith('.py');
}

/** The names of the companion files of a Python model, beside it (same folder), excluding the model itself. */
export function companionPaths(file: string): string[] {
  if (!takesCompanions(file)) return [];
  const dir = dirname(file);
  return COMPANION_FILE_NAMES.filter((n) => n !== basename(file)).map((n) => (dir === '.' ? n : join(dir, n)));
}

/**
 * The file to read for `file`: a model folder means its config.json.
 * @throws InvalidInputError for a folder without one.
 */
export function modelFileOf(file: string): string {
  if (!statInput(file)?.isDirectory()) return file;
  const config = join(file, HF_CONFIG_FILE);
  if (!existsSync(config)) throw new InvalidInputError(`${file} is a folder without a ${HF_CONFIG_FILE}: give a model file, or a Hugging Face model folder`);
  return config;
}

/** A Hugging Face config file, whose folder may hold the weights. */
function isConfigJson(path: string): boolean {
  return basename(path).toLowerCase() === HF_CONFIG_FILE;
}

/** A model file (or folder) from disk, with its companions. */
export function readModelInput(file: string): ImportInput {
  const path = modelFileOf(file);
  const bytes = readInputFile(resolve(path));
  const companions = takesCompanions(path)
    ? companionPaths(resolve(path))
        .filter((p) => existsSync(p))
        .map((p) => ({ fileName: p, bytes: readInputFile(p) }))
    : isConfigJson(path)
      ? readWeightCompanions(nodeFolderAccess(dirname(resolve(path))))
      : [];
  return { fileName: path, bytes, companions };
}
