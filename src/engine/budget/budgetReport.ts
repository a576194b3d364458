/**
 * The JSON report of `irene check --format json`, and reading one back as the
 * baseline of a later check (`irene check --baseline report.json`). Lines in
 * the report are 1-based, as editors and GitHub show them.
 */
import { InvalidInputError } from '../errors.js';
import type { LimitCheck, BudgetBaseline, BudgetModelResult } from './budgetVerdict.js';
import type { BudgetPart } from './budgetParts.js';
import { assertJsonNesting } from '../limits/jsonNesting.js';

/** Identifies the report format; bumped when a field changes meaning. */
export const BUDGET_REPORT_SCHEMA = 'irene-check/1';

/** Where a check's baseline came from. */
export type BaselineSource = { kind: 'git'; ref: string; commit: string } | { kind: 'file'; path: string };

/** A part in the report: its `line` is 1-based here (0-based in BudgetPart), columns left out. */
export type ReportPart = Omit<BudgetPart, 'column' | 'endColumn'>;

/** One model under one entry. */
export interface BudgetModelReport {
  /** Model file relative to the budget file. */
  path: string;
  /** Index of the entry in `models`. */
  entry: number;
  name: string;
  model: string;
  settings: { batchSize: number; seqLen: number; dtype: string; profile: string; profileFingerprint?: string };
  architecture: string;
  /** Energy per inference (joules), its one-sigma, and the systematic part of that (joules): what a difference is judged by. */
  energyJ: number;
  uncertaintyJ: number;
  systematicUncertaintyJ: number;
  /** Energy per token processed (joules). */
  energyPerTokenJ: number;
  baseline: { label: string; energyJ: number; uncertaintyJ: number; systematicJ: number } | null;
  baselineNote?: string;
  /** Difference against the baseline: joules, its one-sigma (joules), the correlation used, percent. */
  delta: { deltaJ: number; sigmaJ: number; rho: number; correlation: string; increasePct: number | null; significant: boolean } | null;
  checks: LimitCheck[];
  status: 'pass' | 'over';
  driver: (ReportPart & { deltaJ?: number; reason: string }) | null;
  parts: ReportPart[];
  warnings: string[];
}

/** The whole report. */
export interface BudgetReport {
  schema: typeof BUDGET_REPORT_SCHEMA;
  /** The budget file, relative to where irene ran. */
  budget: string;
  baseline: BaselineSource | null;
  status: 'pass' | 'over';
  /** Counts of models by status, and of increases above a limit but inside the noise. */
  summary: { models: number; over: number; withinNoise: number };
  models: BudgetModelReport[];
}

function reportPart(p: BudgetPart): ReportPart {
  return {
    id: p.id,
    label: p.label,
    ...(p.configKey !== undefined ? { configKey: p.configKey } : {}),
    ...(p.value !== undefined ? { value: p.value } : {}),
    energyJ: p.energyJ,
    ...(p.line !== undefined ? { line: p.line + 1 } : {}),
  };
}

/** One result in the report's form. */
export function toModelReport(r: BudgetModelResult): BudgetModelReport {
  const d = r.delta;
  return {
    path: r.model.path,
    entry: r.model.entry.index,
    name: r.name,
    model: r.prediction.modelName,
    settings: {
      batchSize: r.prediction.batchSize,
      seqLen: r.prediction.seqLen,
      dtype: r.prediction.dtype,
      profile: r.prediction.profile,
      ...(r.identity.profileFingerprint ? { profileFingerprint: r.identity.profileFingerprint } : {}),
    },
    architecture: r.identity.architecture,
    energyJ: r.prediction.energyJ,
    uncertaintyJ: r.prediction.uncertaintyJ,
    systematicUncertaintyJ: r.prediction.systematicJ,
    energyPerTokenJ: r.metrics.energyPerTokenJ,
    baseline: r.baseline ?? null,
    ...(r.baselineNote ? { baselineNote: r.baselineNote } : {}),
    delta: d
      ? { deltaJ: d.deltaJ, sigmaJ: d.sigmaJ, rho: d.correlation.rho, correlation: d.correlation.reason, increasePct: d.relative === undefined ? null : d.relative * 100, significant: d.significant }
      : null,
    checks: r.checks,
    status: r.status,
    driver: r.driver ? { ...reportPart(r.driver.part), ...(r.driver.deltaJ !== undefined ? { deltaJ: r.driver.deltaJ } : {}), reason: r.driver.reason } : null,
    parts: r.parts.map(reportPart),
    warnings: r.warnings,
  };
}

/** The report of a whole check. */
export function toBudgetReport(budget: string, baseline: BaselineSource | null, results: readonly BudgetModelResult[]): BudgetReport {
  const models = results.map(toModelReport);
  const over = models.filter((m) => m.status === 'over').length;
  return {
    schema: BUDGET_REPORT_SCHEMA,
    budget,
    baseline,
    status: over > 0 ? 'over' : 'pass',
    summary: { models: models.length, over, withinNoise: models.filter((m) => m.checks.some((c) => c.status === 'within-noise')).length },
    models,
  };
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Reads an earlier report as baselines, keyed by `baselineKey`.
 * @throws InvalidInputError when the text is not a report of this format.
 */
export function parseBudgetReport(text: string, fileName: string, label = fileName): Map<string, BudgetBaseline> {
  assertJsonNesting(text, label, (m) => new InvalidInputError(m));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`${fileName}: not JSON; a file baseline is the output of irene check --format json`);
  }
  const v = value as Partial<BudgetReport> | null;
  if (!v || typeof v !== 'object' || v.schema !== BUDGET_REPORT_SCHEMA || !Array.isArray(v.models)) {
    throw new InvalidInputError(`${fileName}: not an irene check report (${BUDGET_REPORT_SCHEMA}); write one with irene check --format json > ${fileName}`);
  }
  const out = new Map<string, BudgetBaseline>();
  v.models.forEach((m, i) => {
    const s = m?.settings;
    if (!m || typeof m.path !== 'string' || !s || !isNum(m.energyJ) || !isNum(m.uncertaintyJ) || !isNum(s.batchSize) || !isNum(s.seqLen) || typeof s.profile !== 'string') {
      throw new InvalidInputError(`${fileName}: models[${i}] lacks path, settings, energyJ or uncertaintyJ; is it an irene check report?`);
    }
    out.set(baselineKey(m.path, s), {
      energyJ: m.energyJ,
      uncertaintyJ: m.uncertaintyJ,
      systematicJ: isNum(m.systematicUncertaintyJ) ? m.systematicUncertaintyJ : m.uncertaintyJ,
      identity: {
        profile: s.profile,
        ...(typeof s.profileFingerprint === 'string' ? { profileFingerprint: s.profileFingerprint } : {}),
        dtype: String(s.dtype),
        architecture: String(m.architecture),
      },
      parts: (Array.isArray(m.parts) ? m.parts : []).map((p) => ({
        ...p,
        ...(isNum(p.line) ? { line: p.line - 1 } : {}),
      })) as BudgetPart[],
      label,
    });
  });
  return out;
}

/** The key matching a model of a check with its baseline in an earlier report: same file, same settings. */
export function baselineKey(path: string, s: { batchSize: number; seqLen: number; dtype?: string; profile: string }): string {
  return `${path}|${s.batchSize}x${s.seqLen}|${s.dtype ?? ''}|${s.profile}`;
}
