/**
 * What the status bar says about a model's energy budget. Plain strings
 * (codicons in `$(name)` syntax), so they are tested without VS Code.
 */
import type { BudgetModelResult } from '../../engine/budget/budgetVerdict.js';
import { markdownCode } from '../../engine/report/escapeText.js';

/** The budget part of a status bar state, as the BudgetService holds it. */
export type BudgetStatus =
  | { status: 'pending' }
  | { status: 'checked'; results: readonly BudgetModelResult[]; over: boolean }
  | { status: 'error'; message: string };

/** Text after the energy: `$(error) over budget`, `$(pass) within budget`, `$(sync~spin) budget`. */
export function budgetStatusText(s: BudgetStatus): string {
  switch (s.status) {
    case 'pending':
      return '$(sync~spin) budget';
    case 'error':
      return '$(warning) budget';
    case 'checked':
      return s.over ? '$(error) over budget' : '$(pass) within budget';
  }
}

/** Markdown lines for the tooltip: each entry's verdict and its limits. */
export function budgetTooltip(s: BudgetStatus): string {
  if (s.status === 'pending') return '**Energy budget:** checking…';
  if (s.status === 'error') return `**Energy budget:** cannot check: ${s.message}`;
  const lines = [`**Energy budget:** ${s.over ? 'over' : 'within'}`];
  for (const r of s.results) {
    const setting = `batch ${r.prediction.batchSize} × ${r.prediction.seqLen}, ${r.prediction.profile}`;
    lines.push(`- ${markdownCode(r.name)} (models[${r.model.entry.index}], ${setting}):`);
    for (const c of r.checks) lines.push(`  - ${c.status === 'over' ? '❌' : c.status === 'within-noise' ? '⚠️' : c.status === 'skipped' ? '–' : '✅'} ${c.message}`);
    if (r.checks.length === 0) lines.push('  - no limit set');
  }
  return lines.join('\n');
}
