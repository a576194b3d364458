/**
 * What a torch catalog handler may do besides computing shapes: record the
 * primitive it ran (with its cost, from `features/`) in the module being
 * called, and report what it could not model. The module recorder implements
 * it; handlers never see the evaluator, so adding an op is one table entry.
 */
import type { PrimitiveCost } from '../../../features/primitiveCost.js';
import type { Dtype } from '../../../tree/modelNode.js';
import type { SourceRange } from '../pyAst.js';
import type { Value } from '../pythonValue.js';

/** The services a torch handler gets. */
export interface TorchContext {
  /** Element type of the tree being built (bytes per element come from it). */
  readonly dtype: Dtype;
  /**
   * Records one call of a primitive in the current module (a leaf user module folds it into its own cost).
   * @param cost undefined when an input shape is unknown; `why` names what.
   */
  recordOp(op: string, inputs: Value[], cost: PrimitiveCost | undefined, range: SourceRange, why?: string): void;
  /** A warning, listed once. */
  warn(message: string): void;
  /** A warning that also marks the tree incomplete (work may be missing). */
  incomplete(message: string): void;
}

/** A functional op or tensor method: positional and keyword arguments in, a value out. */
export type TorchOpHandler = (ctx: TorchContext, args: Value[], kw: Map<string, Value>, range: SourceRange) => Value;
