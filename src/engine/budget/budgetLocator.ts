/**
 * Where a field of a budget is written, so the editor can put a diagnostic
 * on a bad field and a quick fix can open a model's entry. JSON positions
 * come from jsonc-parser's syntax tree; in a pyproject.toml the entry is the
 * n-th `[[tool.irene.models]]` table (found by its header line), which is how
 * people write lists of tables in TOML.
 */
import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import type { BudgetFieldPath } from './budgetFile.js';
import { jsonNestingDepth } from '../limits/jsonNesting.js';
import { MAX_NESTING_DEPTH } from '../limits/workBudgets.js';

/** A 0-based range on one line. */
export interface BudgetLocation {
  line: number;
  column: number;
  endColumn: number;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function at(starts: number[], offset: number, length: number): BudgetLocation {
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
  const column = offset - starts[line]!;
  const lineEnd = (starts[line + 1] ?? Number.POSITIVE_INFINITY) - 1;
  return { line, column, endColumn: column + Math.max(1, Math.min(length, lineEnd - offset)) };
}

function locateJson(text: string, path: BudgetFieldPath): BudgetLocation | undefined {
  if (jsonNestingDepth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) return undefined;
  const root = parseTree(text, [], { allowTrailingComma: true });
  if (!root) return undefined;
  const starts = lineStarts(text);
  // The deepest part of the path that exists: a misspelt key still points at its entry.
  for (let n = path.length; n >= 0; n--) {
    const node: JsonNode | undefined = n === 0 ? root : findNodeAtLocation(root, path.slice(0, n));
    if (!node) continue;
    // A property's value: point at its key, which is what a reader looks for.
    const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    const target = key ?? node;
    return at(starts, target.offset, target.type === 'object' || target.type === 'array' ? 1 : target.length);
  }
  return undefined;
}

function locateToml(text: string, path: BudgetFieldPath): BudgetLocation | undefined {
  const lines = text.split('\n');
  const header = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  const tool = header(/^\s*\[\s*tool\.irene\s*\]/);
  const whole = (i: number): BudgetLocation => ({ line: i, column: 0, endColumn: Math.max(1, lines[i]!.trimEnd().length) });
  const keyIn = (from: number, key: string): BudgetLocation | undefined => {
    for (let i = from + 1; i < lines.length && !/^\s*\[/.test(lines[i]!); i++) {
      const m = new RegExp(`^(\\s*)${key.replace(/[$]/g, '\\$')}\\s*=`).exec(lines[i]!);
      if (m) return { line: i, column: m[1]!.length, endColumn: m[1]!.length + key.length };
    }
    return undefined;
  };
  if (path[0] === 'models' && typeof path[1] === 'number') {
    let seen = -1;
    for (let i = 0; i < lines.length; i++) {
      if (/^\s*\[\[\s*tool\.irene\.models\s*\]\]/.test(lines[i]!) && ++seen === path[1]) {
        return (typeof path[2] === 'string' ? keyIn(i, path[2]) : undefined) ?? whole(i);
      }
    }
  }
  if (path[0] === 'defaults') {
    const d = header(/^\s*\[\s*tool\.irene\.defaults\s*\]/);
    if (d >= 0) return (typeof path[1] === 'string' ? keyIn(d, path[1]) : undefined) ?? whole(d);
  }
  if (tool >= 0) return (typeof path[0] === 'string' ? keyIn(tool, path[0]) : undefined) ?? whole(tool);
  return undefined;
}

/**
 * The range of a budget field (its key), or of the closest enclosing part
 * that exists; undefined when the text has nothing to point at.
 */
export function locateBudgetField(text: string, fileName: string, path: BudgetFieldPath): BudgetLocation | undefined {
  return /pyproject\.toml$/i.test(fileName) ? locateToml(text, path) : locateJson(text, path);
}
