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
import { headDim, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, gatedMlp, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** phi3: Phi3Model. */
export const buildPhi3: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = cfg.optionalInt('num_key_value_heads') ?? heads;
  if (heads % kvHeads !== 0) {
    throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  }
  const d = cfg.optionalInt('head_dim') ?? headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const rotDim = Math.floor(d * cfg.number('partial_rotary_factor', 1));
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const maxPos = cfg.int('max_position_embeddings', 4096);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate (with rope_scaling, if set) but quality may suffer`);
  const windowed = cfg.has('sliding_window');
  const X = [B, T, H];
  const norm = (scope: string) => f.rmsNorm(scope, 'Phi3RMSNorm', X, { configKey: 'rms_norm_eps' });
  const decoderLayers: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.self_attn`, {
      className: 'Phi3Attention',
      hidden: H,
      heads,
      kvHeads,
      headDim: d,
      projections: { qkv: 'qkv_proj' },
      output: 'o_proj',
      qkvBias: false,
      oBias: false,
      rotaryDim: rotDim,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    });
    // transformers defines o_proj before qkv_proj; the order of module children does not change costs
    const mlp = gatedMlp(ctx, `${s}.mlp`, { className: 'Phi3MLP', hidden: H, intermediate: inter, bias: false, act, names: { gateUp: 'gate_up_proj', down: 'down_proj', act: 'activation_fn' } });
    decoderLayers.push(f.module(s, 'Phi3DecoderLayer', [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`), ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, [windowed ? 'sliding' : 'causal']);
  return f.model(
    'Phi3Model',
    [f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }), ...decoderLayers, norm('root.norm'), rotaryEmbedding(ctx, 'Phi3RotaryEmbedding', H, rotDim, 'rope_theta'), ...ops.nodes],
    { configKey: 'model_type' },
  );
};

/** Phi-3's LM head: vocab_size x hidden_size, untied by default. */
export const PHI3_LM_HEAD: LmHeadSpec = lmHead(false);
