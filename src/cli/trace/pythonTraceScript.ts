/**
 * Where the trace script is: `irene_trace.py` beside this module when running
 * from source, or `dist/trace/irene_trace.py` beside the bundles (esbuild
 * copies it; see esbuild.mjs). Plain Python run by the user's interpreter.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Version of the trace format: part of the cache key, so that an updated script never reuses old traces. */
export const TRACE_SCRIPT_VERSION = 1;

/**
 * The path of irene_trace.py.
 * @param fromDir the directory of the running bundle or module
 * @throws Error when it is missing (a broken install)
 */
export function locateTraceScript(fromDir: string): string {
  const candidates = [join(fromDir, 'irene_trace.py'), join(fromDir, 'trace', 'irene_trace.py'), join(fromDir, '..', 'trace', 'irene_trace.py'), join(fromDir, '..', 'src', 'cli', 'trace', 'irene_trace.py')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the trace script irene_trace.py is missing (looked in ${candidates.join(', ')}); reinstall IrEne`);
  return found;
}
