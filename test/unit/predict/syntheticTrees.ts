/**
 * Synthetic measured trees that follow a known physical law, so that tests
 * can state the right answer without running the code under test:
 *
 * - a leaf takes t = LAUNCH_S + max(FLOPs / PEAK, bytes / BANDWIDTH) and costs
 *   IDLE_W x t + a x FLOPs + b x bytes (per kind);
 * - a module takes the sum of its children's times and costs IDLE_W x t +
 *   MODULE_OVERHEAD x the sum of its children's dynamic energy;
 * - the root likewise, plus a fixed FORWARD_S of time.
 */
import type { HardwareSpec } from '../../../src/engine/hardware/hardwareSpec.js';
import type { ModelNode, ModelTree, PrimitiveKind } from '../../../src/engine/tree/modelNode.js';

export const MODULE_OVERHEAD = 1.1;
export const IDLE_W = 100;
export const PEAK = 1e13;
export const BANDWIDTH = 1e12;
export const LAUNCH_S = 2e-5;
export const FORWARD_S = 1e-3;

/** The machine the synthetic data pretends to be measured on. */
export const TEST_HARDWARE: HardwareSpec = {
  name: 'synthetic accelerator',
  peakFlopsPerS: { fp32: PEAK, bf16: 8 * PEAK, fp16: 8 * PEAK },
  memoryBandwidthBytesPerS: BANDWIDTH,
  memoryCapacityBytes: 16e9,
  idlePowerW: IDLE_W,
  powerLimitW: 4000,
  sources: { idlePowerW: { origin: 'measured', note: 'synthetic' } },
};

const LAW: Record<string, { perFlop: number; perByte: number }> = {
  linear: { perFlop: 2e-12, perByte: 1e-10 },
  softmax: { perFlop: 5e-12, perByte: 4e-10 },
};

/** Seconds of one leaf call under the synthetic law. */
export function lawTime(flops: number, bytes: number): number {
  return LAUNCH_S + Math.max(flops / PEAK, bytes / BANDWIDTH);
}

/** Dynamic energy (joules per call) of a leaf under the synthetic law. */
export function lawDynamic(kind: string, flops: number, bytes: number): number {
  const l = LAW[kind]!;
  return l.perFlop * flops + l.perByte * bytes;
}

/** Energy (joules per call) of a leaf measured on its own under the synthetic law. */
export function lawEnergy(kind: string, flops: number, bytes: number): number {
  return IDLE_W * lawTime(flops, bytes) + lawDynamic(kind, flops, bytes);
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
    measured: { energyJ: lawEnergy(kind, flops, bytes), runtime: { timesMean: lawTime(flops, bytes) } },
  };
}

/** One tree of a model with `layers` layers of width `hidden` at batch x seq. */
export function syntheticTree(model: string, hidden: number, layers: number, batch: number, seq: number): ModelTree {
  const tokens = batch * seq;
  const layerNodes: ModelNode[] = [];
  let rootTime = FORWARD_S;
  let rootDynamic = 0;
  for (let l = 0; l < layers; l++) {
    const scope = `root.layer.${l}`;
    const lin = leaf(`${scope}.dense`, 'linear', 'Linear', 2 * tokens * hidden * hidden, 4 * (2 * tokens * hidden + hidden * hidden));
    const sm = leaf(`${scope}.softmax.0`, 'softmax', 'softmax', 5 * tokens * seq, 8 * tokens * seq);
    const kids = [lin, sm];
    const time = kids.reduce((s, k) => s + k.measured!.runtime!.timesMean!, 0);
    const dynamic = MODULE_OVERHEAD * kids.reduce((s, k) => s + lawDynamic(k.kind!, k.flops, k.memBytes), 0);
    rootTime += time;
    rootDynamic += dynamic;
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
      measured: { energyJ: IDLE_W * time + dynamic, runtime: { timesMean: time } },
    });
  }
  const total = IDLE_W * rootTime + rootDynamic;
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
      measured: { energyJ: total, runtime: { timesMean: rootTime } },
    },
    warnings: [],
    measuredModelEnergyJ: total,
    measuredModelTimeS: rootTime,
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
