import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitRegression, predictRegression } from '../../../src/engine/predict/primitiveRegression.js';

const close = (a: number, b: number, rel = 1e-8): boolean => Math.abs(a - b) <= rel * Math.abs(b);

test('linear form recovers energy = c + a x flops + b x bytes exactly, with a constant and a duplicate column', () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 1; i <= 12; i++) {
    const flops = 1e6 * i * i;
    const bytes = 1e4 * ((i * 7) % 5 + 1);
    x.push([flops, bytes, 42, flops]); // constant column, duplicate column
    y.push(0.01 + 3e-9 * flops + 2e-7 * bytes);
  }
  const m = fitRegression(x, y, { form: 'linear' });
  assert.equal(m.std[2], 0); // the constant column is ignored
  for (const [flops, bytes] of [
    [5e6, 2e4],
    [7e7, 4e4],
  ] as const) {
    const want = 0.01 + 3e-9 * flops + 2e-7 * bytes;
    assert.ok(close(predictRegression(m, [flops, bytes, 42, flops]), want), `${predictRegression(m, [flops, bytes, 42, flops])} vs ${want}`);
  }
});

test('log form recovers a power law exactly', () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 1; i <= 10; i++) {
    const a = 10 * i;
    const b = 3 + ((i * 5) % 7);
    x.push([a - 1, b - 1]); // log1p(a - 1) = log(a)
    y.push(0.2 * a ** 1.5 * b ** -0.5);
  }
  const m = fitRegression(x, y, { form: 'log' });
  const want = 0.2 * 35 ** 1.5 * 6 ** -0.5;
  assert.ok(close(predictRegression(m, [34, 5]), want, 1e-8));
});

test('predictions are never negative, even where the fitted line goes below zero', () => {
  // energy = 1 - 0.1 x on x in 0..5 predicts negative energy at x = 20.
  const x = [0, 1, 2, 3, 4, 5].map((v) => [v]);
  const y = x.map(([v]) => 1 - 0.1 * v!);
  const m = fitRegression(x, y, { form: 'linear' });
  const p = predictRegression(m, [20]);
  assert.ok(p > 0, `got ${p}`);
  // Outside the range the features are clamped to it: the value at x = 5.
  assert.ok(close(p, 0.5, 1e-9), `got ${p}`);
  // A model whose line is negative inside its range is held at its floor.
  const negative = { ...m, coef: [-1, 0] };
  assert.equal(predictRegression(negative, [3]), m.floorJ);
  assert.equal(m.floorJ, Math.min(...y) / 2);
});

test('non-negative fit drops a column that would enter with a negative sign', () => {
  // y = 2 + 3 u exactly, and v anticorrelated noise-free: the nonneg fit must not use v negatively.
  const x = [1, 2, 3, 4, 5].map((u) => [u, 10 - u]);
  const y = x.map(([u]) => 2 + 3 * u!);
  const m = fitRegression(x, y, { form: 'linear', nonNegative: true });
  assert.ok(m.coef.every((c) => c >= 0), `coef ${m.coef}`);
  assert.ok(close(predictRegression(m, [3, 7]), 11, 1e-6));
});

test('beyond the training range energy grows in proportion to the work columns', () => {
  const x = [1, 2, 3, 4].map((v) => [v * 1e6]);
  const y = x.map(([f]) => 1e-9 * f!);
  const m = fitRegression(x, y, { form: 'log', workColumns: [0] });
  const atMax = predictRegression(m, [4e6]);
  const at10x = predictRegression(m, [4e7]);
  assert.ok(close(at10x, 10 * atMax, 1e-9));
});
