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
import { headDim, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** phi: PhiModel. */
export const buildPhi: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = cfg.optionalInt('num_key_value_heads') ?? heads;
  if (heads % kvHeads !== 0) throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  const d = headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const rotDim = Math.floor(d * cfg.number('partial_rotary_factor', 0.5));
  const act = activationFor(cfg.str('hidden_act', 'gelu_new'), 'hidden_act', cfg.context);
  const qkLn = cfg.bool('qk_layernorm', false);
  const maxPos = cfg.int('max_position_embeddings', 2048);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  const X = [B, T, H];
  const I = [B, T, inter];
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.self_attn`, {
      className: 'PhiAttention',
      hidden: H,
      heads,
      kvHeads,
      headDim: d,
      projections: { q: 'q_proj', k: 'k_proj', v: 'v_proj' },
      output: 'dense',
      qkvBias: true,
      oBias: true,
      ...(qkLn ? { qkNorm: { className: 'LayerNorm', layerNorm: true, names: ['q_layernorm', 'k_layernorm'] as [string, string] } } : {}),
      rotaryDim: rotDim,
      concatAfterRotary: true,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'PhiMLP',
      [
        f.linear(`${s}.mlp.fc1`, X, inter, true, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.fc2`, I, H, true, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.activation_fn`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    blocks.push(f.module(s, 'PhiDecoderLayer', [attn, mlp, f.layerNorm(`${s}.input_layernorm`, X, { configKey: 'layer_norm_eps' }), ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, ['causal']);
  return f.model(
    'PhiModel',
    [
      f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      f.layerNorm('root.final_layernorm', X, { configKey: 'layer_norm_eps' }),
      rotaryEmbedding(ctx, 'PhiRotaryEmbedding', H, rotDim, 'partial_rotary_factor'),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** Phi's LM head: vocab_size x hidden_size with a bias, untied. */
export const PHI_LM_HEAD: LmHeadSpec = lmHead(false, { bias: true });
