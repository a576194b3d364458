import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forward, lossAndGradient, type FlatForest } from '../../../src/engine/predict/aggregation.js';
import { createPrng } from '../../../src/engine/predict/prng.js';

/**
 * A hand-built forest of two trees:
 *   tree A: root 0 <- module 1 <- leaves 2, 3 (leaf 3 runs twice per call of 1); root 0 <- leaf 4
 *   tree B: root 5 <- leaf 6, leaf 7
 * Post-order: 2 3 1 4 0 6 7 5.
 */
function forest(d: number): FlatForest {
  const rand = createPrng(7);
  const n = 8;
  const feat = new Float64Array(n * d);
  for (let i = 0; i < feat.length; i++) feat[i] = 2 * rand() - 1;
  const target = Float64Array.from([9, 4, NaN, NaN, NaN, 3, NaN, NaN]);
  const lossWeight = new Float64Array(n);
  // Modules and roots each weigh half, as the trainer sets them.
  lossWeight[1] = 0.5;
  lossWeight[0] = 0.25;
  lossWeight[5] = 0.25;
  return {
    n,
    d,
    parent: Int32Array.from([-1, 0, 1, 1, 0, -1, 5, 5]),
    ratio: Float64Array.from([1, 1, 1, 2, 1, 1, 1, 3]),
    leaf: Uint8Array.from([0, 0, 1, 1, 1, 0, 1, 1]),
    leafPred: Float64Array.from([0, 0, 1.5, 0.7, 2.0, 0, 0.4, 0.9]),
    // Leaves' own static terms, and the modules' times (static energy per watt).
    offset: Float64Array.from([0, 0, 0.2, 0.1, 0.3, 0, 0.05, 0.05]),
    perWatt: Float64Array.from([0.01, 0.004, 0, 0, 0, 0.002, 0, 0]),
    staticPowerW: 100,
    // The modules' issue times (issue energy per watt of issue power).
    issueS: Float64Array.from([0.003, 0.001, 0, 0, 0, 0.0015, 0, 0]),
    issuePowerW: 40,
    cap: new Float64Array(n).fill(Infinity),
    feat,
    target,
    order: Int32Array.from([2, 3, 1, 4, 0, 6, 7, 5]),
    lossWeight,
  };
}

test('forward computes the weighted sums by hand', () => {
  const f = forest(2);
  const w = [0.3, -0.2];
  const b = 0.1;
  const tau = 2;
  const g = (i: number): number => 1 + Math.tanh(b + w[0]! * f.feat[i * 2]! + w[1]! * f.feat[i * 2 + 1]!) / tau;
  const p1 = g(2) * 1.5 + g(3) * 0.7 * 2;
  const p0 = g(1) * p1 + g(4) * 2.0;
  const p5 = g(6) * 0.4 + g(7) * 0.9 * 3;
  const { pred } = forward(f, w, b, tau);
  assert.ok(Math.abs(pred[1]! - p1) < 1e-12);
  assert.ok(Math.abs(pred[0]! - p0) < 1e-12);
  assert.ok(Math.abs(pred[5]! - p5) < 1e-12);
});

test('the hand-derived gradient matches central finite differences', () => {
  const d = 3;
  const f = forest(d);
  const w = [0.4, -0.3, 0.8];
  const b = -0.2;
  const tau = 1.5;
  const l2 = 0.01;
  const { gradW, gradB } = lossAndGradient(f, w, b, tau, l2);
  const h = 1e-6;
  for (let j = 0; j < d; j++) {
    const up = [...w];
    const down = [...w];
    up[j]! += h;
    down[j]! -= h;
    const fd = (lossAndGradient(f, up, b, tau, l2).loss - lossAndGradient(f, down, b, tau, l2).loss) / (2 * h);
    assert.ok(Math.abs(fd - gradW[j]!) < 1e-6 * Math.max(1, Math.abs(fd)), `w${j}: analytic ${gradW[j]} vs numeric ${fd}`);
  }
  const fdB = (lossAndGradient(f, w, b + h, tau, l2).loss - lossAndGradient(f, w, b - h, tau, l2).loss) / (2 * h);
  assert.ok(Math.abs(fdB - gradB) < 1e-6 * Math.max(1, Math.abs(fdB)), `b: analytic ${gradB} vs numeric ${fdB}`);
  // The static power's gradient, which training follows where the idle draw is unknown.
  const { gradStaticPower } = lossAndGradient(f, w, b, tau, l2);
  const at = (p: number): number => lossAndGradient({ ...f, staticPowerW: p }, w, b, tau, l2).loss;
  const fdP = (at(100 + 1e-4) - at(100 - 1e-4)) / 2e-4;
  assert.ok(Math.abs(fdP - gradStaticPower) < 1e-6 * Math.max(1, Math.abs(fdP)), `P: analytic ${gradStaticPower} vs numeric ${fdP}`);
  assert.ok(Math.abs(gradStaticPower) > 1e-6);
  // The issue power's gradient, which training follows for every profile.
  const { gradIssuePower } = lossAndGradient(f, w, b, tau, l2);
  const atIssue = (p: number): number => lossAndGradient({ ...f, issuePowerW: p }, w, b, tau, l2).loss;
  const fdI = (atIssue(40 + 1e-4) - atIssue(40 - 1e-4)) / 2e-4;
  assert.ok(Math.abs(fdI - gradIssuePower) < 1e-6 * Math.max(1, Math.abs(fdI)), `issue power: analytic ${gradIssuePower} vs numeric ${fdI}`);
  assert.ok(Math.abs(gradIssuePower) > 1e-6);
  assert.ok(gradW.some((g) => Math.abs(g) > 1e-3), 'the check must not pass on an all-zero gradient');
});

test('a node is capped at the power limit x its time, and the capped node passes no gradient', () => {
  const f = forest(2);
  const w = [0.3, -0.2];
  // Cap the model of tree B far below its energy.
  f.cap[5] = 0.5;
  const { pred } = forward(f, w, 0, 1);
  assert.equal(Math.min(f.offset[5]! + f.staticPowerW * f.perWatt[5]! + pred[5]!, f.cap[5]!), 0.5);
  const only = { ...f, lossWeight: Float64Array.from([0, 0, 0, 0, 0, 1, 0, 0]) };
  const g = lossAndGradient(only, w, 0, 1);
  assert.ok(g.gradW.every((x) => x === 0) && g.gradB === 0 && g.gradStaticPower === 0);
});
