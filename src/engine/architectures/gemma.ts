/**
 * Gemma (`model_type: gemma`) and the family built on it (gemma2.ts,
 * gemma3Text.ts), transformers 5 `modeling_gemma*.py`, eager attention, no cache:
 *
 * GemmaModel
 *   embed_tokens (Gemma 3: Gemma3TextScaledWordEmbedding, which multiplies by sqrt(hidden) itself)
 *   layers.i: GemmaDecoderLayer
 *     self_attn: GemmaAttention (q_proj, k_proj, v_proj, o_proj; Gemma 3: q_norm, k_norm on each head;
 *       rotary on q and k, matmul, mul scaling, [Gemma 2: div, tanh, mul soft-cap], add mask,
 *       softmax in float32, cast, matmul, contiguous, contiguous)
 *     mlp: GemmaMLP (gate_proj, up_proj, down_proj, act_fn: GeGLU with gelu_pytorch_tanh; mul.0)
 *     input_layernorm, post_attention_layernorm (Gemma 2/3: also pre_ and post_feedforward_layernorm):
 *       GemmaRMSNorm, which scales by (1 + weight); add.0, add.1 residuals
 *   norm, rotary_emb
 *   root ops: mask construction (a causal and, from Gemma 2 on, a sliding-window mask), and
 *     (Gemma 1 and 2) mul of the embeddings by sqrt(hidden_size) as a 0-d tensor
 *
 * head_dim is its own field (256 for every Gemma), not hidden / heads.
 * Sliding-window layers only mask keys: eager attention still computes the
 * full T x T scores, so their compute equals the global layers'.
 * LM head: vocab_size x hidden_size, tied to embed_tokens (tie_word_embeddings
 * defaults to true); Gemma 2 soft-caps the logits (final_logit_softcapping).
 *
 * HF defaults (GemmaConfig): head_dim 256, num_key_value_heads 16,
 * hidden_activation "gelu_pytorch_tanh" (hidden_act is legacy and ignored),
 * max_position_embeddings 8192, attention_bias false.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import { causalMaskShape, decoderLayer, gatedMlp, readDecoderSizes, ropeAttention, rootMaskOps, rotaryEmbedding, slidingLayers, tokenEmbedding } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** What differs between Gemma generations. */
export interface GemmaFamilySpec {
  /** Class-name prefix: `Gemma`, `Gemma2`, `Gemma3`. */
  prefix: string;
  /** Model class (`GemmaModel`, `Gemma3TextModel`). */
  modelClass: string;
  /** Pre- and post-feedforward norms and a post-attention norm on the attention output (Gemma 2, 3). */
  sandwichNorms: boolean;
  /** Per-head q/k RMSNorm (Gemma 3). */
  qkNorm: boolean;
  /** The embedding module scales itself (Gemma 3); else the model multiplies by a 0-d tensor. */
  scaledEmbedding: boolean;
  /** Builds the sliding-window mask next to the causal one (Gemma 2, 3). */
  sliding?: { defaultWindow: number; rule: (cfg: ConfigReader) => (layer: number) => boolean };
  /** Default of attn_logit_softcapping (Gemma 2: 50; Gemma 3: none). */
  defaultSoftcap?: number;
  /** Scaling is query_pre_attn_scalar^-0.5 (Gemma 2, 3) rather than head_dim^-0.5. */
  queryPreAttnScalar: boolean;
  defaultMaxPositions: number;
}

/** Builds a Gemma-family decoder for `spec`. */
export function buildGemmaFamily(spec: GemmaFamilySpec): ArchitectureBuilder {
  return (cfg, ctx) => {
    const { batchSize: B, seqLen: T, f } = ctx;
    const P = spec.prefix;
    const sz = readDecoderSizes(cfg, ctx, { kvHeads: 16, headDim: 256, maxPositions: spec.defaultMaxPositions });
    const { H, layers, inter, vocab, d } = sz;
    const act = activationFor(cfg.str('hidden_activation', 'gelu_pytorch_tanh'), 'hidden_activation', cfg.context);
    const bias = cfg.bool('attention_bias', false);
    if (spec.queryPreAttnScalar) cfg.number('query_pre_attn_scalar', 256); // sets the scale, not the cost
    // an explicit null turns soft-capping off; an absent key takes the generation's default
    const softcap =
      spec.defaultSoftcap === undefined || cfg.raw['attn_logit_softcapping'] === null ? cfg.optionalNumber('attn_logit_softcapping') : cfg.number('attn_logit_softcapping', spec.defaultSoftcap);
    // Which layers are windowed changes their masks, not their eager compute; read to validate layer_types.
    let rule: ((layer: number) => boolean) | undefined; // read only when layer_types is absent
    if (spec.sliding) slidingLayers(cfg.stringList('layer_types'), layers, (i) => (rule ??= spec.sliding!.rule(cfg))(i), (m) => cfg.warnings.push(`${cfg.context}: ${m}`));
    if (spec.sliding) cfg.int('sliding_window', spec.sliding.defaultWindow);
    const X = [B, T, H];
    const norm = (scope: string) => f.rmsNorm(scope, `${P}RMSNorm`, X, { configKey: 'rms_norm_eps' });

    const decoderLayers: ModelNode[] = [];
    for (let i = 0; i < layers; i++) {
      const s = `root.layers.${i}`;
      const attn = ropeAttention(ctx, `${s}.self_attn`, `${P}Attention`, sz, { qkv: bias, o: bias }, {
        ...(spec.qkNorm ? { qkNorm: { className: `${P}RMSNorm` } } : {}),
        core: { scale: 'mul', softcap: softcap !== undefined, addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
      });
      const mlp = gatedMlp(ctx, `${s}.mlp`, {
        className: `${P}MLP`,
        hidden: H,
        intermediate: inter,
        bias: false,
        act,
        names: { gate: 'gate_proj', up: 'up_proj', down: 'down_proj', act: 'act_fn' },
      });
      const norms = [norm(`${s}.input_layernorm`), norm(`${s}.post_attention_layernorm`)];
      if (spec.sandwichNorms) norms.push(norm(`${s}.pre_feedforward_layernorm`), norm(`${s}.post_feedforward_layernorm`));
      decoderLayers.push(decoderLayer(ctx, s, `${P}DecoderLayer`, H, [attn, mlp, ...norms]));
    }
    const rootOps = f.ops('root');
    rootMaskOps(rootOps, ctx, spec.sliding ? ['causal', 'sliding'] : ['causal']);
    if (!spec.scaledEmbedding) rootOps.elementwise('mul', [f.t(X), f.t([])]);
    // Gemma 3 asks the rotary module for each entry of layer_types (one call per layer); Gemma 1 and 2 once
    const ropeCalls = spec.scaledEmbedding ? layers : 1;
    return f.model(
      spec.modelClass,
      [
        tokenEmbedding(ctx, 'root.embed_tokens', [B, T], vocab, H, spec.scaledEmbedding ? `${P}TextScaledWordEmbedding` : undefined),
        ...decoderLayers,
        norm('root.norm'),
        rotaryEmbedding(ctx, `${P}RotaryEmbedding`, H, d, 'rope_theta', ropeCalls),
        ...rootOps.nodes,
      ],
      { configKey: 'model_type' },
    );
  };
}

/** The LM head of every Gemma: tied to embed_tokens unless tie_word_embeddings is false. */
export const GEMMA_LM_HEAD: LmHeadSpec = lmHead(true);

/** gemma: GemmaModel. */
export const buildGemma: ArchitectureBuilder = buildGemmaFamily({
  prefix: 'Gemma',
  modelClass: 'GemmaModel',
  sandwichNorms: false,
  qkNorm: false,
  scaledEmbedding: false,
  queryPreAttnScalar: false,
  defaultMaxPositions: 8192,
});
