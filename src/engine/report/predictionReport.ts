/**
 * The JSON report of a prediction: the schema `irene predict --format json`
 * prints and the panel exports. One definition so the CLI, the panel and CI
 * scripts read the same thing.
 */
import type { Dtype, NodeType, PredictedNode } from '../tree/modelNode.js';

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
  children: ReportNode[];
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
    warnings: [...prediction.warnings],
    tree: toReportNode(prediction.root),
  };
}
