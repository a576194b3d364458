import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { predictTree } from '../../../src/engine/predict/predictor.js';
import { getBundledProfile } from '../../../src/engine/profiles/profileStore.js';
import { estimateForwardMemory } from '../../../src/engine/hardware/deviceMemory.js';

const h100 = getBundledProfile('h100-bf16');

/** Llama-2-70B (meta-llama/Llama-2-70b-hf config.json). */
const LLAMA2_70B = {
  model_type: 'llama',
  hidden_size: 8192,
  intermediate_size: 28672,
  num_hidden_layers: 80,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  vocab_size: 32000,
  max_position_embeddings: 4096,
};

/** TinyLlama-1.1B (TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json). */
const TINYLLAMA = {
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 5632,
  num_hidden_layers: 22,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  vocab_size: 32000,
  max_position_embeddings: 2048,
};

const BERT_BASE = { model_type: 'bert', hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, vocab_size: 30522, max_position_embeddings: 512, type_vocab_size: 2 };

test('Llama-2-70B on one 80 GB H100: the weights alone do not fit; the warning names the shortfall and the GPUs the weights need', () => {
  const tree = buildTreeFromConfig(LLAMA2_70B, { batchSize: 1, seqLen: 128, dtype: 'bf16' });
  const p = predictTree(tree, h100);
  // 68.98 B parameters (embeddings untied, no head) x 2 bytes: about 138 GB, more than one 80 GB card.
  assert.ok(Math.abs(p.memory.estimate.weightBytes - tree.root.parameters * 2) < 1);
  assert.ok(tree.root.parameters > 68e9 && tree.root.parameters < 70e9, String(tree.root.parameters));
  assert.equal(p.memory.fits, false);
  assert.equal(p.memory.devicesForWeights, 2);
  assert.ok(p.memory.shortfallBytes > 55e9, String(p.memory.shortfallBytes));
  const w = p.warnings.find((x) => x.startsWith('does not fit in memory'));
  assert.ok(w, p.warnings.join('\n'));
  assert.match(w!, /short by \d+ GB/);
  assert.match(w!, /at least 2 such GPUs/);
  // The prediction still comes back.
  assert.ok(p.energyJ > 0 && Number.isFinite(p.energyJ));
});

test('eager attention at 64 x 4096: the score tensors alone exceed the card, although the weights fit', () => {
  const tree = buildTreeFromConfig(TINYLLAMA, { batchSize: 64, seqLen: 4096, dtype: 'bf16' });
  const m = estimateForwardMemory(tree);
  // 64 x 32 heads x 4096 x 4096 scores: the softmax reads them in bf16 and writes them in fp32.
  const scores = 64 * 32 * 4096 * 4096;
  assert.ok(m.activationBytes >= scores * (2 + 4), `${m.activationBytes}`);
  assert.match(m.peakScope, /softmax/);
  const p = predictTree(tree, h100);
  assert.equal(p.memory.fits, false);
  assert.equal(p.memory.devicesForWeights, 1);
  assert.ok(p.warnings.some((w) => w.startsWith('does not fit in memory') && w.includes('the weights fit, the activations do not')), p.warnings.join('\n'));
});

test('bert-base at 8 x 256 fits with room to spare: no memory warning', () => {
  const tree = buildTreeFromConfig(BERT_BASE, { batchSize: 8, seqLen: 256, dtype: 'bf16' });
  const p = predictTree(tree, h100);
  assert.equal(p.memory.fits, true);
  assert.ok(p.memory.estimate.totalBytes < 1e9, String(p.memory.estimate.totalBytes));
  assert.ok(!p.warnings.some((w) => w.includes('memory')), p.warnings.join('\n'));
});

test('a profile whose hardware does not know its capacity never claims a run does not fit', () => {
  const tree = buildTreeFromConfig(LLAMA2_70B, { batchSize: 1, seqLen: 128, dtype: 'fp32' });
  const p = predictTree(tree, getBundledProfile('irene-device-1'));
  assert.equal(p.memory.fits, true);
  assert.equal(p.memory.capacityBytes, undefined);
});

test('the idle power can be overridden for another host: the static part moves, the dynamic part stays', () => {
  const tree = buildTreeFromConfig(BERT_BASE, { batchSize: 1, seqLen: 128, dtype: 'bf16' });
  const a = predictTree(tree, h100);
  const b = predictTree(tree, h100, { idlePowerW: 73.5 });
  assert.equal(b.idlePowerW, 73.5);
  assert.ok(Math.abs(b.staticJ / a.staticJ - 73.5 / h100.hardware.idlePowerW) < 1e-9);
  assert.ok(Math.abs(b.dynamicJ - a.dynamicJ) < 1e-9 * a.dynamicJ);
  assert.ok(b.energyJ < a.energyJ);
  assert.equal(b.hardware.sources['idlePowerW']!.origin, 'user');
  assert.throws(() => predictTree(tree, h100, { idlePowerW: 5000 }), /idle power 5000 W is not between 0 and the power limit/);
});
