/**
 * Escaping of names that come from model files (scopes, class names, ONNX
 * node names, `_name_or_path`, profile names) for each place they are shown.
 * One helper per target; the SVG and CSV exports have their own (panelExports).
 * A scope like ``a`](https://x/beacon.png)`` must stay text: no links, no
 * remote images, no HTML, no fake terminal lines.
 */

/**
 * Inline code in Markdown (CommonMark code span) that survives any backtick
 * run in `text`: the fence is one backtick longer than the longest run inside,
 * padded with a space where the text starts or ends with a backtick. Line
 * breaks are flattened (a code span cannot hold one).
 * @param inTable also escape `|`, which splits a GFM table cell even inside a code span
 */
export function markdownCode(text: string, inTable = false): string {
  let flat = text.replace(/[\r\n]+/g, ' ');
  if (inTable) flat = flat.replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${flat === '' ? ' ' : flat}${pad}${fence}`;
}

/**
 * Plain text in Markdown: every character Markdown gives meaning to is
 * backslash-escaped (emphasis, links, images, headings, lists, HTML, entities,
 * tables), line breaks are flattened, control characters dropped.
 */
export function markdownText(text: string): string {
  return stripControls(text.replace(/[\r\n]+/g, ' '))
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, '\\$&')
    // A bare `https://` or `www.` becomes a link in GFM renderers (VS Code's marked): break the scheme.
    .replace(/:(?=\/\/)/g, '\\:');
}

/**
 * Text where no line starts with `::`, which a GitHub Actions runner reads as a workflow command
 * on any line a step prints (`::error::`, `::add-mask::`, `::stop-commands::`): a model or budget
 * name at the start of a table row could otherwise forge one. The first colon becomes `\u003a`.
 */
export function noWorkflowCommands(text: string): string {
  return text.replace(/^::/gm, '\\u003a:');
}

/**
 * Text for a terminal: control characters (ESC sequences, carriage returns,
 * backspaces, bidirectional overrides) shown as `\u001b` / `\u202e` escapes, so a
 * file cannot move the cursor, recolour the screen or print a fake line.
 * Line breaks are kept only when `keepNewlines` (whole reports).
 */
export function terminalText(text: string, keepNewlines = false): string {
  const pattern = keepNewlines ? TERMINAL_UNSAFE_KEEP_NL : TERMINAL_UNSAFE;
  // Most text has nothing to escape: then no copy (a whole JSON report is 1.5 MB).
  if (text.search(pattern) < 0) return text;
  return text.replace(pattern, (c) => {
    // \u form, which is also a valid escape inside a JSON string (the CLI's JSON output passes here too).
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

// C0 and C1 controls, DEL, and the Unicode bidirectional and invisible formatting characters:
// matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE_KEEP_NL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** `text` without control characters (for Markdown, where they are invisible anyway). */
function stripControls(text: string): string {
  return text.replace(TERMINAL_UNSAFE, '');
}
