/**
 * Mixtures of experts (mixtral, qwen2_moe, qwen3_moe, gpt_oss, deepseek_v3)
 * under the balanced top-k routing assumption: parameters count every
 * expert, FLOPs and bytes only the experts that run (min(E, N x k) of them,
 * N x k / that many tokens each). Counts are computed here from the config
 * fields and compared with the totals and active counts the authors publish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedRouting } from '../../../src/engine/architectures/moe.js';
import { totalFlops } from '../../../src/engine/tree/treeWalk.js';
import { buildFixture, byScope, moduleNames, node, opSequence, paramsWhere, relDiff } from './fixtures.js';

/** FLOPs of the routed experts of one layer for N tokens: every (token, chosen expert) pair runs one SwiGLU expert. */
function routedExpertFlops(N: number, k: number, H: number, I: number, actFlops = 4): number {
  const pairs = N * k;
  return pairs * (2 * H * 2 * I + actFlops * I + I + 2 * I * H + H + H);
}

test('balanced routing: min(E, N x k) experts run, sharing the N x k (token, expert) pairs', () => {
  assert.deepEqual(balancedRouting(16, 2, 8), { expertsRun: 8, tokensPerExpert: 4 });
  assert.deepEqual(balancedRouting(1, 2, 8), { expertsRun: 2, tokensPerExpert: 1 }); // one decoded token touches only its 2 experts
  assert.deepEqual(balancedRouting(5, 2, 8), { expertsRun: 8, tokensPerExpert: 1.25 });
  assert.deepEqual(balancedRouting(3, 8, 256), { expertsRun: 24, tokensPerExpert: 1 });
});

test('mixtral (8x7B): router and experts modules, calls = experts run, 46.7B total, 12.9B active', () => {
  const [B, T] = [2, 8];
  const [H, I, L, E, k, V] = [4096, 14336, 32, 8, 2, 32000];
  const N = B * T;
  const tree = buildFixture('mixtral', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'MixtralModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0')), ['self_attn', 'mlp', 'input_layernorm', 'post_attention_layernorm']);
  assert.equal(node(m, 'root.layers.0.mlp').instanceType, 'MixtralSparseMoeBlock');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.mlp')), ['gate', 'experts']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp.gate')), ['linear', 'softmax', 'topk', 'div']);
  const experts = node(m, 'root.layers.0.mlp.experts');
  assert.equal(experts.instanceType, 'MixtralExperts');
  assert.equal(experts.calls, 1);
  assert.deepEqual(opSequence(experts), ['linear', 'mul', 'linear', 'mul', 'index_add']);
  const gateUp = node(m, 'root.layers.0.mlp.experts.linear.0');
  assert.equal(gateUp.calls, 8); // 16 tokens x 2 / 8 experts: all 8 run, 4 tokens each
  assert.deepEqual(gateUp.inputShapes, [[4, H]]);
  assert.equal(gateUp.parameters, E * H * 2 * I); // the whole gate_up_proj tensor
  assert.equal(gateUp.memBytes, (4 * H + 4 * 2 * I + H * 2 * I) * 2); // one expert's slice per call
  assert.equal(node(m, 'root.layers.0.mlp.experts.act_fn').calls, 8);
  // FLOPs of the block: the router plus the active experts only
  assert.equal(experts.flops, routedExpertFlops(N, k, H, I));
  // parameters: every expert
  const layer = 2 * H * H + 2 * H * 1024 + E * H + E * 3 * H * I + 2 * H;
  const params = V * H + L * layer + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round((params + V * H) / 1e8) / 10, 46.7); // Mistral AI, "Mixtral of experts" (2024): 46.7B total parameters (LM head included)
  const active = params - L * E * 3 * H * I + L * k * 3 * H * I;
  assert.equal(tree.activeParameters, active);
  assert.equal(Math.round((active + V * H) / 1e8) / 10, 12.9); // same source: 12.9B active parameters per token
  assert.equal(tree.weightBytes, params * 2); // memory fit: all experts, bf16
  assert.ok(tree.warnings.some((w) => /balanced top-2 routing/.test(w) && /count all 8/.test(w)));
  // one decoded token (N = 1): only its 2 experts run, each on the one token
  const one = byScope(buildFixture('mixtral', 1, 1, 'bf16').root);
  assert.equal(node(one, 'root.layers.0.mlp.experts.linear.0').calls, 2);
  assert.deepEqual(node(one, 'root.layers.0.mlp.experts.linear.0').inputShapes, [[1, H]]);
  // top-k raises the experts' FLOPs, not the parameters
  const top4 = buildFixture('mixtral', B, T, 'bf16', (c) => (c['num_experts_per_tok'] = 4));
  assert.equal(top4.root.parameters, tree.root.parameters);
  assert.equal(totalFlops(top4.root) - totalFlops(tree.root), L * (routedExpertFlops(N, 4, H, I) - routedExpertFlops(N, 2, H, I)) + L * N * (4 - 2)); // + the router's renormalising div over k weights
});

test('qwen2_moe (Qwen1.5-MoE-A2.7B): 60 routed experts plus a gated shared expert, 14.3B total, 2.7B active', () => {
  const [B, T] = [1, 32];
  const [H, I, sharedI, L, E, k, V] = [2048, 1408, 5632, 24, 60, 4, 151936];
  const N = B * T;
  const tree = buildFixture('qwen2_moe', B, T, 'bf16');
  const m = byScope(tree.root);
  const block = node(m, 'root.layers.0.mlp');
  assert.equal(block.instanceType, 'Qwen2MoeSparseMoeBlock');
  assert.deepEqual(moduleNames(block), ['gate', 'experts', 'shared_expert', 'shared_expert_gate']);
  assert.deepEqual(opSequence(block), ['sigmoid', 'mul', 'add']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp.gate')), ['linear', 'softmax', 'topk', 'cast']); // norm_topk_prob false: no div
  assert.deepEqual(node(m, 'root.layers.0.mlp.shared_expert.gate_proj').inputShapes, [[N, H]]);
  // 32 tokens x 4 = 128 pairs over 60 experts: all run, 128 / 60 tokens each
  assert.equal(node(m, 'root.layers.0.mlp.experts.linear.0').calls, 60);
  assert.deepEqual(node(m, 'root.layers.0.mlp.experts.linear.0').inputShapes, [[128 / 60, H]]);
  assert.ok(relDiff(node(m, 'root.layers.0.mlp.experts').flops, routedExpertFlops(N, k, H, I)) < 1e-12); // fractional tokens per call, exact total
  const attn = 3 * (H * H + H) + H * H;
  const layer = attn + E * H + E * 3 * H * I + 3 * H * sharedI + H + 2 * H;
  const params = V * H + L * layer + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round((params + V * H) / 1e8) / 10, 14.3); // Qwen team, "Qwen1.5-MoE" (2024): 14.3B parameters in total
  const active = params - L * (E - k) * 3 * H * I;
  assert.equal(tree.activeParameters, active);
  assert.equal(Math.round((active + V * H) / 1e8) / 10, 2.7); // same source: 2.7B activated
  // mlp_only_layers get the dense MLP (intermediate_size wide)
  const dense = byScope(buildFixture('qwen2_moe', B, T, 'bf16', (c) => (c['mlp_only_layers'] = [0])).root);
  assert.equal(node(dense, 'root.layers.0.mlp').instanceType, 'Qwen2MoeMLP');
  assert.equal(node(dense, 'root.layers.0.mlp.gate_proj').parameters, H * 5632);
  assert.equal(node(dense, 'root.layers.1.mlp').instanceType, 'Qwen2MoeSparseMoeBlock');
});

test('qwen3_moe (Qwen3-30B-A3B): q/k norms, 128 experts top-8 renormalised, no shared expert, 30.5B total, 3.3B active', () => {
  const [B, T] = [2, 16];
  const [H, I, L, E, k, heads, kv, d, V] = [2048, 768, 48, 128, 8, 32, 4, 128, 151936];
  const tree = buildFixture('qwen3_moe', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'Qwen3MoeModel');
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.self_attn')), ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'q_norm', 'k_norm']);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.mlp')), ['gate', 'experts']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp.gate')), ['linear', 'softmax', 'topk', 'div', 'cast']);
  assert.equal(node(m, 'root.layers.0.mlp.experts.linear.0').calls, Math.min(E, B * T * k)); // 32 x 8 = 256 pairs: all 128 run, 2 tokens each
  assert.deepEqual(node(m, 'root.layers.0.mlp.experts.linear.0').inputShapes, [[(B * T * k) / E, H]]);
  const attn = 2 * H * heads * d + 2 * H * kv * d + 2 * d;
  const layer = attn + E * H + E * 3 * H * I + 2 * H;
  const nonEmbedding = L * layer + H;
  assert.equal(Math.round(nonEmbedding / 1e8) / 10, 29.9); // Qwen3-30B-A3B model card: 29.9B non-embedding parameters
  assert.equal(tree.root.parameters, V * H + nonEmbedding);
  assert.equal(Math.round((tree.root.parameters + V * H) / 1e8) / 10, 30.5); // model card: 30.5B in total
  assert.equal(Math.floor((tree.activeParameters! + V * H) / 1e8) / 10, 3.3); // model card: 3.3B activated (3.35B)
});

test('gpt_oss (gpt-oss-20b): attention sinks, alternating windows, clamped-GLU experts with biases, 20.9B total, 3.6B active', () => {
  const [B, T] = [1, 16];
  const [H, I, L, E, k, heads, kv, d, V] = [2880, 2880, 24, 32, 4, 64, 8, 64, 201088];
  const tree = buildFixture('gpt_oss', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'GptOssModel');
  const attn = node(m, 'root.layers.0.self_attn');
  assert.deepEqual(opSequence(attn), ['mul', 'neg', 'cat', 'mul', 'add', 'mul', 'neg', 'cat', 'mul', 'add', 'matmul', 'mul', 'add', 'cat', 'sub', 'softmax', 'matmul', 'contiguous', 'contiguous']);
  assert.equal(node(m, 'root.layers.0.self_attn.cat.13').parameters, heads); // the sinks
  assert.deepEqual(node(m, 'root.layers.0.self_attn.softmax.15').inputShapes, [[B, heads, T, T + 1]]);
  assert.deepEqual(moduleNames(node(m, 'root.layers.0.mlp')), ['router', 'experts']);
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp.router')), ['linear', 'topk', 'softmax']);
  assert.equal(node(m, 'root.layers.0.mlp.experts.linear.0').calls, Math.min(E, B * T * k)); // 64 pairs over 32 experts
  assert.deepEqual(opSequence(node(m, 'root.layers.0.mlp.experts')), ['linear', 'clamp', 'clamp', 'mul', 'sigmoid', 'mul', 'add', 'mul', 'linear', 'mul', 'index_add']);
  assert.deepEqual(opSequence(tree.root), ['add', 'sub', 'add', 'add', 'where', 'sub', 'add', 'add', 'sub', 'cast', 'cast', 'where']);
  // OpenAI gpt-oss model card (2025), Table 1, gpt-oss-20b: MLP 19.12B, attention 0.64B, embedding + unembedding 1.16B, 20.91B total, 3.61B active
  const mlp = E * H + E + E * (H * 2 * I + 2 * I) + E * (I * H + H);
  const attention = H * heads * d + heads * d + 2 * (H * kv * d + kv * d) + heads * d * H + H + heads;
  assert.equal(Math.round((L * mlp) / 1e7) / 100, 19.12);
  assert.equal(Math.round((L * attention) / 1e7) / 100, 0.64);
  assert.equal(Math.round((2 * V * H) / 1e7) / 100, 1.16);
  const params = V * H + L * (attention + mlp + 2 * H) + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round((params + V * H) / 1e7) / 100, 20.91);
  assert.equal(Math.round(tree.activeParameters! / 1e7) / 100, 3.61); // their active count has one of the two vocabulary matrices
});

test('deepseek_v3: latent attention projections, three dense layers, 256 routed + 1 shared expert, 671B total, 37B active', () => {
  const [B, T] = [1, 8];
  const [H, I, moeI, L, dense, E, k, heads, V] = [7168, 18432, 2048, 61, 3, 256, 8, 128, 129280];
  const [qRank, kvRank, nope, rope, vDim] = [1536, 512, 128, 64, 128];
  const tree = buildFixture('deepseek_v3', B, T, 'bf16');
  const m = byScope(tree.root);
  assert.equal(tree.root.instanceType, 'DeepseekV3Model');
  const attn = node(m, 'root.layers.0.self_attn');
  assert.deepEqual(moduleNames(attn), ['q_a_proj', 'q_a_layernorm', 'q_b_proj', 'kv_a_proj_with_mqa', 'kv_a_layernorm', 'kv_b_proj', 'o_proj']);
  assert.equal(node(m, 'root.layers.0.self_attn.q_b_proj').parameters, qRank * heads * (nope + rope));
  assert.equal(node(m, 'root.layers.0.self_attn.kv_a_proj_with_mqa').parameters, H * (kvRank + rope));
  assert.equal(node(m, 'root.layers.0.self_attn.kv_b_proj').parameters, kvRank * heads * (nope + vDim));
  assert.deepEqual(opSequence(attn), ['mul', 'neg', 'cat', 'mul', 'add', 'mul', 'neg', 'cat', 'mul', 'add', 'cat', 'cat', 'matmul', 'mul', 'add', 'softmax', 'cast', 'matmul', 'contiguous', 'contiguous']);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.matmul.12').inputShapes, [[B, heads, T, nope + rope], [B, heads, nope + rope, T]]);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.matmul.17').inputShapes, [[B, heads, T, T], [B, heads, T, vDim]]);
  assert.deepEqual(node(m, 'root.layers.0.self_attn.mul.5').inputShapes, [[B, 1, T, rope], [1, 1, T, rope]]); // one rope key head
  assert.equal(node(m, 'root.layers.2.mlp').instanceType, 'DeepseekV3MLP');
  const moe = node(m, 'root.layers.3.mlp');
  assert.equal(moe.instanceType, 'DeepseekV3MoE');
  assert.deepEqual(moduleNames(moe), ['experts', 'gate', 'shared_experts']);
  assert.deepEqual(opSequence(moe), ['sigmoid', 'add', 'topk', 'sum', 'topk', 'cast', 'masked_fill', 'topk', 'gather', 'sum', 'add', 'div', 'mul', 'add']);
  assert.deepEqual(opSequence(node(m, 'root.layers.3.mlp.gate')), ['cast', 'cast', 'linear']);
  assert.equal(node(m, 'root.layers.3.mlp.experts.linear.0').calls, B * T * k); // 8 tokens x 8 experts: 64 of 256 run, one token each
  const attnParams = H * qRank + qRank + qRank * heads * (nope + rope) + H * (kvRank + rope) + kvRank + kvRank * heads * (nope + vDim) + heads * vDim * H;
  const moeParams = E * H + E * 3 * H * moeI + 3 * H * moeI;
  const params = V * H + dense * (attnParams + 3 * H * I + 2 * H) + (L - dense) * (attnParams + moeParams + 2 * H) + H;
  assert.equal(tree.root.parameters, params);
  assert.equal(Math.round((params + V * H) / 1e9), 671); // DeepSeek-V3 technical report (2024): 671B total parameters
  assert.equal(paramsWhere(tree.root, (s) => /\.mlp\.experts\./.test(s)), (L - dense) * E * 3 * H * moeI);
  assert.equal(Math.floor((tree.activeParameters! + V * H) / 1e9), 37); // same report: 37B activated (37.6B counting the LM head)
  // no LoRA on q (DeepSeek-V2-Lite style): one q_proj
  const lite = byScope(buildFixture('deepseek_v3', B, T, 'bf16', (c) => (c['q_lora_rank'] = null)).root);
  assert.deepEqual(moduleNames(node(lite, 'root.layers.0.self_attn')).slice(0, 2), ['q_proj', 'kv_a_proj_with_mqa']);
});
