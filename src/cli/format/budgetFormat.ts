/**
 * How `irene check` prints: an aligned table for terminals, Markdown for PR
 * comments and the GitHub step summary, and GitHub annotations on the line
 * that drives each model over its budget.
 */
import {
  describeOverBudget,
  formatEnergyAuto,
  formatSignificant,
  type BudgetModelResult,
  type BudgetReport,
  type LimitCheck,
} from '../../engine/index.js';
import { annotation } from './githubCommands.js';
import { maxOf, pushAll } from '../../engine/arrays.js';
import { markdownCode, noWorkflowCommands, terminalText } from '../../engine/report/escapeText.js';

function pct(x: number, sign = true): string {
  return `${sign ? (x >= 0 ? '+' : '−') : ''}${formatSignificant(Math.abs(x), 2)} %`;
}

function limitsCell(checks: readonly LimitCheck[]): string {
  if (checks.length === 0) return 'none';
  return checks
    .map((c) => {
      switch (c.limit) {
        case 'maxEnergyJ':
          return `≤ ${formatEnergyAuto(c.limitValue)}/inf.`;
        case 'maxEnergyPerTokenJ':
          return `≤ ${formatEnergyAuto(c.limitValue)}/token`;
        case 'maxIncreasePct':
          return `≤ +${formatSignificant(c.limitValue, 2)} %`;
      }
    })
    .join(', ');
}

function changeCell(r: BudgetModelResult): string {
  const d = r.delta;
  if (!d) return r.baselineNote ? 'new' : '–';
  if (d.relative === undefined) return `${formatEnergyAuto(d.deltaJ)} ± ${formatEnergyAuto(d.sigmaJ)}`;
  return `${pct(d.relative * 100)} ± ${pct((d.sigmaJ / d.baseJ) * 100, false)}`;
}

function statusWord(r: BudgetModelResult): string {
  if (r.status === 'over') return 'OVER';
  return r.checks.some((c) => c.status === 'within-noise') ? 'ok (noise)' : 'ok';
}

function settingCell(r: BudgetModelResult): string {
  return `${r.prediction.batchSize} × ${r.prediction.seqLen} · ${r.prediction.dtype} · ${r.prediction.profile}`;
}

function headline(report: BudgetReport): string {
  const s = report.summary;
  return s.over > 0 ? `${s.over} of ${s.models} model${s.models === 1 ? '' : 's'} over budget` : `all ${s.models} model${s.models === 1 ? '' : 's'} within budget`;
}

function baselineLine(report: BudgetReport): string {
  const b = report.baseline;
  if (!b) return 'no baseline (increase limits not checked; give --baseline REF|FILE)';
  return b.kind === 'git' ? `baseline ${b.ref} (${b.commit.slice(0, 12)})` : `baseline ${b.path}`;
}

/** `(line 14, num_hidden_layers)` for messages. */
function where(r: BudgetModelResult): string {
  const p = r.driver?.part;
  if (!p || p.line === undefined) return '';
  return ` (line ${p.line + 1})`;
}

/** The aligned table `irene check` prints by default. */
export function formatBudgetTable(report: BudgetReport, results: readonly BudgetModelResult[]): string {
  const header = ['model', 'setting', 'energy/inf.', '± 1σ', 'per token', 'baseline', 'change ± 1σ', 'limits', 'status'];
  const rows = results.map((r) => [
    terminalText(r.name),
    settingCell(r),
    formatEnergyAuto(r.prediction.energyJ),
    formatEnergyAuto(r.prediction.uncertaintyJ),
    formatEnergyAuto(r.metrics.energyPerTokenJ),
    r.baseline ? formatEnergyAuto(r.baseline.energyJ) : '–',
    changeCell(r),
    limitsCell(r.checks),
    statusWord(r),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => maxOf(all.map((row) => [...row[i]!].length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (row: string[]): string =>
    row
      .map((c, i) => {
        const fill = ' '.repeat(widths[i]! - [...c].length);
        return right.has(i) ? fill + c : c + fill;
      })
      .join('  ')
      .trimEnd();
  const out = [`irene check: ${report.budget}, ${baselineLine(report)}`, '', line(header), ...rows.map(line), '', `${headline(report)}.`];
  for (const r of results) {
    // One line each, whatever the name holds.
    if (r.status === 'over') out.push(terminalText(`  ${describeOverBudget(r)}${where(r)}`));
    for (const c of r.checks) if (c.status === 'within-noise') out.push(terminalText(`  note: ${r.name}: ${c.message}`));
  }
  return out.join('\n');
}

/** Text for a Markdown table cell or line: pipes escaped, line breaks flattened, HTML neutralised. */
function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Markdown for a PR comment or the GitHub step summary. */
export function formatBudgetMarkdown(report: BudgetReport, results: readonly BudgetModelResult[]): string {
  const icon = (r: BudgetModelResult): string => (r.status === 'over' ? '❌' : r.checks.some((c) => c.status === 'within-noise') ? '⚠️' : '✅');
  const lines = [
    `## IrEne energy budget: ${report.status === 'over' ? '❌' : '✅'} ${headline(report)}`,
    '',
    `${markdownCode(report.budget)}, ${md(baselineLine(report))}.`,
    '',
    '| | model | setting | energy / inference | per token | baseline | change | limits |',
    '|---|---|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${icon(r)} | ${markdownCode(r.name, true)} | ${md(settingCell(r))} | ${formatEnergyAuto(r.prediction.energyJ)} ± ${formatEnergyAuto(r.prediction.uncertaintyJ)} | ${formatEnergyAuto(r.metrics.energyPerTokenJ)} | ${r.baseline ? formatEnergyAuto(r.baseline.energyJ) : '–'} | ${md(changeCell(r))} | ${md(limitsCell(r.checks))} |`,
    ),
  ];
  const over = results.filter((r) => r.status === 'over');
  if (over.length > 0) {
    lines.push('', '### Over budget', '');
    for (const r of over) lines.push(`- ${md(describeOverBudget(r))}${where(r)}`);
  }
  const notes = results.flatMap((r) => [
    ...r.checks.filter((c) => c.status === 'within-noise' || c.status === 'skipped').map((c) => `${r.name}: ${c.message}`),
    ...r.warnings.map((w) => `${r.name}: ${w}`),
  ]);
  if (notes.length > 0) {
    pushAll(lines, ['', '<details><summary>Notes</summary>', '', ...notes.map((n) => `- ${md(n)}`), '', '</details>']);
  }
  lines.push(
    '',
    'Changes inside the one-sigma of the difference are not counted as increases; predictions of the same model with the same profile share most of their error, which cancels in the difference.',
  );
  return lines.join('\n');
}

/**
 * GitHub annotations (an error on the driving line of each model over
 * budget, a notice for increases inside the noise), then the table.
 * @param repoPath a model path relative to the budget file, to the path GitHub knows (from the repository root).
 */
export function formatBudgetGithub(results: readonly BudgetModelResult[], repoPath: (p: string) => string, table?: string): string {
  const out: string[] = [];
  for (const r of results) {
    const p = r.driver?.part;
    const at = {
      file: repoPath(r.model.path),
      ...(p?.line !== undefined ? { line: p.line + 1 } : {}),
      ...(p?.line !== undefined && p.column !== undefined ? { col: p.column + 1, endColumn: (p.endColumn ?? p.column) + 1 } : {}),
    };
    if (r.status === 'over') out.push(annotation('error', describeOverBudget(r), { ...at, title: `Energy budget: ${r.name}` }));
    for (const c of r.checks) {
      if (c.status === 'within-noise') out.push(annotation('notice', `${r.name}: ${c.message}`, { ...at, title: 'Energy change within noise' }));
    }
  }
  if (table) out.push('', noWorkflowCommands(table));
  return out.join('\n');
}
