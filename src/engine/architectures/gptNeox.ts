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
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { decoderLayer, decoderRoot, readDecoderSizes, ropeAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** gpt_neox: GPTNeoXModel. */
export const buildGptNeox: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', maxPositions: 2048 });
  const rotDim = Math.floor(sz.d * cfg.fraction(['rotary_pct', 'partial_rotary_factor'], 0.25));
  const act = activationFor(cfg.str('hidden_act', 'gelu'), 'hidden_act', cfg.context);
  const bias = cfg.bool('attention_bias', true);
  cfg.bool('use_parallel_residual', true); // ordering only: the same ops run either way
  const X = [B, T, sz.H];
  const I = [B, T, sz.inter];
  const norm = (scope: string) => f.layerNorm(scope, X, { configKey: 'layer_norm_eps' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    const attention = ropeAttention(ctx, `${s}.attention`, 'GPTNeoXAttention', sz, { qkv: bias, o: bias }, {
      projections: { qkv: 'query_key_value' },
      output: 'dense',
      rotaryDim: rotDim,
      keys: { heads: 'num_attention_heads', kvHeads: 'num_attention_heads' },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'GPTNeoXMLP',
      [
        f.linear(`${s}.mlp.dense_h_to_4h`, X, sz.inter, true, { configKey: 'intermediate_size' }),
        f.linear(`${s}.mlp.dense_4h_to_h`, I, sz.H, true, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    layers.push(decoderLayer(ctx, s, 'GPTNeoXLayer', sz.H, [norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`), attention, mlp]));
  }
  return decoderRoot(ctx, 'GPTNeoXModel', {
    embed: f.embedding('root.embed_in', [B, T], sz.vocab, sz.H, { configKey: 'vocab_size' }),
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: norm('root.final_layer_norm'),
    rotary: { className: 'GPTNeoXRotaryEmbedding', dim: rotDim, configKey: 'rotary_pct' },
    masks: ['causal'],
  });
};

/** GPT-NeoX's LM head (`embed_out`): untied by default. */
export const GPT_NEOX_LM_HEAD: LmHeadSpec = lmHead(false);
