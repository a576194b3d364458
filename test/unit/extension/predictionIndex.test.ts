import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PredictionIndex, orderedChildren, relativeName } from '../../../src/extension/predictionIndex.js';
import { BERTISH, predictedTree } from './predictedTreeBuilder.js';

test('finds nodes by scope, their parents and ancestors', () => {
  const root = predictedTree(BERTISH);
  const index = new PredictionIndex(root);
  assert.equal(index.size, 10);
  const dense = index.byScope('root.encoder.layer.1.dense')!;
  assert.equal(dense.node.scope, 'root.encoder.layer.1.dense');
  assert.equal(index.parentOf(dense)?.node.scope, 'root.encoder.layer.1');
  assert.deepEqual(
    index.selfAndAncestors(dense).map((p) => p.node.scope),
    ['root.encoder.layer.1.dense', 'root.encoder.layer.1', 'root.encoder', 'root'],
  );
  assert.equal(index.parentOf(root), undefined);
});

test('closest falls back to the nearest existing ancestor scope', () => {
  const index = new PredictionIndex(predictedTree(BERTISH));
  assert.equal(index.closest('root.encoder.layer.1.attention.self')?.node.scope, 'root.encoder.layer.1');
  assert.equal(index.closest('elsewhere'), undefined);
});

test('energy order is descending and keeps model order for ties; model order is untouched', () => {
  const root = predictedTree(BERTISH);
  // embeddings 0.1, encoder 0.8, pooler 0.1 (tie with embeddings, which comes first)
  assert.deepEqual(orderedChildren(root, 'energy').map((p) => p.node.scope), ['root.encoder', 'root.embeddings', 'root.pooler']);
  assert.deepEqual(orderedChildren(root, 'model').map((p) => p.node.scope), ['root.embeddings', 'root.encoder', 'root.pooler']);
});

test('relativeName keeps layer numbers', () => {
  const root = predictedTree(BERTISH);
  const encoder = root.children[1]!;
  assert.equal(relativeName(encoder.children[1]!.node, encoder.node), 'layer.1');
  assert.equal(relativeName(encoder.node, undefined), 'encoder');
});
