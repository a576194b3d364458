/**
 * The work of a node and its subtree, per call, in the terms the time and
 * energy models use: FLOPs, bytes, memory traffic, kernel launches, module
 * calls, and the roofline times on a given piece of hardware. All of them are
 * known before running, and all of them grow (never shrink) with batch size,
 * sequence length, width and depth: that is what keeps the predictor
 * monotone in work.
 */
import { DTYPE_BYTES, type Dtype, type ModelNode } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';
import { FLOPS_PER_ELEMENT } from './primitiveCost.js';
import type { HardwareSpec } from '../hardware/hardwareSpec.js';
import { eagerKernels, isModuleCall, memoryTrafficBytes } from './eagerKernels.js';

/** Work of one call of a node, its subtree included. */
export interface NodeWork {
  /** FLOPs per call. */
  flops: number;
  /** Bytes per call (inputs + outputs + parameters of every primitive). */
  memBytes: number;
  /** Bytes moved through device memory per call, once per kernel (see `memoryTrafficBytes`). */
  trafficBytes: number;
  /** GPU kernels launched per call (count). */
  kernels: number;
  /** nn.Module calls per call, this node's own included (count). */
  moduleCalls: number;
  /** Primitive calls per call (count). */
  primitives: number;
  /**
   * Sum over primitives of max(FLOPs / peak, bytes / bandwidth) (seconds):
   * the fastest the subtree could possibly run on this hardware, the lower
   * bound of every time and, times idle power, of every energy.
   */
  rooflineTimeS: number;
  /** Sum over primitives of FLOPs / peak (seconds); 0 when the peak is unknown. */
  computeTimeS: number;
  /** Sum over primitives of traffic / bandwidth (seconds); 0 when the bandwidth is unknown. */
  memoryTimeS: number;
  /**
   * FLOPs per call that modules report beyond their listed children (FLOPs):
   * work their source or measurement did not list as nodes (the IrEne paper's
   * CSVs list no GELUs or adds, but count them in the module's FLOPs; a tree
   * cut down to a profile's vocabulary keeps the dropped ops' FLOPs in its
   * modules the same way). 0 for trees that list every op.
   */
  hiddenFlops: number;
}

/** The peak and bandwidth a roofline is drawn with; absent figures give 0-second terms. */
export interface RooflineRates {
  peakFlopsPerS?: number;
  bandwidthBytesPerS?: number;
}

/** Roofline rates of a hardware spec for a dtype. */
export function rooflineRates(hw: HardwareSpec | undefined, dtype: Dtype): RooflineRates {
  return { peakFlopsPerS: hw?.peakFlopsPerS[dtype], bandwidthBytesPerS: hw?.memoryBandwidthBytesPerS };
}

/**
 * FLOPs per element of a point-wise primitive (softmax, norms, activations,
 * element-wise ops), from the conventions of `primitiveCost.ts`; undefined
 * for primitives whose bytes do not follow from their FLOPs.
 */
function flopsPerElement(node: ModelNode): number | undefined {
  const kind = node.kind ?? primitiveKindOf(node.instanceType);
  const t = node.instanceType.toLowerCase();
  switch (kind) {
    case 'softmax':
      return FLOPS_PER_ELEMENT.softmax;
    case 'layernorm':
      return FLOPS_PER_ELEMENT.layernorm;
    case 'rmsnorm':
      return FLOPS_PER_ELEMENT.rmsnorm;
    case 'elementwise':
      return FLOPS_PER_ELEMENT.elementwise;
    case 'activation':
      return t.includes('gelu') ? FLOPS_PER_ELEMENT.gelu : t.includes('relu') ? FLOPS_PER_ELEMENT.relu : FLOPS_PER_ELEMENT.tanh;
    default:
      return undefined;
  }
}

/**
 * Work of one call of a primitive (leaf). With `ignoreBytes` (training data
 * whose byte counts follow another convention, see `ignoredFeaturesFor`) the
 * byte terms are 0, and the memory traffic of a point-wise primitive is
 * estimated from its FLOPs instead (elements = FLOPs / FLOPs per element, each
 * read and written once per kernel): a LayerNorm is bound by memory, and
 * without its traffic its time would be a launch's.
 */
export function primitiveWork(node: ModelNode, rates: RooflineRates, ignoreBytes = false): NodeWork {
  const fpe = ignoreBytes ? flopsPerElement(node) : undefined;
  const trafficBytes = !ignoreBytes ? memoryTrafficBytes(node) : fpe ? (2 * node.flops * DTYPE_BYTES[node.dtype] * eagerKernels(node)) / fpe : 0;
  const memBytes = ignoreBytes ? 0 : node.memBytes;
  const compute = rates.peakFlopsPerS ? node.flops / rates.peakFlopsPerS : 0;
  const memory = rates.bandwidthBytesPerS ? trafficBytes / rates.bandwidthBytesPerS : 0;
  const memFloor = rates.bandwidthBytesPerS ? memBytes / rates.bandwidthBytesPerS : 0;
  return {
    flops: node.flops,
    memBytes,
    trafficBytes,
    kernels: eagerKernels(node),
    moduleCalls: isModuleCall(node) ? 1 : 0,
    primitives: 1,
    rooflineTimeS: Math.max(compute, memFloor),
    computeTimeS: compute,
    memoryTimeS: memory,
    hiddenFlops: 0,
  };
}

/** An empty accumulator for a module of its own (one module call, nothing else yet). */
export function moduleWork(node: ModelNode): NodeWork {
  return {
    flops: 0,
    memBytes: 0,
    trafficBytes: 0,
    kernels: 0,
    moduleCalls: isModuleCall(node) ? 1 : 0,
    primitives: 0,
    rooflineTimeS: 0,
    computeTimeS: 0,
    memoryTimeS: 0,
    hiddenFlops: 0,
  };
}

/** Adds `times` calls of a child's work to a parent's accumulator (in place). */
export function addWork(into: NodeWork, child: NodeWork, times: number): void {
  into.flops += child.flops * times;
  into.memBytes += child.memBytes * times;
  into.trafficBytes += child.trafficBytes * times;
  into.kernels += child.kernels * times;
  into.moduleCalls += child.moduleCalls * times;
  into.primitives += child.primitives * times;
  into.rooflineTimeS += child.rooflineTimeS * times;
  into.computeTimeS += child.computeTimeS * times;
  into.memoryTimeS += child.memoryTimeS * times;
  into.hiddenFlops += child.hiddenFlops * times;
}

/**
 * Work per call of every node of a tree, children before parents
 * (iterative: trees may be deep). Keyed by node object.
 * @param repeats nodes whose subtree repeats an earlier one (`repeatedSubtrees`): each gets the
 *   first one's work object, and the nodes under it get none (look them up by their first one)
 */
export function treeWork(root: ModelNode, rates: RooflineRates, ignoreBytes = false, repeats?: ReadonlyMap<ModelNode, ModelNode>): Map<ModelNode, NodeWork> {
  const out = new Map<ModelNode, NodeWork>();
  const stack: { node: ModelNode; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.node.children.length) {
      const child = top.node.children[top.next++]!;
      const first = repeats?.get(child);
      // The first occurrence lies wholly before its repeats: its work is done.
      if (first) out.set(child, out.get(first)!);
      else stack.push({ node: child, next: 0 });
      continue;
    }
    stack.pop();
    const n = top.node;
    if (n.children.length === 0) {
      out.set(n, primitiveWork(n, rates, ignoreBytes));
      continue;
    }
    const w = moduleWork(n);
    let listed = 0;
    for (const c of n.children) {
      addWork(w, out.get(c)!, c.calls / n.calls);
      listed += c.flops * (c.calls / n.calls);
    }
    // Relative slack: rolled-up FLOPs equal their children's up to rounding.
    const own = n.flops - listed;
    if (own > 1e-9 * Math.max(1, n.flops)) {
      w.hiddenFlops += own;
      w.flops += own;
    }
    out.set(n, w);
  }
  return out;
}
