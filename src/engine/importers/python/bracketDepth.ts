/**
 * How deep a Python source nests its brackets, found before it is parsed. Why: CPython refuses
 * more than 200 nested parentheses ("too many nested parentheses"), but the parser here recovers
 * from it, and 100,000 nested calls or lists (150 KB) took it over 2 s.
 */

/** Deepest bracket nesting CPython's parser accepts (levels). */
export const MAX_PYTHON_BRACKET_DEPTH = 200;

/**
 * The offset of the first bracket past `limit` levels of `( [ {`, or -1 when the text stays within
 * it. String literals (quotes, triple quotes, escapes) and `#` comments are skipped, so that a
 * bracket inside text does not count.
 */
export function bracketDepthOverflow(text: string, limit = MAX_PYTHON_BRACKET_DEPTH): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      // ( [ {
      if (++depth > limit) return i;
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) depth--;
    } else if (c === 35) {
      // # comment: to the end of the line
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === 34 || c === 39) {
      i = stringEnd(text, i);
    }
  }
  return -1;
}

/** The offset of the last character of the string literal opening at `i` (the file's end when unclosed). */
function stringEnd(text: string, i: number): number {
  const quote = text[i]!;
  const triple = text.startsWith(quote.repeat(3), i);
  const close = triple ? quote.repeat(3) : quote;
  for (let j = i + close.length; j < text.length; j++) {
    const ch = text[j]!;
    if (ch === '\\') {
      j++;
      continue;
    }
    if (!triple && ch === '\n') return j; // an unclosed one-line string ends with its line
    if (text.startsWith(close, j)) return j + close.length - 1;
  }
  return text.length;
}
