// Writes dist/cli.bundle.cache: the bytecode V8 compiles while the CLI runs the
// usual commands (src/cli/launch.ts reads it back at each start). The commands
// run on the bundled examples and fixtures, once each, in one process, with
// their output thrown away; a command that fails only makes the cache smaller.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Commands whose code every start should find compiled: config, generation, ONNX, Python. */
const WORKLOADS = [
  ['predict', 'examples/bert-base-uncased/config.json'],
  ['predict', 'examples/gpt2/config.json', '--format', 'json'],
  ['predict', 'examples/bert-base-uncased/config.json', '--format', 'markdown'],
  ['generate', 'examples/tinyllama-1.1b/config.json', '--format', 'json'],
  ['generate', 'examples/tinyllama-1.1b/config.json', '--graphs'],
  ['predict', 'examples/tinyllama-1.1b/config.json', '--phase', 'decode', '--context', '2048'],
  ['predict', 'test/fixtures/onnx/gpt2-tiny.onnx'],
  ['predict', 'test/fixtures/python/gpt2_like.py'],
  ['profiles'],
];

/** Runs the workloads through the launcher at `cli` and leaves the cache beside the bundle. */
export function writeCliCodeCache(cli) {
  const workloads = WORKLOADS.filter((argv) => argv.length < 2 || existsSync(argv[1]));
  // The flags V8 runs with are part of the cache's key: write it under the plain `node` a user runs.
  const env = { ...process.env, IRENE_WRITE_CODE_CACHE: JSON.stringify(workloads) };
  delete env.NODE_OPTIONS;
  const run = spawnSync(process.execPath, [cli], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) {
    console.warn(`warning: the CLI's code cache was not written (exit ${run.status ?? run.signal}); irene starts slower.\n${run.stderr.slice(-2000)}`);
  }
}
