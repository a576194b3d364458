/**
 * StarCoder2 (`model_type: starcoder2`), transformers 5 `modeling_starcoder2.py`:
 * a GQA rotary decoder with LayerNorm (with bias) instead of RMSNorm, biases
 * on every projection (use_bias) and a plain two-layer MLP (c_fc, act,
 * c_proj) instead of a gated one. A `sliding_window` builds the
 * sliding-window mask instead of the causal one; eager compute is unchanged.
 *
 * Starcoder2Model
 *   embed_tokens, layers.i: Starcoder2DecoderLayer (self_attn: Starcoder2Attention (q_proj,
 *   k_proj, v_proj, o_proj; rotary, eager core), mlp: Starcoder2MLP (c_fc, c_proj, act),
 *   input_layernorm, post_attention_layernorm: LayerNorm; add.0, add.1), norm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, tied by default.
 *
 * HF defaults (Starcoder2Config): num_key_value_heads 2, hidden_act
 * "gelu_pytorch_tanh", max_position_embeddings 4096, use_bias true,
 * sliding_window null.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, decoderRoot, readDecoderSizes, ropeAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** starcoder2: Starcoder2Model. */
export const buildStarcoder2: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 2, maxPositions: 4096 });
  const act = activationFor(cfg.str('hidden_act', 'gelu_pytorch_tanh'), 'hidden_act', cfg.context);
  const bias = cfg.bool('use_bias', true);
  const X = [B, T, sz.H];
  const I = [B, T, sz.inter];
  const norm = (scope: string) => f.layerNorm(scope, X, { configKey: 'norm_epsilon' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    const mlp = f.module(
      `${s}.mlp`,
      'Starcoder2MLP',
      [
        f.linear(`${s}.mlp.c_fc`, X, sz.inter, bias, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.c_proj`, I, sz.H, bias, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    layers.push(decoderLayer(ctx, s, 'Starcoder2DecoderLayer', sz.H, [ropeAttention(ctx, `${s}.self_attn`, 'Starcoder2Attention', sz, { qkv: bias, o: bias }), mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)]));
  }
  return decoderRoot(ctx, 'Starcoder2Model', {
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: norm('root.norm'),
    rotary: { className: 'Starcoder2RotaryEmbedding', dim: sz.d, configKey: 'rope_theta' },
    masks: [cfg.has('sliding_window') ? 'sliding' : 'causal'],
  });
};

/** StarCoder2's LM head: tied by default. */
export const STARCODER2_LM_HEAD: LmHeadSpec = lmHead(true);
