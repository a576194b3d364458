/**
 * Glob matching for budget entries with picomatch (the matcher most tools
 * use): `*` within a folder, `**` across folders, braces, classes; dot files
 * only when named. The CLI matches with it; the editor lets VS Code's search
 * find a glob's files instead (same syntax for these cases).
 */
import picomatch from 'picomatch';
import type { GlobMatcher } from './budgetModels.js';

const compiled = new Map<string, (p: string) => boolean>();

/** picomatch, compiled once per glob. */
export const picomatchGlob: GlobMatcher = (glob, file) => {
  let m = compiled.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: false });
    compiled.set(glob, m);
  }
  return m(file);
};
