/**
 * Code checks of `npm run lint` that ESLint has no installed rule for:
 *   - no import cycles under src/ (scripts/codeChecks/importCycles.ts);
 *   - no function over ~150 lines in src/engine without a `// long-function: <why>`
 *     comment (scripts/codeChecks/longFunctions.ts).
 * Exceptions live in the .allow files next to the checks, each with the issue
 * that removes it. Exit code 1 with one line per problem.
 *
 *   node --import tsx scripts/checkCode.ts [--root DIR]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkCycles, findCycles, importGraph, parseAllowList } from './codeChecks/importCycles.js';
import { MAX_FUNCTION_LINES, findLongFunctions } from './codeChecks/longFunctions.js';

/** `#shared/*` from package.json's imports, as the cycle check resolves it. */
const ALIASES = { '#shared/': 'src/shared/' };

/** Problems (fail) and notes (warn) of both checks on the repository at `root`. */
export function runCodeChecks(root: string, allowDir = join(__dirname, 'codeChecks')): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const cycles = findCycles(importGraph(root, 'src', ALIASES));
  const { failures, stale } = checkCycles(cycles, parseAllowList(readFileSync(join(allowDir, 'importCycles.allow'), 'utf8')));
  for (const c of failures) problems.push(`import cycle: ${c.path.join(' -> ')}${c.files.length > c.path.length - 1 ? ` (${c.files.length} files in the cycle)` : ''}`);
  for (const e of stale) notes.push(`importCycles.allow: ${e} matches no cycle any more; delete the entry`);

  const allowedLong = new Set(parseAllowList(readFileSync(join(allowDir, 'longFunctions.allow'), 'utf8')));
  const long = findLongFunctions(root, 'src/engine');
  for (const f of long) {
    if (allowedLong.has(`${f.file}:${f.name}`)) continue;
    problems.push(`${f.file}:${f.line}: ${f.name} is ${f.lines} lines (over ${MAX_FUNCTION_LINES}): split it, or say why above it in a \`// long-function: <why>\` comment`);
  }
  for (const e of allowedLong) if (!long.some((f) => `${f.file}:${f.name}` === e)) notes.push(`longFunctions.allow: ${e} is no longer too long (or gone); delete the entry`);
  return { problems, notes };
}

if (require.main === module) {
  const i = process.argv.indexOf('--root');
  const root = resolve(i > 0 ? process.argv[i + 1]! : join(__dirname, '..'));
  const { problems, notes } = runCodeChecks(root);
  for (const n of notes) console.warn(`warning: ${n}`);
  for (const p of problems) console.error(p);
  process.exit(problems.length > 0 ? 1 : 0);
}
