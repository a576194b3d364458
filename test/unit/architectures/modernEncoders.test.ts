/**
 * Encoders added after BERT: xlm-roberta and camembert (RoBERTa's code under
 * their names), deberta-v2 (disentangled attention over relative positions)
 * and modernbert (alternating local/global attention, GeGLU, no biases).
 * Configs are the public Hub config.json of each base model; parameter
 * counts are computed here from the config fields and checked against the
 * published figure where the authors give one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHITECTURE_SPECS } from '../../../src/engine/architectures/index.js';
import { totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, moduleNames, node, opSequence } from './fixtures.js';

/** One BERT layer's parameters (q, k, v, attention output, two LayerNorms, FFN). */
const bertLayerParams = (H: number, I: number) => 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);

test('xlm-roberta (base): RoBERTa under XLMRoberta class names, 250k vocabulary, 278M', () => {
  const tree = buildFixture('xlm-roberta', 2, 32);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'XLMRobertaModel');
  assert.equal(node(m, 'root.embeddings').instanceType, 'XLMRobertaEmbeddings');
  assert.equal(node(m, 'root.encoder.layer.0.attention.self').instanceType, 'XLMRobertaSelfAttention');
  assert.equal(node(m, 'root.pooler').instanceType, 'XLMRobertaPooler');
  const [H, I, V, P] = [768, 3072, 250002, 514];
  const params = V * H + P * H + H + 2 * H + 12 * bertLayerParams(H, I) + (H * H + H);
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e6), 278); // XLM-R paper (Conneau et al. 2020) lists base at 270M; 278M with its 250,002-token vocabulary
  // same positions rule as RoBERTa: 514 rows minus padding_idx + 1 leave 512 tokens
  assert.throws(() => buildFixture('xlm-roberta', 1, 513), /513.*512/);
  // same compute as roberta-base at the same size: only the vocabulary differs, and lookups cost no FLOPs
  const roberta = buildFixture('roberta', 2, 32);
  assert.equal(totalFlops(tree.root), totalFlops(roberta.root));
});

test('camembert (base): Camembert class names, 110M', () => {
  const tree = buildFixture('camembert', 1, 16);
  assert.equal(tree.root.instanceType, 'CamembertModel');
  assert.equal(node(byScope(tree.root), 'root.encoder.layer.11.output').instanceType, 'CamembertOutput');
  const [H, I, V, P] = [768, 3072, 32005, 514];
  assert.equal(tree.root.parameters, V * H + P * H + H + 2 * H + 12 * bertLayerParams(H, I) + (H * H + H));
  assert.equal(Math.round(tree.root.parameters / 1e6), 111); // CamemBERT paper (Martin et al. 2020): base 110M
});

test('deberta-v2 (deberta-v3-base): disentangled attention, shared q/k projections of the relative embeddings, no pooler', () => {
  const [B, T] = [2, 16];
  const [H, I, heads, L, V, buckets] = [768, 3072, 12, 12, 128100, 256];
  const d = H / heads;
  const S2 = 2 * buckets;
  const tree = buildFixture('deberta-v2', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'DebertaV2Model');
  assert.deepEqual(moduleNames(tree.root), ['embeddings', 'encoder']); // no pooler
  assert.deepEqual(moduleNames(node(m, 'root.embeddings')), ['word_embeddings', 'LayerNorm']); // position_biased_input false, type_vocab_size 0
  const self = node(m, 'root.encoder.layer.0.attention.self');
  assert.equal(self.instanceType, 'DisentangledSelfAttention');
  assert.deepEqual(moduleNames(self), ['query_proj', 'key_proj', 'value_proj']);
  // query_proj runs on the tokens and on the 512 relative embeddings: one node, two calls, the exact total
  const q = node(m, 'root.encoder.layer.0.attention.self.query_proj');
  assert.equal(q.calls, 2);
  assert.equal(q.parameters, H * H + H);
  assert.equal(q.flops * q.calls, 2 * B * T * H * H + 2 * S2 * H * H);
  assert.equal(node(m, 'root.encoder.layer.0.attention.self.value_proj').calls, 1);
  const term = (neg: boolean) => ['mul', ...(neg ? ['neg'] : []), 'add', 'bmm', 'gather', 'cast', 'div', 'add'];
  assert.deepEqual(opSequence(self), [
    'contiguous', 'contiguous', 'contiguous', 'mul', 'cast', 'div', 'bmm',
    'contiguous', 'repeat', 'contiguous', 'repeat',
    ...term(false), ...term(true), 'add',
    'cast', 'masked_fill', 'softmax', 'bmm', 'contiguous',
  ]);
  // c2p: queries against the relative keys, (B x heads, T, d) x (B x heads, d, 2 x buckets)
  assert.deepEqual(node(m, 'root.encoder.layer.0.attention.self.bmm.13').inputShapes, [[B * heads, T, d], [B * heads, d, S2]]);
  assert.equal(node(m, 'root.encoder.rel_embeddings').parameters, S2 * H);
  assert.deepEqual(node(m, 'root.encoder.LayerNorm').inputShapes, [[S2, H]]);
  const backbone = L * bertLayerParams(H, I) + S2 * H + 2 * H;
  assert.equal(Math.round(backbone / 1e6), 85); // model card: "86M backbone parameters" (85.4M)
  assert.equal(Math.round((V * H) / 1e6), 98); // model card: "98M parameters in the Embedding layer"
  assert.equal(tree.root.parameters, V * H + 2 * H + backbone);
  // relative terms scale with the 512 embedding rows, not with T: at a short sequence they dominate
  const c2cScores = 2 * B * heads * T * T * d;
  const relTerms = 2 * 2 * B * heads * T * d * S2;
  assert.ok(relTerms > 10 * c2cScores);
  // without relative attention: plain scores, no rel_embeddings, no shared calls
  const plain = byScope(buildFixture('deberta-v2', B, T, 'fp32', (c) => (c['relative_attention'] = false)).root);
  assert.equal(plain.has('root.encoder.rel_embeddings'), false);
  assert.equal(node(plain, 'root.encoder.layer.0.attention.self.query_proj').calls, 1);
  // share_att_key false gives the positions their own projections
  const own = byScope(buildFixture('deberta-v2', B, T, 'fp32', (c) => (c['share_att_key'] = false)).root);
  assert.deepEqual(moduleNames(node(own, 'root.encoder.layer.0.attention.self')), ['query_proj', 'key_proj', 'value_proj', 'pos_key_proj', 'pos_query_proj']);
  // DeBERTa-v2 (not v3) configs bias the input with absolute positions and type embeddings
  const v2 = byScope(buildFixture('deberta-v2', B, T, 'fp32', (c) => Object.assign(c, { position_biased_input: true, type_vocab_size: 2 })).root);
  assert.deepEqual(moduleNames(node(v2, 'root.embeddings')), ['word_embeddings', 'position_embeddings', 'token_type_embeddings', 'LayerNorm']);
  assert.equal(ARCHITECTURE_SPECS['deberta-v2']!.family, 'encoder');
});

test('modernbert (base): fused Wqkv, GeGLU Wi, bias-free LayerNorms, no norm before layer 0, 149M', () => {
  const [B, T] = [2, 64];
  const [H, I, heads, L, V] = [768, 1152, 12, 22, 50368];
  const d = H / heads;
  const tree = buildFixture('modernbert', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'ModernBertModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['attn', 'mlp_norm', 'mlp']); // attn_norm is nn.Identity in layer 0
  assert.deepEqual(moduleNames(node(m, 'root.layers.1')), ['attn_norm', 'attn', 'mlp_norm', 'mlp']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.1.attn')), ['Wqkv', 'Wo']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.1.mlp')), ['Wi', 'act', 'Wo']);
  assert.equal(node(m, 'root.layers.1.mlp.Wi').parameters, H * 2 * I); // no bias
  assert.equal(node(m, 'root.layers.1.attn_norm').parameters, H); // LayerNorm without bias
  assert.deepEqual(opSequence(node(m, 'root.layers.1.attn')), ['mul', 'neg', 'cat', 'mul', 'add', 'mul', 'neg', 'cat', 'mul', 'add', 'matmul', 'mul', 'add', 'softmax', 'cast', 'matmul', 'contiguous']);
  assert.deepEqual(opSequence(node(m, 'root.layers.1.mlp')), ['mul']);
  assert.deepEqual(opSequence(tree.root), ['sub', 'masked_fill', 'sub', 'cast', 'masked_fill']);
  const layer = H + 3 * H * H + H * H + H + H * 2 * I + I * H;
  // embeddings + their norm, the layers (layer 0 without attn_norm), final_norm
  const params = V * H + H + (L * layer - H) + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e6), 149); // ModernBERT paper (Warner et al. 2024): base 149M
  // local and global layers cost the same in eager attention (windows only mask)
  assert.equal(node(m, 'root.layers.1.attn').flops, node(m, 'root.layers.3.attn').flops);
  const N = B * T;
  const scores = B * heads * T * T;
  const layerFlops = 2 * N * H * 3 * H + 2 * N * H * H + 2 * 3.5 * B * heads * T * d + 4 * scores * d + 7 * scores + 2 * N * H * 2 * I + 2 * N * I * H + 8 * N * I + N * I + 2 * 8 * N * H + 2 * N * H;
  const rootOps = B * T * T + B * T * T + T * T + B * T * T;
  // the layers (layer 0 has one norm fewer), the embedding norm and final_norm
  assert.equal(totalFlops(tree.root), L * layerFlops - 8 * N * H + 2 * 8 * N * H + rootOps);
});
