/**
 * The non-blank lines of a data file's text, one at a time. Why not
 * `text.split(/\r?\n/)`: a file of tens of millions of empty lines (a
 * careless `yes '' | head`, or a gzip bomb of newlines) became an array of
 * that many strings, 578 MB for 20 MB of newlines, and V8 ran out of heap on
 * 200 MB. Here a blank line costs a scan of its characters and nothing else.
 */
import { throwIfAborted } from '../../errors.js';

/** How many lines pass between checks of the abort signal. */
const ABORT_CHECK_LINES = 65_536;

/**
 * Calls `visit` with each line that holds something other than whitespace,
 * without its line break (`\n` or `\r\n`), and its 1-based line number.
 * @param signal checked every 65,536 lines, blank ones included.
 */
export function forEachLine(text: string, visit: (line: string, lineNo: number) => void, signal?: AbortSignal): void {
  const n = text.length;
  let start = 0;
  let lineNo = 1;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    if (lineNo % ABORT_CHECK_LINES === 0) throwIfAborted(signal);
    if (!isBlank(text, start, end)) {
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      visit(text.slice(start, stop), lineNo);
    }
    start = end + 1;
    lineNo++;
  }
}

/** Whether `text[start, end)` is only whitespace (as String.prototype.trim counts it). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // Space, tab, CR and the rest of ASCII whitespace first; other code units take the full test.
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 128 || text[i]!.trim() !== '') return false;
  }
  return true;
}
