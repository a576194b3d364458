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

/** A node's own fields (all but location and children) as a string key. */
function ownFieldsKey(node: ModelNode): string {
  let key = '';
  const fields = node as unknown as Record<string, unknown>;
  for (const k in fields) {
    if (LOCATION_FIELDS.has(k)) continue;
    const v = fields[k];
    // -0 is kept apart from 0 (String and JSON.stringify write both as "0").
    const text = typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
    key += `${k}=${text};`;
  }
  return key;
}

/**
 * Each node whose subtree repeats an earlier one (same fields but scope and
 * source, the same children in the same order, recursively), mapped to the
 * first such node in post-order. First occurrences are not in the map. The
 * first occurrence of a subtree lies wholly before its repeats in both pre-
 * and post-order (two identical subtrees are disjoint: neither holds the other).
 */
export function repeatedSubtrees(root: ModelNode): Map<ModelNode, ModelNode> {
  const ids = new Map<string, number>();
  const firstWithId: ModelNode[] = [];
  const idOf = new Map<ModelNode, number>();
  const repeats = new Map<ModelNode, ModelNode>();
  // Iterative post-order: trees may be deep.
  const stack: { node: ModelNode; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.node.children.length) {
      stack.push({ node: top.node.children[top.next++]!, next: 0 });
      continue;
    }
    stack.pop();
    const n = top.node;
    let key = ownFieldsKey(n);
    key += '[';
    for (const c of n.children) key += `${idOf.get(c)!},`;
    let id = ids.get(key);
    if (id === undefined) {
      id = firstWithId.length;
      ids.set(key, id);
      firstWithId.push(n);
    } else {
      repeats.set(n, firstWithId[id]!);
    }
    idOf.set(n, id);
  }
  return repeats;
}
