/**
 * Hand-built predicted trees for the panel's view-model tests, so they do not
 * depend on the importers or the predictor.
 */
import type { ModelNode, NodeType, PredictedNode, PrimitiveKind } from '../../../src/engine/tree/modelNode.js';
import type { PredictionLike } from '../../../src/engine/report/predictionReport.js';

/** A spec of one node: energy given for leaves; modules add their children plus `overheadJ`. */
export interface NodeSpec {
  name: string;
  instanceType: string;
  kind?: PrimitiveKind;
  energyJ?: number;
  overheadJ?: number;
  uncertaintyJ?: number;
  children?: NodeSpec[];
}

function modelNode(scope: string, type: NodeType, instanceType: string, kind: PrimitiveKind | undefined): ModelNode {
  const n: ModelNode = { scope, type, instanceType, inputShapes: [], dtype: 'fp32', calls: 1, parameters: 0, flops: 0, memBytes: 0, children: [] };
  if (kind) n.kind = kind;
  return n;
}

/** Builds the predicted tree of a spec; shares are filled against the root's energy. */
export function predicted(spec: NodeSpec, parentScope?: string): PredictedNode {
  const p = build(spec, parentScope);
  const total = p.energyJ;
  const fill = (n: PredictedNode): void => {
    n.share = total > 0 ? n.energyJ / total : 0;
    n.children.forEach(fill);
  };
  fill(p);
  return p;
}

function build(spec: NodeSpec, parentScope?: string): PredictedNode {
  const scope = parentScope === undefined ? spec.name : `${parentScope}.${spec.name}`;
  const kids = (spec.children ?? []).map((c) => build(c, scope));
  const type: NodeType = parentScope === undefined ? 'model' : kids.length > 0 ? 'module' : 'ml';
  const node = modelNode(scope, type, spec.instanceType, type === 'ml' ? spec.kind : undefined);
  node.children = kids.map((k) => k.node);
  const energyJ = kids.length > 0 ? kids.reduce((s, k) => s + k.energyJ, 0) + (spec.overheadJ ?? 0) : (spec.energyJ ?? 0);
  return { node, energyPerCallJ: energyJ, energyJ, isolatedEnergyJ: energyJ, uncertaintyJ: spec.uncertaintyJ ?? energyJ * 0.1, share: 0, timeS: energyJ / 200, staticJ: energyJ / 2, dynamicJ: energyJ / 2, regime: 'compute', children: kids };
}

/** A small BERT-like encoder: `layers` identical layers of attention and MLP. */
export function bertLike(layers: number, scale = 1): NodeSpec {
  const layer = (i: number): NodeSpec => ({
    name: String(i),
    instanceType: 'BertLayer',
    overheadJ: 0.001 * scale,
    children: [
      {
        name: 'attention',
        instanceType: 'BertSelfAttention',
        children: [
          { name: 'query', instanceType: 'Linear', kind: 'linear', energyJ: 0.02 * scale },
          { name: 'key', instanceType: 'Linear', kind: 'linear', energyJ: 0.02 * scale },
          { name: 'value', instanceType: 'Linear', kind: 'linear', energyJ: 0.02 * scale },
          { name: 'matmul', instanceType: 'matmul', kind: 'matmul', energyJ: 0.01 * scale },
          { name: 'softmax', instanceType: 'softmax', kind: 'softmax', energyJ: 0.005 * scale },
        ],
      },
      {
        name: 'mlp',
        instanceType: 'BertIntermediate',
        children: [
          { name: 'dense', instanceType: 'Linear', kind: 'linear', energyJ: 0.08 * scale },
          { name: 'act', instanceType: 'GELUActivation', kind: 'activation', energyJ: 0.004 * scale },
          { name: 'norm', instanceType: 'LayerNorm', kind: 'layernorm', energyJ: 0.003 * scale },
        ],
      },
    ],
  });
  return {
    name: 'root',
    instanceType: 'BertModel',
    children: [
      { name: 'embeddings', instanceType: 'Embedding', kind: 'embedding', energyJ: 0.006 * scale },
      { name: 'encoder', instanceType: 'BertEncoder', children: [{ name: 'layer', instanceType: 'ModuleList', children: Array.from({ length: layers }, (_, i) => layer(i)) }] },
    ],
  };
}

/** A prediction around a predicted tree. */
export function prediction(root: PredictedNode, modelName = 'test-model'): PredictionLike {
  return { modelName, profile: { name: 'test-profile' }, batchSize: 1, seqLen: 128, dtype: 'fp32', energyJ: root.energyJ, uncertaintyJ: root.uncertaintyJ, timeS: root.timeS, staticJ: root.staticJ, dynamicJ: root.dynamicJ, regime: root.regime, idlePowerW: 100, warnings: [], root };
}
