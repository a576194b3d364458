/**
 * Warnings of one evaluation, shared by the Python evaluator and the torch
 * runtime: each message once, in order, and a flag saying that some code was
 * not evaluated (so the tree built from source may miss work).
 */
export class EvalDiagnostics {
  /** Messages for the tree's warnings, in order, without duplicates. */
  readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  /** Set when some code could not be evaluated (a condition, a loop, a forward): the tree may miss work. */
  isIncomplete = false;

  /** A warning, listed once. */
  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  /** A warning about code that was not evaluated: the tree built from source may be incomplete. */
  incomplete(message: string): void {
    this.isIncomplete = true;
    this.warn(message);
  }
}
