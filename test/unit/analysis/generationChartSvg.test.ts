import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPerTokenChart, renderPhaseSplit } from '../../../src/engine/analysis/generationChartSvg.js';

const points = [128, 256, 512, 1024].map((x, i) => ({ x, perTokenJ: 0.1 + 0.01 * i, uncertaintyJ: 0.02 }));

test('the per-token chart draws every point, the memory limit and marks points past it', () => {
  const svg = renderPerTokenChart(points, { xLabel: 'batch size', width: 400, height: 200, limit: 300, current: 256, testId: 'by-batch' });
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
  assert.match(svg, /data-testid="by-batch-limit"/);
  assert.match(svg, /memory limit: 300/);
  assert.equal((svg.match(/class="point over"/g) ?? []).length, 2);
  assert.doesNotMatch(renderPerTokenChart(points, { xLabel: 'batch', width: 400, height: 200, testId: 't' }), /limit/);
  assert.match(renderPerTokenChart([], { xLabel: 'context', width: 400, height: 200, testId: 'e' }), /No prediction yet/);
});

test('labels are escaped and the phase split adds up', () => {
  const svg = renderPerTokenChart(points, { xLabel: '<context>', width: 400, height: 200, testId: 'x"y' });
  assert.doesNotMatch(svg, /<context>/);
  assert.match(svg, /x&quot;y/);
  const split = renderPhaseSplit(25, 75, 200);
  assert.match(split, /prefill 25(\.0)? J \(25\.0 %\)/);
  assert.match(split, /decode 75(\.0)? J \(75\.0 %\)/);
  assert.match(split, /class="prefill" x="0" y="0" width="50"/);
});
