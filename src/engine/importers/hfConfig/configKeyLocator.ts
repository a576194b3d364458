/**
 * Where each top-level key of a config.json is written, so that the editor
 * can show a hover or a lens on `"num_hidden_layers"`. Uses Microsoft's
 * jsonc-parser, which tolerates comments and trailing commas and still
 * reports positions in a half-typed file.
 */
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { jsonNestingDepth } from '../../limits/jsonNesting.js';
import { MAX_NESTING_DEPTH } from '../../limits/workBudgets.js';

/** Position of one key: 0-based line, and 0-based start / end (exclusive) columns of the quoted key. */
export interface ConfigKeyLocation {
  line: number;
  column: number;
  endColumn: number;
}

/**
 * Positions of the top-level keys of a JSON object (0-based line and columns
 * of the key including its quotes). Keys of nested objects are not included.
 * Returns an empty map for text whose top level is not an object.
 */
export function locateConfigKeys(text: string): Map<string, ConfigKeyLocation> {
  const out = new Map<string, ConfigKeyLocation>();
  // Too deep for the recursive parser: nothing located (the importer reports the file).
  if (jsonNestingDepth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) return out;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') return out;
  const lineStarts = lineStartOffsets(text);
  for (const prop of root.children ?? []) {
    const keyNode: JsonNode | undefined = prop.children?.[0];
    if (!keyNode || typeof keyNode.value !== 'string' || out.has(keyNode.value)) continue;
    const { line, column } = positionAt(lineStarts, keyNode.offset);
    out.set(keyNode.value, { line, column, endColumn: column + keyNode.length });
  }
  return out;
}

function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 0-based line/column of an offset, by binary search over line starts. */
function positionAt(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - lineStarts[lo]! };
}
