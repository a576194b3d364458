/**
 * The verdict on real predictions of bert-base's config: limits derived from
 * a prediction made here, and the part each message points at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_PROFILE_NAME,
  getBundledProfile,
  importModel,
  predictTree,
  registerBuiltinImporters,
  type Prediction,
} from '../../../src/engine/index.js';
import {
  budgetParts,
  deltaUncertaintyJ,
  describeOverBudget,
  evaluateBudgetModel,
  parseBudgetReport,
  predictionIdentity,
  resolveEntry,
  SAME_PROFILE_CORRELATION,
  systematicUncertaintyJ,
  toBudgetReport,
  validateBudget,
  type BudgetBaseline,
  type BudgetModel,
} from '../../../src/engine/budget/index.js';

registerBuiltinImporters();
const ROOT = join(__dirname, '..', '..', '..');
const BERT = readFileSync(join(ROOT, 'examples', 'bert-base-uncased', 'config.json'), 'utf8');
const profile = getBundledProfile(DEFAULT_PROFILE_NAME);

function edited(edit: Record<string, unknown>): string {
  return `${JSON.stringify({ ...JSON.parse(BERT), ...edit }, null, 2)}\n`;
}

function predict(text: string): Prediction {
  return predictTree(importModel({ fileName: 'config.json', bytes: new TextEncoder().encode(text) }, { batchSize: 8, seqLen: 256, dtype: profile.dtype }), profile);
}

function model(limits: Record<string, number>): BudgetModel {
  const budget = validateBudget({ models: [{ path: 'config.json', ...limits }] }, 'irene.budget.json', 'json');
  return { entry: resolveEntry(budget, budget.entries[0]!), path: 'config.json' };
}

function baselineOf(text: string, label = 'HEAD'): BudgetBaseline {
  const p = predict(text);
  return { energyJ: p.energyJ, uncertaintyJ: p.uncertaintyJ, systematicJ: systematicUncertaintyJ(p), identity: predictionIdentity(p), parts: budgetParts(p.root, text), label };
}

test('absolute limits around the prediction: within above it, over below it, with a one-line message', () => {
  const p = predict(BERT);
  const tokens = 8 * 256;
  const ok = evaluateBudgetModel({ model: model({ maxEnergyJ: p.energyJ * 1.01, maxEnergyPerTokenJ: (p.energyJ / tokens) * 1.01 }), prediction: p, identity: predictionIdentity(p), text: BERT });
  assert.equal(ok.status, 'pass');
  assert.deepEqual(ok.checks.map((c) => c.status), ['pass', 'pass']);
  const over = evaluateBudgetModel({ model: model({ maxEnergyJ: p.energyJ * 0.99 }), prediction: p, identity: predictionIdentity(p), text: BERT });
  assert.equal(over.status, 'over');
  assert.equal(over.checks[0]!.actual, p.energyJ);
  // Without a baseline the message points at the key that carries the most energy: the layers.
  assert.equal(over.driver?.part.configKey, 'num_hidden_layers');
  assert.equal(over.driver?.reason, 'largest');
  const line = BERT.split('\n').findIndex((l) => l.includes('"num_hidden_layers"'));
  assert.equal(over.driver?.part.line, line);
  const msg = describeOverBudget(over);
  assert.match(msg, /over the limit of/);
  assert.match(msg, /num_hidden_layers carries the most energy/);
  assert.equal(msg.split('\n').length, 1);
});

test('an increase limit without a baseline is skipped, not passed silently', () => {
  const p = predict(BERT);
  const r = evaluateBudgetModel({ model: model({ maxIncreasePct: 5 }), prediction: p, identity: predictionIdentity(p), text: BERT });
  assert.equal(r.checks[0]!.status, 'skipped');
  assert.equal(r.status, 'pass');
});

test('two more layers: the delta and its sigma are computed from the two predictions, and the layers key drives it', () => {
  const base = baselineOf(BERT);
  const text = edited({ num_hidden_layers: 14 });
  const p = predict(text);
  const r = evaluateBudgetModel({ model: model({ maxIncreasePct: 5 }), prediction: p, identity: predictionIdentity(p), text, baseline: base });
  const expectedSigma = deltaUncertaintyJ(base.systematicJ, systematicUncertaintyJ(p), SAME_PROFILE_CORRELATION);
  assert.ok(Math.abs(r.delta!.deltaJ - (p.energyJ - base.energyJ)) < 1e-12);
  assert.ok(Math.abs(r.delta!.sigmaJ - expectedSigma) < 1e-12);
  assert.ok(r.delta!.sigmaJ < Math.hypot(base.uncertaintyJ, p.uncertaintyJ), 'correlated: less than the quadrature sum');
  assert.equal(r.driver?.part.configKey, 'num_hidden_layers');
  assert.equal(r.driver?.reason, 'edited');
});

test('a wider model is blamed on hidden_size, not on the layers key that grows more', () => {
  const base = baselineOf(BERT);
  const text = edited({ hidden_size: 960 });
  const p = predict(text);
  const r = evaluateBudgetModel({ model: model({ maxIncreasePct: 0 }), prediction: p, identity: predictionIdentity(p), text, baseline: base });
  const parts = new Map(r.parts.map((x) => [x.id, x]));
  const before = new Map(base.parts!.map((x) => [x.id, x]));
  const grew = (id: string) => parts.get(id)!.energyJ - before.get(id)!.energyJ;
  // hidden_size tags a few projections; the layers it widens all sit under num_hidden_layers, so the largest delta alone would blame the layers.
  assert.ok(grew('key:num_hidden_layers') > grew('key:hidden_size'));
  assert.equal(r.driver?.part.configKey, 'hidden_size');
  assert.equal(r.driver?.reason, 'edited');
});

test('an increase inside the noise is within-noise, not over; a baseline from another profile widens the sigma', () => {
  const base = baselineOf(BERT);
  const small = edited({ intermediate_size: 3100 });
  const ps = predict(small);
  const rs = evaluateBudgetModel({ model: model({ maxIncreasePct: 0 }), prediction: ps, identity: predictionIdentity(ps), text: small, baseline: base });
  assert.ok(rs.delta!.deltaJ > 0 && !rs.delta!.significant, JSON.stringify(rs.delta));
  assert.equal(rs.checks[0]!.status, 'within-noise');
  assert.equal(rs.status, 'pass');
  // Another profile made the baseline: independent errors, a wider sigma, and a warning.
  const other = { ...base, identity: { ...base.identity, profile: 'h100-fp32' } };
  const ri = evaluateBudgetModel({ model: model({ maxIncreasePct: 0 }), prediction: ps, identity: predictionIdentity(ps), text: small, baseline: other });
  assert.ok(ri.delta!.sigmaJ > rs.delta!.sigmaJ);
  assert.ok(ri.warnings.some((w) => /different profiles/.test(w)));
});

test('a check report read back as a baseline gives the same numbers and the parts with their values', () => {
  const p = predict(BERT);
  const r = evaluateBudgetModel({ model: model({ maxIncreasePct: 5 }), prediction: p, identity: predictionIdentity(p, 'abc'), text: BERT });
  const json = JSON.stringify(toBudgetReport('irene.budget.json', null, [r]));
  const back = parseBudgetReport(json, 'report.json').get(`config.json|8x256|${p.dtype}|${p.profile.name}`)!;
  assert.equal(back.energyJ, p.energyJ);
  assert.equal(back.systematicJ, systematicUncertaintyJ(p));
  assert.equal(back.identity.profileFingerprint, 'abc');
  const key = back.parts!.find((x) => x.configKey === 'num_hidden_layers')!;
  assert.equal(key.value, '12');
  assert.equal(key.line, r.parts.find((x) => x.configKey === 'num_hidden_layers')!.line, 'lines go out 1-based and come back 0-based');
  assert.throws(() => parseBudgetReport('{"schema": "other"}', 'x.json'), /not an irene check report/);
  assert.throws(() => parseBudgetReport('nope', 'x.json'), /not JSON/);
});
