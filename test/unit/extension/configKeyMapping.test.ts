import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configKeyOf, isCountKey, nodesByConfigKey, withConfigValueChanged } from '../../../src/extension/configKeyMapping.js';
import { PredictionIndex } from '../../../src/extension/predictionIndex.js';
import { BERTISH, predictedTree } from './predictedTreeBuilder.js';

test('a key stands for its top-most nodes only (a tagged layer and its tagged child count once)', () => {
  const root = predictedTree(BERTISH);
  const byKey = nodesByConfigKey(root);
  assert.deepEqual(byKey.get('num_hidden_layers')?.map((p) => p.node.scope), ['root.encoder.layer.0', 'root.encoder.layer.1']);
  assert.deepEqual(byKey.get('vocab_size')?.map((p) => p.node.scope), ['root.embeddings']);
  assert.equal(byKey.has('hidden_size'), false);
});

test('configKeyOf walks up to the nearest tagged ancestor', () => {
  const root = predictedTree(BERTISH);
  const index = new PredictionIndex(root);
  assert.equal(configKeyOf(index, index.byScope('root.encoder.layer.1.dense')!), 'num_hidden_layers');
  assert.equal(configKeyOf(index, index.byScope('root.pooler.dense')!), undefined);
});

test('isCountKey accepts layer, head and expert counts, not widths', () => {
  for (const k of ['num_hidden_layers', 'n_layer', 'n_head', 'num_attention_heads', 'num_key_value_heads', 'num_local_experts', 'text_config.num_hidden_layers']) {
    assert.equal(isCountKey(k), true, k);
  }
  for (const k of ['hidden_size', 'intermediate_size', 'vocab_size', 'max_position_embeddings']) assert.equal(isCountKey(k), false, k);
});

test('withConfigValueChanged changes one integer, nested or not, and refuses what cannot be changed', () => {
  const text = '{"num_hidden_layers": 12, "text_config": {"n_layer": 2}, "act": "gelu", "ratio": 1.5}';
  const up = withConfigValueChanged(text, 'num_hidden_layers', 1)!;
  assert.equal(up.value, 13);
  assert.equal((JSON.parse(up.text) as { num_hidden_layers: number }).num_hidden_layers, 13);
  assert.equal((JSON.parse(up.text) as { act: string }).act, 'gelu', 'other keys are kept');
  const nested = withConfigValueChanged(text, 'text_config.n_layer', -1)!;
  assert.equal((JSON.parse(nested.text) as { text_config: { n_layer: number } }).text_config.n_layer, 1);
  assert.equal(withConfigValueChanged(text, 'text_config.n_layer', -2), undefined, 'below 1');
  assert.equal(withConfigValueChanged(text, 'act', 1), undefined, 'not a number');
  assert.equal(withConfigValueChanged(text, 'ratio', 1), undefined, 'not an integer');
  assert.equal(withConfigValueChanged(text, 'missing', 1), undefined);
  assert.equal(withConfigValueChanged('{ broken', 'x', 1), undefined);
});
