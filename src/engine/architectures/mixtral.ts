/**
 * Mixtral (`model_type: mixtral`), transformers 5 `modeling_mixtral.py`:
 * Mistral's attention with a sparse mixture-of-experts block in place of
 * the MLP. Routing and the balanced top-k assumption: moe.ts.
 *
 * MixtralModel
 *   embed_tokens
 *   layers.i: MixtralDecoderLayer
 *     self_attn: MixtralAttention (q_proj, k_proj, v_proj, o_proj; rotary, eager core)
 *     mlp: MixtralSparseMoeBlock
 *       gate: MixtralTopKRouter (F.linear to num_local_experts logits, softmax in float32,
 *         topk, div renormalising the k weights)
 *       experts: MixtralExperts (gate_up_proj and down_proj as 3D tensors; per expert run:
 *         linear.0 gate_up, act_fn, mul.1, linear.2 down, mul.3 routing weight, index_add.4)
 *     input_layernorm, post_attention_layernorm: MixtralRMSNorm; add.0, add.1
 *   norm, rotary_emb, root mask ops (a sliding_window, when set, replaces the causal mask)
 *
 * LM head: vocab_size x hidden_size, untied.
 *
 * HF defaults (MixtralConfig): num_key_value_heads 8, num_local_experts 8,
 * num_experts_per_tok 2, hidden_act "silu", max_position_embeddings 131072,
 * sliding_window null.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, decoderRoot, readDecoderSizes, ropeAttention } from './decoderParts.js';
import { readExperts, routedExperts, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';

/** mixtral: MixtralModel. */
export const buildMixtral: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 8, maxPositions: 4096 * 32 });
  const { experts, topK } = readExperts(cfg, ctx, { keys: 'num_local_experts', fallback: 8 }, { keys: 'num_experts_per_tok', fallback: 2 });
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const X = [B, T, sz.H];
  const norm = (scope: string) => f.rmsNorm(scope, 'MixtralRMSNorm', X, { configKey: 'rms_norm_eps' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    const moe = f.module(
      `${s}.mlp`,
      'MixtralSparseMoeBlock',
      [
        topKRouter(ctx, `${s}.mlp.gate`, { className: 'MixtralTopKRouter', experts, topK, hidden: sz.H, bias: false, selection: 'softmax-topk', normalize: true }),
        routedExperts(ctx, `${s}.mlp.experts`, { className: 'MixtralExperts', experts, topK, hidden: sz.H, intermediate: sz.inter, style: { kind: 'glu', act } }),
      ],
      { configKey: 'num_local_experts', inputShapes: [[B * T, sz.H]] },
    );
    layers.push(decoderLayer(ctx, s, 'MixtralDecoderLayer', sz.H, [ropeAttention(ctx, `${s}.self_attn`, 'MixtralAttention', sz, { qkv: false, o: false }), moe, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)]));
  }
  return decoderRoot(ctx, 'MixtralModel', {
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: norm('root.norm'),
    rotary: { className: 'MixtralRotaryEmbedding', dim: sz.d, configKey: 'rope_theta' },
    masks: [cfg.has('sliding_window') ? 'sliding' : 'causal'],
  });
};

/** Mixtral's LM head: untied. */
export const MIXTRAL_LM_HEAD: LmHeadSpec = lmHead(false);
