/**
 * BERT-family encoders built from configs, checked against arithmetic written
 * here from the papers' layer definitions (2 FLOPs per multiply-add, Linear
 * bias not counted, softmax 5 / layernorm 8 / gelu 8 / tanh 4 FLOPs per element).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countNodes, totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, fixtureConfig, node } from './fixtures.js';

/** FLOPs of one post-LN BERT layer on B x T tokens. */
function bertLayerFlops(B: number, T: number, H: number, I: number, heads: number): number {
  const N = B * T;
  const linears = 4 * 2 * N * H * H + 2 * 2 * N * H * I;
  const attention = 2 * 2 * B * T * T * H; // scores and context
  const pointwise = B * heads * T * T * (1 + 5) + 8 * N * I + 2 * 8 * N * H + 2 * N * H;
  return linears + attention + pointwise;
}

test('bert-base-uncased: node count, scopes, classes, shapes, FLOPs and parameters', () => {
  const B = 2;
  const T = 64;
  const [H, I, L, heads, V, P, TV] = [768, 3072, 12, 12, 30522, 512, 2];
  const tree = buildFixture('bert', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'BertModel');
  assert.equal(tree.root.type, 'model');
  // root + embeddings(7) + encoder + 23 per layer + pooler(3)
  assert.equal(countNodes(tree.root), 1 + 7 + 1 + 23 * L + 3);
  assert.equal(node(m, 'root.encoder.layer.11.attention.self').instanceType, 'BertSelfAttention');
  assert.equal(node(m, 'root.encoder.layer.0.output').instanceType, 'BertOutput');
  assert.equal(node(m, 'root.encoder.layer.0.intermediate.intermediate_act_fn').instanceType, 'GELUActivation');
  assert.equal(node(m, 'root.pooler.activation').instanceType, 'Tanh');
  const q = node(m, 'root.encoder.layer.3.attention.self.query');
  assert.equal(q.kind, 'linear');
  assert.deepEqual(q.inputShapes, [[B, T, H]]);
  assert.equal(q.flops, 2 * B * T * H * H);
  const scores = node(m, 'root.encoder.layer.3.attention.self.matmul.0');
  assert.deepEqual(scores.inputShapes, [[B, heads, T, H / heads], [B, heads, H / heads, T]]);
  assert.equal(scores.kind, 'matmul');
  assert.equal(node(m, 'root.encoder.layer.3.attention.self.softmax.2').kind, 'softmax');
  assert.equal(node(m, 'root.encoder.layer.3.attention.self.contiguous.5').kind, 'memory');
  assert.deepEqual(node(m, 'root.pooler.dense').inputShapes, [[B, H]]);

  const N = B * T;
  const embeddings = 8 * N * H + 2 * N * H;
  const pooler = 2 * B * H * H + 4 * B * H;
  assert.equal(totalFlops(tree.root), L * bertLayerFlops(B, T, H, I, heads) + embeddings + pooler);

  const layerParams = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
  const params = (V + P + TV) * H + 2 * H + L * layerParams + H * H + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(params, 109_482_240); // BertModel of bert-base-uncased, as transformers reports it
  assert.equal(node(m, 'root.encoder').source?.configKey, 'num_hidden_layers');
  assert.equal(node(m, 'root.encoder.layer.0.intermediate').source?.configKey, 'intermediate_size');
  assert.equal(node(m, 'root.encoder.layer.0.attention').source?.configKey, 'num_attention_heads');
  assert.equal(node(m, 'root.embeddings.word_embeddings').source?.configKey, 'vocab_size');
});

test('bert: every module total is the calls-weighted sum of its children', () => {
  const tree = buildFixture('bert', 1, 16);
  const m = byScope(tree.root);
  const layer = node(m, 'root.encoder.layer.0');
  const sum = layer.children.reduce((s, c) => s + c.flops, 0);
  assert.equal(layer.flops, sum);
  assert.equal(tree.root.flops, totalFlops(tree.root));
});

test('roberta-base: position ids from input ids, 514 positions, padding offset', () => {
  const B = 3;
  const T = 100;
  const tree = buildFixture('roberta', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'RobertaModel');
  // root + embeddings (1 + 4 modules + 7 ops) + encoder + 23 per layer + pooler
  assert.equal(countNodes(tree.root), 1 + 12 + 1 + 23 * 12 + 3);
  assert.deepEqual(node(m, 'root.embeddings.position_embeddings').inputShapes, [[B, T]]);
  assert.equal(node(m, 'root.embeddings.position_embeddings').parameters, 514 * 768);
  assert.equal(node(m, 'root.embeddings.token_type_embeddings').parameters, 768);
  // int64 -> int32 type_as: 8 + 4 bytes in, 4 out per id
  assert.equal(node(m, 'root.embeddings.cast.0').memBytes, B * T * 16);
  assert.equal(node(m, 'root.embeddings.cast.4').memBytes, 514 * 8 * 2);
  assert.equal(node(m, 'root.encoder.layer.0.attention.output').instanceType, 'RobertaSelfOutput');
  // 514 rows - pad (1) - 1 = 512 usable positions
  assert.doesNotThrow(() => buildFixture('roberta', 1, 512));
  assert.throws(() => buildFixture('roberta', 1, 513), /513.*512/);
});

test('distilbert: 6 blocks, no token types, flops from the layer formula', () => {
  const B = 4;
  const T = 32;
  const [H, I, L, heads] = [768, 3072, 6, 12];
  const tree = buildFixture('distilbert', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'DistilBertModel');
  assert.equal(countNodes(tree.root), 1 + 5 + 1 + 20 * L);
  assert.equal(node(m, 'root.transformer.layer.5.attention').instanceType, 'DistilBertSelfAttention');
  assert.equal(node(m, 'root.transformer.layer.5.ffn').instanceType, 'FFN');
  assert.equal(m.has('root.embeddings.token_type_embeddings'), false);
  const N = B * T;
  assert.equal(totalFlops(tree.root), L * bertLayerFlops(B, T, H, I, heads) + 8 * N * H + N * H);
  assert.equal(node(m, 'root.transformer').source?.configKey, 'n_layers');
  assert.equal(node(m, 'root.transformer.layer.0.ffn').source?.configKey, 'hidden_dim');
});

test('electra-small: factorised embeddings projected to hidden size, no pooler', () => {
  const B = 2;
  const T = 128;
  const [E, H, I, L, heads, V] = [128, 256, 1024, 12, 4, 30522];
  const tree = buildFixture('electra', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'ElectraModel');
  assert.equal(countNodes(tree.root), 1 + 7 + 1 + 1 + 23 * L);
  assert.equal(m.has('root.pooler'), false);
  const proj = node(m, 'root.embeddings_project');
  assert.deepEqual(proj.inputShapes, [[B, T, E]]);
  assert.equal(proj.parameters, E * H + H);
  assert.deepEqual(node(m, 'root.embeddings.LayerNorm').inputShapes, [[B, T, E]]);
  assert.equal(node(m, 'root.encoder.layer.0').instanceType, 'ElectraLayer');
  const N = B * T;
  assert.equal(totalFlops(tree.root), L * bertLayerFlops(B, T, H, I, heads) + 8 * N * E + 2 * N * E + 2 * N * E * H);
  const layerParams = 4 * (H * H + H) + 4 * H + (H * I + I) + (I * H + H);
  assert.equal(tree.root.parameters, (V + 512 + 2) * E + 2 * E + E * H + H + L * layerParams);
  // and with embedding_size == hidden_size there is no projection
  const same = buildFixture('electra', 1, 8, 'fp32', (c) => (c['embedding_size'] = 256));
  assert.equal(byScope(same.root).has('root.embeddings_project'), false);
});

test('albert-base-v2: one shared layer run 12 times, parameters counted once', () => {
  const B = 2;
  const T = 64;
  const [E, H, I, L, heads, V] = [128, 768, 3072, 12, 12, 30000];
  const tree = buildFixture('albert', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'AlbertModel');
  assert.equal(countNodes(tree.root), 1 + 7 + 1 + 1 + (1 + 19) + 2);
  const group = node(m, 'root.encoder.albert_layer_groups.0');
  assert.equal(group.instanceType, 'AlbertLayerGroup');
  assert.equal(group.calls, L);
  const layer = node(m, 'root.encoder.albert_layer_groups.0.albert_layers.0');
  assert.equal(layer.calls, L);
  assert.equal(node(m, 'root.encoder.albert_layer_groups.0.albert_layers.0.attention.query').calls, L);
  assert.equal(node(m, 'root.encoder.albert_layer_groups.0.albert_layers.0.activation').instanceType, 'NewGELUActivation');
  assert.equal(node(m, 'root.encoder.embedding_hidden_mapping_in').calls, 1);
  const N = B * T;
  const layerFlops = bertLayerFlops(B, T, H, I, heads);
  const expected = L * layerFlops + 8 * N * E + 2 * N * E + 2 * N * E * H + 2 * B * H * H + 4 * B * H;
  assert.equal(totalFlops(tree.root), expected);
  // the encoder's per-call FLOPs include all 12 runs of the shared layer
  assert.equal(node(m, 'root.encoder').flops, L * layerFlops + 2 * N * E * H);

  const layerParams = 4 * (H * H + H) + 4 * H + (H * I + I) + (I * H + H);
  const params = (V + 512 + 2) * E + 2 * E + (E * H + H) + layerParams + (H * H + H);
  assert.equal(tree.root.parameters, params);
  assert.equal(params, 11_683_584);
  assert.ok(Math.abs(params - 11.7e6) / 11.7e6 < 0.005, 'albert-base-v2 is published as 11.7M parameters');
});

test('albert: several hidden groups split the layer steps as transformers does', () => {
  const tree = buildFixture('albert', 1, 16, 'fp32', (c) => {
    c['num_hidden_groups'] = 3;
    c['inner_group_num'] = 2;
  });
  const m = byScope(tree.root);
  for (const g of [0, 1, 2]) {
    assert.equal(node(m, `root.encoder.albert_layer_groups.${g}`).calls, 4);
    assert.equal(node(m, `root.encoder.albert_layer_groups.${g}.albert_layers.1.ffn`).calls, 4);
  }
  const one = buildFixture('albert', 1, 16);
  // 3 groups x 2 inner layers, each group run 4 times = 24 layer runs vs 12
  const layerOne = node(byScope(one.root), 'root.encoder.albert_layer_groups.0.albert_layers.0').flops;
  assert.equal(totalFlops(tree.root) - totalFlops(one.root), 12 * layerOne);
});

test('fixture configs are the measured ones where measured', () => {
  assert.equal(fixtureConfig('bert')['transformers_version'], '5.17.0');
  assert.equal(fixtureConfig('albert')['embedding_size'], 128);
});

test('every primitive of every architecture and activation has a known kind', async () => {
  const { SUPPORTED_ACTIVATIONS } = await import('../../../src/engine/architectures/activations.js');
  const { walkTree } = await import('../../../src/engine/tree/treeWalk.js');
  const actKey: Record<string, string> = { gpt2: 'activation_function', distilbert: 'activation', 'openai-gpt': 'afn' };
  for (const type of ['bert', 'roberta', 'distilbert', 'albert', 'electra', 'gpt2', 'openai-gpt', 'llama', 'mistral', 'qwen2']) {
    for (const act of SUPPORTED_ACTIVATIONS) {
      if (type === 'openai-gpt' && !['gelu', 'relu', 'silu', 'swish'].includes(act)) continue;
      const tree = buildFixture(type, 1, 8, 'fp32', (c) => (c[actKey[type] ?? 'hidden_act'] = act));
      for (const { node: n } of walkTree(tree.root)) {
        if (n.type !== 'ml') continue;
        assert.notEqual(n.kind, 'other', `${type}/${act}: ${n.scope} ${n.instanceType}`);
        assert.ok(n.calls >= 1 && Number.isFinite(n.flops) && n.memBytes > 0, n.scope);
      }
    }
  }
});

test('a BERT config marked as decoder warns that the causal mask is not shown', () => {
  const t = buildFixture('bert', 1, 8, 'fp32', (c) => (c['is_decoder'] = true));
  assert.ok(t.warnings.some((w) => w.includes('is_decoder')));
  assert.equal(buildFixture('bert', 1, 8).warnings.length, 0);
});
