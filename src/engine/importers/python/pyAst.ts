/**
 * A small, plain-data AST of the Python the analyzer cares about: expressions
 * and the statements of method bodies. It is converted once from the lezer
 * syntax tree so that the evaluator and the tree builder never touch the
 * parser, and so that an analysis can be cached, cloned and sent to a worker.
 */
import type { SyntaxNode } from '@lezer/common';

/** A 0-based position in the source text. */
export interface SourcePos {
  /** 0-based line. */
  line: number;
  /** 0-based column (UTF-16 code units). */
  column: number;
}

/** A 0-based source range, end exclusive. */
export interface SourceRange {
  start: SourcePos;
  end: SourcePos;
}

/** One subscript item: `x[1]`, `x[:, a:b]`, `x[..., 0]`. */
export type PySubscriptItem =
  | { k: 'index'; value: PyExpr }
  | { k: 'slice'; lower?: PyExpr; upper?: PyExpr; step?: PyExpr }
  | { k: 'ellipsis' };

/** A call argument; `name` set for keyword arguments, `star` for `*a` / `**kw`. */
export interface PyArg {
  name?: string;
  star?: '*' | '**';
  value: PyExpr;
}

/** Expressions. `at` is where the expression starts (for source links of the ops it becomes). */
export type PyExpr = (
  | { k: 'num'; value: number }
  | { k: 'str'; value: string }
  | { k: 'bool'; value: boolean }
  | { k: 'none' }
  | { k: 'name'; id: string }
  | { k: 'attr'; obj: PyExpr; name: string }
  | { k: 'sub'; obj: PyExpr; items: PySubscriptItem[] }
  | { k: 'call'; fn: PyExpr; args: PyArg[] }
  | { k: 'bin'; op: string; left: PyExpr; right: PyExpr }
  | { k: 'unary'; op: string; operand: PyExpr }
  | { k: 'tuple'; items: PyExpr[] }
  | { k: 'list'; items: PyExpr[] }
  | { k: 'dict'; entries: { key?: PyExpr; value: PyExpr }[] }
  | { k: 'comp'; elt: PyExpr; target: PyExpr; iter: PyExpr; cond?: PyExpr }
  | { k: 'cond'; test: PyExpr; then: PyExpr; orelse: PyExpr }
  | { k: 'starred'; value: PyExpr }
  /** `lambda x: body`, as a function whose body returns the expression. */
  | { k: 'lambda'; f: PyFunction }
  | { k: 'unknown'; text: string }
) & { range: SourceRange };

/** Statements of a function body (only what the evaluator needs; the rest is `other`). */
export type PyStmt = (
  | { k: 'assign'; targets: PyExpr[]; value: PyExpr }
  | { k: 'augassign'; target: PyExpr; op: string; value: PyExpr }
  | { k: 'expr'; value: PyExpr }
  | { k: 'return'; value?: PyExpr }
  | { k: 'if'; branches: { test?: PyExpr; body: PyStmt[] }[] }
  | { k: 'for'; target: PyExpr; iter: PyExpr; body: PyStmt[] }
  | { k: 'with'; body: PyStmt[] }
  | { k: 'while'; test: PyExpr; body: PyStmt[] }
  /** A function defined inside a function (a closure over the enclosing scope). */
  | { k: 'def'; f: PyFunction }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'other' }
) & { range: SourceRange };

/** A parameter of a function. */
export interface PyParam {
  name: string;
  /** Dotted type annotation (`GPTConfig`, `int`), when written. */
  annotation?: string;
  default?: PyExpr;
  star?: '*' | '**';
}

/** A function or method. */
export interface PyFunction {
  name: string;
  params: PyParam[];
  body: PyStmt[];
  /** Range of the whole definition. */
  range: SourceRange;
}

/** Nesting of expressions and blocks the converter follows; deeper code becomes `unknown` (no real model nests this deep). */
export const MAX_AST_DEPTH = 200;

/** Converts lezer nodes to the plain AST, with positions from a line index. */
export class AstConverter {
  private readonly lineStarts: number[];
  private depth = 0;

  constructor(private readonly text: string) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 0-based line and column of a character offset. */
  pos(offset: number): SourcePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - this.lineStarts[lo]! };
  }

  range(node: { from: number; to: number }): SourceRange {
    return { start: this.pos(node.from), end: this.pos(node.to) };
  }

  src(node: { from: number; to: number }): string {
    return this.text.slice(node.from, node.to);
  }

  /** Converts an expression node; anything not modelled becomes `unknown` with its text. */
  expr(node: SyntaxNode): PyExpr {
    if (this.depth >= MAX_AST_DEPTH) return { k: 'unknown', text: 'expression nested too deeply', range: this.range(node) };
    this.depth++;
    try {
      return this.exprAt(node);
    } finally {
      this.depth--;
    }
  }

  private exprAt(node: SyntaxNode): PyExpr {
    const range = this.range(node);
    const kids = children(node);
    switch (node.name) {
      case 'Number': {
        const t = this.src(node).replace(/_/g, '');
        const v = /^0[xob]/i.test(t) ? Number(t) : parseFloat(t);
        return Number.isFinite(v) && !/[jJ]$/.test(t) ? { k: 'num', value: v, range } : { k: 'unknown', text: t, range };
      }
      case 'String':
        return { k: 'str', value: stringValue(this.src(node)), range };
      case 'ContinuedString':
        return { k: 'str', value: kids.map((c) => stringValue(this.src(c))).join(''), range };
      case 'Boolean':
        return { k: 'bool', value: this.src(node) === 'True', range };
      case 'None':
        return { k: 'none', range };
      case 'VariableName':
        return { k: 'name', id: this.src(node), range };
      case 'self':
        return { k: 'name', id: 'self', range };
      case 'ParenthesizedExpression': {
        const inner = kids.filter((c) => !isPunct(c));
        return inner.length === 1 ? this.expr(inner[0]!) : { k: 'unknown', text: this.src(node), range };
      }
      case 'MemberExpression': {
        const obj = kids[0];
        if (!obj) break;
        const second = kids[1];
        // `0.` (a float with a trailing dot): lezer reads a member access with a missing name.
        if (obj.name === 'Number' && second?.name === '.' && (kids.length === 2 || (kids.length === 3 && kids[2]!.type.isError && kids[2]!.from === kids[2]!.to))) {
          const v = parseFloat(this.src(obj).replace(/_/g, ''));
          if (Number.isFinite(v)) return { k: 'num', value: v, range };
        }
        if (second?.name === '.') {
          const prop = kids[2];
          return prop ? { k: 'attr', obj: this.expr(obj), name: this.src(prop), range } : { k: 'unknown', text: this.src(node), range };
        }
        if (second?.name === '[') return { k: 'sub', obj: this.expr(obj), items: this.subscript(kids.slice(2, -1)), range };
        break;
      }
      case 'CallExpression': {
        const fn = kids[0];
        const argList = kids[1];
        if (!fn || argList?.name !== 'ArgList') break;
        return { k: 'call', fn: this.expr(fn), args: this.args(argList), range };
      }
      case 'BinaryExpression': {
        if (kids.length === 3) return { k: 'bin', op: this.src(kids[1]!), left: this.expr(kids[0]!), right: this.expr(kids[2]!), range };
        if (kids.length === 4) {
          // `is not`, `not in`
          return { k: 'bin', op: `${this.src(kids[1]!)} ${this.src(kids[2]!)}`, left: this.expr(kids[0]!), right: this.expr(kids[3]!), range };
        }
        break;
      }
      case 'UnaryExpression':
        if (kids.length === 2) return { k: 'unary', op: this.src(kids[0]!), operand: this.expr(kids[1]!), range };
        break;
      case 'TupleExpression':
        return { k: 'tuple', items: this.items(kids), range };
      case 'ArrayExpression':
        return { k: 'list', items: this.items(kids), range };
      case 'ArrayComprehensionExpression':
      case 'ComprehensionExpression': {
        const comp = this.comprehension(kids, range);
        if (comp) return comp;
        break;
      }
      case 'DictionaryExpression': {
        const entries: { key?: PyExpr; value: PyExpr }[] = [];
        const inner = kids.slice(1, -1);
        for (let i = 0; i < inner.length; i++) {
          const c = inner[i]!;
          if (c.name === ',') continue;
          if (c.name === '**' && inner[i + 1]) {
            entries.push({ value: this.expr(inner[i + 1]!) });
            i++;
          } else if (inner[i + 1]?.name === ':' && inner[i + 2]) {
            entries.push({ key: this.expr(c), value: this.expr(inner[i + 2]!) });
            i += 2;
          }
        }
        return { k: 'dict', entries, range };
      }
      case 'LambdaExpression': {
        const paramList = kids.find((c) => c.name === 'ParamList');
        const bodyNode = kids[kids.length - 1];
        if (!bodyNode || bodyNode.name === ':' || bodyNode === paramList) break;
        const body = this.expr(bodyNode);
        const f: PyFunction = { name: '<lambda>', params: paramList ? this.params(children(paramList)) : [], body: [{ k: 'return', value: body, range: body.range }], range };
        return { k: 'lambda', f, range };
      }
      case 'ConditionalExpression':
        if (kids.length === 5) {
          return { k: 'cond', then: this.expr(kids[0]!), test: this.expr(kids[2]!), orelse: this.expr(kids[4]!), range };
        }
        break;
      default:
        break;
    }
    return { k: 'unknown', text: this.src(node), range };
  }

  /** `[elt for target in iter if cond]`, `(elt for ...)` and a generator as a call's only argument. */
  private comprehension(kids: SyntaxNode[], range: SourceRange): PyExpr | undefined {
    const forIdx = kids.findIndex((c) => c.name === 'for');
    const inIdx = kids.findIndex((c) => c.name === 'in');
    const elt = kids[1];
    if (forIdx < 0 || inIdx < 0 || !elt) return undefined;
    const targets = kids.slice(forIdx + 1, inIdx).filter((c) => !isPunct(c));
    const target: PyExpr = targets.length === 1 ? this.expr(targets[0]!) : { k: 'tuple', items: targets.map((t) => this.expr(t)), range };
    const iter = kids[inIdx + 1];
    if (!iter) return undefined;
    const ifIdx = kids.findIndex((c, i) => i > inIdx && c.name === 'if');
    const cond = ifIdx > 0 && kids[ifIdx + 1] ? this.expr(kids[ifIdx + 1]!) : undefined;
    return { k: 'comp', elt: this.expr(elt), target, iter: this.expr(iter), ...(cond ? { cond } : {}), range };
  }

  private items(kids: SyntaxNode[]): PyExpr[] {
    const out: PyExpr[] = [];
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      if (isPunct(c)) continue;
      if (c.name === '*' && kids[i + 1]) {
        const v = kids[++i]!;
        out.push({ k: 'starred', value: this.expr(v), range: this.range({ from: c.from, to: v.to }) });
      } else out.push(this.expr(c));
    }
    return out;
  }

  private args(argList: SyntaxNode): PyArg[] {
    const kids = children(argList).slice(1, -1);
    const out: PyArg[] = [];
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      if (c.name === ',') continue;
      if ((c.name === '*' || c.name === '**') && kids[i + 1]) {
        out.push({ star: c.name, value: this.expr(kids[i + 1]!) });
        i++;
      } else if (c.name === 'VariableName' && kids[i + 1]?.name === 'AssignOp' && kids[i + 2]) {
        out.push({ name: this.src(c), value: this.expr(kids[i + 2]!) });
        i += 2;
      } else if (c.name === 'ComprehensionExpression' || c.name === 'for') {
        // `nn.ModuleList(Block(c) for _ in range(n))`: the argument list is one generator.
        const comp = this.comprehension(children(argList), this.range(argList));
        out.length = 0;
        out.push({ value: comp ?? { k: 'unknown', text: this.src(argList), range: this.range(argList) } });
        break;
      } else out.push({ value: this.expr(c) });
    }
    return out;
  }

  private subscript(kids: SyntaxNode[]): PySubscriptItem[] {
    // Split on commas, then each part on colons.
    const parts: SyntaxNode[][] = [[]];
    for (const c of kids) {
      if (c.name === ',') parts.push([]);
      else parts[parts.length - 1]!.push(c);
    }
    const out: PySubscriptItem[] = [];
    for (const part of parts) {
      if (part.length === 0) continue;
      if (part.length === 1 && part[0]!.name === 'Ellipsis') {
        out.push({ k: 'ellipsis' });
        continue;
      }
      if (!part.some((c) => c.name === ':')) {
        out.push({ k: 'index', value: this.expr(part[0]!) });
        continue;
      }
      const slots: (PyExpr | undefined)[] = [undefined];
      for (const c of part) {
        if (c.name === ':') slots.push(undefined);
        else slots[slots.length - 1] = this.expr(c);
      }
      out.push({ k: 'slice', lower: slots[0], upper: slots[1], step: slots[2] });
    }
    return out;
  }

  /** Converts the statements of a `Body` node. */
  body(node: SyntaxNode | null | undefined): PyStmt[] {
    if (!node) return [];
    const out: PyStmt[] = [];
    for (const c of children(node)) {
      if (c.name === ':' || c.type.isError) continue;
      out.push(this.stmt(c));
    }
    return out;
  }

  /** Converts one statement. */
  stmt(node: SyntaxNode): PyStmt {
    if (this.depth >= MAX_AST_DEPTH) return { k: 'other', range: this.range(node) };
    this.depth++;
    try {
      return this.stmtAt(node);
    } finally {
      this.depth--;
    }
  }

  private stmtAt(node: SyntaxNode): PyStmt {
    const range = this.range(node);
    const kids = children(node);
    switch (node.name) {
      case 'AssignStatement': {
        // a = b = value; a, b = value; self.x: T = value
        const groups: SyntaxNode[][] = [[]];
        for (const c of kids) {
          if (c.name === 'AssignOp') groups.push([]);
          else if (c.name !== 'TypeDef') groups[groups.length - 1]!.push(c);
        }
        if (groups.length < 2) return { k: 'other', range };
        const toExpr = (g: SyntaxNode[]): PyExpr => {
          const items = this.items(g);
          return items.length === 1 && !g.some((c) => c.name === ',') ? items[0]! : { k: 'tuple', items, range };
        };
        const value = toExpr(groups[groups.length - 1]!);
        return { k: 'assign', targets: groups.slice(0, -1).map(toExpr), value, range };
      }
      case 'UpdateStatement':
        if (kids.length === 3) {
          return { k: 'augassign', target: this.expr(kids[0]!), op: this.src(kids[1]!).replace('=', ''), value: this.expr(kids[2]!), range };
        }
        return { k: 'other', range };
      case 'ExpressionStatement':
        return kids[0] ? { k: 'expr', value: this.expr(kids[0]), range } : { k: 'other', range };
      case 'ReturnStatement': {
        const vals = kids.slice(1);
        if (vals.length === 0) return { k: 'return', range };
        const items = this.items(vals);
        const value: PyExpr = items.length === 1 && !vals.some((c) => c.name === ',') ? items[0]! : { k: 'tuple', items, range };
        return { k: 'return', value, range };
      }
      case 'IfStatement': {
        const branches: { test?: PyExpr; body: PyStmt[] }[] = [];
        for (let i = 0; i < kids.length; i++) {
          const c = kids[i]!;
          if ((c.name === 'if' || c.name === 'elif') && kids[i + 1] && kids[i + 2]?.name === 'Body') {
            branches.push({ test: this.expr(kids[i + 1]!), body: this.body(kids[i + 2]) });
            i += 2;
          } else if (c.name === 'else' && kids[i + 1]?.name === 'Body') {
            branches.push({ body: this.body(kids[i + 1]) });
            i++;
          }
        }
        return { k: 'if', branches, range };
      }
      case 'ForStatement': {
        const inIdx = kids.findIndex((c) => c.name === 'in');
        const bodyNode = kids.find((c) => c.name === 'Body');
        if (inIdx < 1 || !kids[inIdx + 1]) return { k: 'other', range };
        const tg = this.items(kids.slice(1, inIdx));
        const target: PyExpr = tg.length === 1 ? tg[0]! : { k: 'tuple', items: tg, range };
        return { k: 'for', target, iter: this.expr(kids[inIdx + 1]!), body: this.body(bodyNode), range };
      }
      case 'WithStatement':
        return { k: 'with', body: this.body(kids.find((c) => c.name === 'Body')), range };
      case 'WhileStatement': {
        const test = kids[1];
        return test ? { k: 'while', test: this.expr(test), body: this.body(kids.find((c) => c.name === 'Body')), range } : { k: 'other', range };
      }
      case 'FunctionDefinition': {
        const f = this.func(node);
        return f ? { k: 'def', f, range } : { k: 'other', range };
      }
      case 'DecoratedStatement': {
        const inner = kids.find((c) => c.name === 'FunctionDefinition');
        const f = inner ? this.func(inner) : undefined;
        return f ? { k: 'def', f, range } : { k: 'other', range };
      }
      case 'BreakStatement':
        return { k: 'break', range };
      case 'ContinueStatement':
        return { k: 'continue', range };
      case 'TryStatement':
        // The `try` body is what runs when nothing fails; handlers and `finally` are ignored.
        return { k: 'with', body: this.body(kids.find((c) => c.name === 'Body')), range };
      default:
        return { k: 'other', range };
    }
  }

  /** Converts a FunctionDefinition node. */
  func(node: SyntaxNode): PyFunction | undefined {
    const kids = children(node);
    const nameNode = kids.find((c) => c.name === 'VariableName');
    const paramList = kids.find((c) => c.name === 'ParamList');
    if (!nameNode || !paramList) return undefined;
    const params = this.params(children(paramList).slice(1, -1));
    return { name: this.src(nameNode), params, body: this.body(kids.find((c) => c.name === 'Body')), range: this.range(node) };
  }

  /** Parameters from the children of a ParamList (without its parentheses). */
  private params(pk: SyntaxNode[]): PyParam[] {
    const params: PyParam[] = [];
    for (let i = 0; i < pk.length; i++) {
      const c = pk[i]!;
      if (c.name === '*' || c.name === '**') {
        const n = pk[i + 1];
        if (n?.name === 'VariableName') {
          params.push({ name: this.src(n), star: c.name });
          i++;
        }
        continue;
      }
      if (c.name !== 'VariableName') continue;
      const param: PyParam = { name: this.src(c) };
      let j = i + 1;
      if (pk[j]?.name === 'TypeDef') {
        const ann = children(pk[j]!).find((n) => n.name !== ':');
        if (ann) {
          const dn = dottedName(this.expr(ann));
          if (dn) param.annotation = dn;
        }
        j++;
      }
      if (pk[j]?.name === 'AssignOp' && pk[j + 1]) {
        param.default = this.expr(pk[j + 1]!);
        j++;
      } else j--;
      i = j;
      params.push(param);
    }
    return params;
  }
}

/**
 * The text with the one lexical gap of `@lezer/python` closed: a float with a
 * trailing dot (`dropout=0.`, `eps=1.`) is read as a member access, and the
 * keyword after it (`0. if a else b`) breaks the expression. The dot of such a
 * literal becomes a space (an int of the same value; same length, so every
 * position holds). Strings and comments are left alone.
 */
export function closeParserGaps(text: string): string {
  let out: string[] | undefined;
  const n = text.length;
  const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      i += q.length;
      while (i < n && !text.startsWith(q, i)) {
        if (text[i] === '\\') i++;
        else if (!triple && text[i] === '\n') break;
        i++;
      }
      i += q.length - 1;
      continue;
    }
    if (c >= '0' && c <= '9' && !isWord(text[i - 1]) && text[i - 1] !== '.') {
      let j = i;
      while (j < n && /[0-9_]/.test(text[j]!)) j++;
      if (text[j] === '.' && !isWord(text[j + 1]) && text[j + 1] !== '.') {
        out ??= [...text];
        out[j] = ' ';
      }
      i = j;
    }
  }
  return out ? out.join('') : text;
}

/**
 * Whether an error node is a gap of `@lezer/python` rather than bad Python:
 * valid 3.12 code it marks with an empty error node. Two are known, a float
 * with a trailing dot (`dropout=0.`, read as a member access with no name) and
 * a bare `yield` (it expects a value). Reported upstream; handled here.
 */
export function isParserGap(node: SyntaxNode): boolean {
  if (node.from !== node.to) return false;
  const prev = node.prevSibling;
  const parent = node.parent;
  if (prev?.name === '.' && parent?.name === 'MemberExpression' && parent.firstChild?.name === 'Number') return true;
  return prev?.name === 'yield' && (parent?.name === 'YieldStatement' || parent?.name === 'YieldExpression');
}

/** The direct children of a node. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function isPunct(node: SyntaxNode): boolean {
  return node.name === ',' || node.name === '(' || node.name === ')' || node.name === '[' || node.name === ']';
}

/** The value of a Python string literal (prefixes and common escapes handled; f-strings keep their braces). */
function stringValue(raw: string): string {
  const m = /^([rRbBuUfF]*)('''|"""|'|")([\s\S]*)\2$/.exec(raw);
  if (!m) return raw;
  const body = m[3]!;
  if (/r/i.test(m[1]!)) return body;
  return body.replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' })[ch] ?? `\\${ch}`);
}

/** The dotted name an expression spells (`nn.Linear`, `torch.nn.functional.gelu`), if it is one. */
export function dottedName(e: PyExpr): string | undefined {
  if (e.k === 'name') return e.id;
  if (e.k === 'attr') {
    const base = dottedName(e.obj);
    return base === undefined ? undefined : `${base}.${e.name}`;
  }
  return undefined;
}

/** Short source-like text of an expression (for messages and `repeat`). */
export function sourceText(e: PyExpr): string {
  switch (e.k) {
    case 'num':
      return String(e.value);
    case 'str':
      return JSON.stringify(e.value);
    case 'bool':
      return e.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'name':
      return e.id;
    case 'attr':
      return `${sourceText(e.obj)}.${e.name}`;
    case 'sub':
      return `${sourceText(e.obj)}[...]`;
    case 'call':
      return `${sourceText(e.fn)}(...)`;
    case 'bin':
      return `${sourceText(e.left)} ${e.op} ${sourceText(e.right)}`;
    case 'unary':
      return `${e.op}${e.op === 'not' ? ' ' : ''}${sourceText(e.operand)}`;
    case 'unknown':
      return e.text;
    default:
      return '...';
  }
}

/** Python operators that are tensor primitives when applied to tensors. */
export const BINARY_OPS: Readonly<Record<string, string>> = { '@': 'matmul', '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '**': 'pow' };
