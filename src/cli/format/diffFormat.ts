/**
 * How `irene diff` prints: the whole model's change with its uncertainty,
 * then the modules that changed (an added or removed module stands for its
 * whole subtree), as an aligned table, Markdown, or JSON with every row.
 */
import { formatEnergyAuto, formatSignificant, type Prediction, type TreeDiff, type TreeDiffRow } from '../../engine/index.js';
import { lastSegment } from './treeTable.js';

/** The two sides of a diff as the user named them. */
export interface DiffSide {
  label: string;
  prediction: Prediction;
}

/** What the formatters read. */
export interface DiffView {
  a: DiffSide;
  b: DiffSide;
  diff: TreeDiff;
  /** Tree levels to show below the root (table, Markdown). */
  depth: number;
  /** Show changes inside the noise too (table, Markdown). */
  all?: boolean;
}

function signedJ(j: number): string {
  return `${j >= 0 ? '+' : '−'}${formatEnergyAuto(Math.abs(j))}`;
}

function signedPct(x: number | undefined): string {
  return x === undefined ? '' : `${x >= 0 ? '+' : '−'}${formatSignificant(Math.abs(x * 100), 2)} %`;
}

/**
 * Rows worth showing: added or removed, or changed by more than their
 * one-sigma (every row with `all`), within the depth, and not inside an added
 * or removed module (which stands for its subtree).
 */
export function shownRows(rows: readonly TreeDiffRow[], depth: number, all = false): TreeDiffRow[] {
  const out: TreeDiffRow[] = [];
  let hiddenBelow = Number.POSITIVE_INFINITY;
  for (const r of rows) {
    if (r.depth > hiddenBelow) continue;
    hiddenBelow = Number.POSITIVE_INFINITY;
    if (r.status === 'added' || r.status === 'removed') hiddenBelow = r.depth;
    const worth = r.status === 'added' || r.status === 'removed' || (r.status === 'changed' && (all || r.significant));
    if (worth && r.depth <= depth) out.push(r);
  }
  return out;
}

/** Changed rows left out of the view because they are inside their noise. */
function quietChanges(v: DiffView): number {
  return v.all ? 0 : v.diff.rows.filter((r) => r.status === 'changed' && !r.significant).length;
}

function totalLine(v: DiffView): string {
  const t = v.diff.total;
  const verdict = t.significant ? 'more than' : 'within';
  return `total: ${formatEnergyAuto(t.baseJ)} → ${formatEnergyAuto(t.energyJ)}: ${signedJ(t.deltaJ)} ± ${formatEnergyAuto(t.sigmaJ)} (${signedPct(t.relative) || 'n/a'}), ${verdict} the ±1σ of the difference (${t.correlation.reason})`;
}

function settingLine(v: DiffView): string {
  const p = v.b.prediction;
  return `batch ${p.batchSize} × ${p.seqLen} · ${p.dtype} · profile ${p.profile.name}`;
}

function countsLine(v: DiffView): string {
  const s = v.diff.summary;
  const quiet = quietChanges(v);
  return `${s.changed} changed${quiet > 0 ? ` (${quiet} of them inside their ±1σ, not shown; --all shows them)` : ''} · ${s.added} added · ${s.removed} removed · ${s.same} unchanged nodes`;
}

function label(r: TreeDiffRow): string {
  return `${r.depth === 0 ? 'root' : lastSegment(r.scope)} (${r.instanceType})`;
}

/** The aligned table. */
export function formatDiffTable(v: DiffView): string {
  const header = ['node', 'status', 'before', 'after', 'change', '± 1σ', '%'];
  const rows = shownRows(v.diff.rows, v.depth, v.all).map((r) => [
    `${'  '.repeat(r.depth)}${label(r)}`,
    r.status,
    r.energyAJ === undefined ? '–' : formatEnergyAuto(r.energyAJ),
    r.energyBJ === undefined ? '–' : formatEnergyAuto(r.energyBJ),
    signedJ(r.deltaJ),
    formatEnergyAuto(r.sigmaJ),
    signedPct(r.relativeDelta),
  ]);
  const lines = [`irene diff: ${v.a.label} → ${v.b.label} (${settingLine(v)})`, totalLine(v), countsLine(v), ''];
  if (rows.length === 0) return [...lines, v.diff.summary.changed + v.diff.summary.added + v.diff.summary.removed === 0 ? 'no node changed' : 'no change outside the noise'].join('\n');
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => [...row[i]!].length)));
  const line = (row: string[]): string =>
    row.map((c, i) => (i >= 2 ? ' '.repeat(widths[i]! - [...c].length) + c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ').trimEnd();
  return [...lines, ...all.map(line)].join('\n');
}

/** Markdown for a PR comment. */
export function formatDiffMarkdown(v: DiffView): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `## Energy diff: \`${esc(v.a.label)}\` → \`${esc(v.b.label)}\``,
    '',
    `${settingLine(v)}`,
    '',
    `**${totalLine(v)}**`,
    '',
    countsLine(v),
    '',
    '| node | status | before | after | change | ± 1σ | % |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of shownRows(v.diff.rows, v.depth, v.all)) {
    lines.push(
      `| ${'&nbsp;&nbsp;'.repeat(r.depth)}\`${esc(r.depth === 0 ? 'root' : lastSegment(r.scope))}\` (${esc(r.instanceType)}) | ${r.status} | ${r.energyAJ === undefined ? '–' : formatEnergyAuto(r.energyAJ)} | ${r.energyBJ === undefined ? '–' : formatEnergyAuto(r.energyBJ)} | ${signedJ(r.deltaJ)} | ${formatEnergyAuto(r.sigmaJ)} | ${signedPct(r.relativeDelta)} |`,
    );
  }
  return lines.join('\n');
}

/** JSON with every row (joules; relative changes as fractions). */
export function formatDiffJson(v: DiffView): string {
  const side = (s: DiffSide) => ({ file: s.label, model: s.prediction.modelName, energyJ: s.prediction.energyJ, uncertaintyJ: s.prediction.uncertaintyJ });
  const t = v.diff.total;
  const p = v.b.prediction;
  return JSON.stringify(
    {
      a: side(v.a),
      b: side(v.b),
      settings: { batchSize: p.batchSize, seqLen: p.seqLen, dtype: p.dtype, profile: p.profile.name },
      total: { deltaJ: t.deltaJ, sigmaJ: t.sigmaJ, relative: t.relative ?? null, rho: t.correlation.rho, correlation: t.correlation.reason, significant: t.significant },
      summary: v.diff.summary,
      rows: v.diff.rows,
    },
    null,
    2,
  );
}
