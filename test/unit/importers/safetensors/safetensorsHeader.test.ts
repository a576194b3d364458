/**
 * safetensors headers from the generated fixtures (scripts/makeSafetensorsFixtures.ts):
 * the header is read from the first 8 + N bytes only, tensors are listed with
 * their dtype and shape, and a header that lies gives a one-line error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensorsHeader, parseSafetensorsIndex, safetensorsHeaderLength } from '../../../../src/engine/importers/safetensors/safetensorsHeader.js';
import { MalformedFileError } from '../../../../src/engine/errors.js';

const DIR = join(__dirname, '../../../fixtures/safetensors');

test('a single-file header: its length is the first u64, tensors with dtype, shape and element counts', () => {
  const file = join(DIR, 'tiny-qwen3', 'model.safetensors');
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, file), n);
  assert.equal(n % 8, 0); // the writer pads the JSON to 8 bytes
  // only the header is given: the parser needs nothing past 8 + N
  const h = parseSafetensorsHeader(bytes.subarray(0, 8 + n), file, bytes.length);
  assert.equal(h.headerBytes, n);
  assert.equal(h.tensors.length, 1 + 2 * 11 + 1);
  assert.deepEqual(h.metadata, { format: 'pt' });
  const embed = h.tensors.find((t) => t.name === 'model.embed_tokens.weight')!;
  assert.deepEqual([embed.dtype, embed.shape, embed.elements, embed.dataBytes], ['BF16', [128, 32], 4096, 8192]);
  assert.equal(h.dataBytes, bytes.length - 8 - n); // the data region is exactly what the header describes
  assert.equal(h.tensors.every((t) => t.dtype === 'BF16'), true);
});

test('a sharded index lists each shard once, in order', () => {
  const text = readFileSync(join(DIR, 'tiny-llama-sharded', 'model.safetensors.index.json'), 'utf8');
  const index = parseSafetensorsIndex(text, 'model.safetensors.index.json');
  assert.deepEqual(index.files, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.equal(index.weightMap['lm_head.weight'], 'model-00002-of-00002.safetensors');
  assert.throws(() => parseSafetensorsIndex('{"metadata": {}}', 'x.index.json'), /weight_map/);
  assert.throws(() => parseSafetensorsIndex('{', 'x.index.json'), (e: unknown) => e instanceof MalformedFileError && /x\.index\.json: not valid JSON/.test(e.message));
});

test('headers that lie give a one-line MalformedFileError naming the file', () => {
  const broken = join(DIR, 'broken');
  const expected = JSON.parse(readFileSync(join(broken, 'expected-errors.json'), 'utf8')) as Record<string, string>;
  const files = readdirSync(broken).filter((f) => f.endsWith('.safetensors'));
  assert.deepEqual(files.sort(), Object.keys(expected).sort());
  for (const f of files) {
    const path = join(broken, f);
    const bytes = readFileSync(path);
    assert.throws(
      () => parseSafetensorsHeader(bytes, path, statSync(path).size),
      (e: unknown) => e instanceof MalformedFileError && e.message.includes(expected[f]!) && e.message.startsWith(path) && !e.message.includes('\n'),
      f,
    );
  }
});

test('the parser refuses headers given short, oversized lengths, and tensors whose bytes do not fit their shape', () => {
  const good = readFileSync(join(DIR, 'tiny-qwen3', 'model.safetensors'));
  const n = Number(good.readBigUInt64LE(0));
  assert.throws(() => parseSafetensorsHeader(good.subarray(0, 8 + n - 1), 'x', good.length), /only \d+ were given/);
  const huge = Buffer.alloc(8);
  huge.writeBigUInt64LE(200_000_000n);
  assert.throws(() => safetensorsHeaderLength(huge, 300_000_000, 'big.safetensors'), /100000000-byte limit/);
  const json = '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}';
  const bad = Buffer.concat([Buffer.alloc(8), Buffer.from(json), Buffer.alloc(12)]);
  bad.writeBigUInt64LE(BigInt(json.length));
  assert.throws(() => parseSafetensorsHeader(bad, 'bad.safetensors', bad.length), /holds 12 bytes, but F32 x \[2,2\] needs 16/);
});
