/**
 * Values of the static Python evaluator. Anything the evaluator cannot know
 * is an `unknown` value that names what is missing (`config.hidden_size`), so
 * that the tree can show it as unresolved instead of guessing.
 */
import type { PyFunction, SourceRange } from './pyAst.js';
import type { PythonAnalysis, PythonClass } from './pythonAnalysisTypes.js';

/** Prefix of the `why` of a root input whose feature width is not known yet. */
export const ROOT_WIDTH = 'width of ';

/** A tensor dimension: a number of elements, or undefined when it could not be resolved. */
export type Dim = number | undefined;

/** A class of an analysed file. */
export interface ClassRef {
  cls: PythonClass;
  analysis: PythonAnalysis;
}

/** An nn.Module instance built while evaluating constructors. */
export interface ModuleInst {
  className: string;
  /** `layer`: a torch primitive; `user`: a model class of the analysed files; `container`: ModuleList / Sequential / ModuleDict; `activation`: an ACT2FN entry. */
  kind: 'layer' | 'user' | 'container';
  /** Bound constructor arguments of a layer. */
  args: Map<string, Value>;
  /** Attributes set on `self` (user modules). */
  attrs: Map<string, Value>;
  /** Child modules in registration order (attribute name or container key). */
  children: [string, ModuleInst][];
  cls?: ClassRef;
  /** Where the module was created (assignment to `self.x` when there is one). */
  range?: SourceRange;
  /** Analysis of the file the module was created in (for the source link). */
  file?: PythonAnalysis;
  /** Names that could not be resolved while constructing it. */
  unresolved: string[];
  /** Parameters owned directly (nn.Parameter attributes), count; undefined dims make it unresolved. */
  ownParameters: number;
  /** Parameters of this layer that are another layer's (a tied weight): counted once, on the other one (count). */
  tiedParameters?: number;
  /** Dotted scope, assigned after construction. */
  scope?: string;
  /** Registration index among its parent's children (for ordering tree nodes). */
  order?: number;
  /** How many identical instances this one stands for (a ModuleList of counted repeats), when more than one. */
  repeat?: number;
}

/** One item of a subscript, evaluated: `x[i]`, `x[a:b:c]`, `x[...]`. */
export type SubItem =
  | { k: 'index'; v: Value }
  | { k: 'slice'; lower: number | undefined; upper: number | undefined; step: number | undefined; unknownBound: boolean }
  | { k: 'ellipsis' };

/** Marks an object as a transformers config: missing fields get PretrainedConfig defaults, `attribute_map` aliases apply. */
export interface HfConfigInfo {
  /** The config class's `attribute_map` (alias -> field). */
  aliases?: Map<string, string>;
}

/** Values of the evaluator. */
export type Value =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  /** A list or tuple; `repeat` set: its one item stands for `repeat` identical items (counted repeats, built once). */
  | { t: 'seq'; kind: 'tuple' | 'list'; items: Value[]; repeat?: number }
  | { t: 'dict'; map: Map<string, Value> }
  /** An object with attributes: a config (from JSON/YAML or a dataclass), a namespace. */
  | { t: 'obj'; name: string; attrs: Map<string, Value>; hf?: HfConfigInfo; cls?: ClassRef }
  /** A tensor; `shape` undefined when even the rank is unknown. `why` names what made dims unknown. */
  | { t: 'tensor'; shape: Dim[] | undefined; int?: boolean; param?: boolean; why?: string; weightOf?: ModuleInst }
  | { t: 'module'; m: ModuleInst }
  | { t: 'class'; ref: ClassRef }
  /** A function of an analysed file (a nested one or a lambda keeps the scope it was defined in), or a method bound to `self`. */
  | { t: 'func'; f: PyFunction; file: PythonAnalysis; self?: Value; owner?: ClassRef; closure?: Scope }
  /** A built-in method bound to its receiver (`x.view`, `items.append`, `self.layers.append`), or `super().name`. */
  | { t: 'bound'; self: Value; name: string; via: 'builtin' | 'super' }
  /** `slice(lower, upper, step)`, used as an index. */
  | { t: 'slice'; lower: Value; upper: Value; step: Value }
  /** `super()` inside a method of `owner`. */
  | { t: 'super'; self: Value; owner: ClassRef }
  /** A dotted path into an imported library (`torch.nn`, `math`, `F`). */
  | { t: 'ref'; path: string }
  | { t: 'unknown'; why: string };

/** Local variables of one function call; `parent` is the scope a nested function or lambda was defined in. */
export interface Scope {
  vars: Map<string, Value>;
  parent?: Scope;
}

/** A new scope (a call's locals) below `parent`. */
export function newScope(parent?: Scope): Scope {
  return parent ? { vars: new Map(), parent } : { vars: new Map() };
}

export const NONE: Value = { t: 'none' };

/** An unknown value naming what is missing. */
export function unknown(why: string): Value {
  return { t: 'unknown', why };
}

export function num(v: number): Value {
  return { t: 'num', v };
}

/** The number a value holds (bools count as 0/1), if it is one. */
export function asNumber(v: Value | undefined): number | undefined {
  if (!v) return undefined;
  if (v.t === 'num') return v.v;
  if (v.t === 'bool') return v.v ? 1 : 0;
  return undefined;
}

/** Truthiness of a value, undefined when unknown. */
export function truthy(v: Value): boolean | undefined {
  switch (v.t) {
    case 'num':
      return v.v !== 0;
    case 'str':
      return v.v.length > 0;
    case 'bool':
      return v.v;
    case 'none':
      return false;
    case 'seq':
      return v.items.length > 0;
    case 'dict':
      return v.map.size > 0;
    case 'unknown':
      return undefined;
    case 'tensor':
      return undefined;
    case 'ref':
      // A module or function of a known library is an object (truthy); a name imported from elsewhere could be anything.
      return /^(torch|math|builtins|copy|typing|dataclasses|tensor)\b/.test(v.path) ? true : undefined;
    default:
      return true;
  }
}

/** The first unresolved name behind a value, for messages. */
export function whyUnknown(v: Value | undefined): string | undefined {
  if (!v) return undefined;
  if (v.t === 'unknown') return v.why;
  if (v.t === 'tensor' && (v.shape === undefined || v.shape.some((d) => d === undefined))) return v.why ?? 'tensor shape';
  if (v.t === 'seq') {
    for (const i of v.items) {
      const w = whyUnknown(i);
      if (w) return w;
    }
  }
  return undefined;
}

/** A shape whose every dim is known, or undefined. */
export function knownShape(v: Value | undefined): number[] | undefined {
  if (v?.t !== 'tensor' || !v.shape) return undefined;
  if (v.shape.some((d) => d === undefined)) return undefined;
  return v.shape as number[];
}

/** Converts plain JSON/YAML data to values (objects become attribute objects, so `config.x` and `config["x"]` both work). */
export function fromJson(data: unknown, name = 'config'): Value {
  if (data === null || data === undefined) return NONE;
  if (typeof data === 'number') return num(data);
  if (typeof data === 'string') return { t: 'str', v: data };
  if (typeof data === 'boolean') return { t: 'bool', v: data };
  if (Array.isArray(data)) return { t: 'seq', kind: 'list', items: data.map((d) => fromJson(d, name)) };
  if (typeof data === 'object') {
    const attrs = new Map<string, Value>();
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) attrs.set(k, fromJson(v, `${name}.${k}`));
    return { t: 'obj', name, attrs };
  }
  return unknown(name);
}

/** Largest dimension or size the evaluator accepts (2^53: exact in a double). */
export const MAX_SIZE = 2 ** 53;

/** Whether a number can be a size: a finite non-negative integer up to 2^53. */
export function isSize(n: number | undefined): n is number {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= MAX_SIZE;
}

/** A symbolic tensor; `why` is kept only while some dimension is unknown. A dimension that cannot be a size is unknown. */
export function tensor(shape: Dim[] | undefined, why?: string, int?: boolean): Value {
  if (shape && shape.some((d) => d !== undefined && !isSize(d))) {
    shape = shape.map((d) => (isSize(d) ? d : undefined));
    why ??= 'a dimension that is not a size (negative, fractional, infinite or above 2^53)';
  }
  return { t: 'tensor', shape, ...(why && (!shape || shape.some((d) => d === undefined)) ? { why } : {}), ...(int ? { int } : {}) };
}

/** Whether every dimension is known. */
export function allKnown(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => d !== undefined);
}

/** Broadcast of several shapes (numpy rules); an unknown dimension stays unknown unless another side fixes it. */
export function broadcastDims(shapes: Dim[][]): Dim[] {
  let n = 0;
  for (const s of shapes) n = Math.max(n, s.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s.length - n + i;
      const v = j < 0 ? 1 : s[j];
      if (v === undefined) d = d === 1 ? undefined : d;
      else if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** Sum of dimensions, undefined when one is unknown. */
export function sumDims(ds: Dim[]): Dim {
  let s = 0;
  for (const d of ds) {
    if (d === undefined) return undefined;
    s += d;
  }
  return s;
}

/** The number of a value, or of the first item of a tuple (`kernel_size=(3,)`). */
export function firstNum(v: Value | undefined): number | undefined {
  if (v?.t === 'seq') return asNumber(v.items[0]);
  return asNumber(v);
}

/** A JavaScript default of a signature table as a value (`undefined`: a required argument). */
export function jsDefault(def: unknown): Value {
  if (def === undefined || def === null) return def === null ? NONE : unknown('argument');
  if (typeof def === 'number') return num(def);
  if (typeof def === 'boolean') return { t: 'bool', v: def };
  if (typeof def === 'string') return { t: 'str', v: def };
  return NONE;
}

/** A dimension index, negative ones counted from the end. */
export function dimIndex(v: Value | undefined, rank: number): number | undefined {
  const d = asNumber(v);
  return d === undefined ? undefined : d < 0 ? rank + d : d;
}
