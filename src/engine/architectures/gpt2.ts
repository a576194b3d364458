/**
 * GPT-2 (`model_type: gpt2`), transformers 5 `modeling_gpt2.py`, eager attention, no cache:
 *
 * GPT2Model
 *   wte (B, T ids), wpe ((1, T) position ids)
 *   h.i: GPT2Block
 *     ln_1, attn: GPT2Attention (c_attn Conv1D(H, 3H), c_proj Conv1D(H, H); matmul.0, mul.1 scale,
 *          add.2 causal mask (B, 1, T, T), softmax.3, matmul.4, contiguous.5), ln_2,
 *     mlp: GPT2MLP (c_fc, c_proj, act); add.0, add.1 residuals
 *   ln_f
 *   root ops: add.0 cache_position (int64), cast.1 position embeds .to(device), add.2 token + position,
 *   sub.3, add.4, add.5 (int64 mask bookkeeping), where.6 the (B, 1, T, T) causal mask
 *
 * Config aliases (GPT2Config.attribute_map): hidden_size = n_embd,
 * num_hidden_layers = n_layer, num_attention_heads = n_head,
 * max_position_embeddings = n_positions.
 *
 * HF defaults: n_inner null -> 4 x n_embd, activation_function "gelu_new",
 * n_positions 1024, scale_attn_weights true.
 */
import { activationFor } from './activations.js';
import { checkLearnedPositions, headDim, kvLenOf, type ArchitectureBuilder, type BuildContext } from './architecture.js';
import { eagerAttentionCore, kvCacheWrites } from './eagerAttention.js';
import type { ModelNode } from '../tree/modelNode.js';
import type { OpRecorder } from './treeBuilder.js';

/**
 * Root-level ops of transformers 5 decoder models with a causal mask:
 * cache_position arithmetic (int64, length T) and the boolean-to-additive
 * mask (`where`), written into the (B, 1, T, T) mask of the compute dtype.
 * @param between ops recorded between the first cache_position add and the mask bookkeeping
 * @param beforeWhere ops of extra mask pieces (sliding window) recorded just before the `where`
 */
export function causalMaskOps(
  ctx: BuildContext,
  between: (ops: OpRecorder) => void,
  beforeWhere?: (ops: OpRecorder, seqLen: number, kvLen: number) => void,
): ModelNode[] {
  const { batchSize: B, seqLen: T, f } = ctx;
  const kv = kvLenOf(ctx);
  const ops = f.ops('root');
  ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
  between(ops);
  ops.elementwise('sub', [{ shape: [B, 1], type: 'int64' }, 'scalar'], 'int64');
  ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
  ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
  beforeWhere?.(ops, T, kv);
  ops.elementwise('where', [{ shape: [B, 1, T, kv], type: 'bool' }, f.t([]), 'scalar']);
  return ops.nodes;
}

/** gpt2: GPT2Model. */
export const buildGpt2: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt(['n_embd', 'hidden_size']);
  const layers = cfg.requiredInt(['n_layer', 'num_hidden_layers']);
  const heads = cfg.requiredInt(['n_head', 'num_attention_heads']);
  const vocab = cfg.requiredInt('vocab_size');
  const inner = cfg.optionalInt('n_inner') ?? 4 * H;
  const positions = cfg.int(['n_positions', 'max_position_embeddings'], 1024);
  const actName = cfg.str('activation_function', 'gelu_new');
  const act = activationFor(actName, 'activation_function', cfg.context);
  const scale = cfg.bool('scale_attn_weights', true);
  if (cfg.bool('reorder_and_upcast_attn', false)) {
    cfg.warnings.push(`${cfg.context}: reorder_and_upcast_attn computes the same products in float32 via baddbmm; the tree shows the usual matmul path`);
  }
  if (cfg.bool('add_cross_attention', false)) {
    cfg.warnings.push(`${cfg.context}: add_cross_attention is ignored: AutoModel is run without encoder states, so cross-attention never runs`);
  }
  const d = headDim(H, heads, 'n_embd', 'n_head', cfg.context);
  const kv = kvLenOf(ctx);
  checkLearnedPositions(kv, positions, 'n_positions', cfg.context);
  const X = [B, T, H];
  const hKey = cfg.keyOf(['n_head', 'num_attention_heads']);
  const nKey = cfg.keyOf(['n_embd', 'hidden_size']);
  const lKey = cfg.keyOf(['n_layer', 'num_hidden_layers']);

  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.h.${i}`;
    const aOps = f.ops(`${s}.attn`);
    kvCacheWrites(aOps, f, B, heads, T, d);
    eagerAttentionCore(aOps, f, { batch: B, heads, qLen: T, kvLen: kv, headDim: d }, { scale: scale ? 'mul' : 'none', addShape: [B, 1, T, kv], softmaxFp32: false, transposeCopy: false });
    aOps.contiguous(X);
    const attn = f.module(
      `${s}.attn`,
      'GPT2Attention',
      [
        f.linear(`${s}.attn.c_attn`, X, 3 * H, true, { instanceType: 'Conv1D', configKey: hKey }),
        f.linear(`${s}.attn.c_proj`, X, H, true, { instanceType: 'Conv1D', configKey: nKey }),
        ...aOps.nodes,
      ],
      { configKey: hKey, inputShapes: [X] },
    );
    const I = [B, T, inner];
    const mlp = f.module(
      `${s}.mlp`,
      'GPT2MLP',
      [
        f.linear(`${s}.mlp.c_fc`, X, inner, true, { instanceType: 'Conv1D', configKey: 'n_inner' }),
        f.linear(`${s}.mlp.c_proj`, I, H, true, { instanceType: 'Conv1D', configKey: 'n_inner' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'activation_function' }),
      ],
      { configKey: 'n_inner', inputShapes: [X] },
    );
    const ops = f.ops(s);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    blocks.push(
      f.module(s, 'GPT2Block', [f.layerNorm(`${s}.ln_1`, X, { configKey: nKey }), attn, f.layerNorm(`${s}.ln_2`, X, { configKey: nKey }), mlp, ...ops.nodes], {
        configKey: lKey,
        inputShapes: [X, [B, 1, T, T]],
      }),
    );
  }
  const rootOps = causalMaskOps(ctx, (ops) => {
    ops.cast(f.t([1, T, H]));
    ops.elementwise('add', [f.t(X), f.t([1, T, H])]);
  });
  return f.model(
    'GPT2Model',
    [
      f.embedding('root.wte', [B, T], vocab, H, { configKey: 'vocab_size' }),
      f.embedding('root.wpe', [1, T], positions, H, { configKey: cfg.keyOf(['n_positions', 'max_position_embeddings']) ?? 'n_positions' }),
      ...blocks,
      f.layerNorm('root.ln_f', X, { configKey: nKey }),
      ...rootOps,
    ],
    { configKey: 'model_type' },
  );
};
