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
import { headDim, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** starcoder2: Starcoder2Model. */
export const buildStarcoder2: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = cfg.int('num_key_value_heads', 2);
  if (heads % kvHeads !== 0) {
    throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  }
  const d = headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const act = activationFor(cfg.str('hidden_act', 'gelu_pytorch_tanh'), 'hidden_act', cfg.context);
  const bias = cfg.bool('use_bias', true);
  const maxPos = cfg.int('max_position_embeddings', 4096);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  const X = [B, T, H];
  const I = [B, T, inter];
  const decoderLayers: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.self_attn`, {
      className: 'Starcoder2Attention',
      hidden: H,
      heads,
      kvHeads,
      headDim: d,
      projections: { q: 'q_proj', k: 'k_proj', v: 'v_proj' },
      output: 'o_proj',
      qkvBias: bias,
      oBias: bias,
      rotaryDim: d,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'Starcoder2MLP',
      [
        f.linear(`${s}.mlp.c_fc`, X, inter, bias, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.c_proj`, I, H, bias, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    decoderLayers.push(
      f.module(s, 'Starcoder2DecoderLayer', [attn, mlp, f.layerNorm(`${s}.input_layernorm`, X, { configKey: 'norm_epsilon' }), f.layerNorm(`${s}.post_attention_layernorm`, X, { configKey: 'norm_epsilon' }), ...residualAdds(ctx, s, H)], {
        configKey: 'num_hidden_layers',
        inputShapes: [X],
      }),
    );
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, [cfg.has('sliding_window') ? 'sliding' : 'causal']);
  return f.model(
    'Starcoder2Model',
    [f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }), ...decoderLayers, f.layerNorm('root.norm', X, { configKey: 'norm_epsilon' }), rotaryEmbedding(ctx, 'Starcoder2RotaryEmbedding', H, d, 'rope_theta'), ...ops.nodes],
    { configKey: 'model_type' },
  );
};

/** StarCoder2's LM head: tied by default. */
export const STARCODER2_LM_HEAD: LmHeadSpec = lmHead(true);
