// Builds the production bundles and packs the VSIX (irene-energy.vsix) with
// @vscode/vsce, offline: --no-dependencies (the bundles in dist/ carry what
// they import; .vscodeignore is an allow-list). While package.json has no
// `repository`, vsce cannot turn README's relative links into absolute ones,
// so they are left as they are (with a warning) instead of failing.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workbench.mjs';

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`package: ${cmd} ${args.join(' ')} failed (exit ${res.status})`);
    process.exit(1);
  }
}

const out = process.argv[2] ?? 'irene-energy.vsix';
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
run(process.execPath, ['esbuild.mjs', '--production']);
const args = ['package', '--no-dependencies', '--out', out];
if (!manifest.repository) {
  console.warn('package: package.json has no "repository"; README links stay relative in the VSIX');
  args.push('--allow-missing-repository', '--no-rewrite-relative-links');
}
run(join(repoRoot, 'node_modules', '.bin', 'vsce'), args);
const bytes = statSync(join(repoRoot, out)).size;
console.log(`package: ${out} ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
