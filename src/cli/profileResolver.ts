import { resolve } from 'node:path';
import { getBundledProfile, listBundledProfiles, parseProfile, ProfileError, type Profile } from '../engine/index.js';
import { readInputText, statInput } from '../shared/readInputFile.js';

/**
 * A profile by bundled name (`h100-bf16`) or by path to a profile JSON
 * (one written by `irene train` or `irene calibrate`), relative to `baseDir`
 * (default: the working folder).
 */
export function resolveProfile(nameOrPath: string, baseDir?: string): Profile {
  if (listBundledProfiles().some((p) => p.name === nameOrPath)) return getBundledProfile(nameOrPath);
  const file = baseDir === undefined ? nameOrPath : resolve(baseDir, nameOrPath);
  if (statInput(file)) return parseProfile(readInputText(file, 'profile'), nameOrPath);
  const names = listBundledProfiles().map((p) => p.name);
  throw new ProfileError(`no profile "${nameOrPath}": give a bundled name (${names.join(', ')}) or the path of a profile JSON file`);
}
