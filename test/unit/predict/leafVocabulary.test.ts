import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelNode, ModelTree } from '../../../src/engine/tree/modelNode.js';
import { leafVocabulary, projectToVocabulary, vocabularyKey } from '../../../src/engine/predict/leafVocabulary.js';

function leaf(scope: string, instanceType: string, kind: ModelNode['kind']): ModelNode {
  return { scope, type: 'ml', instanceType, kind, inputShapes: [], dtype: 'fp32', calls: 1, parameters: 0, flops: 1, memBytes: 1, children: [] };
}
function tree(children: ModelNode[]): ModelTree {
  const layer: ModelNode = { scope: 'root.layer', type: 'module', instanceType: 'Layer', inputShapes: [], dtype: 'fp32', calls: 1, parameters: 0, flops: 9, memBytes: 9, children };
  const root: ModelNode = { ...layer, scope: 'root', type: 'model', instanceType: 'Model', children: [layer] };
  return { modelName: 'm', format: 'test', batchSize: 1, seqLen: 8, dtype: 'fp32', root, warnings: [] };
}

test('activation spellings share a key; kinds every tree lists are keyed by kind', () => {
  assert.equal(vocabularyKey(leaf('a', 'GELUActivation', 'activation')), 'gelu');
  assert.equal(vocabularyKey(leaf('a', 'NewGELUActivation', 'activation')), 'gelu');
  assert.equal(vocabularyKey(leaf('a', 'gelu', 'activation')), 'gelu');
  assert.equal(vocabularyKey(leaf('a', 'SiLUActivation', 'activation')), 'silu');
  assert.equal(vocabularyKey(leaf('a', 'Tanh', 'activation')), 'tanh');
  assert.equal(vocabularyKey(leaf('a', 'Conv1D', 'linear')), 'kind:linear');
  assert.equal(vocabularyKey(leaf('a', 'add', 'elementwise')), 'add');
});

test('a coarse profile (paper CSV style) drops ops its trees never listed, and leaves the input alone', () => {
  const coarse = leafVocabulary([tree([leaf('root.layer.dense', 'Linear', 'linear'), leaf('root.layer.act', 'Tanh', 'activation')])]);
  assert.deepEqual(coarse, ['kind:linear', 'tanh']);
  const input = tree([
    leaf('root.layer.dense', 'Linear', 'linear'),
    leaf('root.layer.act', 'GELUActivation', 'activation'),
    leaf('root.layer.add.0', 'add', 'elementwise'),
    leaf('root.layer.add.1', 'add', 'elementwise'),
    leaf('root.layer.softmax.2', 'softmax', 'softmax'),
  ]);
  const { tree: projected, dropped } = projectToVocabulary(input, coarse);
  assert.deepEqual(
    projected.root.children[0]!.children.map((c) => c.scope),
    ['root.layer.dense', 'root.layer.softmax.2'],
  );
  assert.deepEqual([...dropped].sort(), [['GELUActivation', 1], ['add', 2]]);
  // The module keeps its own FLOPs and bytes (they include the dropped work), and the input is untouched.
  assert.equal(projected.root.children[0]!.flops, 9);
  assert.equal(input.root.children[0]!.children.length, 5);
});

test('a fine-grained profile (lists element-wise ops) keeps everything, unseen ops included', () => {
  const fine = leafVocabulary([tree([leaf('root.layer.dense', 'Linear', 'linear'), leaf('root.layer.add.0', 'add', 'elementwise')])]);
  const input = tree([leaf('root.layer.dense', 'Linear', 'linear'), leaf('root.layer.erf.0', 'erf', 'activation'), leaf('root.layer.where.1', 'where', 'elementwise')]);
  const { tree: projected, dropped } = projectToVocabulary(input, fine);
  assert.equal(projected, input);
  assert.equal(dropped.size, 0);
});
