/**
 * The order of "Trace with Python", apart from VS Code so that it can be
 * tested: nothing runs in an untrusted workspace, and nothing runs before the
 * user has confirmed, in a message that says what will run (their Python
 * importing their workspace code, as `trust_remote_code` would).
 */

/** What the flow needs from the editor. */
export interface TraceFlowDeps {
  /** `vscode.workspace.isTrusted`. */
  isTrusted: boolean;
  /** Asks the user; resolves true only for an explicit yes. */
  confirm(message: string, action: string): Promise<boolean>;
  /** Runs the trace (the user's Python imports the file). */
  trace(): Promise<string>;
  info(message: string): void;
  warn(message: string): void;
}

/** How the flow ended. */
export type TraceFlowOutcome = 'untrusted' | 'declined' | 'traced' | 'failed';

/** The confirmation's action button. */
export const TRACE_CONFIRM_ACTION = 'Run Python';

/**
 * Runs the flow for one file.
 * @param fileLabel the file as the user knows it (workspace-relative path)
 * @param python the interpreter that will run
 */
export async function traceWithPython(fileLabel: string, python: string, deps: TraceFlowDeps): Promise<TraceFlowOutcome> {
  if (!deps.isTrusted) {
    deps.warn('IrEne: tracing runs your Python on this workspace\'s code; trust this workspace first (static analysis needs no Python).');
    return 'untrusted';
  }
  const question =
    `Trace ${fileLabel} with ${python}? This imports the file and the modules it imports (workspace code runs, as with trust_remote_code), ` +
    'builds the model on PyTorch\'s meta device (no weights, no GPU, no download) and runs one forward pass.';
  if (!(await deps.confirm(question, TRACE_CONFIRM_ACTION))) return 'declined';
  try {
    deps.info(await deps.trace());
    return 'traced';
  } catch (err) {
    deps.warn(`IrEne: tracing failed: ${err instanceof Error ? err.message : String(err)}`);
    return 'failed';
  }
}
