/**
 * Repeated subtrees of a model tree: a decoder's layers are the same module
 * N times over, differing only in their scopes (`root.layers.0`,
 * `root.layers.1` ...). Everything the predictor derives bottom-up from a
 * node (its work, features, times, leaf regression and aggregation weight)
 * depends on the node's fields and its subtree, never on its scope, so it can
 * be computed once per distinct subtree and copied to the repeats: the same
 * operations on the same numbers, hence the same results to the last bit.
 * A 7B Llama decode step has about 1,000 nodes and 40 distinct ones.
 */
import type { ModelNode } from '../tree/modelNode.js';

/**
 * Fields that say where a node is, not what it computes: left out of the
 * comparison. Every other field (present now or added later) takes part, so a
 * node that differs in anything the predictor could read is never a repeat.
 */
const LOCATION_FIELDS: ReadonlySet<string> = new Set(['scope', 'source', 'children']);

/** Deep equality of field values: Object.is on primitives (so -0 is not 0), arrays and plain objects element by element. */
function sameValue(x: unknown, y: unknown): boolean {
  if (Object.is(x, y)) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    if (kx[i] !== ky[i] || !sameValue((x as Record<string, unknown>)[kx[i]!], (y as Record<string, unknown>)[kx[i]!])) return false;
  }
  return true;
}

/** Whether two nodes have the same own fields (all but location and children, in the same order) and as many children. */
function sameOwnFields(a: ModelNode, b: ModelNode): boolean {
  if (a.children.length !== b.children.length) return false;
  const fa = a as unknown as Record<string, unknown>;
  const fb = b as unknown as Record<string, unknown>;
  const ka = Object.keys(fa);
  const kb = Object.keys(fb);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i]) return false;
    if (!LOCATION_FIELDS.has(k) && !sameValue(fa[k], fb[k])) return false;
  }
  return true;
}

/** Whether two subtrees are the same but for scopes and sources (iterative: trees may be deep). */
function sameSubtree(a: ModelNode, b: ModelNode): boolean {
  const stack: ModelNode[] = [a, b];
  while (stack.length > 0) {
    const y = stack.pop()!;
    const x = stack.pop()!;
    if (!sameOwnFields(x, y)) return false;
    for (let i = 0; i < x.children.length; i++) stack.push(x.children[i]!, y.children[i]!);
  }
  return true;
}

/**
 * Each node whose subtree repeats an earlier sibling's (same fields but scope
 * and source, the same children in the same order, recursively) and every
 * node under it, mapped to its counterpart's first occurrence; first
 * occurrences are not in the map. Only siblings are compared (a model's
 * layers, experts and heads are siblings), each against the earlier siblings
 * of the same type and work, so a tree costs about one comparison per node.
 * A first occurrence lies wholly before its repeats in both pre- and
 * post-order (they are disjoint subtrees).
 */
export function repeatedSubtrees(root: ModelNode): Map<ModelNode, ModelNode> {
  const repeats = new Map<ModelNode, ModelNode>();
  // Depth first, a child's subtree settled before its next sibling is compared: a repeat then maps
  // onto nodes whose own repeats inside the first (two alike projections of one layer) are known.
  const frames: { kids: readonly ModelNode[]; next: number; firsts: Map<string, ModelNode[]> }[] = [{ kids: root.children, next: 0, firsts: new Map() }];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.next >= frame.kids.length) {
      frames.pop();
      continue;
    }
    const c = frame.kids[frame.next++]!;
    // Earlier siblings that are first occurrences, by a cheap key; equal keys are compared in full.
    const key = `${c.instanceType}|${c.flops}|${c.memBytes}|${c.children.length}`;
    const candidates = frame.firsts.get(key);
    const first = candidates?.find((f) => sameSubtree(f, c));
    if (!first) {
      if (candidates) candidates.push(c);
      else frame.firsts.set(key, [c]);
      if (c.children.length > 0) frames.push({ kids: c.children, next: 0, firsts: new Map() });
      continue;
    }
    // Map the whole repeat onto the first, node by node.
    const stack: ModelNode[] = [first, c];
    while (stack.length > 0) {
      const y = stack.pop()!;
      const x = stack.pop()!;
      repeats.set(y, repeats.get(x) ?? x);
      for (let i = 0; i < x.children.length; i++) stack.push(x.children[i]!, y.children[i]!);
    }
  }
  return repeats;
}
