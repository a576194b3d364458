/**
 * Whether a forward pass fits in device memory: the weights, plus the largest
 * set of activations alive at one time. In eager attention that is the
 * B x H x S x S score tensor, held in the compute dtype and, where the softmax
 * upcasts (Llama computes it in fp32), in fp32 as well. A run that does not
 * fit cannot happen on the profile's device; the prediction still comes back,
 * with a warning that says by how much it falls short.
 */
import { DTYPE_BYTES, type ModelTree } from '../tree/modelNode.js';
import { forEachNode } from '../tree/treeWalk.js';
import { numel } from '../features/primitiveCost.js';
import type { HardwareSpec } from './hardwareSpec.js';

/** Estimated peak device memory of one forward pass (bytes). */
export interface MemoryEstimate {
  /** Parameters x bytes per element (bytes). */
  weightBytes: number;
  /**
   * Activations alive at the peak (bytes): the inputs and outputs of the
   * largest primitive call, plus the hidden states its block was given
   * (which the residual connection keeps alive).
   */
  activationBytes: number;
  /** Scope of the primitive at the peak. */
  peakScope: string;
  /** weightBytes + activationBytes (bytes). */
  totalBytes: number;
}

/** How an estimate compares with a device. */
export interface MemoryFit {
  estimate: MemoryEstimate;
  /** Device memory (bytes); undefined when the profile does not know it. */
  capacityBytes?: number;
  /** True when the estimate fits (or the capacity is unknown). */
  fits: boolean;
  /** Bytes missing when it does not fit (0 otherwise). */
  shortfallBytes: number;
  /** Smallest number of such devices whose memory holds the weights alone (1 when they fit on one). */
  devicesForWeights: number;
}

/**
 * Peak memory of a forward pass (bytes). Parameters are counted once (a
 * module that runs several times, like ALBERT's shared layer, shares its
 * weights); activations at the element widths the tree records (`memBytes`
 * minus the primitive's own parameters).
 */
export function estimateForwardMemory(tree: ModelTree): MemoryEstimate {
  const b = DTYPE_BYTES[tree.dtype];
  const weightBytes = tree.root.parameters * b;
  let peak = 0;
  let peakScope = tree.root.scope;
  let hidden = 0;
  forEachNode(tree.root, (node) => {
    if (node.children.length > 0) return;
    const act = Math.max(0, node.memBytes - node.parameters * b);
    if (act > peak) {
      peak = act;
      peakScope = node.scope;
    }
    // The widest single input any primitive reads stands in for the hidden states kept alive beside it.
    // An index loop: no iterator object per leaf while the code is still interpreted.
    const shapes = node.inputShapes;
    for (let k = 0; k < shapes.length; k++) hidden = Math.max(hidden, numel(shapes[k]!) * b);
  });
  const activationBytes = peak + hidden;
  return { weightBytes, activationBytes, peakScope, totalBytes: weightBytes + activationBytes };
}

/** Compares an estimate with the device memory of `hardware`. */
export function fitInMemory(estimate: MemoryEstimate, hardware: HardwareSpec): MemoryFit {
  const cap = hardware.memoryCapacityBytes;
  if (!cap) return { estimate, fits: true, shortfallBytes: 0, devicesForWeights: 1 };
  const shortfall = Math.max(0, estimate.totalBytes - cap);
  return {
    estimate,
    capacityBytes: cap,
    fits: shortfall === 0,
    shortfallBytes: shortfall,
    devicesForWeights: Math.max(1, Math.ceil(estimate.weightBytes / cap)),
  };
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes >= 1e10 ? 0 : 1)} GB`;
}

/** The warning for a run that does not fit, naming the shortfall and the devices the weights need; undefined when it fits. */
export function memoryWarning(fit: MemoryFit, hardware: HardwareSpec): string | undefined {
  if (fit.fits || fit.capacityBytes === undefined) return undefined;
  const e = fit.estimate;
  const weightsNote =
    fit.devicesForWeights > 1
      ? `; the weights alone need at least ${fit.devicesForWeights} such GPUs`
      : `; the weights fit, the activations do not (largest at ${e.peakScope}: use a smaller batch or sequence, or fused attention)`;
  return (
    `does not fit in memory: about ${gb(e.totalBytes)} (weights ${gb(e.weightBytes)} + activations ${gb(e.activationBytes)}) ` +
    `on ${hardware.name} with ${gb(fit.capacityBytes)}, short by ${gb(fit.shortfallBytes)}${weightsNote}; this run cannot happen as predicted`
  );
}
