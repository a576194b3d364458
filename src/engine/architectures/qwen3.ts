/**
 * Qwen3 (`model_type: qwen3`), transformers 5 `modeling_qwen3.py`: Llama's
 * decoder layer with Qwen3 class names, no q/k/v biases (attention_bias),
 * head_dim as its own field, and an RMSNorm on each query and key head
 * (q_norm, k_norm over head_dim, applied before the heads are transposed).
 * With use_sliding_window, layers from max_window_layers on use a windowed
 * mask (layer_types); eager compute is unchanged, the root builds the
 * second mask.
 *
 * Qwen3Model
 *   embed_tokens, layers.i: Qwen3DecoderLayer (self_attn: Qwen3Attention (q_proj, k_proj, v_proj,
 *   o_proj, q_norm, k_norm; rotary, eager core), mlp: Qwen3MLP, input_layernorm,
 *   post_attention_layernorm; add.0, add.1), norm, rotary_emb, root mask ops
 *
 * LM head: vocab_size x hidden_size, tied when tie_word_embeddings (the
 * small checkpoints tie; HF's default is false).
 *
 * HF defaults (Qwen3Config): num_key_value_heads 32, head_dim 128,
 * hidden_act "silu", attention_bias false, max_position_embeddings 32768,
 * use_sliding_window false, max_window_layers 28.
 */
import { activationFor } from './activations.js';
import { lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import { decoderLayer, decoderRoot, gatedMlp, readDecoderSizes, ropeAttention, slidingLayers, type DecoderSizes } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';

/** Sizes every Qwen3-style decoder reads (Qwen3, Qwen3-MoE). */
export interface Qwen3Sizes extends DecoderSizes {
  bias: boolean;
  /** Per layer: windowed mask. */
  sliding: boolean[];
}

/** Reads the attention sizes and layer types of a Qwen3-style config. */
export function readQwen3Sizes(cfg: ConfigReader, ctx: BuildContext): Qwen3Sizes {
  const sz = readDecoderSizes(cfg, ctx, { kvHeads: 'heads', headDim: 128, maxPositions: 32768, needsIntermediate: false });
  const windowed = cfg.bool('use_sliding_window', false);
  let fromLayer: number | undefined; // read once, and only when needed
  const sliding = slidingLayers(cfg.stringList('layer_types'), sz.layers, (i) => windowed && i >= (fromLayer ??= cfg.count('max_window_layers', 28)), (m) => cfg.warnings.push(`${cfg.context}: ${m}`));
  return { ...sz, bias: cfg.bool('attention_bias', false), sliding };
}

/** Qwen3Attention (also Qwen3-MoE's, with its own prefix). */
export function qwen3Attention(ctx: BuildContext, scope: string, P: string, s: Qwen3Sizes): ModelNode {
  return ropeAttention(ctx, scope, `${P}Attention`, s, { qkv: s.bias, o: s.bias }, { qkNorm: { className: `${P}RMSNorm`, beforeTranspose: true } });
}

/** A Qwen3-style model root: embed_tokens, the layers, norm, rotary_emb and the mask ops. */
export function qwen3Model(ctx: BuildContext, P: string, s: Qwen3Sizes, layers: ModelNode[]): ModelNode {
  return decoderRoot(ctx, `${P}Model`, {
    vocab: s.vocab,
    hidden: s.H,
    layers,
    norm: ctx.f.rmsNorm('root.norm', `${P}RMSNorm`, [ctx.batchSize, ctx.seqLen, s.H], { configKey: 'rms_norm_eps' }),
    rotary: { className: `${P}RotaryEmbedding`, dim: s.d, configKey: 'rope_theta' },
    masks: s.sliding.some(Boolean) ? ['causal', 'sliding'] : ['causal'],
  });
}

/** qwen3: Qwen3Model. */
export const buildQwen3: ArchitectureBuilder = (cfg, ctx) => {
  const s = readQwen3Sizes(cfg, ctx);
  const inter = cfg.requiredInt('intermediate_size');
  const act = activationFor(cfg.str('hidden_act', 'silu'), 'hidden_act', cfg.context);
  const X = [ctx.batchSize, ctx.seqLen, s.H];
  const layers: ModelNode[] = [];
  for (let i = 0; i < s.layers; i++) {
    const l = `root.layers.${i}`;
    layers.push(
      decoderLayer(ctx, l, 'Qwen3DecoderLayer', s.H, [
        qwen3Attention(ctx, `${l}.self_attn`, 'Qwen3', s),
        gatedMlp(ctx, `${l}.mlp`, { className: 'Qwen3MLP', hidden: s.H, intermediate: inter, bias: false, act, names: { gate: 'gate_proj', up: 'up_proj', down: 'down_proj', act: 'act_fn' } }),
        ctx.f.rmsNorm(`${l}.input_layernorm`, 'Qwen3RMSNorm', X, { configKey: 'rms_norm_eps' }),
        ctx.f.rmsNorm(`${l}.post_attention_layernorm`, 'Qwen3RMSNorm', X, { configKey: 'rms_norm_eps' }),
      ]),
    );
  }
  return qwen3Model(ctx, 'Qwen3', s, layers);
};

/** Qwen3's LM head: untied by default (the 0.6B to 4B checkpoints set tie_word_embeddings). */
export const QWEN3_LM_HEAD: LmHeadSpec = lmHead(false);
