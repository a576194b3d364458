/**
 * BLOOM (`model_type: bloom`), transformers 5 `modeling_bloom.py`, eager:
 * no position embeddings; attention is biased by ALiBi (a per-head slope x
 * key position, built once at the root) added to the scores inside
 * `alibi.baddbmm(q, k^T, beta=1, alpha=1/sqrt(d))`.
 *
 * BloomModel
 *   word_embeddings, word_embeddings_layernorm
 *   h.i: BloomBlock
 *     input_layernorm, self_attention: BloomAttention (query_key_value, dense;
 *       baddbmm.0 scores + ALiBi, add.1 causal mask, softmax.2 in float32, cast.3, bmm.4 context,
 *       add.5 the residual, inside dropout_add)
 *     post_attention_layernorm, mlp: BloomMLP (dense_h_to_4h, gelu_impl: BloomGelu, dense_4h_to_h; add.0 residual)
 *   ln_f
 *   root ops: ALiBi (sub, mul on the (B, T) positions, mul by the slopes, cast to the compute dtype), mask ops
 *
 * Config aliases (BloomConfig.attribute_map): num_hidden_layers = n_layer,
 * num_attention_heads = n_head; hidden_size may be written n_embed.
 * LM head: vocab_size x hidden_size, tied.
 *
 * HF defaults: layer_norm_epsilon 1e-5, apply_residual_connection_post_layernorm false (changes which
 * tensor is added, not the cost), the MLP is 4 x hidden.
 */
import { headDim, lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import { rootMaskOps } from './decoderParts.js';
import { matmulCost } from '../features/primitiveCost.js';
import type { ModelNode } from '../tree/modelNode.js';
import type { OpRecorder } from './treeBuilder.js';

/**
 * `build_alibi_tensor` at the root: positions from the all-ones mask
 * ((cumsum - 1) x mask, int64), slopes x positions in float32 giving
 * (B, heads, T), cast to the compute dtype. The slopes' own pow/arange and
 * the cumsum are not recorded by the measuring hooks.
 */
export function alibiOps(ops: OpRecorder, ctx: BuildContext, heads: number): void {
  const { batchSize: B, seqLen: T, f } = ctx;
  ops.elementwise('sub', [{ shape: [B, T], type: 'int64' }, 'scalar'], 'int64');
  ops.elementwise('mul', [{ shape: [B, T], type: 'int64' }, { shape: [B, T], type: 'int64' }], 'int64');
  ops.elementwise('mul', [{ shape: [heads, 1], type: 'fp32' }, { shape: [B, 1, T], type: 'int64' }], 'fp32');
  ops.cast({ shape: [B * heads, 1, T], type: 'fp32' }, f.dtype);
}

/**
 * BLOOM's eager attention core: `alibi.baddbmm` (scores scaled by 1/sqrt(d)
 * plus the ALiBi bias), the causal mask, softmax in float32 and back,
 * `torch.bmm` with the values. Query and key/value lengths are kept apart.
 */
export function bloomAttentionCore(ops: OpRecorder, ctx: BuildContext, heads: number, d: number, qLen: number, kvLen: number): void {
  const { batchSize: B, f } = ctx;
  const BH = B * heads;
  const product = matmulCost([BH, qLen, d], [BH, d, kvLen], f.dtype);
  const scores = BH * qLen * kvLen;
  // alpha x (q k^T) + beta x alibi: two more FLOPs per score; the (BH, 1, kv) bias is read too
  ops.custom('baddbmm', [[BH, 1, kvLen], [BH, qLen, d], [BH, d, kvLen]], { flops: product.flops + 2 * scores, memBytes: product.memBytes + BH * kvLen * f.dtypeBytes, parameters: 0 });
  const S = [B, heads, qLen, kvLen];
  ops.elementwise('add', [f.t(S), f.t([B, 1, qLen, kvLen])]);
  ops.softmax(S, 'fp32');
  ops.cast({ shape: S, type: 'fp32' }, f.dtype);
  const ctxCost = matmulCost([BH, qLen, kvLen], [BH, kvLen, d], f.dtype);
  ops.custom('bmm', [[BH, qLen, kvLen], [BH, kvLen, d]], ctxCost);
}

/** bloom: BloomModel. */
export const buildBloom: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt(['hidden_size', 'n_embed']);
  const layers = cfg.requiredInt(['n_layer', 'num_hidden_layers']);
  const heads = cfg.requiredInt(['n_head', 'num_attention_heads']);
  const vocab = cfg.requiredInt('vocab_size');
  const d = headDim(H, heads, cfg.keyOf(['hidden_size', 'n_embed']) ?? 'hidden_size', cfg.keyOf(['n_head', 'num_attention_heads']) ?? 'n_head', cfg.context);
  if ((cfg.optionalInt('pretraining_tp') ?? 1) > 1 && cfg.bool('slow_but_exact', false)) {
    cfg.warnings.push(`${cfg.context}: slow_but_exact with pretraining_tp > 1 splits the output projections into slices; the tree shows them whole (same FLOPs)`);
  }
  const X = [B, T, H];
  const I = [B, T, 4 * H];
  const hKey = cfg.keyOf(['n_head', 'num_attention_heads']) ?? 'n_head';
  const lKey = cfg.keyOf(['n_layer', 'num_hidden_layers']) ?? 'n_layer';
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.h.${i}`;
    const a = `${s}.self_attention`;
    const aOps = f.ops(a);
    bloomAttentionCore(aOps, ctx, heads, d, T, T);
    aOps.elementwise('add', [f.t(X), f.t(X)]);
    const attention = f.module(
      a,
      'BloomAttention',
      [f.linear(`${a}.query_key_value`, X, 3 * H, true, { configKey: hKey }), f.linear(`${a}.dense`, X, H, true, { configKey: hKey }), ...aOps.nodes],
      { configKey: hKey, inputShapes: [X, X, [B * heads, 1, T], [B, 1, T, T]] },
    );
    const mOps = f.ops(`${s}.mlp`);
    mOps.elementwise('add', [f.t(X), f.t(X)]);
    const mlp = f.module(
      `${s}.mlp`,
      'BloomMLP',
      [
        f.linear(`${s}.mlp.dense_h_to_4h`, X, 4 * H, true, { configKey: 'hidden_size' }),
        f.activation(`${s}.mlp.gelu_impl`, 'BloomGelu', I, 8, { configKey: 'hidden_size' }),
        f.linear(`${s}.mlp.dense_4h_to_h`, I, H, true, { configKey: 'hidden_size' }),
        ...mOps.nodes,
      ],
      { configKey: 'hidden_size', inputShapes: [X, X] },
    );
    blocks.push(
      f.module(s, 'BloomBlock', [f.layerNorm(`${s}.input_layernorm`, X, { configKey: 'layer_norm_epsilon' }), attention, f.layerNorm(`${s}.post_attention_layernorm`, X, { configKey: 'layer_norm_epsilon' }), mlp], {
        configKey: lKey,
        inputShapes: [X],
      }),
    );
  }
  const ops = f.ops('root');
  alibiOps(ops, ctx, heads);
  rootMaskOps(ops, ctx, ['causal']);
  return f.model(
    'BloomModel',
    [
      f.embedding('root.word_embeddings', [B, T], vocab, H, { configKey: 'vocab_size' }),
      f.layerNorm('root.word_embeddings_layernorm', X, { configKey: 'layer_norm_epsilon' }),
      ...blocks,
      f.layerNorm('root.ln_f', X, { configKey: 'layer_norm_epsilon' }),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** BLOOM's LM head: tied to word_embeddings. */
export const BLOOM_LM_HEAD: LmHeadSpec = lmHead(true);
