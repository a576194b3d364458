/**
 * Calibration on the user's own machine: find a Python with PyTorch, run the
 * measuring harness with progress and cancellation, load the trees it wrote
 * and train a device profile from them. Runs nothing unless called: the
 * adapters call it only when the user asks (`irene calibrate`, "IrEne:
 * Calibrate this machine").
 */
import { hardwareForMeasurements, highestMeasuredPowerW } from '../hardware/hardwareSpec.js';
import { AbortedError, throwIfAborted } from '../errors.js';
import { loadIreneJsonl } from '../importers/ireneData/loadIreneJsonl.js';
import type { TrainProfileOptions } from '../predict/train.js';
import type { NoiseFigures, Profile } from '../profiles/profileFormat.js';
import type { Dtype, ModelTree } from '../tree/modelNode.js';
import {
  buildCheckArgs,
  buildHarnessArgs,
  CalibrationError,
  validateCalibrationRequest,
  type CalibrationRequest,
  type EnergySourceName,
} from './harnessCommand.js';
import {
  checkProblem,
  parseCheckReport,
  parseHarnessLine,
  parseHarnessSummary,
  type HarnessSummary,
  type PythonCheckReport,
} from './harnessOutput.js';
import type { ProcessRunner } from './processRunner.js';

/** What the calibration needs from its host (Node in practice; fakes in tests). */
export interface CalibrationDeps {
  runner: ProcessRunner;
  /** Reads a whole file (the harness's JSONL). */
  readFile(path: string): Promise<Uint8Array>;
  /** Absolute path of harness/irene_measure.py. */
  harnessPath: string;
  /**
   * Trains the profile: the CLI passes `trainProfile` (this thread), the
   * extension one that runs in its engine worker (training takes seconds).
   * Injected rather than imported so that the extension host's bundle does
   * not carry the trainer and its matrix library.
   */
  train(trees: ModelTree[], options: TrainProfileOptions): Promise<Profile> | Profile;
}

/** An interpreter that can run the harness, and what it reported. */
export interface FoundPython {
  python: string;
  report: PythonCheckReport;
  /** Every interpreter tried before it, with why it was passed over. */
  rejected: { python: string; problem: string }[];
}

/**
 * Tries each interpreter with `irene_measure.py --check` and returns the first
 * that has PyTorch (and the energy source, when given).
 * @param candidates interpreters, best first (see pythonCandidates)
 * @throws CalibrationError listing every interpreter tried and why it cannot be used.
 */
export async function findPython(
  candidates: readonly string[],
  deps: CalibrationDeps,
  options: { energySource?: EnergySourceName; signal?: AbortSignal } = {},
): Promise<FoundPython> {
  const rejected: { python: string; problem: string }[] = [];
  for (const python of candidates) {
    throwIfAborted(options.signal);
    let problem: string | undefined;
    let report: PythonCheckReport | undefined;
    try {
      const r = await deps.runner.run(python, buildCheckArgs(deps.harnessPath), { signal: options.signal });
      if (r.exitCode !== 0) problem = `exited with code ${String(r.exitCode ?? r.signal)} on --check`;
      else {
        report = parseCheckReport(r.stdout, python);
        problem = checkProblem(report, options.energySource);
      }
    } catch (e) {
      if (e instanceof AbortedError) throw e;
      problem = e instanceof Error ? e.message : String(e);
    }
    if (report && problem === undefined) return { python, report, rejected };
    rejected.push({ python, problem: problem ?? 'unusable' });
  }
  const list = rejected.map((r) => `${r.python}: ${r.problem}`).join('; ');
  throw new CalibrationError(
    `no Python that can measure was found (${list}). Install PyTorch for one of them (pip install torch; on Debian/Ubuntu apt-get install python3-torch for /usr/bin/python3) or choose the interpreter with --python / the irene.calibration.pythonPath setting`,
    'NO_TORCH',
  );
}

/** Options of {@link runCalibration}. */
export interface RunCalibrationOptions {
  /** Interpreters to try, best first; with `pythonIsUserChoice` only the first is tried. */
  pythonCandidates: readonly string[];
  /** The user named the interpreter: do not fall back to others behind their back. */
  pythonIsUserChoice?: boolean;
  /** Name of the profile to train (`my-rtx4090-bf16`). */
  profileName: string;
  description?: string;
  /** Seed of the trainer (default 1). */
  seed?: number;
  /** Fraction 0..1 and what is going on. */
  onProgress?(fraction: number, label: string): void;
  /** Every stderr line that is not progress (Python warnings, tracebacks), for a log. */
  onLog?(line: string): void;
  /** Warnings of the harness (a node it could not replay ...). */
  onWarning?(message: string): void;
  /** Aborting kills the harness. */
  signal?: AbortSignal;
}

/** What a calibration produced. */
export interface CalibrationResult {
  python: string;
  check: PythonCheckReport;
  summary: HarnessSummary;
  /** The measured trees as the engine reads them. */
  trees: ModelTree[];
  /** Undefined for structure-only runs. */
  profile?: Profile;
  warnings: string[];
}

const CHECK_SHARE = 0.04;
const HARNESS_SHARE = 0.86;

/**
 * Runs the whole calibration.
 * @throws InvalidInputError for a bad request, CalibrationError when Python, PyTorch,
 *   the energy source or the harness fail (the message says what to do), AbortedError on abort.
 */
export async function runCalibration(req: CalibrationRequest, deps: CalibrationDeps, options: RunCalibrationOptions): Promise<CalibrationResult> {
  validateCalibrationRequest(req);
  const progress = (f: number, label: string): void => options.onProgress?.(Math.min(1, Math.max(0, f)), label);
  progress(0, 'checking Python and PyTorch');
  const candidates = options.pythonIsUserChoice ? options.pythonCandidates.slice(0, 1) : options.pythonCandidates;
  const found = await findPython(candidates, deps, {
    energySource: req.structureOnly ? undefined : req.energySource,
    signal: options.signal,
  });
  progress(CHECK_SHARE, `using ${found.python} (PyTorch ${found.report.torch ?? '?'})`);

  const warnings: string[] = [];
  let harnessError: { message: string; code: string } | undefined;
  const tail: string[] = [];
  const run = await deps.runner.run(found.python, buildHarnessArgs(deps.harnessPath, req), {
    signal: options.signal,
    onStderrLine: (line) => {
      const ev = parseHarnessLine(line);
      if (ev.kind === 'progress') progress(CHECK_SHARE + HARNESS_SHARE * ev.fraction, ev.label);
      else if (ev.kind === 'warning') {
        warnings.push(ev.message);
        options.onWarning?.(ev.message);
      } else if (ev.kind === 'error') harnessError = { message: ev.message, code: ev.code };
      else if (ev.text.trim() !== '') {
        tail.push(ev.text);
        if (tail.length > 12) tail.shift();
        options.onLog?.(ev.text);
      }
    },
  });
  if (run.exitCode !== 0) {
    if (harnessError) throw new CalibrationError(harnessError.message, harnessError.code);
    const last = tail.length > 0 ? `; its last output: ${tail.slice(-4).join(' | ')}` : '';
    throw new CalibrationError(`the measuring harness failed (exit ${String(run.exitCode ?? run.signal)})${last}`);
  }
  const summary = parseHarnessSummary(run.stdout);
  throwIfAborted(options.signal);
  const bytes = await deps.readFile(req.treesOut);
  const trees = loadIreneJsonl(bytes, { fileName: req.treesOut, skipModels: [], signal: options.signal });
  if (summary.fake) warnings.push('the energy numbers are FAKE (synthetic, --energy-source fake): use this profile for tests only');
  if (req.structureOnly) {
    progress(1, 'done (structure only, nothing to train)');
    return { python: found.python, check: found.report, summary, trees, warnings };
  }
  const models = new Set(trees.map((t) => t.modelName));
  if (models.size < 2) warnings.push('cross-validation needs at least two models: measure two or more to learn how far the profile can be trusted');
  const base = CHECK_SHARE + HARNESS_SHARE;
  // The datasheet by NVML's device name; the idle power the harness measured before its runs (else fitted).
  const { hardware, fitIdlePower } = hardwareForMeasurements(
    { deviceName: summary.device, idlePowerW: summary.fake ? undefined : summary.idlePowerW, idleNote: 'measured by irene_measure.py with nothing running, before the calibration runs' },
    highestMeasuredPowerW(trees),
  );
  const profile = await deps.train(trees, {
    name: options.profileName,
    description: options.description ?? `Calibrated on ${summary.device} with ${[...models].join(', ')}`,
    hardware,
    fitIdlePower,
    dtype: toDtype(req.dtype),
    energySource: summary.fake ? `FAKE (synthetic, not a measurement): ${summary.energySourceDetail}` : summary.energySourceDetail || summary.energySource,
    seed: options.seed,
    noise: noiseFigures(summary),
    trainingDescription: `${trees.length} trees measured by irene_measure.py (${summary.energySource}) on ${summary.device}`,
    onProgress: (f, label) => progress(base + (1 - base) * f, `training: ${label}`),
    signal: options.signal,
  });
  progress(1, 'done');
  return { python: found.python, check: found.report, summary, trees, profile, warnings };
}

function toDtype(name: string): Dtype {
  return name === 'bf16' ? 'bf16' : name === 'fp16' ? 'fp16' : 'fp32';
}

/** Token count up to which an input counts as small (launch-bound on a fast GPU). */
const SMALL_TOKENS = 1024;

/**
 * Run-to-run noise from the harness's repeats: half the relative range of the
 * model-level windows approximates one sigma for three repeats.
 */
export function noiseFigures(summary: HarnessSummary): NoiseFigures | undefined {
  const rows = summary.results.filter((r) => r.spread !== undefined);
  if (rows.length === 0) return undefined;
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const half = (r: { spread?: number }): number => (r.spread ?? 0) / 2;
  const small = rows.filter((r) => r.batchSize * r.seqLen <= SMALL_TOKENS).map(half);
  const large = rows.filter((r) => r.batchSize * r.seqLen > SMALL_TOKENS).map(half);
  const all = rows.map(half);
  return {
    smallTokens: SMALL_TOKENS,
    smallRelative: median(small.length > 0 ? small : all),
    largeRelative: median(large.length > 0 ? large : all),
    note: `half the relative range of the model-level repeats measured during calibration (${rows.length} configurations${summary.fake ? ', FAKE source' : ''})`,
  };
}
