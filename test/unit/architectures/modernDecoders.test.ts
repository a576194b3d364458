/**
 * The decoders added after Llama (gemma, gemma2, gemma3_text, phi3, qwen3,
 * gpt_neox, falcon, opt, bloom, phi, starcoder2), built from configs written
 * from their public model cards. Parameter counts are computed here from the
 * config fields by plain arithmetic and, where the authors publish one,
 * compared with the published count (source named at each). Module names and
 * per-layer op sequences follow transformers 5's modelling files (read, not
 * copied); FLOPs follow the conventions of primitiveCost.ts (2 per
 * multiply-add, softmax 5, layernorm 8, rmsnorm 4, gelu 8, silu / tanh 4, 1
 * per element for other element-wise ops).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHITECTURE_SPECS } from '../../../src/engine/architectures/index.js';
import { totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, fixtureConfig, moduleNames, node, opSequence } from './fixtures.js';

const ROTARY = ['mul', 'neg', 'cat', 'mul', 'add'];
const CORE = ['matmul', 'mul', 'add', 'softmax', 'cast', 'matmul', 'contiguous'];

/** Root mask ops: one cache_position add, then per mask sub, add, add (+ sub, cast, cast when windowed), where. */
function maskOps(...masks: ('causal' | 'sliding')[]): string[] {
  return ['add', ...masks.flatMap((m) => ['sub', 'add', 'add', ...(m === 'sliding' ? ['sub', 'cast', 'cast'] : []), 'where'])];
}

/** FLOPs of the root mask ops (int64 bookkeeping plus the where). */
function maskFlops(B: number, T: number, masks: ('causal' | 'sliding')[]): number {
  return T + masks.reduce((s, m) => s + B + 2 * T + (m === 'sliding' ? T : 0) + B * T * T, 0);
}

interface DecoderLayer {
  H: number;
  I: number;
  heads: number;
  kv: number;
  d: number;
  /** rmsnorms per layer */
  norms: number;
  /** FLOPs per element of the gated MLP's activation */
  act: number;
  /** extra FLOPs per attention score (soft-capping: div 1 + tanh 4 + mul 1) */
  perScore?: number;
  /** q/k RMSNorms per head */
  qkNorm?: boolean;
}

/** One gated-MLP rotary decoder layer (Llama-style) at (B, T): projections, rotary, eager core, MLP, norms, residuals. */
function gatedLayerFlops(B: number, T: number, l: DecoderLayer): number {
  const N = B * T;
  const proj = 2 * N * l.H * l.heads * l.d * 2 + 2 * 2 * N * l.H * l.kv * l.d;
  const mlp = 3 * 2 * N * l.H * l.I + l.act * N * l.I + N * l.I;
  const rotary = 3.5 * B * T * l.d * (l.heads + l.kv);
  const scores = B * l.heads * T * T;
  const attention = 2 * 2 * scores * l.d + scores * (1 + 1 + 5 + (l.perScore ?? 0));
  const qk = l.qkNorm ? 4 * N * l.d * (l.heads + l.kv) : 0;
  return proj + mlp + rotary + attention + qk + l.norms * 4 * N * l.H + 2 * N * l.H;
}

/** Parameters of one gated-MLP decoder layer without biases. */
function gatedLayerParams(l: DecoderLayer): number {
  return 2 * l.H * l.heads * l.d + 2 * l.H * l.kv * l.d + 3 * l.H * l.I + l.norms * l.H + (l.qkNorm ? 2 * l.d : 0);
}

test('gemma (gemma-2b): head_dim 256 apart from hidden/heads, GeGLU, (1 + w) RMSNorm, embeddings scaled by sqrt(hidden)', () => {
  const [B, T] = [2, 24];
  const l: DecoderLayer = { H: 2048, I: 16384, heads: 8, kv: 1, d: 256, norms: 2, act: 8 };
  const [V, L] = [256000, 18];
  const tree = buildFixture('gemma', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'GemmaModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['self_attn', 'mlp', 'input_layernorm', 'post_attention_layernorm']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'o_proj']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.self_attn')), [...ROTARY, ...ROTARY, ...CORE, 'contiguous']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0')), ['add', 'add']);
  assert.equal(node(m, 'root.layers.0.self_attn.q_proj').parameters, l.H * l.heads * l.d); // 2048 x 2048, not hidden x hidden by chance:
  assert.equal(node(m, 'root.layers.0.self_attn.k_proj').parameters, l.H * 256); // one KV head of 256
  assert.equal(node(m, 'root.layers.0.mlp.act_fn').instanceType, 'PytorchGELUTanh');
  assert.equal(node(m, 'root.layers.0.input_layernorm').kind, 'rmsnorm');
  assert.deepEqual(opSequence(tree.root), [...maskOps('causal'), 'mul']);
  assert.deepEqual(node(m, 'root.mul.5').inputShapes, [[B, T, l.H], []]);
  const nonEmbedding = L * gatedLayerParams(l) + l.H;
  assert.equal(nonEmbedding, 1_981_884_416); // Gemma paper (Gemma Team 2024), Table 2: 2B non-embedding parameters
  assert.equal(tree.root.parameters, V * l.H + nonEmbedding);
  assert.equal(totalFlops(tree.root), L * gatedLayerFlops(B, T, l) + 4 * B * T * l.H + maskFlops(B, T, ['causal']) + B * T * l.H);
  // hidden_act is legacy in Gemma; hidden_activation decides
  const relu = byScope(buildFixture('gemma', 1, 8, 'bf16', (c) => (c['hidden_activation'] = 'relu')).root);
  assert.equal(node(relu, 'root.layers.0.mlp.act_fn').instanceType, 'ReLU');
});

test('gemma2 (gemma-2-9b): four norms per layer, soft-capped scores, sliding and global masks', () => {
  const [B, T] = [1, 32];
  const l: DecoderLayer = { H: 3584, I: 14336, heads: 16, kv: 8, d: 256, norms: 4, act: 8, perScore: 6 };
  const [V, L] = [256000, 42];
  const tree = buildFixture('gemma2', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Gemma2Model');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['self_attn', 'mlp', 'input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm']);
  assert.deepEqual(opSequence(node(m, 'root.layers.1.self_attn')), [...ROTARY, ...ROTARY, 'matmul', 'mul', 'div', 'tanh', 'mul', 'add', 'softmax', 'cast', 'matmul', 'contiguous', 'contiguous']);
  assert.equal(node(m, 'root.layers.0.self_attn.tanh.13').kind, 'activation');
  assert.deepEqual(opSequence(tree.root), [...maskOps('causal', 'sliding'), 'mul']);
  // Gemma 2 paper (Gemma Team 2024), Table 1, 9B: 917,504,000 embedding + 8,324,201,984 non-embedding parameters
  assert.equal(V * l.H, 917_504_000);
  assert.equal(L * gatedLayerParams(l) + l.H, 8_324_201_984);
  assert.equal(tree.root.parameters, 917_504_000 + 8_324_201_984);
  assert.equal(totalFlops(tree.root), L * gatedLayerFlops(B, T, l) + 4 * B * T * l.H + maskFlops(B, T, ['causal', 'sliding']) + B * T * l.H);
  // an explicit null turns soft-capping off; an absent key takes the HF default 50
  const off = byScope(buildFixture('gemma2', B, T, 'bf16', (c) => (c['attn_logit_softcapping'] = null)).root);
  assert.equal(off.has('root.layers.0.self_attn.tanh.13'), false);
  const absent = buildFixture('gemma2', B, T, 'bf16', (c) => delete c['attn_logit_softcapping']);
  assert.ok(byScope(absent.root).has('root.layers.0.self_attn.tanh.13'));
  assert.ok(absent.warnings.some((w) => w.includes('attn_logit_softcapping')));
});

test('gemma3_text (gemma-3-1b): q/k norms, a self-scaling embedding, 5 local : 1 global layers', () => {
  const [B, T] = [2, 16];
  const l: DecoderLayer = { H: 1152, I: 6912, heads: 4, kv: 1, d: 256, norms: 4, act: 8, qkNorm: true };
  const [V, L] = [262144, 26];
  const tree = buildFixture('gemma3_text', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Gemma3TextModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'q_norm', 'k_norm']);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.q_norm').inputShapes, [[B, l.heads, T, l.d]]);
  assert.equal(node(m, 'root.layers.0.self_attn.q_norm').instanceType, 'Gemma3RMSNorm');
  assert.deepEqual(opSequence(node(m, 'root.layers.0.self_attn')), [...ROTARY, ...ROTARY, ...CORE, 'contiguous']); // no soft-cap by default
  const embed = node(m, 'root.embed_tokens');
  assert.equal(embed.instanceType, 'Gemma3TextScaledWordEmbedding');
  assert.equal(embed.kind, 'embedding');
  assert.equal(embed.flops, B * T * l.H); // the scale is applied inside the module
  assert.deepEqual(opSequence(tree.root), maskOps('causal', 'sliding')); // no root mul
  assert.equal(node(m, 'root.rotary_emb').calls, L); // asked once per entry of layer_types
  const params = V * l.H + L * gatedLayerParams(l) + l.H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e8) / 10, 1.0); // Gemma 3 report: "1B"
  assert.equal(totalFlops(tree.root), L * gatedLayerFlops(B, T, l) + 4 * B * T * l.H + maskFlops(B, T, ['causal', 'sliding']) + B * T * l.H);
  // layer_types, when present, decide which rope each layer uses; Gemma3TextModel builds both masks regardless
  const global = buildFixture('gemma3_text', B, T, 'bf16', (c) => (c['layer_types'] = new Array(26).fill('full_attention')));
  assert.deepEqual(opSequence(global.root), maskOps('causal', 'sliding'));
  assert.equal(totalFlops(global.root), totalFlops(tree.root)); // windows mask keys; eager attention computes every score
});

test('phi3 (Phi-3-mini-4k): fused qkv_proj and gate_up_proj, sliding-window mask, 3.8B with its head', () => {
  const [B, T] = [2, 20];
  const [H, I, heads, L, V] = [3072, 8192, 32, 32, 32064];
  const d = H / heads;
  const tree = buildFixture('phi3', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Phi3Model');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.self_attn')), ['qkv_proj', 'o_proj']);
  assert.equal(node(m, 'root.layers.0.self_attn.qkv_proj').parameters, H * (heads + 2 * heads) * d);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.mlp')), ['gate_up_proj', 'down_proj', 'activation_fn']);
  assert.equal(node(m, 'root.layers.0.mlp.gate_up_proj').parameters, H * 2 * I);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp')), ['mul']);
  assert.deepEqual(opSequence(tree.root), maskOps('sliding')); // sliding_window 2047 replaces the causal mask
  const layer = 3 * H * H + H * H + 3 * H * I + 2 * H;
  const params = V * H + L * layer + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(params + V * H, 3_821_079_552); // Phi-3-mini: 3.8B parameters (Abdin et al. 2024), untied LM head included
  const l: DecoderLayer = { H, I, heads, kv: heads, d, norms: 2, act: 4 };
  assert.equal(totalFlops(tree.root), L * gatedLayerFlops(B, T, l) + 4 * B * T * H + maskFlops(B, T, ['sliding']));
  // partial rotary: each rotated tensor is concatenated back with its pass-through part
  const partial = byScope(buildFixture('phi3', 1, 8, 'bf16', (c) => (c['partial_rotary_factor'] = 0.5)).root);
  assert.deepEqual(opSequence(node(partial, 'root.layers.0.self_attn')).slice(0, 12), [...ROTARY, 'cat', ...ROTARY, 'cat']);
  assert.deepEqual(node(partial, 'root.layers.0.self_attn.mul.0').inputShapes, [[1, heads, 8, d / 2], [1, 1, 8, d / 2]]);
});

test('qwen3 (Qwen3-0.6B): q/k RMSNorm over head_dim before the transpose, 0.6B with tied embeddings', () => {
  const [B, T] = [1, 40];
  const l: DecoderLayer = { H: 1024, I: 3072, heads: 16, kv: 8, d: 128, norms: 2, act: 4, qkNorm: true };
  const [V, L] = [151936, 28];
  const tree = buildFixture('qwen3', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Qwen3Model');
  assert.deepEqual(moduleNames(node(m, 'root.layers.3.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'q_norm', 'k_norm']);
  assert.deepEqual(node(m, 'root.layers.3.self_attn.k_norm').inputShapes, [[B, T, l.kv, l.d]]);
  assert.equal(node(m, 'root.layers.3.self_attn.k_norm').parameters, l.d);
  assert.equal(node(m, 'root.layers.3.self_attn.q_proj').parameters, l.H * l.heads * l.d); // no bias
  assert.deepEqual(opSequence(node(m, 'root.layers.3.self_attn')), [...ROTARY, ...ROTARY, ...CORE, 'contiguous']);
  const nonEmbedding = L * gatedLayerParams(l) + l.H;
  assert.equal(Math.round(nonEmbedding / 1e7) / 100, 0.44); // Qwen3-0.6B model card: 0.44B non-embedding parameters
  assert.equal(tree.root.parameters, V * l.H + nonEmbedding);
  assert.equal(Math.round(tree.root.parameters / 1e8) / 10, 0.6); // model card: 0.6B
  assert.equal(totalFlops(tree.root), L * gatedLayerFlops(B, T, l) + 4 * B * T * l.H + maskFlops(B, T, ['causal']));
  // use_sliding_window makes the layers from max_window_layers on windowed: a second mask at the root
  const windowed = buildFixture('qwen3', B, T, 'bf16', (c) => {
    c['use_sliding_window'] = true;
    c['max_window_layers'] = 20;
  });
  assert.deepEqual(opSequence(windowed.root), maskOps('causal', 'sliding'));
  assert.equal(totalFlops(windowed.root) - totalFlops(tree.root), B + 3 * T + B * T * T);
});

test('gpt_neox (pythia-160m): fused QKV, rotary on a quarter of each head, parallel residual', () => {
  const [B, T] = [2, 32];
  const [H, I, heads, L, V] = [768, 3072, 12, 12, 50304];
  const d = H / heads;
  const rot = d / 4;
  const tree = buildFixture('gpt_neox', B, T, 'fp16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'GPTNeoXModel');
  assert.deepEqual(moduleNames(tree.root).slice(0, 2), ['embed_in', 'layers.0']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['input_layernorm', 'post_attention_layernorm', 'attention', 'mlp']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.attention')), ['query_key_value', 'dense']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.attention')), [...ROTARY, 'cat', ...ROTARY, 'cat', ...CORE, 'contiguous']);
  assert.deepEqual(node(m, 'root.layers.0.attention.mul.0').inputShapes, [[B, heads, T, rot], [1, 1, T, rot]]);
  assert.deepEqual(node(m, 'root.layers.0.attention.cat.5').inputShapes, [[B, heads, T, rot], [B, heads, T, d - rot]]);
  const layer = 2 * 2 * H + (3 * H * H + 3 * H) + (H * H + H) + (H * I + I) + (I * H + H);
  assert.equal(L * layer + 2 * H, 85_056_000); // Pythia (Biderman et al. 2023), Table 1: 160M non-embedding parameters
  assert.equal(tree.root.parameters + V * H, 162_322_944); // same table: total, with the untied embed_out
  const N = B * T;
  const scores = B * heads * T * T;
  const layerFlops =
    2 * N * H * 3 * H + 2 * N * H * H + 2 * 2 * N * H * I + 8 * N * I + 2 * 8 * N * H + 2 * N * H + 2 * 3.5 * B * heads * T * rot + 4 * scores * d + 7 * scores;
  assert.equal(totalFlops(tree.root), L * layerFlops + 8 * N * H + maskFlops(B, T, ['causal']));
});

test('falcon (falcon-7b): multi-query fused QKV, one norm for parallel attention; new layout with ln_attn and ln_mlp', () => {
  const [B, T] = [1, 16];
  const [H, heads, L, V] = [4544, 71, 32, 65024];
  const d = H / heads;
  const tree = buildFixture('falcon', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'FalconModel');
  assert.deepEqual(moduleNames(node(m, 'root.h.0')), ['input_layernorm', 'self_attention', 'mlp']);
  assert.equal(node(m, 'root.h.0.self_attention.query_key_value').instanceType, 'FalconLinear');
  assert.equal(node(m, 'root.h.0.self_attention.query_key_value').kind, 'linear');
  assert.equal(node(m, 'root.h.0.self_attention.query_key_value').parameters, H * (H + 2 * d)); // one shared key/value head, no bias
  assert.deepEqual(opSequence(node(m, 'root.h.0.self_attention')), [...ROTARY, ...ROTARY, 'matmul', 'div', 'add', 'softmax', 'matmul']);
  assert.deepEqual(node(m, 'root.h.0.self_attention.matmul.10').inputShapes, [[B, heads, T, d], [B, 1, d, T]]);
  const layer = 2 * H + H * (H + 2 * d) + H * H + 2 * 4 * H * H;
  assert.equal(tree.root.parameters, V * H + L * layer + 2 * H);
  assert.equal(Math.round(tree.root.parameters / 1e7) / 100, 6.92); // falcon-7b, tied head: 6.92B (the "7B" of the model card)
  // the new decoder layout (falcon-40b): 8 KV heads, separate norms for attention and MLP
  const big = buildFixture('falcon', B, T, 'bf16', (c) => Object.assign(c, { hidden_size: 8192, num_attention_heads: 128, num_kv_heads: 8, num_hidden_layers: 60, new_decoder_architecture: true }));
  const b = byScope(big.root);
  assert.deepEqual(moduleNames(node(b, 'root.h.0')), ['ln_attn', 'ln_mlp', 'self_attention', 'mlp']);
  assert.equal(node(b, 'root.h.0.self_attention.query_key_value').parameters, 8192 * (128 + 2 * 8) * 64);
  const bigLayer = 2 * 2 * 8192 + 8192 * (128 + 16) * 64 + 8192 * 8192 + 2 * 4 * 8192 * 8192;
  assert.equal(big.root.parameters, V * 8192 + 60 * bigLayer + 2 * 8192);
  assert.equal(Math.round(big.root.parameters / 1e8) / 10, 41.3); // falcon-40b: "40B" (41.3B with the tied head counted once)
  // sequential attention then MLP: a post-attention norm
  const seq = byScope(buildFixture('falcon', B, T, 'bf16', (c) => (c['parallel_attn'] = false)).root);
  assert.deepEqual(moduleNames(node(seq, 'root.h.0')), ['input_layernorm', 'post_attention_layernorm', 'self_attention', 'mlp']);
});

test('opt (opt-125m): OPTDecoder with learned positions offset by 2, pre-LN, ReLU on flattened tokens', () => {
  const [B, T] = [2, 64];
  const [H, F, L, V, P] = [768, 3072, 12, 50272, 2048];
  const tree = buildFixture('opt', B, T, 'fp16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'OPTModel');
  assert.deepEqual(moduleNames(tree.root), ['decoder']);
  assert.deepEqual(moduleNames(node(m, 'root.decoder')).slice(0, 4), ['embed_tokens', 'embed_positions', 'final_layer_norm', 'layers.0']);
  assert.equal(node(m, 'root.decoder.embed_positions').parameters, (P + 2) * H);
  assert.deepEqual(moduleNames(node(m, 'root.decoder.layers.0')), ['self_attn', 'activation_fn', 'self_attn_layer_norm', 'fc1', 'fc2', 'final_layer_norm']);
  assert.deepEqual(node(m, 'root.decoder.layers.0.fc1').inputShapes, [[B * T, H]]);
  assert.deepEqual(opSequence(node(m, 'root.decoder.layers.0.self_attn')), [...CORE, 'contiguous']);
  assert.deepEqual(opSequence(node(m, 'root.decoder')), [...maskOps('causal'), 'mul', 'sub', 'cast', 'add']);
  const layer = 4 * (H * H + H) + 2 * 2 * H + (H * F + F) + (F * H + H);
  const params = V * H + (P + 2) * H + L * layer + 2 * H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e6), 125); // OPT paper (Zhang et al. 2022), Table 1: 125M
  assert.throws(() => buildFixture('opt', 1, P + 1), /2049.*2048/);
  // OPT-350m projects 512-wide embeddings in and out of the 1024-wide decoder
  const wide = byScope(buildFixture('opt', 1, 8, 'fp16', (c) => Object.assign(c, { hidden_size: 1024, num_attention_heads: 16, ffn_dim: 4096, word_embed_proj_dim: 512 })).root);
  assert.equal(node(wide, 'root.decoder.project_in').parameters, 512 * 1024);
  assert.equal(node(wide, 'root.decoder.embed_tokens').parameters, V * 512);
});

test('bloom (bloom-560m): ALiBi through baddbmm, embedding LayerNorm, residual adds inside attention and MLP', () => {
  const [B, T] = [2, 24];
  const [H, heads, L, V] = [1024, 16, 24, 250880];
  const d = H / heads;
  const tree = buildFixture('bloom', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'BloomModel');
  assert.deepEqual(moduleNames(node(m, 'root.h.0')), ['input_layernorm', 'self_attention', 'post_attention_layernorm', 'mlp']);
  assert.deepEqual(opSequence(node(m, 'root.h.0.self_attention')), ['baddbmm', 'add', 'softmax', 'cast', 'bmm', 'add']);
  assert.equal(node(m, 'root.h.0.self_attention.baddbmm.0').kind, 'matmul');
  assert.equal(node(m, 'root.h.0.mlp.gelu_impl').instanceType, 'BloomGelu');
  assert.equal(node(m, 'root.h.0.mlp.gelu_impl').kind, 'activation');
  assert.deepEqual(opSequence(node(m, 'root.h.0.mlp')), ['add']);
  assert.deepEqual(opSequence(tree.root), ['sub', 'mul', 'mul', 'cast', ...maskOps('causal')]);
  const layer = 2 * 2 * H + (3 * H * H + 3 * H) + (H * H + H) + (4 * H * H + 4 * H) + (4 * H * H + H);
  assert.equal(tree.root.parameters, V * H + 2 * H + L * layer + 2 * H);
  assert.equal(tree.root.parameters, 559_214_592); // bigscience/bloom-560m model card: 559,214,592 parameters
  const N = B * T;
  const scores = B * heads * T * T;
  const layerFlops = 24 * N * H * H + 4 * scores * d + scores * (2 + 1 + 5) + 8 * N * 4 * H + 2 * 8 * N * H + 2 * N * H;
  const alibi = 2 * B * T + B * heads * T;
  assert.equal(totalFlops(tree.root), L * layerFlops + 2 * 8 * N * H + alibi + maskFlops(B, T, ['causal']));
});

test('phi (phi-2): one shared LayerNorm, parallel attention and MLP, partial rotary concatenated after both rotations', () => {
  const [B, T] = [1, 12];
  const [H, I, heads, L, V] = [2560, 10240, 32, 32, 51200];
  const d = H / heads;
  const tree = buildFixture('phi', B, T, 'fp16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'PhiModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['self_attn', 'mlp', 'input_layernorm']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'dense']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.self_attn')), [...ROTARY, ...ROTARY, 'cat', 'cat', ...CORE, 'contiguous']);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.mul.0').inputShapes, [[B, heads, T, 32], [1, 1, T, 32]]); // 0.4 x 80
  const layer = 2 * H + 4 * (H * H + H) + (H * I + I) + (I * H + H);
  const params = V * H + L * layer + 2 * H;
  assert.equal(tree.root.parameters, params);
  assert.equal(params + V * H + V, 2_779_683_840); // phi-2: 2.7B (model card), LM head weight and bias included
  const qk = byScope(buildFixture('phi', B, T, 'fp16', (c) => (c['qk_layernorm'] = true)).root);
  assert.deepEqual(moduleNames(node(qk, 'root.layers.0.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'dense', 'q_layernorm', 'k_layernorm']);
  assert.equal(node(qk, 'root.layers.0.self_attn.q_layernorm').parameters, 2 * d);
});

test('starcoder2 (starcoder2-3b): GQA with biases, LayerNorm, a plain c_fc/c_proj MLP', () => {
  const [B, T] = [1, 16];
  const [H, I, heads, kv, L, V] = [3072, 12288, 24, 2, 30, 49152];
  const d = H / heads;
  const tree = buildFixture('starcoder2', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Starcoder2Model');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.mlp')), ['c_fc', 'c_proj', 'act']);
  assert.equal(node(m, 'root.layers.0.input_layernorm').instanceType, 'LayerNorm');
  assert.equal(node(m, 'root.layers.0.self_attn.k_proj').parameters, H * kv * d + kv * d);
  assert.deepEqual(opSequence(tree.root), maskOps('sliding'));
  const layer = 2 * (H * H + H) + 2 * (H * kv * d + kv * d) + (H * I + I) + (I * H + H) + 2 * 2 * H;
  const params = V * H + L * layer + 2 * H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round(params / 1e7) / 100, 3.03); // starcoder2-3b: 3B (Lozhkov et al. 2024); 3.03B with the tied head
});

test('every decoder declares the LM head the generation work will add, sized from config keys the fixtures have', () => {
  for (const type of ['gemma', 'gemma2', 'gemma3_text', 'phi3', 'qwen3', 'gpt_neox', 'falcon', 'opt', 'bloom', 'phi', 'starcoder2']) {
    const spec = ARCHITECTURE_SPECS[type];
    assert.equal(spec?.family, 'decoder', type);
    const cfg = fixtureConfig(type);
    assert.ok(spec.lmHead!.vocabKeys.some((k) => typeof cfg[k] === 'number'), `${type}: vocab key`);
    assert.ok(spec.lmHead!.widthKeys.some((k) => typeof cfg[k] === 'number'), `${type}: width key`);
  }
  assert.equal(ARCHITECTURE_SPECS['gemma2']!.lmHead!.softcapKey, 'final_logit_softcapping');
  assert.equal(ARCHITECTURE_SPECS['phi']!.lmHead!.bias, true);
  assert.equal(ARCHITECTURE_SPECS['gpt_neox']!.lmHead!.tiedDefault, false);
});

test('llama (Meta-Llama-3-8B sizes): 8,030,261,248 parameters with the untied LM head', () => {
  const [H, I, L, V] = [4096, 14336, 32, 128256];
  const tree = buildFixture('llama', 1, 8, 'bf16', (c) => Object.assign(c, { hidden_size: H, intermediate_size: I, num_attention_heads: 32, num_hidden_layers: L, num_key_value_heads: 8, vocab_size: V, max_position_embeddings: 8192, head_dim: 128 }));
  assert.equal(tree.root.parameters, V * H + L * (2 * H * H + 2 * H * 1024 + 3 * H * I + 2 * H) + H);
  assert.equal(tree.root.parameters + V * H, 8_030_261_248); // Meta-Llama-3-8B as transformers counts it (model card: 8B), its 128256 x 4096 LM head included
});
