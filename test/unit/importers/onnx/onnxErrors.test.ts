/**
 * Bad ONNX files give one clear line (MalformedFileError) and never crash,
 * hang or eat memory: the broken fixtures with their expected messages,
 * truncation at every 1/16 of each fixture, and a seeded fuzz run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AbortedError, IreneError, MalformedFileError } from '../../../../src/engine/errors.js';
import { onnxImporter } from '../../../../src/engine/importers/onnx/onnxImporter.js';
import { renderOnnxText } from '../../../../src/engine/importers/onnx/onnxTextRenderer.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { brokenFixtures, encodeModel, nestedIfGraph, valueInfo } from './onnxTestModels.js';

const dir = join(__dirname, '../../../fixtures/onnx/');
const brokenDir = join(dir, 'broken/');
const opts: ImportOptions = { batchSize: 2, seqLen: 16, dtype: 'fp32' };
const FIXTURES = readdirSync(dir).filter((f) => f.endsWith('.onnx'));

function parse(fileName: string, bytes: Uint8Array): unknown {
  return onnxImporter.parse({ fileName, bytes }, opts);
}

test('every broken fixture gives its expected one-line MalformedFileError', () => {
  const expected = JSON.parse(readFileSync(join(brokenDir, 'expected-errors.json'), 'utf8')) as Record<string, string>;
  const files = readdirSync(brokenDir).filter((f) => f.endsWith('.onnx'));
  assert.deepEqual(files.sort(), Object.keys(expected).filter((k) => k !== '//').sort(), 'fixtures and expected-errors.json list the same files');
  for (const f of files) {
    assert.throws(
      () => parse(f, readFileSync(join(brokenDir, f))),
      (e: unknown) => {
        assert.ok(e instanceof MalformedFileError, `${f}: ${String(e)}`);
        assert.ok(e.message.includes(expected[f]!), `${f}: "${e.message}" lacks "${expected[f]}"`);
        assert.ok(e.message.startsWith(`${f}: `), 'names the file');
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('the broken fixtures on disk are what the generator writes', () => {
  for (const [name, bytes] of Object.entries(brokenFixtures())) {
    assert.deepEqual(Uint8Array.from(readFileSync(join(brokenDir, name))), Uint8Array.from(bytes), `${name} is stale: run writeBrokenFixtures.ts`);
  }
});

test('truncated at every 1/16 of every fixture: a MalformedFileError, never another exception', () => {
  for (const f of FIXTURES) {
    const bytes = readFileSync(join(dir, f));
    for (let k = 0; k < 16; k++) {
      const cut = bytes.subarray(0, Math.floor((bytes.length * k) / 16));
      assert.throws(() => parse(f, cut), MalformedFileError, `${f} cut at ${k}/16`);
    }
  }
});

test('renderOnnxText rejects bad bytes with the same error', () => {
  assert.throws(() => renderOnnxText(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { ...opts, fileName: 'x.png' }), MalformedFileError);
});

test('nesting up to the limit parses; sub-graphs are counted with a warning', () => {
  const tree = onnxImporter.parse({ fileName: 'if.onnx', bytes: encodeModel(nestedIfGraph(3)) }, opts);
  assert.ok(tree.warnings.some((w) => /control-flow nodes \(If\/Loop\/Scan\) hold 6 nodes in sub-graphs/.test(w)), tree.warnings.join('\n'));
});

test('an aborted signal stops the parse with AbortedError', () => {
  const ac = new AbortController();
  ac.abort();
  const bytes = readFileSync(join(dir, 'gpt2.onnx'));
  assert.throws(() => onnxImporter.parse({ fileName: 'gpt2.onnx', bytes }, { ...opts, signal: ac.signal }), AbortedError);
});

test('fuzz: thousands of seeded mutations of the fixtures never crash', () => {
  // Small fixtures keep each parse at a few milliseconds (2500 runs take about 6 s on a busy 2-core
  // machine); the 30 s cap only bounds the run where a machine is much slower.
  const bases = ['bert-base-uncased-tiny.onnx', 'gpt2-tiny.onnx'].map((f) => new Uint8Array(readFileSync(join(dir, f))));
  let seed = 20240611;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const started = Date.now();
  let runs = 0;
  let parsed = 0;
  while (runs < 2500 && Date.now() - started < 30_000) {
    const base = bases[runs % bases.length]!;
    let b: Uint8Array;
    switch (rnd(5)) {
      case 0: // a few random bytes
        b = Uint8Array.from(base);
        for (let j = rnd(4); j >= 0; j--) b[rnd(b.length)] = rnd(256);
        break;
      case 1: // huge varint (a length or a dim) written somewhere
        b = Uint8Array.from(base);
        b.set([0xff, 0xff, 0xff, 0xff, 0x0f], rnd(b.length - 5));
        break;
      case 2: // cut anywhere
        b = base.subarray(0, rnd(base.length));
        break;
      case 3: { // a slice repeated (duplicated fields, shifted lengths)
        const at = rnd(base.length);
        const len = rnd(256);
        b = new Uint8Array([...base.subarray(0, at), ...base.subarray(at, at + len), ...base.subarray(at)]);
        break;
      }
      default: // bit flips
        b = Uint8Array.from(base);
        for (let j = rnd(8); j >= 0; j--) b[rnd(b.length)]! ^= 1 << rnd(8);
    }
    try {
      const tree = onnxImporter.parse({ fileName: 'fuzz.onnx', bytes: b }, opts);
      assert.ok(!Number.isNaN(tree.root.flops) && tree.root.flops >= 0, `mutation ${runs}: ${tree.root.flops} FLOPs`);
      // The text view walks the same graph differently (attributes, dtypes): it must hold up too.
      if (runs % 8 === 0) assert.ok(renderOnnxText(b, { ...opts, fileName: 'fuzz.onnx' }).text.length > 0);
      parsed++;
    } catch (e) {
      if (!(e instanceof IreneError)) assert.fail(`mutation ${runs} threw ${String(e)}`);
    }
    runs++;
  }
  assert.ok(runs >= 1000, `only ${runs} mutations in the budget`);
  assert.ok(parsed > 0 && parsed < runs, `${parsed}/${runs} parsed: both outcomes are exercised`);
});

test('hostile sizes: huge dims, Range and ConstantOfShape stay symbolic, never allocated', () => {
  const big = 1e12;
  const bytes = encodeModel({
    name: 'huge',
    input: [valueInfo('x', ['batch', 'sequence', 8])],
    output: [valueInfo('y', [])],
    initializer: [
      { name: 'shape', dims: [2], dataType: 7, int64Data: [big, big] },
      { name: 'zero', dims: [], dataType: 7, int64Data: [0] },
      { name: 'limit', dims: [], dataType: 7, int64Data: [big] },
      { name: 'one', dims: [], dataType: 7, int64Data: [1] },
      { name: 'table.weight', dims: [big, 8], dataType: 1 },
    ],
    node: [
      { opType: 'ConstantOfShape', input: ['shape'], output: ['c'] },
      { opType: 'Range', input: ['zero', 'limit', 'one'], output: ['r'] },
      { opType: 'Add', input: ['c', 'r'], output: ['y0'] },
      { opType: 'MatMul', input: ['x', 'table.weight'], output: ['y'] },
    ],
  });
  const before = process.memoryUsage().heapUsed;
  const tree = onnxImporter.parse({ fileName: 'huge.onnx', bytes }, opts);
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 2 ** 20, 'no giant allocation');
  assert.ok(Number.isFinite(tree.root.flops));
});

test('a Slice with step 0 (invalid ONNX) leaves its shape unknown instead of folding an endless slice', () => {
  // Before, the step-0 branch divided by zero: an infinite dim whose folded values filled the heap (V8 aborted).
  for (const [start, end] of [[0, 3], [3, 0]]) {
    const bytes = encodeModel({
      name: 'slice0',
      input: [valueInfo('x', ['batch', 'sequence', 8])],
      output: [valueInfo('z', [])],
      initializer: [
        { name: 'v', dims: [3], dataType: 7, int64Data: [1, 2, 3] },
        { name: 'st', dims: [1], dataType: 7, int64Data: [start!] },
        { name: 'en', dims: [1], dataType: 7, int64Data: [end!] },
        { name: 'ax', dims: [1], dataType: 7, int64Data: [0] },
        { name: 'sp', dims: [1], dataType: 7, int64Data: [0] },
      ],
      node: [
        { opType: 'Slice', input: ['v', 'st', 'en', 'ax', 'sp'], output: ['y'] },
        { opType: 'Slice', input: ['x', 'st', 'en', 'ax', 'sp'], output: ['y2'] },
        { opType: 'Relu', input: ['y2'], output: ['z'] },
      ],
    });
    const tree = onnxImporter.parse({ fileName: 'slice0.onnx', bytes }, opts);
    assert.ok(Number.isFinite(tree.root.flops) && Number.isFinite(tree.root.memBytes));
  }
});

test('embedded weights are skipped, not copied: parsing a file with 64 MB of raw_data allocates far less', () => {
  const raw = 64 * 2 ** 20;
  const graph = {
    name: 'w',
    input: [valueInfo('x', ['batch', 'sequence', 4096])],
    output: [valueInfo('y', ['batch', 'sequence', 4096])],
    initializer: [{ name: 'proj.weight', dims: [4096, 4096], dataType: 1, rawData: new Uint8Array(raw) }],
    node: [{ opType: 'MatMul', input: ['x', 'proj.weight'], output: ['y'] }],
  };
  const bytes = encodeModel(graph);
  assert.ok(bytes.length > raw);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const tree = onnxImporter.parse({ fileName: 'w.onnx', bytes }, opts);
  const after = process.memoryUsage();
  assert.ok(after.arrayBuffers - before.arrayBuffers < 8 * 2 ** 20, `array buffers grew ${(after.arrayBuffers - before.arrayBuffers) / 2 ** 20} MB`);
  assert.ok(after.heapUsed - before.heapUsed < 32 * 2 ** 20, `heap grew ${(after.heapUsed - before.heapUsed) / 2 ** 20} MB`);
  assert.equal(tree.root.parameters, 4096 * 4096);
});
