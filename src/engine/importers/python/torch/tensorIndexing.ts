/**
 * Shapes of `x[...]` on symbolic tensors: integers drop a dimension, slices
 * keep it with their length, `None` adds one, `...` spans the rest, and a list
 * or tensor index (advanced indexing) puts its own shape in place.
 */
import { tensor, type Dim, type SubItem, type Value } from '../pythonValue.js';
import { pushAll } from '../../../arrays.js';

type TensorValue = Extract<Value, { t: 'tensor' }>;

/** Shape of `x[items]` for basic and simple advanced indexing. */
export function indexTensor(x: TensorValue, items: SubItem[]): Value {
  if (!x.shape) return tensor(undefined, x.why);
  const shape = x.shape;
  const out: Dim[] = [];
  let dim = 0;
  const consumed = items.filter((i) => i.k !== 'ellipsis' && !(i.k === 'index' && i.v.t === 'none')).length;
  for (const it of items) {
    if (it.k === 'ellipsis') {
      const skip = shape.length - consumed;
      for (let i = 0; i < skip; i++) out.push(shape[dim++]);
    } else if (it.k === 'index') {
      if (it.v.t === 'none') out.push(1);
      else if (it.v.t === 'seq') {
        // x[:, [-1], :] keeps the dimension with the list's length.
        out.push(it.v.items.length);
        dim++;
      } else if (it.v.t === 'tensor') {
        // Advanced indexing: the result has the index's shape in place of the dimension.
        pushAll(out, it.v.shape ?? [undefined]);
        dim++;
      } else dim++;
    } else {
      const size = shape[dim++];
      if (it.unknownBound || size === undefined) out.push(undefined);
      else out.push(sliceLength(size, it.lower, it.upper, it.step));
    }
  }
  while (dim < shape.length) out.push(shape[dim++]);
  return tensor(out, x.why, x.int);
}

/**
 * Length of `range(size)[lower:upper:step]` with Python's rules: negative bounds
 * count from the end, so `-0` is 0 and `x[-k:]` with k = 0 is the whole length.
 */
export function sliceLength(size: number, lower: number | undefined, upper: number | undefined, step: number | undefined): number {
  const norm = (v: number | undefined, def: number): number => (v === undefined ? def : v < 0 ? Math.max(0, size + v) : Math.min(size, v));
  const s = step ?? 1;
  if (s < 0) {
    const lo = lower === undefined ? size - 1 : Math.min(size - 1, lower < 0 ? size + lower : lower);
    const hi = upper === undefined ? -1 : upper < 0 ? Math.max(-1, size + upper) : Math.min(size - 1, upper);
    return Math.max(0, Math.ceil((lo - hi) / -s));
  }
  const len = Math.max(0, norm(upper, size) - norm(lower, 0));
  return Math.ceil(len / s);
}
