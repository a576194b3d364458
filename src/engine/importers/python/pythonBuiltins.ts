/**
 * Python's built-in functions over evaluator values (`range`, `len`, `min`,
 * `isinstance`, `getattr` ...) and the `math` module. Sizes stay within the
 * evaluation budget: a range or list larger than `MAX_SEQUENCE` is unknown.
 */
import { MAX_SEQUENCE } from './evalBudget.js';
import { NONE, asNumber, num, truthy, unknown, whyUnknown, type Value } from './pythonValue.js';

/** What a builtin needs from the evaluator. */
export interface BuiltinHost {
  iterate(v: Value): Value[] | undefined;
  getAttr(obj: Value, name: string, text: string): Value;
  /** `super()` in the method being run, if any. */
  currentSuper(): Value | undefined;
  warn(message: string): void;
}

/** Names Python resolves to builtins when nothing else defines them. */
export const BUILTIN_NAMES = new Set([
  'range', 'len', 'int', 'float', 'min', 'max', 'abs', 'enumerate', 'zip', 'isinstance', 'getattr', 'hasattr', 'setattr',
  'super', 'dict', 'list', 'tuple', 'print', 'round', 'sum', 'str', 'bool', 'reversed', 'sorted', 'type', 'any', 'all', 'slice',
  'callable', 'iter', 'next', 'map', 'filter', 'set', 'frozenset', 'divmod', 'pow', 'id', 'hash', 'repr', 'format', 'vars',
]);

/** A type name of `isinstance` matching a value. */
function isInstance(v: Value, tn: string): boolean {
  return (
    (tn === 'str' && v.t === 'str') ||
    (tn === 'bool' && v.t === 'bool') ||
    ((tn === 'int' || tn === 'float') && v.t === 'num' && (tn === 'float' || Number.isInteger(v.v))) ||
    (tn === 'list' && v.t === 'seq' && v.kind === 'list') ||
    (tn === 'tuple' && v.t === 'seq' && v.kind === 'tuple') ||
    (tn === 'dict' && v.t === 'dict') ||
    (tn === 'Tensor' && v.t === 'tensor') ||
    (v.t === 'module' && (v.m.className === tn || tn === 'Module'))
  );
}

/** One call of a builtin: the evaluated arguments and how the call is written (for unknown results). */
interface BuiltinCall {
  host: BuiltinHost;
  name: string;
  pos: Value[];
  kw: Map<string, Value>;
  /** The positional arguments as numbers, where they are. */
  nums: (number | undefined)[];
  /** The first unknown argument's reason, else the call as written. */
  why: string;
  text: string;
  argTexts: string[];
}

/** Python's builtins by name, one entry each. */
const BUILTINS: Readonly<Record<string, (c: BuiltinCall) => Value>> = {
  range: ({ host, nums, why, text }) => {
    if (nums.some((n) => n === undefined) || nums.length === 0) return unknown(why);
    const [a, b, s] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    if (s === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return unknown(why);
    const length = Math.max(0, Math.ceil((b - a) / s));
    if (length > MAX_SEQUENCE) {
      host.warn(`${text}: ${length.toLocaleString('en-US')} items is more than the evaluator builds (${MAX_SEQUENCE.toLocaleString('en-US')}); treated as unknown`);
      return unknown(`${text} (too long)`);
    }
    return { t: 'seq', kind: 'list', items: Array.from({ length }, (_, i) => num(a + i * s)) };
  },
  len: ({ pos, why }) => {
    const v = pos[0];
    if (v?.t === 'seq') return num(v.repeat ?? v.items.length);
    if (v?.t === 'dict') return num(v.map.size);
    if (v?.t === 'str') return num(v.v.length);
    if (v?.t === 'module' && v.m.kind === 'container') return num(v.m.children.length === 1 ? (v.m.children[0]![1].repeat ?? 1) : v.m.children.length);
    if (v?.t === 'tensor' && v.shape?.[0] !== undefined) return num(v.shape[0]);
    return unknown(why);
  },
  int: ({ pos, nums, why }) => {
    return nums[0] !== undefined ? num(Math.trunc(nums[0])) : pos[0]?.t === 'str' && Number.isFinite(Number(pos[0].v)) ? num(Math.trunc(Number(pos[0].v))) : unknown(why);
  },
  float: ({ pos, nums, why }) => {
    return nums[0] !== undefined ? num(nums[0]) : pos[0]?.t === 'str' && Number.isFinite(Number(pos[0].v)) ? num(Number(pos[0].v)) : unknown(why);
  },
  abs: ({ nums, why }) => {
    return nums[0] !== undefined ? num(Math.abs(nums[0])) : unknown(why);
  },
  round: ({ nums, why }) => {
    return nums[0] !== undefined ? num(Math.round(nums[0])) : unknown(why);
  },
  pow: ({ nums, why }) => {
    return nums[0] !== undefined && nums[1] !== undefined ? num(nums[0] ** nums[1]) : unknown(why);
  },
  divmod: ({ nums, why }) => {
    return nums[0] !== undefined && nums[1] ? { t: 'seq', kind: 'tuple', items: [num(Math.floor(nums[0] / nums[1])), num(nums[0] - nums[1] * Math.floor(nums[0] / nums[1]))] } : unknown(why);
  },
  min: ({ pos, name, nums, why }) => {
    const list = pos.length === 1 && pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : nums;
    if (list.length === 0 || list.some((n) => n === undefined)) return unknown(why);
    let r = list[0]!;
    for (const x of list as number[]) r = name === 'min' ? Math.min(r, x) : Math.max(r, x);
    return num(r);
  },
  max: (c) => BUILTINS['min']!(c),
  sum: ({ host, pos, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    const list = items ? items.map(asNumber) : [undefined];
    return list.every((n) => n !== undefined) ? num((list as number[]).reduce((s, x) => s + x, asNumber(pos[1]) ?? 0)) : unknown(why);
  },
  any: ({ host, name, pos, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    if (!items) return unknown(why);
    const ts = items.map(truthy);
    if (name === 'any') return ts.includes(true) ? { t: 'bool', v: true } : ts.includes(undefined) ? unknown(why) : { t: 'bool', v: false };
    return ts.includes(false) ? { t: 'bool', v: false } : ts.includes(undefined) ? unknown(why) : { t: 'bool', v: true };
  },
  all: (c) => BUILTINS['any']!(c),
  bool: ({ pos, why }) => {
    const t = truthy(pos[0] ?? NONE);
    return t === undefined ? unknown(why) : { t: 'bool', v: t };
  },
  str: ({ pos, nums, why }) => {
    return pos[0]?.t === 'str' ? pos[0] : nums[0] !== undefined ? { t: 'str', v: String(nums[0]) } : unknown(why);
  },
  enumerate: ({ host, pos, kw, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    if (!items) return unknown(why);
    const start = asNumber(pos[1] ?? kw.get('start')) ?? 0;
    return { t: 'seq', kind: 'list', items: items.map((v, i) => ({ t: 'seq', kind: 'tuple', items: [num(i + start), v] }) as Value) };
  },
  zip: ({ host, pos, why }) => {
    const lists = pos.map((p) => host.iterate(p));
    if (lists.some((l) => !l)) return unknown(why);
    let n = Infinity;
    for (const l of lists) n = Math.min(n, l!.length);
    if (!Number.isFinite(n)) n = 0;
    return { t: 'seq', kind: 'list', items: Array.from({ length: n }, (_, i) => ({ t: 'seq', kind: 'tuple', items: lists.map((l) => l![i]!) }) as Value) };
  },
  reversed: ({ host, pos, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    return items ? { t: 'seq', kind: 'list', items: items.slice().reverse() } : unknown(why);
  },
  sorted: ({ host, pos, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    if (!items) return unknown(why);
    const ns = items.map(asNumber);
    return ns.every((n) => n !== undefined) ? { t: 'seq', kind: 'list', items: (ns as number[]).slice().sort((x, y) => x - y).map(num) } : { t: 'seq', kind: 'list', items: items.slice() };
  },
  list: ({ host, name, pos, why }) => {
    const kind = name === 'tuple' ? 'tuple' : 'list';
    if (pos.length === 0) return { t: 'seq', kind, items: [] };
    const items = host.iterate(pos[0]!);
    return items ? { t: 'seq', kind, items } : unknown(why);
  },
  tuple: (c) => BUILTINS['list']!(c),
  set: (c) => BUILTINS['list']!(c),
  frozenset: (c) => BUILTINS['list']!(c),
  iter: (c) => BUILTINS['list']!(c),
  next: ({ host, pos, why }) => {
    const items = host.iterate(pos[0] ?? NONE);
    return items?.[0] ?? pos[1] ?? unknown(why);
  },
  dict: ({ pos, kw }) => {
    const map = new Map<string, Value>();
    const first = pos[0];
    if (first?.t === 'dict') for (const [k, v] of first.map) map.set(k, v);
    else if (first?.t === 'seq') {
      for (const pair of first.items) if (pair.t === 'seq' && pair.items[0]?.t === 'str' && pair.items[1]) map.set(pair.items[0].v, pair.items[1]);
    }
    for (const [k, v] of kw) map.set(k, v);
    return { t: 'dict', map };
  },
  getattr: ({ host, pos, why, text, argTexts }) => {
    const obj = pos[0] ?? NONE;
    const key = pos[1];
    if (key?.t !== 'str') return unknown(why);
    const v = host.getAttr(obj, key.v, `${argTexts[0] ?? text}.${key.v}`);
    return v.t === 'unknown' && pos[2] ? pos[2] : v;
  },
  hasattr: ({ host, pos, why }) => {
    const key = pos[1];
    if (key?.t !== 'str') return unknown(why);
    const v = host.getAttr(pos[0] ?? NONE, key.v, key.v);
    // Config objects, dicts and modules: every attribute they have is known once __init__ ran.
    if (pos[0]?.t === 'obj' || pos[0]?.t === 'dict' || pos[0]?.t === 'module') return { t: 'bool', v: v.t !== 'unknown' };
    return v.t === 'unknown' ? unknown(why) : { t: 'bool', v: true };
  },
  isinstance: ({ pos, why }) => {
    const v = pos[0] ?? NONE;
    const types = pos[1]?.t === 'seq' ? pos[1].items : pos[1] ? [pos[1]] : [];
    if (v.t === 'unknown') return v;
    let result = false;
    for (const t of types) {
      const tn = t.t === 'ref' ? t.path.split('.').pop()! : t.t === 'class' ? t.ref.cls.name : undefined;
      if (tn === undefined) return unknown(why);
      if (isInstance(v, tn)) result = true;
    }
    return { t: 'bool', v: result };
  },
  callable: ({ pos }) => {
    return { t: 'bool', v: ['func', 'bound', 'class', 'module'].includes(pos[0]?.t ?? '') };
  },
  slice: ({ pos }) => {
    const [lower, upper, step] = pos.length === 1 ? [NONE, pos[0]!, NONE] : [pos[0] ?? NONE, pos[1] ?? NONE, pos[2] ?? NONE];
    return { t: 'slice', lower, upper, step };
  },
  super: ({ host }) => {
    return host.currentSuper() ?? NONE;
  },
  print: (_c) => {
    return NONE;
  },
  setattr: (c) => BUILTINS['print']!(c),
};

/** Calls builtin `name`; `text` is the call as written and `argTexts` its arguments (for unknown results). */
export function callBuiltin(host: BuiltinHost, name: string, pos: Value[], kw: Map<string, Value>, text: string, argTexts: string[] = []): Value {
  const why = pos.map(whyUnknown).find((w) => w) ?? text;
  const f = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
  return f ? f({ host, name, pos, kw, nums: pos.map(asNumber), why, text, argTexts }) : unknown(why);
}

/** `math.<name>(...)` and `math.pi`-style constants called by mistake. */
export function callMath(name: string, pos: Value[], text: string): Value {
  const f = Object.hasOwn(Math, name) ? (Math as unknown as Record<string, unknown>)[name] : undefined;
  const args = pos.map(asNumber);
  // A math function's arguments: one Python call's, a handful (the evaluator caps list sizes).
  // eslint-disable-next-line no-restricted-syntax
  if (typeof f === 'function' && args.every((a) => a !== undefined)) return num((f as (...a: number[]) => number)(...(args as number[])));
  if (name === 'pi') return num(Math.PI);
  return unknown(whyUnknown(pos.find((p) => asNumber(p) === undefined)) ?? text);
}
