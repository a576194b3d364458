/**
 * `irene generate` end to end (process start, reading the config, building the
 * prefill tree and the sampled decode trees, predicting them, printing) on a
 * 7B causal LM config (Llama-2-7B's shape, test/fixtures/configs/generation)
 * with the default profile, prompt 512 → output 256, batch 8.
 * Target: under 300 ms, whole process. Writes its section of
 * docs/performance.md. Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { environmentNote, timeProcesses, writePerformanceSection } from './performanceDoc.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.env['IRENE_BENCH_RUNS'] ?? 15);
const TARGET_MS = 300;
if (!existsSync(CLI)) {
  console.error('generate.bench: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}

const CONFIG = 'test/fixtures/configs/generation/llama-2-7b.json';
const cases = [
  { label: 'generate, 7B config (Llama-2-7B shape), JSON', args: ['generate', CONFIG, '--format', 'json'] },
  { label: 'generate, 7B config, table, CUDA graphs', args: ['generate', CONFIG, '--graphs'] },
  { label: 'predict --phase decode --context 2048, 7B config', args: ['predict', CONFIG, '--phase', 'decode', '--context', '2048', '--format', 'json'] },
  { label: 'predict (forward), 7B config, for comparison', args: ['predict', CONFIG, '--format', 'json'] },
  { label: 'node -e 0 (Node starting, no CLI: the floor)', args: null },
];

const rows = timeProcesses(CLI, cases, RUNS, ROOT).map(({ medianMs: med, p90Ms: p90 }, i) => {
  const c = cases[i]!;
  const verdict = c.args?.[0] === 'generate' ? (med < TARGET_MS ? 'met' : 'NOT met') : '';
  return `| ${c.label} | ${med.toFixed(0)} | ${p90.toFixed(0)} | ${verdict} |`;
});

writePerformanceSection(
  'generate',
  `## LLM generation on the command line

\`bench/generate.bench.ts\`: wall time of \`node dist/cli.js generate ...\` (prompt 512 → output 256, batch 8, profile h100-bf16) as a user runs it
(new process each time), ${RUNS} rounds after 2 warm-up rounds (each runs every command once, in turn), Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'}
(${cpus().length} logical cores, load average ${loadavg()[0]!.toFixed(1)} at the end). A request predicts one prefill tree and three decode
steps (both ends and the middle of the contexts, more where the cost bends).

| command | median (ms) | p90 (ms) | target: generate under ${TARGET_MS} ms |
| --- | ---: | ---: | --- |
${rows.join('\n')}

${environmentNote(RUNS, ROOT)}`,
);
