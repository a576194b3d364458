import {
  calibrateUncertainty,
  crossValidate,
  crossValidateFlopsBaseline,
  crossValidateLaunchBaseline,
  DataError,
  evaluateProfile,
  hardwareForMeasurements,
  highestMeasuredPowerW,
  listBundledProfiles,
  modelFamily,
  phaseCountsLine,
  phasesOf,
  selectTrainingPhases,
  trainProfile,
  type CrossValidationResult,
  type Dtype,
  type FeatureSet,
  type ModelTree,
  type PhaseCounts,
  type PhaseSelection,
} from '../../engine/index.js';
import { CliUsageError } from '../cliErrors.js';
import { checkOutputPath, dataFilesOf, writeOutputFile } from '../outputFile.js';
import { createProgressReporter } from '../progressReporter.js';
import { resolveProfile } from '../profileResolver.js';
import { loadTrainingData, type LoadedTrainingData } from '../trainingData.js';
import { maxOf } from '../../engine/arrays.js';
import { terminalText } from '../../engine/report/escapeText.js';

/** Common options of the commands that read measurements. */
export interface DataOptions {
  modelLevel?: string;
  dtype?: Dtype;
  /** Device name to look up in the datasheet table (overrides the files' meta). */
  hardware?: string;
  /** Idle power of the measuring machine (W), when the files do not give it. */
  idlePower?: number;
  /** The passes to use (default `forward`: forward passes and prefills; decode steps only when asked). */
  phase?: PhaseSelection;
}

/**
 * The trees of the phases asked for, with a note counting each phase seen.
 * @throws CliUsageError when none of the data's trees is of those phases.
 */
function treesOfPhases(loaded: LoadedTrainingData, selection: PhaseSelection = 'forward'): { loaded: LoadedTrainingData; counts: PhaseCounts } {
  const { trees, counts } = selectTrainingPhases(loaded.trees, selection);
  if (trees.length === 0 && loaded.trees.length > 0) {
    const held = (Object.keys(counts) as (keyof PhaseCounts)[]).filter((p) => counts[p] > 0).map((p) => `${counts[p]} ${p}`);
    throw new CliUsageError(`${loaded.description} holds no ${phasesOf(selection).join(' or ')} trees (it holds ${held.join(', ')}): use --phase ${selection === 'decode' ? 'forward' : 'decode'} or --phase all`);
  }
  return { loaded: { ...loaded, trees, notes: [...loaded.notes, phaseCountsLine(counts, selection)] }, counts };
}

/**
 * The trees of one dtype: a profile and its cross-validation describe one
 * dtype (energies differ by 2x or more between them), so data holding several
 * needs `--dtype`.
 * @throws CliUsageError naming the dtypes when the choice is ambiguous or empty.
 */
function treesOfOneDtype(loaded: LoadedTrainingData, dtype: Dtype | undefined): { trees: ModelTree[]; dtype: Dtype } {
  const dtypes = [...new Set(loaded.trees.map((t) => t.dtype))];
  if (dtype) {
    const trees = loaded.trees.filter((t) => t.dtype === dtype);
    if (trees.length === 0) throw new CliUsageError(`${loaded.description} holds no ${dtype} trees (it holds ${dtypes.join(', ')})`);
    return { trees, dtype };
  }
  if (dtypes.length > 1) throw new CliUsageError(`${loaded.description} holds ${dtypes.join(' and ')} trees: choose one with --dtype`);
  return { trees: loaded.trees, dtype: dtypes[0] ?? 'fp32' };
}

/** The hardware the data was measured on: datasheet by device name, measured or fitted idle power. */
function measurementSetting(loaded: LoadedTrainingData, trees: readonly ModelTree[], options: DataOptions) {
  const machine = { ...loaded.machine };
  if (options.hardware) machine.deviceName = options.hardware;
  if (options.idlePower !== undefined) {
    machine.idlePowerW = options.idlePower;
    machine.idleNote = 'given with --idle-power';
  }
  return hardwareForMeasurements(machine, highestMeasuredPowerW(trees));
}

function pct(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : 'n/a';
}

/** A cross-validation or evaluation result as an aligned table. */
export function formatErrorTable(result: CrossValidationResult, title: string): string {
  const rows = [
    ['model', 'ml MAPE %', 'module MAPE %', 'model MAPE %'],
    // A model name is one row whatever it holds (a line break in it would split the table).
    ...result.perModel.map((r) => [terminalText(r.model), pct(r.mlPct), pct(r.modulePct), pct(r.modelPct)]),
    ['overall (mean)', pct(result.overall.mlPct), pct(result.overall.modulePct), pct(result.overall.modelPct)],
  ];
  const widths = rows[0]!.map((_, i) => maxOf(rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.splice(lines.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${title}\n${lines.join('\n')}`;
}

/** Coverage of the calibrated one- and two-sigma bands, per level, as a line. */
function coverageLine(result: CrossValidationResult): string {
  const u = calibrateUncertainty(result.residuals, { ml: 0.1, module: 0.1, model: 0.1 });
  const part = (level: 'ml' | 'module' | 'model'): string => {
    const c = u.coverage?.[level];
    return c ? `${level} ${(100 * c.within1Sigma).toFixed(0)} % / ${(100 * c.within2Sigma).toFixed(0)} %` : `${level} n/a`;
  };
  return `held-out nodes inside the calibrated +-1 sigma / +-2 sigma band: ${part('ml')}, ${part('module')}, ${part('model')}`;
}

/** `irene crossvalidate`: leave-one-model-out (or leave-one-family-out) MAPE per level. */
export function runCrossValidate(
  data: string,
  options: DataOptions & { features: FeatureSet; format: 'table' | 'json'; seed: number; baseline: boolean; leaveOut?: 'model' | 'family' },
): { stdout: string; stderr: string[] } {
  const { loaded, counts } = treesOfPhases(loadTrainingData(data, { modelLevelPath: options.modelLevel, dtype: undefined }), options.phase);
  const { trees, dtype } = treesOfOneDtype(loaded, options.dtype);
  const { hardware, fitIdlePower } = measurementSetting(loaded, trees, options);
  const groupOf = options.leaveOut === 'family' ? (t: ModelTree) => modelFamily(t.modelName) : undefined;
  const progress = createProgressReporter('cross-validating');
  let result: CrossValidationResult;
  try {
    // The file's other dtypes were measured on the same host: they may inform its CPU-side time rates.
    const companionTrees = loaded.trees.filter((t) => t.dtype !== dtype);
    result = crossValidate(trees, { featureSet: options.features, seed: options.seed, setting: { hardware, fitIdlePower }, groupOf, companionTrees, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  const baselines = options.baseline
    ? { flops: crossValidateFlopsBaseline(trees, groupOf), launches: crossValidateLaunchBaseline(trees, groupOf) }
    : undefined;
  const unit = options.leaveOut === 'family' ? 'family' : 'model';
  if (options.format === 'json') {
    const json: Record<string, unknown> = { dtype, leaveOut: unit, phases: phasesOf(options.phase ?? 'forward'), treesByPhase: counts, perModel: result.perModel, overall: result.overall };
    if (baselines) {
      json['baseline'] = { perModel: baselines.flops.perModel, overall: baselines.flops.overall };
      json['launchBaseline'] = { perModel: baselines.launches.perModel, overall: baselines.launches.overall };
    }
    return { stdout: JSON.stringify(json, null, 2), stderr: [] };
  }
  const parts = [
    formatErrorTable(result, `leave-one-${unit}-out cross-validation, ${options.features} features, ${dtype}, ${loaded.description} (seed ${options.seed})`),
    coverageLine(result),
  ];
  if (baselines) {
    parts.push('', formatErrorTable(baselines.flops, 'baseline a * flops + b (model level)'));
    parts.push('', formatErrorTable(baselines.launches, 'baseline a + b * launches + c * flops + d * bytes, non-negative (model level)'));
  }
  return { stdout: parts.join('\n'), stderr: loaded.notes.map((n) => `note: ${n}`) };
}

/** `irene train`: fits a profile on all the data and writes it. */
export function runTrain(
  data: string,
  options: DataOptions & { out: string; name?: string; energySource?: string; features: FeatureSet; seed: number },
): { stdout: string; stderr: string[] } {
  const inputs = [...dataFilesOf(data), ...(options.modelLevel ? [options.modelLevel] : [])];
  checkOutputPath(options.out, 'the profile', inputs);
  const { loaded } = treesOfPhases(loadTrainingData(data, { modelLevelPath: options.modelLevel }), options.phase);
  const { trees, dtype } = treesOfOneDtype(loaded, options.dtype);
  const { hardware, fitIdlePower } = measurementSetting(loaded, trees, options);
  const progress = createProgressReporter('training');
  let profile;
  try {
    profile = trainProfile(trees, {
      name: options.name ?? options.out.replace(/^.*[\\/]/, '').replace(/\.json$/, ''),
      description: `trained by irene train on ${loaded.description}`,
      hardware,
      fitIdlePower,
      dtype,
      energySource: options.energySource ?? 'unknown',
      featureSet: options.features,
      seed: options.seed,
      companionTrees: loaded.trees.filter((t) => t.dtype !== dtype),
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  writeOutputFile(options.out, `${JSON.stringify(profile, null, 2)}\n`, 'the profile', inputs);
  const cv = profile.crossValidation;
  const cvText = cv ? ` (cross-validation MAPE ml ${pct(cv.mlPct)} %, module ${pct(cv.modulePct)} %, model ${pct(cv.modelPct)} %)` : '';
  return { stdout: `wrote profile "${profile.name}" to ${options.out}${cvText}`, stderr: loaded.notes.map((n) => `note: ${n}`) };
}

/** `irene evaluate`: a profile's MAPE on measured data it may not have seen. */
export function runEvaluate(data: string, options: DataOptions & { profile: string; format: 'table' | 'json' }): { stdout: string; stderr: string[] } {
  const profile = resolveProfile(options.profile);
  const { loaded } = treesOfPhases(loadTrainingData(data, { modelLevelPath: options.modelLevel, dtype: options.dtype }), options.phase);
  // An error table of nothing but "n/a" would read as a result: say instead that there was nothing to score.
  if (!loaded.trees.some((t) => t.root.measured || t.measuredModelEnergyJ !== undefined)) {
    throw new DataError(`${loaded.description}: nothing to evaluate (none of its ${loaded.trees.length} trees carries measured energies)`);
  }
  const result = evaluateProfile(loaded.trees, profile);
  if (options.format === 'json') return { stdout: JSON.stringify(result, null, 2), stderr: [] };
  return {
    stdout: formatErrorTable(result, `profile ${profile.name} on ${loaded.description}`),
    stderr: loaded.notes.map((n) => `note: ${n}`),
  };
}

/** `irene profiles`: the bundled profiles with their measured accuracy. */
export function runProfiles(options: { format: 'table' | 'json'; defaultName: string }): { stdout: string; stderr: string[] } {
  const profiles = listBundledProfiles();
  if (options.format === 'json') return { stdout: JSON.stringify(profiles, null, 2), stderr: [] };
  const rows = [
    ['name', 'dtype', 'hardware', 'CV MAPE ml / module / model %'],
    ...profiles.map((p) => [
      p.name + (p.name === options.defaultName ? ' (default)' : ''),
      p.dtype,
      p.hardware,
      `${pct(p.crossValidation.mlPct)} / ${pct(p.crossValidation.modulePct)} / ${pct(p.crossValidation.modelPct)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => maxOf(rows.map((r) => r[i]!.length)));
  return { stdout: rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'), stderr: [] };
}
