/**
 * Records what runs while `forward` is evaluated: one tree node per module
 * (created on its first call, placed under the module that owns it by scope)
 * and one per functional primitive, with calls counted and costs from the
 * torch handlers. A user module without submodules is folded into one
 * primitive of its own (LlamaRMSNorm), as in the measured trees.
 */
import { FLOPS_PER_ELEMENT, pointwiseCost, type PrimitiveCost } from '../../features/primitiveCost.js';
import { DTYPE_BYTES, type Dtype, type ModelNode } from '../../tree/modelNode.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import type { SourceRange } from './pyAst.js';
import type { PythonAnalysis } from './pythonAnalysisTypes.js';
import { BudgetExceeded, MAX_NODES } from './evalBudget.js';
import { knownShape, whyUnknown, type ModuleInst, type Value } from './pythonValue.js';

/** One active forward call: the module whose ops are being recorded. */
export interface Frame {
  module: ModuleInst;
  node: ModelNode;
  opIndex: number;
  /** Leaf user modules fold their ops into their own cost instead of creating children. */
  fold?: PrimitiveCost;
}

/** Nodes and the stack of module calls of one evaluation. */
export class ModuleRecorder {
  private readonly nodes = new Map<string, ModelNode>();
  readonly frames: Frame[] = [];
  /** How many times the code running now runs (a loop over N counted repeats runs its body once for N). */
  callMultiplier = 1;
  /** How many identical instances the module running now stands for (a ModuleList of N counted repeats). */
  instanceFactor = 1;

  constructor(
    private readonly dtype: Dtype,
    /** The main file: nodes created from it get `mainFileName`, the others their own file name. */
    private readonly mainFile: PythonAnalysis,
    private readonly mainFileName: string,
  ) {}

  /** The innermost module call, if any. */
  get top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** Assigns dotted scopes to a module tree built by the constructors (containers never called get no node of their own). */
  assignScopes(m: ModuleInst, scope: string): void {
    // Iterative: a deep chain of modules must not overflow the stack.
    const stack: [ModuleInst, string][] = [[m, scope]];
    while (stack.length) {
      const [x, s] = stack.pop()!;
      x.scope = s;
      x.children.forEach(([key, child], i) => {
        child.order = i;
        stack.push([child, `${s}.${key}`]);
      });
    }
  }

  /** The node of a module (created on first call). */
  nodeOf(m: ModuleInst, parent: ModelNode | undefined): ModelNode {
    const scope = m.scope ?? `${parent?.scope ?? 'root'}.<unnamed>`;
    let node = this.nodes.get(scope);
    if (!node) {
      node = {
        scope,
        type: 'module',
        instanceType: m.className,
        inputShapes: [],
        dtype: this.dtype,
        calls: 0,
        parameters: 0,
        flops: 0,
        memBytes: 0,
        children: [],
      };
      const src = this.sourceOf(m.range, m.file);
      if (src) node.source = src;
      if (m.unresolved.length) node.unresolved = [...new Set(m.unresolved)];
      this.checkNodeBudget();
      this.nodes.set(scope, node);
      const parentNode = this.structuralParent(scope) ?? parent;
      if (parentNode && parentNode !== node) parentNode.children.push(node);
    }
    return node;
  }

  private checkNodeBudget(): void {
    if (this.nodes.size >= MAX_NODES) throw new BudgetExceeded(`the evaluation stopped after recording ${MAX_NODES.toLocaleString('en-US')} tree nodes`);
  }

  /** The node of a scope, if it was created. */
  node(scope: string): ModelNode | undefined {
    return this.nodes.get(scope);
  }

  /** The node whose scope is the longest existing prefix (the module that owns this one). */
  private structuralParent(scope: string): ModelNode | undefined {
    let s = scope;
    for (;;) {
      const i = s.lastIndexOf('.');
      if (i < 0) return undefined;
      s = s.slice(0, i);
      const n = this.nodes.get(s);
      if (n) return n;
    }
  }

  /** The source link of a range in a file. */
  sourceOf(range: SourceRange | undefined, file: PythonAnalysis | undefined): ModelNode['source'] | undefined {
    if (!range) return undefined;
    const fileName = file && file !== this.mainFile ? file.fileName : this.mainFileName;
    return { ...(fileName ? { file: fileName } : {}), line: range.start.line, column: range.start.column };
  }

  /** Adds a name to a node's unresolved list once. */
  markUnresolved(node: ModelNode, what: string): void {
    node.unresolved ??= [];
    if (!node.unresolved.includes(what)) node.unresolved.push(what);
  }

  /** Records a functional primitive in the current module (or folds it into a leaf). */
  recordOp(op: string, inputs: Value[], costIn: PrimitiveCost | undefined, range: SourceRange, file: PythonAnalysis | undefined, whyIn?: string): void {
    const cost = finiteCost(costIn);
    const why = costIn && !cost ? 'a cost that is not a finite number' : whyIn;
    const frame = this.top;
    if (!frame) return;
    if (frame.fold) {
      if (cost) addCost(frame.fold, cost);
      return;
    }
    const scope = `${frame.node.scope}.${op}.${frame.opIndex++}`;
    let node = this.nodes.get(scope);
    if (!node) {
      node = {
        scope,
        type: 'ml',
        instanceType: op,
        kind: primitiveKindOf(op),
        inputShapes: inputs.map(knownShape).filter((s): s is number[] => s !== undefined),
        dtype: this.dtype,
        calls: 0,
        parameters: 0,
        flops: cost?.flops ?? 0,
        memBytes: cost?.memBytes ?? 0,
        children: [],
      };
      const src = this.sourceOf(range, file);
      if (src) node.source = src;
      if (!cost) this.markUnresolved(node, why ?? 'input shapes');
      this.checkNodeBudget();
      this.nodes.set(scope, node);
      frame.node.children.push(node);
    }
    node.calls += this.callMultiplier;
  }

  /** A user module without submodules is one primitive (LlamaRMSNorm): its cost by convention when its kind is known, else the sum of its ops. */
  finishLeafModule(m: ModuleInst, node: ModelNode, folded: PrimitiveCost, input: Value | undefined): void {
    node.type = 'ml';
    const kind = primitiveKindOf(m.className);
    node.kind = kind;
    const shape = knownShape(input);
    let cost = folded;
    const perElement: Partial<Record<string, number>> = { rmsnorm: FLOPS_PER_ELEMENT.rmsnorm, layernorm: FLOPS_PER_ELEMENT.layernorm, softmax: FLOPS_PER_ELEMENT.softmax };
    if (shape && perElement[kind] !== undefined) cost = pointwiseCost(shape, perElement[kind]!, this.dtype, m.ownParameters);
    else if (kind === 'activation' && shape) cost = pointwiseCost(shape, FLOPS_PER_ELEMENT[activationOf(m.className)], this.dtype);
    if (!shape && kind !== 'rotary' && whyUnknown(input)) this.markUnresolved(node, whyUnknown(input)!);
    const finite = finiteCost(cost);
    if (!finite) this.markUnresolved(node, 'a cost that is not a finite number');
    node.flops = finite?.flops ?? 0;
    node.memBytes = (finite?.memBytes ?? 0) + (perElement[kind] !== undefined ? 0 : m.ownParameters * DTYPE_BYTES[this.dtype]);
    node.parameters = Number.isFinite(m.ownParameters) ? m.ownParameters * this.instanceFactor : 0;
  }
}

/** The cost when all its numbers are finite, else undefined (hostile sizes must never reach the tree as NaN or Infinity). */
export function finiteCost(c: PrimitiveCost | undefined): PrimitiveCost | undefined {
  return c && Number.isFinite(c.flops) && Number.isFinite(c.memBytes) && Number.isFinite(c.parameters) ? c : undefined;
}

/** Adds a cost into another (folding ops into a leaf module). */
export function addCost(into: PrimitiveCost, c: PrimitiveCost): void {
  into.flops += c.flops;
  into.memBytes += c.memBytes;
}

function activationOf(className: string): 'gelu' | 'relu' | 'silu' | 'tanh' | 'sigmoid' {
  const lower = className.toLowerCase();
  if (lower.includes('silu') || lower.includes('swish')) return 'silu';
  if (lower.includes('relu')) return 'relu';
  if (lower.includes('tanh')) return 'tanh';
  if (lower.includes('sigmoid')) return 'sigmoid';
  return 'gelu';
}
