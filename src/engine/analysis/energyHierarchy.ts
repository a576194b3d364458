/**
 * The breakdown's data: a predicted tree turned into the plain hierarchy the
 * icicle is laid out from, with every node's layout value derived from its
 * predicted energy.
 */
import type { NodeType, PredictedNode, PrimitiveKind, Regime, SourceRef } from '../tree/modelNode.js';
import { kindGroupOf, primitiveKindOfNode, type KindGroup } from './kindGroup.js';

/** One node of the breakdown hierarchy. */
export interface EnergyDatum {
  /** Dotted scope, unique in the tree (the key every view uses). */
  scope: string;
  /** Last segment of the scope (`query`, `0`, `root`). */
  name: string;
  type: NodeType;
  instanceType: string;
  /** Primitive kind; undefined for the model and its modules. */
  kind?: PrimitiveKind;
  /** Colour family: the primitive's kind group, or `module` for the model and its modules. */
  group: KindGroup | 'module';
  depth: number;
  /** Energy of all calls in one inference (joules). */
  energyJ: number;
  /** One-sigma uncertainty of energyJ (joules). */
  uncertaintyJ: number;
  /** Fraction of the model's energy (0..1). */
  share: number;
  /** Times the node runs per inference (count). */
  calls: number;
  /** FLOPs of one call (FLOPs). */
  flops: number;
  /** Bytes touched by one call (bytes). */
  memBytes: number;
  /** Parameters (count). */
  parameters: number;
  /** What bounds the node: the CPU issuing kernels, memory traffic or arithmetic. */
  regime: Regime;
  /** The node's part of the model's time per inference (seconds). */
  timeS: number;
  /** Static part of energyJ: idle power x timeS (joules). */
  staticJ: number;
  /** Dynamic part of energyJ (joules). */
  dynamicJ: number;
  /**
   * Energy the node's prediction has beyond the sum of its children (joules):
   * IrEne predicts a module from its children's predictions with its own
   * regression, so this is the module's overhead (negative when the module's
   * regression predicts less than its parts). 0 for primitives.
   */
  selfJ: number;
  /**
   * Width the node takes in the icicle, in the model's joules: the root's is
   * its energy and a parent's width is shared among its children in
   * proportion to their energy, so children never overflow their parent even
   * when the module's own prediction is below the sum of its parts.
   */
  layoutValue: number;
  source?: SourceRef;
  children: EnergyDatum[];
}

/**
 * Builds the breakdown hierarchy of a predicted tree.
 * Negative or non-finite energies (a regression extrapolating badly) are laid
 * out as zero width but keep their values for the tables.
 */
export function toEnergyHierarchy(root: PredictedNode): EnergyDatum {
  const top = build(root, 0);
  top.layoutValue = widthOf(root.energyJ);
  assignLayout(top);
  return top;
}

function widthOf(energyJ: number): number {
  return Number.isFinite(energyJ) && energyJ > 0 ? energyJ : 0;
}

function build(p: PredictedNode, depth: number): EnergyDatum {
  const kind = primitiveKindOfNode(p);
  const children = p.children.map((c) => build(c, depth + 1));
  let childSum = 0;
  for (const c of p.children) childSum += c.energyJ;
  const scope = p.node.scope;
  const dot = scope.lastIndexOf('.');
  const datum: EnergyDatum = {
    scope,
    name: dot >= 0 ? scope.slice(dot + 1) : scope,
    type: p.node.type,
    instanceType: p.node.instanceType,
    group: kind === undefined ? 'module' : kindGroupOf(kind),
    depth,
    energyJ: p.energyJ,
    uncertaintyJ: p.uncertaintyJ,
    share: p.share,
    calls: p.node.calls,
    flops: p.node.flops,
    memBytes: p.node.memBytes,
    parameters: p.node.parameters,
    regime: p.regime,
    timeS: p.timeS,
    staticJ: p.staticJ,
    dynamicJ: p.dynamicJ,
    selfJ: p.children.length === 0 ? 0 : p.energyJ - childSum,
    layoutValue: 0,
    children,
  };
  if (kind !== undefined) datum.kind = kind;
  if (p.node.source) datum.source = p.node.source;
  return datum;
}

// Iterative so that very deep trees cannot overflow the stack.
function assignLayout(top: EnergyDatum): void {
  const stack = [top];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let sum = 0;
    for (const c of d.children) sum += widthOf(c.energyJ);
    const denominator = Math.max(widthOf(d.energyJ), sum);
    for (const c of d.children) {
      c.layoutValue = denominator > 0 ? (d.layoutValue * widthOf(c.energyJ)) / denominator : 0;
      stack.push(c);
    }
  }
}

/** The datum with this scope, or undefined. */
export function findDatum(root: EnergyDatum, scope: string): EnergyDatum | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (d.scope === scope) return d;
    for (const c of d.children) stack.push(c);
  }
  return undefined;
}

/** The path from the root to the datum with this scope (both included), or [] when absent. */
export function pathTo(root: EnergyDatum, scope: string): EnergyDatum[] {
  const path: EnergyDatum[] = [];
  const visit = (d: EnergyDatum): boolean => {
    path.push(d);
    if (d.scope === scope) return true;
    // Scopes are dotted paths: only descend where the target can be.
    for (const c of d.children) if (scope === c.scope || scope.startsWith(`${c.scope}.`) || !c.scope.startsWith(`${d.scope}.`)) if (visit(c)) return true;
    path.pop();
    return false;
  };
  return visit(root) ? path : [];
}

/** Every datum, parents before children (model order). */
export function* walkEnergy(root: EnergyDatum): Generator<EnergyDatum> {
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    yield d;
    for (let i = d.children.length - 1; i >= 0; i--) stack.push(d.children[i]!);
  }
}
