/**
 * Phi-3 (`model_type: phi3`), transformers 5 `modeling_phi3.py`: a Llama-like
 * decoder with fused projections: `qkv_proj` (hidden -> (heads + 2 x
 * kv_heads) x head_dim, sliced into q, k, v) and `gate_up_proj` (hidden -> 2
 * x intermediate, chunked; mul.0 is up x act(gate)). Rotary may cover only
 * part of each head (partial_rotary_factor; the rotated part is concatenated
 * back with the rest). A `sliding_window` (2047 for Phi-3-mini) builds the
 * sliding-window mask instead of the causal one; eager compute is unchanged.
 *
 * Phi3Model
 *   embed_tokens, layers.i: Phi3DecoderLayer (self_attn: Phi3Attention (o_proj, qkv_proj; rotary,
 *   eager core), mlp: Phi3MLP (gate_up_proj, down_proj, activation_fn), input_layernorm,
 *   post_attention_layernorm: Phi3RMSNorm; add.0, add.1), norm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, untied by default.
 *
 * HF defaults (Phi3Config): num_key_value_heads = num_attention_heads,
 * hidden_act "silu", max_position_embeddings 4096, partial_rotary_factor 1.0,
 * sliding_window null.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, decoderRoot, gatedMlp, readDecoderSizes, ropeAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** phi3: Phi3Model. */
export const buildPhi3: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', maxPositions: 4096 });
  const rotDim = Math.floor(sz.d * cfg.fraction('partial_rotary_factor', 1));
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const norm = (scope: string) => f.rmsNorm(scope, 'Phi3RMSNorm', [B, T, sz.H], { configKey: 'rms_norm_eps' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    // transformers defines o_proj before qkv_proj; the order of module children does not change costs
    const attn = ropeAttention(ctx, `${s}.self_attn`, 'Phi3Attention', sz, { qkv: false, o: false }, { projections: { qkv: 'qkv_proj' }, rotaryDim: rotDim });
    const mlp = gatedMlp(ctx, `${s}.mlp`, { className: 'Phi3MLP', hidden: sz.H, intermediate: sz.inter, bias: false, act, names: { gateUp: 'gate_up_proj', down: 'down_proj', act: 'activation_fn' } });
    layers.push(decoderLayer(ctx, s, 'Phi3DecoderLayer', sz.H, [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)]));
  }
  return decoderRoot(ctx, 'Phi3Model', {
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: norm('root.norm'),
    rotary: { className: 'Phi3RotaryEmbedding', dim: rotDim, configKey: 'rope_theta' },
    masks: [cfg.has('sliding_window') ? 'sliding' : 'causal'],
  });
};

/** Phi-3's LM head: vocab_size x hidden_size, untied by default. */
export const PHI3_LM_HEAD: LmHeadSpec = lmHead(false);
