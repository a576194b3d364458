/**
 * Falcon (`model_type: falcon`), transformers 5 `modeling_falcon.py`, eager
 * attention. One fused query_key_value (FalconLinear) whose width depends on
 * the layout:
 *
 * - old layout (falcon-7b): `multi_query` gives one shared key/value head
 *   (hidden + 2 x head_dim outputs); without it, 3 x hidden;
 * - new layout (`new_decoder_architecture`, falcon-40b/180b): num_kv_heads
 *   key/value heads, (heads + 2 x num_kv_heads) x head_dim outputs, and with
 *   num_ln_in_parallel_attn 2 (its default there) two input norms, ln_attn
 *   and ln_mlp, instead of input_layernorm.
 *
 * With `parallel_attn` (the default) attention and MLP read the same normed
 * input and are added together; otherwise a post_attention_layernorm sits
 * between them. Positions are rotary, or ALiBi when `alibi` is set (bloom.ts).
 *
 * FalconModel
 *   word_embeddings
 *   h.i: FalconDecoderLayer (input_layernorm | ln_attn + ln_mlp [| post_attention_layernorm];
 *     self_attention: FalconAttention (query_key_value, dense; rotary on q and k, matmul.10,
 *       div.11 by sqrt(head_dim), add.12 mask, softmax.13 in the compute dtype, matmul.14);
 *     mlp: FalconMLP (dense_h_to_4h, act, dense_4h_to_h); add.0, add.1)
 *   ln_f, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, tied by default.
 *
 * HF defaults (FalconConfig): multi_query true, new_decoder_architecture
 * false, parallel_attn true, bias false, alibi false, num_kv_heads =
 * num_attention_heads, ffn_hidden_size 4 x hidden, activation "gelu".
 */
import { activationFor } from './activations.js';
import { headDim, lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import { alibiOps } from './bloom.js';
import { residualAdds, rootMaskOps, rotaryEmbedding, rotaryOps } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';
import type { OpRecorder } from './treeBuilder.js';
import { InvalidInputError } from '../errors.js';

/**
 * Falcon's eager core (its own code, not the shared function): q @ k^T
 * (one key head broadcast over all query heads under multi-query), the
 * scale as `/= sqrt(head_dim)` (rotary) or `*= 1/sqrt(head_dim)` after the
 * ALiBi add, the mask, softmax in the compute dtype, @ v.
 */
export function falconAttentionCore(ops: OpRecorder, ctx: BuildContext, heads: number, kvHeads: number, d: number, qLen: number, kvLen: number, alibi: boolean): void {
  const { batchSize: B, f } = ctx;
  const S = [B, heads, qLen, kvLen];
  ops.matmul([B, heads, qLen, d], [B, kvHeads, d, kvLen]);
  if (alibi) {
    ops.elementwise('add', [f.t(S), f.t([B, heads, 1, kvLen])]);
    ops.elementwise('mul', [f.t(S), 'scalar']);
  } else {
    ops.elementwise('div', [f.t(S), 'scalar']);
  }
  ops.elementwise('add', [f.t(S), f.t([B, 1, qLen, kvLen])]);
  ops.softmax(S);
  ops.matmul(S, [B, kvHeads, kvLen, d]);
}

/** falcon: FalconModel. */
export const buildFalcon: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt(['num_hidden_layers', 'n_layer']);
  const heads = cfg.requiredInt(['num_attention_heads', 'n_head']);
  const vocab = cfg.requiredInt('vocab_size');
  const d = headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const newArch = cfg.bool('new_decoder_architecture', false);
  const multiQuery = cfg.bool('multi_query', true);
  const parallel = cfg.bool('parallel_attn', true);
  const bias = cfg.bool('bias', false);
  const alibi = cfg.bool('alibi', false);
  const kvConfigured = cfg.optionalInt('num_kv_heads') ?? heads;
  const kvHeads = newArch ? kvConfigured : multiQuery ? 1 : heads;
  if (heads % kvHeads !== 0) throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_kv_heads" (${kvHeads})`);
  const qkvOut = newArch ? (heads + 2 * kvHeads) * d : multiQuery ? H + 2 * d : 3 * H;
  const lnInParallel = cfg.optionalInt('num_ln_in_parallel_attn') ?? (newArch ? 2 : 1);
  const twoNorms = newArch && lnInParallel === 2;
  const ffn = cfg.optionalInt('ffn_hidden_size') ?? 4 * H;
  const act = activationFor(cfg.str('activation', 'gelu'), 'activation', cfg.context);
  const maxPos = cfg.int('max_position_embeddings', 2048);
  if (!alibi && T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  const X = [B, T, H];
  const I = [B, T, ffn];
  const hKey = cfg.keyOf(['num_attention_heads', 'n_head']) ?? 'num_attention_heads';
  const kvKey = newArch ? 'num_kv_heads' : 'multi_query';
  const norm = (scope: string) => f.layerNorm(scope, X, { configKey: 'layer_norm_epsilon' });
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.h.${i}`;
    const a = `${s}.self_attention`;
    const aOps = f.ops(a);
    if (!alibi) {
      rotaryOps(aOps, f, B, heads, T, d, d);
      rotaryOps(aOps, f, B, kvHeads, T, d, d);
    }
    falconAttentionCore(aOps, ctx, heads, kvHeads, d, T, T, alibi);
    const attention = f.module(
      a,
      'FalconAttention',
      [
        f.linear(`${a}.query_key_value`, X, qkvOut, bias, { instanceType: 'FalconLinear', configKey: kvKey }),
        f.linear(`${a}.dense`, X, H, bias, { instanceType: 'FalconLinear', configKey: hKey }),
        ...aOps.nodes,
      ],
      { configKey: hKey, inputShapes: [X] },
    );
    const mlp = f.module(
      `${s}.mlp`,
      'FalconMLP',
      [
        f.linear(`${s}.mlp.dense_h_to_4h`, X, ffn, bias, { instanceType: 'FalconLinear', configKey: 'ffn_hidden_size' }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'activation' }),
        f.linear(`${s}.mlp.dense_4h_to_h`, I, H, bias, { instanceType: 'FalconLinear', configKey: 'ffn_hidden_size' }),
      ],
      { configKey: 'ffn_hidden_size', inputShapes: [X] },
    );
    const norms = twoNorms ? [norm(`${s}.ln_attn`), norm(`${s}.ln_mlp`)] : parallel ? [norm(`${s}.input_layernorm`)] : [norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)];
    blocks.push(f.module(s, 'FalconDecoderLayer', [...norms, attention, mlp, ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  if (alibi) alibiOps(ops, ctx, heads);
  rootMaskOps(ops, ctx, ['causal']);
  return f.model(
    'FalconModel',
    [
      f.embedding('root.word_embeddings', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      norm('root.ln_f'),
      ...(alibi ? [] : [rotaryEmbedding(ctx, 'FalconRotaryEmbedding', H, d, 'rope_theta')]),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** Falcon's LM head: tied by default. */
export const FALCON_LM_HEAD: LmHeadSpec = lmHead(true);
