import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetStatusText, budgetTooltip } from '../../../src/extension/budget/budgetText.js';
import type { BudgetModelResult } from '../../../src/engine/budget/budgetVerdict.js';

function result(status: 'pass' | 'over', checks: BudgetModelResult['checks']): BudgetModelResult {
  return {
    model: { entry: { index: 2, path: 'm/config.json', batchSize: 8, seqLen: 256 }, path: 'm/config.json' },
    name: 'bert',
    prediction: { modelName: 'bert', energyJ: 2, uncertaintyJ: 0.4, systematicJ: 0.3, batchSize: 8, seqLen: 256, dtype: 'bf16', profile: 'h100-bf16' },
    identity: { profile: 'h100-bf16', dtype: 'bf16', architecture: 'BertModel' },
    metrics: { energyPerInferenceJ: 2, energyPerTokenJ: 2 / 2048 },
    checks,
    status,
    parts: [],
    warnings: [],
  };
}

test('the status bar says over, within, pending or error, with a codicon', () => {
  const over = result('over', [{ limit: 'maxEnergyJ', limitValue: 1, actual: 2, status: 'over', message: '2 J, over the limit of 1 J' }]);
  assert.equal(budgetStatusText({ status: 'checked', results: [over], over: true }), '$(error) over budget');
  assert.equal(budgetStatusText({ status: 'checked', results: [], over: false }), '$(pass) within budget');
  assert.match(budgetStatusText({ status: 'pending' }), /^\$\(sync~spin\)/);
  assert.match(budgetStatusText({ status: 'error', message: 'x' }), /^\$\(warning\)/);
});

test('the tooltip lists every entry with its setting and each limit with its verdict', () => {
  const r = result('pass', [
    { limit: 'maxEnergyJ', limitValue: 3, actual: 2, status: 'pass', message: 'within the limit of 3 J' },
    { limit: 'maxIncreasePct', limitValue: 1, actual: 2, status: 'within-noise', message: 'inside the noise' },
  ]);
  const md = budgetTooltip({ status: 'checked', results: [r], over: false });
  assert.match(md, /\*\*Energy budget:\*\* within/);
  assert.match(md, /`bert` \(models\[2\], batch 8 × 256, h100-bf16\)/);
  assert.match(md, /✅ within the limit of 3 J/);
  assert.match(md, /⚠️ inside the noise/);
});
