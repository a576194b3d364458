/**
 * Synthetic measured trees whose energies follow a known law, so that tests
 * can state the right answer without running the code under test:
 * leaf energy = fixed + a x FLOPs + b x bytes per kind; every module costs
 * MODULE_OVERHEAD x the sum of its children; the root the plain sum.
 */
import type { ModelNode, ModelTree, PrimitiveKind } from '../../../src/engine/tree/modelNode.js';

export const MODULE_OVERHEAD = 1.1;

const LAW: Record<string, { fixed: number; perFlop: number; perByte: number }> = {
  linear: { fixed: 0.002, perFlop: 2e-12, perByte: 1e-10 },
  softmax: { fixed: 0.001, perFlop: 5e-12, perByte: 4e-10 },
};

/** Energy (joules per call) of a leaf under the synthetic law. */
export function lawEnergy(kind: string, flops: number, bytes: number): number {
  const l = LAW[kind]!;
  return l.fixed + l.perFlop * flops + l.perByte * bytes;
}

function leaf(scope: string, kind: PrimitiveKind, instanceType: string, flops: number, bytes: number): ModelNode {
  return {
    scope,
    type: 'ml',
    instanceType,
    kind,
    inputShapes: [],
    dtype: 'fp32',
    calls: 1,
    parameters: 0,
    flops,
    memBytes: bytes,
    children: [],
    measured: { energyJ: lawEnergy(kind, flops, bytes) },
  };
}

/** One tree of a model with `layers` layers of width `hidden` at batch x seq. */
export function syntheticTree(model: string, hidden: number, layers: number, batch: number, seq: number): ModelTree {
  const tokens = batch * seq;
  const layerNodes: ModelNode[] = [];
  for (let l = 0; l < layers; l++) {
    const scope = `root.layer.${l}`;
    const lin = leaf(`${scope}.dense`, 'linear', 'Linear', 2 * tokens * hidden * hidden, 4 * (2 * tokens * hidden + hidden * hidden));
    const sm = leaf(`${scope}.softmax.0`, 'softmax', 'softmax', 5 * tokens * seq, 8 * tokens * seq);
    const kids = [lin, sm];
    const sum = kids.reduce((s, k) => s + k.measured!.energyJ, 0);
    layerNodes.push({
      scope,
      type: 'module',
      instanceType: 'Layer',
      inputShapes: [],
      dtype: 'fp32',
      calls: 1,
      parameters: 0,
      flops: lin.flops + sm.flops,
      memBytes: lin.memBytes + sm.memBytes,
      children: kids,
      measured: { energyJ: MODULE_OVERHEAD * sum },
    });
  }
  const total = layerNodes.reduce((s, k) => s + k.measured!.energyJ, 0);
  return {
    modelName: model,
    format: 'synthetic',
    batchSize: batch,
    seqLen: seq,
    dtype: 'fp32',
    root: {
      scope: 'root',
      type: 'model',
      instanceType: 'Model',
      inputShapes: [],
      dtype: 'fp32',
      calls: 1,
      parameters: 0,
      flops: layerNodes.reduce((s, k) => s + k.flops, 0),
      memBytes: layerNodes.reduce((s, k) => s + k.memBytes, 0),
      children: layerNodes,
      measured: { energyJ: total },
    },
    warnings: [],
    measuredModelEnergyJ: total,
  };
}

/** Trees of three models over a small grid of settings. */
export function syntheticForest(): ModelTree[] {
  const out: ModelTree[] = [];
  for (const [m, h, l] of [
    ['small', 256, 2],
    ['medium', 384, 3],
    ['large', 512, 4],
  ] as const) {
    for (const b of [1, 4, 8]) for (const s of [32, 64, 128]) out.push(syntheticTree(m, h, l, b, s));
  }
  return out;
}
