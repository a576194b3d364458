/**
 * Encoder-decoders (t5, mt5, umt5, bart, mbart, marian): the encoder runs
 * over the source length, the decoder over the target length, and the
 * decoder's cross-attention takes queries from the target and keys/values
 * from the encoder output. Parameter counts are computed here from the
 * config fields and checked against the published figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { ARCHITECTURE_SPECS } from '../../../src/engine/architectures/index.js';
import { totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, fixtureConfig, moduleNames, node, opSequence } from './fixtures.js';

/** A fixture tree at batch B, source Ts and target Tt. */
function encDec(name: string, B: number, Ts: number, Tt: number, dtype: 'fp32' | 'fp16' | 'bf16' = 'fp32', edit?: (c: Record<string, unknown>) => void) {
  const config = fixtureConfig(name);
  edit?.(config);
  return buildTreeFromConfig(config, { batchSize: B, seqLen: Ts, targetLen: Tt, dtype });
}

const T5_BIAS_ENCODER = ['sub', 'cast', 'mul', 'add', 'div', 'div', 'mul', 'cast', 'add', 'where', 'add'];
const T5_BIAS_DECODER = ['sub', 'neg', 'div', 'div', 'mul', 'cast', 'add', 'where', 'add'];

test('t5 (t5-base): shared embedding counted once, relative bias in block 0, 222.9M with the tied LM head', () => {
  const [B, Ts, Tt] = [2, 24, 10];
  const [d, dkv, heads, ff, L, V, buckets] = [768, 64, 12, 3072, 12, 32128, 32];
  const tree = encDec('t5', B, Ts, Tt);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'T5Model');
  assert.equal(tree.targetLen, Tt);
  assert.deepEqual(moduleNames(tree.root), ['encoder', 'decoder']);
  assert.equal(node(m, 'root.encoder').instanceType, 'T5Stack');
  assert.deepEqual(moduleNames(node(m, 'root.encoder.block.0')), ['layer.0', 'layer.1']);
  assert.deepEqual(moduleNames(node(m, 'root.decoder.block.0')), ['layer.0', 'layer.1', 'layer.2']);
  assert.equal(node(m, 'root.decoder.block.0.layer.1').instanceType, 'T5LayerCrossAttention');
  assert.deepEqual(moduleNames(node(m, 'root.encoder.block.0.layer.0.SelfAttention')), ['q', 'k', 'v', 'o', 'relative_attention_bias']);
  assert.deepEqual(moduleNames(node(m, 'root.encoder.block.1.layer.0.SelfAttention')), ['q', 'k', 'v', 'o']); // block 0's bias is reused
  assert.equal(node(m, 'root.encoder.block.0.layer.0.layer_norm').instanceType, 'T5LayerNorm');
  assert.equal(node(m, 'root.encoder.block.0.layer.0.layer_norm').kind, 'rmsnorm');
  // op sequences: scores, the bias, += bias, softmax in float32 and back, context (no scaling in T5)
  assert.deepEqual(opSequence(node(m, 'root.encoder.block.0.layer.0.SelfAttention')), ['matmul', ...T5_BIAS_ENCODER, 'add', 'softmax', 'cast', 'matmul', 'contiguous']);
  assert.deepEqual(opSequence(node(m, 'root.encoder.block.5.layer.0.SelfAttention')), ['matmul', 'add', 'softmax', 'cast', 'matmul', 'contiguous']);
  assert.deepEqual(opSequence(node(m, 'root.decoder.block.0.layer.0.SelfAttention')), ['matmul', ...T5_BIAS_DECODER, 'add', 'add', 'softmax', 'cast', 'matmul', 'contiguous']);
  // shapes: the encoder over Ts, the decoder over Tt, cross-attention Tt x Ts
  assert.deepEqual(node(m, 'root.encoder.block.0.layer.0.SelfAttention.matmul.0').inputShapes, [[B, heads, Ts, dkv], [B, heads, dkv, Ts]]);
  assert.deepEqual(node(m, 'root.decoder.block.0.layer.0.SelfAttention.matmul.0').inputShapes, [[B, heads, Tt, dkv], [B, heads, dkv, Tt]]);
  assert.deepEqual(node(m, 'root.decoder.block.3.layer.1.EncDecAttention.matmul.0').inputShapes, [[B, heads, Tt, dkv], [B, heads, dkv, Ts]]);
  assert.deepEqual(node(m, 'root.decoder.block.3.layer.1.EncDecAttention.q').inputShapes, [[B, Tt, d]]);
  assert.deepEqual(node(m, 'root.decoder.block.3.layer.1.EncDecAttention.k').inputShapes, [[B, Ts, d]]);
  assert.deepEqual(node(m, 'root.decoder.block.3.layer.1.EncDecAttention.matmul.4').inputShapes, [[B, heads, Tt, Ts], [B, heads, Ts, dkv]]);
  assert.deepEqual(opSequence(node(m, 'root.decoder')), ['add', 'sub', 'add', 'add', 'where']);
  // parameters: one table, block 0's bias tables, four attention matrices per attention, FF, RMS norms
  assert.equal(node(m, 'root.encoder.embed_tokens').parameters, V * d);
  assert.equal(node(m, 'root.decoder.embed_tokens').parameters, 0);
  const attn = 4 * d * heads * dkv;
  const encBlock = attn + 2 * d * ff + 2 * d;
  const decBlock = 2 * attn + 2 * d * ff + 3 * d;
  const params = V * d + L * encBlock + buckets * heads + d + L * decBlock + buckets * heads + d;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e5) / 10, 222.9); // T5-base: 222.9M with the LM head tied to the shared table (T5ForConditionalGeneration adds nothing)
  assert.equal(ARCHITECTURE_SPECS['t5']!.lmHead!.tiedDefault, true);
  assert.equal(ARCHITECTURE_SPECS['t5']!.decodes, 'root.decoder');
  assert.ok(tree.warnings.some((w) => w.includes(`encoder runs over ${Ts} source tokens, the decoder over ${Tt} target tokens`)));
});

test('encoder-decoder: the target length moves only the decoder; it defaults to the source length', () => {
  const [B, Ts] = [1, 32];
  for (const name of ['t5', 'bart']) {
    const short = encDec(name, B, Ts, 4);
    const long = encDec(name, B, Ts, 64);
    assert.equal(totalFlops(byScope(short.root).get('root.encoder')!), totalFlops(byScope(long.root).get('root.encoder')!), `${name}: the encoder ignores the target`);
    assert.ok(totalFlops(byScope(long.root).get('root.decoder')!) > 8 * totalFlops(byScope(short.root).get('root.decoder')!), `${name}: the decoder grows with the target`);
    assert.equal(short.root.parameters, long.root.parameters);
    const plain = buildFixture(name, B, Ts);
    assert.equal(plain.targetLen, Ts);
    assert.equal(totalFlops(plain.root), totalFlops(encDec(name, B, Ts, Ts).root));
  }
  // decoder-only models have no target length
  assert.equal(buildFixture('gpt2', 1, 8).targetLen, undefined);
});

test('mt5 (mt5-small): gated-GELU feed-forward under MT5 names, 300M with its untied LM head', () => {
  const [B, Ts, Tt] = [1, 16, 8];
  const [d, dkv, heads, ff, L, V, buckets] = [512, 64, 6, 1024, 8, 250112, 32];
  const tree = encDec('mt5', B, Ts, Tt);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'MT5Model');
  const ffn = node(m, 'root.encoder.block.0.layer.1.DenseReluDense');
  assert.equal(ffn.instanceType, 'MT5DenseGatedActDense');
  assert.deepEqual(moduleNames(ffn), ['wi_0', 'wi_1', 'wo', 'act']);
  assert.equal(node(m, 'root.encoder.block.0.layer.1.DenseReluDense.act').instanceType, 'NewGELUActivation'); // "gated-gelu" means gelu_new
  assert.deepEqual(opSequence(ffn), ['mul']);
  const attn = 4 * d * heads * dkv;
  const params = V * d + L * (attn + 3 * d * ff + 2 * d) + buckets * heads + d + L * (2 * attn + 3 * d * ff + 3 * d) + buckets * heads + d;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round((params + V * d) / 1e6), 300); // mT5 paper (Xue et al. 2021), Table: Small 300M (untied LM head included)
  assert.equal(ARCHITECTURE_SPECS['mt5']!.lmHead!.tiedDefault, false);
});

test('umt5 (umt5-small): every self-attention owns its relative bias; cross-attention none', () => {
  const tree = encDec('umt5', 1, 12, 6);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'UMT5Model');
  for (const b of [0, 3, 7]) {
    assert.ok(m.has(`root.encoder.block.${b}.layer.0.SelfAttention.relative_attention_bias`), `encoder block ${b}`);
    assert.ok(m.has(`root.decoder.block.${b}.layer.0.SelfAttention.relative_attention_bias`), `decoder block ${b}`);
    assert.equal(m.has(`root.decoder.block.${b}.layer.1.EncDecAttention.relative_attention_bias`), false);
  }
  const mt5Like = encDec('mt5', 1, 12, 6, 'fp32', (c) => Object.assign(c, { vocab_size: 256384 }));
  // the only difference in parameters: 7 more bias tables per stack
  assert.equal(tree.root.parameters - mt5Like.root.parameters, 2 * 7 * 32 * 6);
});

test('bart (bart-base): scaled word embeddings, learned positions offset by 2, post-LN, 139M', () => {
  const [B, Ts, Tt] = [2, 20, 12];
  const [d, heads, ffn, L, V, P] = [768, 12, 3072, 6, 50265, 1024];
  const tree = encDec('bart', B, Ts, Tt);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'BartModel');
  assert.deepEqual(moduleNames(node(m, 'root.encoder')), ['embed_tokens', 'embed_positions', ...Array.from({ length: L }, (_, i) => `layers.${i}`), 'layernorm_embedding']);
  assert.equal(node(m, 'root.encoder.embed_tokens').instanceType, 'BartScaledWordEmbedding');
  assert.equal(node(m, 'root.encoder.embed_positions').instanceType, 'BartLearnedPositionalEmbedding');
  assert.equal(node(m, 'root.encoder.embed_positions').kind, 'embedding');
  assert.equal(node(m, 'root.encoder.embed_positions').parameters, (P + 2) * d);
  assert.deepEqual(moduleNames(node(m, 'root.encoder.layers.0')), ['self_attn', 'self_attn_layer_norm', 'activation_fn', 'fc1', 'fc2', 'final_layer_norm']);
  assert.deepEqual(moduleNames(node(m, 'root.decoder.layers.0')), ['self_attn', 'activation_fn', 'self_attn_layer_norm', 'encoder_attn', 'encoder_attn_layer_norm', 'fc1', 'fc2', 'final_layer_norm']);
  assert.deepEqual(opSequence(node(m, 'root.decoder.layers.0')), ['add', 'add', 'add']);
  assert.deepEqual(moduleNames(node(m, 'root.encoder.layers.0.self_attn')), ['k_proj', 'v_proj', 'q_proj', 'out_proj']);
  assert.deepEqual(opSequence(node(m, 'root.encoder.layers.0.self_attn')), ['matmul', 'mul', 'softmax', 'matmul', 'contiguous', 'contiguous']); // no mask in the encoder
  assert.deepEqual(opSequence(node(m, 'root.decoder.layers.0.self_attn')), ['matmul', 'mul', 'add', 'softmax', 'matmul', 'contiguous', 'contiguous']);
  assert.deepEqual(node(m, 'root.decoder.layers.2.encoder_attn.matmul.0').inputShapes, [[B, heads, Tt, d / heads], [B, heads, d / heads, Ts]]);
  assert.deepEqual(node(m, 'root.decoder.layers.2.encoder_attn.k_proj').inputShapes, [[B, Ts, d]]);
  assert.deepEqual(opSequence(node(m, 'root.encoder')), ['cast', 'add']);
  assert.deepEqual(opSequence(node(m, 'root.decoder')), ['add', 'sub', 'add', 'add', 'where', 'cast', 'add']);
  const attn = 4 * (d * d + d);
  const encLayer = attn + 2 * d + (d * ffn + ffn) + (ffn * d + d) + 2 * d;
  const decLayer = encLayer + attn + 2 * d;
  const params = V * d + 2 * ((P + 2) * d + 2 * d) + L * encLayer + L * decLayer;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e6), 139); // bart-base: 139M (BartModel; the LM head is tied)
  assert.throws(() => encDec('bart', 1, 8, P + 1), /target length.*1025.*1024/);
});

test('mbart (mbart-large-cc25): pre-LN with a final layer_norm per stack, 611M', () => {
  const tree = encDec('mbart', 1, 16, 16);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'MBartModel');
  assert.deepEqual(moduleNames(node(m, 'root.decoder')).slice(-2), ['layernorm_embedding', 'layer_norm']);
  assert.equal(node(m, 'root.encoder.embed_tokens').instanceType, 'MBartScaledWordEmbedding');
  const [d, ffn, L, V, P] = [1024, 4096, 12, 250027, 1024];
  const attn = 4 * (d * d + d);
  const encLayer = attn + 2 * d + (d * ffn + ffn) + (ffn * d + d) + 2 * d;
  const params = V * d + 2 * ((P + 2) * d + 4 * d) + L * encLayer + L * (encLayer + attn + 2 * d);
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e6), 611); // mBART (Liu et al. 2020): ~610M parameters
});

test('marian (opus-mt-en-de): sinusoidal positions, embed_scale multiply, no layernorm_embedding, SiLU, 74M', () => {
  const [B, Ts, Tt] = [1, 16, 8];
  const [d, ffn, L, V, P] = [512, 2048, 6, 58101, 512];
  const tree = encDec('marian', B, Ts, Tt);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'MarianModel');
  assert.equal(node(m, 'root.encoder.embed_positions').instanceType, 'MarianSinusoidalPositionalEmbedding');
  assert.deepEqual(node(m, 'root.encoder.embed_positions').inputShapes, [[Ts]]);
  assert.equal(node(m, 'root.encoder.embed_tokens').instanceType, 'Embedding');
  assert.equal(m.has('root.encoder.layernorm_embedding'), false);
  assert.equal(node(m, 'root.encoder.layers.0.activation_fn').instanceType, 'SiLUActivation');
  assert.deepEqual(opSequence(node(m, 'root.encoder')), ['mul', 'add']);
  assert.deepEqual(node(m, 'root.encoder.add.1').inputShapes, [[B, Ts, d], [Ts, d]]);
  const attn = 4 * (d * d + d);
  const encLayer = attn + 2 * d + (d * ffn + ffn) + (ffn * d + d) + 2 * d;
  const params = V * d + 2 * P * d + L * encLayer + L * (encLayer + attn + 2 * d);
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e5) / 10, 74.4); // opus-mt-en-de: 74.4M parameters (positions included, as transformers counts them)
  assert.throws(() => encDec('marian', 1, P + 1, 8), /513.*512/);
  // unshared embeddings: the decoder gets its own decoder_vocab_size table
  const own = encDec('marian', B, Ts, Tt, 'fp32', (c) => Object.assign(c, { share_encoder_decoder_embeddings: false, decoder_vocab_size: 1000 }));
  assert.equal(node(byScope(own.root), 'root.decoder.embed_tokens').parameters, 1000 * d);
});

test('t5 in fp16 clamps each block after every sub-layer; bf16 and fp32 do not', () => {
  const fp16 = byScope(encDec('t5', 1, 8, 8, 'fp16').root);
  assert.deepEqual(opSequence(node(fp16, 'root.encoder.block.0')), ['where', 'clamp', 'where', 'clamp']);
  assert.deepEqual(opSequence(node(fp16, 'root.decoder.block.0')), ['where', 'clamp', 'where', 'clamp', 'where', 'clamp']);
  assert.deepEqual(opSequence(node(byScope(encDec('t5', 1, 8, 8, 'bf16').root), 'root.encoder.block.0')), []);
});
