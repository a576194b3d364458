/**
 * Which model files a budget covers. An entry names a file or a glob
 * (`models/*\/config.json`, `**\/*.onnx`), relative to the budget file. The
 * adapters list files (the CLI from the working tree or a git ref, the editor
 * from the workspace) and say how a glob matches: the CLI with picomatch
 * (budgetGlobs.ts), the editor with the files VS Code's own search found for
 * the glob, which keeps picomatch out of the extension host's bundle.
 */
import { resolveEntry, type Budget, type ResolvedBudgetEntry } from './budgetFile.js';

/** Whether a file (relative to the budget's folder, `/`-separated) matches a glob. */
export type GlobMatcher = (glob: string, file: string) => boolean;

/** One model file under one budget entry. */
export interface BudgetModel {
  entry: ResolvedBudgetEntry;
  /** The file, relative to the budget file's folder, `/`-separated. */
  path: string;
}

/** True when an entry's path is a glob rather than one file (it has a glob character). */
export function isGlobPath(path: string): boolean {
  return /[*?[\]{}]|(^|\/)!|[@+!]\(/.test(path);
}

/** Whether an entry covers a file (relative to the budget file's folder, `/`-separated). */
export function entryCovers(entry: { path: string }, file: string, matches: GlobMatcher): boolean {
  return isGlobPath(entry.path) ? matches(entry.path, file) : entry.path === file;
}

/**
 * The (entry, file) pairs of a budget. Plain paths are taken as they are
 * (the caller reports a missing file); globs are matched against `files`.
 * @param files candidate files relative to the budget's folder; needed only when an entry is a glob.
 * @param matches how a glob matches a file.
 * @returns the pairs in entry order (files sorted within a glob), and the glob entries that matched nothing.
 */
export function budgetModels(budget: Budget, files: readonly string[], matches: GlobMatcher): { models: BudgetModel[]; emptyGlobs: ResolvedBudgetEntry[] } {
  const models: BudgetModel[] = [];
  const emptyGlobs: ResolvedBudgetEntry[] = [];
  for (const e of budget.entries) {
    const entry = resolveEntry(budget, e);
    if (!isGlobPath(entry.path)) {
      models.push({ entry, path: entry.path });
      continue;
    }
    const hits = files.filter((f) => matches(entry.path, f)).sort();
    if (hits.length === 0) emptyGlobs.push(entry);
    for (const path of hits) models.push({ entry, path });
  }
  return { models, emptyGlobs };
}

/** The entries of a budget that cover a file, resolved. */
export function entriesForFile(budget: Budget, file: string, matches: GlobMatcher): ResolvedBudgetEntry[] {
  return budget.entries.filter((e) => entryCovers(e, file, matches)).map((e) => resolveEntry(budget, e));
}
