import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SAME_PROFILE_CORRELATION,
  deltaUncertaintyJ,
  energyDelta,
  predictionCorrelation,
  systematicUncertaintyJ,
  type PredictionIdentity,
} from '../../../src/engine/budget/deltaUncertainty.js';

/** Seeded normal draws (Box-Muller on a small LCG), so the simulation is repeatable. */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

test('the sigma of a difference matches a simulation of correlated errors', () => {
  const draw = normals(7);
  for (const [s1, s2, rho] of [
    [0.3, 0.35, 0.75],
    [1, 1, 0.9],
    [0.2, 0.5, 0],
    [0.4, 0.1, 0.5],
  ] as const) {
    const n = 40_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      // e2 = rho z1 + sqrt(1 - rho^2) z2: corr(e1, e2) = rho by construction.
      const z1 = draw();
      const z2 = draw();
      const d = s2 * (rho * z1 + Math.sqrt(1 - rho * rho) * z2) - s1 * z1;
      sum += d;
      sq += d * d;
    }
    const sd = Math.sqrt(sq / n - (sum / n) ** 2);
    const formula = deltaUncertaintyJ(s1, s2, rho);
    assert.ok(Math.abs(sd - formula) / formula < 0.02, `s1 ${s1}, s2 ${s2}, rho ${rho}: simulated ${sd}, formula ${formula}`);
  }
});

test('limits of the formula: independent is the quadrature sum, fully correlated equal errors cancel', () => {
  assert.equal(deltaUncertaintyJ(3, 4, 0), 5);
  assert.equal(deltaUncertaintyJ(2, 2, 1), 0);
  assert.ok(Math.abs(deltaUncertaintyJ(2, 5, 1) - 3) < 1e-12);
  assert.ok(deltaUncertaintyJ(1, 1, SAME_PROFILE_CORRELATION) < deltaUncertaintyJ(1, 1, 0));
});

test('errors are correlated only for the same profile, profile numbers, dtype and architecture', () => {
  const a: PredictionIdentity = { profile: 'h100-bf16', profileFingerprint: 'f1', dtype: 'bf16', architecture: 'BertModel' };
  assert.equal(predictionCorrelation(a, { ...a }).rho, SAME_PROFILE_CORRELATION);
  for (const b of [{ ...a, profile: 'h100-fp32' }, { ...a, profileFingerprint: 'f2' }, { ...a, dtype: 'fp16' }, { ...a, architecture: 'GPT2Model' }]) {
    const c = predictionCorrelation(a, b);
    assert.equal(c.rho, 0, JSON.stringify(b));
    assert.match(c.reason, /independent/);
  }
  // A side without a fingerprint (an older report) is compared by name.
  const { profileFingerprint: _dropped, ...noPrint } = a;
  assert.equal(predictionCorrelation(noPrint, a).rho, SAME_PROFILE_CORRELATION);
});

test('the systematic part is the profile model-level error as a sigma, capped by the total', () => {
  const p = (modelPct: number | undefined, uncertaintyJ = 1) => ({ energyJ: 10, uncertaintyJ, profile: modelPct === undefined ? { name: 'x' } : { name: 'x', crossValidation: { modelPct } } });
  // MAPE 8 % of a normal error is a sigma of 8 % x sqrt(pi/2).
  assert.ok(Math.abs(systematicUncertaintyJ(p(8, 5)) - 10 * 0.08 * Math.sqrt(Math.PI / 2)) < 1e-12);
  assert.equal(systematicUncertaintyJ(p(80)), 1, 'never more than the whole sigma');
  assert.equal(systematicUncertaintyJ(p(undefined)), 1, 'unknown: all of it');
});

test('a change inside the sigma of the difference is not significant; outside it is', () => {
  const same = predictionCorrelation({ profile: 'p', dtype: 'bf16', architecture: 'A' }, { profile: 'p', dtype: 'bf16', architecture: 'A' });
  const base = { energyJ: 10, uncertaintyJ: 2, systematicJ: 1 };
  const sigma = deltaUncertaintyJ(1, 1, SAME_PROFILE_CORRELATION);
  const inside = energyDelta(base, { energyJ: 10 + sigma * 0.9, uncertaintyJ: 2, systematicJ: 1 }, same);
  assert.equal(inside.significant, false);
  assert.ok(Math.abs(inside.sigmaJ - sigma) < 1e-12, 'judged by the systematic parts, not the whole sigmas');
  const outside = energyDelta(base, { energyJ: 10 + sigma * 1.1, uncertaintyJ: 2, systematicJ: 1 }, same);
  assert.equal(outside.significant, true);
  assert.ok(Math.abs(outside.relative! - (sigma * 1.1) / 10) < 1e-12);
  assert.equal(energyDelta(base, base, same).deltaJ, 0);
});
