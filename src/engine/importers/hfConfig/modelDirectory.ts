/**
 * A Hugging Face model folder: `config.json` plus its weights as
 * `model.safetensors`, or shards listed by `model.safetensors.index.json`.
 * These helpers decide, from names alone, which files an adapter reads (and
 * how little of each: see safetensorsHeader.ts), and name a model that lives
 * in the Hugging Face hub cache (`models--org--name/snapshots/<rev>/`).
 * Nothing here touches the file system.
 */
import type { CompanionFile } from '../importer.js';
import { parseSafetensorsIndex, safetensorsHeaderLength, SAFETENSORS_PREFIX_BYTES } from '../safetensors/safetensorsHeader.js';

/** The config file of a model folder. */
export const HF_CONFIG_FILE = 'config.json';
/** A single-file checkpoint. */
export const SAFETENSORS_FILE = 'model.safetensors';
/** The index of a sharded checkpoint. */
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * The safetensors files of a model folder whose headers describe its weights.
 * @param folderFiles names of the files in the folder (no paths)
 * @param indexText the text of model.safetensors.index.json, when the folder has one
 * @returns the shards the index lists (in its order), else model.safetensors when present, else none
 * @throws MalformedFileError when the index is not a valid safetensors index
 */
export function weightFilesToRead(folderFiles: readonly string[], indexText?: string): string[] {
  if (indexText !== undefined) return parseSafetensorsIndex(indexText, SAFETENSORS_INDEX_FILE).files;
  return folderFiles.includes(SAFETENSORS_FILE) ? [SAFETENSORS_FILE] : [];
}

/**
 * `org/name` for a path inside the Hugging Face hub cache
 * (`…/models--org--name/snapshots/<revision>/…`; huggingface_hub writes the
 * repo id with `/` as `--`, which repo names may not contain), else undefined.
 */
export function hfCacheModelName(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  const at = parts.findIndex((p, i) => p.startsWith('models--') && parts[i + 1] === 'snapshots' && parts[i + 2] !== undefined && parts[i + 2] !== '');
  if (at < 0) return undefined;
  const repo = parts[at]!.slice('models--'.length);
  if (repo === '') return undefined;
  const sep = repo.indexOf('--');
  return sep < 0 ? repo : `${repo.slice(0, sep)}/${repo.slice(sep + 2)}`;
}

/** Synchronous access to one folder, supplied by an adapter: the engine never opens files itself. */
export interface FolderAccess {
  /** Names of the files in the folder (no paths). */
  list(): string[];
  /** A file's size (bytes). */
  size(name: string): number;
  /** `length` bytes of a file from byte `start`. */
  read(name: string, start: number, length: number): Uint8Array;
  /** The name as the importer should see it (a full path, for messages). */
  pathOf(name: string): string;
}

/**
 * A model folder's weight files as companions for the config importer:
 * the sharded index whole (it is small), and of each safetensors file only
 * its first 8 + N bytes, the header; tensor data is never read.
 * @returns none when the folder has no safetensors weights
 * @throws MalformedFileError when a header's length runs past its file or the index is not valid
 */
export function readWeightCompanions(folder: FolderAccess): CompanionFile[] {
  const names = folder.list();
  const companions: CompanionFile[] = [];
  let indexText: string | undefined;
  if (names.includes(SAFETENSORS_INDEX_FILE)) {
    const bytes = folder.read(SAFETENSORS_INDEX_FILE, 0, folder.size(SAFETENSORS_INDEX_FILE));
    indexText = new TextDecoder().decode(bytes);
    companions.push({ fileName: folder.pathOf(SAFETENSORS_INDEX_FILE), bytes });
  }
  for (const name of weightFilesToRead(names, indexText)) {
    if (!names.includes(name)) continue; // a shard still downloading: the weight check says so
    const size = folder.size(name);
    const prefix = folder.read(name, 0, Math.min(size, SAFETENSORS_PREFIX_BYTES));
    const n = safetensorsHeaderLength(prefix, size, folder.pathOf(name));
    companions.push({ fileName: folder.pathOf(name), bytes: folder.read(name, 0, SAFETENSORS_PREFIX_BYTES + n), size });
  }
  return companions;
}
