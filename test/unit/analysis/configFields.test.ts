import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfigOverrides, readConfigFields, readMaxPositions, validateConfigOverrides } from '../../../src/engine/analysis/configFields.js';

test('fields are found under each family spelling', () => {
  const bert = readConfigFields(JSON.stringify({ model_type: 'bert', num_hidden_layers: 12, hidden_size: 768, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 }));
  assert.deepEqual(bert.map((f) => [f.id, f.key, f.value]), [['layers', 'num_hidden_layers', 12], ['hidden', 'hidden_size', 768], ['heads', 'num_attention_heads', 12], ['intermediate', 'intermediate_size', 3072]]);
  const gpt2 = readConfigFields('{ "model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "n_inner": null, "n_positions": 1024, }');
  assert.deepEqual(gpt2.map((f) => f.key), ['n_layer', 'n_embd', 'n_head']);
  assert.equal(readMaxPositions('{"n_positions": 1024}'), 1024);
  assert.equal(readMaxPositions('{}'), undefined);
  assert.deepEqual(readConfigFields('not json'), []);
  assert.deepEqual(readConfigFields('[1, 2]'), []);
});

test('overrides are checked for whole numbers and head divisibility', () => {
  const fields = readConfigFields(JSON.stringify({ num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8 }));
  assert.deepEqual(validateConfigOverrides(fields, { num_hidden_layers: 16 }), []);
  assert.match(validateConfigOverrides(fields, { num_key_value_heads: 5 }).join('\n'), /divisible by the KV heads/);
  assert.match(validateConfigOverrides(fields, { hidden_size: 1000 }).join('\n'), /divisible by the attention heads/);
  assert.match(validateConfigOverrides(fields, { num_hidden_layers: 0 }).join('\n'), /Layers must be a whole number/);
  assert.match(validateConfigOverrides(fields, { vocab_size: 3 }).join('\n'), /not an editable field/);
});

test('overrides replace the config values and keep the rest', () => {
  const text = '{ "model_type": "gpt2", "n_layer": 12, "n_embd": 768, // comment\n "n_head": 12 }';
  const edited = JSON.parse(applyConfigOverrides(text, { n_layer: 6 })) as Record<string, unknown>;
  assert.deepEqual(edited, { model_type: 'gpt2', n_layer: 6, n_embd: 768, n_head: 12 });
  assert.throws(() => applyConfigOverrides('[]', { n_layer: 6 }), /not a JSON object/);
});
