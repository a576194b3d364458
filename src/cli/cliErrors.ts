import { IreneError } from '../engine/index.js';
import { terminalText } from '../engine/report/escapeText.js';

/** Exit codes of `irene`: 0 success, 1 the user's input is wrong, 2 a bug in IrEne, 3 a model over its energy budget (`irene check`). */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 2;
export const EXIT_OVER_BUDGET = 3;

/** Ends a command with an exit code after it has printed what it had to say (`irene check` over budget). */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** A CLI usage problem (bad flag value, missing file) reported like an engine IreneError. */
export class CliUsageError extends Error {}

/** Maps any thrown value to an exit code and the text to print on stderr. */
export function describeFailure(err: unknown): { code: number; text: string } {
  if (err instanceof IreneError || err instanceof CliUsageError) {
    return { code: EXIT_USER_ERROR, text: `irene: ${terminalText(err.message)}` };
  }
  const nodeErr = err as NodeJS.ErrnoException;
  if (nodeErr && typeof nodeErr.code === 'string' && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(nodeErr.code)) {
    const path = nodeErr.path ?? '';
    const what = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a folder, not a file', ENOTDIR: 'not a folder' }[nodeErr.code];
    return { code: EXIT_USER_ERROR, text: `irene: ${path === '' ? '' : `${terminalText(path)}: `}${what}` };
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const short = terminalText(stack.split('\n').slice(0, 6).join('\n'), true);
  return {
    code: EXIT_INTERNAL_ERROR,
    text: `irene: internal error (this is a bug in IrEne, please report it with the command you ran):\n${short}`,
  };
}
