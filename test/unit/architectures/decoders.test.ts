/**
 * Decoder models built from configs, checked against arithmetic written here
 * (2 FLOPs per multiply-add, Linear/Conv1D bias not counted, softmax 5,
 * layernorm 8, rmsnorm 4, gelu 8, silu 4 FLOPs per element, 1 per element for
 * other element-wise ops).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countNodes, totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, node } from './fixtures.js';

/** GPT-2 block: pre-LN, fused qkv, causal mask add, 4x MLP. */
function gpt2BlockFlops(B: number, T: number, H: number, heads: number, inner: number): number {
  const N = B * T;
  const linears = 2 * N * H * 3 * H + 2 * N * H * H + 2 * 2 * N * H * inner;
  const attention = 2 * 2 * B * T * T * H;
  const scores = B * heads * T * T;
  return linears + attention + scores * (1 + 1 + 5) + 8 * N * inner + 2 * 8 * N * H + 2 * N * H;
}

test('gpt2: blocks, Conv1D, causal mask and root bookkeeping', () => {
  const B = 2;
  const T = 96;
  const [H, L, heads, V, P] = [768, 12, 12, 50257, 1024];
  const tree = buildFixture('gpt2', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'GPT2Model');
  assert.equal(countNodes(tree.root), 1 + 2 + 18 * L + 1 + 7);
  assert.equal(node(m, 'root.h.0.attn.c_attn').instanceType, 'Conv1D');
  assert.equal(node(m, 'root.h.0.attn.c_attn').kind, 'linear');
  assert.equal(node(m, 'root.h.0.mlp.act').instanceType, 'NewGELUActivation');
  assert.deepEqual(node(m, 'root.h.0.attn.add.2').inputShapes, [[B, heads, T, T], [B, 1, T, T]]);
  assert.deepEqual(node(m, 'root.wpe').inputShapes, [[1, T]]);
  assert.equal(node(m, 'root.where.6').flops, B * T * T);
  // where: bool mask + one bf16 element + bf16 output
  assert.equal(node(m, 'root.where.6').memBytes, B * T * T + 2 + B * T * T * 2);
  const N = B * T;
  const root = 8 * N * H + T + N * H + B + 2 * T + B * T * T;
  assert.equal(totalFlops(tree.root), L * gpt2BlockFlops(B, T, H, heads, 4 * H) + root);
  const blockParams = 2 * 2 * H + (3 * H * H + 3 * H) + (H * H + H) + (4 * H * H + 4 * H) + (4 * H * H + H);
  assert.equal(tree.root.parameters, (V + P) * H + L * blockParams + 2 * H);
  assert.equal(tree.root.parameters, 124_439_808); // GPT2Model, as transformers reports it
  assert.equal(node(m, 'root.h.0').source?.configKey, 'n_layer');
  assert.equal(node(m, 'root.h.0.attn').source?.configKey, 'n_head');
  assert.throws(() => buildFixture('gpt2', 1, 1025), /1025.*1024/);
});

test('gpt2: n_inner and activation_function are respected; scale_attn_weights false drops the scale', () => {
  const base = buildFixture('gpt2', 1, 8);
  const wide = buildFixture('gpt2', 1, 8, 'fp32', (c) => {
    c['n_inner'] = 1024;
    c['activation_function'] = 'relu';
  });
  const w = byScope(wide.root);
  assert.equal(node(w, 'root.h.0.mlp.c_fc').parameters, 768 * 1024 + 1024);
  assert.equal(node(w, 'root.h.0.mlp.act').instanceType, 'ReLU');
  assert.equal(node(w, 'root.h.0.mlp.act').flops, 8 * 1024);
  assert.notEqual(totalFlops(wide.root), totalFlops(base.root));
  const noScale = byScope(buildFixture('gpt2', 1, 8, 'fp32', (c) => (c['scale_attn_weights'] = false)).root);
  assert.equal(noScale.has('root.h.0.attn.mul.1'), false);
  assert.equal(node(noScale, 'root.h.0.attn.add.1').instanceType, 'add');
});

test('distilgpt2: the gpt2 builder with 6 layers', () => {
  const tree = buildFixture('distilgpt2', 1, 32);
  assert.equal(countNodes(tree.root), 1 + 2 + 18 * 6 + 1 + 7);
  assert.equal(tree.root.parameters, 81_912_576);
});

test('openai-gpt: post-LN blocks, old-style mask arithmetic, per-layer activations', () => {
  const B = 2;
  const T = 40;
  const [H, L, heads, V, P] = [768, 12, 12, 40478, 512];
  const tree = buildFixture('openai-gpt', B, T);
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'OpenAIGPTModel');
  assert.equal(countNodes(tree.root), 1 + 2 + 21 * L + 2);
  assert.equal(node(m, 'root.h.0').instanceType, 'Block');
  assert.equal(node(m, 'root.h.0.attn').instanceType, 'Attention');
  assert.equal(node(m, 'root.h.0.attn.div.1').instanceType, 'div');
  assert.deepEqual(node(m, 'root.h.0.attn.sub.3').inputShapes, [[1, 1, T, T]]);
  // every layer has its own activation node run once (see openaiGpt.ts for the measured quirk)
  for (let i = 0; i < L; i++) assert.equal(node(m, `root.h.${i}.mlp.act`).calls, 1);
  const N = B * T;
  const scores = B * heads * T * T;
  const block = 24 * N * H * H + 4 * B * T * T * H + scores * (1 + 1 + 1 + 5) + 2 * T * T + 8 * N * 4 * H + 2 * 8 * N * H + 2 * N * H;
  assert.equal(totalFlops(tree.root), L * block + 2 * N * H);
  const blockParams = 2 * 2 * H + (3 * H * H + 3 * H) + (H * H + H) + (4 * H * H + 4 * H) + (4 * H * H + H);
  assert.equal(tree.root.parameters, (V + P) * H + L * blockParams);
  assert.throws(() => buildFixture('openai-gpt', 1, 513), /513/);
});

/** Llama-style decoder layer FLOPs. */
function llamaLayerFlops(B: number, T: number, H: number, I: number, heads: number, kv: number, d: number): number {
  const N = B * T;
  const proj = 2 * N * H * heads * d * 2 + 2 * 2 * N * H * kv * d;
  const mlp = 3 * 2 * N * H * I + 4 * N * I + N * I;
  const rotary = 3.5 * B * T * d * (heads + kv); // 2 mul + add per element, neg on half
  const attention = 2 * 2 * B * heads * T * T * d + B * heads * T * T * (1 + 1 + 5);
  return proj + mlp + rotary + attention + 2 * 4 * N * H + 2 * N * H;
}

test('tinyllama (llama): GQA, rotary ops, RMSNorm, SiLU MLP', () => {
  const B = 2;
  const T = 50;
  const [H, I, L, heads, kv, V] = [2048, 5632, 22, 32, 4, 32000];
  const d = H / heads;
  const tree = buildFixture('llama', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'LlamaModel');
  assert.equal(countNodes(tree.root), 1 + 1 + 34 * L + 1 + 1 + 5);
  assert.equal(node(m, 'root.layers.0.self_attn.k_proj').parameters, H * kv * d);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.neg.6').inputShapes, [[B, kv, T, d / 2]]);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.matmul.10').inputShapes, [[B, heads, T, d], [B, heads, d, T]]);
  assert.equal(node(m, 'root.layers.0.self_attn.cat.2').kind, 'memory');
  assert.equal(node(m, 'root.layers.0.input_layernorm').kind, 'rmsnorm');
  assert.equal(node(m, 'root.rotary_emb').kind, 'rotary');
  assert.equal(node(m, 'root.layers.0.mlp.act_fn').instanceType, 'SiLUActivation');
  // softmax in float32, cast back to bf16
  const S = B * heads * T * T;
  assert.equal(node(m, 'root.layers.0.self_attn.softmax.13').memBytes, S * (2 + 4));
  assert.equal(node(m, 'root.layers.0.self_attn.cast.14').memBytes, S * (4 + 2));
  const N = B * T;
  const root = 4 * N * H + 3 * T + B + B * T * T;
  assert.equal(totalFlops(tree.root), L * llamaLayerFlops(B, T, H, I, heads, kv, d) + root);
  const layerParams = H * heads * d * 2 + 2 * H * kv * d + 3 * H * I + 2 * H;
  assert.equal(tree.root.parameters, V * H + L * layerParams + H);
  assert.equal(node(m, 'root.layers.0.self_attn.k_proj').source?.configKey, 'num_key_value_heads');
  // rotary positions extrapolate: a long sequence is a warning, not an error
  const long = buildFixture('llama', 1, 4096);
  assert.ok(long.warnings.some((w) => w.includes('4096')));
});

test('llama: attention_bias and mlp_bias add parameters, not FLOPs', () => {
  const plain = buildFixture('llama', 1, 8);
  const biased = buildFixture('llama', 1, 8, 'fp32', (c) => {
    c['attention_bias'] = true;
    c['mlp_bias'] = true;
  });
  const [H, I, L, kv, d] = [2048, 5632, 22, 4, 64];
  assert.equal(biased.root.parameters - plain.root.parameters, L * (2 * H + 2 * kv * d + 2 * I + H));
  assert.equal(totalFlops(biased.root), totalFlops(plain.root));
});

test('mistral-7b: Mistral classes, 8 KV heads, MistralModel parameter count', () => {
  const tree = buildFixture('mistral', 1, 16, 'bf16');
  const m = byScope(tree.root);
  const [H, I, L, heads, kv, V] = [4096, 14336, 32, 32, 8, 32000];
  const d = H / heads;
  assert.equal(tree.root.instanceType, 'MistralModel');
  assert.equal(node(m, 'root.layers.31.self_attn').instanceType, 'MistralAttention');
  assert.equal(node(m, 'root.norm').instanceType, 'MistralRMSNorm');
  assert.equal(node(m, 'root.rotary_emb').instanceType, 'MistralRotaryEmbedding');
  // root: norm, cache_position adds, sub, where, plus the sliding-window sub on the (1, 1, T, 1) query index
  assert.equal(totalFlops(tree.root), L * llamaLayerFlops(1, 16, H, I, heads, kv, d) + 4 * 16 * H + 3 * 16 + 1 + 16 * 16 + 16);
  assert.equal(node(m, 'root.cast.5').memBytes, 16 * 16 * 2);
  const noWindow = byScope(buildFixture('mistral', 1, 16, 'bf16', (c) => (c['sliding_window'] = null)).root);
  assert.equal(noWindow.has('root.cast.5'), false);
  assert.equal(node(noWindow, 'root.where.4').instanceType, 'where');
  const params = V * H + L * (2 * H * H + 2 * H * kv * d + 3 * H * I + 2 * H) + H;
  assert.equal(tree.root.parameters, params);
  // Mistral-7B-v0.1 is published as 7.24B parameters with its 32000 x 4096 LM head
  assert.equal(params + V * H, 7_241_732_096);
  // HF default when num_key_value_heads is absent is 8 for Mistral
  const noKv = buildFixture('mistral', 1, 8, 'fp32', (c) => delete c['num_key_value_heads']);
  assert.equal(node(byScope(noKv.root), 'root.layers.0.self_attn.k_proj').parameters, H * 8 * d);
});

test('qwen2-0.5b: q/k/v biases, tied embeddings counted once, 494M parameters', () => {
  const tree = buildFixture('qwen2', 2, 32, 'bf16');
  const m = byScope(tree.root);
  const [H, I, L, heads, kv, V] = [896, 4864, 24, 14, 2, 151936];
  const d = H / heads;
  assert.equal(tree.root.instanceType, 'Qwen2Model');
  assert.equal(node(m, 'root.layers.0.self_attn.q_proj').parameters, H * H + H);
  assert.equal(node(m, 'root.layers.0.self_attn.k_proj').parameters, H * kv * d + kv * d);
  assert.equal(node(m, 'root.layers.0.self_attn.o_proj').parameters, H * H);
  assert.equal(node(m, 'root.layers.0.mlp.gate_proj').parameters, H * I);
  const params = V * H + L * (2 * H * H + H + 2 * (H * kv * d + kv * d) + 3 * H * I + 2 * H) + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(params, 494_032_768); // Qwen2-0.5B: 0.49B with tied embeddings
  assert.equal(totalFlops(tree.root), L * llamaLayerFlops(2, 32, H, I, heads, kv, d) + 4 * 64 * H + 3 * 32 + 2 + 2 * 32 * 32);
});

test('openai-gpt: afn takes only the names of its ACT_FNS table', () => {
  const relu = byScope(buildFixture('openai-gpt', 1, 8, 'fp32', (c) => (c['afn'] = 'relu')).root);
  assert.equal(node(relu, 'root.h.0.mlp.act').instanceType, 'ReLU');
  const silu = byScope(buildFixture('openai-gpt', 1, 8, 'fp32', (c) => (c['afn'] = 'swish')).root);
  assert.equal(node(silu, 'root.h.0.mlp.act').instanceType, 'SiLU');
  assert.throws(() => buildFixture('openai-gpt', 1, 8, 'fp32', (c) => (c['afn'] = 'gelu_new')), /afn "gelu_new"/);
});

test('settings that are ignored say so in the warnings', () => {
  const q = buildFixture('qwen2', 1, 8, 'fp32', (c) => (c['use_sliding_window'] = true));
  assert.ok(q.warnings.some((w) => w.includes('use_sliding_window')));
  assert.equal(buildFixture('qwen2', 1, 8).warnings.length, 0);
});
