/**
 * Qwen3-MoE (`model_type: qwen3_moe`; Qwen3-30B-A3B, Qwen3-235B-A22B),
 * transformers 5 `modeling_qwen3_moe.py`: Qwen3's attention (q/k RMSNorm,
 * head_dim apart, no biases) with a sparse MoE block without shared expert.
 * Routing and the balanced top-k assumption: moe.ts.
 *
 * Qwen3MoeModel
 *   embed_tokens, layers.i: Qwen3MoeDecoderLayer (self_attn: Qwen3MoeAttention; mlp:
 *   Qwen3MoeSparseMoeBlock (gate: Qwen3MoeTopKRouter, experts: Qwen3MoeExperts), or a dense
 *   Qwen3MoeMLP for mlp_only_layers; input_layernorm, post_attention_layernorm; add.0, add.1),
 *   norm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, untied.
 *
 * HF defaults (Qwen3MoeConfig): num_key_value_heads 4, head_dim 128,
 * num_experts 128, num_experts_per_tok 8, moe_intermediate_size 768,
 * decoder_sparse_step 1, norm_topk_prob false, mlp_only_layers [].
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, gatedMlp } from './decoderParts.js';
import { qwenRouted, readQwenMoe } from './qwen2Moe.js';
import { qwen3Attention, qwen3Model, readQwen3Sizes } from './qwen3.js';
import type { ModelNode } from '../tree/modelNode.js';

/** qwen3_moe: Qwen3MoeModel. */
export const buildQwen3Moe: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const s = readQwen3Sizes(cfg, ctx);
  const inter = cfg.requiredInt('intermediate_size');
  const m = readQwenMoe(cfg, ctx, { experts: 128, topK: 8, moeInter: 768 });
  const X = [B, T, s.H];
  const layers: ModelNode[] = [];
  for (let i = 0; i < s.layers; i++) {
    const l = `root.layers.${i}`;
    const mlp = m.sparse(i)
      ? f.module(`${l}.mlp`, 'Qwen3MoeSparseMoeBlock', qwenRouted(ctx, `${l}.mlp`, 'Qwen3Moe', s.H, m), { configKey: 'num_experts', inputShapes: [X] })
      : gatedMlp(ctx, `${l}.mlp`, { className: 'Qwen3MoeMLP', hidden: s.H, intermediate: inter, bias: false, act: m.act, names: { gate: 'gate_proj', up: 'up_proj', down: 'down_proj', act: 'act_fn' } });
    const norm = (scope: string) => f.rmsNorm(scope, 'Qwen3MoeRMSNorm', X, { configKey: 'rms_norm_eps' });
    layers.push(decoderLayer(ctx, l, 'Qwen3MoeDecoderLayer', s.H, [qwen3Attention(ctx, `${l}.self_attn`, 'Qwen3Moe', s), mlp, norm(`${l}.input_layernorm`), norm(`${l}.post_attention_layernorm`)]));
  }
  return qwen3Model(ctx, 'Qwen3Moe', s, layers);
};

/** Qwen3-MoE's LM head: untied. */
export const QWEN3_MOE_LM_HEAD: LmHeadSpec = lmHead(false);
