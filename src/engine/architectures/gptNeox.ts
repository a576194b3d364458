/**
 * GPT-NeoX (`model_type: gpt_neox`; Pythia, GPT-NeoX-20B), transformers 5
 * `modeling_gpt_neox.py`: one fused query_key_value projection (3 x hidden),
 * rotary on only rotary_pct of each head (the rotated part concatenated
 * back with the rest), and by default a parallel residual: the attention
 * and the MLP both read the layer input, x + attn(ln1(x)) + mlp(ln2(x)).
 *
 * GPTNeoXModel
 *   embed_in, layers.i: GPTNeoXLayer (input_layernorm, post_attention_layernorm: LayerNorm;
 *   attention: GPTNeoXAttention (query_key_value, dense; rotary with cat, eager core,
 *   contiguous); mlp: GPTNeoXMLP (dense_h_to_4h, dense_4h_to_h, act); add.0, add.1),
 *   final_layer_norm, rotary_emb, root mask ops
 *
 * use_parallel_residual false runs them in sequence instead (same ops, same cost).
 * LM head: `embed_out`, vocab_size x hidden_size, untied by default.
 *
 * HF defaults (GPTNeoXConfig): hidden_act "gelu", rotary_pct 0.25,
 * max_position_embeddings 2048, use_parallel_residual true, attention_bias true.
 */
import { activationFor } from './activations.js';
import { headDim, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** gpt_neox: GPTNeoXModel. */
export const buildGptNeox: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const d = headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const rotDim = Math.floor(d * cfg.number(['rotary_pct', 'partial_rotary_factor'], 0.25));
  const act = activationFor(cfg.str('hidden_act', 'gelu'), 'hidden_act', cfg.context);
  const bias = cfg.bool('attention_bias', true);
  cfg.bool('use_parallel_residual', true); // ordering only: the same ops run either way
  const maxPos = cfg.int('max_position_embeddings', 2048);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  const X = [B, T, H];
  const I = [B, T, inter];
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attention = selfAttention(ctx, `${s}.attention`, {
      className: 'GPTNeoXAttention',
      hidden: H,
      heads,
      kvHeads: heads,
      headDim: d,
      projections: { qkv: 'query_key_value' },
      output: 'dense',
      qkvBias: bias,
      oBias: bias,
      rotaryDim: rotDim,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_attention_heads' },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'GPTNeoXMLP',
      [
        f.linear(`${s}.mlp.dense_h_to_4h`, X, inter, true, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.dense_4h_to_h`, I, H, true, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    blocks.push(
      f.module(
        s,
        'GPTNeoXLayer',
        [f.layerNorm(`${s}.input_layernorm`, X, { configKey: 'layer_norm_eps' }), f.layerNorm(`${s}.post_attention_layernorm`, X, { configKey: 'layer_norm_eps' }), attention, mlp, ...residualAdds(ctx, s, H)],
        { configKey: 'num_hidden_layers', inputShapes: [X] },
      ),
    );
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, ['causal']);
  return f.model(
    'GPTNeoXModel',
    [
      f.embedding('root.embed_in', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      f.layerNorm('root.final_layer_norm', X, { configKey: 'layer_norm_eps' }),
      rotaryEmbedding(ctx, 'GPTNeoXRotaryEmbedding', H, rotDim, 'rotary_pct'),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** GPT-NeoX's LM head (`embed_out`): untied by default. */
export const GPT_NEOX_LM_HEAD: LmHeadSpec = lmHead(false);
