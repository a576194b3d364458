/**
 * The static interpreter for model code, assembled from its two halves: the
 * Python evaluator (pythonEvaluator.ts) runs `__init__` to build the module
 * instances and `forward` on symbolic tensors, and the torch runtime
 * (torchRuntime.ts, over the catalog in torch/) models what each layer, op
 * and tensor method does and records it. Nothing is guessed: a dimension it
 * cannot resolve stays undefined and is reported by name. When a work budget
 * runs out, the tree so far is kept, marked incomplete, with a warning.
 */
import type { Dtype, ModelNode } from '../../tree/modelNode.js';
import { BudgetExceeded } from './evalBudget.js';
import { EvalDiagnostics } from './evalDiagnostics.js';
import type { PyExpr, PyFunction, SourceRange } from './pyAst.js';
import type { PythonAnalysis } from './pythonAnalysisTypes.js';
import { PythonEvaluator } from './pythonEvaluator.js';
import { newScope, unknown, type ClassRef, type ModuleInst, type Value } from './pythonValue.js';
import { TorchRuntime } from './torchRuntime.js';

export { ROOT_WIDTH } from './pythonValue.js';

/** Settings of one interpretation. */
export interface InterpreterOptions {
  batchSize: number;
  seqLen: number;
  dtype: Dtype;
  /** File name written into node sources for the main file. */
  fileName: string;
  signal?: AbortSignal;
}

/** The interpreter for one analysed file (plus the other files it links to). */
export class PythonInterpreter {
  private readonly diagnostics = new EvalDiagnostics();
  private readonly evaluator: PythonEvaluator;
  private readonly torch: TorchRuntime;

  constructor(
    readonly analysis: PythonAnalysis,
    opts: InterpreterOptions,
  ) {
    this.evaluator = new PythonEvaluator(analysis, this.diagnostics, opts.signal ? { signal: opts.signal } : {});
    this.torch = new TorchRuntime(opts.dtype, this.diagnostics, analysis, opts.fileName);
    this.evaluator.connect(this.torch);
    this.torch.connect(this.evaluator);
  }

  /** Messages for the tree's warnings, in order, without duplicates. */
  get warnings(): string[] {
    return this.diagnostics.warnings;
  }

  /** Set when some code could not be evaluated (a condition, a loop, a forward, a budget): the tree may miss work. */
  get isIncomplete(): boolean {
    return this.diagnostics.isIncomplete;
  }

  /** Width of the root input, learnt from the first layer that consumed it (features; 0: it is token ids), when it was not given. */
  get inferredInputWidth(): number | undefined {
    return this.torch.inferredInputWidth;
  }

  /** Set when a work budget ran out (the tree is partial). */
  budgetExceeded = false;

  /** Statements and expressions evaluated so far (count). */
  get steps(): number {
    return this.evaluator.budget.steps;
  }

  /** A class of the analysed files by name. */
  classRef(name: string): ClassRef | undefined {
    return this.evaluator.classRef(name);
  }

  /** The method `name` of a class or its bases. */
  findMethod(ref: ClassRef, name: string): { f: PyFunction; owner: ClassRef } | undefined {
    return this.evaluator.findMethod(ref, name);
  }

  /** A class-level attribute of a class or its bases (`config_class`), evaluated. */
  classAttr(ref: ClassRef, name: string): Value | undefined {
    return this.guard(() => this.evaluator.classField(ref, name), () => undefined);
  }

  /** Evaluates a module-level expression (constructor arguments, defaults). */
  evalExpr(e: PyExpr, env: Map<string, Value>, file: PythonAnalysis): Value {
    const scope = newScope();
    for (const [k, v] of env) scope.vars.set(k, v);
    return this.guard(() => this.evaluator.evalExpr(e, scope, file), () => unknown('evaluation budget'));
  }

  /** Instantiates a model class with bound arguments and returns the module (partial when a budget ran out). */
  instantiate(ref: ClassRef, args: Value[], kwargs: Map<string, Value>, range?: SourceRange): ModuleInst {
    const m = this.evaluator.instantiate(ref, args, kwargs, range);
    if (this.evaluator.budgetCut) this.budgetExceeded = true;
    return m;
  }

  /** Runs the root module's forward on token ids and returns the root node. */
  runRoot(root: ModuleInst, inputs: Value[], kwargs: Map<string, Value>): ModelNode {
    this.torch.recorder.assignScopes(root, 'root');
    const node = this.torch.recorder.nodeOf(root, undefined);
    node.type = 'model';
    const range = root.range ?? { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
    this.guard(
      () => this.torch.callModule(root, inputs, kwargs, range),
      () => unknown('evaluation budget'),
    );
    this.torch.recorder.frames.length = 0;
    return node;
  }

  /** Runs `work`; when a budget runs out, says so once, marks the tree incomplete and returns `fallback()`. */
  private guard<T>(work: () => T, fallback: () => T): T {
    try {
      return work();
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
      this.budgetExceeded = true;
      this.diagnostics.incomplete(`${err.what}; the tree is partial (what ran until then is counted)`);
      return fallback();
    }
  }
}
