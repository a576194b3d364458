/**
 * Phi (`model_type: phi`; phi-1, phi-1.5, phi-2), transformers 5
 * `modeling_phi.py`: one LayerNorm per layer feeding both the attention and
 * the MLP in parallel (x + attn(ln(x)) + mlp(ln(x))), biases everywhere,
 * rotary on partial_rotary_factor of each head (q and k rotated, then each
 * concatenated back with its pass-through part), optional LayerNorms on the
 * query and key heads (qk_layernorm).
 *
 * PhiModel
 *   embed_tokens, layers.i: PhiDecoderLayer (self_attn: PhiAttention (q_proj, k_proj, v_proj,
 *   dense [q_layernorm, k_layernorm]; rotary, cat, cat, eager core, contiguous), mlp: PhiMLP
 *   (fc1, fc2, activation_fn), input_layernorm; add.0, add.1), final_layernorm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size with a bias, untied by default.
 *
 * HF defaults (PhiConfig): num_key_value_heads = num_attention_heads,
 * hidden_act "gelu_new", max_position_embeddings 2048, partial_rotary_factor
 * 0.5, qk_layernorm false.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, decoderRoot, readDecoderSizes, ropeAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** phi: PhiModel. */
export const buildPhi: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', maxPositions: 2048 });
  const rotDim = Math.floor(sz.d * cfg.fraction('partial_rotary_factor', 0.5));
  const act = activationFor(cfg.str('hidden_act', 'gelu_new'), 'hidden_act', cfg.context);
  const qkLn = cfg.bool('qk_layernorm', false);
  const X = [B, T, sz.H];
  const I = [B, T, sz.inter];
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    const attn = ropeAttention(ctx, `${s}.self_attn`, 'PhiAttention', sz, { qkv: true, o: true }, {
      output: 'dense',
      ...(qkLn ? { qkNorm: { className: 'LayerNorm', layerNorm: true, names: ['q_layernorm', 'k_layernorm'] as [string, string] } } : {}),
      rotaryDim: rotDim,
      concatAfterRotary: true,
    });
    const mlp = f.module(
      `${s}.mlp`,
      'PhiMLP',
      [
        f.linear(`${s}.mlp.fc1`, X, sz.inter, true, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.fc2`, I, sz.H, true, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.activation_fn`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    layers.push(decoderLayer(ctx, s, 'PhiDecoderLayer', sz.H, [attn, mlp, f.layerNorm(`${s}.input_layernorm`, X, { configKey: 'layer_norm_eps' })]));
  }
  return decoderRoot(ctx, 'PhiModel', {
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: f.layerNorm('root.final_layernorm', X, { configKey: 'layer_norm_eps' }),
    rotary: { className: 'PhiRotaryEmbedding', dim: rotDim, configKey: 'partial_rotary_factor' },
    masks: ['causal'],
  });
};

/** Phi's LM head: vocab_size x hidden_size with a bias, untied. */
export const PHI_LM_HEAD: LmHeadSpec = lmHead(false, { bias: true });
