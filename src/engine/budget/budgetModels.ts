/**
 * Which model files a budget covers. An entry names a file or a glob
 * (picomatch syntax: `models/*\/config.json`, `**\/*.onnx`), relative to the
 * budget file. The adapters list files (the CLI from the working tree or a
 * git ref, the editor from the workspace); matching is done here, once.
 */
import picomatch from 'picomatch';
import { resolveEntry, type Budget, type ResolvedBudgetEntry } from './budgetFile.js';

/** One model file under one budget entry. */
export interface BudgetModel {
  entry: ResolvedBudgetEntry;
  /** The file, relative to the budget file's folder, `/`-separated. */
  path: string;
}

/** True when an entry's path is a glob rather than one file. */
export function isGlobPath(path: string): boolean {
  return picomatch.scan(path).isGlob;
}

const matchers = new Map<string, (p: string) => boolean>();

function matcher(glob: string): (p: string) => boolean {
  let m = matchers.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: false });
    matchers.set(glob, m);
  }
  return m;
}

/** Whether an entry covers a file (relative to the budget file's folder, `/`-separated). */
export function entryCovers(entry: { path: string }, file: string): boolean {
  return isGlobPath(entry.path) ? matcher(entry.path)(file) : entry.path === file;
}

/**
 * The (entry, file) pairs of a budget. Plain paths are taken as they are
 * (the caller reports a missing file); globs are matched against `files`.
 * @param files candidate files relative to the budget's folder; needed only when an entry is a glob.
 * @returns the pairs in entry order (files sorted within a glob), and the glob entries that matched nothing.
 */
export function budgetModels(budget: Budget, files: readonly string[] = []): { models: BudgetModel[]; emptyGlobs: ResolvedBudgetEntry[] } {
  const models: BudgetModel[] = [];
  const emptyGlobs: ResolvedBudgetEntry[] = [];
  for (const e of budget.entries) {
    const entry = resolveEntry(budget, e);
    if (!isGlobPath(entry.path)) {
      models.push({ entry, path: entry.path });
      continue;
    }
    const hits = files.filter((f) => matcher(entry.path)(f)).sort();
    if (hits.length === 0) emptyGlobs.push(entry);
    for (const path of hits) models.push({ entry, path });
  }
  return { models, emptyGlobs };
}

/** The entries of a budget that cover a file, resolved. */
export function entriesForFile(budget: Budget, file: string): ResolvedBudgetEntry[] {
  return budget.entries.filter((e) => entryCovers(e, file)).map((e) => resolveEntry(budget, e));
}
