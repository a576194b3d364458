/**
 * Hostile and absurd input through the built `irene` binary: each case must
 * end, quickly and in bounded memory, in exit 1 with one line (or exit 0 with
 * finite joules), never a hang, a crash or a stack trace. One test per class
 * of finding of issue 15. The child is killed past its time budget, so a
 * regression fails instead of hanging the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const BERT = join(ROOT, 'examples', 'bert-base-uncased', 'config.json');

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a time budget and a heap cap, so a blow-up shows as a failure, not a stuck suite. */
export function irene(args: string[], timeoutMs = 15_000): Run {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, ['--max-old-space-size=1024', CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1, one line on stderr matching `pattern`, no stack trace. */
export function assertOneLine(r: Run, pattern: RegExp): void {
  assert.equal(r.signal, null, `killed by ${r.signal} (hang or blow-up); stderr: ${r.stderr.slice(0, 500)}`);
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}; stderr: ${r.stderr.slice(0, 500)}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a user error must not print a stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, `expected one line, got:\n${r.stderr.slice(0, 500)}`);
  assert.match(r.stderr, pattern);
}

function withTmp(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'irene-hostile-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('unbounded reads: FIFOs, devices, symlinks to /dev/zero and link loops are refused with one line', () => {
  withTmp((dir) => {
    spawnSync('mkfifo', [join(dir, 'fifo.json')]);
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    symlinkSync(join(dir, 'loop.json'), join(dir, 'loop.json'));
    if (existsSync(join(dir, 'fifo.json'))) assertOneLine(irene(['predict', join(dir, 'fifo.json')]), /fifo\.json: not a regular file/);
    assertOneLine(irene(['predict', '/dev/zero']), /\/dev\/zero: not a regular file/);
    assertOneLine(irene(['predict', join(dir, 'zero.json')]), /zero\.json: not a regular file/);
    assertOneLine(irene(['predict', BERT, '--profile', join(dir, 'zero.json')]), /zero\.json: not a regular file/);
    assertOneLine(irene(['train', join(dir, 'zero.json'), '-o', join(dir, 'out.json')]), /zero\.json: not a regular file/);
    assertOneLine(irene(['predict', join(dir, 'loop.json')]), /loop\.json: too many symbolic links/);
  });
});

test('size caps: a file over its kind\'s limit is refused before it is read, naming the limit', () => {
  withTmp((dir) => {
    const big = join(dir, 'config.json');
    closeSync(openSync(big, 'w'));
    truncateSync(big, 20 * 1024 * 1024); // sparse: costs no disk
    assertOneLine(irene(['predict', big]), /too large \(20 MB, over the 16 MB limit for JSON and YAML configs\)/);
    assertOneLine(irene(['predict', BERT, '--profile', big]), /too large \(20 MB, over the 16 MB limit for profiles\)/);
  });
});

test('decompression bomb: a small .jsonl.gz that inflates past the limit is "too large", not "damaged"', () => {
  withTmp((dir) => {
    // Concatenated gzip members inflate to one stream: 20 x 16 MiB of newlines in about 300 KB.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x0a), { level: 9 });
    const bomb = join(dir, 'trees.jsonl.gz');
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 20 }, () => member)));
    const r = irene(['train', bomb, '-o', join(dir, 'out.json')]);
    assertOneLine(r, /too large when decompressed \(over the 64 MB limit/);
    assert.doesNotMatch(r.stderr, /damaged/);
    // A truly damaged stream still says so.
    writeFileSync(join(dir, 'bad.jsonl.gz'), member.subarray(0, 200));
    assertOneLine(irene(['train', join(dir, 'bad.jsonl.gz'), '-o', join(dir, 'out.json')]), /gzip stream is damaged/);
  });
});

test('absurd configs and deep nesting end the whole process in one line (exit 1)', () => {
  withTmp((dir) => {
    const gpt2 = JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    assertOneLine(irene(['predict', write('layers.json', JSON.stringify({ ...gpt2, n_layer: 1e9 }))]), /"n_layer" is 1000000000, above IrEne's limit of 10,000 layers/);
    assertOneLine(irene(['predict', write('wide.json', JSON.stringify({ ...gpt2, n_embd: 1e300 }))]), /"n_embd" is 1e\+300/);
    const deep = `{"model_type": "gpt2", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    assertOneLine(irene(['predict', write('deep.json', deep)]), /deep\.json: nested more than 1000 levels deep/);
    assertOneLine(irene(['predict', BERT, '--profile', write('deep-profile.json', deep)]), /deep-profile\.json: nested more than 1000 levels deep/);
  });
});

test('terminal injection: control sequences in _name_or_path reach the terminal as escapes, never as a fake line', () => {
  withTmp((dir) => {
    const gpt2 = JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...gpt2, _name_or_path: 'gpt2\u001b[2K\r\nwarning: fake line\u001b[0m' }));
    for (const format of ['table', 'markdown', 'json']) {
      const r = irene(['predict', file, '-f', format]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes('\u001b') && !(r.stdout + r.stderr).includes('\r'), format);
      assert.doesNotMatch(r.stdout, /^warning: fake line/m, format);
      if (format === 'json') assert.equal(JSON.parse(r.stdout).model, 'gpt2\u001b[2K\r\nwarning: fake line\u001b[0m');
    }
  });
});

test('output files: a FIFO, a full device or the training data itself as -o is one line, and nothing is lost', () => {
  withTmp((dir) => {
    const data = join(dir, 'trees.jsonl');
    const original = readFileSync(join(ROOT, 'test', 'fixtures', 'ireneData', 'trees.jsonl'));
    writeFileSync(data, original);
    // Before: -o on the input replaced the training data with the profile (exit 0).
    assertOneLine(irene(['train', data, '--dtype', 'bf16', '-o', data]), /trees\.jsonl: that is the input .*; write the profile somewhere else/);
    assert.deepEqual(readFileSync(data), original, 'the data is untouched');
    // Before: a FIFO waited for a reader forever; /dev/full ended in "internal error" and a stack trace.
    const fifo = join(dir, 'out.json');
    spawnSync('mkfifo', [fifo]);
    assertOneLine(irene(['train', data, '--dtype', 'bf16', '-o', fifo]), /out\.json: not a regular file; give the path of a file to write the profile to/);
    if (existsSync('/dev/full')) assertOneLine(irene(['train', data, '--dtype', 'bf16', '-o', '/dev/full']), /\/dev\/full: not a regular file/);
  });
});

test('usage errors: an unknown command or option, or none, is one line on stderr (the usage goes to stdout)', () => {
  assertOneLine(irene(['predcit', BERT]), /^error: unknown command 'predcit' \(Did you mean predict\?\)$/m);
  assertOneLine(irene(['predict', BERT, '--batchsize', '3']), /unknown option '--batchsize' \(Did you mean --batch-size\?\)/);
  const none = irene([]);
  assertOneLine(none, /irene: give a command \(the usage is above\)/);
  assert.match(none.stdout, /^Usage: irene/);
});

test('names in tables: a line break in a model or budget name cannot split a row or start a GitHub workflow command', () => {
  withTmp((dir) => {
    const line = readFileSync(join(ROOT, 'test', 'fixtures', 'ireneData', 'trees.jsonl'), 'utf8').split('\n').find((l) => l.includes('"model_name"'))!;
    const tree = JSON.parse(line) as Record<string, unknown>;
    writeFileSync(join(dir, 'named.jsonl'), `${JSON.stringify({ ...tree, model_name: '::error::x\n::warning::pwned' })}\n`);
    const r = irene(['evaluate', join(dir, 'named.jsonl')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^::/m, 'no line starts a workflow command');
    assert.match(r.stdout, /\\u003a:error::x\\u000a::warning::pwned/);
  });
});

test('trace: the user\'s Python is stopped at --timeout, in one line', () => {
  withTmp((dir) => {
    // A "Python" that never ends, as a `while True:` in a model's __init__ did.
    const python = join(dir, 'python');
    writeFileSync(python, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    const t0 = Date.now();
    const r = irene(['trace', join(ROOT, 'test', 'fixtures', 'python', 'gpt2_like.py'), '--python', python, '--no-cache', '--timeout', '1']);
    assertOneLine(r, /gpt2_like\.py stopped: it took over 1 s \(give --timeout to wait longer\)/);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  });
});

test('generation and decode lengths are held to the sequence limit', () => {
  const tinyllama = join(ROOT, 'examples', 'tinyllama-1.1b', 'config.json');
  assertOneLine(irene(['generate', tinyllama, '--output-len', '9007199254740991']), /output length 9007199254740991 is above IrEne's limit of 134,217,728/);
  assertOneLine(irene(['predict', tinyllama, '--phase', 'decode', '--context', '134217729']), /context 134217729 is above IrEne's limit of 134,217,728/);
});
