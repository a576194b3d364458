import type { ModelNode } from './modelNode.js';

/** Visits every node depth-first, parents before children (model order). */
export function* walkTree(node: ModelNode, depth = 0): Generator<{ node: ModelNode; depth: number; parent?: ModelNode }> {
  const stack: { node: ModelNode; depth: number; parent?: ModelNode }[] = [{ node, depth }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    yield item;
    for (let i = item.node.children.length - 1; i >= 0; i--) {
      stack.push({ node: item.node.children[i]!, depth: item.depth + 1, parent: item.node });
    }
  }
}

/**
 * Calls `visit` on every node depth-first, parents before children, in the
 * same order as {@link walkTree}, without a generator or an object per node:
 * for the per-prediction walks, which a short-lived CLI process runs before
 * the JIT has warmed up.
 */
export function forEachNode(root: ModelNode, visit: (node: ModelNode) => void): void {
  const stack: ModelNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

/** Number of nodes in the tree (count). */
export function countNodes(root: ModelNode): number {
  let n = 0;
  for (const _ of walkTree(root)) n++;
  return n;
}

/** The node with this exact scope, if any. */
export function findByScope(root: ModelNode, scope: string): ModelNode | undefined {
  for (const { node } of walkTree(root)) if (node.scope === scope) return node;
  return undefined;
}

/**
 * FLOPs of the whole model for one inference (FLOPs): the sum over primitives of
 * flops x calls. Module rows are not added, so nothing is counted twice.
 */
export function totalFlops(root: ModelNode): number {
  let sum = 0;
  for (const { node } of walkTree(root)) if (node.children.length === 0) sum += node.flops * node.calls;
  return sum;
}

/**
 * Fills a parent's per-call flops, memBytes and parameters from its children,
 * bottom-up, weighting each child by how often it runs per call of the parent.
 * Importers call this once after building the structure. Iterative (a deep
 * tree cannot overflow the stack) and with index loops (no iterator objects
 * while the code is still interpreted); each node sums its children in order,
 * as a recursive walk would.
 */
export function rollUpTotals(root: ModelNode): void {
  // Pre-order: read backwards, every node comes after all of its descendants.
  const order: ModelNode[] = [];
  const stack: ModelNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    const kids = node.children;
    for (let i = 0; i < kids.length; i++) stack.push(kids[i]!);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    const kids = node.children;
    if (kids.length === 0) continue;
    let flops = 0;
    let memBytes = 0;
    let parameters = 0;
    for (let i = 0; i < kids.length; i++) {
      const child = kids[i]!;
      const perParentCall = child.calls / node.calls;
      flops += child.flops * perParentCall;
      memBytes += child.memBytes * perParentCall;
      parameters += child.parameters;
    }
    node.flops = flops;
    node.memBytes = memBytes;
    node.parameters = parameters;
  }
}
