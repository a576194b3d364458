/**
 * The coarse families the panel colours and totals energy by. The issue asks
 * for "linear vs attention matmul vs softmax vs normalisation vs
 * element-wise"; the remaining kinds get their own families so nothing is
 * silently folded into a wrong bucket.
 */
import type { PredictedNode, PrimitiveKind } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';

/** A family of primitive kinds (what the breakdown colours a primitive cell with). */
export type KindGroup = 'linear' | 'attention-matmul' | 'softmax' | 'normalisation' | 'elementwise' | 'embedding' | 'memory' | 'other';

/** All families, in the order legends and tables list them. */
export const KIND_GROUPS: readonly KindGroup[] = ['linear', 'attention-matmul', 'softmax', 'normalisation', 'elementwise', 'embedding', 'memory', 'other'];

/** Human labels of the families (legend, tables, exports). */
export const KIND_GROUP_LABELS: Readonly<Record<KindGroup, string>> = {
  linear: 'Linear (weights)',
  'attention-matmul': 'Attention matmul',
  softmax: 'Softmax',
  normalisation: 'Normalisation',
  elementwise: 'Element-wise',
  embedding: 'Embedding',
  memory: 'Memory moves',
  other: 'Other',
};

const GROUP_BY_KIND: Readonly<Record<PrimitiveKind, KindGroup>> = {
  linear: 'linear',
  conv: 'linear', // a convolution multiplies by learned weights, like a Linear
  matmul: 'attention-matmul',
  softmax: 'softmax',
  layernorm: 'normalisation',
  rmsnorm: 'normalisation',
  activation: 'elementwise',
  elementwise: 'elementwise',
  rotary: 'elementwise', // rotary embeddings are cos/sin multiply-adds per element
  embedding: 'embedding',
  memory: 'memory',
  other: 'other',
};

/** The family of a primitive kind. */
export function kindGroupOf(kind: PrimitiveKind): KindGroup {
  return GROUP_BY_KIND[kind];
}

/**
 * The primitive kind of a predicted node, or undefined for the model and its
 * modules. Importers set `kind` on `ml` nodes; when one did not, the instance
 * type is normalised the same way the predictor does.
 */
export function primitiveKindOfNode(p: PredictedNode): PrimitiveKind | undefined {
  if (p.node.type !== 'ml' && p.children.length > 0) return undefined;
  return p.node.kind ?? primitiveKindOf(p.node.instanceType);
}
