/**
 * BERT (`model_type: bert`) and the encoders that share its layer code:
 * RoBERTa and ELECTRA reuse these builders with their own class names and
 * embeddings. Mirrors transformers 5 `modeling_bert.py` with eager attention:
 *
 * BertModel
 *   embeddings: BertEmbeddings (word, position, token_type, LayerNorm; add.0 token types, add.1 positions)
 *   encoder: BertEncoder > layer.i: BertLayer
 *     attention: BertAttention
 *       self: BertSelfAttention (query, key, value; matmul.0 scores, mul.1 x 1/sqrt(d),
 *             softmax.2, matmul.3 context, contiguous.4 after transpose, contiguous.5 after reshape)
 *       output: BertSelfOutput (dense, LayerNorm; add.0 residual)
 *     intermediate: BertIntermediate (dense, intermediate_act_fn)
 *     output: BertOutput (dense, LayerNorm; add.0 residual)
 *   pooler: BertPooler (dense on the first token, Tanh)
 *
 * AutoModel is called without an attention mask, so no mask is added to the
 * scores (the measured trees have no add in BertSelfAttention).
 *
 * HF defaults used when a field is absent: hidden_act "gelu",
 * max_position_embeddings 512, type_vocab_size 2, position_embedding_type
 * "absolute", add_pooling_layer true (AutoModel's default).
 */
import { activationFor } from './activations.js';
import { checkLearnedPositions, headDim, type ArchitectureBuilder, type BuildContext } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

/** Sizes of one BERT-style encoder layer. */
export interface BertLayerSizes {
  hidden: number;
  heads: number;
  intermediate: number;
  /** HF activation name. */
  act: string;
}

/** Class-name prefix and config keys of a BERT-family model. */
export interface BertFamilyNames {
  /** `Bert`, `Roberta`, `Electra`. */
  prefix: string;
  context: string;
}

/** Reads the BERT-style sizes every family member shares. */
export function readBertSizes(cfg: ConfigReader, defaultAct = 'gelu'): BertLayerSizes {
  const hidden = cfg.requiredInt('hidden_size');
  const heads = cfg.requiredInt('num_attention_heads');
  const intermediate = cfg.requiredInt('intermediate_size');
  const act = cfg.str('hidden_act', defaultAct);
  activationFor(act, 'hidden_act', cfg.context);
  headDim(hidden, heads, 'hidden_size', 'num_attention_heads', cfg.context);
  // transformers 5 dropped the key (absolute only); older configs write "absolute"
  const pet = cfg.has('position_embedding_type') ? cfg.str('position_embedding_type', 'absolute') : 'absolute';
  if (pet !== 'absolute') {
    throw new InvalidInputError(`${cfg.context}: position_embedding_type "${pet}" is not supported yet (only "absolute")`);
  }
  if (cfg.bool('is_decoder', false) || cfg.bool('add_cross_attention', false)) {
    cfg.warnings.push(`${cfg.context}: is_decoder / add_cross_attention are ignored: the tree is the plain encoder AutoModel runs without encoder states (the causal-mask ops of a decoder are not shown)`);
  }
  return { hidden, heads, intermediate, act };
}

/** Self-attention functional ops of transformers 5 `eager_attention_forward` plus the reshape in BertSelfAttention. */
export function eagerAttentionOps(ctx: BuildContext, scope: string, heads: number, d: number, maskShape?: number[]): ModelNode[] {
  const { batchSize: B, seqLen: T, f } = ctx;
  const ops = f.ops(scope);
  ops.matmul([B, heads, T, d], [B, heads, d, T]);
  ops.elementwise('mul', [f.t([B, heads, T, T]), 'scalar']);
  if (maskShape) ops.elementwise('add', [f.t([B, heads, T, T]), f.t(maskShape)]);
  ops.softmax([B, heads, T, T]);
  ops.matmul([B, heads, T, T], [B, heads, T, d]);
  ops.contiguous([B, T, heads, d]);
  ops.contiguous([B, T, heads * d]);
  return ops.nodes;
}

/** One BertLayer (or RobertaLayer, ElectraLayer) at `scope`. */
export function bertLayer(ctx: BuildContext, scope: string, s: BertLayerSizes, names: BertFamilyNames): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const X = [B, T, s.hidden];
  const d = s.hidden / s.heads;
  const P = names.prefix;
  const a = `${scope}.attention`;
  const selfAttn = f.module(
    `${a}.self`,
    `${P}SelfAttention`,
    [
      f.linear(`${a}.self.query`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      f.linear(`${a}.self.key`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      f.linear(`${a}.self.value`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      ...eagerAttentionOps(ctx, `${a}.self`, s.heads, d),
    ],
    { configKey: 'num_attention_heads', inputShapes: [X] },
  );
  const selfOut = f.module(
    `${a}.output`,
    `${P}SelfOutput`,
    [
      f.linear(`${a}.output.dense`, X, s.hidden, true, { configKey: 'hidden_size' }),
      f.layerNorm(`${a}.output.LayerNorm`, X, { configKey: 'layer_norm_eps' }),
      ...residualAdd(ctx, `${a}.output`, X),
    ],
    { inputShapes: [X, X] },
  );
  const act = activationFor(s.act, 'hidden_act', names.context);
  const I = [B, T, s.intermediate];
  const intermediate = f.module(
    `${scope}.intermediate`,
    `${P}Intermediate`,
    [
      f.linear(`${scope}.intermediate.dense`, X, s.intermediate, true, { configKey: 'intermediate_size' }),
      f.activation(`${scope}.intermediate.intermediate_act_fn`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
    ],
    { configKey: 'intermediate_size', inputShapes: [X] },
  );
  const output = f.module(
    `${scope}.output`,
    `${P}Output`,
    [
      f.linear(`${scope}.output.dense`, I, s.hidden, true, { configKey: 'intermediate_size' }),
      f.layerNorm(`${scope}.output.LayerNorm`, X, { configKey: 'layer_norm_eps' }),
      ...residualAdd(ctx, `${scope}.output`, X),
    ],
    { inputShapes: [I, X] },
  );
  return f.module(
    scope,
    `${P}Layer`,
    [f.module(a, `${P}Attention`, [selfAttn, selfOut], { configKey: 'num_attention_heads', inputShapes: [X] }), intermediate, output],
    { configKey: 'num_hidden_layers', inputShapes: [X] },
  );
}

/** `hidden + residual` recorded as the module's add.0. */
function residualAdd(ctx: BuildContext, scope: string, X: number[]): ModelNode[] {
  const ops = ctx.f.ops(scope);
  ops.elementwise('add', [ctx.f.t(X), ctx.f.t(X)]);
  return ops.nodes;
}

/** `<P>Encoder` with `layers` identical layers. */
export function bertEncoder(ctx: BuildContext, cfg: ConfigReader, s: BertLayerSizes, names: BertFamilyNames): ModelNode {
  const layers = cfg.requiredInt('num_hidden_layers');
  const children: ModelNode[] = [];
  for (let i = 0; i < layers; i++) children.push(bertLayer(ctx, `root.encoder.layer.${i}`, s, names));
  return ctx.f.module('root.encoder', `${names.prefix}Encoder`, children, {
    configKey: 'num_hidden_layers',
    inputShapes: [[ctx.batchSize, ctx.seqLen, s.hidden]],
  });
}

/** `<P>Pooler`: dense + Tanh on the first token of each sequence. */
export function bertPooler(ctx: BuildContext, hidden: number, prefix: string): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  return f.module(
    'root.pooler',
    `${prefix}Pooler`,
    [
      f.linear('root.pooler.dense', [B, hidden], hidden, true, { configKey: 'hidden_size' }),
      f.activation('root.pooler.activation', 'Tanh', [B, hidden], 4, { configKey: 'hidden_size' }),
    ],
    { configKey: 'hidden_size', inputShapes: [[B, T, hidden]] },
  );
}

/**
 * BertEmbeddings-style embeddings (BERT, ELECTRA, ALBERT): word ids and
 * token-type ids are (B, T); position ids are the (1, T) slice of a buffer,
 * so the position add broadcasts.
 * @param dim embedding width (hidden_size, or embedding_size for ELECTRA/ALBERT)
 */
export function bertEmbeddings(ctx: BuildContext, cfg: ConfigReader, dim: number, className: string): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const vocab = cfg.requiredInt('vocab_size');
  const positions = cfg.int('max_position_embeddings', 512);
  const typeVocab = cfg.int('type_vocab_size', 2);
  checkLearnedPositions(T, positions, 'max_position_embeddings', cfg.context);
  const E = [B, T, dim];
  const ops = f.ops('root.embeddings');
  ops.elementwise('add', [f.t(E), f.t(E)]);
  ops.elementwise('add', [f.t(E), f.t([1, T, dim])]);
  return f.module(
    'root.embeddings',
    className,
    [
      f.embedding('root.embeddings.word_embeddings', [B, T], vocab, dim, { configKey: 'vocab_size' }),
      f.embedding('root.embeddings.position_embeddings', [1, T], positions, dim, { configKey: 'max_position_embeddings' }),
      f.embedding('root.embeddings.token_type_embeddings', [B, T], typeVocab, dim, { configKey: 'type_vocab_size' }),
      f.layerNorm('root.embeddings.LayerNorm', E, { configKey: 'layer_norm_eps' }),
      ...ops.nodes,
    ],
    { configKey: 'vocab_size', inputShapes: [[B, T]] },
  );
}

/** `add_pooling_layer` is an AutoModel argument, not a config key; AutoModel keeps the pooler. */
const WITH_POOLER = true;

/** bert: BertModel. */
export const buildBert: ArchitectureBuilder = (cfg, ctx) => {
  const names = { prefix: 'Bert', context: cfg.context };
  const s = readBertSizes(cfg);
  const children = [bertEmbeddings(ctx, cfg, s.hidden, 'BertEmbeddings'), bertEncoder(ctx, cfg, s, names)];
  if (WITH_POOLER) children.push(bertPooler(ctx, s.hidden, 'Bert'));
  return ctx.f.model('BertModel', children, { configKey: 'model_type' });
};
