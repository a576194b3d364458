/**
 * `irene calibrate`: measure this machine with the Python harness and train
 * a device profile from the measurements. The commander wiring lives in
 * main.ts; this module does the work and returns what to print.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  CalibrationError,
  createNodeProcessRunner,
  pythonCandidates,
  runCalibration,
  serializeProfile,
  type CalibrationRequest,
  type CalibrationResult,
  type ProcessRunner,
} from '../../engine/calibrate/index.js';
import { trainProfile } from '../../engine/predict/train.js';
import { writeOutputFile } from '../outputFile.js';

/** Arguments of `irene calibrate`: the harness request (without its output path) plus where the profile goes. */
export interface CalibrateArgs extends Omit<CalibrationRequest, 'treesOut' | 'structureOnly' | 'builtin'> {
  /** Interpreter to use; without it the usual candidates are tried (PATH, /usr/bin/python3 ...). */
  python?: string;
  /** Where to write the profile JSON; the measured trees go beside it (`<name>.trees.jsonl`). */
  out: string;
  profileName: string;
  onProgress?(fraction: number, label: string): void;
  /** Python's own output (warnings, tracebacks), for --verbose. */
  onLog?(line: string): void;
  signal?: AbortSignal;
  /** For tests: another runner or harness. */
  runner?: ProcessRunner;
  harnessPath?: string;
}

/** What `irene calibrate` did. */
export interface CalibrateOutcome {
  profilePath: string;
  treesPath: string;
  result: CalibrationResult;
  /** Lines for stdout. */
  report: string[];
}

/**
 * The shipped harness: `dist/harness/irene_measure.py` next to the bundled
 * CLI, or `harness/irene_measure.py` at the repository root when running from
 * source.
 * @throws CalibrationError when neither exists.
 */
export function locateHarness(fromDir: string = __dirname): string {
  const candidates = [
    join(fromDir, 'harness', 'irene_measure.py'),
    join(fromDir, '..', 'harness', 'irene_measure.py'),
    join(fromDir, '..', '..', '..', 'harness', 'irene_measure.py'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new CalibrationError(`the measuring harness irene_measure.py is missing (looked in ${candidates.join(', ')}); reinstall IrEne`);
  return resolve(found);
}

/** The trees file written beside a profile: `x.json` -> `x.trees.jsonl`. */
export function treesPathFor(profilePath: string): string {
  return profilePath.replace(/\.json$/i, '') + '.trees.jsonl';
}

/** Runs the calibration and writes the profile; see {@link CalibrateArgs}. */
export async function runCalibrate(args: CalibrateArgs): Promise<CalibrateOutcome> {
  const profilePath = resolve(args.out);
  const treesPath = treesPathFor(profilePath);
  mkdirSync(dirname(profilePath), { recursive: true });
  const result = await runCalibration(
    {
      models: args.models.map((m) => (existsSync(m) ? resolve(m) : m)),
      batchSizes: args.batchSizes,
      seqLens: args.seqLens,
      dtype: args.dtype,
      energySource: args.energySource,
      meterCsv: args.meterCsv ? resolve(args.meterCsv) : undefined,
      treesOut: treesPath,
      windowS: args.windowS,
      nodeWindowS: args.nodeWindowS,
      repeats: args.repeats,
      idleS: args.idleS,
      modelOnly: args.modelOnly,
      device: args.device,
      ...(args.phase ? { phase: args.phase } : {}),
      ...(args.contexts ? { contexts: args.contexts } : {}),
      ...(args.attention ? { attention: args.attention } : {}),
    },
    {
      runner: args.runner ?? createNodeProcessRunner(),
      readFile: async (p) => new Uint8Array(await readFile(p)),
      harnessPath: args.harnessPath ?? locateHarness(),
      train: trainProfile,
    },
    {
      pythonCandidates: pythonCandidates({ userPython: args.python, platform: process.platform, env: process.env }),
      pythonIsUserChoice: args.python !== undefined,
      profileName: args.profileName,
      onProgress: args.onProgress,
      onLog: args.onLog,
      signal: args.signal,
    },
  );
  if (!result.profile) throw new CalibrationError('the harness measured nothing to train on');
  writeOutputFile(profilePath, serializeProfile(result.profile), 'the profile');
  return { profilePath, treesPath, result, report: formatCalibration(result, profilePath, treesPath) };
}

/** Human-readable lines about a finished calibration. */
export function formatCalibration(result: CalibrationResult, profilePath: string, treesPath: string): string[] {
  const s = result.summary;
  const lines = [
    `calibrated ${s.device} with ${s.energySourceDetail || s.energySource} (Python ${result.check.pythonVersion} at ${result.python}, PyTorch ${result.check.torch ?? '?'})`,
  ];
  if (s.idlePowerW !== undefined) lines.push(`idle power ${s.idlePowerW.toFixed(1)} W`);
  for (const r of s.results) {
    if (r.energyJ === undefined) continue;
    const spread = r.spread !== undefined ? `, repeats spread ${(100 * r.spread).toFixed(1)} %` : '';
    const time = r.timeS !== undefined ? ` in ${(1000 * r.timeS).toFixed(2)} ms` : '';
    lines.push(`  ${r.modelName} ${r.batchSize}x${r.seqLen}: ${r.energyJ.toPrecision(4)} J per inference${time}${spread}`);
  }
  const cv = result.profile?.crossValidation;
  if (cv && Number.isFinite(cv.modelPct)) {
    lines.push(`cross-validation (leave one model out), mean absolute error: model ${cv.modelPct.toFixed(1)} %, module ${cv.modulePct.toFixed(1)} %, primitive ${cv.mlPct.toFixed(1)} %`);
  } else {
    lines.push('cross-validation: not available (needs measurements of at least two models)');
  }
  lines.push(`profile written to ${profilePath}`, `measured trees written to ${treesPath} (retrain with: irene train ${treesPath} --out ...)`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines;
}
