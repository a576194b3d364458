/**
 * Seeded fuzzing of every input kind IrEne reads (issue 15, item 7), shared
 * by the bounded run in `npm test` (test/unit/fuzz) and the long run of
 * `npm run fuzz` (scripts/runFuzz.ts, which writes docs/reliability.md).
 * Each case is one input; the invariant is the same for all kinds: it ends
 * in a prediction with finite joules, or in an IreneError with one line.
 * Anything else (another exception, NaN, a non-IreneError) is a failure.
 *
 * Kinds: JSON configs (structure-aware: field values from a list of hostile
 * values, keys dropped, types swapped, nesting), IrEne CSV and JSONL (cells
 * and fields replaced, lines cut, duplicated and shuffled), profiles (every
 * field a prediction reads, set to hostile values). ONNX has its own byte
 * fuzzing in test/unit/importers/onnx; Python is fuzzed with the Python
 * importer (issue 18).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_PROFILE_NAME,
  IreneError,
  buildTreeFromConfig,
  getBundledProfile,
  loadIreneCsv,
  loadIreneJsonl,
  parseConfigText,
  parseProfile,
  predictTree,
  type ModelTree,
  type Profile,
} from '../../src/engine/index.js';

const ROOT = join(__dirname, '..', '..');

/** The kinds fuzzed here. */
export const FUZZ_KINDS = ['config', 'csv', 'jsonl', 'profile'] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

/** How one case ended. */
export type FuzzOutcome = 'predicted' | 'refused' | 'failed';

export interface FuzzResult {
  kind: FuzzKind;
  outcome: FuzzOutcome;
  /** The error message (refused) or what went wrong (failed). */
  message?: string;
  /** Wall time of the case (ms). */
  ms: number;
  /** The input, for reproducing a failure. */
  input: string;
}

/** A small deterministic PRNG (LCG), so every run with a seed makes the same cases. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Values a careless or hostile file puts in a field. */
export const HOSTILE_VALUES: readonly unknown[] = [
  0, -1, 1, 2, 3, 7, 1e6, 1e9, 1e15, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 1e-300, 0.5, -0.0, 1.5,
  '', '1', 'NaN', 'Infinity', '__proto__', 'constructor', 'toString', 'gelu', 'relu', 'bf16', 'float16', 'x'.repeat(10_000),
  'a`](https://evil.example/t.png)`', '<img src=x onerror=alert(1)>', '\u001b[2Kwarning: fake',
  null, true, false, [], [1, 2, 3], {}, { __proto__: 1 }, [[[[[]]]]],
];

/** Values for numeric cells of data files. */
const HOSTILE_CELLS: readonly string[] = ['', 'nan', 'NaN', 'inf', '-inf', '1e309', '-1', '0', '1e300', '2e-308', 'abc', '"', '""', ',', '__proto__', '1e15', '3.5', ' 4 '];

function fixtureConfigs(): { name: string; config: Record<string, unknown> }[] {
  const dir = join(ROOT, 'test', 'fixtures', 'configs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, config: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown> }));
}

let cache: { configs: ReturnType<typeof fixtureConfigs>; csv: Record<string, string>; jsonl: string[]; profile: string } | undefined;
function seeds(): NonNullable<typeof cache> {
  if (cache) return cache;
  const data = join(ROOT, 'test', 'fixtures', 'ireneData');
  const csv: Record<string, string> = {};
  for (const k of ['model', 'module', 'ml1', 'ml2']) csv[k] = readFileSync(join(data, `${k}_level_features.csv`), 'utf8');
  const jsonl = readFileSync(join(data, 'trees.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const profile = readFileSync(join(ROOT, 'src', 'engine', 'profiles', 'bundled', 'h100-bf16.json'), 'utf8');
  cache = { configs: fixtureConfigs(), csv, jsonl, profile };
  return cache;
}

/** Every path to a leaf value of a JSON value (arrays sampled to their first entries). */
function leafPaths(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => leafPaths(x, [...path, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) leafPaths(x, [...path, k], out);
  else out.push(path);
  return out;
}

function setPath(root: unknown, path: (string | number)[], value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path.at(-1)!] = value;
}

function deletePath(root: unknown, path: (string | number)[]): void {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (Array.isArray(o)) o.splice(Number(path.at(-1)), 1);
  else delete o[path.at(-1)!];
}

/** Structure-aware mutations of a JSON value: 1-4 fields set to hostile values, dropped, or nested. */
function mutateJson(rng: Rng, value: unknown): unknown {
  const v = structuredClone(value);
  const paths = leafPaths(v);
  for (let m = 1 + rng.int(4); m > 0 && paths.length > 0; m--) {
    const path = rng.pick(paths);
    const r = rng.next();
    if (r < 0.7) setPath(v, path, structuredClone(rng.pick(HOSTILE_VALUES)));
    else if (r < 0.85) deletePath(v, path);
    else {
      // Deep nesting, on both sides of the reader's limit.
      let deep: unknown = 1;
      for (let d = 1 + rng.int(1500); d > 0; d--) deep = [deep];
      setPath(v, path, deep);
    }
  }
  return v;
}

/** Text mutations: cut, duplicate or drop lines, flip a character. */
function mutateLines(rng: Rng, text: string): string {
  let lines = text.split('\n');
  const r = rng.next();
  if (r < 0.25) lines = lines.slice(0, rng.int(lines.length + 1));
  else if (r < 0.45) lines.splice(rng.int(lines.length), 0, lines[rng.int(lines.length)] ?? '');
  else if (r < 0.6) lines.splice(rng.int(lines.length), 1);
  else if (r < 0.75) {
    const i = rng.int(lines.length);
    const l = lines[i] ?? '';
    const at = rng.int(l.length + 1);
    lines[i] = l.slice(0, at) + rng.pick([',', '"', '\\', '{', '}', '[', ']', '\u0000', 'é', ' ']) + l.slice(at + 1);
  }
  return lines.join('\n');
}

/** One CSV case: a cell of one of the four files replaced by a hostile value, or its lines mutated. */
function csvCase(rng: Rng): Record<string, string> {
  const files = { ...seeds().csv };
  const key = rng.pick(['model', 'module', 'ml1', 'ml2']);
  const rows = files[key]!.split('\n');
  for (let m = 1 + rng.int(3); m > 0; m--) {
    const i = 1 + rng.int(rows.length - 1);
    const cells = (rows[i] ?? '').split(',');
    cells[rng.int(cells.length)] = rng.pick(HOSTILE_CELLS);
    rows[i] = cells.join(',');
  }
  files[key] = rng.next() < 0.3 ? mutateLines(rng, rows.join('\n')) : rows.join('\n');
  return files;
}

/** One JSONL case: fields of a tree line set to hostile values, or the lines mutated. */
function jsonlCase(rng: Rng): string {
  const lines = seeds().jsonl.map((l) => (rng.next() < 0.7 ? JSON.stringify(mutateJson(rng, JSON.parse(l))) : l));
  return rng.next() < 0.3 ? mutateLines(rng, lines.join('\n')) : lines.join('\n');
}

/** The input of case `i` of a kind, as the text a file would hold (CSV: the four files joined by a form feed). */
export function fuzzInput(kind: FuzzKind, rng: Rng): string {
  switch (kind) {
    case 'config': {
      const { config } = rng.pick(seeds().configs);
      const mutated = mutateJson(rng, config);
      return rng.next() < 0.05 ? mutateLines(rng, JSON.stringify(mutated, null, 1)) : JSON.stringify(mutated);
    }
    case 'csv':
      return Object.values(csvCase(rng)).join('\f');
    case 'jsonl':
      return jsonlCase(rng);
    case 'profile':
      return rng.next() < 0.05 ? mutateLines(rng, seeds().profile) : JSON.stringify(mutateJson(rng, JSON.parse(seeds().profile)));
  }
}

let profile: Profile | undefined;
let smallTree: ModelTree | undefined;
const SETTING = { batchSize: 2, seqLen: 32, dtype: 'bf16' as const };

/** Finite and non-negative joules, or a message saying what is wrong. */
function checkPrediction(tree: ModelTree, p: Profile): string | undefined {
  const r = predictTree(tree, p);
  if (!Number.isFinite(r.energyJ) || r.energyJ < 0) return `energy ${r.energyJ} J`;
  if (!Number.isFinite(r.uncertaintyJ) || r.uncertaintyJ < 0) return `uncertainty ${r.uncertaintyJ} J`;
  return undefined;
}

/** Runs one input through the engine as the CLI would (parse, build, predict); classifies how it ended. */
export function runFuzzCase(kind: FuzzKind, input: string): FuzzResult {
  profile ??= getBundledProfile(DEFAULT_PROFILE_NAME);
  const t0 = performance.now();
  const done = (outcome: FuzzOutcome, message?: string): FuzzResult => ({ kind, outcome, message, ms: performance.now() - t0, input });
  try {
    let bad: string | undefined;
    switch (kind) {
      case 'config': {
        const tree = buildTreeFromConfig(parseConfigText(input, 'config.json'), SETTING);
        bad = checkPrediction(tree, profile);
        break;
      }
      case 'csv': {
        const [model, module, ml1, ml2] = input.split('\f') as [string, string, string, string];
        for (const tree of loadIreneCsv({ model, module, ml1, ml2 }).slice(0, 4)) bad ??= checkPrediction(tree, profile);
        break;
      }
      case 'jsonl':
        for (const tree of loadIreneJsonl(new TextEncoder().encode(input), { fileName: 'trees.jsonl' }).slice(0, 4)) bad ??= checkPrediction(tree, profile);
        break;
      case 'profile': {
        const p = parseProfile(input, 'profile.json');
        smallTree ??= buildTreeFromConfig(JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8')), SETTING);
        bad = checkPrediction(structuredClone(smallTree), p);
        break;
      }
    }
    return bad ? done('failed', bad) : done('predicted');
  } catch (e) {
    if (e instanceof IreneError) {
      return e.message.includes('\n') || e.message === '' ? done('failed', `a message of ${e.message.split('\n').length} lines: ${e.message.slice(0, 200)}`) : done('refused', e.message);
    }
    return done('failed', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
}

/**
 * Runs cases of one kind from `seed` until `budgetMs` has passed or `maxCases` ran.
 * @returns every result (inputs included only for failures and the slowest case, to bound memory)
 */
export function fuzzKind(kind: FuzzKind, seed: number, budgetMs: number, maxCases = Number.POSITIVE_INFINITY): FuzzResult[] {
  const rng = new Rng(seed);
  const out: FuzzResult[] = [];
  const end = performance.now() + budgetMs;
  let slowest = -1;
  while (performance.now() < end && out.length < maxCases) {
    const r = runFuzzCase(kind, fuzzInput(kind, rng));
    if (slowest < 0 || r.ms > out[slowest]!.ms) {
      if (slowest >= 0 && out[slowest]!.outcome !== 'failed') out[slowest]!.input = '';
      slowest = out.length;
    } else if (r.outcome !== 'failed') r.input = '';
    out.push(r);
  }
  return out;
}
