/**
 * A depth guard for JSON text, run before a parser that recurses (jsonc-parser,
 * JSON.stringify, the tree readers): 100,000 nested brackets overflow their
 * stack ("Maximum call stack size exceeded"). Real configs, profiles and
 * measured trees nest a dozen levels; the limit is MAX_NESTING_DEPTH.
 */
import { MalformedFileError } from '../errors.js';
import { MAX_NESTING_DEPTH } from './workBudgets.js';

/**
 * The deepest nesting of objects and arrays in JSON(C) text (levels), by one
 * pass that skips strings and comments; stops counting past `stopAt`.
 */
export function jsonNestingDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) return deepest;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

/**
 * Throws unless `text` nests at most MAX_NESTING_DEPTH levels.
 * @param context how the message names the text (`config.json`, `trees.jsonl: line 4`)
 * @param makeError the error class of the caller's kind of input (default MalformedFileError)
 */
export function assertJsonNesting(text: string, context: string, makeError: (message: string) => Error = (m) => new MalformedFileError(m)): void {
  if (jsonNestingDepth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) {
    throw makeError(`${context}: nested more than ${MAX_NESTING_DEPTH} levels deep (IrEne's limit); real files nest a dozen`);
  }
}
