/**
 * Python's operators and sequence rules over evaluator values, and the join of
 * the values several branches give: arithmetic and comparisons, identity,
 * slices with Python's bounds, and the methods of lists, strings and dicts.
 */
import { MAX_SEQUENCE } from './evalBudget.js';
import { NONE, asNumber, num, unknown, type SubItem, type Value } from './pythonValue.js';

/**
 * What several possible values have in common: the value itself when they are
 * the same (or equal numbers, strings, bools), a tensor with the dimensions they
 * share, else unknown naming `why`. Undefined when no branch has a value.
 */
export function joinValues(values: (Value | undefined)[], why: string): Value | undefined {
  const present = values.filter((v): v is Value => v !== undefined);
  if (present.length === 0) return undefined;
  if (present.length < values.length) return unknown(why);
  const first = present[0]!;
  if (present.every((v) => v === first)) return first;
  if (first.t === 'num' || first.t === 'str' || first.t === 'bool') {
    if (present.every((v) => v.t === first.t && (v as { v: unknown }).v === first.v)) return first;
    return unknown(why);
  }
  if (first.t === 'none' && present.every((v) => v.t === 'none')) return first;
  if (present.every((v) => v.t === 'tensor')) {
    const shapes = present.map((v) => (v as Extract<Value, { t: 'tensor' }>).shape);
    const rank = shapes[0]?.length;
    if (rank === undefined || shapes.some((sh) => sh?.length !== rank)) return { t: 'tensor', shape: undefined, why };
    const dims = shapes[0]!.map((d, i) => (shapes.every((sh) => sh![i] === d) ? d : undefined));
    const int = present.every((v) => (v as Extract<Value, { t: 'tensor' }>).int === true);
    return { t: 'tensor', shape: dims, ...(dims.some((d) => d === undefined) ? { why } : {}), ...(int ? { int } : {}) };
  }
  if (present.every((v) => v.t === 'seq') && present.every((v) => (v as Extract<Value, { t: 'seq' }>).items.length === (first as Extract<Value, { t: 'seq' }>).items.length)) {
    const seqs = present as Extract<Value, { t: 'seq' }>[];
    return { t: 'seq', kind: seqs[0]!.kind, items: seqs[0]!.items.map((_, i) => joinValues(seqs.map((q) => q.items[i]), why) ?? unknown(why)) };
  }
  return unknown(why);
}

/** Python arithmetic and comparisons on numbers; undefined for an operator it does not have. */
export function arithmetic(op: string, a: number, b: number): Value | undefined {
  switch (op) {
    case '+':
      return num(a + b);
    case '-':
      return num(a - b);
    case '*':
      return num(a * b);
    case '/':
      return num(a / b);
    case '//':
      return num(Math.floor(a / b));
    case '%':
      return num(a - b * Math.floor(a / b));
    case '**':
      return num(a ** b);
    case '<':
      return { t: 'bool', v: a < b };
    case '>':
      return { t: 'bool', v: a > b };
    case '<=':
      return { t: 'bool', v: a <= b };
    case '>=':
      return { t: 'bool', v: a >= b };
    case '<<':
      return num(a * 2 ** b);
    case '>>':
      return num(Math.floor(a / 2 ** b));
    case '&':
      return num(a & b);
    case '|':
      return num(a | b);
    case '^':
      return num(a ^ b);
    default:
      return undefined;
  }
}

export function sameIdentity(a: Value, b: Value): boolean {
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  return a === b;
}

/** The count of a value standing for N identical items (a repeated seq, a container of one repeated module), if it is one. */
export function repeatCount(v: Value): number | undefined {
  if (v.t === 'seq' && v.repeat !== undefined && v.items.length === 1) return v.repeat;
  if (v.t === 'module' && v.m.kind === 'container' && v.m.children.length === 1) return v.m.children[0]![1].repeat;
  return undefined;
}

/** A slice item from evaluated bounds; a bound that is neither a number nor None is unknown. */
export function sliceItem(lower: Value | undefined, upper: Value | undefined, step: Value | undefined): SubItem {
  const bad = (v: Value | undefined): boolean => v !== undefined && asNumber(v) === undefined && v.t !== 'none';
  return { k: 'slice', lower: asNumber(lower), upper: asNumber(upper), step: asNumber(step), unknownBound: bad(lower) || bad(upper) };
}

/** `items[lower:upper:step]` with Python's bounds (negative from the end, -0 is 0). */
export function sliceItems<T>(items: T[], it: Extract<SubItem, { k: 'slice' }>): T[] {
  const n = items.length;
  const norm = (x: number | undefined, def: number): number => (x === undefined ? def : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
  const step = it.step && it.step > 0 ? it.step : 1;
  return items.slice(norm(it.lower, 0), norm(it.upper, n)).filter((_, i) => i % step === 0);
}

/** What a value method needs from the evaluator. */
export interface MethodHost {
  iterate(v: Value): Value[] | undefined;
}

/** Methods of lists, strings and dicts (`items.append(x)`, `s.lower()`, `d.get(k, v)`). */
export function callValueMethod(host: MethodHost, self: Value, name: string, pos: Value[], kw: Map<string, Value>): Value {
  switch (self.t) {
    case 'seq':
      if (name === 'append') {
        if (self.items.length < MAX_SEQUENCE) self.items.push(pos[0] ?? NONE);
        return NONE;
      }
      if (name === 'extend') {
        const items = host.iterate(pos[0] ?? NONE);
        if (items && self.items.length + items.length <= MAX_SEQUENCE) for (const x of items) self.items.push(x);
        return NONE;
      }
      return unknown(name);
    case 'str':
      if (name === 'lower') return { t: 'str', v: self.v.toLowerCase() };
      if (name === 'upper') return { t: 'str', v: self.v.toUpperCase() };
      if (name === 'startswith' && pos[0]?.t === 'str') return { t: 'bool', v: self.v.startsWith(pos[0].v) };
      if (name === 'endswith' && pos[0]?.t === 'str') return { t: 'bool', v: self.v.endsWith(pos[0].v) };
      return unknown(`str.${name}`);
    case 'dict': {
      const key = pos[0]?.t === 'str' ? pos[0].v : undefined;
      if (name === 'get' || name === 'pop') return (key !== undefined ? self.map.get(key) : undefined) ?? pos[1] ?? NONE;
      if (name === 'setdefault' && key !== undefined) {
        if (!self.map.has(key)) self.map.set(key, pos[1] ?? NONE);
        return self.map.get(key)!;
      }
      if (name === 'keys') return { t: 'seq', kind: 'list', items: [...self.map.keys()].map((k) => ({ t: 'str', v: k }) as Value) };
      if (name === 'values') return { t: 'seq', kind: 'list', items: [...self.map.values()] };
      if (name === 'items') return { t: 'seq', kind: 'list', items: [...self.map].map(([k, v]) => ({ t: 'seq', kind: 'tuple', items: [{ t: 'str', v: k }, v] }) as Value) };
      if (name === 'update') {
        if (pos[0]?.t === 'dict') for (const [k, v] of pos[0].map) self.map.set(k, v);
        for (const [k, v] of kw) self.map.set(k, v);
        return NONE;
      }
      return unknown(name);
    }
    default:
      return unknown(name);
  }
}
