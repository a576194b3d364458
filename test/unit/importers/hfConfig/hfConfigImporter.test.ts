/** The importer's detection, parsing from bytes, naming, and the bundled examples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hfConfigImporter } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { countNodes, totalFlops } from '../../../../src/engine/tree/treeWalk.js';

const enc = new TextEncoder();
const examplesDir = join(__dirname, '../../../../examples/');
const opts = { batchSize: 2, seqLen: 32, dtype: 'bf16' as const };

test('match: .json files whose head names a model_type', () => {
  assert.equal(hfConfigImporter.id, 'hf-config');
  assert.equal(hfConfigImporter.match('x/model.json', enc.encode('{"model_type": "bert"}')), true);
  assert.equal(hfConfigImporter.match('x/model.json', enc.encode('{"nodes": []}')), false);
  assert.equal(hfConfigImporter.match('x/model.onnx', enc.encode('{"model_type": "bert"}')), false);
  assert.equal(hfConfigImporter.match('data.jsonl', enc.encode('{"model_type": "bert"}')), false);
  // transformers sorts keys, so a long id2label can push model_type past the 4 KiB head
  assert.equal(hfConfigImporter.match('models/x/config.json', enc.encode('{"architectures": ["BertModel"], "id2label": {')), true);
  assert.equal(hfConfigImporter.match('models/x/config.json', enc.encode('{"eslint": true}')), false);
  assert.equal(hfConfigImporter.match('x.json', new Uint8Array([0xff, 0xfe, 0x00])), false);
});

test('parse: bytes in, tree out; name from _name_or_path, else the folder', () => {
  const text = '\ufeff{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100}';
  const tree = hfConfigImporter.parse({ fileName: '/home/u/models/tiny-gpt/config.json', bytes: enc.encode(text) }, opts);
  assert.equal(tree.modelName, 'tiny-gpt');
  assert.equal(tree.format, 'hf-config');
  assert.equal(tree.batchSize, 2);
  assert.equal(tree.seqLen, 32);
  assert.equal(tree.dtype, 'bf16');
  assert.equal(tree.root.dtype, 'bf16');
  // defaults assumed for absent fields are reported
  assert.ok(tree.warnings.some((w) => w.includes('activation_function')), tree.warnings.join('\n'));
  assert.ok(tree.warnings.some((w) => w.includes('n_positions')));
  const named = hfConfigImporter.parse(
    { fileName: 'config.json', bytes: enc.encode('{"_name_or_path": "org/m", "model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100}') },
    opts,
  );
  assert.equal(named.modelName, 'org/m');
  const bare = '{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100}';
  assert.equal(hfConfigImporter.parse({ fileName: 'fixtures/gpt2-tiny.config.json', bytes: enc.encode(bare) }, opts).modelName, 'gpt2-tiny');
  assert.equal(hfConfigImporter.parse({ fileName: 'C:\\m\\my-model.json', bytes: enc.encode(bare) }, opts).modelName, 'my-model');
});

test('bundled examples all build, and bert-base-uncased has the measured values', () => {
  const names = readdirSync(examplesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const n of ['albert-base-v2', 'bert-base-uncased', 'gpt2', 'qwen2-0.5b', 'tinyllama-1.1b']) assert.ok(names.includes(n), n);
  for (const name of names) {
    const bytes = readFileSync(`${examplesDir}${name}/config.json`);
    const fileName = `examples/${name}/config.json`;
    assert.ok(hfConfigImporter.match(fileName, bytes.subarray(0, 4096)), name);
    const tree = hfConfigImporter.parse({ fileName, bytes }, opts);
    assert.equal(tree.modelName, name);
    assert.ok(totalFlops(tree.root) > 0 && countNodes(tree.root) > 10, name);
  }
  const bert = hfConfigImporter.parse({ fileName: 'examples/bert-base-uncased/config.json', bytes: readFileSync(`${examplesDir}bert-base-uncased/config.json`) }, { batchSize: 8, seqLen: 256, dtype: 'bf16' });
  // the measured H100 BertModel at 8 x 256: 368,641,597,440 FLOPs, 109,482,240 parameters
  assert.equal(totalFlops(bert.root), 368_641_597_440);
  assert.equal(bert.root.parameters, 109_482_240);
});

test('dtype changes bytes, not FLOPs', () => {
  const bytes = readFileSync(`${examplesDir}bert-base-uncased/config.json`);
  const a = hfConfigImporter.parse({ fileName: 'config.json', bytes }, { batchSize: 1, seqLen: 64, dtype: 'fp32' });
  const b = hfConfigImporter.parse({ fileName: 'config.json', bytes }, { batchSize: 1, seqLen: 64, dtype: 'fp16' });
  assert.equal(totalFlops(a.root), totalFlops(b.root));
  assert.equal(a.root.memBytes, 2 * b.root.memBytes - embeddingIdBytes(64));
});

/** int64 ids are 8 bytes whatever the dtype: word, position and token-type lookups of bert (bytes). */
function embeddingIdBytes(T: number): number {
  return 3 * T * 8;
}
