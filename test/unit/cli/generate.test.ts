/**
 * `irene generate` and `irene predict --phase` end to end (the built
 * dist/cli.js, as cli.test.ts runs it): the JSON fields the README documents,
 * their arithmetic, the table, and one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const LLAMA = join(ROOT, 'test', 'fixtures', 'configs', 'llama.json');
const LLAMA3 = join(ROOT, 'test', 'fixtures', 'configs', 'generation', 'llama-3-8b.json');

function irene(...args: string[]): { code: number; stdout: string; stderr: string } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('generate --format json prints one object with the documented fields', () => {
  const r = irene('generate', LLAMA, '--prompt-len', '512', '--output-len', '64', '--batch-size', '4', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const g = JSON.parse(r.stdout);
  for (const k of [
    'model', 'profile', 'batchSize', 'promptLen', 'outputLen', 'attention', 'graphs', 'gpus', 'energyJ', 'energyPerRequestJ', 'energyPerOutputTokenJ',
    'decodePerTokenJ', 'prefillJ', 'decodeJ', 'uncertaintyJ', 'timeS', 'fits', 'maxBatch', 'warnings', 'trees', 'tokensPerJ', 'modules', 'memory', 'decodeStepTimeS',
  ]) {
    assert.ok(k in g, `missing ${k}`);
  }
  assert.equal(g.batchSize, 4);
  assert.equal(g.promptLen, 512);
  assert.equal(g.outputLen, 64);
  assert.equal(g.attention, 'sdpa');
  assert.equal(g.graphs, false);
  assert.equal(g.gpus, 1);
  assert.ok(Math.abs(g.prefillJ + g.decodeJ - g.energyJ) < 1e-9 * g.energyJ);
  assert.ok(Math.abs(g.energyPerOutputTokenJ * 4 * 64 - g.energyJ) < 1e-9 * g.energyJ);
  assert.equal(g.trees.prefill.seqLen, 512);
  assert.equal(g.trees.decode.seqLen, 1);
  assert.ok(g.trees.decode.context >= 512 && g.trees.decode.context < 576);
  assert.ok(g.warnings.some((w: string) => w.includes('attention assumed sdpa')));
});

test('generate: --attn eager, --graphs and --gpus change the setting they name', () => {
  const base = JSON.parse(irene('generate', LLAMA, '--output-len', '16', '-f', 'json').stdout);
  const graphs = JSON.parse(irene('generate', LLAMA, '--output-len', '16', '--graphs', '-f', 'json').stdout);
  assert.ok(graphs.decodeJ < base.decodeJ, 'CUDA graphs remove the launch cost of small decode steps');
  const eager = JSON.parse(irene('generate', LLAMA, '--output-len', '16', '--attn', 'eager', '-f', 'json').stdout);
  assert.equal(eager.attention, 'eager');
  assert.ok(!eager.warnings.some((w: string) => w.includes('attention assumed')));
  const tp = JSON.parse(irene('generate', LLAMA, '--output-len', '16', '--gpus', '2', '-f', 'json').stdout);
  assert.equal(tp.gpus, 2);
  assert.ok(tp.communicationJ > 0);
});

test('generate warns when the batch does not fit and names the largest that does', () => {
  const r = irene('generate', LLAMA3, '--prompt-len', '32512', '--output-len', '256', '--batch-size', '64');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /does not fit in memory.*largest batch that fits is \d+/);
  assert.match(r.stdout, /J per output token/);
  assert.match(r.stdout, /largest batch that fits: \d+/);
});

test('predict --phase decode --context 2048 gives one decode step tree ending in lm_head', () => {
  const r = irene('predict', LLAMA, '--phase', 'decode', '--context', '2048', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.equal(p.phase, 'decode');
  assert.equal(p.context, 2048);
  assert.equal(p.seqLen, 1);
  assert.equal(p.tree.children[p.tree.children.length - 1].scope, 'root.lm_head');
  const table = irene('predict', LLAMA, '--phase', 'decode', '--context', '2048');
  assert.match(table.stdout, /decode step against 2048 cached positions/);
});

test('generate and predict --phase refuse what they cannot do, in one line', () => {
  for (const r of [
    irene('generate', join(ROOT, 'examples', 'bert-base-uncased', 'config.json')),
    irene('generate', join(ROOT, 'test', 'fixtures', 'onnx', 'bert-base-uncased.onnx')),
    irene('predict', LLAMA, '--phase', 'decode'),
    irene('generate', LLAMA, '--gpus', '3'),
  ]) {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
