import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../../../src/engine/errors.js';
import { loadIreneCsv, type IreneCsvFiles } from '../../../../src/engine/importers/ireneData/index.js';
import { findByScope } from '../../../../src/engine/tree/treeWalk.js';

const DIR = join(__dirname, '../../../fixtures/ireneData');
const read = (level: string): string => readFileSync(join(DIR, `${level}_level_features.csv`), 'utf8');
const files = (): IreneCsvFiles => ({ model: read('model'), module: read('module'), ml1: read('ml1'), ml2: read('ml2') });

test('rebuilds the tree with the parent rules of the data description', () => {
  const warnings: string[] = [];
  const trees = loadIreneCsv(files(), { onWarning: (m) => warnings.push(m) });
  assert.equal(trees.length, 1);
  const t = trees[0]!;
  assert.equal(t.modelName, 'tiny-bert');
  assert.equal(t.batchSize, 8);
  assert.equal(t.seqLen, 32); // written as 32.0
  assert.equal(t.dtype, 'fp32');
  assert.equal(t.format, 'irene-csv');
  assert.equal(t.measuredModelEnergyJ, 4.0);
  // Root children: embeddings module, the attention module (no encoder/layer rows exist), and the
  // LayerNorm whose prefixes (encoder.layer.0.output, ...) are not modules: it hangs off the root.
  const rootKids = t.root.children.map((c) => c.scope).sort();
  assert.deepEqual(rootKids, [
    'root.embeddings',
    'root.encoder.layer.0.attention.self',
    'root.encoder.layer.0.output.LayerNorm',
  ]);
  const emb = findByScope(t.root, 'root.embeddings')!;
  assert.deepEqual(emb.children.map((c) => c.scope), ['root.embeddings.word_embeddings']);
  const attn = findByScope(t.root, 'root.encoder.layer.0.attention.self')!;
  // ml1 query Linear by prefix; ml2 rows (identical scope) keep both MatMul rows, named like the H100 trees.
  assert.deepEqual(
    attn.children.map((c) => c.scope),
    [
      'root.encoder.layer.0.attention.self.query',
      'root.encoder.layer.0.attention.self.matmul.0',
      'root.encoder.layer.0.attention.self.matmul.1',
      'root.encoder.layer.0.attention.self.softmax.0',
    ],
  );
  const q = attn.children[0]!;
  assert.equal(q.type, 'ml');
  assert.equal(q.kind, 'linear');
  assert.equal(q.calls, 1);
  assert.equal(q.flops, 800e6); // 800 MFLOPs
  assert.equal(q.memBytes, 40 * 1048576); // 40 MiB
  assert.equal(q.measured?.energyJ, 2.0);
  assert.equal(q.measured?.runtime?.timesMean, 0.00003);
  assert.equal(attn.children[1]!.kind, 'matmul');
  assert.equal(attn.children[3]!.kind, 'softmax');
  assert.equal(attn.type, 'module');
  assert.equal(attn.instanceType, 'BertSelfAttention');
  // tiny-ctrl skipped and the orphan batch-16 row reported.
  assert.ok(warnings.some((w) => w.includes('sshleifer/tiny-ctrl')));
  assert.ok(warnings.some((w) => w.includes('batch 16') && w.includes('no model row')));
});

test('tiny-ctrl is kept when the caller asks for every model', () => {
  const trees = loadIreneCsv(files(), { skipModels: [] });
  assert.deepEqual(trees.map((t) => t.modelName).sort(), ['sshleifer/tiny-ctrl', 'tiny-bert']);
});

test('a malformed cell names the file, line and column', () => {
  const f = files();
  const lines = f.ml1.split('\n');
  lines[2] = lines[2]!.replace('800.0', 'abc');
  f.ml1 = lines.join('\n');
  assert.throws(
    () => loadIreneCsv(f),
    (e: unknown) =>
      e instanceof DataError &&
      e.message.includes('ml1_level_features.csv') &&
      e.message.includes('line 3') &&
      e.message.includes('"flops"') &&
      e.message.includes('abc'),
  );
});

test('a row with too few cells and a missing column are reported', () => {
  const f = files();
  f.module = f.module.replace('embeddings:BertEmbeddings,tiny-bert', 'embeddings:BertEmbeddings');
  assert.throws(() => loadIreneCsv(f), /module_level_features\.csv: line 2 has 14 cells, the header has 15/);
  const g = files();
  g.model = g.model.replace(',energy_mean,', ',energy,');
  assert.throws(() => loadIreneCsv(g), /model_level_features\.csv: missing column "energy_mean"/);
});

test('a level_name without a class is rejected', () => {
  const f = files();
  f.ml1 = f.ml1.replace('embeddings.word_embeddings:Embedding', 'embeddings.word_embeddings');
  assert.throws(() => loadIreneCsv(f), /ml1_level_features\.csv: line 2, column "level_name"/);
});
