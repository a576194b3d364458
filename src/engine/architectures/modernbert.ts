/**
 * ModernBERT (`model_type: modernbert`), transformers 5 `modeling_modernbert.py`,
 * eager attention, no biases by default:
 *
 * ModernBertModel
 *   embeddings: ModernBertEmbeddings (tok_embeddings, norm: LayerNorm without bias)
 *   layers.i: ModernBertEncoderLayer
 *     attn_norm (LayerNorm; layer 0 has nn.Identity, which does nothing and is not a node)
 *     attn: ModernBertAttention (Wqkv fused, Wo; rotary on q and k, matmul, mul scale, add of the
 *       global or the sliding-window mask, softmax in float32, cast, matmul, contiguous)
 *     mlp_norm, mlp: ModernBertMLP (Wi: hidden -> 2 x intermediate, chunked into input and gate;
 *       act, mul.0 act(input) x gate; Wo); add.0, add.1 residuals
 *   final_norm, rotary_emb (asked once per entry of layer_types: one call per layer)
 *   root ops: the 4D mask from the all-ones attention mask (sub, masked_fill), the window
 *     (sub on positions, a bool cast) and the sliding-window mask (masked_fill)
 *
 * Local layers (every layer but each global_attn_every_n_layers-th) only
 * mask keys further than local_attention / 2 away: eager attention still
 * computes the full T x T scores, so their compute equals the global ones'.
 *
 * HF defaults (ModernBertConfig): hidden_activation "gelu",
 * global_attn_every_n_layers 3, local_attention 128, attention_bias false,
 * mlp_bias false, norm_bias false, max_position_embeddings 8192.
 */
import { activationFor } from './activations.js';
import type { ArchitectureBuilder } from './architecture.js';
import { readDecoderSizes, residualAdds, rotaryEmbedding, selfAttention } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** modernbert: ModernBertModel. */
export const buildModernBert: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const { H, layers, heads, inter, vocab, d } = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', maxPositions: 8192 });
  const act = activationFor(cfg.str('hidden_activation', 'gelu'), 'hidden_activation', cfg.context);
  const attnBias = cfg.bool('attention_bias', false);
  const mlpBias = cfg.bool('mlp_bias', false);
  const normBias = cfg.bool('norm_bias', false);
  cfg.int('global_attn_every_n_layers', 3); // which layers are local: masks only, no change in eager compute
  const X = [B, T, H];
  const I = [B, T, inter];
  const norm = (scope: string, key = 'norm_eps') => f.layerNorm(scope, X, { configKey: key, bias: normBias });
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.attn`, {
      className: 'ModernBertAttention',
      hidden: H,
      heads,
      kvHeads: heads,
      headDim: d,
      projections: { qkv: 'Wqkv' },
      output: 'Wo',
      qkvBias: attnBias,
      oBias: attnBias,
      rotaryDim: d,
      core: { scale: 'mul', addShape: [B, 1, T, T], softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_attention_heads' },
    });
    attn.children.pop(); // the attention output is a view of the transposed copy, not another copy
    const mOps = f.ops(`${s}.mlp`);
    mOps.elementwise('mul', [f.t(I), f.t(I)]);
    const mlp = f.module(
      `${s}.mlp`,
      'ModernBertMLP',
      [
        f.linear(`${s}.mlp.Wi`, X, 2 * inter, mlpBias, { configKey: 'intermediate_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_activation' }),
        f.linear(`${s}.mlp.Wo`, I, H, mlpBias, { configKey: 'intermediate_size' }),
        ...mOps.nodes,
      ],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    const children = [...(i === 0 ? [] : [norm(`${s}.attn_norm`)]), attn, norm(`${s}.mlp_norm`), mlp, ...residualAdds(ctx, s, H)];
    blocks.push(f.module(s, 'ModernBertEncoderLayer', children, { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  const M = [B, 1, T, T];
  ops.elementwise('sub', ['scalar', f.t(M)]);
  ops.elementwise('masked_fill', [f.t(M), { shape: M, type: 'bool' }, 'scalar']);
  ops.elementwise('sub', [{ shape: [1, T], type: 'int64' }, { shape: [T, 1], type: 'int64' }], 'int64');
  ops.cast({ shape: [1, 1, T, T], type: 'bool' });
  ops.elementwise('masked_fill', [f.t(M), { shape: [1, 1, T, T], type: 'bool' }, 'scalar']);
  const embeddings = f.module('root.embeddings', 'ModernBertEmbeddings', [f.embedding('root.embeddings.tok_embeddings', [B, T], vocab, H, { configKey: 'vocab_size' }), norm('root.embeddings.norm')], {
    configKey: 'vocab_size',
    inputShapes: [[B, T]],
  });
  return f.model('ModernBertModel', [embeddings, ...blocks, norm('root.final_norm'), rotaryEmbedding(ctx, 'ModernBertRotaryEmbedding', H, d, 'global_rope_theta', layers), ...ops.nodes], { configKey: 'model_type' });
};
