/**
 * The built `irene` launcher (dist/cli.js, src/cli/launch.ts) and what the
 * build leaves beside it: the code cache is used when it belongs to the
 * bundle, a stale or damaged one is ignored without changing any output, and
 * the libraries in dist/vendor/ load only when a command needs them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');
const BERT = join(ROOT, 'examples', 'bert-base-uncased', 'config.json');
const PYTHON = join(ROOT, 'test', 'fixtures', 'python', 'gpt2_like.py');
const LLAMA_7B = join(ROOT, 'test', 'fixtures', 'configs', 'generation', 'llama-2-7b.json');
const ONNX = join(ROOT, 'test', 'fixtures', 'onnx', 'gpt2-tiny.onnx');

/**
 * Runs the CLI with its stdout on a pipe that is read only after `delayMs` (so the CLI fills it and
 * has output queued when its command is done), or closed after the first chunk when `closeEarly`.
 */
function runPiped(args: string[], opts: { delayMs: number; closeEarly?: boolean }): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'cli.js'), ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.on('data', (d: Buffer) => {
        chunks.push(d);
        if (opts.closeEarly) child.stdout.destroy();
      });
      child.stdout.resume();
    }, opts.delayMs);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

function run(cli: string, args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the built CLI (launcher, bundle, cache, vendor files) that a test may damage. */
function copyOfDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'irene-launcher-'));
  for (const f of ['cli.js', 'cli.bundle.js', 'cli.bundle.cache', 'worker.js']) cpSync(join(DIST, f), join(dir, f), { preserveTimestamps: true });
  cpSync(join(DIST, 'vendor'), join(dir, 'vendor'), { recursive: true, preserveTimestamps: true });
  // The copy's modification time can differ from the original's by a rounding: stamp the cache for the copy.
  restamp(dir);
  return dir;
}

/** Rewrites the cache's first line for the bundle as it is now in `dir`, leaving the bytecode as it is. */
function restamp(dir: string, bytecode?: Buffer): void {
  const cache = readFileSync(join(dir, 'cli.bundle.cache'));
  const body = bytecode ?? cache.subarray(cache.indexOf(10) + 1);
  const s = statSync(join(dir, 'cli.bundle.js'));
  writeFileSync(join(dir, 'cli.bundle.cache'), Buffer.concat([Buffer.from(`irene-code-cache ${s.size} ${Math.floor(s.mtimeMs)}\n`, 'latin1'), body]));
}

test('the build writes a code cache that V8 accepts for this bundle', () => {
  const r = run(join(DIST, 'cli.js'), ['predict', BERT, '--format', 'json'], { IRENE_CODE_CACHE_REPORT: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^code cache: used$/m);
});

test('a stale or damaged cache is ignored and the output does not change', () => {
  const reference = run(join(DIST, 'cli.js'), ['predict', BERT, '--format', 'json']);
  assert.equal(reference.code, 0, reference.stderr);
  const dir = copyOfDist();
  try {
    const cli = join(dir, 'cli.js');
    assert.match(run(cli, ['predict', BERT, '--format', 'json'], { IRENE_CODE_CACHE_REPORT: '1' }).stderr, /code cache: used/);

    // A rebuilt bundle (here: the same bytes with a new modification time) must not meet the old cache.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'cli.bundle.js'), later, later);
    const stale = run(cli, ['predict', BERT, '--format', 'json'], { IRENE_CODE_CACHE_REPORT: '1' });
    assert.match(stale.stderr, /code cache: absent or stale/);
    assert.equal(stale.stdout, reference.stdout);

    // The right stamp over garbage bytecode: V8 refuses it and the bundle compiles as usual.
    restamp(dir, Buffer.alloc(readFileSync(join(dir, 'cli.bundle.cache')).length, 0x5a));
    const damaged = run(cli, ['predict', BERT, '--format', 'json'], { IRENE_CODE_CACHE_REPORT: '1' });
    assert.match(damaged.stderr, /code cache: rejected by V8/);
    assert.equal(damaged.stdout, reference.stdout);

    // No cache at all.
    rmSync(join(dir, 'cli.bundle.cache'));
    const none = run(cli, ['predict', BERT, '--format', 'json'], { IRENE_CODE_CACHE_REPORT: '1' });
    assert.match(none.stderr, /code cache: absent or stale/);
    assert.equal(none.stdout, reference.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dist/vendor libraries load only for the commands that use them', () => {
  const dir = copyOfDist();
  try {
    const cli = join(dir, 'cli.js');
    // A config prediction needs none of them: without the vendor folder it still works.
    rmSync(join(dir, 'vendor', 'lezer.js'));
    rmSync(join(dir, 'vendor', 'yaml.js'));
    const config = run(cli, ['predict', BERT]);
    assert.equal(config.code, 0, config.stderr);
    // Nor does an ONNX file: the importer reads protobuf's wire format itself.
    const onnx = run(cli, ['predict', ONNX]);
    assert.equal(onnx.code, 0, onnx.stderr);
    // The Python importer needs its parser, and says so when it is missing.
    const python = run(cli, ['predict', PYTHON]);
    assert.notEqual(python.code, 0);
    assert.match(python.stderr, /vendor[\\/]lezer\.js/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI exits only after a slow reader has all of its output, and quietly when the reader stops early', async () => {
  // 1.5 MB of JSON: far more than a pipe holds, so most of it is still queued when the command is done.
  const reference = spawnSync(process.execPath, [join(DIST, 'cli.js'), 'generate', LLAMA_7B, '--format', 'json'], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 << 20 });
  assert.equal(reference.status, 0, String(reference.stderr));
  assert.ok(reference.stdout.length > 1 << 20);
  const slow = await runPiped(['generate', LLAMA_7B, '--format', 'json'], { delayMs: 400 });
  assert.equal(slow.code, 0, slow.stderr);
  assert.equal(slow.stdout.length, reference.stdout.length);
  assert.ok(slow.stdout.equals(reference.stdout));
  // `irene generate ... | head`: the pipe closes after the first chunk; no EPIPE stack trace.
  const early = await runPiped(['generate', LLAMA_7B, '--format', 'json'], { delayMs: 200, closeEarly: true });
  assert.equal(early.stderr, '');
  assert.equal(early.code, 0);
});
