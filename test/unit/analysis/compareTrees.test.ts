import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPredictedTrees, summariseDiff } from '../../../src/engine/analysis/compareTrees.js';
import { bertLike, predicted } from './syntheticTree.js';

test('a deeper model shows its extra layer as added and the shared layers as unchanged', () => {
  const a = predicted(bertLike(2));
  const b = predicted(bertLike(3));
  const rows = diffPredictedTrees(a, b);
  const byScope = new Map(rows.map((r) => [r.scope, r]));
  // every scope of either tree appears once
  assert.equal(rows.length, new Set(rows.map((r) => r.scope)).size);
  assert.equal(rows.length, 4 + 3 * 11);
  const added = rows.filter((r) => r.status === 'added');
  assert.equal(added.length, 11);
  assert.ok(added.every((r) => r.scope.startsWith('root.encoder.layer.2')));
  assert.equal(byScope.get('root.encoder.layer.2')!.energyAJ, undefined);
  assert.equal(byScope.get('root.encoder.layer.0.mlp.dense')!.status, 'same');
  assert.equal(byScope.get('root.encoder.layer.1')!.status, 'same');
  // root, encoder and the layer list grew by one layer
  for (const s of ['root', 'root.encoder', 'root.encoder.layer']) {
    assert.equal(byScope.get(s)!.status, 'changed');
    assert.ok(Math.abs(byScope.get(s)!.deltaJ - 0.163) < 1e-12, s);
  }
  assert.ok(Math.abs(byScope.get('root')!.relativeDelta! - 0.163 / (0.006 + 2 * 0.163)) < 1e-12);
  // added rows come after the matched siblings, inside their parent
  const idx = (s: string) => rows.findIndex((r) => r.scope === s);
  assert.ok(idx('root.encoder.layer.2') > idx('root.encoder.layer.1.mlp.norm'));
  const s = summariseDiff(rows);
  assert.deepEqual([s.added, s.removed, s.changed, s.same], [11, 0, 3, rows.length - 14]);
  assert.ok(Math.abs(s.deltaJ - 0.163) < 1e-12);
});

test('swapping the sides turns added into removed', () => {
  const rows = diffPredictedTrees(predicted(bertLike(3)), predicted(bertLike(1)));
  assert.equal(rows.filter((r) => r.status === 'removed').length, 22);
  assert.equal(rows.filter((r) => r.status === 'added').length, 0);
  const removed = rows.find((r) => r.scope === 'root.encoder.layer.2.attention.query')!;
  assert.equal(removed.energyBJ, undefined);
  assert.ok(Math.abs(removed.deltaJ + 0.02) < 1e-12);
});

test('matching ignores the roots own name and flags every changed energy', () => {
  const a = predicted(bertLike(1));
  const specB = bertLike(1, 2);
  specB.name = 'model';
  const rows = diffPredictedTrees(a, predicted(specB));
  assert.ok(rows.every((r) => r.status === 'changed'));
  assert.equal(rows[0]!.scope, 'root');
  assert.ok(rows.some((r) => r.scope === 'root.encoder.layer.0.mlp.dense' && Math.abs(r.relativeDelta! - 1) < 1e-12));
});
