import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minNormLeastSquares } from '../../../src/engine/predict/leastSquares.js';

test('recovers an exact linear relation', () => {
  // y = 3 - 2 x1 + 0.5 x2 on points in general position.
  const rows: number[][] = [];
  const y: number[] = [];
  for (const [x1, x2] of [[0, 1], [1, 0], [2, 3], [5, -1], [-2, 4], [3, 3]] as const) {
    rows.push([1, x1, x2]);
    y.push(3 - 2 * x1 + 0.5 * x2);
  }
  const { coef, rank } = minNormLeastSquares(rows, y);
  assert.equal(rank, 3);
  [3, -2, 0.5].forEach((c, i) => assert.ok(Math.abs(coef[i]! - c) < 1e-10, `coef ${i}: ${coef[i]} vs ${c}`));
});

test('duplicate columns give the minimum-norm solution', () => {
  // y = 4 x with x written twice: every (a, 4 - a) fits; the smallest norm is (2, 2).
  const rows = [1, 2, 3, 4].map((x) => [x, x]);
  const { coef, rank } = minNormLeastSquares(rows, [4, 8, 12, 16]);
  assert.equal(rank, 1);
  assert.ok(Math.abs(coef[0]! - 2) < 1e-10 && Math.abs(coef[1]! - 2) < 1e-10, `got ${coef}`);
});

test('an underdetermined (wide) system also gives the minimum-norm solution', () => {
  // One equation x + 2y + 2z = 9: min-norm solution is 9 * (1,2,2) / |(1,2,2)|^2 = (1, 2, 2).
  const { coef } = minNormLeastSquares([[1, 2, 2]], [9]);
  [1, 2, 2].forEach((c, i) => assert.ok(Math.abs(coef[i]! - c) < 1e-10, `got ${coef}`));
});

test('least squares on inconsistent data matches the closed form of a line fit', () => {
  const xs = [0, 1, 2, 3];
  const ys = [1, 3, 2, 5];
  const mx = 1.5;
  const my = 2.75;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const { coef } = minNormLeastSquares(xs.map((x) => [1, x]), ys);
  assert.ok(Math.abs(coef[1]! - slope) < 1e-10);
  assert.ok(Math.abs(coef[0]! - (my - slope * mx)) < 1e-10);
});
