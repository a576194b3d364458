/**
 * Reading an energy budget: `irene.budget.json`, or the `[tool.irene]` table
 * of a pyproject.toml (the same fields, in TOML). Every problem is one line
 * naming the field (`models[0].batchSize must be a whole number of at least
 * 1, got "eight"`), and carries the field's path so an editor can put a
 * diagnostic on it.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { IreneError } from '../errors.js';
import type { Dtype } from '../tree/modelNode.js';
import {
  describeFieldType,
  ENTRY_FIELDS,
  fitsFieldType,
  LIMIT_FIELDS,
  SETTING_FIELDS,
  type BudgetField,
  type BudgetLimitKey,
  type BudgetSettingKey,
} from './budgetFields.js';
import { assertJsonNesting } from '../limits/jsonNesting.js';

/** The name a budget file has at the root of a repository. */
export const BUDGET_FILE_NAME = 'irene.budget.json';

/** How a model is predicted; undefined fields take the defaults, then the adapters' defaults. */
export interface BudgetSettings {
  /** Sequences per forward pass (count). */
  batchSize?: number;
  /** Tokens per sequence (count). */
  seqLen?: number;
  dtype?: Dtype;
  /** Bundled profile name or path relative to the budget file. */
  profile?: string;
}

/** What a prediction is held to. */
export interface BudgetLimits {
  /** Largest energy per inference (joules). */
  maxEnergyJ?: number;
  /** Largest energy per token processed (joules). */
  maxEnergyPerTokenJ?: number;
  /** Largest increase against the baseline (percent). */
  maxIncreasePct?: number;
}

/** One entry of `models`. */
export interface BudgetEntry extends BudgetSettings, BudgetLimits {
  /** Position in `models` (0-based). */
  index: number;
  /** Model file or glob, relative to the budget file, `/`-separated. */
  path: string;
  name?: string;
}

/** A validated budget. */
export interface Budget {
  /** The file it was read from (for messages). */
  fileName: string;
  format: 'json' | 'pyproject';
  defaults: BudgetSettings & BudgetLimits;
  entries: BudgetEntry[];
}

/** Where in a budget a problem is: keys and array indices from the budget object (not the pyproject root). */
export type BudgetFieldPath = (string | number)[];

/** A budget file that cannot be used, with the field at fault. */
export class BudgetFileError extends IreneError {
  constructor(
    message: string,
    /** Path of the field at fault; [] for the whole file. */
    readonly field: BudgetFieldPath,
    /** 0-based line and column of a syntax error, when known. */
    readonly position?: { line: number; column: number },
  ) {
    super('INVALID_INPUT', message);
  }
}

/** `models[0].batchSize` */
export function formatFieldPath(path: BudgetFieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Edit distance, for "did you mean" on misspelt fields. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function readFields(
  obj: Record<string, unknown>,
  allowed: Record<string, BudgetField>,
  at: BudgetFieldPath,
  fail: (message: string, field: BudgetFieldPath) => never,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = allowed[key];
    const here = [...at, key];
    if (!field) {
      const names = Object.keys(allowed);
      const near = names.map((n) => ({ n, d: distance(key, n) })).sort((x, y) => x.d - y.d)[0];
      const hint = near && near.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean ${near.n}?)` : `; allowed: ${names.join(', ')}`;
      fail(`${formatFieldPath(here)} is not a budget field${hint}`, here);
    }
    if (!fitsFieldType(field.value, value)) fail(`${formatFieldPath(here)} must be ${describeFieldType(field.value)}, got ${show(value)}`, here);
    out[key] = field.value.type === 'string' ? (value as string).trim() : value;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a budget object (the parsed JSON, or pyproject's `tool.irene`).
 * @param label prefix of messages (`irene.budget.json`, `pyproject.toml [tool.irene]`).
 * @throws BudgetFileError naming the first field at fault.
 */
export function validateBudget(value: unknown, fileName: string, format: Budget['format'], label = fileName): Budget {
  const fail = (message: string, field: BudgetFieldPath): never => {
    throw new BudgetFileError(`${label}: ${message}`, field);
  };
  if (!isObject(value)) fail(`must be an object with a "models" list, got ${show(value)}`, []);
  const root = value as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (!['$schema', 'defaults', 'models'].includes(key)) fail(`${key} is not a budget field; a budget has "models" and optional "defaults"`, [key]);
  }
  let defaults: BudgetSettings & BudgetLimits = {};
  if (root['defaults'] !== undefined) {
    if (!isObject(root['defaults'])) fail(`defaults must be an object of settings and limits, got ${show(root['defaults'])}`, ['defaults']);
    defaults = readFields(root['defaults'] as Record<string, unknown>, { ...SETTING_FIELDS, ...LIMIT_FIELDS }, ['defaults'], fail);
  }
  const models = root['models'];
  if (models === undefined) fail('missing "models": list the model files to check, e.g. [{"path": "config.json", "maxEnergyJ": 3}]', []);
  if (!Array.isArray(models) || models.length === 0) fail(`models must be a non-empty list of entries, got ${show(models)}`, ['models']);
  const entries = (models as unknown[]).map((m, index): BudgetEntry => {
    if (!isObject(m)) fail(`models[${index}] must be an object with a "path", got ${show(m)}`, ['models', index]);
    const fields = readFields(m as Record<string, unknown>, { ...ENTRY_FIELDS, ...SETTING_FIELDS, ...LIMIT_FIELDS }, ['models', index], fail);
    if (fields['path'] === undefined) fail(`models[${index}] has no "path": name the model file (config.json, .onnx, .py) or a glob`, ['models', index]);
    const path = normalisePath(fields['path'] as string);
    if (path.startsWith('/') || /^[a-zA-Z]:\//.test(path) || path.split('/').includes('..')) {
      fail(`models[${index}].path must be relative to the budget file and stay inside its folder, got ${show(fields['path'])}`, ['models', index, 'path']);
    }
    return { ...(fields as Omit<BudgetEntry, 'index' | 'path'>), index, path };
  });
  return { fileName, format, defaults, entries };
}

/** Forward slashes, no leading `./`. */
function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split(/\r\n|\r|\n/).length - 1;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) };
}

/**
 * Reads `irene.budget.json` text.
 * @throws BudgetFileError for invalid JSON (with its line) or a field at fault.
 */
export function parseBudgetJson(text: string, fileName: string): Budget {
  assertJsonNesting(text, fileName, (m) => new BudgetFileError(m, []));
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first) {
    const at = lineColumn(text, first.offset);
    const what = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    throw new BudgetFileError(`${fileName}: not valid JSON at line ${at.line + 1}, column ${at.column + 1} (${what})`, [], at);
  }
  return validateBudget(value, fileName, 'json');
}

/**
 * Reads the `[tool.irene]` table of a pyproject.toml.
 * @returns undefined when the file has no `[tool.irene]` table.
 * @throws BudgetFileError for invalid TOML or a field at fault.
 */
export function parseBudgetPyproject(text: string, fileName: string): Budget | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    const first = (e.message ?? String(err)).split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    const at = typeof e.line === 'number' ? { line: e.line - 1, column: Math.max(0, (e.column ?? 1) - 1) } : undefined;
    throw new BudgetFileError(`${fileName}: not valid TOML${at ? ` at line ${at.line + 1}` : ''} (${first})`, [], at);
  }
  const tool = doc['tool'];
  if (!isObject(tool) || tool['irene'] === undefined) return undefined;
  return validateBudget(tool['irene'], fileName, 'pyproject', `${fileName} [tool.irene]`);
}

/** True when a pyproject.toml's text has a `[tool.irene]` table (cheap: no parse). */
export function mentionsToolIrene(text: string): boolean {
  return /^\s*\[\[?\s*tool\.irene\b/m.test(text) || /^\s*irene\s*=/m.test(text);
}

/** A budget file by its name: JSON, or pyproject.toml's `[tool.irene]` (undefined when it has none). */
export function parseBudgetText(text: string, fileName: string): Budget | undefined {
  return /pyproject\.toml$/i.test(fileName) ? parseBudgetPyproject(text, fileName) : parseBudgetJson(text, fileName);
}

/** Default sequences per forward pass, as `irene predict` (count). */
export const BUDGET_DEFAULT_BATCH_SIZE = 8;
/** Default tokens per sequence, as `irene predict` (count). */
export const BUDGET_DEFAULT_SEQ_LEN = 256;

/** An entry's settings and limits with the budget's defaults filled in. */
export interface ResolvedBudgetEntry extends BudgetEntry {
  batchSize: number;
  seqLen: number;
  /** Undefined: the profile's own dtype. */
  dtype?: Dtype;
  /** Undefined: the adapter's default profile. */
  profile?: string;
}

/** The entry with `defaults` applied, then the built-in batch size and sequence length. */
export function resolveEntry(budget: Budget, entry: BudgetEntry): ResolvedBudgetEntry {
  const d = budget.defaults;
  const pick = <K extends BudgetSettingKey | BudgetLimitKey>(k: K): (BudgetSettings & BudgetLimits)[K] => entry[k] ?? d[k];
  const out: ResolvedBudgetEntry = {
    ...entry,
    batchSize: pick('batchSize') ?? BUDGET_DEFAULT_BATCH_SIZE,
    seqLen: pick('seqLen') ?? BUDGET_DEFAULT_SEQ_LEN,
  };
  for (const k of ['dtype', 'profile', 'maxEnergyJ', 'maxEnergyPerTokenJ', 'maxIncreasePct'] as const) {
    const v = pick(k);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
