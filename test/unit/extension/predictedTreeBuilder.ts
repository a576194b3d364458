// Builds small predicted trees for the extension's unit tests. Energies are
// given per call; energyJ = perCall x calls and share = energyJ / total, as
// the engine defines them, so tests can derive expectations by hand.
import type { ModelNode, PredictedNode, PredictionLike } from '../../../src/engine/index.js';

export interface Spec {
  scope: string;
  perCallJ?: number;
  calls?: number;
  flops?: number;
  memBytes?: number;
  parameters?: number;
  instanceType?: string;
  configKey?: string;
  line?: number;
  children?: Spec[];
}

function node(spec: Spec): ModelNode {
  return {
    scope: spec.scope,
    type: spec.scope === 'root' ? 'model' : spec.children?.length ? 'module' : 'ml',
    instanceType: spec.instanceType ?? (spec.children?.length ? 'Module' : 'Linear'),
    inputShapes: [],
    dtype: 'bf16',
    calls: spec.calls ?? 1,
    parameters: spec.parameters ?? 0,
    flops: spec.flops ?? 0,
    memBytes: spec.memBytes ?? 0,
    children: (spec.children ?? []).map(node),
    source: spec.configKey !== undefined || spec.line !== undefined ? { configKey: spec.configKey, line: spec.line } : undefined,
  };
}

function predict(n: ModelNode, spec: Spec): PredictedNode {
  const children = n.children.map((c, i) => predict(c, spec.children![i]!));
  // A module's energy is the sum of its children's unless given explicitly.
  const energyJ = spec.perCallJ !== undefined ? spec.perCallJ * n.calls : children.reduce((s, c) => s + c.energyJ, 0);
  return { node: n, energyPerCallJ: energyJ / n.calls, energyJ, isolatedEnergyJ: energyJ, uncertaintyJ: energyJ * 0.1, share: 0, timeS: energyJ / 200, staticJ: energyJ / 2, dynamicJ: energyJ / 2, regime: 'compute', children };
}

function setShares(p: PredictedNode, total: number): void {
  p.share = total > 0 ? p.energyJ / total : 0;
  for (const c of p.children) setShares(c, total);
}

export function predictedTree(spec: Spec): PredictedNode {
  const root = predict(node(spec), spec);
  setShares(root, root.energyJ);
  return root;
}

export function prediction(spec: Spec, extra: Partial<PredictionLike> = {}): PredictionLike {
  const root = predictedTree(spec);
  return {
    modelName: 'test-model',
    profile: { name: 'test-profile' },
    batchSize: 8,
    seqLen: 256,
    dtype: 'bf16',
    energyJ: root.energyJ,
    uncertaintyJ: root.uncertaintyJ,
    timeS: root.timeS,
    staticJ: root.staticJ,
    dynamicJ: root.dynamicJ,
    regime: root.regime,
    idlePowerW: 100,
    warnings: [],
    root,
    ...extra,
  };
}

/** A BERT-like tree: embeddings, two layers tagged num_hidden_layers, a pooler. */
export const BERTISH: Spec = {
  scope: 'root',
  instanceType: 'BertModel',
  children: [
    { scope: 'root.embeddings', instanceType: 'BertEmbeddings', configKey: 'vocab_size', children: [{ scope: 'root.embeddings.word_embeddings', perCallJ: 0.1, instanceType: 'Embedding', parameters: 1000 }] },
    {
      scope: 'root.encoder',
      instanceType: 'BertEncoder',
      children: [
        { scope: 'root.encoder.layer.0', instanceType: 'BertLayer', configKey: 'num_hidden_layers', children: [{ scope: 'root.encoder.layer.0.dense', perCallJ: 0.4, flops: 100, memBytes: 10, parameters: 50, configKey: 'num_hidden_layers' }] },
        { scope: 'root.encoder.layer.1', instanceType: 'BertLayer', configKey: 'num_hidden_layers', children: [{ scope: 'root.encoder.layer.1.dense', perCallJ: 0.4, flops: 100, memBytes: 10, parameters: 50 }] },
      ],
    },
    { scope: 'root.pooler', instanceType: 'BertPooler', children: [{ scope: 'root.pooler.dense', perCallJ: 0.05, calls: 2, flops: 7, memBytes: 3 }] },
  ],
};
