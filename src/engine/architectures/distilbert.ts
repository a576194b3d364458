/**
 * DistilBERT (`model_type: distilbert`), transformers 5 `modeling_distilbert.py`, eager attention:
 *
 * DistilBertModel
 *   embeddings: Embeddings (word_embeddings, position_embeddings on (1, T) ids, LayerNorm; add.0 positions)
 *   transformer: Transformer > layer.i: TransformerBlock
 *     attention: DistilBertSelfAttention (q_lin, k_lin, v_lin, out_lin; matmul.0, mul.1, softmax.2,
 *                matmul.3, contiguous.4, contiguous.5)
 *     sa_layer_norm, ffn: FFN (lin1, lin2, activation), output_layer_norm; add.0, add.1 residuals
 *
 * Sinusoidal position embeddings (`sinusoidal_pos_embds`) only change how
 * the table is initialised; the forward is the same lookup.
 *
 * HF defaults: activation "gelu", max_position_embeddings 512.
 */
import { activationFor } from './activations.js';
import { checkLearnedPositions, headDim, type ArchitectureBuilder } from './architecture.js';
import { eagerAttentionOps } from './bert.js';
import type { ModelNode } from '../tree/modelNode.js';

/** distilbert: DistilBertModel. */
export const buildDistilBert: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const dim = cfg.requiredInt('dim');
  const layers = cfg.requiredInt('n_layers');
  const heads = cfg.requiredInt('n_heads');
  const hiddenDim = cfg.requiredInt('hidden_dim');
  const vocab = cfg.requiredInt('vocab_size');
  const positions = cfg.int('max_position_embeddings', 512);
  const act = activationFor(cfg.str('activation', 'gelu'), 'activation', cfg.context);
  const d = headDim(dim, heads, 'dim', 'n_heads', cfg.context);
  checkLearnedPositions(T, positions, 'max_position_embeddings', cfg.context);
  const X = [B, T, dim];

  const embOps = f.ops('root.embeddings');
  embOps.elementwise('add', [f.t(X), f.t([1, T, dim])]);
  const embeddings = f.module(
    'root.embeddings',
    'Embeddings',
    [
      f.embedding('root.embeddings.word_embeddings', [B, T], vocab, dim, { configKey: 'vocab_size' }),
      f.embedding('root.embeddings.position_embeddings', [1, T], positions, dim, { configKey: 'max_position_embeddings' }),
      f.layerNorm('root.embeddings.LayerNorm', X, { configKey: 'dim' }),
      ...embOps.nodes,
    ],
    { configKey: 'vocab_size', inputShapes: [[B, T]] },
  );

  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.transformer.layer.${i}`;
    const attention = f.module(
      `${s}.attention`,
      'DistilBertSelfAttention',
      [
        f.linear(`${s}.attention.q_lin`, X, dim, true, { configKey: 'n_heads' }),
        f.linear(`${s}.attention.k_lin`, X, dim, true, { configKey: 'n_heads' }),
        f.linear(`${s}.attention.v_lin`, X, dim, true, { configKey: 'n_heads' }),
        f.linear(`${s}.attention.out_lin`, X, dim, true, { configKey: 'dim' }),
        ...eagerAttentionOps(ctx, `${s}.attention`, heads, d),
      ],
      { configKey: 'n_heads', inputShapes: [X] },
    );
    const H = [B, T, hiddenDim];
    const ffn = f.module(
      `${s}.ffn`,
      'FFN',
      [
        f.linear(`${s}.ffn.lin1`, X, hiddenDim, true, { configKey: 'hidden_dim' }),
        f.linear(`${s}.ffn.lin2`, H, dim, true, { configKey: 'hidden_dim' }),
        f.activation(`${s}.ffn.activation`, act.instanceType, H, act.flopsPerElement, { configKey: 'activation' }),
      ],
      { configKey: 'hidden_dim', inputShapes: [X] },
    );
    const ops = f.ops(s);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    blocks.push(
      f.module(
        s,
        'TransformerBlock',
        [attention, f.layerNorm(`${s}.sa_layer_norm`, X, { configKey: 'dim' }), ffn, f.layerNorm(`${s}.output_layer_norm`, X, { configKey: 'dim' }), ...ops.nodes],
        { configKey: 'n_layers', inputShapes: [X] },
      ),
    );
  }
  const transformer = f.module('root.transformer', 'Transformer', blocks, { configKey: 'n_layers', inputShapes: [X] });
  return f.model('DistilBertModel', [embeddings, transformer], { configKey: 'model_type' });
};
