/**
 * A value from an input file as a message shows it. Why not `JSON.stringify`: a number JSON.parse
 * read as Infinity (`1e400`) printed as `null`, `undefined` printed nothing, and a 100,000-character
 * string made a 100,000-character error line.
 */

/** Most characters of a value shown in a message (characters). */
const MAX_VALUE_CHARS = 80;

/** `768`, `Infinity`, `"gelu"`, `[1,2]`, `undefined`; cut to 80 characters with an ellipsis. */
export function valueText(v: unknown): string {
  let text: string;
  if (typeof v === 'number' || v === undefined || typeof v === 'bigint') text = String(v);
  else {
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}
