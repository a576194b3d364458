/**
 * The host's CPU-side time rates: models of one depth cannot tell a forward
 * pass's fixed overhead from its cost per kernel; a prior fitted on the same
 * host's other measurements can, and it predicts a model of another depth.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeWork } from '../../../src/engine/features/nodeWork.js';
import { fitTimeModel, observedTime, type TimeModel, type TimeObservation } from '../../../src/engine/predict/timeModel.js';

const RATES = { peakFlopsPerS: 1e15, bandwidthBytesPerS: 3e12 };
/** The host's true rates: kernel issue 20 us, module call 6 us, forward overhead 4 ms (eager PyTorch's order of magnitude). */
const TRUTH: TimeModel = {
  secondsPerFlop: 2e-15,
  secondsPerByte: 6e-13,
  flopExponent: 0.95,
  minSecondsPerFlop: 1e-15,
  kernelGpuS: 2e-6,
  secondsPerHiddenFlop: 1e-12,
  issuePerKernelS: 20e-6,
  issuePerModuleCallS: 6e-6,
  forwardOverheadS: 4e-3,
  overlapExponent: 3,
  replayIssueScale: 2,
  replayOverheadS: 1e-5,
  replayGpuScale: 1,
  replayPerPrimitiveS: 1e-5,
  leafReplayIssueScale: 2,
  leafReplayOverheadS: 1e-5,
};

function work(kernels: number, moduleCalls: number): NodeWork {
  // Tiny kernels: the forward pass is bound by the CPU issuing them.
  const flops = kernels * 1e5;
  const bytes = kernels * 1e4;
  return { flops, memBytes: bytes, trafficBytes: bytes, kernels, moduleCalls, primitives: kernels, rooflineTimeS: 0, computeTimeS: 0, memoryTimeS: 0, hiddenFlops: 0 };
}

/** Kernels and module calls per layer and outside the layers of two architectures (they differ, as BERT's and GPT-2's do). */
const ARCH = { a: [40, 5, 10, 2], b: [30, 8, 12, 3] } as const;

/** A launch-bound forward pass of a model with `layers` layers, timed by the host's true rates. */
function forwardPass(arch: keyof typeof ARCH, layers: number, tokens: number): TimeObservation {
  const [k, k0, m, m0] = ARCH[arch];
  const w = work(k * layers + k0, m * layers + m0);
  const leaf = work(1, 0);
  leaf.flops *= tokens;
  const o: TimeObservation = { work: w, primitives: [{ work: leaf, times: w.kernels }], isRoot: true, isLeaf: false, context: 'forward', timeS: 0, weight: 1 };
  return { ...o, timeS: observedTime(TRUTH, o) };
}

test('a host prior from a richer data set sets the rates one depth cannot tell apart', () => {
  // Two architectures, all 12 layers deep: two points for three rates.
  const twelveLayers = [1, 8, 32].flatMap((t) => [forwardPass('a', 12, t), forwardPass('b', 12, t)]);
  const sixLayers = forwardPass('a', 6, 8);
  const relError = (m: ReturnType<typeof fitTimeModel>): number => Math.abs(observedTime(m, sixLayers) / sixLayers.timeS - 1);

  const alone = fitTimeModel(twelveLayers, { rates: RATES });
    // The same host measured on more models (another dtype's set): four depths of both architectures.
  const richer = [1, 8, 32].flatMap((t) => [forwardPass('a', 12, t), forwardPass('a', 4, t), forwardPass('b', 22, t), forwardPass('b', 6, t)]);
  const host = fitTimeModel(richer, { rates: RATES });
  const withPrior = fitTimeModel(twelveLayers, {
    rates: RATES,
    hostPrior: { issuePerKernelS: host.issuePerKernelS, issuePerModuleCallS: host.issuePerModuleCallS, forwardOverheadS: host.forwardOverheadS },
  });

  // Both fit the 12-layer times; only the one with the host's rates carries over to 6 layers.
  for (const o of twelveLayers) assert.ok(Math.abs(observedTime(withPrior, o) / o.timeS - 1) < 0.02);
  assert.ok(relError(withPrior) < 0.05, `with the host prior: ${(100 * relError(withPrior)).toFixed(1)} % off at 6 layers`);
  assert.ok(relError(alone) > 2 * relError(withPrior), `alone ${(100 * relError(alone)).toFixed(1)} % vs ${(100 * relError(withPrior)).toFixed(1)} %`);
});

test('a host prior outside the bounds is clamped, and a non-finite one ignored', () => {
  const obs = [1, 8].map((t) => forwardPass('a', 12, t));
  const m = fitTimeModel(obs, { rates: RATES, hostPrior: { forwardOverheadS: Number.NaN, issuePerKernelS: 1e9 } });
  assert.ok(Number.isFinite(m.forwardOverheadS) && m.forwardOverheadS > 0);
  assert.ok(m.issuePerKernelS <= 1e-2, 'at most the upper bound');
});
