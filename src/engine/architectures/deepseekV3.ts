/**
 * DeepSeek-V3 (`model_type: deepseek_v3`; DeepSeek-V3, R1), transformers 5
 * `modeling_deepseek_v3.py`, eager:
 *
 * DeepseekV3Model
 *   embed_tokens
 *   layers.i: DeepseekV3DecoderLayer
 *     self_attn: DeepseekV3Attention, multi-head latent attention:
 *       q_a_proj (hidden -> q_lora_rank), q_a_layernorm, q_b_proj (-> heads x (nope + rope))
 *         (or one q_proj when q_lora_rank is null);
 *       kv_a_proj_with_mqa (hidden -> kv_lora_rank + rope), kv_a_layernorm on the latent,
 *       kv_b_proj (latent -> heads x (nope + v_head_dim)); o_proj (heads x v_head_dim -> hidden).
 *       Ops: rotary on the rope part of q (all heads) and k (one shared head), cat of q's
 *       nope and rope parts, cat of k's, then the eager core with a (nope + rope) query/key
 *       size and a v_head_dim value size; contiguous.
 *     mlp: DeepseekV3MLP for the first first_k_dense_replace layers, else DeepseekV3MoE:
 *       gate: DeepseekV3TopkRouter (tokens and weight cast to float32, F.linear; the
 *         e_score_correction_bias is a buffer, not a parameter)
 *       experts: DeepseekV3NaiveMoe (n_routed_experts, moe_intermediate_size each)
 *       shared_experts: DeepseekV3MLP (moe_intermediate_size x n_shared_experts)
 *       ops (route_tokens_to_experts): sigmoid, + correction bias, group top-2 and sum, top
 *       topk_group groups, bool cast and masked_fill of the other groups, topk, gather,
 *       [sum, add, div when norm_topk_prob], mul by routed_scaling_factor; then add of the
 *       shared experts' output
 *     input_layernorm, post_attention_layernorm: DeepseekV3RMSNorm; add.0, add.1
 *   norm, rotary_emb (qk_rope_head_dim), root mask ops
 *
 * Group-limited routing only narrows which experts a token may pick; the
 * balanced top-k assumption (moe.ts) spreads tokens over all routed experts.
 * The published checkpoint's num_nextn_predict_layers (multi-token
 * prediction) weights are not part of DeepseekV3Model. LM head: vocab_size x
 * hidden_size, untied.
 *
 * HF defaults (DeepseekV3Config): q_lora_rank 1536, kv_lora_rank 512,
 * qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128,
 * n_routed_experts 256, n_shared_experts 1, num_experts_per_tok 8,
 * first_k_dense_replace 3, n_group 8, topk_group 4, norm_topk_prob true,
 * moe_intermediate_size 2048, attention_bias false.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, gatedMlp, readDecoderSizes, residualAdds, rootMaskOps, rotaryEmbedding, rotaryOps } from './decoderParts.js';
import { eagerAttentionCore } from './eagerAttention.js';
import { readExperts, routedExperts, topkCost, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** deepseek_v3: DeepseekV3Model. */
export const buildDeepseekV3: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  // head sizes come from qk_nope/qk_rope/v_head_dim; the common reader's head_dim is not used
  const { H, layers, heads, inter, vocab } = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', maxPositions: 4096 });
  const qRank = cfg.raw['q_lora_rank'] === null ? undefined : cfg.int('q_lora_rank', 1536);
  const kvRank = cfg.int('kv_lora_rank', 512);
  const nope = cfg.int('qk_nope_head_dim', 128);
  const rope = cfg.int('qk_rope_head_dim', 64);
  const vDim = cfg.int('v_head_dim', 128);
  const qk = nope + rope;
  const firstDense = cfg.count('first_k_dense_replace', 3);
  const { experts, topK } = readExperts(cfg, ctx, { keys: 'n_routed_experts', fallback: 256 }, { keys: 'num_experts_per_tok', fallback: 8 }, firstDense < layers);
  const shared = cfg.count('n_shared_experts', 1);
  const moeInter = cfg.int('moe_intermediate_size', 2048);
  const groups = cfg.int('n_group', 8);
  const topGroups = cfg.int('topk_group', 4);
  if (experts % groups !== 0) throw new InvalidInputError(`${cfg.context}: "n_routed_experts" (${experts}) is not a multiple of "n_group" (${groups})`);
  const normTopK = cfg.bool('norm_topk_prob', true);
  const bias = cfg.bool('attention_bias', false);
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const X = [B, T, H];
  const N = B * T;
  const names = { gate: 'gate_proj', up: 'up_proj', down: 'down_proj', act: 'act_fn' };
  const qLen = T;
  const kvLen = T;
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const a = `${s}.self_attn`;
    const projections =
      qRank === undefined
        ? [f.linear(`${a}.q_proj`, X, heads * qk, false, { configKey: 'q_lora_rank' })]
        : [
            f.linear(`${a}.q_a_proj`, X, qRank, bias, { configKey: 'q_lora_rank' }),
            f.rmsNorm(`${a}.q_a_layernorm`, 'DeepseekV3RMSNorm', [B, T, qRank], { configKey: 'q_lora_rank' }),
            f.linear(`${a}.q_b_proj`, [B, T, qRank], heads * qk, false, { configKey: 'q_lora_rank' }),
          ];
    projections.push(
      f.linear(`${a}.kv_a_proj_with_mqa`, X, kvRank + rope, bias, { configKey: 'kv_lora_rank' }),
      f.rmsNorm(`${a}.kv_a_layernorm`, 'DeepseekV3RMSNorm', [B, T, kvRank], { configKey: 'kv_lora_rank' }),
      f.linear(`${a}.kv_b_proj`, [B, T, kvRank], heads * (nope + vDim), false, { configKey: 'kv_lora_rank' }),
      f.linear(`${a}.o_proj`, [B, T, heads * vDim], H, bias, { configKey: 'v_head_dim' }),
    );
    const aOps = f.ops(a);
    rotaryOps(aOps, f, B, heads, qLen, rope, rope);
    rotaryOps(aOps, f, B, 1, kvLen, rope, rope);
    aOps.cat([
      [B, heads, qLen, nope],
      [B, heads, qLen, rope],
    ]);
    aOps.cat([
      [B, heads, kvLen, nope],
      [B, heads, kvLen, rope],
    ]);
    eagerAttentionCore(aOps, f, { batch: B, heads, qLen, kvLen, headDim: qk, valueDim: vDim }, { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true });
    aOps.contiguous([B, qLen, heads * vDim]);
    const attn = f.module(a, 'DeepseekV3Attention', [...projections, ...aOps.nodes], { configKey: 'num_attention_heads', inputShapes: [X] });

    let mlp: ModelNode;
    if (i < firstDense) {
      mlp = gatedMlp(ctx, `${s}.mlp`, { className: 'DeepseekV3MLP', hidden: H, intermediate: inter, bias: false, act, names });
    } else {
      const m = `${s}.mlp`;
      const ops = f.ops(m);
      const fp = (shape: number[]) => ({ shape, type: 'fp32' as const });
      ops.elementwise('sigmoid', [fp([N, experts])], 'fp32', 4);
      ops.elementwise('add', [fp([N, experts]), fp([experts])], 'fp32');
      ops.custom('topk', [[N, groups, experts / groups]], topkCost(N * groups, experts / groups, 2, 4));
      ops.elementwise('sum', [fp([N, groups, 2])], 'fp32');
      ops.custom('topk', [[N, groups]], topkCost(N, groups, topGroups, 4));
      ops.cast({ shape: [N, experts], type: 'fp32' }, 'bool');
      ops.elementwise('masked_fill', [fp([N, experts]), { shape: [N, experts], type: 'bool' }, 'scalar'], 'fp32');
      ops.custom('topk', [[N, experts]], topkCost(N, experts, topK, 4));
      ops.custom('gather', [[N, experts], [N, topK]], { flops: 0, memBytes: N * topK * (4 + 8 + 4), parameters: 0 });
      if (normTopK) {
        ops.elementwise('sum', [fp([N, topK])], 'fp32');
        ops.elementwise('add', [fp([N, 1]), 'scalar'], 'fp32');
        ops.elementwise('div', [fp([N, topK]), fp([N, 1])], 'fp32');
      }
      ops.elementwise('mul', [fp([N, topK]), 'scalar'], 'fp32');
      ops.elementwise('add', [f.t(X), f.t(X)]);
      const children = [
        routedExperts(ctx, `${m}.experts`, { className: 'DeepseekV3NaiveMoe', experts, topK, hidden: H, intermediate: moeInter, style: { kind: 'glu', act } }),
        topKRouter(ctx, `${m}.gate`, { className: 'DeepseekV3TopkRouter', experts, topK, hidden: H, bias: false, selection: 'logits', fp32: true }),
      ];
      if (shared > 0) children.push(gatedMlp(ctx, `${m}.shared_experts`, { className: 'DeepseekV3MLP', hidden: H, intermediate: moeInter * shared, bias: false, act, names, sizeKey: 'n_shared_experts' }));
      mlp = f.module(m, 'DeepseekV3MoE', [...children, ...ops.nodes], { configKey: 'n_routed_experts', inputShapes: [X] });
    }
    const norm = (scope: string) => f.rmsNorm(scope, 'DeepseekV3RMSNorm', X, { configKey: 'rms_norm_eps' });
    blocks.push(f.module(s, 'DeepseekV3DecoderLayer', [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`), ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, ['causal']);
  return f.model(
    'DeepseekV3Model',
    [
      f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      f.rmsNorm('root.norm', 'DeepseekV3RMSNorm', X, { configKey: 'rms_norm_eps' }),
      rotaryEmbedding(ctx, 'DeepseekV3RotaryEmbedding', H, rope, 'qk_rope_head_dim'),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** DeepSeek-V3's LM head: untied. */
export const DEEPSEEK_V3_LM_HEAD: LmHeadSpec = lmHead(false);
