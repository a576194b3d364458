/**
 * `irene trace <file.py> [--class NAME]`: runs the user's own Python with
 * PyTorch on the `meta` device (no weights, no GPU, no download) to record
 * the module tree and op shapes of one forward pass, and predicts on that
 * exact tree, marked "traced". The trace is cached by the file's content (and
 * its config.json's and the settings), so a file is traced once. Static
 * analysis (`irene predict`) stays the default and needs no Python.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createNodeProcessRunner } from '../../engine/calibrate/nodeProcessRunner.js';
import type { ProcessRunner } from '../../engine/calibrate/processRunner.js';
import {
  declaredDtype,
  formatEnergyAuto,
  formatShare,
  importModel,
  parseTrace,
  predictTree,
  treeFromTrace,
  toPredictionReport,
  type Dtype,
  type ModelTree,
  type Prediction,
} from '../../engine/index.js';
import { CliUsageError } from '../cliErrors.js';
import { formatTreeTable } from '../format/treeTable.js';
import { readModelInput } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';
import { locateTraceScript } from '../trace/pythonTraceScript.js';
import { runPythonTrace, TraceError } from '../trace/runPythonTrace.js';

/** Options of `irene trace`. */
export interface TraceCommandOptions {
  className?: string;
  batchSize: number;
  seqLen: number;
  dtype?: Dtype;
  profile: string;
  format: 'table' | 'json';
  depth: number;
  /** Python with PyTorch (default: IRENE_PYTHON, else python3). */
  python?: string;
  /** Folder of cached traces (default: $XDG_CACHE_HOME/irene/traces or ~/.cache/irene/traces); `false`: no cache. */
  cacheDir?: string | false;
  /** Longest the user's Python may run (seconds; default {@link DEFAULT_TRACE_TIMEOUT_S}). */
  timeoutS?: number;
  /** For tests: how processes run, and where the script is. */
  runner?: ProcessRunner;
  script?: string;
}

/** The default cache folder of traces. */
export function defaultTraceCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'irene', 'traces');
}

/**
 * Longest a trace may take by default (seconds). Why a limit: the trace runs the user's code, and
 * a `while True:` in it (or `[0] * 10**9`) waited forever; a real model builds on the meta device
 * and runs its forward in seconds.
 */
export const DEFAULT_TRACE_TIMEOUT_S = 120;

/** Traces a Python model file and predicts its energy on the traced tree. */
export async function runTrace(file: string, options: TraceCommandOptions): Promise<{ stdout: string; stderr: string[]; prediction: Prediction; tree: ModelTree; cached: boolean }> {
  if (!/\.py$/i.test(file)) throw new CliUsageError(`${file}: irene trace reads PyTorch source (.py); use irene predict for other files`);
  const input = readModelInput(file);
  const profile = resolveProfile(options.profile);
  const dtype = options.dtype ?? declaredDtype(input) ?? profile.dtype;
  const settings = { batchSize: options.batchSize, seqLen: options.seqLen, dtype };
  // The static reading picks the class (the outermost model class) and the root input, as `predict` would.
  const staticTree = importModel(input, settings);
  const className = options.className ?? staticTree.modelName;
  const rootInput = staticTree.root.inputShapes[0];
  const floatInput = rootInput !== undefined && rootInput.length === 3;
  const config = input.companions?.find((c) => /config\.json$/i.test(c.fileName));
  const timeoutS = options.timeoutS ?? DEFAULT_TRACE_TIMEOUT_S;
  const deadline = AbortSignal.timeout(timeoutS * 1000);
  const { json, cached } = await runPythonTrace(
    {
      file: resolve(input.fileName),
      bytes: input.bytes,
      ...(config ? { config: { path: resolve(config.fileName), bytes: config.bytes } } : {}),
      className,
      inputShape: floatInput ? rootInput : [options.batchSize, options.seqLen],
      floatInput,
    },
    {
      python: options.python ?? process.env['IRENE_PYTHON'] ?? 'python3',
      script: options.script ?? locateTraceScript(dirname(__filename)),
      ...(options.cacheDir !== false ? { cacheDir: options.cacheDir ?? defaultTraceCacheDir() } : {}),
      runner: options.runner ?? createNodeProcessRunner(),
      signal: deadline,
    },
  ).catch((err: unknown) => {
    if (deadline.aborted) throw new TraceError(`tracing ${input.fileName} stopped: it took over ${timeoutS} s (give --timeout to wait longer)`);
    throw err;
  });
  const tree = treeFromTrace(parseTrace(json), { ...settings, fileName: input.fileName });
  const prediction = predictTree(tree, profile);
  const note = `traced with PyTorch${cached ? ' (cached)' : ''}`;
  if (options.format === 'json') return { stdout: JSON.stringify({ traced: true, cached, ...toPredictionReport(prediction) }, null, 2), stderr: [], prediction, tree, cached };
  const stdout = [
    `${prediction.modelName}: ${formatEnergyAuto(prediction.energyJ)} per inference ± ${formatEnergyAuto(prediction.uncertaintyJ)} (${formatShare(prediction.uncertaintyJ / prediction.energyJ)}) · ${note}`,
    `batch ${prediction.batchSize} × ${prediction.seqLen} tokens · ${prediction.dtype} · profile ${prediction.profile.name} (${prediction.profile.hardware})`,
    '',
    formatTreeTable(prediction.root, { maxDepth: options.depth }),
  ].join('\n');
  return { stdout, stderr: prediction.warnings.map((w) => `warning: ${w}`), prediction, tree, cached };
}
