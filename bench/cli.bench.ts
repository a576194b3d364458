/**
 * `irene predict` end to end (process start, reading the file, building the
 * tree, loading the profile, predicting, printing) on bert-base-uncased's
 * config.json with the default profile. Target: well under a second.
 * Writes its section of docs/performance.md. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { writePerformanceSection } from './performanceDoc.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.env['IRENE_BENCH_RUNS'] ?? 15);
if (!existsSync(CLI)) {
  console.error('cli.bench: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}

const cases = [
  { label: 'config.json (bert-base-uncased), table', args: ['predict', 'examples/bert-base-uncased/config.json'] },
  { label: 'config.json (bert-base-uncased), JSON', args: ['predict', 'examples/bert-base-uncased/config.json', '--format', 'json'] },
  { label: 'ONNX graph (bert-base-uncased.onnx, 72 KB)', args: ['predict', 'test/fixtures/onnx/bert-base-uncased.onnx', '--format', 'json'] },
  { label: 'node --version (process start alone)', args: null },
];

const rows: string[] = [];
for (const c of cases) {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const r = c.args ? spawnSync(process.execPath, [CLI, ...c.args], { cwd: ROOT, encoding: 'utf8' }) : spawnSync(process.execPath, ['--version']);
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${c.label}: exit ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the file cache
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)]!;
  const p90 = times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]!;
  console.log(`${c.label}: median ${med.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms`);
  rows.push(`| ${c.label} | ${med.toFixed(0)} | ${p90.toFixed(0)} | ${c.args ? (med < 1000 ? 'met' : 'NOT met') : ''} |`);
}

writePerformanceSection(
  'cli',
  `## Command line

\`bench/cli.bench.ts\`: wall time of \`node dist/cli.js ...\` as a user runs it (new process each time), ${RUNS} runs after 2 warm-ups,
Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, load average ${loadavg()[0]!.toFixed(1)} at the end).

| command | median (ms) | p90 (ms) | target: well under 1 s |
| --- | ---: | ---: | --- |
${rows.join('\n')}`,
);
