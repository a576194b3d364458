/**
 * Llama (`model_type: llama`) and the decoders built like it (Mistral,
 * Qwen2), transformers 5 `modeling_llama.py`, eager attention, no cache:
 *
 * LlamaModel
 *   embed_tokens
 *   layers.i: LlamaDecoderLayer
 *     self_attn: LlamaAttention (q_proj, k_proj, v_proj, o_proj;
 *       rotary on q: mul.0 q*cos, neg.1, cat.2 rotate_half, mul.3 *sin, add.4;
 *       rotary on k (KV heads): mul.5, neg.6, cat.7, mul.8, add.9;
 *       matmul.10 scores over repeat_kv'd keys, mul.11 scale, add.12 causal mask,
 *       softmax.13 in float32, cast.14 back to the compute dtype, matmul.15,
 *       contiguous.16 after transpose, contiguous.17 after reshape)
 *     mlp: LlamaMLP (gate_proj, up_proj, down_proj, act_fn; mul.0 act(gate) * up)
 *     input_layernorm, post_attention_layernorm: LlamaRMSNorm; add.0, add.1 residuals
 *   norm: LlamaRMSNorm
 *   rotary_emb: LlamaRotaryEmbedding (cos/sin tables for (1, T) positions)
 *   root ops: add.0 cache_position, sub.1, add.2, add.3, where.4 causal mask
 *
 * repeat_kv's expand + reshape copies are not recorded by the measuring hooks
 * and are left out. Tied embeddings change nothing here: AutoModel has no LM head.
 *
 * HF defaults (LlamaConfig): num_key_value_heads = num_attention_heads,
 * head_dim = hidden_size / num_attention_heads, hidden_act "silu",
 * attention_bias false, mlp_bias false, max_position_embeddings 2048.
 * Rotary positions extrapolate, so a sequence longer than
 * max_position_embeddings is allowed (with a warning).
 */
import { activationFor } from './activations.js';
import { headDim, kvLenOf, type ArchitectureBuilder, type BuildContext } from './architecture.js';
import { eagerAttentionCore, kvCacheWrites } from './eagerAttention.js';
import type { ConfigReader } from './configReader.js';
import { causalMaskOps } from './gpt2.js';
import type { ModelNode } from '../tree/modelNode.js';
import type { OpRecorder } from './treeBuilder.js';
import { InvalidInputError } from '../errors.js';

/** What differs between Llama-like decoders. */
export interface LlamaFamilySpec {
  /** Class-name prefix: `Llama`, `Mistral`, `Qwen2`. */
  prefix: string;
  /** Bias on q/k/v projections when the config says nothing (Qwen2: always true). */
  qkvBias: (cfg: ConfigReader) => boolean;
  /** Bias on o_proj. */
  oBias: (cfg: ConfigReader) => boolean;
  /** Bias on the MLP projections. */
  mlpBias: (cfg: ConfigReader) => boolean;
  /** HF default of max_position_embeddings. */
  defaultMaxPositions: number;
  /** HF default of num_key_value_heads when the key is absent (undefined: as many as query heads); null always means as many. */
  defaultKvHeads?: number;
  /** True when the model builds a sliding-window mask (Mistral with a `sliding_window`). */
  slidingMask?: (cfg: ConfigReader) => boolean;
}

/** Builds a Llama-like decoder for `spec`. */
export function buildLlamaFamily(spec: LlamaFamilySpec): ArchitectureBuilder {
  return (cfg, ctx) => {
    const { batchSize: B, seqLen: T, f } = ctx;
    const P = spec.prefix;
    const H = cfg.requiredInt('hidden_size');
    const layers = cfg.requiredInt('num_hidden_layers');
    const heads = cfg.requiredInt('num_attention_heads');
    const inter = cfg.requiredInt('intermediate_size');
    const vocab = cfg.requiredInt('vocab_size');
    const kvHeads =
      cfg.optionalInt('num_key_value_heads') ?? (cfg.raw['num_key_value_heads'] === undefined && spec.defaultKvHeads !== undefined ? spec.defaultKvHeads : heads);
    const d = cfg.optionalInt('head_dim') ?? headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context);
    if (heads % kvHeads !== 0) {
      throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
    }
    const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
    const maxPos = cfg.int('max_position_embeddings', spec.defaultMaxPositions);
    if (kvLenOf(ctx) > maxPos) {
      cfg.warnings.push(`${cfg.context}: sequence length ${kvLenOf(ctx)} exceeds max_position_embeddings ${maxPos}; rotary positions extrapolate but quality may suffer`);
    }
    const sliding = spec.slidingMask?.(cfg) ?? false;
    const qkvBias = spec.qkvBias(cfg);
    const oBias = spec.oBias(cfg);
    const mlpBias = spec.mlpBias(cfg);
    const X = [B, T, H];
    const kvKey = cfg.has('num_key_value_heads') ? 'num_key_value_heads' : 'num_attention_heads';

    const decoderLayers: ModelNode[] = [];
    for (let i = 0; i < layers; i++) {
      const s = `root.layers.${i}`;
      decoderLayers.push(
        f.module(
          s,
          `${P}DecoderLayer`,
          [
            llamaAttention(ctx, `${s}.self_attn`, P, { H, heads, kvHeads, d, qkvBias, oBias, kvKey }),
            llamaMlp(ctx, `${s}.mlp`, P, H, inter, mlpBias, act.instanceType, act.flopsPerElement),
            f.rmsNorm(`${s}.input_layernorm`, `${P}RMSNorm`, X, { configKey: 'rms_norm_eps' }),
            f.rmsNorm(`${s}.post_attention_layernorm`, `${P}RMSNorm`, X, { configKey: 'rms_norm_eps' }),
            ...residuals(ctx, s, X),
          ],
          { configKey: 'num_hidden_layers', inputShapes: [X] },
        ),
      );
    }
    // LlamaRotaryEmbedding reads x (for dtype/device) and (1, T) int64 position ids and
    // writes cos and sin of shape (1, T, head_dim); inv_freq is a buffer, not a parameter.
    const rotaryBytes = B * T * H * f.dtypeBytes + T * 8 + 2 * T * d * f.dtypeBytes;
    return f.model(
      `${P}Model`,
      [
        f.embedding('root.embed_tokens', [B, T], vocab, H, { configKey: 'vocab_size' }),
        ...decoderLayers,
        f.rmsNorm('root.norm', `${P}RMSNorm`, X, { configKey: 'rms_norm_eps' }),
        f.leaf('root.rotary_emb', `${P}RotaryEmbedding`, [X], { flops: 0, memBytes: rotaryBytes, parameters: 0 }, { configKey: cfg.has('rope_theta') ? 'rope_theta' : 'max_position_embeddings' }),
        ...causalMaskOps(ctx, () => undefined, sliding ? slidingWindowMaskOps : undefined),
      ],
      { configKey: 'model_type' },
    );
  };
}

interface AttentionSizes {
  H: number;
  heads: number;
  kvHeads: number;
  d: number;
  qkvBias: boolean;
  oBias: boolean;
  kvKey: string;
}

function llamaAttention(ctx: BuildContext, scope: string, P: string, a: AttentionSizes): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const kv = kvLenOf(ctx);
  const X = [B, T, a.H];
  const ops = f.ops(scope);
  for (const nh of [a.heads, a.kvHeads]) {
    const full = [B, nh, T, a.d];
    const half = [B, nh, T, a.d / 2];
    const cos = [1, 1, T, a.d];
    ops.elementwise('mul', [f.t(full), f.t(cos)]);
    ops.elementwise('neg', [f.t(half)]);
    ops.cat([half, half]);
    ops.elementwise('mul', [f.t(full), f.t(cos)]);
    ops.elementwise('add', [f.t(full), f.t(full)]);
  }
  kvCacheWrites(ops, f, B, a.kvHeads, T, a.d);
  eagerAttentionCore(ops, f, { batch: B, heads: a.heads, qLen: T, kvLen: kv, headDim: a.d, kvHeads: a.kvHeads }, { scale: 'mul', addShape: [B, 1, T, kv], softmaxFp32: true, transposeCopy: true });
  ops.contiguous([B, T, a.heads * a.d]);
  const Q = [B, T, a.heads * a.d];
  return f.module(
    scope,
    `${P}Attention`,
    [
      f.linear(`${scope}.q_proj`, X, a.heads * a.d, a.qkvBias, { configKey: 'num_attention_heads' }),
      f.linear(`${scope}.k_proj`, X, a.kvHeads * a.d, a.qkvBias, { configKey: a.kvKey }),
      f.linear(`${scope}.v_proj`, X, a.kvHeads * a.d, a.qkvBias, { configKey: a.kvKey }),
      f.linear(`${scope}.o_proj`, Q, a.H, a.oBias, { configKey: 'num_attention_heads' }),
      ...ops.nodes,
    ],
    { configKey: 'num_attention_heads', inputShapes: [X] },
  );
}

function llamaMlp(ctx: BuildContext, scope: string, P: string, H: number, I: number, bias: boolean, actType: string, actFlops: number): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const X = [B, T, H];
  const IS = [B, T, I];
  const ops = f.ops(scope);
  ops.elementwise('mul', [f.t(IS), f.t(IS)]);
  return f.module(
    scope,
    `${P}MLP`,
    [
      f.linear(`${scope}.gate_proj`, X, I, bias, { configKey: 'intermediate_size' }),
      f.linear(`${scope}.up_proj`, X, I, bias, { configKey: 'intermediate_size' }),
      f.linear(`${scope}.down_proj`, IS, H, bias, { configKey: 'intermediate_size' }),
      f.activation(`${scope}.act_fn`, actType, IS, actFlops, { configKey: 'hidden_act' }),
      ...ops.nodes,
    ],
    { configKey: 'intermediate_size', inputShapes: [X] },
  );
}

/**
 * The sliding-window part of transformers 5's mask builder, as recorded by
 * the measuring hooks: `q_idx - sliding_window` on the (1, 1, T, 1) query
 * index (sub) and two `.to(bool)` copies of the (1, 1, T, T) mask pieces
 * (cast). The comparisons and `&` between them are not recorded.
 */
function slidingWindowMaskOps(ops: OpRecorder, T: number, kv: number): void {
  ops.elementwise('sub', [{ shape: [1, 1, T, 1], type: 'int64' }, 'scalar'], 'int64');
  ops.cast({ shape: [1, 1, T, kv], type: 'bool' });
  ops.cast({ shape: [1, 1, T, kv], type: 'bool' });
}

function residuals(ctx: BuildContext, scope: string, X: number[]): ModelNode[] {
  const ops = ctx.f.ops(scope);
  ops.elementwise('add', [ctx.f.t(X), ctx.f.t(X)]);
  ops.elementwise('add', [ctx.f.t(X), ctx.f.t(X)]);
  return ops.nodes;
}

/** llama: LlamaModel. */
export const buildLlama: ArchitectureBuilder = buildLlamaFamily({
  prefix: 'Llama',
  qkvBias: (cfg) => cfg.bool('attention_bias', false),
  oBias: (cfg) => cfg.bool('attention_bias', false),
  mlpBias: (cfg) => cfg.bool('mlp_bias', false),
  defaultMaxPositions: 2048,
});
