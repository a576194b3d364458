/**
 * `irene`'s entry point (dist/cli.js): loads the CLI bundle (dist/cli.bundle.js)
 * with the V8 code cache the build wrote beside it (dist/cli.bundle.cache).
 *
 * Why: each `irene` run is a new process, and V8 compiles a function's
 * bytecode the first time it runs. For `irene generate` on a 7B config that
 * compiling was about a sixth of the whole run. The build runs the usual
 * commands once and saves the bytecode they compiled (scripts/build/writeCliCodeCache.mjs);
 * a later run reads it back instead of compiling. Node 20 has no compile cache
 * of its own (module.enableCompileCache is Node 22), and v8-compile-cache saves
 * only what is compiled before the code runs, which is little for a bundle whose
 * functions compile lazily; hence these few lines.
 *
 * The cache is used only when it was written for this very bundle file (its
 * size and modification time, in the cache's first line) and V8 accepts it
 * (same V8 version and flags); otherwise the bundle is compiled as usual.
 * Nothing is written at run time.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/**
 * How much bytecode a function runs before V8 considers optimising it: four times Node 20's
 * default of 67,584. Why: an `irene` run lasts a fraction of a second, and on a two-core machine
 * the optimising compiler's background jobs compete with the run itself and with the garbage
 * collector for the second core; code that runs a few thousand times is done before its
 * optimised version pays back. Measured here (interleaved medians of 9-11 runs): `generate` on a
 * 7B config 291 -> 252 ms, a 10k-node ONNX `predict` 558 -> 487 ms, a 100k-node one unchanged
 * (2846 vs 2848 ms; long loops still reach the optimising tier). Switching optimisation off
 * (--no-opt) helped short runs as much but made the 100k-node run 18 % slower. The flag is set
 * before the bundle is compiled, in the writer of the code cache too, so the cache (whose key
 * includes V8's flags) still matches. A budget the user passed to node wins.
 */
const INTERRUPT_BUDGET = 270_336;
if (!process.execArgv.some((a) => a.startsWith('--interrupt-budget'))) setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);

const BUNDLE = join(__dirname, 'cli.bundle.js');
const CACHE = join(__dirname, 'cli.bundle.cache');
const HEADER = 'irene-code-cache';

/** Identifies one build of the bundle: a rebuilt bundle never meets the old cache. */
function bundleStamp(): string {
  const s = statSync(BUNDLE);
  // Whole milliseconds: a copy that keeps times to the nanosecond (cp -p) keeps the cache usable.
  return `${HEADER} ${s.size} ${Math.floor(s.mtimeMs)}\n`;
}

/** The cache's bytecode, when it was written for this bundle file. */
function readCache(stamp: string): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(CACHE);
  } catch {
    return undefined;
  }
  const end = raw.indexOf(10);
  return end > 0 && raw.toString('latin1', 0, end + 1) === stamp ? raw.subarray(end + 1) : undefined;
}

type CliExports = { main(argv: string[]): Promise<number> };

/**
 * Runs the bundle as the module `target`. Given this file's own module, the
 * bundle sees itself as the main module when this file is (its
 * `require.main === module` check) and runs the command line.
 */
function load(stamp: string, target: { exports: object }): Script {
  const cachedData = readCache(stamp);
  const script = new Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  // For tests and for anyone wondering why a start is slow.
  if (process.env['IRENE_CODE_CACHE_REPORT']) {
    process.stderr.write(`code cache: ${cachedData === undefined ? 'absent or stale' : script.cachedDataRejected ? 'rejected by V8' : 'used'}\n`);
  }
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(target.exports, target.exports, createRequire(BUNDLE), target, BUNDLE, __dirname);
  return script;
}

/**
 * The build's cache writer: IRENE_WRITE_CODE_CACHE holds a JSON list of
 * argument lists; each runs in this process, then the bytecode compiled by
 * all of them is saved.
 */
async function writeCodeCache(workloads: string[][]): Promise<void> {
  const stamp = bundleStamp();
  // Not this module: the bundle must not run process.argv, only the workloads.
  const cli = { exports: {} as CliExports };
  const script = load(stamp, cli);
  for (const argv of workloads) await cli.exports.main(argv);
  writeFileSync(CACHE, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
}

const workloads = process.env['IRENE_WRITE_CODE_CACHE'];
if (workloads !== undefined) {
  // A failure rejects, and Node exits non-zero: the build then warns that no cache was written.
  void writeCodeCache(JSON.parse(workloads) as string[][]);
} else {
  load(bundleStamp(), module);
}
