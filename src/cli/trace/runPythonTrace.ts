/**
 * Runs the user's own Python on a model file to trace it (irene_trace.py),
 * with the result cached by the content of the file, its config and the
 * settings: the same file is traced once. Shared by `irene trace` and the
 * extension's "Trace with Python" (the extension asks first and refuses in
 * untrusted workspaces; this function runs what it is told to).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRunner } from '../../engine/calibrate/processRunner.js';
import { IreneError } from '../../engine/errors.js';
import { TRACE_SCRIPT_VERSION } from './pythonTraceScript.js';

/** What to trace. */
export interface TraceRequest {
  /** Absolute path of the .py file (its folder is where its relative imports resolve). */
  file: string;
  /** Its bytes (the cache key). */
  bytes: Uint8Array;
  /** The config.json beside it, if any: path and bytes. */
  config?: { path: string; bytes: Uint8Array };
  className: string;
  /** Shape of the root input (batch, seq[, width]); `floatInput` for hidden states instead of token ids. */
  inputShape: number[];
  floatInput: boolean;
}

/** How to run it. */
export interface TraceRunOptions {
  python: string;
  script: string;
  /** Folder of cached traces (created when missing); undefined: no cache. */
  cacheDir?: string;
  runner: ProcessRunner;
  signal?: AbortSignal;
  /** Lines the script (or the user's code) wrote to stderr. */
  onLog?(line: string): void;
}

/** A failed trace: a message the user can act on (the forward pass failed, no PyTorch, a missing config). */
export class TraceError extends IreneError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
    this.name = 'TraceError';
  }
}

/** The cache key of a request (hex). */
export function traceCacheKey(req: TraceRequest): string {
  const h = createHash('sha256');
  h.update(`irene-trace v${TRACE_SCRIPT_VERSION}\0${req.className}\0${req.inputShape.join(',')}\0${req.floatInput}\0`);
  h.update(req.bytes);
  h.update('\0');
  if (req.config) h.update(req.config.bytes);
  return h.digest('hex');
}

/**
 * The trace JSON of a request: from the cache, else by running the script.
 * @returns the JSON text and whether it came from the cache
 * @throws TraceError when Python cannot be started or the trace fails
 */
export async function runPythonTrace(req: TraceRequest, opts: TraceRunOptions): Promise<{ json: string; cached: boolean }> {
  const key = traceCacheKey(req);
  const cached = opts.cacheDir ? join(opts.cacheDir, `${key}.json`) : undefined;
  if (cached && existsSync(cached)) return { json: readFileSync(cached, 'utf8'), cached: true };
  const args = [opts.script, req.file, '--class', req.className, '--input-shape', req.inputShape.join(','), ...(req.floatInput ? ['--float-input'] : []), ...(req.config ? ['--config', req.config.path] : [])];
  let error: string | undefined;
  let lastLine = '';
  let result;
  try {
    result = await opts.runner.run(opts.python, args, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onStderrLine: (line) => {
        const m = /^\{"error": (".*")\}$/.exec(line.trim());
        if (m) error = JSON.parse(m[1]!) as string;
        else {
          if (line.trim()) lastLine = line.trim();
          opts.onLog?.(line);
        }
      },
    });
  } catch (err) {
    if (err instanceof IreneError && err.code === 'ABORTED') throw err;
    throw new TraceError(`cannot run ${opts.python} (${err instanceof Error ? err.message : String(err)}); set the Python interpreter that has PyTorch`);
  }
  if (result.exitCode !== 0 || error) {
    const reason = error ?? (lastLine ? `${lastLine} (exit ${result.exitCode ?? result.signal})` : `exit ${result.exitCode ?? result.signal}`);
    throw new TraceError(`tracing with ${opts.python} failed: ${reason.replace(/[\r\n]+/g, ' ')}`);
  }
  const json = result.stdout.trim().split('\n').pop() ?? '';
  if (cached) {
    mkdirSync(opts.cacheDir!, { recursive: true });
    // Written whole, then renamed: a reader never sees half a trace.
    writeFileSync(`${cached}.tmp`, json);
    renameSync(`${cached}.tmp`, cached);
  }
  return { json, cached: false };
}
