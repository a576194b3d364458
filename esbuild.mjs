// Bundles the product: the CLI and the extension host code run in Node (CJS,
// `vscode` left external), the engine worker runs in a worker thread, the
// engine alone is a library for other Node programs, and the
// panel's script runs in the webview (browser IIFE). One bundle per runtime
// keeps start-up fast and the VSIX small.
import * as esbuild from 'esbuild';
import { mkdirSync, cpSync } from 'node:fs';
import { buildVendorFiles, lazyModulesPlugin } from './scripts/build/lazyModules.mjs';
import { writeCliCodeCache } from './scripts/build/writeCliCodeCache.mjs';

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

const nodeBundle = { platform: 'node', mainFields: nodeMainFields, format: 'cjs', target: 'node20', ...readableNames };
// The libraries only some commands use live in dist/vendor/ and load on first use
// (scripts/build/lazyModules.mjs): a run that predicts a config neither compiles nor
// initialises the Python parser, yaml or the fitting code. Only the CLI, whose
// every run is a new process; the extension and its worker start once per window.
const lazyShapes = await buildVendorFiles('dist/vendor', { ...common, ...nodeBundle });
const lazy = { plugins: [lazyModulesPlugin(lazyShapes)] };

const targets = [
  // `irene` is dist/cli.js, a few lines that load the CLI bundle with its code cache (src/cli/launch.ts).
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.bundle.js', ...nodeBundle, ...lazy },
  { entryPoints: ['src/cli/launch.ts'], outfile: 'dist/cli.js', ...nodeBundle, banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', ...nodeBundle, external: ['vscode'] },
  { entryPoints: ['src/worker/engineWorker.ts'], outfile: 'dist/worker.js', ...nodeBundle },
  // The engine as a library (`irene-energy/engine` in package.json exports; its types come from
  // `npm run build:types`). Not in the VSIX: the extension's bundles carry what they import.
  { entryPoints: ['src/engine/index.ts'], outfile: 'dist/engine.js', ...nodeBundle },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

mkdirSync('dist', { recursive: true });
// The measuring harness is Python run by the user's interpreter: ship it as is,
// without the bytecode caches a local test run leaves in it.
cpSync('harness', 'dist/harness', { recursive: true, filter: (src) => !src.includes('__pycache__') });
// So is the tracer of "Trace with Python" / `irene trace`.
cpSync('src/cli/trace/irene_trace.py', 'dist/trace/irene_trace.py');

if (watch) {
  // No code cache is written: a rebuilt bundle's new stamp never meets the old one (src/cli/launch.ts).
  for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
  writeCliCodeCache('dist/cli.js');
}
