/**
 * End-to-end tests of the built `irene` binary (dist/cli.js, built by
 * `npm test` before the unit tests): every command, every format, and the
 * exit codes and one-line messages for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const ROOT = join(__dirname, '..', '..', '..');
const BERT = join(ROOT, 'examples', 'bert-base-uncased', 'config.json');
const FIX = join(ROOT, 'test', 'fixtures', 'cli');

function irene(...args: string[]): { code: number; stdout: string; stderr: string } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertUserError(r: { code: number; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a user error must not print a stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, `expected one line, got:\n${r.stderr}`);
}

test('predict --format json prints exactly one report object whose tree sums to the total', () => {
  const r = irene('predict', BERT, '--batch-size', '8', '--seq-len', '256', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  for (const k of ['model', 'profile', 'batchSize', 'seqLen', 'dtype', 'energyJ', 'uncertaintyJ', 'warnings', 'tree']) {
    assert.ok(k in report, `missing ${k}`);
  }
  assert.equal(report.batchSize, 8);
  assert.equal(report.seqLen, 256);
  assert.ok(report.energyJ > 0);
  assert.ok(report.uncertaintyJ > 0);
  assert.equal(report.tree.type, 'model');
  assert.ok(Math.abs(report.tree.energyJ - report.energyJ) <= 1e-9 * report.energyJ);
  for (const k of ['scope', 'type', 'instanceType', 'calls', 'flops', 'memBytes', 'parameters', 'energyJ', 'children']) {
    assert.ok(k in report.tree, `tree node misses ${k}`);
  }
  // bert-base has 12 BertLayer nodes under the encoder.
  const encoder = report.tree.children.find((c: { scope: string }) => c.scope === 'root.encoder');
  assert.equal(encoder.children.filter((c: { instanceType: string }) => c.instanceType === 'BertLayer').length, 12);
});

test('predict grows with the sequence length and the batch size', () => {
  const e = (b: string, s: string) => JSON.parse(irene('predict', BERT, '-b', b, '-s', s, '-f', 'json').stdout).energyJ as number;
  const base = e('8', '128');
  assert.ok(e('8', '256') > base);
  assert.ok(e('16', '128') > base);
});

test('predict table and markdown show the tree with shares', () => {
  const t = irene('predict', BERT);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /per inference/);
  assert.match(t.stdout, /encoder \(BertEncoder\)/);
  assert.match(t.stdout, /100\.0 %/);
  const m = irene('predict', BERT, '--format', 'markdown', '--depth', '2');
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^## /);
  assert.match(m.stdout, /\| node \| class \|/);
});

test('predict with an explicit profile names it in the report', () => {
  const r = irene('predict', BERT, '--profile', 'irene-device-1', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).profile, 'irene-device-1');
});

test('bad input exits 1 with one clear line', () => {
  assertUserError(irene('predict', join(FIX, 'does-not-exist.json')), /does-not-exist\.json.*no such file/);
  assertUserError(irene('predict', join(FIX, 'malformed-config.json')), /malformed-config\.json/);
  assertUserError(irene('predict', join(FIX, 'unknown-model-type.json')), /transformer-xl-9000/);
  assertUserError(irene('predict', BERT, '--batch-size', '-4'), /batch-size|positive integer/);
  assertUserError(irene('predict', BERT, '--seq-len', '0'), /positive integer/);
  assertUserError(irene('predict', BERT, '--dtype', 'int3'), /fp32, fp16, bf16/);
  assertUserError(irene('predict', BERT, '--profile', 'no-such-profile'), /no-such-profile/);
  assertUserError(irene('predict', BERT, '--format', 'xml'), /table, json, markdown/);
  assertUserError(irene('frobnicate'), /unknown command/);
});

test('profiles lists the four bundled profiles and the default', () => {
  const r = irene('profiles', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const names = (JSON.parse(r.stdout) as { name: string }[]).map((p) => p.name).sort();
  assert.deepEqual(names, ['h100-bf16', 'h100-fp32', 'irene-device-1', 'irene-device-2']);
  assert.match(irene('profiles').stdout, /\(default\)/);
});

test('crossvalidate, train and evaluate work on a JSONL tree file', () => {
  const data = join(FIX, 'three-models.jsonl.gz');
  const cv = irene('crossvalidate', data, '--format', 'json', '--baseline');
  assert.equal(cv.code, 0, cv.stderr);
  const result = JSON.parse(cv.stdout);
  assert.deepEqual(result.perModel.map((r: { model: string }) => r.model).sort(), ['bert-base-uncased', 'distilbert-base-uncased', 'roberta-base']);
  for (const k of ['mlPct', 'modulePct', 'modelPct']) assert.ok(Number.isFinite(result.overall[k]) && result.overall[k] >= 0, k);
  const mean = result.perModel.reduce((s: number, r: { modelPct: number }) => s + r.modelPct, 0) / result.perModel.length;
  assert.ok(Math.abs(mean - result.overall.modelPct) < 1e-9, 'overall is the mean over left-out models');

  const dir = mkdtempSync(join(tmpdir(), 'irene-cli-'));
  try {
    const out = join(dir, 'mine.json');
    const tr = irene('train', data, '--out', out, '--hardware', 'test rig');
    assert.equal(tr.code, 0, tr.stderr);
    const profile = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(profile.name, 'mine');
    const pr = irene('predict', BERT, '--profile', out, '--format', 'json');
    assert.equal(pr.code, 0, pr.stderr);
    assert.equal(JSON.parse(pr.stdout).profile, 'mine');
    const ev = irene('evaluate', data, '--profile', out, '--format', 'json');
    assert.equal(ev.code, 0, ev.stderr);
    // Evaluated on its own training data, the profile must fit the model level well.
    assert.ok(JSON.parse(ev.stdout).overall.modelPct < 25);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data commands reject bad data with one line', () => {
  assertUserError(irene('crossvalidate', join(FIX, 'nope')), /nope.*no such file/);
  assertUserError(irene('train', FIX, '--out', '/tmp/x.json'), /not an IrEne data folder/);
  assertUserError(irene('crossvalidate', join(FIX, 'malformed-config.json')), /malformed-config\.json/);
});
