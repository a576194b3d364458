/**
 * T5 (`model_type: t5`) and the encoder-decoders built like it (mt5.ts,
 * umt5.ts), transformers 5 `modeling_t5.py`, eager:
 *
 * T5Model
 *   encoder: T5Stack over the source (seqLen tokens)
 *     embed_tokens (the shared table; its parameters count here)
 *     block.i: T5Block
 *       layer.0: T5LayerSelfAttention (SelfAttention: T5Attention (q, k, v, o, no biases;
 *         block 0 also relative_attention_bias: the (q, k) bucket arithmetic, the bucket
 *         embedding, then matmul, add of the position bias, softmax in float32, cast, matmul,
 *         contiguous); layer_norm: T5LayerNorm (RMS, weight only); add.0 residual)
 *       layer.1: T5LayerFF (DenseReluDense: T5DenseActDense (wi, wo, act) or, for "gated-*",
 *         T5DenseGatedActDense (wi_0, wi_1, wo, act; mul.0); layer_norm; add.0)
 *     final_layer_norm
 *   decoder: T5Stack over the target (targetLen tokens)
 *     embed_tokens (a lookup into the same table: no parameters of its own)
 *     block.i: T5Block: layer.0 causal self-attention (the causal mask is added to block 0's
 *       position bias), layer.1: T5LayerCrossAttention (EncDecAttention: queries from the
 *       target, keys and values from the encoder output; no relative bias, a zero bias added),
 *       layer.2: T5LayerFF
 *     final_layer_norm; ops: the causal mask
 *
 * No score scaling: T5 folds 1/sqrt(d_kv) into the query weights' init. The
 * bias computed in block 0 is reused by the other blocks (UMT5: every
 * self-attention has its own). In fp16, each block clamps its output after
 * every sub-layer (where + clamp).
 *
 * Generation: the encoder runs once per input; the decoder (`root.decoder`)
 * runs per generated token. LM head: vocab_size x d_model, tied for T5
 * (tie_word_embeddings, default true), untied for mT5 and UMT5.
 *
 * HF defaults (T5Config): d_kv 64, d_ff 2048, num_decoder_layers =
 * num_layers, relative_attention_num_buckets 32,
 * relative_attention_max_distance 128, feed_forward_proj "relu".
 */
import { activationFor, type ActivationSpec } from './activations.js';
import { lmHead, type ArchitectureBuilder, type BuildContext, type LmHeadSpec } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import { rootMaskOps, tiedLookup } from './decoderParts.js';
import type { ModelNode } from '../tree/modelNode.js';
import { MalformedFileError } from '../errors.js';
import type { OpRecorder } from './treeBuilder.js';

/** What differs between T5, mT5 and UMT5. */
export interface T5FamilySpec {
  /** Class-name prefix: `T5`, `MT5`, `UMT5`. */
  prefix: string;
  /** Every self-attention has its own relative_attention_bias (UMT5); else block 0 only. */
  biasInEveryLayer: boolean;
  /** HF default of feed_forward_proj. */
  defaultFeedForward: string;
}

/** Sizes of a T5-style model. */
interface T5Sizes {
  d: number;
  dkv: number;
  heads: number;
  ff: number;
  vocab: number;
  buckets: number;
  gated: boolean;
  act: ActivationSpec;
}

function readT5Sizes(cfg: ConfigReader, spec: T5FamilySpec): T5Sizes {
  const proj = cfg.str('feed_forward_proj', spec.defaultFeedForward);
  const parts = proj.split('-');
  const gated = parts[0] === 'gated';
  if ((gated && parts.length !== 2) || (!gated && parts.length !== 1)) {
    throw new MalformedFileError(`${cfg.context}: "feed_forward_proj" "${proj}" is not of the form "gated-{act}" or "{act}" (e.g. "relu", "gated-gelu")`);
  }
  // transformers maps "gated-gelu" to gelu_new for backward compatibility
  const actName = cfg.has('dense_act_fn') ? cfg.str('dense_act_fn', 'relu') : proj === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1]!;
  return {
    d: cfg.requiredInt('d_model'),
    dkv: cfg.int('d_kv', 64),
    heads: cfg.requiredInt('num_heads'),
    ff: cfg.int('d_ff', 2048),
    vocab: cfg.requiredInt('vocab_size'),
    buckets: cfg.int('relative_attention_num_buckets', 32),
    gated,
    act: activationFor(actName, 'feed_forward_proj', cfg.context),
  };
}

/**
 * T5Attention's compute_bias: relative positions (memory - context) bucketed
 * (bidirectional in the encoder, causal in the decoder: int64 and float
 * arithmetic on the (q, k) grid), then looked up by relative_attention_bias.
 */
function positionBiasOps(ops: OpRecorder, qLen: number, kvLen: number, bidirectional: boolean): void {
  const grid = (type: 'int64' | 'fp32') => ({ shape: [qLen, kvLen], type });
  ops.elementwise('sub', [{ shape: [1, kvLen], type: 'int64' }, { shape: [qLen, 1], type: 'int64' }], 'int64');
  if (bidirectional) {
    ops.cast({ shape: [qLen, kvLen], type: 'bool' }, 'int64');
    ops.elementwise('mul', [grid('int64'), 'scalar'], 'int64');
    ops.elementwise('add', [grid('int64'), 'scalar'], 'int64');
  } else {
    ops.elementwise('neg', [grid('int64')], 'int64');
  }
  ops.elementwise('div', [grid('fp32'), 'scalar'], 'fp32');
  ops.elementwise('div', [grid('fp32'), 'scalar'], 'fp32');
  ops.elementwise('mul', [grid('fp32'), 'scalar'], 'fp32');
  ops.cast(grid('fp32'), 'int64');
  ops.elementwise('add', [grid('int64'), 'scalar'], 'int64');
  ops.elementwise('where', [{ shape: [qLen, kvLen], type: 'bool' }, grid('int64'), grid('int64')], 'int64');
  ops.elementwise('add', bidirectional ? [grid('int64'), grid('int64')] : [grid('int64'), 'scalar'], 'int64');
}

interface T5AttentionSpec {
  className: string;
  qLen: number;
  kvLen: number;
  /**
   * `encoder`: bidirectional self-attention; `decoder`: causal
   * self-attention (the causal mask is added to the position bias where it
   * is computed, so the reused bias is (B, heads, q, k)); `cross`: queries
   * from the target, keys and values from the encoder output.
   */
  kind: 'encoder' | 'decoder' | 'cross';
  /** This attention owns relative_attention_bias and computes the bias. */
  ownsBias: boolean;
}

/** One T5Attention: q from (B, qLen, d), k and v from (B, kvLen, d) (the encoder output for cross-attention). */
function t5Attention(ctx: BuildContext, scope: string, s: T5Sizes, a: T5AttentionSpec): ModelNode {
  const { batchSize: B, f } = ctx;
  const inner = s.heads * s.dkv;
  const Q = [B, a.qLen, s.d];
  const KV = [B, a.kvLen, s.d];
  const children: ModelNode[] = [
    f.linear(`${scope}.q`, Q, inner, false, { configKey: 'num_heads' }),
    f.linear(`${scope}.k`, KV, inner, false, { configKey: 'num_heads' }),
    f.linear(`${scope}.v`, KV, inner, false, { configKey: 'num_heads' }),
    f.linear(`${scope}.o`, [B, a.qLen, inner], s.d, false, { configKey: 'num_heads' }),
  ];
  const ops = f.ops(scope);
  ops.matmul([B, s.heads, a.qLen, s.dkv], [B, s.heads, s.dkv, a.kvLen]);
  const bias = [1, s.heads, a.qLen, a.kvLen];
  if (a.ownsBias) {
    positionBiasOps(ops, a.qLen, a.kvLen, a.kind === 'encoder');
    children.push(f.embedding(`${scope}.relative_attention_bias`, [a.qLen, a.kvLen], s.buckets, s.heads, { configKey: 'relative_attention_num_buckets' }));
    if (a.kind === 'decoder') ops.elementwise('add', [f.t(bias), f.t([B, 1, a.qLen, a.kvLen])]);
  }
  eagerScoresTail(ops, ctx, s, a, a.kind === 'decoder' ? [B, s.heads, a.qLen, a.kvLen] : bias);
  ops.contiguous([B, a.qLen, s.heads, s.dkv]);
  return f.module(scope, a.className, [...children, ...ops.nodes], { configKey: 'num_heads', inputShapes: a.kind === 'cross' ? [Q, KV] : [Q] });
}

/** T5's eager core after the scores: += position bias, softmax in float32 and back, @ v (no scaling: T5 folds it into the query init). */
function eagerScoresTail(ops: OpRecorder, ctx: BuildContext, s: T5Sizes, a: T5AttentionSpec, biasShape: number[]): void {
  const { batchSize: B, f } = ctx;
  const S = [B, s.heads, a.qLen, a.kvLen];
  ops.elementwise('add', [f.t(S), f.t(biasShape)]);
  ops.softmax(S, 'fp32');
  ops.cast({ shape: S, type: 'fp32' }, f.dtype);
  ops.matmul(S, [B, s.heads, a.kvLen, s.dkv]);
}

/** A T5 sub-layer wrapper (T5LayerSelfAttention ...): layer_norm, the inner module, add.0 residual. */
function sublayer(ctx: BuildContext, scope: string, className: string, P: string, len: number, d: number, inner: ModelNode): ModelNode {
  const { batchSize: B, f } = ctx;
  const X = [B, len, d];
  const ops = f.ops(scope);
  ops.elementwise('add', [f.t(X), f.t(X)]);
  return f.module(scope, className, [inner, f.rmsNorm(`${scope}.layer_norm`, `${P}LayerNorm`, X, { configKey: 'layer_norm_epsilon' }), ...ops.nodes], { inputShapes: [X] });
}

/** T5LayerFF's DenseReluDense on (B, len, d). */
function feedForward(ctx: BuildContext, scope: string, P: string, s: T5Sizes, len: number): ModelNode {
  const { batchSize: B, f } = ctx;
  const X = [B, len, s.d];
  const I = [B, len, s.ff];
  const ops = f.ops(scope);
  const wi = s.gated
    ? [f.linear(`${scope}.wi_0`, X, s.ff, false, { configKey: 'd_ff' }), f.linear(`${scope}.wi_1`, X, s.ff, false, { configKey: 'd_ff' })]
    : [f.linear(`${scope}.wi`, X, s.ff, false, { configKey: 'd_ff' })];
  if (s.gated) ops.elementwise('mul', [f.t(I), f.t(I)]);
  return f.module(
    scope,
    s.gated ? `${P}DenseGatedActDense` : `${P}DenseActDense`,
    [...wi, f.linear(`${scope}.wo`, I, s.d, false, { configKey: 'd_ff' }), f.activation(`${scope}.act`, s.act.instanceType, I, s.act.flopsPerElement, { configKey: 'feed_forward_proj' }), ...ops.nodes],
    { configKey: 'd_ff', inputShapes: [X] },
  );
}

/** fp16 only: T5Block clamps inf values after each sub-layer (a where on the 0-d bound, a clamp of the hidden states). */
function fp16Clamps(ctx: BuildContext, scope: string, len: number, d: number, sublayers: number): ModelNode[] {
  const { batchSize: B, f } = ctx;
  if (f.dtype !== 'fp16') return [];
  const ops = f.ops(scope);
  for (let i = 0; i < sublayers; i++) {
    ops.elementwise('where', [{ shape: [], type: 'bool' }, 'scalar', 'scalar'], 'fp16');
    ops.elementwise('clamp', [f.t([B, len, d])]);
  }
  return ops.nodes;
}

/** Builds a T5-family encoder-decoder for `spec`. */
export function buildT5Family(spec: T5FamilySpec): ArchitectureBuilder {
  return (cfg, ctx) => {
    const { batchSize: B, f } = ctx;
    const P = spec.prefix;
    const s = readT5Sizes(cfg, spec);
    const encLayers = cfg.requiredInt('num_layers');
    const decLayers = cfg.optionalInt('num_decoder_layers') ?? encLayers;
    const Ts = ctx.seqLen;
    const Tt = ctx.targetLen;
    const owns = (i: number) => spec.biasInEveryLayer || i === 0;

    const encBlocks: ModelNode[] = [];
    for (let i = 0; i < encLayers; i++) {
      const b = `root.encoder.block.${i}`;
      const attn = t5Attention(ctx, `${b}.layer.0.SelfAttention`, s, { className: `${P}Attention`, qLen: Ts, kvLen: Ts, kind: 'encoder', ownsBias: owns(i) });
      encBlocks.push(
        f.module(
          b,
          `${P}Block`,
          [
            sublayer(ctx, `${b}.layer.0`, `${P}LayerSelfAttention`, P, Ts, s.d, attn),
            sublayer(ctx, `${b}.layer.1`, `${P}LayerFF`, P, Ts, s.d, feedForward(ctx, `${b}.layer.1.DenseReluDense`, P, s, Ts)),
            ...fp16Clamps(ctx, b, Ts, s.d, 2),
          ],
          { configKey: 'num_layers', inputShapes: [[B, Ts, s.d]] },
        ),
      );
    }
    const encoder = f.module(
      'root.encoder',
      `${P}Stack`,
      [f.embedding('root.encoder.embed_tokens', [B, Ts], s.vocab, s.d, { configKey: 'vocab_size' }), ...encBlocks, f.rmsNorm('root.encoder.final_layer_norm', `${P}LayerNorm`, [B, Ts, s.d], { configKey: 'layer_norm_epsilon' })],
      { configKey: 'num_layers', inputShapes: [[B, Ts]] },
    );

    const decBlocks: ModelNode[] = [];
    for (let i = 0; i < decLayers; i++) {
      const b = `root.decoder.block.${i}`;
      const self = t5Attention(ctx, `${b}.layer.0.SelfAttention`, s, { className: `${P}Attention`, qLen: Tt, kvLen: Tt, kind: 'decoder', ownsBias: owns(i) });
      const cross = t5Attention(ctx, `${b}.layer.1.EncDecAttention`, s, { className: `${P}Attention`, qLen: Tt, kvLen: Ts, kind: 'cross', ownsBias: false });
      decBlocks.push(
        f.module(
          b,
          `${P}Block`,
          [
            sublayer(ctx, `${b}.layer.0`, `${P}LayerSelfAttention`, P, Tt, s.d, self),
            sublayer(ctx, `${b}.layer.1`, `${P}LayerCrossAttention`, P, Tt, s.d, cross),
            sublayer(ctx, `${b}.layer.2`, `${P}LayerFF`, P, Tt, s.d, feedForward(ctx, `${b}.layer.2.DenseReluDense`, P, s, Tt)),
            ...fp16Clamps(ctx, b, Tt, s.d, 3),
          ],
          { configKey: 'num_decoder_layers', inputShapes: [[B, Tt, s.d], [B, Ts, s.d]] },
        ),
      );
    }
    const decCtx = { ...ctx, seqLen: Tt };
    const decOps = f.ops('root.decoder');
    rootMaskOps(decOps, decCtx, ['causal']);
    const decoder = f.module(
      'root.decoder',
      `${P}Stack`,
      [
        tiedLookup(f.embedding('root.decoder.embed_tokens', [B, Tt], s.vocab, s.d, { configKey: 'vocab_size' })),
        ...decBlocks,
        f.rmsNorm('root.decoder.final_layer_norm', `${P}LayerNorm`, [B, Tt, s.d], { configKey: 'layer_norm_epsilon' }),
        ...decOps.nodes,
      ],
      { configKey: 'num_decoder_layers', inputShapes: [[B, Tt], [B, Ts, s.d]] },
    );
    cfg.warnings.push(`${cfg.context}: encoder-decoder: the encoder runs over ${Ts} source tokens, the decoder over ${Tt} target tokens${Tt === Ts ? ' (the default: the source length; set a target length to change it)' : ''}`);
    return f.model(`${P}Model`, [encoder, decoder], { configKey: 'model_type' });
  };
}

/** t5: T5Model. */
export const buildT5: ArchitectureBuilder = buildT5Family({ prefix: 'T5', biasInEveryLayer: false, defaultFeedForward: 'relu' });

/** T5's LM head: vocab_size x d_model, tied by default. */
export const T5_LM_HEAD: LmHeadSpec = lmHead(true, { widthKeys: ['d_model'] });
