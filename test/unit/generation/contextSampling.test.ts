import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumOverContexts } from '../../../src/engine/generation/contextSampling.js';

const brute = (first: number, count: number, f: (c: number) => number): number => {
  let s = 0;
  for (let c = first; c < first + count; c++) s += f(c);
  return s;
};

test('an affine step cost is summed exactly from three samples', () => {
  const f = (c: number) => 3.5 + 0.25 * c;
  for (const count of [4, 5, 64, 1000]) {
    const r = sumOverContexts(100, count, (c) => [f(c), 2 * f(c)]);
    assert.equal(r.samples.length, 3, `count ${count}`);
    assert.ok(Math.abs(r.sums[0]! - brute(100, count, f)) < 1e-9 * brute(100, count, f));
    assert.ok(Math.abs(r.sums[1]! - 2 * brute(100, count, f)) < 1e-9 * brute(100, count, f));
  }
});

test('up to three steps are summed one by one', () => {
  const f = (c: number) => Math.sqrt(c);
  for (const count of [1, 2, 3]) {
    const r = sumOverContexts(7, count, (c) => [f(c)]);
    assert.equal(r.samples.length, count);
    assert.ok(Math.abs(r.sums[0]! - brute(7, count, f)) < 1e-12);
  }
});

test('a curved step cost is refined until the sum is within 0.5 % of the brute-force sum', () => {
  const curves: ((c: number) => number)[] = [(c) => Math.sqrt(c), (c) => 1 + (c / 500) ** 2, (c) => Math.max(10, c / 20) ** 1.3, (c) => Math.log(c + 2)];
  for (const f of curves) {
    for (const [first, count] of [[1, 64], [512, 64], [10, 2000]] as const) {
      const r = sumOverContexts(first, count, (c) => [f(c)]);
      const b = brute(first, count, f);
      assert.ok(Math.abs(r.sums[0]! - b) / b < 0.005, `${f.toString()} ${first}+${count}: ${r.sums[0]} vs ${b}`);
      assert.ok(r.samples.length <= 17);
    }
  }
  // A curve that bends needs more than the three first samples.
  assert.ok(sumOverContexts(1, 2000, (c) => [1 + (c / 500) ** 2]).samples.length > 3);
});

test('a monotone, nearly flat step cost is summed from its two ends, within the tolerance', () => {
  const f = (c: number) => 10 + c * 1e-5;
  const r = sumOverContexts(512, 256, (c) => [f(c)], { monotone: true });
  assert.deepEqual(r.samples, [512, 767]);
  const b = brute(512, 256, f);
  assert.ok(Math.abs(r.sums[0]! - b) / b < 1e-3);
  // Steeper: the middle is needed again.
  assert.equal(sumOverContexts(512, 256, (c) => [Math.sqrt(c)], { monotone: true }).samples.length >= 3, true);
});
