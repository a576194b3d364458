/**
 * `npm run fuzz`: the long fuzz run of issue 15. For each input kind (JSON
 * configs, IrEne CSV, IrEne JSONL, profiles) it runs seeded cases in process
 * for `--seconds` each, then a sample of them through the built CLI, one
 * process per case, measuring the whole process's wall time and peak memory
 * (its maxRSS). Writes the counts per outcome, the slowest case and the most
 * memory to docs/reliability.md, and exits 1 when any case broke the rule:
 * exit 0 with finite joules, or exit 1 with one line, within 2 s and 500 MB.
 *
 *   npm run fuzz -- --seconds 60 --cli-cases 60 --seed 1
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_KINDS, Rng, fuzzInput, fuzzKind, type FuzzKind, type FuzzResult } from '../test/fuzz/fuzzInputs.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = opt('seconds', 30);
const CLI_CASES = opt('cli-cases', 40);
const SEED = opt('seed', 20261203);
const LIMIT_MS = 2000;
const LIMIT_MB = 500;

interface CliResult {
  kind: FuzzKind;
  code: number | null;
  ok: boolean;
  why?: string;
  ms: number;
  maxRssMb: number;
}

/** Writes the case as the files the CLI reads; returns the CLI's arguments. */
function cliArgs(kind: FuzzKind, input: string, dir: string): string[] {
  switch (kind) {
    case 'config':
      writeFileSync(join(dir, 'config.json'), input);
      return ['predict', join(dir, 'config.json')];
    case 'csv': {
      const names = ['model_level_features.csv', 'module_level_features.csv', 'ml1_level_features.csv', 'ml2_level_features.csv'];
      const data = join(dir, 'data');
      mkdirSync(data, { recursive: true });
      input.split('\f').forEach((text, i) => writeFileSync(join(data, names[i]!), text));
      return ['evaluate', data];
    }
    case 'jsonl':
      writeFileSync(join(dir, 'trees.jsonl'), input);
      return ['evaluate', join(dir, 'trees.jsonl')];
    case 'profile':
      writeFileSync(join(dir, 'profile.json'), input);
      return ['predict', join(ROOT, 'examples', 'gpt2', 'config.json'), '--profile', join(dir, 'profile.json')];
  }
}

/** Reports the child's peak resident memory on exit (a preload, so the CLI itself is unchanged). */
const PRELOAD = `process.on('exit', () => process.stderr.write('\\nIRENE_FUZZ_MAXRSS_KB=' + process.resourceUsage().maxRSS + '\\n'));`;

function runCli(kind: FuzzKind, input: string, preload: string): CliResult {
  const dir = mkdtempSync(join(tmpdir(), 'irene-fuzz-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--require', preload, CLI, ...cliArgs(kind, input, dir)], { encoding: 'utf8', timeout: 10 * LIMIT_MS, maxBuffer: 256 * 1024 * 1024 });
    const ms = performance.now() - t0;
    const m = /\nIRENE_FUZZ_MAXRSS_KB=(\d+)\n/.exec(r.stderr ?? '');
    const stderr = (r.stderr ?? '').replace(/\nIRENE_FUZZ_MAXRSS_KB=\d+\n/, '').trim();
    const maxRssMb = m ? Number(m[1]) / 1024 : Number.NaN;
    let why: string | undefined;
    if (r.status === 0) {
      if (/NaN|Infinity/.test(r.stdout)) why = 'exit 0 with a non-finite number';
    } else if (r.status === 1) {
      if (stderr.split('\n').length !== 1) why = `exit 1 with ${stderr.split('\n').length} lines`;
    } else why = `exit ${r.status ?? r.signal}: ${stderr.slice(0, 200)}`;
    if (!why && ms > LIMIT_MS) why = `took ${ms.toFixed(0)} ms`;
    if (!why && maxRssMb > LIMIT_MB) why = `used ${maxRssMb.toFixed(0)} MB`;
    return { kind, code: r.status, ok: why === undefined, why, ms, maxRssMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build first');
  const preloadDir = mkdtempSync(join(tmpdir(), 'irene-fuzz-preload-'));
  const preload = join(preloadDir, 'maxrss.js');
  writeFileSync(preload, PRELOAD);
  const rows: string[] = [];
  const failures: string[] = [];
  const started = new Date();
  for (const kind of FUZZ_KINDS) {
    const heap0 = process.memoryUsage().heapUsed;
    const results: FuzzResult[] = fuzzKind(kind, SEED, SECONDS * 1000);
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    const count = (o: FuzzResult['outcome']) => results.filter((r) => r.outcome === o).length;
    const slow = results.reduce((a, b) => (b.ms > a.ms ? b : a));
    for (const f of results.filter((r) => r.outcome === 'failed').slice(0, 5)) failures.push(`${kind} (in process): ${f.message} <- ${f.input.slice(0, 200)}`);
    // The whole process, for a sample drawn from the same generator (another seed: fresh cases).
    const rng = new Rng(SEED + 1);
    const cli: CliResult[] = [];
    for (let i = 0; i < CLI_CASES; i++) cli.push(runCli(kind, fuzzInput(kind, rng), preload));
    for (const c of cli.filter((x) => !x.ok).slice(0, 5)) failures.push(`${kind} (CLI): ${c.why}`);
    const slowCli = cli.reduce((a, b) => (b.ms > a.ms ? b : a));
    const bigCli = cli.reduce((a, b) => (b.maxRssMb > a.maxRssMb ? b : a));
    rows.push(
      `| ${kind} | ${results.length} | ${count('predicted')} | ${count('refused')} | ${count('failed')} | ${slow.ms.toFixed(0)} | ${Math.max(0, heapMb).toFixed(0)} | ${cli.length} | ${cli.filter((c) => c.code === 0).length} / ${cli.filter((c) => c.code === 1).length} / ${cli.filter((c) => !c.ok).length} | ${slowCli.ms.toFixed(0)} | ${bigCli.maxRssMb.toFixed(0)} |`,
    );
    console.log(rows.at(-1));
    if (slow.outcome !== 'failed') console.log(`  slowest in process (${slow.outcome}): ${(slow.message ?? '').slice(0, 120)}`);
  }
  rmSync(preloadDir, { recursive: true, force: true });
  const section = [
    '<!-- BEGIN fuzz (generated by npm run fuzz: scripts/runFuzz.ts) -->',
    '## Fuzzing',
    '',
    `\`npm run fuzz -- --seconds ${SECONDS} --cli-cases ${CLI_CASES} --seed ${SEED}\`, ${started.toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, shared with other work).`,
    'Cases come from `test/fuzz/fuzzInputs.ts`: JSON configs (the fixtures of `test/fixtures/configs` with 1-4 fields set to hostile values, dropped or nested up to 1,500 deep, some with their text cut or a character flipped),',
    'IrEne CSV folders and JSONL tree files (the fixtures of `test/fixtures/ireneData` with cells or fields replaced, lines cut, duplicated or dropped) and profiles (the bundled h100-bf16 with fields set to hostile values).',
    'In process, each case is parsed, built and predicted as the CLI does; the CLI sample runs `irene predict` (configs, profiles) or `irene evaluate` (CSV, JSONL) in a fresh process per case and measures its wall time and peak resident memory (maxRSS).',
    `The rule for every case: exit 0 with finite joules, or exit 1 with one line, within ${LIMIT_MS / 1000} s and ${LIMIT_MB} MB. ONNX has its own byte-level fuzzing (\`test/unit/importers/onnx/onnxErrors.test.ts\`); Python is fuzzed with its importer (issue 18).`,
    '',
    '| kind | cases (in process) | predicted | refused (one line) | broke the rule | slowest (ms) | heap growth (MB) | CLI cases | exit 0 / exit 1 / broke the rule | slowest CLI case (ms, whole process) | most memory (MB, maxRSS) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows,
    '',
    failures.length === 0 ? 'No case broke the rule.' : `Cases that broke the rule:\n\n${failures.map((f) => `- ${f.replace(/\|/g, '\\|')}`).join('\n')}`,
    '<!-- END fuzz -->',
  ].join('\n');
  const doc = join(ROOT, 'docs', 'reliability.md');
  const head = '# Reliability\n\nHow IrEne holds up against hostile and absurd input: every file it reads ends in a prediction with finite joules or a one-line error, within a time and memory budget. The limits themselves are listed in `src/engine/limits/` (sizes per kind of file, work budgets, nesting depth).\n\n';
  const old = existsSync(doc) ? readFileSync(doc, 'utf8') : head;
  const next = /<!-- BEGIN fuzz[\s\S]*?<!-- END fuzz -->/.test(old) ? old.replace(/<!-- BEGIN fuzz[\s\S]*?<!-- END fuzz -->/, section) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(doc, next);
  console.log(`wrote ${doc}`);
  if (failures.length > 0) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
}

main();
