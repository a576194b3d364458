/**
 * Limits on the work one evaluation may do, so that hostile or absurd source
 * (recursion that branches, nested loops over huge ranges, `[8] * 10**9`)
 * ends quickly with a partial tree instead of hanging or exhausting memory.
 * Far above what real model files need: a 48-layer model evaluates in well
 * under 10^5 steps.
 */

/** Statements and expressions evaluated, in all (count). */
export const MAX_STEPS = 3_000_000;
/** Module instances built, in all (count). */
export const MAX_INSTANCES = 200_000;
/** Items of one list, tuple, range or string built by the evaluator (count). */
export const MAX_SEQUENCE = 1_000_000;
/** Iterations of one loop or comprehension before counted repeats take over (count). */
export const MAX_LOOP = 4096;
/** Nesting of Python calls (frames). */
export const MAX_DEPTH = 64;

/** Thrown when a budget runs out; caught where the tree is assembled (never by code in between). */
export class BudgetExceeded extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'BudgetExceeded';
  }
}

/** Counts steps and instances of one evaluation. */
export class EvalBudget {
  steps = 0;
  instances = 0;

  /** One statement or expression; throws when the total is spent. */
  step(): void {
    if (++this.steps > MAX_STEPS) throw new BudgetExceeded(`the evaluation stopped after ${MAX_STEPS.toLocaleString('en-US')} steps`);
  }

  /** One module instance; throws when the total is spent. */
  instance(): void {
    if (++this.instances > MAX_INSTANCES) throw new BudgetExceeded(`the evaluation stopped after building ${MAX_INSTANCES.toLocaleString('en-US')} module instances`);
  }
}
