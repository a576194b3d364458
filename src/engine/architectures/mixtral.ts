/**
 * Mixtral (`model_type: mixtral`), transformers 5 `modeling_mixtral.py`:
 * Mistral's attention with a sparse mixture-of-experts block in place of
 * the MLP. Routing and the balanced top-k assumption: moe.ts.
 *
 * MixtralModel
 *   embed_tokens
 *   layers.i: MixtralDecoderLayer
 *     self_attn: MixtralAttention (q_proj, k_proj, v_proj, o_proj; rotary, eager core)
 *     mlp: MixtralSparseMoeBlock
 *       gate: MixtralTopKRouter (F.linear to num_local_experts logits, softmax in float32,
 *         topk, div renormalising the k weights)
 *       experts: MixtralExperts (gate_up_proj and down_proj as 3D tensors; per expert run:
 *         linear.0 gate_up, act_fn, mul.1, linear.2 down, mul.3 routing weight, index_add.4)
 *     input_layernorm, post_attention_layernorm: MixtralRMSNorm; add.0, add.1
 *   norm, rotary_emb, root mask ops (a sliding_window, when set, replaces the causal mask)
 *
 * LM head: vocab_size x hidden_size, untied.
 *
 * HF defaults (MixtralConfig): num_key_value_heads 8, num_local_experts 8,
 * num_experts_per_tok 2, hidden_act "silu", max_position_embeddings 131072,
 * sliding_window null.
 */
import { activationFor } from './activations.js';
import { headDim, lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention } from './decoderParts.js';
import { moeWarning, routedExperts, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** mixtral: MixtralModel. */
export const buildMixtral: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = cfg.int('num_key_value_heads', 8);
  if (heads % kvHeads !== 0) throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  const d = cfg.optionalInt('head_dim') ?? headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  const experts = cfg.int('num_local_experts', 8);
  const topK = cfg.int('num_experts_per_tok', 2);
  if (topK > experts) throw new InvalidInputError(`${cfg.context}: "num_experts_per_tok" (${topK}) is larger than "num_local_experts" (${experts})`);
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const maxPos = cfg.int('max_position_embeddings', 4096 * 32);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  moeWarning(cfg, ctx, experts, topK);
  const X = [B, T, H];
  const N = B * T;
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.self_attn`, {
      className: 'MixtralAttention',
      hidden: H,
      heads,
      kvHeads,
      headDim: d,
      projections: { q: 'q_proj', k: 'k_proj', v: 'v_proj' },
      output: 'o_proj',
      qkvBias: false,
      oBias: false,
      rotaryDim: d,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    });
    const moe = f.module(
      `${s}.mlp`,
      'MixtralSparseMoeBlock',
      [
        topKRouter(ctx, `${s}.mlp.gate`, { className: 'MixtralTopKRouter', experts, topK, hidden: H, bias: false, selection: 'softmax-topk', normalize: true }),
        routedExperts(ctx, `${s}.mlp.experts`, { className: 'MixtralExperts', experts, topK, hidden: H, intermediate: inter, style: { kind: 'glu', act } }),
      ],
      { configKey: 'num_local_experts', inputShapes: [[N, H]] },
    );
    const norm = (scope: string) => f.rmsNorm(scope, 'MixtralRMSNorm', X, { configKey: 'rms_norm_eps' });
    blocks.push(f.module(s, 'MixtralDecoderLayer', [attn, moe, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`), ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, [cfg.has('sliding_window') ? 'sliding' : 'causal']);
  return f.model(
    'MixtralModel',
    [
      f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      f.rmsNorm('root.norm', 'MixtralRMSNorm', X, { configKey: 'rms_norm_eps' }),
      rotaryEmbedding(ctx, 'MixtralRotaryEmbedding', H, d, 'rope_theta'),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** Mixtral's LM head: untied. */
export const MIXTRAL_LM_HEAD: LmHeadSpec = lmHead(false);
