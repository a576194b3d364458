/**
 * Which files are model definitions, decided cheaply from names and a peek at
 * the text, before anything is parsed. The importers decide for good; these
 * checks only keep the extension from predicting every JSON file it sees.
 */

/** Document kinds the extension predicts. */
export type ModelFileKind = 'hf-config' | 'onnx' | 'python';

/** Globs searched at start-up (Python files are picked up when opened, not scanned). */
export const DEFAULT_MODEL_GLOBS: readonly string[] = ['**/*.onnx', '**/config.json', '**/*.config.json'];

/** Folders never worth scanning, on top of `files.exclude`. */
export const ALWAYS_EXCLUDED: readonly string[] = ['**/node_modules/**', '**/.git/**'];

/** The kind a file name suggests, before looking inside. */
export function modelKindOfName(fileName: string): ModelFileKind | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.py')) return 'python';
  if (lower.endsWith('.json')) return 'hf-config';
  return undefined;
}

/** A Hugging Face config: a JSON object with a string `model_type`. */
export function looksLikeHfConfig(text: string): boolean {
  if (!/"model_type"\s*:/.test(text)) return false;
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && typeof (json as { model_type?: unknown }).model_type === 'string';
  } catch {
    return false;
  }
}

/** Python source defining a class that derives from (nn.)Module. */
export function looksLikePythonModel(text: string): boolean {
  return /^\s*class\s+\w+\s*\([^)]*\bModule\b[^)]*\)\s*:/m.test(text);
}

/**
 * One exclude glob for `workspace.findFiles` that keeps the user's
 * `files.exclude` (passing any exclude replaces it) and adds ALWAYS_EXCLUDED.
 * Conditional entries (`{ when: ... }`) are skipped: they need sibling files.
 */
export function buildExcludeGlob(filesExclude: Readonly<Record<string, unknown>> | undefined): string {
  const globs = new Set(ALWAYS_EXCLUDED);
  for (const [glob, on] of Object.entries(filesExclude ?? {})) if (on === true) globs.add(glob);
  // Braces cannot nest in VS Code globs; drop patterns that contain them.
  const flat = [...globs].filter((g) => !g.includes('{') && !g.includes(','));
  return `{${flat.join(',')}}`;
}
