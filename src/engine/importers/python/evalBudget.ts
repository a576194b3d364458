/**
 * Limits on the work one evaluation may do, so that hostile or absurd source
 * (recursion that branches, nested loops over huge ranges, `[8] * 10**9`)
 * ends quickly with a partial tree instead of hanging or exhausting memory.
 * Far above what real model files need: the 22-layer Llama fixture evaluates
 * in about 17,000 steps, nanoGPT's GPT-2 in about 4,600.
 */

/** Statements and expressions evaluated, in all (count). */
export const MAX_STEPS = 1_000_000;
/** Module instances built, in all (count). */
export const MAX_INSTANCES = 50_000;
/** Tree nodes recorded, in all (count): far above a real model, whose repeats are counted, not unrolled. */
export const MAX_NODES = 100_000;
/** Items of one list, tuple, range or string built by the evaluator (count). */
export const MAX_SEQUENCE = 1_000_000;
/** Items of one comprehension unrolled before counted repeats take over, and iterations of one while loop (count). */
export const MAX_LOOP = 1024;
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
