/**
 * The published accuracy is reproducible from the command line: `irene
 * crossvalidate` with the flags docs/accuracy.md names prints the figures the
 * benchmark computes and the bundled profile stores (H100 fp32, the smallest
 * of the shipped data sets).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { crossValidate } from '../../../src/engine/predict/crossValidate.js';
import { getBundledProfile } from '../../../src/engine/profiles/profileStore.js';
import { h100Hardware, loadH100Trees, PROFILE_SEED } from '../../../scripts/trainProfiles.js';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function irene(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('irene crossvalidate on the shipped H100 fp32 data prints the benchmark figures and the bundled profile stores them', () => {
  const cli = irene('crossvalidate', 'data/h100/trees.jsonl.gz', '--dtype', 'fp32', '--format', 'json');
  assert.equal(cli.code, 0, cli.stderr);
  const printed = JSON.parse(cli.stdout) as { dtype: string; overall: Record<string, number>; perModel: { model: string }[] };
  assert.equal(printed.dtype, 'fp32');
  assert.equal(printed.perModel.length, 4, 'the fp32 trees only: four models');
  // The benchmark's run (bench/accuracy.bench.ts): the same trees, hardware and seed.
  const bench = crossValidate(loadH100Trees('fp32').trees, {
    featureSet: 'specs',
    seed: PROFILE_SEED,
    setting: { hardware: h100Hardware() },
    companionTrees: loadH100Trees('bf16').trees,
  });
  const stored = getBundledProfile('h100-fp32').crossValidation;
  for (const k of ['mlPct', 'modulePct', 'modelPct'] as const) {
    assert.ok(Math.abs(printed.overall[k]! - bench.overall[k]) < 1e-9, `${k}: CLI ${printed.overall[k]} vs benchmark ${bench.overall[k]}`);
    assert.ok(Math.abs(stored[k] - bench.overall[k]) < 1e-9, `${k}: profile ${stored[k]} vs benchmark ${bench.overall[k]}`);
  }
});

test('data holding two dtypes needs --dtype: one line, exit 1, instead of mixing them', () => {
  const r = irene('crossvalidate', 'data/h100/trees.jsonl.gz');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /holds (bf16 and fp32|fp32 and bf16) trees: choose one with --dtype/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
