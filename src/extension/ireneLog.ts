/**
 * The extension's log: a LogOutputChannel ("IrEne" in the Output view).
 * Providers never throw into VS Code; they report here and return nothing.
 */
import * as vscode from 'vscode';
import { EngineRequestError } from './engineClient.js';

export class IreneLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('IrEne', { log: true });
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  /** Logs a failure; cancellations are routine and go to trace. */
  error(context: string, err: unknown): void {
    if (isCancellation(err)) {
      this.channel.trace(`${context}: cancelled`);
      return;
    }
    if (err instanceof EngineRequestError && err.code !== 'INTERNAL' && err.code !== 'WORKER') {
      // A user error (bad file, unknown model type): the message is the whole story.
      this.channel.warn(`${context}: ${err.message}`);
      return;
    }
    this.channel.error(`${context}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }

  /** Runs a provider body; logs and returns undefined on failure instead of throwing into VS Code. */
  async guard<T>(context: string, body: () => Promise<T> | T): Promise<T | undefined> {
    try {
      return await body();
    } catch (err) {
      this.error(context, err);
      return undefined;
    }
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** True for errors that only mean "nobody wants this any more". */
export function isCancellation(err: unknown): boolean {
  return (
    (err instanceof EngineRequestError && err.cancelled) ||
    err instanceof vscode.CancellationError ||
    (err instanceof Error && err.name === 'AbortError')
  );
}

/** An AbortSignal that fires when the token is cancelled. */
export function toAbortSignal(token: vscode.CancellationToken | undefined): { signal: AbortSignal | undefined; dispose(): void } {
  if (!token) return { signal: undefined, dispose() {} };
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}
