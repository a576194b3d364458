// Bundles the product: the CLI and the extension host code run in Node (CJS,
// `vscode` left external), the engine worker runs in a worker thread, the
// engine alone is a library for other Node programs, and the
// panel's script runs in the webview (browser IIFE). One bundle per runtime
// keeps start-up fast and the VSIX small.
import * as esbuild from 'esbuild';
import { mkdirSync, cpSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// Node bundles prefer a package's ES module build: jsonc-parser's UMD main
// requires './impl/format' at run time, which a bundle cannot resolve.
const nodeMainFields = ['module', 'main'];
// Node bundles keep their identifiers: a stack trace in a user's IrEne log or a
// CPU profile of the extension host then names our functions, for about 60 KB
// more in the VSIX. The webview is minified fully.
const readableNames = production ? { minify: false, minifyWhitespace: true, minifySyntax: true } : {};

const targets = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', mainFields: nodeMainFields, format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' }, ...readableNames },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', mainFields: nodeMainFields, format: 'cjs', target: 'node20', external: ['vscode'], ...readableNames },
  { entryPoints: ['src/worker/engineWorker.ts'], outfile: 'dist/worker.js', platform: 'node', mainFields: nodeMainFields, format: 'cjs', target: 'node20', ...readableNames },
  // The engine as a library (`irene-energy/engine` in package.json exports; its types come from
  // `npm run build:types`). Not in the VSIX: the extension's bundles carry what they import.
  { entryPoints: ['src/engine/index.ts'], outfile: 'dist/engine.js', platform: 'node', mainFields: nodeMainFields, format: 'cjs', target: 'node20', ...readableNames },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

mkdirSync('dist', { recursive: true });
// The measuring harness is Python run by the user's interpreter: ship it as is,
// without the bytecode caches a local test run leaves in it.
cpSync('harness', 'dist/harness', { recursive: true, filter: (src) => !src.includes('__pycache__') });

if (watch) {
  for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
}
