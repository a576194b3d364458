/**
 * Escaping for the markup the panel builds as strings. Scopes and class names
 * come from user files (a Python module can be called anything), so every
 * piece of text goes through here before it reaches innerHTML or an export.
 */

/** Escapes text for XML/HTML content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A coordinate with at most two decimals (keeps SVG small; sub-pixel detail is invisible). */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}
