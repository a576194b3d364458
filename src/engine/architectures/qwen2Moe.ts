/**
 * Qwen2-MoE (`model_type: qwen2_moe`; Qwen1.5-MoE, Qwen2-57B-A14B),
 * transformers 5 `modeling_qwen2_moe.py`: Qwen2's attention (biases on q, k,
 * v) with a sparse MoE block that also runs a shared expert on every token,
 * scaled by a sigmoid gate. Routing and the balanced top-k assumption: moe.ts.
 *
 * Qwen2MoeModel
 *   embed_tokens
 *   layers.i: Qwen2MoeDecoderLayer
 *     self_attn: Qwen2MoeAttention (q_proj, k_proj, v_proj, o_proj; rotary, eager core)
 *     mlp: Qwen2MoeSparseMoeBlock on the (B x T) tokens
 *       gate: Qwen2MoeTopKRouter (F.linear, softmax in float32, topk, [div when norm_topk_prob], cast)
 *       experts: Qwen2MoeExperts (moe_intermediate_size per expert)
 *       shared_expert: Qwen2MoeMLP (shared_expert_intermediate_size), shared_expert_gate: Linear(hidden, 1)
 *       ops: sigmoid.0 of the shared gate, mul.1, add.2 into the routed output
 *     (a layer in mlp_only_layers, or off the decoder_sparse_step, has a dense Qwen2MoeMLP instead)
 *     input_layernorm, post_attention_layernorm; add.0, add.1
 *   norm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, untied.
 *
 * HF defaults (Qwen2MoeConfig): num_key_value_heads 16, num_experts 60,
 * num_experts_per_tok 4, moe_intermediate_size 1408,
 * shared_expert_intermediate_size 5632, decoder_sparse_step 1,
 * norm_topk_prob false, mlp_only_layers [], max_position_embeddings 32768.
 */
import { activationFor, type ActivationSpec } from './activations.js';
import { lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import { decoderLayer, decoderRoot, gatedMlp, readDecoderSizes, ropeAttention } from './decoderParts.js';
import { readExperts, routedExperts, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';

/** Sizes of a Qwen MoE block, and which layers have one. */
export interface QwenMoeSizes {
  experts: number;
  topK: number;
  moeInter: number;
  normTopK: boolean;
  act: ActivationSpec;
  /** True for layers with the sparse block (mlp_only_layers and decoder_sparse_step decide). */
  sparse: (layer: number) => boolean;
}

/** Reads the MoE fields Qwen2-MoE and Qwen3-MoE share. */
export function readQwenMoe(cfg: ConfigReader, ctx: BuildContext, defaults: { experts: number; topK: number; moeInter: number }): QwenMoeSizes {
  const { experts, topK } = readExperts(cfg, ctx, { keys: 'num_experts', fallback: defaults.experts }, { keys: 'num_experts_per_tok', fallback: defaults.topK });
  const moeInter = cfg.int('moe_intermediate_size', defaults.moeInter);
  const step = cfg.int('decoder_sparse_step', 1);
  const dense = new Set(cfg.intList('mlp_only_layers') ?? []);
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  return { experts, topK, moeInter, normTopK: cfg.bool('norm_topk_prob', false), act, sparse: (i) => !dense.has(i) && (i + 1) % step === 0 };
}

/** The router and routed experts of a Qwen MoE block at `scope`. */
export function qwenRouted(ctx: BuildContext, scope: string, P: string, hidden: number, m: QwenMoeSizes): ModelNode[] {
  return [
    topKRouter(ctx, `${scope}.gate`, { className: `${P}TopKRouter`, experts: m.experts, topK: m.topK, hidden, bias: false, selection: 'softmax-topk', normalize: m.normTopK, castBack: true }),
    routedExperts(ctx, `${scope}.experts`, { className: `${P}Experts`, experts: m.experts, topK: m.topK, hidden, intermediate: m.moeInter, style: { kind: 'glu', act: m.act } }),
  ];
}

/** qwen2_moe: Qwen2MoeModel. */
export const buildQwen2Moe: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 16, maxPositions: 32768 });
  const m = readQwenMoe(cfg, ctx, { experts: 60, topK: 4, moeInter: 1408 });
  const sharedInter = cfg.int('shared_expert_intermediate_size', 5632);
  const qkvBias = cfg.bool('qkv_bias', true);
  if (cfg.bool('use_sliding_window', false)) cfg.warnings.push(`${cfg.context}: use_sliding_window is on: the windowed layers' extra mask ops are not shown; attention compute is unchanged`);
  const { H } = sz;
  const X = [B, T, H];
  const N = B * T;
  const mlpNames = { gate: 'gate_proj', up: 'up_proj', down: 'down_proj', act: 'act_fn' };
  const norm = (scope: string) => f.rmsNorm(scope, 'Qwen2MoeRMSNorm', X, { configKey: 'rms_norm_eps' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    let mlp: ModelNode;
    if (m.sparse(i)) {
      const mOps = f.ops(`${s}.mlp`);
      mOps.elementwise('sigmoid', [f.t([N, 1])], f.dtype, 4);
      mOps.elementwise('mul', [f.t([N, 1]), f.t([N, H])]);
      mOps.elementwise('add', [f.t([N, H]), f.t([N, H])]);
      mlp = f.module(
        `${s}.mlp`,
        'Qwen2MoeSparseMoeBlock',
        [
          ...qwenRouted(ctx, `${s}.mlp`, 'Qwen2Moe', H, m),
          gatedMlp(ctx, `${s}.mlp.shared_expert`, { className: 'Qwen2MoeMLP', hidden: H, intermediate: sharedInter, bias: false, act: m.act, names: mlpNames, sizeKey: 'shared_expert_intermediate_size', tokens: [N] }),
          f.linear(`${s}.mlp.shared_expert_gate`, [N, H], 1, false, { configKey: 'shared_expert_intermediate_size' }),
          ...mOps.nodes,
        ],
        { configKey: 'num_experts', inputShapes: [X] },
      );
    } else {
      mlp = gatedMlp(ctx, `${s}.mlp`, { className: 'Qwen2MoeMLP', hidden: H, intermediate: sz.inter, bias: false, act: m.act, names: mlpNames });
    }
    const attn = ropeAttention(ctx, `${s}.self_attn`, 'Qwen2MoeAttention', sz, { qkv: qkvBias, o: false });
    layers.push(decoderLayer(ctx, s, 'Qwen2MoeDecoderLayer', H, [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)]));
  }
  return decoderRoot(ctx, 'Qwen2MoeModel', { vocab: sz.vocab, hidden: H, layers, norm: norm('root.norm'), rotary: { className: 'Qwen2MoeRotaryEmbedding', dim: sz.d, configKey: 'rope_theta' }, masks: ['causal'] });
};

/** Qwen2-MoE's LM head: untied. */
export const QWEN2_MOE_LM_HEAD: LmHeadSpec = lmHead(false);
