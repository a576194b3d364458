/**
 * How long a node takes, from its work and the hardware: the GPU's busy time
 * (each primitive bound by compute or by memory traffic, plus a fixed cost
 * per kernel) against the CPU's time to issue the kernels in eager PyTorch
 * (a cost per kernel, per nn.Module call, and per forward pass). A kernel's
 * compute time grows as FLOPs^beta with a fitted beta <= 1 (large GEMMs keep
 * the GPU busier than small ones), never below the datasheet roofline. On a fast
 * GPU the slower of the two sets the pace, with some overlap lost where they
 * alternate:
 *
 *   T = (G^p + I^p)^(1/p),  p >= 1   (p -> infinity is max(G, I); p = 1 their sum)
 *
 * Every rate is fitted from measured times of the training data (model-level
 * long windows and node replays), never guessed; the GPU rates are bounded by
 * the datasheet (no primitive runs faster than its roofline). A node measured
 * on its own (a replay in a loop, as the measuring harness does) pays more
 * CPU time per kernel than inside a forward pass, so isolated nodes get their
 * own issue scale and per-call overhead.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import type { NodeWork, RooflineRates } from '../features/nodeWork.js';

/** The fitted rates (all >= 0; seconds per unit). */
export interface TimeModel {
  /** GPU seconds per FLOP (>= 1 / peak). */
  secondsPerFlop: number;
  /** GPU seconds per byte of memory traffic (>= 1 / bandwidth). */
  secondsPerByte: number;
  /** How compute time grows with FLOPs per kernel (<= 1: large kernels use the GPU better than small ones). */
  flopExponent: number;
  /** The datasheet's 1 / peak (0 when unknown): no kernel computes faster. */
  minSecondsPerFlop: number;
  /** GPU seconds per kernel beyond its roofline time (launch gap, tail). */
  kernelGpuS: number;
  /** GPU seconds per hidden FLOP (work a module reports beyond its listed children, see `NodeWork.hiddenFlops`). */
  secondsPerHiddenFlop: number;
  /** CPU seconds to issue one kernel inside a forward pass. */
  issuePerKernelS: number;
  /** CPU seconds per nn.Module call inside a forward pass. */
  issuePerModuleCallS: number;
  /** CPU seconds per forward pass of a whole model beyond its kernels and modules (argument handling, masks, outputs). */
  forwardOverheadS: number;
  /** Overlap exponent p of the GPU and CPU times (>= 1). */
  overlapExponent: number;
  /** Issue time of a node replayed on its own, as a multiple of its in-forward issue time. */
  replayIssueScale: number;
  /** Seconds per replayed call on top (the harness's call of the node). */
  replayOverheadS: number;
  /** Seconds per primitive call inside a replayed module on top (each Python-level call pays more when replayed). */
  replayPerPrimitiveS: number;
  /** GPU time of a node replayed on its own, as a multiple of its in-forward GPU time (clocks differ when the board is not loaded). */
  replayGpuScale: number;
  /** Issue scale of a single primitive replayed on its own (a module's replay calls its children; a primitive's is one Python call). */
  leafReplayIssueScale: number;
  /** Seconds per replayed call of a single primitive on top. */
  leafReplayOverheadS: number;
}

/** Where a node runs: inside a forward pass of its model, or replayed on its own (how the harness measures nodes). */
export type TimingContext = 'forward' | 'isolated';

/** Predicted time of one call of a node and its two parts. */
export interface NodeTime {
  /** GPU busy time (seconds). */
  gpuS: number;
  /** CPU time to issue its kernels (seconds). */
  issueS: number;
  /** The combination: wall-clock time per call (seconds). */
  timeS: number;
}

/** GPU busy time of one primitive call (seconds). */
export function primitiveGpuTime(m: TimeModel, w: NodeWork): number {
  const compute = w.flops > 0 ? m.secondsPerFlop * FLOP_REF * Math.pow(w.flops / FLOP_REF, m.flopExponent) : 0;
  return Math.max(compute, w.flops * m.minSecondsPerFlop, w.trafficBytes * m.secondsPerByte) + w.kernels * m.kernelGpuS;
}

/** FLOPs at which the compute term's rate is `secondsPerFlop` (the exponent bends it around this size). */
const FLOP_REF = 1e9;

/** GPU busy time of a module's own hidden work (seconds per call of the module). */
export function hiddenGpuTime(m: TimeModel, ownHiddenFlops: number): number {
  return ownHiddenFlops * m.secondsPerHiddenFlop;
}

/** CPU issue time of one call of a subtree inside a forward pass (seconds); the root adds the per-forward overhead. */
export function issueTime(m: TimeModel, w: NodeWork, isRoot: boolean): number {
  return w.kernels * m.issuePerKernelS + w.moduleCalls * m.issuePerModuleCallS + (isRoot ? m.forwardOverheadS : 0);
}

/**
 * The rates under graph-captured execution (CUDA graphs, as vLLM replays its
 * decode steps and torch.compile's `reduce-overhead` mode does): the CPU no
 * longer issues each kernel and runs each nn.Module call, so those two costs
 * go; the per-forward host work (inputs, outputs, the replay itself: the
 * fitted `forwardOverheadS`) and the GPU's own per-kernel gap stay. Nothing
 * here is fitted on graph-captured runs: it removes measured costs, it adds none.
 */
export function graphCaptured(m: TimeModel): TimeModel {
  return { ...m, issuePerKernelS: 0, issuePerModuleCallS: 0 };
}

/** The overlap of GPU and CPU time (seconds); monotone in both. */
export function combineTimes(m: TimeModel, gpuS: number, issueS: number): number {
  const p = m.overlapExponent;
  const hi = Math.max(gpuS, issueS);
  if (hi <= 0) return 0;
  // Scaled to avoid overflow of large powers.
  return hi * ((gpuS / hi) ** p + (issueS / hi) ** p) ** (1 / p);
}

/**
 * Time of one call of a node (seconds) from its GPU busy time (the sum of its
 * primitives' `primitiveGpuTime`, calls included) and its work.
 */
export function nodeTime(m: TimeModel, gpuS: number, w: NodeWork, isRoot: boolean, context: TimingContext, isLeaf = false): NodeTime {
  const fwd = issueTime(m, w, isRoot);
  if (context === 'forward' || isRoot) return { gpuS, issueS: fwd, timeS: combineTimes(m, gpuS, fwd) };
  const gpu = gpuS * m.replayGpuScale;
  const issueS = isLeaf
    ? fwd * m.leafReplayIssueScale + m.leafReplayOverheadS
    : fwd * m.replayIssueScale + w.primitives * m.replayPerPrimitiveS + m.replayOverheadS;
  return { gpuS: gpu, issueS, timeS: combineTimes(m, gpu, issueS) };
}

/** One measured time the model is fitted on. */
export interface TimeObservation {
  work: NodeWork;
  /** GPU busy time of the node under the model being fitted is derived from these (per primitive, calls included). */
  primitives: readonly { work: NodeWork; times: number }[];
  isRoot: boolean;
  /** A primitive (no children). */
  isLeaf: boolean;
  context: TimingContext;
  /** Measured seconds per call. */
  timeS: number;
  /** Weight in the fit (sums need not be 1). */
  weight: number;
}

/**
 * The fit's parameters: bounds and a weak prior (a plausible centre on the
 * log scale for eager PyTorch on a current GPU; its pull is small next to the
 * data but keeps rates the data cannot tell apart, such as the cost per kernel
 * and per module call on a handful of models, from running to their bounds).
 * `stage`: `forward` rates are fitted on whole-model times, `module` ones on
 * module replays and `leaf` ones on primitive replays, each with the rates
 * of the stages before it held.
 */
interface ParamSpec {
  name: keyof TimeModel;
  lower: number;
  upper: number;
  prior: number;
  stage: 'forward' | 'module' | 'leaf';
  /** Pull of the prior (observations' worth at a factor of e); PRIOR_WEIGHT unless a host prior sets it. */
  weight?: number;
}

function specs(rates: RooflineRates): ParamSpec[] {
  const peakLower = rates.peakFlopsPerS ? 1 / rates.peakFlopsPerS : 1e-16;
  const bwLower = rates.bandwidthBytesPerS ? 1 / rates.bandwidthBytesPerS : 1e-14;
  return [
    // Eager kernels reach roughly half the datasheet peak and bandwidth.
    { name: 'secondsPerFlop', lower: peakLower, upper: 1e-6, prior: rates.peakFlopsPerS ? 2 * peakLower : 1e-13, stage: 'forward' },
    { name: 'secondsPerByte', lower: bwLower, upper: 1e-6, prior: rates.bandwidthBytesPerS ? 2 * bwLower : 1e-11, stage: 'forward' },
    { name: 'flopExponent', lower: 0.6, upper: 1.0, prior: 0.95, stage: 'forward' },
    { name: 'kernelGpuS', lower: 1e-9, upper: 1e-3, prior: 2e-6, stage: 'forward' },
    // Hidden work is element-wise in practice (activations, adds): memory-bound, slow per FLOP.
    { name: 'secondsPerHiddenFlop', lower: 1e-18, upper: 1e-6, prior: rates.bandwidthBytesPerS ? 4 * bwLower : 1e-11, stage: 'forward' },
    { name: 'issuePerKernelS', lower: 1e-8, upper: 1e-2, prior: 1e-5, stage: 'forward' },
    { name: 'issuePerModuleCallS', lower: 1e-9, upper: 1e-2, prior: 5e-6, stage: 'forward' },
    { name: 'forwardOverheadS', lower: 1e-7, upper: 1, prior: 1e-3, stage: 'forward' },
    // Stored as 1 + exp(v): p >= 1 by construction.
    { name: 'overlapExponent', lower: 1 + 1e-3, upper: 51, prior: 3, stage: 'forward' },
    { name: 'replayIssueScale', lower: 0.2, upper: 50, prior: 2, stage: 'module' },
    { name: 'replayOverheadS', lower: 1e-8, upper: 1e-2, prior: 1e-5, stage: 'module' },
    { name: 'replayGpuScale', lower: 0.3, upper: 3, prior: 1, stage: 'module' },
    { name: 'replayPerPrimitiveS', lower: 1e-9, upper: 1e-2, prior: 1e-5, stage: 'module' },
    { name: 'leafReplayIssueScale', lower: 0.2, upper: 50, prior: 2, stage: 'leaf' },
    { name: 'leafReplayOverheadS', lower: 1e-8, upper: 1e-2, prior: 1e-5, stage: 'leaf' },
  ];
}

const toLog = (s: ParamSpec, v: number): number => (s.name === 'overlapExponent' ? Math.log(v - 1) : Math.log(v));
const fromLog = (s: ParamSpec, v: number): number => (s.name === 'overlapExponent' ? 1 + Math.exp(v) : Math.exp(v));

/** Seconds of one observation under a model. */
export function observedTime(m: TimeModel, o: TimeObservation): number {
  let gpu = o.work.hiddenFlops * m.secondsPerHiddenFlop;
  for (const p of o.primitives) gpu += primitiveGpuTime(m, p.work) * p.times;
  return nodeTime(m, gpu, o.work, o.isRoot, o.context, o.isLeaf).timeS;
}

/**
 * The rates that belong to the host's CPU and software stack, not to the GPU
 * or the dtype: issuing a kernel, calling an nn.Module and a forward pass's own
 * overhead cost the same CPU time whether the kernels then run in bf16 or fp32.
 */
export const HOST_TIME_FIELDS = ['issuePerKernelS', 'issuePerModuleCallS', 'forwardOverheadS'] as const;

/** Host rates fitted on other measurements of the same host (seconds; see {@link HOST_TIME_FIELDS}). */
export type HostTimePrior = Partial<Pick<TimeModel, (typeof HOST_TIME_FIELDS)[number]>>;

/** Options of {@link fitTimeModel}. */
export interface FitTimeOptions {
  rates: RooflineRates;
  /**
   * Centres for the host rates from another fit on the same host (another
   * dtype's measurements), pulled towards with HOST_PRIOR_WEIGHT. A data set
   * whose models all have the same depth cannot tell a forward pass's fixed
   * overhead from its cost per kernel; another dtype's models can.
   */
  hostPrior?: HostTimePrior;
  signal?: AbortSignal;
}

/** Strength of the prior: one observation's weight per parameter at a factor of e from its centre. */
const PRIOR_WEIGHT = 0.05;

/**
 * Strength of a host prior: measured on the same CPU, it is evidence, not a
 * guess, but the fit's own data may still move it (its residuals are a few
 * percent in log time; a factor of e here costs as much as HOST_PRIOR_WEIGHT
 * observations missed by a factor of e).
 */
const HOST_PRIOR_WEIGHT = 1;

/**
 * Least squares on log time with a weak log-normal prior per parameter
 * (Levenberg-Marquardt, ml-levenberg-marquardt), from the prior and two other
 * starts, keeping the lowest loss. `free` names the parameters fitted; the
 * others stay at `base`.
 */
function fitStage(obs: readonly TimeObservation[], free: ParamSpec[], base: TimeModel, signal?: AbortSignal): TimeModel {
  if (obs.length === 0 || free.length === 0) return base;
  const totalWeight = obs.reduce((s, o) => s + o.weight, 0);
  // Weights go into the residuals (the package's own weights scale its Hessian differently from its
  // error), normalised to a mean of 1 so that its damping is on the scale of the problem.
  const scale = obs.map((o) => Math.sqrt((o.weight * obs.length) / totalWeight));
  const logT = obs.map((o) => Math.log(o.timeS));
  const model = (v: readonly number[]): TimeModel => {
    const m = { ...base };
    free.forEach((p, k) => (m[p.name] = fromLog(p, v[k]!)));
    return m;
  };
  const n = obs.length;
  const priorScale = free.map((p) => Math.sqrt(p.weight ?? PRIOR_WEIGHT));
  const residual = (m: TimeModel, v: readonly number[], i: number): number =>
    i < n ? scale[i]! * (Math.log(observedTime(m, obs[i]!)) - logT[i]!) : priorScale[i - n]! * (v[i - n]! - toLog(free[i - n]!, free[i - n]!.prior));
  const x = Array.from({ length: n + free.length }, (_, i) => i);
  const loss = (v: number[]): number => {
    const m = model(v);
    let s = 0;
    for (const i of x) s += residual(m, v, i) ** 2;
    return s;
  };
  const lower = free.map((p) => toLog(p, p.lower));
  const upper = free.map((p) => toLog(p, p.upper));
  const clamp = (v: number[]): number[] => v.map((t, k) => Math.min(upper[k]!, Math.max(lower[k]!, t)));
  const starts = [
    free.map((p) => toLog(p, p.prior)),
    free.map((p, k) => toLog(p, p.prior) + (k % 2 === 0 ? -0.7 : 0.5)),
    free.map((p, k) => toLog(p, p.prior) + (k % 2 === 0 ? 0.7 : -0.5)),
  ];
  let best = clamp(starts[0]!);
  let bestLoss = loss(best);
  for (const start of starts) {
    if (signal?.aborted) break;
    const fit = levenbergMarquardt(
      { x, y: x.map(() => 0) },
      (v) => {
        const m = model(v);
        return (i) => residual(m, v, i);
      },
      {
        initialValues: clamp(start),
        minValues: lower,
        maxValues: upper,
        maxIterations: 300,
        damping: 1e-3,
        gradientDifference: 1e-5,
        centralDifference: true,
        errorTolerance: 1e-12,
        improvementThreshold: 1e-6,
      },
    );
    const l = loss(fit.parameterValues);
    if (l < bestLoss) {
      bestLoss = l;
      best = fit.parameterValues;
    }
  }
  return model(best);
}

/**
 * Fits the rates to measured times in three stages, each holding the rates
 * of the stages before: the in-forward rates on the whole-model times (what
 * users read: the time of a forward pass), the modules' replay rates on the
 * module replays, the primitives' replay rates on the primitive replays (a
 * single op replayed from Python costs what no call inside a forward pass
 * does, and there are thousands of them: fitted together, they would set the
 * in-forward rates). Without whole-model times the first stage uses every
 * observation. GPU rates are bounded below by the datasheet roofline where
 * the hardware is known. Observations with non-positive times are ignored.
 */
export function fitTimeModel(observations: readonly TimeObservation[], options: FitTimeOptions): TimeModel {
  const obs = observations.filter((o) => o.timeS > 0 && Number.isFinite(o.timeS) && o.weight > 0);
  const host = options.hostPrior ?? {};
  const all = specs(options.rates).map((p) => {
    const centre = (host as Partial<Record<keyof TimeModel, number>>)[p.name];
    return centre !== undefined && Number.isFinite(centre) && centre > 0
      ? { ...p, prior: Math.min(p.upper, Math.max(p.lower, centre)), weight: HOST_PRIOR_WEIGHT }
      : p;
  });
  const prior = { ...(Object.fromEntries(all.map((p) => [p.name, p.prior])) as unknown as TimeModel), minSecondsPerFlop: options.rates.peakFlopsPerS ? 1 / options.rates.peakFlopsPerS : 0 };
  const roots = obs.filter((o) => o.isRoot);
  const stage = (name: ParamSpec['stage']): ParamSpec[] => all.filter((p) => p.stage === name);
  const forward = fitStage(roots.length > 0 ? roots : obs, stage('forward'), prior, options.signal);
  const modules = fitStage(obs.filter((o) => !o.isRoot && !o.isLeaf), stage('module'), forward, options.signal);
  return fitStage(obs.filter((o) => o.isLeaf), stage('leaf'), modules, options.signal);
}

/** Names of the time model's fields, in a stable order (profile validation). */
export const TIME_MODEL_FIELDS: readonly (keyof TimeModel)[] = [
  'secondsPerFlop',
  'secondsPerByte',
  'flopExponent',
  'minSecondsPerFlop',
  'kernelGpuS',
  'secondsPerHiddenFlop',
  'issuePerKernelS',
  'issuePerModuleCallS',
  'forwardOverheadS',
  'overlapExponent',
  'replayIssueScale',
  'replayOverheadS',
  'replayGpuScale',
  'replayPerPrimitiveS',
  'leafReplayIssueScale',
  'leafReplayOverheadS',
];
