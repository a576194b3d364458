/**
 * Array helpers that never spread an array into a call's arguments:
 * `Math.max(...xs)` and `a.push(...xs)` put every element on the stack and
 * end in "Maximum call stack size exceeded" past about 100,000 elements
 * (a 200k fan-out ONNX graph, 1e5 layers). The lint rule
 * `no-restricted-syntax` (eslint.config.mjs) points here.
 */

/**
 * The largest of `values`, or `empty` for none.
 * @param empty the result for an empty list (default -Infinity, like Math.max())
 */
export function maxOf(values: Iterable<number>, empty = Number.NEGATIVE_INFINITY): number {
  let best = Number.NEGATIVE_INFINITY;
  let any = false;
  for (const v of values) {
    any = true;
    if (v > best || Number.isNaN(v)) best = v;
    if (Number.isNaN(best)) return best;
  }
  return any ? best : empty;
}

/** Appends every item of `items` to `target` (in order) and returns `target`. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  // Arrays by index: a cold process runs this in the interpreter, where for-of allocates a result per element.
  if (Array.isArray(items)) {
    const list = items as readonly T[];
    for (let i = 0; i < list.length; i++) target.push(list[i]!);
    return target;
  }
  for (const item of items) target.push(item);
  return target;
}
