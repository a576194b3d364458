/**
 * `irene predict` on Hugging Face model folders and encoder-decoders, through
 * the built binary (dist/cli.js): a folder is its config.json plus its
 * weights' headers, the declared dtype is the default, --target-len sizes an
 * encoder-decoder's decoder, and broken weights are one-line user errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const ST = join(ROOT, 'test', 'fixtures', 'safetensors');

function irene(...args: string[]): { code: number; stdout: string; stderr: string } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('a model folder predicts from its config.json, with its weights checked and its declared dtype', () => {
  const r = irene('predict', join(ST, 'tiny-llama-sharded'), '-s', '16', '-b', '1', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { dtype: string; warnings: string[]; model: string };
  assert.equal(report.model, 'tiny-llama-sharded');
  assert.equal(report.dtype, 'bf16'); // no dtype in the config: the shards' bf16
  assert.ok(!report.warnings.some((w) => /safetensors weights hold/.test(w)));
  const fp16 = JSON.parse(irene('predict', join(ST, 'gptq'), '-s', '16', '-b', '1', '--format', 'json').stdout) as { dtype: string; warnings: string[] };
  assert.equal(fp16.dtype, 'fp16'); // the config's torch_dtype
  assert.ok(fp16.warnings.some((w) => /measured in bf16/.test(w))); // and the profile mismatch is said
  assert.equal((JSON.parse(irene('predict', join(ST, 'gptq'), '-s', '16', '--dtype', 'bf16', '--format', 'json').stdout) as { dtype: string }).dtype, 'bf16');
  // the mismatch warning reaches the user, on stderr in table format
  const mis = irene('predict', join(ST, 'mismatch', 'config.json'), '-s', '16');
  assert.equal(mis.code, 0, mis.stderr);
  assert.match(mis.stderr, /warning: .*does not account for: model\.layers\.2\.\*/);
});

test('--target-len sizes the decoder of an encoder-decoder and is shown', () => {
  const t5 = join(ROOT, 'test', 'fixtures', 'configs', 't5.json');
  const short = irene('predict', t5, '-s', '64', '--target-len', '4');
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stdout, /64 tokens → 4 target tokens/);
  const flops = (args: string[]) => (JSON.parse(irene('predict', t5, '--format', 'json', ...args).stdout) as { tree: { flops: number } }).tree.flops;
  assert.ok(flops(['-s', '64', '--target-len', '64']) > flops(['-s', '64', '--target-len', '4']));
  assert.equal(flops(['-s', '64']), flops(['-s', '64', '--target-len', '64'])); // default: the source length
  const bad = irene('predict', t5, '--target-len', '0');
  assert.equal(bad.code, 1);
});

test('a folder without config.json, and weights whose header lies, are one-line user errors', () => {
  const empty = mkdtempSync(join(tmpdir(), 'irene-empty-'));
  const broken = mkdtempSync(join(tmpdir(), 'irene-broken-'));
  try {
    const r = irene('predict', empty);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is a folder without a config\.json/);
    copyFileSync(join(ST, 'tiny-qwen3', 'config.json'), join(broken, 'config.json'));
    copyFileSync(join(ST, 'broken', 'header-past-end.safetensors'), join(broken, 'model.safetensors'));
    const b = irene('predict', broken);
    assert.equal(b.code, 1, b.stderr);
    assert.equal(b.stderr.trim().split('\n').length, 1);
    assert.match(b.stderr, /model\.safetensors: safetensors header says it is \d+ bytes long/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(broken, { recursive: true, force: true });
  }
});
