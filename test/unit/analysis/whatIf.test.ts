import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSweepValues, isNonDecreasing, parseWhatIfParams, runSweep, sweepValues, type WhatIfParams } from '../../../src/engine/analysis/whatIf.js';
import { niceTicks, renderSweepChart } from '../../../src/engine/analysis/sweepChartSvg.js';
import { AbortedError, InvalidInputError } from '../../../src/engine/errors.js';

const base: WhatIfParams = { batchSize: 4, seqLen: 128, dtype: 'fp16', profile: 'p' };

/** Linear layers cost per token; attention scores cost per token squared. */
const synthetic = async (p: WhatIfParams) => {
  await new Promise((r) => setTimeout(r, (p.seqLen * 7919 + p.batchSize * 104729) % 5));
  const tokens = p.batchSize * p.seqLen;
  const energyJ = 1e-4 * tokens + 2e-8 * p.batchSize * p.seqLen * p.seqLen + 0.01;
  return { energyJ, uncertaintyJ: 0.1 * energyJ };
};

test('a sequence-length sweep of a synthetic predictor is monotone and keeps the order of values', async () => {
  const values = sweepValues(base.seqLen, 16, 1024);
  assert.deepEqual(values, [16, 32, 64, 128, 256, 512, 1024]);
  const points = await runSweep('seqLen', values, base, synthetic, { concurrency: 3 });
  assert.deepEqual(points.map((p) => p.x), values);
  assert.ok(isNonDecreasing(points));
  for (const p of points) {
    const expected = 1e-4 * 4 * p.x + 2e-8 * 4 * p.x * p.x + 0.01;
    assert.ok(Math.abs(p.energyJ - expected) < 1e-12);
    assert.ok(Math.abs(p.perTokenJ - expected / (4 * p.x)) < 1e-15);
    assert.ok(Math.abs(p.perTokenUncertaintyJ - (0.1 * expected) / (4 * p.x)) < 1e-15);
  }
  // the fixed cost is shared by more tokens, so per-token energy first falls
  assert.ok(points[1]!.perTokenJ < points[0]!.perTokenJ);
});

test('a batch sweep holds the sequence length and varies the batch', async () => {
  const seen: WhatIfParams[] = [];
  const points = await runSweep('batchSize', [1, 2, 8], base, async (p) => {
    seen.push(p);
    return synthetic(p);
  });
  assert.deepEqual(seen.map((p) => [p.batchSize, p.seqLen, p.dtype]).sort(), [[1, 128, 'fp16'], [2, 128, 'fp16'], [8, 128, 'fp16']]);
  assert.ok(isNonDecreasing(points));
});

test('isNonDecreasing catches a predictor that gets cheaper with more tokens', async () => {
  const points = await runSweep('seqLen', [16, 32, 64], base, async (p) => ({ energyJ: 1 / p.seqLen, uncertaintyJ: 0 }));
  assert.equal(isNonDecreasing(points), false);
});

test('a sweep runs at most `concurrency` predictions at once and stops when aborted', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const controller = new AbortController();
  let calls = 0;
  const slow = async (p: WhatIfParams) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    calls++;
    if (calls === 3) controller.abort();
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
    return synthetic(p);
  };
  await assert.rejects(runSweep('seqLen', sweepValues(1, 1, 4096), base, slow, { concurrency: 2, signal: controller.signal }), AbortedError);
  assert.ok(maxInFlight <= 2);
  assert.ok(calls < 13, `made ${calls} calls after the abort`);
});

test('sweep values include the current value and default ranges follow the model', () => {
  assert.deepEqual(sweepValues(100, 16, 256), [16, 32, 64, 100, 128, 256]);
  assert.deepEqual(defaultSweepValues('batchSize', { ...base, batchSize: 3 }), [1, 2, 3, 4, 8, 16, 32, 64]);
  assert.equal(Math.max(...defaultSweepValues('seqLen', base, 512)), 512);
});

test('what-if inputs are checked with messages naming the field', () => {
  assert.deepEqual(parseWhatIfParams({ batchSize: '8', seqLen: 256, dtype: 'bf16', profile: 'a100' }), { batchSize: 8, seqLen: 256, dtype: 'bf16', profile: 'a100' });
  assert.throws(() => parseWhatIfParams({ batchSize: '0', seqLen: 256, dtype: 'fp32', profile: 'p' }), (e: Error) => e instanceof InvalidInputError && /batch size/.test(e.message));
  assert.throws(() => parseWhatIfParams({ batchSize: 1, seqLen: '12.5', dtype: 'fp32', profile: 'p' }), /sequence length/);
  assert.throws(() => parseWhatIfParams({ batchSize: 1, seqLen: 8, dtype: 'int8', profile: 'p' }), /dtype/);
  assert.throws(() => parseWhatIfParams({ batchSize: 1, seqLen: 8, dtype: 'fp32', profile: ' ' }), /profile/);
});

test('chart ticks are round and cover the data; the chart draws one point per value with its band', async () => {
  assert.deepEqual(niceTicks(0.93), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(47, 5), [0, 10, 20, 30, 40, 50]);
  const points = await runSweep('seqLen', [16, 64, 256], base, synthetic);
  const svg = renderSweepChart(points, { axis: 'seqLen', metric: 'inference', width: 400, height: 200, current: 64 });
  assert.equal(svg.match(/<circle /g)?.length, 3);
  assert.equal(svg.match(/class="band"/g)?.length, 1);
  assert.equal(svg.match(/class="current"/g)?.length, 1);
  // points are left to right and higher energy is drawn higher (smaller y)
  const coords = [...svg.matchAll(/cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(coords[0]![0]! < coords[1]![0]! && coords[1]![0]! < coords[2]![0]!);
  assert.ok(coords[0]![1]! > coords[2]![1]!);
  assert.match(renderSweepChart([], { axis: 'batchSize', metric: 'token', width: 100, height: 100 }), /No sweep yet/);
});
