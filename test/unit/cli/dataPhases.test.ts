/**
 * `irene train / crossvalidate / evaluate` choose the measured passes they use: forward passes
 * and prefills by default, decode steps only with --phase decode or all, and say how many trees
 * of each phase the data held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCrossValidate } from '../../../src/cli/commands/dataCommands.js';
import { CliUsageError } from '../../../src/cli/cliErrors.js';

const FIX = join(__dirname, '..', '..', 'fixtures', 'cli', 'three-models.jsonl.gz');

type Node = { ground_truth_energy?: number | null; child_nodes_obj?: Node[] };
function scaleEnergy(n: Node, k: number): void {
  if (typeof n.ground_truth_energy === 'number') n.ground_truth_energy *= k;
  for (const c of n.child_nodes_obj ?? []) scaleEnergy(c, k);
}

/** The fixture's six forward trees plus two lines labelled decode steps, with three times the energy. */
function mixedFile(dir: string): string {
  const lines = gunzipSync(readFileSync(FIX)).toString('utf8').trim().split('\n');
  const extra = lines.slice(3, 5).map((l) => {
    const o = JSON.parse(l) as Record<string, unknown> & { frontend_tree: Node };
    scaleEnergy(o.frontend_tree, 3);
    return JSON.stringify({ ...o, phase: 'decode', context: 128 });
  });
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, [...lines, ...extra].join('\n'));
  return path;
}

const cv = (data: string, phase?: 'forward' | 'decode' | 'all') =>
  runCrossValidate(data, { features: 'specs', format: 'json', seed: 1, baseline: false, phase });

test('crossvalidate leaves decode trees out by default, counts them, and uses them when asked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irene-phases-'));
  try {
    const mixed = mixedFile(dir);
    const original = JSON.parse(cv(FIX).stdout) as { perModel: unknown; treesByPhase: unknown };
    const byDefault = JSON.parse(cv(mixed).stdout) as { perModel: unknown; treesByPhase: unknown; phases: string[] };
    assert.deepEqual(byDefault.treesByPhase, { forward: 6, prefill: 0, decode: 2 });
    assert.deepEqual(byDefault.phases, ['forward', 'prefill']);
    assert.deepEqual(byDefault.perModel, original.perModel, 'the decode lines change nothing unless asked for');
    const all = JSON.parse(cv(mixed, 'all').stdout) as { perModel: unknown; phases: string[] };
    assert.deepEqual(all.phases, ['forward', 'prefill', 'decode']);
    assert.notDeepEqual(all.perModel, original.perModel, 'with --phase all the decode lines are in the fit');

    const table = runCrossValidate(mixed, { features: 'specs', format: 'table', seed: 1, baseline: false });
    assert.ok(
      table.stderr.includes('note: trees by phase: 6 forward, 0 prefill, 2 decode; using forward + prefill (6); 2 decode left out (--phase decode or --phase all to use them)'),
      table.stderr.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('asking for decode trees in data that has none is a user error naming what it holds', () => {
  assert.throws(() => cv(FIX, 'decode'), (e: unknown) => e instanceof CliUsageError && /holds no decode trees \(it holds 6 forward\)/.test(e.message));
});
