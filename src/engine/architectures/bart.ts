/**
 * BART (`model_type: bart`) and the encoder-decoders built like it
 * (mbart.ts, marian.ts), transformers 5 `modeling_bart.py`, eager:
 *
 * BartModel
 *   encoder: BartEncoder over the source (seqLen tokens)
 *     embed_tokens: BartScaledWordEmbedding (the shared table, x embed_scale inside; its
 *       parameters count here), embed_positions: BartLearnedPositionalEmbedding
 *       (max_position_embeddings + 2 rows: positions start at offset 2)
 *     layers.i: BartEncoderLayer (self_attn: BartAttention (k_proj, v_proj, q_proj, out_proj with
 *       biases; matmul, mul scaling, softmax, matmul, contiguous; contiguous), self_attn_layer_norm,
 *       activation_fn, fc1, fc2, final_layer_norm; add.0, add.1)
 *     layernorm_embedding; ops: cast of the positions, add
 *   decoder: BartDecoder over the target (targetLen tokens)
 *     embed_tokens (a lookup into the same table: no parameters of its own), embed_positions
 *     layers.i: BartDecoderLayer (self_attn with the causal mask added, encoder_attn: queries from
 *       the target, keys and values from the encoder output, three residual adds)
 *     layernorm_embedding; ops: the causal mask, cast of the positions, add
 *
 * AutoModel runs without attention masks, so encoder and cross attention add
 * none. BartModel called without decoder ids shifts the source right to make
 * them, which is why the target length defaults to the source length.
 *
 * Generation: the encoder runs once; the decoder (`root.decoder`) runs per
 * generated token. LM head: vocab_size x d_model, tied to the shared table.
 *
 * HF defaults (BartConfig): activation_function "gelu",
 * max_position_embeddings 1024, scale_embedding false, encoder/decoder
 * layers 12, heads 16, ffn 4096.
 */
import { activationFor, type ActivationSpec } from './activations.js';
import { checkLearnedPositions, headDim, lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import { rootMaskOps, tiedLookup, tokenEmbedding } from './decoderParts.js';
import { eagerAttentionCore } from './eagerAttention.js';
import type { ModelNode } from '../tree/modelNode.js';

/** What differs between BART, mBART and Marian. */
export interface BartFamilySpec {
  /** Class-name prefix: `Bart`, `MBart`, `Marian`. */
  prefix: string;
  /** Norm before each sub-layer (mBART) instead of after (same ops, same cost). */
  preNorm: boolean;
  /** A final `layer_norm` at the end of each stack (mBART). */
  finalNorm: boolean;
  /** `layernorm_embedding` after the embeddings (BART, mBART; not Marian). */
  embeddingNorm: boolean;
  /**
   * `learned`: `<P>LearnedPositionalEmbedding` (offset 2), token embeddings
   * that scale themselves (`<P>ScaledWordEmbedding`); `sinusoidal`: Marian's
   * fixed `MarianSinusoidalPositionalEmbedding` (counted as parameters, as
   * transformers does) and plain embeddings multiplied by embed_scale in the stack.
   */
  positions: 'learned' | 'sinusoidal';
  /** Encoder and decoder always share one token table (BART, mBART); Marian may not (share_encoder_decoder_embeddings). */
  alwaysShared: boolean;
  defaultActivation: string;
}

interface BartSizes {
  d: number;
  vocab: number;
  maxPos: number;
  act: ActivationSpec;
}

interface StackSizes {
  layers: number;
  heads: number;
  ffn: number;
}

/** One BartAttention: queries from (B, qLen, d), keys and values from (B, kvLen, d). */
function bartAttention(ctx: BuildContext, scope: string, P: string, d: number, heads: number, qLen: number, kvLen: number, kind: 'self' | 'causal' | 'cross', headsKey: string): ModelNode {
  const { batchSize: B, f } = ctx;
  const dh = headDim(d, heads, 'd_model', headsKey, P);
  const Q = [B, qLen, d];
  const KV = [B, kvLen, d];
  const ops = f.ops(scope);
  eagerAttentionCore(ops, f, { batch: B, heads, qLen, kvLen, headDim: dh }, { scale: 'mul', ...(kind === 'causal' ? { addShape: [B, 1, qLen, kvLen] } : {}), softmaxFp32: false, transposeCopy: true });
  ops.contiguous(Q);
  return f.module(
    scope,
    `${P}Attention`,
    [
      f.linear(`${scope}.k_proj`, KV, d, true, { configKey: headsKey }),
      f.linear(`${scope}.v_proj`, KV, d, true, { configKey: headsKey }),
      f.linear(`${scope}.q_proj`, Q, d, true, { configKey: headsKey }),
      f.linear(`${scope}.out_proj`, Q, d, true, { configKey: headsKey }),
      ...ops.nodes,
    ],
    { configKey: headsKey, inputShapes: kind === 'cross' ? [Q, KV] : [Q] },
  );
}

/** One encoder or decoder layer at `scope` over `len` tokens (decoder layers cross-attend to `srcLen` encoder states). */
function bartLayer(ctx: BuildContext, scope: string, P: string, s: BartSizes, st: StackSizes, len: number, decoder: { srcLen: number } | undefined): ModelNode {
  const { batchSize: B, f } = ctx;
  const X = [B, len, s.d];
  const I = [B, len, st.ffn];
  const side = decoder ? 'decoder' : 'encoder';
  const headsKey = `${side}_attention_heads`;
  const ffnKey = `${side}_ffn_dim`;
  const norm = (name: string) => f.layerNorm(`${scope}.${name}`, X, { configKey: 'd_model' });
  const children: ModelNode[] = [bartAttention(ctx, `${scope}.self_attn`, P, s.d, st.heads, len, len, decoder ? 'causal' : 'self', headsKey)];
  const act = f.activation(`${scope}.activation_fn`, s.act.instanceType, I, s.act.flopsPerElement, { configKey: 'activation_function' });
  if (decoder) {
    children.push(act, norm('self_attn_layer_norm'), bartAttention(ctx, `${scope}.encoder_attn`, P, s.d, st.heads, len, decoder.srcLen, 'cross', headsKey), norm('encoder_attn_layer_norm'));
  } else {
    children.push(norm('self_attn_layer_norm'), act);
  }
  children.push(f.linear(`${scope}.fc1`, X, st.ffn, true, { configKey: ffnKey }), f.linear(`${scope}.fc2`, I, s.d, true, { configKey: ffnKey }), norm('final_layer_norm'));
  const ops = f.ops(scope);
  for (let i = 0; i < (decoder ? 3 : 2); i++) ops.elementwise('add', [f.t(X), f.t(X)]);
  return f.module(scope, `${P}${decoder ? 'Decoder' : 'Encoder'}Layer`, [...children, ...ops.nodes], { configKey: `${side}_layers`, inputShapes: decoder ? [X, [B, decoder.srcLen, s.d]] : [X] });
}

/** Builds a BART-family encoder-decoder for `spec`. */
export function buildBartFamily(spec: BartFamilySpec): ArchitectureBuilder {
  return (cfg, ctx) => {
    const { batchSize: B, f } = ctx;
    const P = spec.prefix;
    const s: BartSizes = {
      d: cfg.requiredInt(['d_model', 'hidden_size']),
      vocab: cfg.requiredInt('vocab_size'),
      maxPos: cfg.int('max_position_embeddings', 1024),
      act: activationFor(cfg.str('activation_function', spec.defaultActivation), 'activation_function', cfg.context),
    };
    const stack = (side: 'encoder' | 'decoder'): StackSizes => ({
      layers: cfg.int(`${side}_layers`, 12),
      heads: cfg.int(`${side}_attention_heads`, 16),
      ffn: cfg.int(`${side}_ffn_dim`, 4096),
    });
    const enc = stack('encoder');
    const dec = stack('decoder');
    cfg.bool('scale_embedding', false); // sets embed_scale's value; the multiply runs either way (x 1.0 when off)
    const Ts = ctx.seqLen;
    const Tt = ctx.targetLen;
    checkLearnedPositions(Ts, s.maxPos, 'max_position_embeddings', cfg.context);
    checkLearnedPositions(Tt, s.maxPos, 'max_position_embeddings', cfg.context, 'target length');
    const sharedTable = spec.alwaysShared || cfg.bool('share_encoder_decoder_embeddings', true);
    const decVocab = sharedTable ? s.vocab : (cfg.optionalInt('decoder_vocab_size') ?? s.vocab);

    const side = (name: 'encoder' | 'decoder', st: StackSizes, len: number): ModelNode => {
      const scope = `root.${name}`;
      const X = [B, len, s.d];
      const learned = spec.positions === 'learned';
      const ids = [B, len];
      let embed = tokenEmbedding(ctx, `${scope}.embed_tokens`, ids, name === 'decoder' ? decVocab : s.vocab, s.d, learned ? `${P}ScaledWordEmbedding` : undefined);
      if (name === 'decoder' && sharedTable) embed = tiedLookup(embed);
      const posIds = learned ? (name === 'encoder' ? [B, len] : [1, len]) : [len];
      const positions = learned
        ? f.embedding(`${scope}.embed_positions`, posIds, s.maxPos + 2, s.d, { configKey: 'max_position_embeddings' })
        : f.embedding(`${scope}.embed_positions`, posIds, s.maxPos, s.d, { configKey: 'max_position_embeddings' });
      positions.instanceType = learned ? `${P}LearnedPositionalEmbedding` : 'MarianSinusoidalPositionalEmbedding';
      const posOut = learned ? [...posIds, s.d] : [len, s.d];
      const ops = f.ops(scope);
      if (!learned) ops.elementwise('mul', [f.t(X), 'scalar']);
      if (name === 'decoder') rootMaskOps(ops, { ...ctx, seqLen: len }, ['causal']);
      if (learned) ops.cast(f.t(posOut));
      ops.elementwise('add', [f.t(X), f.t(posOut)]);
      const layers: ModelNode[] = [];
      for (let i = 0; i < st.layers; i++) layers.push(bartLayer(ctx, `${scope}.layers.${i}`, P, s, st, len, name === 'decoder' ? { srcLen: Ts } : undefined));
      const norms: ModelNode[] = [];
      if (spec.embeddingNorm) norms.push(f.layerNorm(`${scope}.layernorm_embedding`, X, { configKey: 'd_model' }));
      if (spec.finalNorm) norms.push(f.layerNorm(`${scope}.layer_norm`, X, { configKey: 'd_model' }));
      return f.module(scope, `${P}${name === 'encoder' ? 'Encoder' : 'Decoder'}`, [embed, positions, ...layers, ...norms, ...ops.nodes], {
        configKey: `${name}_layers`,
        inputShapes: name === 'encoder' ? [ids] : [ids, [B, Ts, s.d]],
      });
    };
    cfg.warnings.push(`${cfg.context}: encoder-decoder: the encoder runs over ${Ts} source tokens, the decoder over ${Tt} target tokens${Tt === Ts ? ' (the default: the source length; set a target length to change it)' : ''}`);
    return f.model(`${P}Model`, [side('encoder', enc, Ts), side('decoder', dec, Tt)], { configKey: 'model_type' });
  };
}

/** bart: BartModel. */
export const buildBart: ArchitectureBuilder = buildBartFamily({ prefix: 'Bart', preNorm: false, finalNorm: false, embeddingNorm: true, positions: 'learned', alwaysShared: true, defaultActivation: 'gelu' });

/** BART's LM head: vocab_size x d_model, tied. */
export const BART_LM_HEAD: LmHeadSpec = lmHead(true, { widthKeys: ['d_model'] });
