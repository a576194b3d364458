/**
 * Grammar-aware fuzzing of the Python fixtures (issue 15): seeded mutations
 * that keep Python's shape (lines with their indentation, number literals,
 * identifiers of the same file) and insert hostile statements. The importer
 * must end every case with a tree whose numbers are all finite, or a typed
 * error with a message; anything else is a bug. A fixed number of cases keeps
 * this to a few seconds; IRENE_FUZZ_CASES runs more.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IreneError } from '../../../../src/engine/errors.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { importPythonModel } from '../../../../src/engine/importers/python/pythonImporter.js';
import { walkTree } from '../../../../src/engine/tree/treeWalk.js';

const FIXTURES = join(__dirname, '../../../fixtures/python');
const OPTS: ImportOptions = { batchSize: 2, seqLen: 16, dtype: 'fp32' };
const CASES = Number(process.env['IRENE_FUZZ_CASES'] ?? 48);

function pythonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...pythonFiles(p));
    else if (name.endsWith('.py') && name !== 'traceOnMeta.py') out.push(p);
  }
  return out;
}

const HOSTILE_NUMBERS = ['0', '-1', '10**9', '1e300', '2**64', 'float("nan")', '0.5', '-0', '4096 * 4096', '10**20'];
const HOSTILE_STATEMENTS = [
  'sizes = [8] * 10**9',
  'for _ in range(10**6):\n{indent}    sizes = 1',
  'while True:\n{indent}    sizes = 1',
  'self.extra = nn.Linear(10**9, 10**9)',
  'sizes = [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]',
  'x = x.view(-1, 0)',
  'return',
  'raise ValueError("boom")',
  'xs = [1]\n{indent}for _ in range(60):\n{indent}    xs = xs + xs',
];

test('fuzz: seeded grammar-aware mutations of the Python fixtures end in a finite tree or a typed error', () => {
  const corpus = pythonFiles(FIXTURES).map((p) => ({ name: p.slice(FIXTURES.length + 1), text: readFileSync(p, 'utf8') }));
  assert.ok(corpus.length >= 10, `only ${corpus.length} fixtures`);
  let seed = 20261203;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
  const outcomes = { tree: 0, error: 0 };
  for (let i = 0; i < CASES; i++) {
    const { name, text } = corpus[i % corpus.length]!;
    let lines = text.split('\n');
    const mutations: string[] = [];
    for (let m = 0, count = 1 + rand(3); m < count; m++) {
      const at = rand(lines.length);
      const line = lines[at] ?? '';
      const indent = /^\s*/.exec(line)![0];
      switch (rand(6)) {
        case 0: {
          const numbers = [...line.matchAll(/\b\d+(\.\d+)?\b/g)];
          if (numbers.length === 0) break;
          const hit = pick(numbers);
          lines[at] = line.slice(0, hit.index) + pick(HOSTILE_NUMBERS) + line.slice(hit.index! + hit[0].length);
          mutations.push(`number@${at + 1}`);
          break;
        }
        case 1:
          lines.splice(at, 0, line);
          mutations.push(`dup@${at + 1}`);
          break;
        case 2:
          lines.splice(at, 1);
          mutations.push(`del@${at + 1}`);
          break;
        case 3: {
          const names = [...new Set(text.match(/\b[a-z_][a-z0-9_]{2,}\b/g) ?? [])];
          const words = [...line.matchAll(/\b[a-z_][a-z0-9_]{2,}\b/g)];
          if (words.length === 0 || names.length === 0) break;
          const hit = pick(words);
          lines[at] = line.slice(0, hit.index) + pick(names) + line.slice(hit.index! + hit[0].length);
          mutations.push(`name@${at + 1}`);
          break;
        }
        case 4:
          lines.splice(at, 0, indent + pick(HOSTILE_STATEMENTS).replaceAll('{indent}', indent));
          mutations.push(`stmt@${at + 1}`);
          break;
        default:
          lines = lines.slice(0, at);
          mutations.push(`cut@${at + 1}`);
          break;
      }
    }
    const source = lines.join('\n');
    const label = `${name} case ${i} (${mutations.join(', ')})`;
    try {
      const { tree } = importPythonModel(source, { ...OPTS, fileName: name });
      for (const { node } of walkTree(tree.root)) {
        assert.ok(Number.isFinite(node.flops) && Number.isFinite(node.memBytes) && Number.isFinite(node.parameters) && Number.isFinite(node.calls), `${label}: ${node.scope} is not finite`);
      }
      outcomes.tree++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof IreneError, `${label}: ${err instanceof Error ? err.stack : String(err)}`);
      assert.ok(err.message.length > 0 && !err.message.includes('\n'), `${label}: ${err.message}`);
      outcomes.error++;
    }
  }
  assert.equal(outcomes.tree + outcomes.error, CASES);
});
