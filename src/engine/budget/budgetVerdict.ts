/**
 * Holding one prediction to its budget entry: the absolute limits (energy per
 * inference, per token) against the predicted value, and the increase limit
 * against a baseline prediction, counting an increase only when it is more
 * than the one-sigma uncertainty of the difference (deltaUncertainty.ts).
 * The CLI prints these results and the editor turns them into diagnostics:
 * both read the same messages.
 */
import { formatEnergyAuto, formatSignificant } from '../report/formatUnits.js';
import type { PredictionLike } from '../report/predictionReport.js';
import { ABSOLUTE_LIMITS, type BudgetAbsoluteLimitKey, type BudgetLimitKey } from './budgetFields.js';
import type { BudgetModel } from './budgetModels.js';
import { budgetParts, findBudgetDriver, type BudgetDriver, type BudgetPart } from './budgetParts.js';
import { energyDelta, predictionCorrelation, systematicUncertaintyJ, type EnergyDelta, type PredictionIdentity } from './deltaUncertainty.js';

/** What a budget can bound, for one prediction. */
export interface BudgetMetrics {
  /** Energy of one inference (joules). */
  energyPerInferenceJ: number;
  /** Energy per token processed: per inference / (batch x sequence) (joules). */
  energyPerTokenJ: number;
}

/** The metrics of a prediction, and their one-sigma uncertainties (joules). */
export function budgetMetrics(p: { energyJ: number; uncertaintyJ: number; batchSize: number; seqLen: number }): { value: BudgetMetrics; sigma: BudgetMetrics } {
  const tokens = p.batchSize * p.seqLen;
  return {
    value: { energyPerInferenceJ: p.energyJ, energyPerTokenJ: p.energyJ / tokens },
    sigma: { energyPerInferenceJ: p.uncertaintyJ, energyPerTokenJ: p.uncertaintyJ / tokens },
  };
}

/**
 * The outcome of one limit: `over` fails the check; `within-noise` is an
 * increase above the limit but inside the difference's one-sigma (not
 * counted); `skipped` an increase limit without a baseline to compare with.
 */
export type LimitStatus = 'pass' | 'over' | 'within-noise' | 'skipped';

/** One limit of an entry, checked. */
export interface LimitCheck {
  limit: BudgetLimitKey;
  /** The limit (joules, or percent for maxIncreasePct). */
  limitValue: number;
  /** The value held to it (joules, or percent); undefined when skipped. */
  actual?: number;
  /** One-sigma uncertainty of `actual`, in its unit. */
  sigma?: number;
  status: LimitStatus;
  /** One line a user can act on. */
  message: string;
}

/** The baseline a prediction is compared with. */
export interface BudgetBaseline {
  /** Energy per inference (joules), its one-sigma and the systematic part of that (joules). */
  energyJ: number;
  uncertaintyJ: number;
  systematicJ: number;
  identity: PredictionIdentity;
  /** Parts of the baseline model (to find which part drives an increase). */
  parts?: BudgetPart[];
  /** How messages name it: `HEAD~1`, `origin/main`, `baseline.json`. */
  label: string;
}

/** One model file held to one budget entry. */
export interface BudgetModelResult {
  model: BudgetModel;
  /** Label in reports: the entry's name, else the file. */
  name: string;
  prediction: { modelName: string; energyJ: number; uncertaintyJ: number; systematicJ: number; batchSize: number; seqLen: number; dtype: string; profile: string };
  identity: PredictionIdentity;
  metrics: BudgetMetrics;
  /** The comparison with the baseline; undefined without one (no --baseline, or a model new since it). */
  delta?: EnergyDelta;
  /** The baseline compared with: its label and prediction (joules). */
  baseline?: { label: string; energyJ: number; uncertaintyJ: number; systematicJ: number };
  /** Why there is no delta although a baseline was asked for (`new since HEAD~1`). */
  baselineNote?: string;
  checks: LimitCheck[];
  /** `over` when any limit is over. */
  status: 'pass' | 'over';
  /** The part a message points at: what drives the increase, else what carries the most energy. */
  driver?: BudgetDriver;
  parts: BudgetPart[];
  warnings: string[];
}

/** `+3.1 %` */
function signedPct(pct: number): string {
  return `${pct >= 0 ? '+' : '−'}${formatSignificant(Math.abs(pct), 2)} %`;
}

function signedJ(j: number): string {
  return `${j >= 0 ? '+' : '−'}${formatEnergyAuto(Math.abs(j))}`;
}

function absoluteCheck(key: BudgetAbsoluteLimitKey, limit: number, m: { value: BudgetMetrics; sigma: BudgetMetrics }): LimitCheck {
  const { metric, unit } = ABSOLUTE_LIMITS[key];
  const actual = m.value[metric];
  const sigma = m.sigma[metric];
  const over = actual > limit;
  const what = `${formatEnergyAuto(actual)} ± ${formatEnergyAuto(sigma)} ${unit}`;
  return {
    limit: key,
    limitValue: limit,
    actual,
    sigma,
    status: over ? 'over' : 'pass',
    message: over
      ? `${what}, over the limit of ${formatEnergyAuto(limit)} (${signedPct((actual / limit - 1) * 100)})`
      : `${what}, within the limit of ${formatEnergyAuto(limit)}`,
  };
}

function increaseCheck(limitPct: number, delta: EnergyDelta | undefined, label: string | undefined, note: string | undefined): LimitCheck {
  if (!delta || delta.relative === undefined) {
    return { limit: 'maxIncreasePct', limitValue: limitPct, status: 'skipped', message: note ?? 'no baseline to compare with (irene check --baseline REF|FILE)' };
  }
  const pct = delta.relative * 100;
  const sigmaPct = (delta.sigmaJ / delta.baseJ) * 100;
  const change = `${signedPct(pct)} energy per inference against ${label ?? 'the baseline'} (${signedJ(delta.deltaJ)} ± ${formatEnergyAuto(delta.sigmaJ)})`;
  const base = { limit: 'maxIncreasePct' as const, limitValue: limitPct, actual: pct, sigma: sigmaPct };
  if (pct <= limitPct) return { ...base, status: 'pass', message: `${change}, within the limit of +${formatSignificant(limitPct, 2)} %` };
  if (!delta.significant) {
    return {
      ...base,
      status: 'within-noise',
      message: `${change}: above the limit of +${formatSignificant(limitPct, 2)} % but inside the ±1σ of the difference, so not counted`,
    };
  }
  return { ...base, status: 'over', message: `${change}, over the limit of +${formatSignificant(limitPct, 2)} %` };
}

/** What evaluateBudgetModel needs. */
export interface EvaluateBudgetInput {
  model: BudgetModel;
  prediction: PredictionLike;
  identity: PredictionIdentity;
  /** The model file's text when it is text (config keys and their lines come from it). */
  text?: string;
  baseline?: BudgetBaseline;
  /** Why there is no baseline although one was asked for. */
  baselineNote?: string;
}

/** Checks one prediction against its entry's limits. */
export function evaluateBudgetModel(input: EvaluateBudgetInput): BudgetModelResult {
  const { model, prediction: p, baseline } = input;
  const entry = model.entry;
  const m = budgetMetrics(p);
  const parts = budgetParts(p.root, input.text);
  const warnings = [...p.warnings];
  const systematicJ = systematicUncertaintyJ(p);
  let delta: EnergyDelta | undefined;
  if (baseline) {
    const correlation = predictionCorrelation(baseline.identity, input.identity);
    if (correlation.rho === 0) warnings.push(`baseline: ${correlation.reason}`);
    delta = energyDelta(baseline, { energyJ: p.energyJ, uncertaintyJ: p.uncertaintyJ, systematicJ }, correlation);
  }
  const checks: LimitCheck[] = [];
  for (const key of Object.keys(ABSOLUTE_LIMITS) as BudgetAbsoluteLimitKey[]) {
    const limit = entry[key];
    if (limit !== undefined) checks.push(absoluteCheck(key, limit, m));
  }
  if (entry.maxIncreasePct !== undefined) checks.push(increaseCheck(entry.maxIncreasePct, delta, baseline?.label, input.baselineNote));
  if (checks.length === 0) warnings.push(`no limit set for ${entry.path} (models[${entry.index}]): predicted and reported only`);
  const status = checks.some((c) => c.status === 'over') ? 'over' : 'pass';
  // A model that grew points at what grew (the edited key); otherwise at what carries the most energy.
  const driver = (delta && delta.deltaJ > 0 && baseline?.parts ? findBudgetDriver(parts, baseline.parts) : undefined) ?? findBudgetDriver(parts);
  return {
    model,
    name: entry.name ?? model.path,
    prediction: { modelName: p.modelName, energyJ: p.energyJ, uncertaintyJ: p.uncertaintyJ, systematicJ, batchSize: p.batchSize, seqLen: p.seqLen, dtype: p.dtype, profile: p.profile.name },
    identity: input.identity,
    metrics: m.value,
    ...(delta ? { delta } : {}),
    ...(baseline ? { baseline: { label: baseline.label, energyJ: baseline.energyJ, uncertaintyJ: baseline.uncertaintyJ, systematicJ: baseline.systematicJ } } : {}),
    ...(input.baselineNote ? { baselineNote: input.baselineNote } : {}),
    checks,
    status,
    ...(driver ? { driver } : {}),
    parts,
    warnings,
  };
}

/**
 * One line about a result that is over its budget, naming the limits over
 * and the part that drives it: what an annotation or a diagnostic says.
 */
export function describeOverBudget(r: BudgetModelResult): string {
  const over = r.checks.filter((c) => c.status === 'over');
  const d = r.driver;
  const blame = d
    ? d.deltaJ !== undefined
      ? `; ${d.part.label} drives it (${signedJ(d.deltaJ)})`
      : `; ${d.part.label} carries the most energy (${formatEnergyAuto(d.part.energyJ)})`
    : '';
  const setting = `batch ${r.prediction.batchSize} × ${r.prediction.seqLen}, ${r.prediction.profile}`;
  return `${r.name} is over its energy budget (${setting}): ${over.map((c) => c.message).join('; ')}${blame}`;
}
