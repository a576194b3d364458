/**
 * gpt-oss (`model_type: gpt_oss`; gpt-oss-20b, gpt-oss-120b), transformers 5
 * `modeling_gpt_oss.py`: a GQA rotary decoder whose attention layers
 * alternate between a 128-token sliding window and full attention
 * (layer_types), with a learned attention sink per head, and a
 * mixture-of-experts MLP. Routing and the balanced top-k assumption: moe.ts.
 *
 * GptOssModel
 *   embed_tokens
 *   layers.i: GptOssDecoderLayer
 *     self_attn: GptOssAttention (q_proj, k_proj, v_proj, o_proj with biases; rotary; matmul, mul,
 *       add mask, cat of the sinks (the op carries the module's `sinks` parameters), sub of the row
 *       maximum, softmax over scores + sink in the compute dtype, matmul, contiguous; contiguous)
 *     mlp: GptOssMLP
 *       router: GptOssTopKRouter (F.linear with bias, topk of the logits, softmax over the k)
 *       experts: GptOssExperts (gate_up_proj, down_proj and their biases as 3D/2D tensors; per expert
 *         run: linear.0, clamp, clamp, mul, sigmoid, mul (gate x sigmoid(alpha x gate)), add (up + 1),
 *         mul, linear.8, mul routing weight, index_add)
 *     input_layernorm, post_attention_layernorm: GptOssRMSNorm; add.0, add.1
 *   norm, rotary_emb, root ops: the causal and the sliding-window masks
 *
 * Windowed layers only mask keys: eager attention computes every score.
 * The published checkpoints store the experts in MXFP4 (quantization_config);
 * see quantizationConfig.ts for how their bytes are counted.
 * LM head: vocab_size x hidden_size, untied.
 *
 * HF defaults (GptOssConfig): num_local_experts 128, num_experts_per_tok 4,
 * head_dim 64, num_key_value_heads 8, sliding_window 128, attention_bias
 * true, layer_types: even layers sliding, odd full.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { causalMaskShape, residualAdds, rootMaskOps, rotaryEmbedding, selfAttention, slidingLayers } from './decoderParts.js';
import { moeWarning, routedExperts, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** gpt_oss: GptOssModel. */
export const buildGptOss: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = cfg.int('num_key_value_heads', 8);
  if (heads % kvHeads !== 0) throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  const d = cfg.int('head_dim', 64);
  const experts = cfg.int(['num_local_experts', 'num_experts'], 128);
  const topK = cfg.int(['num_experts_per_tok', 'experts_per_token'], 4);
  if (topK > experts) throw new InvalidInputError(`${cfg.context}: "num_experts_per_tok" (${topK}) is larger than "num_local_experts" (${experts})`);
  const bias = cfg.bool('attention_bias', true);
  const sliding = slidingLayers(cfg.stringList('layer_types'), layers, (i) => (i + 1) % 2 === 1, (m) => cfg.warnings.push(`${cfg.context}: ${m}`));
  const maxPos = cfg.int('max_position_embeddings', 131072);
  if (T > maxPos) cfg.warnings.push(`${cfg.context}: sequence length ${T} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
  moeWarning(cfg, ctx, experts, topK);
  const X = [B, T, H];
  const N = B * T;
  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.layers.${i}`;
    const attn = selfAttention(ctx, `${s}.self_attn`, {
      className: 'GptOssAttention',
      hidden: H,
      heads,
      kvHeads,
      headDim: d,
      projections: { q: 'q_proj', k: 'k_proj', v: 'v_proj' },
      output: 'o_proj',
      qkvBias: bias,
      oBias: bias,
      rotaryDim: d,
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: false, sinks: true, transposeCopy: true },
      keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'GptOssMLP',
      [
        topKRouter(ctx, `${s}.mlp.router`, { className: 'GptOssTopKRouter', experts, topK, hidden: H, bias: true, selection: 'topk-softmax' }),
        routedExperts(ctx, `${s}.mlp.experts`, { className: 'GptOssExperts', experts, topK, hidden: H, intermediate: inter, style: { kind: 'gpt-oss' } }),
      ],
      { configKey: 'num_local_experts', inputShapes: [[N, H]] },
    );
    const norm = (scope: string) => f.rmsNorm(scope, 'GptOssRMSNorm', X, { configKey: 'rms_norm_eps' });
    blocks.push(f.module(s, 'GptOssDecoderLayer', [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`), ...residualAdds(ctx, s, H)], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, sliding.some(Boolean) ? ['causal', 'sliding'] : ['causal']);
  return f.model(
    'GptOssModel',
    [
      f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }),
      ...blocks,
      f.rmsNorm('root.norm', 'GptOssRMSNorm', X, { configKey: 'rms_norm_eps' }),
      rotaryEmbedding(ctx, 'GptOssRotaryEmbedding', H, d, 'rope_theta'),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
};

/** gpt-oss's LM head: untied. */
export const GPT_OSS_LM_HEAD: LmHeadSpec = lmHead(false);
