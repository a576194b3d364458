// Bundles the code that runs inside the VS Code extension host (the
// integration suites and the benchmark's in-host probe in bench/) to CommonJS under
// out/test/integration/, since the extension host loads JavaScript. `vscode`
// is provided by the host; mocha stays external so the suites and the runner
// in index.js share one mocha instance (its tdd globals).
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './workbench.mjs';

const src = join(repoRoot, 'test', 'integration');
const outdir = join(repoRoot, 'out', 'test', 'integration');

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return collect(full);
    return e.name.endsWith('.ts') && !e.name.startsWith('run') ? [full] : [];
  });
}

rmSync(outdir, { recursive: true, force: true });
const entryPoints = [...collect(join(src, 'suite')), ...collect(join(src, 'bench'))];
await esbuild.build({
  entryPoints,
  outdir,
  outbase: src,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`buildTests: ${entryPoints.length} files -> ${relative(repoRoot, outdir)}`);
