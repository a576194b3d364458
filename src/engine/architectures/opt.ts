/**
 * OPT (`model_type: opt`), transformers 5 `modeling_opt.py`, eager attention:
 *
 * OPTModel
 *   decoder: OPTDecoder
 *     embed_tokens (word_embed_proj_dim wide), embed_positions: OPTLearnedPositionalEmbedding
 *       (max_position_embeddings + 2 rows: positions start at offset 2), project_in / project_out
 *       (only when word_embed_proj_dim differs from hidden_size, OPT-350m)
 *     layers.i: OPTDecoderLayer
 *       self_attn: OPTAttention (k_proj, v_proj, q_proj, out_proj with biases; eager core:
 *         matmul, mul scaling, add mask, softmax in float32, cast, matmul, contiguous; contiguous)
 *       self_attn_layer_norm, fc1, activation_fn, fc2, final_layer_norm (pre-LN when
 *       do_layer_norm_before, else post-LN: same ops); add.0, add.1 residuals. The feed-forward
 *       part runs on the (B x T, hidden) flattened tokens.
 *     final_layer_norm (pre-LN models, unless _remove_final_layer_norm)
 *     ops: mask construction, the positions from the all-ones mask (mul, sub), cast of the
 *       position embeddings, add of tokens + positions
 *
 * LM head: vocab_size x word_embed_proj_dim, tied.
 *
 * HF defaults (OPTConfig): ffn_dim 3072, activation_function "relu",
 * max_position_embeddings 2048, do_layer_norm_before true, enable_bias true,
 * word_embed_proj_dim = hidden_size.
 */
import { activationFor } from './activations.js';
import { checkLearnedPositions, headDim, kvLenOf, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, rootMaskOps } from './decoderParts.js';
import { eagerAttentionCore, kvCacheWrites } from './eagerAttention.js';
import type { ModelNode } from '../tree/modelNode.js';

/** opt: OPTModel. */
export const buildOpt: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const vocab = cfg.requiredInt('vocab_size');
  const ffn = cfg.int('ffn_dim', 3072);
  const proj = cfg.optionalInt('word_embed_proj_dim') ?? H;
  const positions = cfg.int('max_position_embeddings', 2048);
  checkLearnedPositions(kvLenOf(ctx), positions, 'max_position_embeddings', cfg.context);
  const d = headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const bias = cfg.bool('enable_bias', true);
  const preLN = cfg.bool('do_layer_norm_before', true);
  const finalNorm = preLN && !cfg.bool('_remove_final_layer_norm', false);
  const act = activationFor(cfg.str('activation_function', 'relu'), 'activation_function', cfg.context);
  const X = [B, T, H];
  const N = [B * T, H];
  const FF = [B * T, ffn];
  const qLen = T;
  const kvLen = kvLenOf(ctx);
  const dec = 'root.decoder';
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `${dec}.layers.${i}`;
    const a = `${s}.self_attn`;
    const aOps = f.ops(a);
    kvCacheWrites(aOps, f, B, heads, qLen, d);
    eagerAttentionCore(aOps, f, { batch: B, heads, qLen, kvLen, headDim: d }, { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true });
    aOps.contiguous(X);
    const attn = f.module(
      a,
      'OPTAttention',
      [
        f.linear(`${a}.k_proj`, X, H, bias, { configKey: 'num_attention_heads' }),
        f.linear(`${a}.v_proj`, X, H, bias, { configKey: 'num_attention_heads' }),
        f.linear(`${a}.q_proj`, X, H, bias, { configKey: 'num_attention_heads' }),
        f.linear(`${a}.out_proj`, X, H, bias, { configKey: 'num_attention_heads' }),
        ...aOps.nodes,
      ],
      { configKey: 'num_attention_heads', inputShapes: [X] },
    );
    const ops = f.ops(s);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    ops.elementwise('add', [f.t(N), f.t(N)]);
    blocks.push(
      f.module(
        s,
        'OPTDecoderLayer',
        [
          attn,
          f.activation(`${s}.activation_fn`, act.instanceType, FF, act.flopsPerElement, { configKey: 'activation_function' }),
          f.layerNorm(`${s}.self_attn_layer_norm`, X, { configKey: 'do_layer_norm_before' }),
          f.linear(`${s}.fc1`, N, ffn, bias, { configKey: 'ffn_dim' }),
          f.linear(`${s}.fc2`, FF, H, bias, { configKey: 'ffn_dim' }),
          f.layerNorm(`${s}.final_layer_norm`, N, { configKey: 'do_layer_norm_before' }),
          ...ops.nodes,
        ],
        { configKey: 'num_hidden_layers', inputShapes: [X] },
      ),
    );
  }
  const ops = f.ops(dec);
  rootMaskOps(ops, ctx, ['causal']);
  ops.elementwise('mul', [{ shape: [B, T], type: 'int64' }, { shape: [B, T], type: 'int64' }], 'int64');
  ops.elementwise('sub', [{ shape: [B, T], type: 'int64' }, 'scalar'], 'int64');
  ops.cast(f.t(X));
  ops.elementwise('add', [f.t(X), f.t(X)]);
  const children: ModelNode[] = [
    f.embedding(`${dec}.embed_tokens`, [B, T], vocab, proj, { configKey: 'vocab_size' }),
    f.embedding(`${dec}.embed_positions`, [B, T], positions + 2, H, { configKey: 'max_position_embeddings' }),
  ];
  if (proj !== H) {
    children.push(
      f.linear(`${dec}.project_out`, X, proj, false, { configKey: 'word_embed_proj_dim' }),
      f.linear(`${dec}.project_in`, [B, T, proj], H, false, { configKey: 'word_embed_proj_dim' }),
    );
  }
  if (finalNorm) children.push(f.layerNorm(`${dec}.final_layer_norm`, X, { configKey: 'do_layer_norm_before' }));
  const decoder = f.module(dec, 'OPTDecoder', [...children, ...blocks, ...ops.nodes], { configKey: 'num_hidden_layers', inputShapes: [[B, T]] });
  return f.model('OPTModel', [decoder], { configKey: 'model_type' });
};

/** OPT's LM head: vocab_size x word_embed_proj_dim, tied. */
export const OPT_LM_HEAD: LmHeadSpec = lmHead(true, { widthKeys: ['word_embed_proj_dim', 'hidden_size'] });
