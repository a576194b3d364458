/**
 * The ProcessRunner of Node (CLI and extension host). Kept out of
 * src/engine/index.ts: it imports node:child_process, which the webview's
 * browser bundle cannot resolve.
 */
import { spawn } from 'node:child_process';
import { AbortedError } from '../errors.js';
import { CalibrationError } from './harnessCommand.js';
import type { ProcessResult, ProcessRunner } from './processRunner.js';

/** Most characters of stdout kept (its tail, where the harness's answer is). */
const MAX_STDOUT_CHARS = 8 * 1024 * 1024;
/** Longest stderr line passed on (characters); the rest of a longer line is dropped. */
const MAX_STDERR_LINE_CHARS = 64 * 1024;

/**
 * A runner that spawns the program directly (no shell, so paths with spaces
 * and quotes are safe). On abort it sends SIGTERM, then SIGKILL after
 * `killGraceMs` if the program is still there.
 */
export function createNodeProcessRunner(options: { killGraceMs?: number; maxStdoutChars?: number } = {}): ProcessRunner {
  const grace = options.killGraceMs ?? 3000;
  const maxStdout = options.maxStdoutChars ?? MAX_STDOUT_CHARS;
  return {
    run(command, args, opts): Promise<ProcessResult> {
      return new Promise<ProcessResult>((resolve, reject) => {
        if (opts.signal?.aborted) {
          reject(new AbortedError());
          return;
        }
        const child = spawn(command, [...args], {
          cwd: opts.cwd,
          env: { ...process.env, PYTHONUNBUFFERED: '1', ...opts.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
        let stdout = '';
        let pending = '';
        let aborted = false;
        let killTimer: NodeJS.Timeout | undefined;
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (d: string) => {
          // The harness's answer is its last line: keep the tail, so a program that prints
          // hundreds of megabytes cannot fill memory (or pass V8's longest string).
          stdout += d;
          if (stdout.length > 2 * maxStdout) stdout = stdout.slice(-maxStdout);
        });
        child.stderr.on('data', (d: string) => {
          pending += d;
          let i: number;
          while ((i = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, i);
            pending = pending.slice(i + 1);
            opts.onStderrLine?.(line.length > MAX_STDERR_LINE_CHARS ? `${line.slice(0, MAX_STDERR_LINE_CHARS)}…` : line);
          }
          // A line without end is cut, not buffered forever.
          if (pending.length > MAX_STDERR_LINE_CHARS) {
            opts.onStderrLine?.(`${pending.slice(0, MAX_STDERR_LINE_CHARS)}…`);
            pending = '';
          }
        });
        const onAbort = (): void => {
          aborted = true;
          child.kill('SIGTERM');
          killTimer = setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          }, grace);
          killTimer.unref();
        };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (e: NodeJS.ErrnoException) => {
          opts.signal?.removeEventListener('abort', onAbort);
          const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'not executable' : e.message;
          reject(new CalibrationError(`cannot run ${command}: ${why}`));
        });
        child.on('close', (code, sig) => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          if (pending !== '') opts.onStderrLine?.(pending);
          if (aborted) reject(new AbortedError());
          else resolve({ exitCode: code, signal: sig, stdout });
        });
      });
    },
  };
}
