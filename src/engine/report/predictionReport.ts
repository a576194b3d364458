/**
 * The JSON report of a prediction: the schema `irene predict --format json`
 * prints and the panel exports. One definition so the CLI, the panel and CI
 * scripts read the same thing.
 */
import type { Dtype, NodeType, PredictedNode, Regime } from '../tree/modelNode.js';

/** One node of the JSON report. */
export interface ReportNode {
  scope: string;
  type: NodeType;
  instanceType: string;
  /** Times the node runs per inference (count). */
  calls: number;
  /** FLOPs of one call (FLOPs). */
  flops: number;
  /** Bytes touched by one call (bytes). */
  memBytes: number;
  /** Parameters (count). */
  parameters: number;
  /** The node's part of the model's energy per inference, all calls (joules); children add up to their parent. */
  energyJ: number;
  /** Energy of all its calls if the node ran on its own (joules): IrEne's per-node prediction. */
  isolatedEnergyJ: number;
  /** One-sigma uncertainty of energyJ (joules). */
  uncertaintyJ: number;
  /** Fraction of the model's energy (0..1). */
  share: number;
  /** The node's part of the model's predicted time per inference (seconds). */
  timeS: number;
  /** Static part of energyJ: idle power x timeS (joules). */
  staticJ: number;
  /** Dynamic part of energyJ: the work above idle (joules). */
  dynamicJ: number;
  /** What bounds the node: `launch` (the CPU issuing kernels), `memory` or `compute`. */
  regime: Regime;
  children: ReportNode[];
}

/** Device-memory estimate of the report. */
export interface ReportMemory {
  /** Whether the run fits in the profile's device memory (true when its capacity is unknown). */
  fits: boolean;
  /** Estimated peak (bytes): weights + activations. */
  totalBytes: number;
  weightBytes: number;
  activationBytes: number;
  /** Device memory (bytes), when known. */
  capacityBytes?: number;
  /** Bytes missing (0 when it fits). */
  shortfallBytes: number;
  /** Smallest number of such devices that hold the weights. */
  devicesForWeights: number;
}

/** How far the inputs lie outside the profile's training data. */
export interface ReportExtrapolation {
  /** ln of the largest factor outside a training range (0 inside). */
  distance: number;
  /** Each input outside its range: name, value, range and factor. */
  dimensions: { name: string; value: number; range: [number, number]; factor: number }[];
}

/** The whole report. */
export interface PredictionReport {
  model: string;
  profile: string;
  batchSize: number;
  seqLen: number;
  dtype: Dtype;
  /** Predicted energy of one inference (joules). */
  energyJ: number;
  /** One-sigma uncertainty (joules). */
  uncertaintyJ: number;
  /** Predicted time of one inference (seconds). */
  timeS: number;
  /** Static energy: idle power x time (joules). */
  staticJ: number;
  /** Dynamic energy above idle (joules). */
  dynamicJ: number;
  /** What bounds the whole model. */
  regime: Regime;
  /** Idle power the static energy was computed with (W). */
  idlePowerW: number;
  memory?: ReportMemory;
  extrapolation?: ReportExtrapolation;
  warnings: string[];
  tree: ReportNode;
}

/** What every prediction carries; the predictor's `Prediction` extends it with the profile's full summary. */
export interface PredictionLike {
  modelName: string;
  profile: { name: string };
  /** Sequences per forward pass (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Predicted energy of one inference (joules). */
  energyJ: number;
  /** One-sigma uncertainty of `energyJ` (joules). */
  uncertaintyJ: number;
  /** Predicted time of one inference (seconds). */
  timeS: number;
  /** Static part of `energyJ`: idle power x time (joules). */
  staticJ: number;
  /** Dynamic part of `energyJ` (joules). */
  dynamicJ: number;
  /** What bounds the whole model. */
  regime: Regime;
  /** Idle power the static energy was computed with (W). */
  idlePowerW: number;
  /** Device-memory fit, where the predictor estimated it. */
  memory?: { fits: boolean; estimate: { totalBytes: number; weightBytes: number; activationBytes: number }; capacityBytes?: number; shortfallBytes: number; devicesForWeights: number };
  /** Extrapolation, where the predictor measured it. */
  extrapolation?: ReportExtrapolation;
  /** Reasons to trust the numbers less; empty when none. */
  warnings: string[];
  root: PredictedNode;
}

/** Converts a predicted node (and its subtree) to the report schema. */
export function toReportNode(p: PredictedNode): ReportNode {
  return {
    scope: p.node.scope,
    type: p.node.type,
    instanceType: p.node.instanceType,
    calls: p.node.calls,
    flops: p.node.flops,
    memBytes: p.node.memBytes,
    parameters: p.node.parameters,
    energyJ: p.energyJ,
    isolatedEnergyJ: p.isolatedEnergyJ,
    uncertaintyJ: p.uncertaintyJ,
    share: p.share,
    timeS: p.timeS,
    staticJ: p.staticJ,
    dynamicJ: p.dynamicJ,
    regime: p.regime,
    children: p.children.map(toReportNode),
  };
}

/** Converts a prediction to the report schema. */
export function toPredictionReport(prediction: PredictionLike): PredictionReport {
  return {
    model: prediction.modelName,
    profile: prediction.profile.name,
    batchSize: prediction.batchSize,
    seqLen: prediction.seqLen,
    dtype: prediction.dtype,
    energyJ: prediction.energyJ,
    uncertaintyJ: prediction.uncertaintyJ,
    timeS: prediction.timeS,
    staticJ: prediction.staticJ,
    dynamicJ: prediction.dynamicJ,
    regime: prediction.regime,
    idlePowerW: prediction.idlePowerW,
    ...(prediction.memory
      ? {
          memory: {
            fits: prediction.memory.fits,
            totalBytes: prediction.memory.estimate.totalBytes,
            weightBytes: prediction.memory.estimate.weightBytes,
            activationBytes: prediction.memory.estimate.activationBytes,
            ...(prediction.memory.capacityBytes !== undefined ? { capacityBytes: prediction.memory.capacityBytes } : {}),
            shortfallBytes: prediction.memory.shortfallBytes,
            devicesForWeights: prediction.memory.devicesForWeights,
          },
        }
      : {}),
    ...(prediction.extrapolation
      ? {
          extrapolation: {
            distance: prediction.extrapolation.distance,
            dimensions: prediction.extrapolation.dimensions.map((d) => ({ name: d.name, value: d.value, range: d.range, factor: d.factor })),
          },
        }
      : {}),
    warnings: [...prediction.warnings],
    tree: toReportNode(prediction.root),
  };
}
