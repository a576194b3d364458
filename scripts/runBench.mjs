// Runs every benchmark under bench/ (or the ones named on the command line),
// one process each so that memory figures are not polluted by the others.
// Benchmarks write their results into docs/*.md.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const names = process.argv.slice(2);
const all = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort();
const chosen = names.length ? all.filter((f) => names.some((n) => f.includes(n))) : all;
let failed = 0;
for (const file of chosen) {
  console.log(`\n=== ${file} ===`);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', file)], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${res.status})`);
  }
}
process.exit(failed ? 1 : 0);
