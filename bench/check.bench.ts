/**
 * `irene check` over a budget of 20 entries (10 config.json, 5 ONNX graphs,
 * 5 PyTorch sources) in a temporary git repository, whole process as CI runs
 * it: without a baseline, and with `--baseline HEAD~1` after a commit that
 * changes half of the configs (so 25 of the 40 predictions differ from the
 * current ones). Target: under 2 s. Writes its section of docs/performance.md.
 * Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePerformanceSection } from './performanceDoc.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.env['IRENE_BENCH_RUNS'] ?? 9);
if (!existsSync(CLI)) {
  console.error('check.bench: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}

const CONFIGS = ['bert', 'roberta', 'distilbert', 'albert', 'electra', 'gpt2', 'distilgpt2', 'openai-gpt', 'llama', 'qwen2'];
const ONNX = ['bert-base-uncased.onnx', 'gpt2.onnx', 'bert-base-uncased-tiny.onnx', 'gpt2-tiny.onnx', 'tinyllama-1.1b-tiny.onnx'];
const PYTHON = ['bert_like.py', 'gpt2_like.py', 'llama_like.py'];

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), 'irene-check-bench-'));
const entries: { path: string; maxIncreasePct: number }[] = [];
const put = (from: string, to: string): void => {
  mkdirSync(join(dir, to, '..'), { recursive: true });
  copyFileSync(from, join(dir, to));
  entries.push({ path: to, maxIncreasePct: 50 });
};
for (const c of CONFIGS) put(join(ROOT, 'test/fixtures/configs', `${c}.json`), `configs/${c}/config.json`);
for (const o of ONNX) put(join(ROOT, 'test/fixtures/onnx', o), `onnx/${o}`);
for (const p of PYTHON) put(join(ROOT, 'test/fixtures/python', p), `python/${p.replace('.py', '')}/model.py`);
// Transformers-style source whose sizes come from the config.json beside it, twice (v4 and current style).
for (const p of ['modeling_bert.py', 'modeling_bert_v4_style.py']) {
  put(join(ROOT, 'test/fixtures/python/hf_bert', p), `python/hf_${p.replace('.py', '')}/${p}`);
  copyFileSync(join(ROOT, 'test/fixtures/python/hf_bert/config.json'), join(dir, `python/hf_${p.replace('.py', '')}/config.json`));
}
if (entries.length !== 20) throw new Error(`expected 20 entries, got ${entries.length}`);
writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify({ defaults: { batchSize: 8, seqLen: 128 }, models: entries }, null, 2));
git(dir, 'init', '-q');
git(dir, 'add', '.');
git(dir, 'commit', '-q', '-m', 'base');
// Half of the configs get one layer more.
for (const c of CONFIGS.slice(0, 5)) {
  const file = join(dir, `configs/${c}/config.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const key = ['num_hidden_layers', 'n_layer', 'num_layers'].find((k) => typeof json[k] === 'number')!;
  json[key] = (json[key] as number) + 1;
  writeFileSync(file, JSON.stringify(json, null, 2));
}
git(dir, 'commit', '-q', '-am', 'one more layer in five configs');

const cases = [
  { label: '20 entries, no baseline', args: ['check', '--format', 'json'], env: {} },
  { label: '20 entries, --baseline HEAD~1 (5 changed)', args: ['check', '--baseline', 'HEAD~1', '--format', 'json'], env: {} },
  { label: '20 entries, --baseline HEAD~1, --format github', args: ['check', '--baseline', 'HEAD~1', '--format', 'github'], env: {} },
  { label: '20 entries, --baseline HEAD~1, two lanes (IRENE_THREADS=2)', args: ['check', '--baseline', 'HEAD~1', '--format', 'json'], env: { IRENE_THREADS: '2' } },
];
// GNU time reports the child's CPU time, which the load of a shared machine does not inflate.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const rows: string[] = [];
try {
  for (const c of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
      const t0 = performance.now();
      const argv = [CLI, ...c.args];
      const env = { ...process.env, GITHUB_STEP_SUMMARY: '', ...c.env };
      const r = TIME
        ? spawnSync(TIME, ['-f', 'irene-cpu %U %S', process.execPath, ...argv], { cwd: dir, encoding: 'utf8', env })
        : spawnSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', env });
      const ms = performance.now() - t0;
      const m = /irene-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
      if (m && i >= 2) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
      if (r.status !== 0 && r.status !== 3) throw new Error(`${c.label}: exit ${r.status}: ${r.stderr}`);
      if (i === 0 && c.args.includes('json')) {
        const report = JSON.parse(r.stdout) as { models: unknown[] };
        if (report.models.length !== 20) throw new Error(`${c.label}: ${report.models.length} models checked`);
      }
      if (i >= 2) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const med = times[Math.floor(times.length / 2)]!;
    const max = times[times.length - 1]!;
    cpu.sort((a, b) => a - b);
    const cpuMed = cpu.length > 0 ? cpu[Math.floor(cpu.length / 2)]!.toFixed(0) : '–';
    console.log(`${c.label}: median ${med.toFixed(0)} ms, max ${max.toFixed(0)} ms, CPU ${cpuMed} ms`);
    rows.push(`| ${c.label} | ${med.toFixed(0)} | ${max.toFixed(0)} | ${cpuMed} | ${max < 2000 ? 'met' : med < 2000 ? 'median met' : 'NOT met'} |`);
  }
} finally {
  if (process.env['IRENE_BENCH_KEEP']) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

writePerformanceSection(
  'check',
  `## irene check

\`bench/check.bench.ts\`: wall time of \`node dist/cli.js check\` (new process each time) on a budget of 20 entries in a temporary
git repository: 10 config.json (bert, roberta, distilbert, albert, electra, gpt2, distilgpt2, openai-gpt, llama, qwen2), 5 ONNX graphs
and 5 PyTorch sources (3 with sizes in the file, 2 transformers-style with a config.json beside them), batch 8 × 128, default profile.
The baseline commit differs in five configs (one layer more); unchanged files are predicted once, so 25 predictions in all,
in one thread (IRENE_THREADS=2 adds an engine worker thread as a second lane). ${RUNS} runs after 2 warm-ups,
Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, load average ${loadavg()[0]!.toFixed(1)} at the end;
the wall time grows with the load of a shared machine, the CPU time, user + system of the process and its threads, does not).

| command | median (ms) | max (ms) | CPU, median (ms) | target: under 2 s |
| --- | ---: | ---: | ---: | --- |
${rows.join('\n')}`,
);
