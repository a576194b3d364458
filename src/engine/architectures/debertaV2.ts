/**
 * DeBERTa-v2 and -v3 (`model_type: deberta-v2`), transformers 5
 * `modeling_deberta_v2.py`, eager, no pooler:
 *
 * DebertaV2Model
 *   embeddings: DebertaV2Embeddings (word_embeddings [position_embeddings when position_biased_input]
 *     [token_type_embeddings when type_vocab_size > 0] [embed_proj when embedding_size differs],
 *     LayerNorm; ops: the adds, then cast and mul by the (all-ones) attention mask)
 *   encoder: DebertaV2Encoder
 *     layer.i: DebertaV2Layer
 *       attention: DebertaV2Attention
 *         self: DisentangledSelfAttention (query_proj, key_proj, value_proj): content-to-content scores
 *           plus, with relative_attention, content-to-position (c2p) and position-to-content (p2c)
 *           scores against the relative position embeddings, projected by the same query/key
 *           projections when share_att_key (so those run twice per layer: calls = 2)
 *         output: DebertaV2SelfOutput (dense, LayerNorm; add.0)
 *       intermediate: DebertaV2Intermediate (dense, intermediate_act_fn)
 *       output: DebertaV2Output (dense, LayerNorm; add.0)
 *     rel_embeddings (2 x position_buckets rows; its weight is read directly, the module is never
 *     called), LayerNorm on it (norm_rel_ebd "layer_norm"), conv (ConvLayer after layer 0, when
 *     conv_kernel_size > 0)
 *     ops: the (B, 1, T, T) mask product, the relative position grid (log buckets when position_buckets > 0)
 *
 * Scores are divided by sqrt(head_dim x (1 + number of relative terms)).
 * The integer clamps and `sign`/`log`/`ceil` of the bucketing are not
 * recorded by the measuring hooks; the T x T arithmetic around them is.
 *
 * HF defaults (DebertaV2Config): hidden_act "gelu", max_position_embeddings
 * 512, type_vocab_size 0, relative_attention false, max_relative_positions
 * -1 (= max_position_embeddings), position_biased_input true, pos_att_type
 * none; read with getattr: position_buckets -1, share_att_key false,
 * norm_rel_ebd "none", conv_kernel_size 0.
 */
import { activationFor } from './activations.js';
import { checkLearnedPositions, type ArchitectureBuilder, type BuildContext } from './architecture.js';
import { readDecoderSizes } from './decoderParts.js';
import type { ConfigReader } from './configReader.js';
import type { ModelNode } from '../tree/modelNode.js';
import { MalformedFileError } from '../errors.js';
import { mergeCalls, type OpRecorder } from './treeBuilder.js';

/** The relative-attention setting of one DeBERTa-v2 config. */
interface Relative {
  /** Relative attention on at all. */
  on: boolean;
  c2p: boolean;
  p2c: boolean;
  /** Query/key projections reused for the position embeddings. */
  shared: boolean;
  /** Rows of rel_embeddings used: 2 x span (count). */
  rows: number;
  /** Log-bucketed positions (position_buckets > 0). */
  buckets: boolean;
}

function readRelative(cfg: ConfigReader, maxPositions: number): Relative {
  const on = cfg.bool('relative_attention', false);
  const raw = cfg.raw['pos_att_type'];
  let types: string[] = [];
  if (typeof raw === 'string') types = raw.toLowerCase().split('|').map((t) => t.trim());
  else if (Array.isArray(raw) && raw.every((t) => typeof t === 'string')) types = raw.map((t: string) => t.toLowerCase());
  else if (raw !== undefined && raw !== null) throw new MalformedFileError(`${cfg.context}: "pos_att_type" must be a string like "p2c|c2p" or a list, got ${JSON.stringify(raw)}`);
  const maxRel = cfg.integer('max_relative_positions', -1);
  const buckets = cfg.integer('position_buckets', -1);
  const span = buckets > 0 ? buckets : maxRel < 1 ? maxPositions : maxRel;
  return { on, c2p: on && types.includes('c2p'), p2c: on && types.includes('p2c'), shared: cfg.bool('share_att_key', false), rows: 2 * span, buckets: buckets > 0 };
}

/**
 * DisentangledSelfAttention's ops in call order. Query and key/value lengths
 * are the same here (an encoder over one sequence) but kept apart.
 */
function disentangledAttentionOps(ops: OpRecorder, ctx: BuildContext, heads: number, d: number, rel: Relative): void {
  const { batchSize: B, f } = ctx;
  const qLen = ctx.seqLen;
  const kvLen = ctx.seqLen;
  const BH = B * heads;
  const S2 = rel.rows;
  const zeroD = { shape: [] as number[], type: 'fp32' as const };
  // transpose_for_scores copies q, k, v into (B x heads, T, d)
  ops.contiguous([B, heads, qLen, d]);
  ops.contiguous([B, heads, kvLen, d]);
  ops.contiguous([B, heads, kvLen, d]);
  // scale = sqrt(d x factor) as a 0-d float tensor, cast to the compute dtype; k^T / scale; q @ (k^T / scale)
  ops.elementwise('mul', [zeroD, 'scalar'], 'fp32');
  ops.cast(zeroD, f.dtype);
  ops.elementwise('div', [f.t([BH, d, kvLen]), f.t([])]);
  ops.custom('bmm', [[BH, qLen, d], [BH, d, kvLen]], bmmCost(ctx, BH, qLen, d, kvLen));
  if (rel.on && (rel.c2p || rel.p2c)) {
    const posCopy = () => {
      ops.contiguous([1, heads, S2, d]);
      ops.custom('repeat', [[heads, S2, d]], { flops: 0, memBytes: (heads + BH) * S2 * d * f.dtypeBytes, parameters: 0 });
    };
    if (rel.shared || rel.p2c) posCopy(); // pos_query_layer
    if (rel.shared || rel.c2p) posCopy(); // pos_key_layer
    const relPos = { shape: [1, qLen, kvLen], type: 'int64' as const };
    const term = (first: boolean, negate: boolean) => {
      ops.elementwise('mul', [zeroD, 'scalar'], 'fp32');
      if (negate) ops.elementwise('neg', [relPos], 'int64');
      ops.elementwise('add', [relPos, 'scalar'], 'int64');
      ops.custom('bmm', [[BH, qLen, d], [BH, d, S2]], bmmCost(ctx, BH, qLen, d, S2));
      ops.custom('gather', [[BH, qLen, S2], [BH, qLen, kvLen]], { flops: 0, memBytes: BH * qLen * (S2 + kvLen) * f.dtypeBytes + BH * qLen * kvLen * 8, parameters: 0 });
      ops.cast(zeroD, f.dtype);
      ops.elementwise('div', [f.t([BH, qLen, kvLen]), f.t([])]);
      ops.elementwise('add', first ? [f.t([BH, qLen, kvLen]), 'scalar'] : [f.t([BH, qLen, kvLen]), f.t([BH, qLen, kvLen])]);
    };
    if (rel.c2p) term(true, false);
    if (rel.p2c) term(!rel.c2p, true);
    ops.elementwise('add', [f.t([BH, qLen, kvLen]), f.t([BH, qLen, kvLen])]);
  }
  const S = [B, heads, qLen, kvLen];
  ops.cast({ shape: [B, 1, qLen, kvLen], type: 'int64' }, 'bool');
  ops.elementwise('masked_fill', [f.t(S), { shape: [B, 1, qLen, kvLen], type: 'bool' }, 'scalar']);
  ops.softmax(S);
  ops.custom('bmm', [[BH, qLen, kvLen], [BH, kvLen, d]], bmmCost(ctx, BH, qLen, kvLen, d));
  ops.contiguous([B, qLen, heads, d]);
}

/** torch.bmm of (n, m, k) x (n, k, p) in the compute dtype. */
function bmmCost(ctx: BuildContext, n: number, m: number, k: number, p: number): { flops: number; memBytes: number; parameters: number } {
  return { flops: 2 * n * m * k * p, memBytes: n * (m * k + k * p + m * p) * ctx.f.dtypeBytes, parameters: 0 };
}

/** deberta-v2: DebertaV2Model. */
export const buildDebertaV2: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const { H, layers, heads, inter, vocab, d } = readDecoderSizes(cfg, ctx, { kvHeads: 'heads' });
  const act = activationFor(cfg.str('hidden_act', 'gelu'), 'hidden_act', cfg.context);
  const E = cfg.optionalInt('embedding_size') ?? H;
  const maxPos = cfg.int('max_position_embeddings', 512);
  const biasedInput = cfg.bool('position_biased_input', true);
  if (biasedInput) checkLearnedPositions(T, maxPos, 'max_position_embeddings', cfg.context);
  const typeVocab = cfg.integer('type_vocab_size', 0);
  const rel = readRelative(cfg, maxPos);
  const normRel = (typeof cfg.raw['norm_rel_ebd'] === 'string' ? cfg.str('norm_rel_ebd', 'none') : 'none').toLowerCase().split('|').map((s) => s.trim());
  const convKernel = cfg.integer('conv_kernel_size', 0);
  const X = [B, T, H];
  const I = [B, T, inter];

  const layerNodes: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.encoder.layer.${i}`;
    const a = `${s}.attention.self`;
    const sOps = f.ops(a);
    disentangledAttentionOps(sOps, ctx, heads, d, rel);
    const relIn = [1, rel.rows, H];
    const project = (name: string) => {
      const main = f.linear(`${a}.${name}`, X, H, true, { configKey: 'num_attention_heads' });
      // with share_att_key the same projection also maps the relative embeddings
      return rel.on && rel.shared && (rel.c2p || rel.p2c) ? mergeCalls(main, f.linear(`${a}.${name}`, relIn, H, true)) : main;
    };
    const posProjections: ModelNode[] = [];
    if (rel.on && !rel.shared) {
      if (rel.c2p) posProjections.push(f.linear(`${a}.pos_key_proj`, relIn, H, true, { configKey: 'share_att_key' }));
      if (rel.p2c) posProjections.push(f.linear(`${a}.pos_query_proj`, relIn, H, true, { configKey: 'share_att_key' }));
    }
    const selfAttn = f.module(a, 'DisentangledSelfAttention', [project('query_proj'), project('key_proj'), f.linear(`${a}.value_proj`, X, H, true, { configKey: 'num_attention_heads' }), ...posProjections, ...sOps.nodes], {
      configKey: 'num_attention_heads',
      inputShapes: [X],
    });
    const out = (scope: string, cls: string, input: number[], key: string) => {
      const o = f.ops(scope);
      o.elementwise('add', [f.t(X), f.t(X)]);
      return f.module(scope, cls, [f.linear(`${scope}.dense`, input, H, true, { configKey: key }), f.layerNorm(`${scope}.LayerNorm`, X, { configKey: 'layer_norm_eps' }), ...o.nodes], { inputShapes: [input, X] });
    };
    const attention = f.module(`${s}.attention`, 'DebertaV2Attention', [selfAttn, out(`${s}.attention.output`, 'DebertaV2SelfOutput', X, 'hidden_size')], { configKey: 'num_attention_heads', inputShapes: [X] });
    const intermediate = f.module(
      `${s}.intermediate`,
      'DebertaV2Intermediate',
      [f.linear(`${s}.intermediate.dense`, X, inter, true, { configKey: 'intermediate_size' }), f.activation(`${s}.intermediate.intermediate_act_fn`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' })],
      { configKey: 'intermediate_size', inputShapes: [X] },
    );
    layerNodes.push(f.module(s, 'DebertaV2Layer', [attention, intermediate, out(`${s}.output`, 'DebertaV2Output', I, 'intermediate_size')], { configKey: 'num_hidden_layers', inputShapes: [X] }));
  }

  const encChildren: ModelNode[] = [...layerNodes];
  if (rel.on) {
    // the weight is read directly (get_rel_embedding), so the module itself never runs; it holds the parameters
    encChildren.push(f.leaf('root.encoder.rel_embeddings', 'Embedding', [[rel.rows, H]], { flops: 0, memBytes: rel.rows * H * f.dtypeBytes, parameters: rel.rows * H }, { configKey: 'position_buckets' }));
    if (normRel.includes('layer_norm')) encChildren.push(f.layerNorm('root.encoder.LayerNorm', [rel.rows, H], { configKey: 'norm_rel_ebd' }));
  }
  if (convKernel > 0) encChildren.push(convLayer(ctx, cfg, convKernel, H));
  const encOps = f.ops('root.encoder');
  encOps.elementwise('mul', [{ shape: [B, 1, 1, T], type: 'int64' }, { shape: [B, 1, T, 1], type: 'int64' }], 'int64');
  if (rel.on) relativePositionOps(encOps, T, rel.buckets);
  const encoder = f.module('root.encoder', 'DebertaV2Encoder', [...encChildren, ...encOps.nodes], { configKey: 'num_hidden_layers', inputShapes: [X] });

  const E3 = [B, T, E];
  const eOps = f.ops('root.embeddings');
  const embChildren: ModelNode[] = [f.embedding('root.embeddings.word_embeddings', [B, T], vocab, E, { configKey: 'vocab_size' })];
  if (biasedInput) {
    embChildren.push(f.embedding('root.embeddings.position_embeddings', [1, T], maxPos, E, { configKey: 'max_position_embeddings' }));
    eOps.elementwise('add', [f.t(E3), f.t([1, T, E])]);
  }
  if (typeVocab > 0) {
    embChildren.push(f.embedding('root.embeddings.token_type_embeddings', [B, T], typeVocab, E, { configKey: 'type_vocab_size' }));
    eOps.elementwise('add', [f.t(E3), f.t(E3)]);
  }
  if (E !== H) embChildren.push(f.linear('root.embeddings.embed_proj', E3, H, false, { configKey: 'embedding_size' }));
  embChildren.push(f.layerNorm('root.embeddings.LayerNorm', X, { configKey: 'layer_norm_eps' }));
  eOps.cast({ shape: [B, T, 1], type: 'int64' }, f.dtype);
  eOps.elementwise('mul', [f.t(X), f.t([B, T, 1])]);
  const embeddings = f.module('root.embeddings', 'DebertaV2Embeddings', [...embChildren, ...eOps.nodes], { configKey: 'vocab_size', inputShapes: [[B, T]] });
  return f.model('DebertaV2Model', [embeddings, encoder], { configKey: 'model_type' });
};

/**
 * build_relative_position: q_ids - k_ids over a (T, T) grid, log buckets
 * (make_log_bucket_position: where, two divs, mul, add, a cast, mul, where)
 * when position_buckets > 0, then `.to(torch.long)`.
 */
function relativePositionOps(ops: OpRecorder, T: number, buckets: boolean): void {
  const grid = (type: 'int64' | 'fp32') => ({ shape: [T, T], type });
  ops.elementwise('sub', [{ shape: [T, 1], type: 'int64' }, { shape: [1, T], type: 'int64' }], 'int64');
  if (buckets) {
    ops.cast({ shape: [], type: 'int64' });
    ops.elementwise('where', [{ shape: [T, T], type: 'bool' }, { shape: [], type: 'int64' }, grid('int64')], 'int64');
    ops.elementwise('div', [grid('int64'), 'scalar'], 'fp32');
    ops.elementwise('div', [grid('fp32'), { shape: [], type: 'fp32' }], 'fp32');
    ops.elementwise('mul', [grid('fp32'), 'scalar'], 'fp32');
    ops.elementwise('add', [grid('fp32'), 'scalar'], 'fp32');
    ops.cast(grid('int64'), 'fp32');
    ops.elementwise('mul', [grid('fp32'), grid('int64')], 'fp32');
    ops.elementwise('where', [{ shape: [T, T], type: 'bool' }, grid('fp32'), grid('fp32')], 'fp32');
  }
  ops.cast(grid(buckets ? 'fp32' : 'int64'), 'int64');
}

/**
 * ConvLayer (DeBERTa-v2 xlarge): a grouped Conv1d over the sequence after
 * layer 0, masked, activated (conv_act, default tanh), added to the layer's
 * output and normed.
 */
function convLayer(ctx: BuildContext, cfg: ConfigReader, kernel: number, H: number): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const groups = cfg.int('conv_groups', 1);
  const X = [B, T, H];
  const params = (H / groups) * H * kernel + H;
  const conv = f.leaf('root.encoder.conv.conv', 'Conv1d', [[B, H, T]], { flops: 2 * B * T * H * (H / groups) * kernel, memBytes: (2 * B * T * H + params) * f.dtypeBytes, parameters: params }, { configKey: 'conv_kernel_size' });
  conv.kind = 'conv'; // torch's Conv1d, not GPT-2's Conv1D (the kind table is case-blind)
  const ops = f.ops('root.encoder.conv');
  ops.contiguous([B, H, T]);
  ops.contiguous(X);
  ops.elementwise('sub', ['scalar', { shape: [B, T], type: 'int64' }], 'int64');
  ops.cast({ shape: [B, T], type: 'int64' }, 'bool');
  ops.elementwise('masked_fill', [f.t(X), { shape: [B, T, H], type: 'bool' }, 'scalar']);
  ops.elementwise(cfg.str('conv_act', 'tanh'), [f.t(X)], f.dtype, 4);
  ops.elementwise('add', [f.t(X), f.t(X)]);
  ops.cast(f.t(X));
  ops.cast({ shape: [B, T, 1], type: 'int64' }, f.dtype);
  ops.elementwise('mul', [f.t(X), f.t([B, T, 1])]);
  return f.module('root.encoder.conv', 'ConvLayer', [conv, f.layerNorm('root.encoder.conv.LayerNorm', X, { configKey: 'layer_norm_eps' }), ...ops.nodes], { configKey: 'conv_kernel_size', inputShapes: [X, X] });
}
