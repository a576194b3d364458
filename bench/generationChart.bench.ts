/**
 * The panel's Generation tab: time to render a per-token sweep of 100 points
 * (the SVG markup the webview sets as innerHTML; the browser's layout is not
 * in it). Target: under 200 ms. Writes its section of docs/performance.md.
 */
import { cpus, loadavg } from 'node:os';
import { renderPerTokenChart } from '../src/engine/analysis/generationChartSvg.js';
import { writePerformanceSection } from './performanceDoc.js';

const RUNS = Number(process.env['IRENE_BENCH_RUNS'] ?? 50);
const TARGET_MS = 200;
const points = Array.from({ length: 100 }, (_, i) => {
  const x = Math.round(128 * 2 ** (i / 12));
  return { x, perTokenJ: 0.1 + 1e-5 * x, uncertaintyJ: 0.03 };
});
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < RUNS + 5; i++) {
  const t0 = performance.now();
  const svg = renderPerTokenChart(points, { xLabel: 'context (tokens)', width: 900, height: 220, current: 768, limit: 4096, testId: 'bench' });
  const ms = performance.now() - t0;
  bytes = svg.length;
  if (i >= 5) times.push(ms);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)]!;
const p90 = times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]!;
console.log(`per-token chart, 100 points: median ${med.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, ${bytes} characters`);
writePerformanceSection(
  'generationChart',
  `## Generation tab: a 100-point sweep

\`bench/generationChart.bench.ts\`: \`renderPerTokenChart\` on 100 points (the markup only; the webview's layout is not timed), ${RUNS} runs after 5 warm-ups,
Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, load average ${loadavg()[0]!.toFixed(1)}).

| figure | median (ms) | p90 (ms) | markup (characters) | target: under ${TARGET_MS} ms |
| --- | ---: | ---: | ---: | --- |
| per-token chart, 100 points | ${med.toFixed(2)} | ${p90.toFixed(2)} | ${bytes} | ${med < TARGET_MS ? 'met' : 'NOT met'} |`,
);
