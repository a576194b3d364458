/**
 * Parts the decoder architectures written after Llama share (Gemma, Qwen3,
 * Phi-3, StarCoder2, the MoE decoders ...), in transformers 5's layout:
 * the model computes the rotary cos/sin once (`root.rotary_emb`) and builds
 * its masks once at the root; each attention projects, applies rotary to q
 * and k, runs the eager core (eagerAttention.ts) and projects back.
 *
 * Ops are recorded as the measuring hooks record them (see treeBuilder.ts):
 * views, slices, `repeat_kv`'s expand and comparisons are not recorded.
 */
import { eagerAttentionCore, kvCacheWrites, type AttentionCoreOptions } from './eagerAttention.js';
import { headDim, kvLenOf, type BuildContext } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import { InvalidInputError } from '../errors.js';
import type { ActivationSpec } from './activations.js';
import type { ModelNode } from '../tree/modelNode.js';
import type { NodeFactory, OpRecorder } from './treeBuilder.js';
import { valueText } from '../valueText.js';

/**
 * Rotary embedding applied to one (B, heads, T, d) tensor (`q * cos +
 * rotate_half(q) * sin`): mul, neg (on half the rotated dims), cat, mul, add.
 * With partial rotary (`rotDim < d`) the rotated part is concatenated back
 * with the pass-through part (one more cat).
 */
export function rotaryOps(ops: OpRecorder, f: NodeFactory, B: number, heads: number, T: number, d: number, rotDim: number): void {
  const rot = [B, heads, T, rotDim];
  const half = [B, heads, T, rotDim / 2];
  const cos = [1, 1, T, rotDim];
  ops.elementwise('mul', [f.t(rot), f.t(cos)]);
  ops.elementwise('neg', [f.t(half)]);
  ops.cat([half, half]);
  ops.elementwise('mul', [f.t(rot), f.t(cos)]);
  ops.elementwise('add', [f.t(rot), f.t(rot)]);
  if (rotDim < d) ops.cat([rot, [B, heads, T, d - rotDim]]);
}

/** One decoder self-attention in transformers 5's layout. */
export interface SelfAttentionSpec {
  /** Module class (`Qwen3Attention`). */
  className: string;
  hidden: number;
  heads: number;
  kvHeads: number;
  /** Head size (elements). */
  headDim: number;
  /** Separate q/k/v projections (with these names), or one fused projection. */
  projections: { q: string; k: string; v: string } | { qkv: string };
  /** Name of the output projection (`o_proj`, `dense`). */
  output: string;
  qkvBias: boolean;
  oBias: boolean;
  /**
   * A norm on each query and key head: Qwen3 and Gemma 3's RMSNorm
   * (`q_norm`, `k_norm`), Phi's optional LayerNorm (`q_layernorm`, `k_layernorm`).
   * Qwen3 norms the (B, T, heads, d) view before the transpose; the others
   * the (B, heads, T, d) tensor after it.
   */
  qkNorm?: { className: string; layerNorm?: boolean; names?: [string, string]; beforeTranspose?: boolean };
  /** Rotated dims per head (= headDim for full rotary; 0 for none). */
  rotaryDim: number;
  /**
   * Partial rotary applied to q and k first and the rotated parts
   * concatenated back afterwards (Phi: cat q, cat k after both rotations);
   * else each is concatenated right after its rotation (Phi-3, GPT-NeoX).
   */
  concatAfterRotary?: boolean;
  core: AttentionCoreOptions;
  /** Config keys the nodes link to. */
  keys: { heads: string; kvHeads: string };
}

/**
 * A decoder self-attention. The projections, norms and rotary run on the new
 * tokens (`seqLen`); with a KV cache they are appended to it after rotary and
 * the core attends over the cached and new positions (`kvLenOf`). In a
 * forward pass both lengths are the sequence length.
 */
export function selfAttention(ctx: BuildContext, scope: string, a: SelfAttentionSpec): ModelNode {
  const { batchSize: B, f } = ctx;
  const qLen = ctx.seqLen;
  const kvLen = kvLenOf(ctx);
  const X = [B, qLen, a.hidden];
  const qOut = a.heads * a.headDim;
  const kvOut = a.kvHeads * a.headDim;
  const children: ModelNode[] = [];
  if ('qkv' in a.projections) {
    children.push(f.linear(`${scope}.${a.projections.qkv}`, X, qOut + 2 * kvOut, a.qkvBias, { configKey: a.keys.heads }));
  } else {
    const p = a.projections;
    children.push(
      f.linear(`${scope}.${p.q}`, X, qOut, a.qkvBias, { configKey: a.keys.heads }),
      f.linear(`${scope}.${p.k}`, X, kvOut, a.qkvBias, { configKey: a.keys.kvHeads }),
      f.linear(`${scope}.${p.v}`, X, kvOut, a.qkvBias, { configKey: a.keys.kvHeads }),
    );
  }
  children.push(f.linear(`${scope}.${a.output}`, [B, qLen, qOut], a.hidden, a.oBias, { configKey: a.keys.heads }));
  const n = a.qkNorm;
  if (n) {
    const shape = (h: number, len: number) => (n.beforeTranspose ? [B, len, h, a.headDim] : [B, h, len, a.headDim]);
    const [qName, kName] = n.names ?? ['q_norm', 'k_norm'];
    const norm = (name: string, sh: number[]) =>
      n.layerNorm ? f.layerNorm(`${scope}.${name}`, sh, { configKey: 'layer_norm_eps' }) : f.rmsNorm(`${scope}.${name}`, n.className, sh, { configKey: 'rms_norm_eps' });
    children.push(norm(qName, shape(a.heads, qLen)), norm(kName, shape(a.kvHeads, qLen)));
  }
  const ops = f.ops(scope);
  if (a.rotaryDim > 0 && a.concatAfterRotary && a.rotaryDim < a.headDim) {
    rotaryOps(ops, f, B, a.heads, qLen, a.rotaryDim, a.rotaryDim);
    rotaryOps(ops, f, B, a.kvHeads, qLen, a.rotaryDim, a.rotaryDim);
    ops.cat([[B, a.heads, qLen, a.rotaryDim], [B, a.heads, qLen, a.headDim - a.rotaryDim]]);
    ops.cat([[B, a.kvHeads, qLen, a.rotaryDim], [B, a.kvHeads, qLen, a.headDim - a.rotaryDim]]);
  } else if (a.rotaryDim > 0) {
    rotaryOps(ops, f, B, a.heads, qLen, a.headDim, a.rotaryDim);
    rotaryOps(ops, f, B, a.kvHeads, qLen, a.headDim, a.rotaryDim);
  }
  kvCacheWrites(ops, f, B, a.kvHeads, qLen, a.headDim);
  eagerAttentionCore(ops, f, { batch: B, heads: a.heads, qLen, kvLen, headDim: a.headDim, kvHeads: a.kvHeads }, a.core);
  ops.contiguous([B, qLen, qOut]);
  return f.module(scope, a.className, [...children, ...ops.nodes], { configKey: a.keys.heads, inputShapes: [X] });
}

/** The additive causal mask every decoder attention here adds: (B, 1, q, kv). */
export function causalMaskShape(ctx: BuildContext): number[] {
  return [ctx.batchSize, 1, ctx.seqLen, kvLenOf(ctx)];
}

/** A gated MLP (`down(act(gate(x)) * up(x))`), separate or with a fused `gate_up_proj` (Phi-3). */
export interface GatedMlpSpec {
  className: string;
  hidden: number;
  intermediate: number;
  bias: boolean;
  act: ActivationSpec;
  /** Module names: separate gate/up, or one fused gate_up. */
  names: { gate: string; up: string; down: string; act: string } | { gateUp: string; down: string; act: string };
  /** Config key of the intermediate size (`intermediate_size`, `moe_intermediate_size`). */
  sizeKey?: string;
  /** Leading dims of the input (default (B, T); a MoE block's shared expert sees the flattened (B x T) tokens). */
  tokens?: number[];
}

/** The gated MLP on (B, T, hidden) inputs; its one functional op is the mul of the two halves. */
export function gatedMlp(ctx: BuildContext, scope: string, m: GatedMlpSpec): ModelNode {
  const { f } = ctx;
  const lead = m.tokens ?? [ctx.batchSize, ctx.seqLen];
  const X = [...lead, m.hidden];
  const I = [...lead, m.intermediate];
  const key = m.sizeKey ?? 'intermediate_size';
  const n = m.names;
  const projections =
    'gateUp' in n
      ? [f.linear(`${scope}.${n.gateUp}`, X, 2 * m.intermediate, m.bias, { configKey: key })]
      : [f.linear(`${scope}.${n.gate}`, X, m.intermediate, m.bias, { configKey: key }), f.linear(`${scope}.${n.up}`, X, m.intermediate, m.bias, { configKey: key })];
  const ops = f.ops(scope);
  ops.elementwise('mul', [f.t(I), f.t(I)]);
  return f.module(
    scope,
    m.className,
    [
      ...projections,
      f.linear(`${scope}.${n.down}`, I, m.hidden, m.bias, { configKey: key }),
      f.activation(`${scope}.${n.act}`, m.act.instanceType, I, m.act.flopsPerElement, { configKey: 'hidden_act' }),
      ...ops.nodes,
    ],
    { configKey: key, inputShapes: [X] },
  );
}

/** `count` residual adds of (B, T, hidden) tensors at a layer's scope (add.0, add.1 ...). */
export function residualAdds(ctx: BuildContext, scope: string, hidden: number, count = 2): ModelNode[] {
  const ops = ctx.f.ops(scope);
  const X = ctx.f.t([ctx.batchSize, ctx.seqLen, hidden]);
  for (let i = 0; i < count; i++) ops.elementwise('add', [X, X]);
  return ops.nodes;
}

/**
 * The model-level rotary embedding (`<P>RotaryEmbedding`): reads x (for its
 * dtype) and the (1, T) int64 position ids, writes cos and sin of (1, T,
 * rotDim); inv_freq is a buffer, not a parameter.
 * @param calls how often the model calls it (once per distinct rope setting, e.g. Gemma 3's local and global)
 */
export function rotaryEmbedding(ctx: BuildContext, className: string, hidden: number, rotDim: number, configKey: string, calls = 1): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const bytes = B * T * hidden * f.dtypeBytes + T * 8 + 2 * T * rotDim * f.dtypeBytes;
  const node = f.leaf('root.rotary_emb', className, [[B, T, hidden]], { flops: 0, memBytes: bytes, parameters: 0 }, { configKey });
  node.calls = calls;
  return node;
}

/**
 * Mask construction at the root, as transformers 5's mask builders run it:
 * one cache_position add, then per mask the int64 bookkeeping (sub, add,
 * add), the sliding-window pieces (sub and two bool casts) where the mask
 * is windowed, and the `where` that makes the (B, 1, T, T) additive mask.
 */
export function rootMaskOps(ops: OpRecorder, ctx: BuildContext, masks: readonly ('causal' | 'sliding')[]): void {
  const { batchSize: B, seqLen: T, f } = ctx;
  const kv = kvLenOf(ctx);
  ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
  for (const m of masks) {
    ops.elementwise('sub', [{ shape: [B, 1], type: 'int64' }, 'scalar'], 'int64');
    ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
    ops.elementwise('add', [{ shape: [T], type: 'int64' }, 'scalar'], 'int64');
    if (m === 'sliding') {
      ops.elementwise('sub', [{ shape: [1, 1, T, 1], type: 'int64' }, 'scalar'], 'int64');
      ops.cast({ shape: [1, 1, T, kv], type: 'bool' });
      ops.cast({ shape: [1, 1, T, kv], type: 'bool' });
    }
    ops.elementwise('where', [{ shape: [B, 1, T, kv], type: 'bool' }, f.t([]), 'scalar']);
  }
}

/**
 * Which layers use a sliding window, from `layer_types` when the config has
 * it, else from the model's own rule (`fallback(i)`).
 * @throws nothing: an unknown layer type counts as full attention, with a warning
 */
export function slidingLayers(layerTypes: string[] | undefined, layers: number, fallback: (i: number) => boolean, warn: (msg: string) => void): boolean[] {
  if (!layerTypes) return Array.from({ length: layers }, (_, i) => fallback(i));
  if (layerTypes.length !== layers) warn(`"layer_types" lists ${layerTypes.length} layers for ${layers} layers; missing ones count as full attention`);
  const unknown = [...new Set(layerTypes.filter((t) => t !== 'sliding_attention' && t !== 'full_attention'))];
  if (unknown.length > 0) {
    warn(`"layer_types" holds ${unknown.slice(0, 3).map(valueText).join(', ')}${unknown.length > 3 ? ' ...' : ''}, not sliding_attention or full_attention; those layers count as full attention`);
  }
  return Array.from({ length: layers }, (_, i) => layerTypes[i] === 'sliding_attention');
}

/**
 * A token embedding lookup of (rows x dim) with ids of `ids`; a scaled
 * embedding class (Gemma3TextScaledWordEmbedding, BartScaledWordEmbedding)
 * also multiplies its output by the scale inside the module (one FLOP, a
 * read and a write per element).
 */
export function tokenEmbedding(ctx: BuildContext, scope: string, ids: number[], rows: number, dim: number, scaledClass?: string): ModelNode {
  const { f } = ctx;
  const e = f.embedding(scope, ids, rows, dim, { configKey: 'vocab_size' });
  if (!scaledClass) return e;
  const n = ids.reduce((a, b) => a * b, 1) * dim;
  e.instanceType = scaledClass;
  e.kind = 'embedding';
  e.flops += n;
  e.memBytes += 2 * n * f.dtypeBytes;
  return e;
}

/**
 * A lookup into a table another node owns (an encoder-decoder's decoder
 * reading the shared embedding): the same cost, no parameters of its own,
 * so the table counts once.
 */
export function tiedLookup(node: ModelNode): ModelNode {
  node.parameters = 0;
  return node;
}

/** The sizes every rotary decoder config gives. */
export interface DecoderSizes {
  H: number;
  layers: number;
  heads: number;
  /** Intermediate size (0 when the architecture has none: `needsIntermediate` false). */
  inter: number;
  vocab: number;
  kvHeads: number;
  /** Head size (elements). */
  d: number;
}

/**
 * Reads hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size, vocab_size, num_key_value_heads and the head size, and
 * warns when the sequence is longer than max_position_embeddings (rotary
 * positions extrapolate).
 * @param o.kvHeads HF default of num_key_value_heads (`'heads'`: as many as query heads)
 * @param o.headDim HF default of an explicit head_dim field; undefined: hidden / heads unless head_dim is set
 * @param o.maxPositions HF default of max_position_embeddings, for the warning (rotary models; undefined: no warning)
 */
export function readDecoderSizes(cfg: ConfigReader, ctx: BuildContext, o: { kvHeads: number | 'heads'; headDim?: number; maxPositions?: number; needsIntermediate?: boolean }): DecoderSizes {
  const H = cfg.requiredInt('hidden_size');
  const layers = cfg.requiredInt('num_hidden_layers');
  const heads = cfg.requiredInt('num_attention_heads');
  const inter = o.needsIntermediate === false ? 0 : cfg.requiredInt('intermediate_size');
  const vocab = cfg.requiredInt('vocab_size');
  const kvHeads = o.kvHeads === 'heads' ? (cfg.optionalInt('num_key_value_heads') ?? heads) : cfg.int('num_key_value_heads', o.kvHeads);
  if (heads % kvHeads !== 0) {
    throw new InvalidInputError(`${cfg.context}: "num_attention_heads" (${heads}) is not a multiple of "num_key_value_heads" (${kvHeads})`);
  }
  const d = o.headDim !== undefined ? cfg.int('head_dim', o.headDim) : (cfg.optionalInt('head_dim') ?? headDim(H, heads, 'hidden_size', 'num_attention_heads', cfg.context));
  // rotary positions only: models with learned tables check their own limit
  if (o.maxPositions !== undefined) warnPastPositions(cfg, kvLenOf(ctx), cfg.int('max_position_embeddings', o.maxPositions));
  return { H, layers, heads, inter, vocab, kvHeads, d };
}

/** The warning of rotary models run past max_position_embeddings. */
export function warnPastPositions(cfg: ConfigReader, seqLen: number, maxPositions: number): void {
  if (seqLen > maxPositions) {
    cfg.warnings.push(`${cfg.context}: sequence length ${seqLen} exceeds max_position_embeddings ${maxPositions}; rotary positions extrapolate but quality may suffer`);
  }
}

/**
 * The most common decoder attention: q_proj, k_proj, v_proj, o_proj, rotary
 * on whole heads, the shared eager core with the causal mask and a float32
 * softmax; `more` overrides any of it.
 */
export function ropeAttention(ctx: BuildContext, scope: string, className: string, s: DecoderSizes, bias: { qkv: boolean; o: boolean }, more: Partial<SelfAttentionSpec> = {}): ModelNode {
  return selfAttention(ctx, scope, {
    className,
    hidden: s.H,
    heads: s.heads,
    kvHeads: s.kvHeads,
    headDim: s.d,
    projections: { q: 'q_proj', k: 'k_proj', v: 'v_proj' },
    output: 'o_proj',
    qkvBias: bias.qkv,
    oBias: bias.o,
    rotaryDim: s.d,
    core: { scale: 'mul', addShape: causalMaskShape(ctx), softmaxFp32: true, transposeCopy: true },
    keys: { heads: 'num_attention_heads', kvHeads: 'num_key_value_heads' },
    ...more,
  });
}

/** A decoder layer at `scope`: its sub-modules, then the two residual adds. */
export function decoderLayer(ctx: BuildContext, scope: string, className: string, hidden: number, children: ModelNode[]): ModelNode {
  return ctx.f.module(scope, className, [...children, ...residualAdds(ctx, scope, hidden)], { configKey: 'num_hidden_layers', inputShapes: [[ctx.batchSize, ctx.seqLen, hidden]] });
}

/**
 * A decoder's root: embed_tokens (or `embed`), the layers, the final norm,
 * the rotary module (when `rotary` is given) and the mask ops.
 */
export function decoderRoot(
  ctx: BuildContext,
  className: string,
  parts: { embed?: ModelNode; vocab: number; hidden: number; layers: ModelNode[]; norm: ModelNode; rotary?: { className: string; dim: number; configKey: string }; masks: readonly ('causal' | 'sliding')[] },
): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const ops = f.ops('root');
  rootMaskOps(ops, ctx, parts.masks);
  return f.model(
    className,
    [
      parts.embed ?? f.embedding('root.embed_tokens', [B, T], parts.vocab, parts.hidden, { configKey: 'vocab_size' }),
      ...parts.layers,
      parts.norm,
      ...(parts.rotary ? [rotaryEmbedding(ctx, parts.rotary.className, parts.hidden, parts.rotary.dim, parts.rotary.configKey)] : []),
      ...ops.nodes,
    ],
    { configKey: 'model_type' },
  );
}
