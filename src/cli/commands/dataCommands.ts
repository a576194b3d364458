import { writeFileSync } from 'node:fs';
import {
  crossValidate,
  crossValidateFlopsBaseline,
  evaluateProfile,
  listBundledProfiles,
  trainProfile,
  type CrossValidationResult,
  type Dtype,
  type FeatureSet,
} from '../../engine/index.js';
import { createProgressReporter } from '../progressReporter.js';
import { resolveProfile } from '../profileResolver.js';
import { loadTrainingData } from '../trainingData.js';

/** Common options of the commands that read measurements. */
export interface DataOptions {
  modelLevel?: string;
  dtype?: Dtype;
}

function pct(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : 'n/a';
}

/** A cross-validation or evaluation result as an aligned table. */
export function formatErrorTable(result: CrossValidationResult, title: string): string {
  const rows = [
    ['model', 'ml MAPE %', 'module MAPE %', 'model MAPE %'],
    ...result.perModel.map((r) => [r.model, pct(r.mlPct), pct(r.modulePct), pct(r.modelPct)]),
    ['overall (mean)', pct(result.overall.mlPct), pct(result.overall.modulePct), pct(result.overall.modelPct)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.splice(lines.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${title}\n${lines.join('\n')}`;
}

/** `irene crossvalidate`: leave-one-model-out MAPE per level. */
export function runCrossValidate(
  data: string,
  options: DataOptions & { features: FeatureSet; format: 'table' | 'json'; seed: number; baseline: boolean },
): { stdout: string; stderr: string[] } {
  const loaded = loadTrainingData(data, options);
  const progress = createProgressReporter('cross-validating');
  let result: CrossValidationResult;
  try {
    result = crossValidate(loaded.trees, { featureSet: options.features, seed: options.seed, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  const baseline = options.baseline ? crossValidateFlopsBaseline(loaded.trees) : undefined;
  if (options.format === 'json') {
    const json: Record<string, unknown> = { perModel: result.perModel, overall: result.overall };
    if (baseline) json['baseline'] = { perModel: baseline.perModel, overall: baseline.overall };
    return { stdout: JSON.stringify(json, null, 2), stderr: [] };
  }
  const parts = [formatErrorTable(result, `leave-one-model-out cross-validation, ${options.features} features, ${loaded.description} (seed ${options.seed})`)];
  if (baseline) parts.push('', formatErrorTable(baseline, 'baseline a * flops + b (model level)'));
  return { stdout: parts.join('\n'), stderr: loaded.notes.map((n) => `note: ${n}`) };
}

/** `irene train`: fits a profile on all the data and writes it. */
export function runTrain(
  data: string,
  options: DataOptions & { out: string; name?: string; hardware?: string; energySource?: string; features: FeatureSet; seed: number },
): { stdout: string; stderr: string[] } {
  const loaded = loadTrainingData(data, options);
  const dtype = options.dtype ?? loaded.trees[0]?.dtype ?? 'fp32';
  const progress = createProgressReporter('training');
  let profile;
  try {
    profile = trainProfile(loaded.trees, {
      name: options.name ?? options.out.replace(/^.*[\\/]/, '').replace(/\.json$/, ''),
      description: `trained by irene train on ${loaded.description}`,
      hardware: options.hardware ?? 'unknown hardware',
      dtype,
      energySource: options.energySource ?? 'unknown',
      featureSet: options.features,
      seed: options.seed,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  writeFileSync(options.out, `${JSON.stringify(profile, null, 2)}\n`);
  const cv = profile.crossValidation;
  const cvText = cv ? ` (cross-validation MAPE ml ${pct(cv.mlPct)} %, module ${pct(cv.modulePct)} %, model ${pct(cv.modelPct)} %)` : '';
  return { stdout: `wrote profile "${profile.name}" to ${options.out}${cvText}`, stderr: loaded.notes.map((n) => `note: ${n}`) };
}

/** `irene evaluate`: a profile's MAPE on measured data it may not have seen. */
export function runEvaluate(data: string, options: DataOptions & { profile: string; format: 'table' | 'json' }): { stdout: string; stderr: string[] } {
  const profile = resolveProfile(options.profile);
  const loaded = loadTrainingData(data, options);
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
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return { stdout: rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'), stderr: [] };
}
