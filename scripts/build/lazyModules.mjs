// Lazy modules for the Node bundles. Every `irene` run starts a new process,
// and before this a run compiled and initialised every library the CLI can
// use: the Python importer's parser (@lezer), yaml, the fitting libraries
// and Node's child_process, zlib and worker_threads. A config
// prediction uses none of them, yet paid for them at each start.
//
// Each library below is bundled into its own file under dist/vendor/, and the
// main bundles get, in its place, a small stand-in module whose exports are
// getters: the library's file is required the first time one of its exports is
// read. Node's own modules get the same stand-in, without a file. Libraries that
// share state are bundled together (the Python parser's @lezer packages, the ml-*
// packages that pass ml-matrix objects to each other), so there is one copy of
// each class and `instanceof` keeps working across them.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/** One vendor file each; the keys are the import specifiers it serves. */
export const VENDOR_GROUPS = {
  lezer: ['@lezer/common', '@lezer/python'],
  yaml: ['yaml'],
  ml: ['ml-matrix', 'ml-levenberg-marquardt'],
  picomatch: ['picomatch'],
  toml: ['smol-toml'],
  progress: ['cli-progress'],
};

/** Node modules that a bare `node -e 0` has not loaded yet, and that most runs never use. */
export const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'zlib', 'worker_threads', 'readline'];

const specifierToGroup = new Map(Object.entries(VENDOR_GROUPS).flatMap(([group, specs]) => specs.map((s) => [s, group])));
const lazyBuiltin = new Set(LAZY_BUILTINS.flatMap((m) => [m, `node:${m}`]));

/**
 * The vendor entry: one object holding each specifier's module as `require`
 * gives it (a CommonJS library's own exports, picomatch's function included; an
 * ES module's namespace, marked __esModule).
 */
function vendorEntry(group) {
  const fields = VENDOR_GROUPS[group].map((spec) => `${JSON.stringify(spec)}: require(${JSON.stringify(spec)})`);
  return `module.exports = { ${fields.join(', ')} };\n`;
}

/**
 * Builds dist/vendor/<group>.js for every group, and returns each specifier's
 * export names and whether its value is callable (a default-exported function).
 */
export async function buildVendorFiles(outdir, options) {
  const shapes = new Map();
  await Promise.all(
    Object.keys(VENDOR_GROUPS).map((group) =>
      esbuild.build({
        ...options,
        stdin: { contents: vendorEntry(group), resolveDir: process.cwd(), sourcefile: `vendor-${group}.js` },
        outfile: resolve(outdir, `${group}.js`),
      }),
    ),
  );
  const requireHere = createRequire(import.meta.url);
  for (const [group, specs] of Object.entries(VENDOR_GROUPS)) {
    const file = resolve(outdir, `${group}.js`);
    delete requireHere.cache[file];
    const loaded = requireHere(file);
    for (const spec of specs) shapes.set(spec, describe(loaded[spec]));
  }
  for (const name of LAZY_BUILTINS) shapes.set(name, describe(requireHere(`node:${name}`)));
  return shapes;
}

function describe(mod) {
  return { keys: Object.keys(mod).filter((k) => k !== 'default' || mod.__esModule), esModule: Boolean(mod.__esModule), callable: typeof mod === 'function' };
}

/** The stand-in module for one specifier: getters that load the real one on first read. */
function standIn(loadExpression, shape) {
  const head = shape.callable
    ? // A default-exported function (picomatch): calls and `new` go through to it.
      'module.exports = function lazyModule(...args) { return new.target ? Reflect.construct(load(), args) : load().apply(this, args); };'
    : 'module.exports = {};';
  return [
    'let loaded;',
    `const load = () => (loaded ??= ${loadExpression});`,
    head,
    ...(shape.esModule ? ['Object.defineProperty(module.exports, "__esModule", { value: true });'] : []),
    `for (const key of ${JSON.stringify(shape.keys)}) Object.defineProperty(module.exports, key, { enumerable: true, get: () => load()[key] });`,
    '',
  ].join('\n');
}

/**
 * The esbuild plugin that swaps the vendor libraries and the lazy Node modules
 * for their stand-ins. `shapes` comes from buildVendorFiles.
 */
export function lazyModulesPlugin(shapes) {
  return {
    name: 'irene-lazy-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.namespace === 'irene-lazy') return { path: args.path, external: true };
        if (lazyBuiltin.has(args.path)) return { path: args.path.replace(/^node:/, ''), namespace: 'irene-lazy' };
        // Only our own sources are redirected: inside a library, its imports are its business.
        if (specifierToGroup.has(args.path) && !args.importer.includes('node_modules')) return { path: args.path, namespace: 'irene-lazy' };
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'irene-lazy' }, (args) => {
        const group = specifierToGroup.get(args.path);
        const loadExpression = group
          ? `require(${JSON.stringify(`./vendor/${group}.js`)})[${JSON.stringify(args.path)}]`
          : `require(${JSON.stringify(`node:${args.path}`)})`;
        const shape = shapes.get(args.path);
        if (!shape) throw new Error(`lazy module ${args.path}: no export list (buildVendorFiles first)`);
        return { contents: standIn(loadExpression, shape), loader: 'js' };
      });
    },
  };
}
