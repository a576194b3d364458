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
import { causalMaskShape, decoderLayer, decoderRoot, readDecoderSizes, ropeAttention, slidingLayers } from './decoderParts.js';
import { readExperts, routedExperts, topKRouter } from './moe.js';
import type { ModelNode } from '../tree/modelNode.js';

/** gpt_oss: GptOssModel. */
export const buildGptOss: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 8, headDim: 64, maxPositions: 131072 });
  const { experts, topK } = readExperts(cfg, ctx, { keys: ['num_local_experts', 'num_experts'], fallback: 128 }, { keys: ['num_experts_per_tok', 'experts_per_token'], fallback: 4 });
  const bias = cfg.bool('attention_bias', true);
  const sliding = slidingLayers(cfg.stringList('layer_types'), sz.layers, (i) => (i + 1) % 2 === 1, (m) => cfg.warnings.push(`${cfg.context}: ${m}`));
  const X = [B, T, sz.H];
  const norm = (scope: string) => f.rmsNorm(scope, 'GptOssRMSNorm', X, { configKey: 'rms_norm_eps' });
  const layers: ModelNode[] = [];
  for (let i = 0; i < sz.layers; i++) {
    const s = `root.layers.${i}`;
    const attn = ropeAttention(ctx, `${s}.self_attn`, 'GptOssAttention', sz, { qkv: bias, o: bias }, {
      core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: false, sinks: true, transposeCopy: true },
    });
    const mlp = f.module(
      `${s}.mlp`,
      'GptOssMLP',
      [
        topKRouter(ctx, `${s}.mlp.router`, { className: 'GptOssTopKRouter', experts, topK, hidden: sz.H, bias: true, selection: 'topk-softmax' }),
        routedExperts(ctx, `${s}.mlp.experts`, { className: 'GptOssExperts', experts, topK, hidden: sz.H, intermediate: sz.inter, style: { kind: 'gpt-oss' } }),
      ],
      { configKey: 'num_local_experts', inputShapes: [[B * T, sz.H]] },
    );
    layers.push(decoderLayer(ctx, s, 'GptOssDecoderLayer', sz.H, [attn, mlp, norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)]));
  }
  return decoderRoot(ctx, 'GptOssModel', {
    vocab: sz.vocab,
    hidden: sz.H,
    layers,
    norm: norm('root.norm'),
    rotary: { className: 'GptOssRotaryEmbedding', dim: sz.d, configKey: 'rope_theta' },
    masks: sliding.some(Boolean) ? ['causal', 'sliding'] : ['causal'],
  });
};

/** gpt-oss's LM head: untied. */
export const GPT_OSS_LM_HEAD: LmHeadSpec = lmHead(false);
