/**
 * ALBERT (`model_type: albert`), transformers 5 `modeling_albert.py`, eager attention:
 *
 * AlbertModel
 *   embeddings: AlbertEmbeddings (BERT's, at width embedding_size)
 *   encoder: AlbertTransformer
 *     embedding_hidden_mapping_in: Linear(embedding_size, hidden_size)
 *     albert_layer_groups.g: AlbertLayerGroup > albert_layers.j: AlbertLayer
 *       full_layer_layer_norm, attention: AlbertAttention (query, key, value, dense, LayerNorm;
 *       matmul.0, mul.1, softmax.2, matmul.3, contiguous.4, contiguous.5, add.6 residual),
 *       ffn, ffn_output, activation; add.0 residual
 *   pooler: Linear on the first token, pooler_activation: Tanh
 *
 * Parameter sharing: AlbertTransformer runs `num_hidden_layers` layer steps
 * and step i uses group int(i / (num_hidden_layers / num_hidden_groups)), so
 * each group (and everything in it) has `calls` = the number of steps that
 * use it, while its parameters exist, and are counted, once.
 *
 * HF defaults (AlbertConfig): embedding_size 128, num_hidden_groups 1,
 * inner_group_num 1, hidden_act "gelu_new", max_position_embeddings 512,
 * type_vocab_size 2.
 */
import { activationFor } from './activations.js';
import type { ArchitectureBuilder, BuildContext } from './architecture.js';
import { bertEmbeddings, readBertSizes, type BertLayerSizes } from './bert.js';
import { scaleCalls } from './treeBuilder.js';
import type { ModelNode } from '../tree/modelNode.js';
import { InvalidInputError } from '../errors.js';

function albertLayer(ctx: BuildContext, scope: string, s: BertLayerSizes, context: string): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const X = [B, T, s.hidden];
  const I = [B, T, s.intermediate];
  const d = s.hidden / s.heads;
  const a = `${scope}.attention`;
  const aOps = f.ops(a);
  aOps.matmul([B, s.heads, T, d], [B, s.heads, d, T]);
  aOps.elementwise('mul', [f.t([B, s.heads, T, T]), 'scalar']);
  aOps.softmax([B, s.heads, T, T]);
  aOps.matmul([B, s.heads, T, T], [B, s.heads, T, d]);
  aOps.contiguous([B, T, s.heads, d]);
  aOps.contiguous(X);
  aOps.elementwise('add', [f.t(X), f.t(X)]);
  const attention = f.module(
    a,
    'AlbertAttention',
    [
      f.linear(`${a}.query`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      f.linear(`${a}.key`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      f.linear(`${a}.value`, X, s.hidden, true, { configKey: 'num_attention_heads' }),
      f.linear(`${a}.dense`, X, s.hidden, true, { configKey: 'hidden_size' }),
      f.layerNorm(`${a}.LayerNorm`, X, { configKey: 'layer_norm_eps' }),
      ...aOps.nodes,
    ],
    { configKey: 'num_attention_heads', inputShapes: [X] },
  );
  const act = activationFor(s.act, 'hidden_act', context);
  const ops = f.ops(scope);
  ops.elementwise('add', [f.t(X), f.t(X)]);
  return f.module(
    scope,
    'AlbertLayer',
    [
      f.layerNorm(`${scope}.full_layer_layer_norm`, X, { configKey: 'layer_norm_eps' }),
      attention,
      f.linear(`${scope}.ffn`, X, s.intermediate, true, { configKey: 'intermediate_size' }),
      f.linear(`${scope}.ffn_output`, I, s.hidden, true, { configKey: 'intermediate_size' }),
      f.activation(`${scope}.activation`, act.instanceType, I, act.flopsPerElement, { configKey: 'hidden_act' }),
      ...ops.nodes,
    ],
    { configKey: 'inner_group_num', inputShapes: [X] },
  );
}

/** How many of the `layers` steps use each of the `groups` layer groups (HF's int(i / (layers / groups))). */
export function albertGroupCalls(layers: number, groups: number): number[] {
  const calls = new Array<number>(groups).fill(0);
  for (let i = 0; i < layers; i++) {
    const g = Math.floor(i / (layers / groups));
    calls[g] = (calls[g] ?? 0) + 1;
  }
  return calls;
}

/** albert: AlbertModel with shared layer groups. */
export const buildAlbert: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const s = readBertSizes(cfg, 'gelu_new'); // AlbertConfig's default activation differs from BERT's
  const E = cfg.int('embedding_size', 128);
  const layers = cfg.requiredInt('num_hidden_layers');
  const groups = cfg.int('num_hidden_groups', 1);
  const inner = cfg.int('inner_group_num', 1);
  if (groups > layers) {
    throw new InvalidInputError(`${cfg.context}: "num_hidden_groups" (${groups}) is larger than "num_hidden_layers" (${layers})`);
  }
  const groupCalls = albertGroupCalls(layers, groups);
  const groupNodes: ModelNode[] = [];
  for (let g = 0; g < groups; g++) {
    const gs = `root.encoder.albert_layer_groups.${g}`;
    const inners: ModelNode[] = [];
    for (let j = 0; j < inner; j++) inners.push(albertLayer(ctx, `${gs}.albert_layers.${j}`, s, cfg.context));
    const group = f.module(gs, 'AlbertLayerGroup', inners, { configKey: 'num_hidden_groups', inputShapes: [[B, T, s.hidden]] });
    scaleCalls(group, groupCalls[g] ?? 0);
    groupNodes.push(group);
  }
  const encoder = f.module(
    'root.encoder',
    'AlbertTransformer',
    [f.linear('root.encoder.embedding_hidden_mapping_in', [B, T, E], s.hidden, true, { configKey: 'embedding_size' }), ...groupNodes],
    { configKey: 'num_hidden_layers', inputShapes: [[B, T, E]] },
  );
  return f.model(
    'AlbertModel',
    [
      bertEmbeddings(ctx, cfg, E, 'AlbertEmbeddings'),
      encoder,
      f.linear('root.pooler', [B, s.hidden], s.hidden, true, { configKey: 'hidden_size' }),
      f.activation('root.pooler_activation', 'Tanh', [B, s.hidden], 4, { configKey: 'hidden_size' }),
    ],
    { configKey: 'model_type' },
  );
};
