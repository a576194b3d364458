import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitRegression, fitSelectedRegression, predictRegression, splitPrediction } from '../../../src/engine/predict/primitiveRegression.js';
import { nonNegativeLeastSquares } from '../../../src/engine/predict/nonNegativeLeastSquares.js';

const close = (a: number, b: number, rel = 1e-8): boolean => Math.abs(a - b) <= rel * Math.abs(b);

test('recovers energy = c + a x flops + b x bytes exactly, with a duplicate column', () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 1; i <= 12; i++) {
    const flops = 1e6 * i * i;
    const bytes = 1e4 * ((i * 7) % 5 + 1);
    x.push([1, flops, bytes, flops]); // constant column, duplicate column
    y.push(0.01 + 3e-9 * flops + 2e-7 * bytes);
  }
  const m = fitRegression(x, y, [0, 1, 2, 3]);
  for (const [flops, bytes] of [
    [5e6, 2e4],
    [7e7, 4e4],
  ] as const) {
    const want = 0.01 + 3e-9 * flops + 2e-7 * bytes;
    assert.ok(close(predictRegression(m, [1, flops, bytes, flops]), want, 1e-7), `${predictRegression(m, [1, flops, bytes, flops])} vs ${want}`);
  }
});

test('no coefficient is negative: a fall in energy with work is not learned, and predictions never turn negative', () => {
  // energy = 1 - 0.1 x on x in 0..5: a free fit would predict negative energy at x = 20.
  const x = [0, 1, 2, 3, 4, 5].map((v) => [1, v]);
  const y = x.map(([, v]) => 1 - 0.1 * v!);
  const m = fitRegression(x, y, [0, 1]);
  assert.ok(m.coef.every((c) => c >= 0), `coef ${m.coef}`);
  const p = predictRegression(m, [1, 20]);
  assert.ok(p > 0, `got ${p}`);
  // Monotone: more of the work column never costs less.
  for (let v = 0; v < 30; v++) assert.ok(predictRegression(m, [1, v + 1]) >= predictRegression(m, [1, v]));
});

test('non-negative least squares drops a column that would enter with a negative sign and matches the exact fit otherwise', () => {
  // y = 2 + 3 u exactly, and v = 10 - u: a free fit could use v negatively.
  const rows = [1, 2, 3, 4, 5].map((u) => [1, u, 10 - u]);
  const y = rows.map(([, u]) => 2 + 3 * u!);
  const c = nonNegativeLeastSquares(rows, y);
  assert.ok(c.every((v) => v >= 0), `coef ${c}`);
  const pred = rows.map((r) => r.reduce((s, v, j) => s + v * c[j]!, 0));
  pred.forEach((p, i) => assert.ok(close(p, y[i]!, 1e-9), `${p} vs ${y[i]}`));
  // With all-positive truth it is plain least squares.
  const r2 = [1, 2, 3, 4].map((u) => [u, u * u]);
  const c2 = nonNegativeLeastSquares(r2, r2.map(([a, b]) => 0.5 * a! + 0.25 * b!));
  assert.ok(close(c2[0]!, 0.5, 1e-9) && close(c2[1]!, 0.25, 1e-9), `${c2}`);
});

test('beyond the training range energy grows linearly in the work columns', () => {
  const x = [1, 2, 3, 4].map((v) => [v * 1e6]);
  const y = x.map(([f]) => 1e-9 * f!);
  const m = fitRegression(x, y, [0]);
  assert.ok(close(predictRegression(m, [4e7]), 10 * predictRegression(m, [4e6]), 1e-9));
});

test('the isolated-only terms (static energy, fixed cost) split from the dynamic work terms', () => {
  const m = { columns: [0, 1, 2], coef: [1.5, 0.01, 2e-9], rows: 3 };
  const { isolatedJ, dynamicJ } = splitPrediction(m, [0.2, 1, 1e9], [0, 1]);
  assert.ok(close(isolatedJ, 0.31));
  assert.ok(close(dynamicJ, 2));
  assert.ok(close(isolatedJ + dynamicJ, predictRegression(m, [0.2, 1, 1e9])));
});

test('column choice by inner leave-one-model-out keeps the default without enough distinct rows', () => {
  const x = [1, 2, 3].map((v) => [1, v, v * v]);
  const y = x.map(([, v]) => 2 * v!);
  const r = fitSelectedRegression(x, y, [0, 1, 2], [{ columns: [0, 1, 2] }, { columns: [1] }]);
  assert.equal(r.candidate, 1);
  assert.ok(close(predictRegression(r.model, [1, 10, 100]), 20, 1e-9));
});
