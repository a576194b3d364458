import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROFILE_NAME, getBundledProfile, importModel, predictTree, registerBuiltinImporters, type PredictedNode } from '../../../src/engine/index.js';
import { budgetParts, findBudgetDriver } from '../../../src/engine/budget/index.js';
import { diffPredictions } from '../../../src/engine/analysis/treeDiff.js';

registerBuiltinImporters();
const ROOT = join(__dirname, '..', '..', '..');
const profile = getBundledProfile(DEFAULT_PROFILE_NAME);

function predictFile(path: string, text?: string) {
  const bytes = text !== undefined ? new TextEncoder().encode(text) : readFileSync(join(ROOT, path));
  return predictTree(importModel({ fileName: path, bytes }, { batchSize: 2, seqLen: 64, dtype: profile.dtype }), profile);
}

function walk(p: PredictedNode, f: (n: PredictedNode) => void): void {
  f(p);
  p.children.forEach((c) => walk(c, f));
}

test('a Python model is split by source lines, the root class left out', () => {
  const p = predictFile('test/fixtures/python/bert_like.py');
  const parts = budgetParts(p.root);
  assert.ok(parts.length > 0);
  const lines = readFileSync(join(ROOT, 'test/fixtures/python/bert_like.py'), 'utf8').split('\n');
  for (const part of parts) {
    assert.ok(part.line !== undefined && part.line < lines.length, JSON.stringify(part));
    assert.notEqual(part.id, `scope:${p.root.node.scope}`);
  }
  // A line stands for the top-most nodes defined on it (as the hovers group them): each holds part of the model
  // (nothing, for a call that launches no kernel: the `.contiguous()` on a tensor already contiguous).
  for (const x of parts) assert.ok(x.energyJ >= 0 && x.energyJ <= p.energyJ * (1 + 1e-9), JSON.stringify(x));
  assert.ok(parts.some((x) => x.energyJ > 0));
  const top = findBudgetDriver(parts)!;
  assert.equal(top.part.energyJ, Math.max(...parts.map((x) => x.energyJ)));
});

test('an ONNX graph, which has no lines, is split into the root modules', () => {
  const p = predictFile('test/fixtures/onnx/bert-base-uncased.onnx');
  const parts = budgetParts(p.root);
  assert.deepEqual(parts.map((x) => x.id), p.root.children.map((c) => `scope:${c.node.scope}`));
  assert.ok(parts.every((x) => x.line === undefined));
});

test('the tree diff of 12 vs 14 layers: two layers added, every row with a sigma, totals add up', () => {
  const text = readFileSync(join(ROOT, 'examples/bert-base-uncased/config.json'), 'utf8');
  const a = predictFile('config.json', text);
  const b = predictFile('config.json', JSON.stringify({ ...JSON.parse(text), num_hidden_layers: 14 }));
  const d = diffPredictions(a, b);
  let layersB = 0;
  walk(b.root, (n) => (n.node.instanceType === 'BertLayer' ? layersB++ : undefined));
  assert.equal(layersB, 14);
  const added = d.rows.filter((r) => r.status === 'added');
  assert.deepEqual(added.filter((r) => r.instanceType === 'BertLayer').map((r) => r.scope), ['root.encoder.layer.12', 'root.encoder.layer.13']);
  // Every added row carries a sigma (zero only for a node that costs nothing, a no-op `.contiguous()`).
  assert.ok(added.every((r) => (r.energyBJ! > 0 ? r.sigmaJ > 0 : r.sigmaJ >= 0) && Math.abs(r.deltaJ - r.energyBJ!) < 1e-15));
  assert.equal(d.total.deltaJ, b.energyJ - a.energyJ);
  assert.equal(d.rows[0]!.deltaJ, d.total.deltaJ);
  assert.equal(d.summary.added, added.length);
});
