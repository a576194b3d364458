/**
 * Exports of the panel's current view: Markdown (for a PR or an issue), CSV
 * (for a spreadsheet) and JSON (the same report schema as
 * `irene predict --format json`, so scripts read one format).
 */
import { formatEnergyAuto, formatShare, formatSignificant } from '../report/formatUnits.js';
import { toPredictionReport, type PredictionLike, type PredictionReport } from '../report/predictionReport.js';
import type { PredictedNode } from '../tree/modelNode.js';
import type { BottleneckRow, KindEnergyRow } from './bottlenecks.js';
import type { DiffRow } from './compareTrees.js';
import { KIND_GROUP_LABELS } from './kindGroup.js';
import { primitiveKindOfNode } from './kindGroup.js';
import type { SweepAxis, SweepPoint } from './whatIf.js';
import { pushAll } from '../arrays.js';

/** Everything the current view shows; sections left undefined are not exported. */
export interface ExportView {
  prediction: PredictionLike;
  /** Scope the breakdown is zoomed into (the export says so). */
  focusScope?: string;
  topModules?: readonly BottleneckRow[];
  topPrimitives?: readonly BottleneckRow[];
  byKind?: readonly KindEnergyRow[];
  sweeps?: readonly { axis: SweepAxis; points: readonly SweepPoint[] }[];
  compare?: { labelA: string; labelB: string; rows: readonly DiffRow[] };
}

/** The JSON export: the report schema, pretty-printed. */
export function toJsonExport(prediction: PredictionLike): string {
  const report: PredictionReport = toPredictionReport(prediction);
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * One CSV field (RFC 4180): numbers as they are; text quoted when it holds a
 * comma, quote, CR or LF, with quotes doubled. Text starting with `=`, `+`,
 * `-`, `@`, tab or CR gets a leading apostrophe so a spreadsheet does not run
 * a scope name from an untrusted model file as a formula.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text with CRLF line ends (what RFC 4180 and spreadsheets expect). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The whole predicted tree, one row per node, parents first. */
export function predictionToCsv(prediction: PredictionLike): string {
  const rows: (string | number | undefined)[][] = [];
  const stack: { p: PredictedNode; depth: number }[] = [{ p: prediction.root, depth: 0 }];
  while (stack.length > 0) {
    const { p, depth } = stack.pop()!;
    const n = p.node;
    rows.push([n.scope, depth, n.type, n.instanceType, primitiveKindOfNode(p) ?? '', n.calls, n.flops, n.memBytes, n.parameters, p.energyJ, p.uncertaintyJ, p.share]);
    for (let i = p.children.length - 1; i >= 0; i--) stack.push({ p: p.children[i]!, depth: depth + 1 });
  }
  return toCsv(['scope', 'depth', 'type', 'instanceType', 'kind', 'calls', 'flopsPerCall', 'memBytesPerCall', 'parameters', 'energyJ', 'uncertaintyJ', 'share'], rows);
}

/** A comparison, one row per scope. */
export function diffToCsv(rows: readonly DiffRow[]): string {
  return toCsv(
    ['scope', 'depth', 'instanceType', 'status', 'energyAJ', 'energyBJ', 'deltaJ', 'relativeDelta'],
    rows.map((r) => [r.scope, r.depth, r.instanceType, r.status, r.energyAJ, r.energyBJ, r.deltaJ, r.relativeDelta]),
  );
}

/** Sweeps, one row per point. */
export function sweepsToCsv(sweeps: readonly { axis: SweepAxis; points: readonly SweepPoint[] }[]): string {
  return toCsv(
    ['axis', 'value', 'energyJ', 'uncertaintyJ', 'perTokenJ', 'perTokenUncertaintyJ'],
    sweeps.flatMap((s) => s.points.map((p) => [s.axis, p.x, p.energyJ, p.uncertaintyJ, p.perTokenJ, p.perTokenUncertaintyJ])),
  );
}

/**
 * The cells of one comparison row as people read them (scope indented by
 * depth, type, status, A, B, B − A, relative change): the panel's table and
 * the Markdown export show the same text.
 */
export function diffRowCells(r: DiffRow, indent: string): string[] {
  return [
    `${indent.repeat(r.depth)}${r.scope}`,
    r.instanceType,
    r.status,
    r.energyAJ === undefined ? '—' : formatEnergyAuto(r.energyAJ),
    r.energyBJ === undefined ? '—' : formatEnergyAuto(r.energyBJ),
    formatEnergyAuto(r.deltaJ),
    r.relativeDelta === undefined ? '—' : `${r.relativeDelta >= 0 ? '+' : ''}${formatSignificant(r.relativeDelta * 100)} %`,
  ];
}

/** Text safe inside a Markdown table cell: pipes escaped, line breaks flattened, HTML neutralised. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(markdownCell)).join(' | ')} |`).join('\n');
}

/** The current view as a Markdown report. */
export function toMarkdownExport(view: ExportView): string {
  const p = view.prediction;
  const out: string[] = [
    `# Energy of ${markdownCell(p.modelName)}`,
    '',
    `Predicted energy per inference: **${formatEnergyAuto(p.energyJ)} ± ${formatEnergyAuto(p.uncertaintyJ)}** (one sigma)`,
    '',
    markdownTable(
      ['profile', 'batch size', 'sequence length', 'dtype'],
      [[p.profile.name, String(p.batchSize), String(p.seqLen), p.dtype]],
    ),
  ];
  if (view.focusScope && view.focusScope !== p.root.node.scope) out.push('', `Breakdown zoomed into \`${view.focusScope.replace(/`/g, "'")}\`.`);
  const bottleneck = (title: string, rows: readonly BottleneckRow[]): void => {
    out.push('', `## ${title}`, '');
    out.push(
      markdownTable(
        ['role', 'type', 'instances', 'energy', '± 1σ', 'share'],
        rows.map((r) => [r.role, r.instanceType, String(r.scopes.length), formatEnergyAuto(r.energyJ), formatEnergyAuto(r.uncertaintyJ), formatShare(r.share)]),
        ['l', 'l', 'r', 'r', 'r', 'r'],
      ),
    );
  };
  if (view.topModules) bottleneck('Top modules', view.topModules);
  if (view.topPrimitives) bottleneck('Top primitives', view.topPrimitives);
  if (view.byKind) {
    out.push('', '## Energy by primitive kind', '');
    out.push(
      markdownTable(
        ['kind', 'primitives', 'energy', 'share'],
        view.byKind.filter((r) => r.count > 0).map((r) => [KIND_GROUP_LABELS[r.group], String(r.count), formatEnergyAuto(r.energyJ), formatShare(r.share)]),
        ['l', 'r', 'r', 'r'],
      ),
    );
  }
  for (const s of view.sweeps ?? []) {
    out.push('', `## Energy against ${s.axis === 'seqLen' ? 'sequence length' : 'batch size'}`, '');
    out.push(
      markdownTable(
        [s.axis === 'seqLen' ? 'sequence length' : 'batch size', 'energy per inference', '± 1σ', 'energy per token'],
        s.points.map((pt) => [String(pt.x), formatEnergyAuto(pt.energyJ), formatEnergyAuto(pt.uncertaintyJ), formatEnergyAuto(pt.perTokenJ)]),
        ['r', 'r', 'r', 'r'],
      ),
    );
  }
  if (view.compare) {
    const c = view.compare;
    out.push('', `## Compare: ${markdownCell(c.labelA)} vs ${markdownCell(c.labelB)}`, '');
    out.push(
      markdownTable(
        ['scope', 'type', 'status', 'A', 'B', 'B − A', 'change'],
        c.rows
          .filter((r) => r.status !== 'same')
          .map((r) => diffRowCells(r, '  ')),
        ['l', 'l', 'l', 'r', 'r', 'r', 'r'],
      ),
    );
  }
  if (p.warnings.length > 0) pushAll(out, ['', '## Warnings', '', ...p.warnings.map((w) => `- ${markdownCell(w)}`)]);
  out.push('');
  return out.join('\n');
}
