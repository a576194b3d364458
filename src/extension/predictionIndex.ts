/**
 * Lookups over one prediction's tree: node by scope, parent, ancestors, and
 * the children in the order the tree view shows them. Built once per
 * prediction; the tree view's getParent and the reveal commands rely on it.
 */
import type { ModelNode, PredictedNode } from '../engine/index.js';

/** How the tree view orders siblings. */
export type TreeSortOrder = 'energy' | 'model';

export class PredictionIndex {
  private readonly scopes = new Map<string, PredictedNode>();
  private readonly parents = new Map<PredictedNode, PredictedNode>();

  constructor(readonly root: PredictedNode) {
    const stack: PredictedNode[] = [root];
    while (stack.length > 0) {
      const p = stack.pop()!;
      // First occurrence wins: scopes are unique in well-formed trees.
      if (!this.scopes.has(p.node.scope)) this.scopes.set(p.node.scope, p);
      for (const c of p.children) {
        this.parents.set(c, p);
        stack.push(c);
      }
    }
  }

  /** Number of nodes (count). */
  get size(): number {
    return this.scopes.size;
  }

  byScope(scope: string): PredictedNode | undefined {
    return this.scopes.get(scope);
  }

  parentOf(node: PredictedNode): PredictedNode | undefined {
    return this.parents.get(node);
  }

  /** The node and its ancestors, nearest first, ending at the root. */
  selfAndAncestors(node: PredictedNode): PredictedNode[] {
    const out: PredictedNode[] = [];
    for (let p: PredictedNode | undefined = node; p; p = this.parents.get(p)) out.push(p);
    return out;
  }

  /** The node with this scope, or failing that its closest existing ancestor scope (`a.b.c` → `a.b` → `a`). */
  closest(scope: string): PredictedNode | undefined {
    for (let s = scope; s !== ''; s = s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '') {
      const p = this.scopes.get(s);
      if (p) return p;
    }
    return undefined;
  }

  nodes(): IterableIterator<PredictedNode> {
    return this.scopes.values();
  }
}

/** Children in the chosen order; energy order is descending and stable for ties. */
export function orderedChildren(p: PredictedNode, order: TreeSortOrder): PredictedNode[] {
  if (order === 'model') return p.children;
  return p.children
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.energyJ - a.c.energyJ || a.i - b.i)
    .map((x) => x.c);
}

/**
 * Short name of a node under its parent: the scope with the parent's scope
 * removed (`root.encoder.layer.0` under `root.encoder` → `layer.0`), so
 * numbered layers keep their number.
 */
export function relativeName(node: ModelNode, parent: ModelNode | undefined): string {
  if (parent && node.scope.startsWith(`${parent.scope}.`)) return node.scope.slice(parent.scope.length + 1);
  const dot = node.scope.lastIndexOf('.');
  return dot >= 0 ? node.scope.slice(dot + 1) : node.scope;
}
