/**
 * Line chart of a sweep with its one-sigma band, as SVG markup. Drawn by
 * hand (a few scales and paths) rather than with a charting library: the
 * webview must stay small, work under a strict CSP and take theme colours
 * from CSS classes.
 */
import { formatEnergyAuto, formatSignificant } from '../report/formatUnits.js';
import { escapeXml, px } from './markup.js';
import type { SweepAxis, SweepPoint } from './whatIf.js';
import { maxOf } from '../arrays.js';

/** Which energy the chart plots. */
export type SweepMetric = 'inference' | 'token';

/** Options of the chart. */
export interface SweepChartOptions {
  axis: SweepAxis;
  metric: SweepMetric;
  /** Width of the drawing (px). */
  width: number;
  /** Height of the drawing (px). */
  height: number;
  /** The x value the breakdown shows (marked on the chart). */
  current?: number;
  /** `data-testid` of the root element. */
  testId?: string;
}

const AXIS_LABEL: Record<SweepAxis, string> = { seqLen: 'sequence length (tokens)', batchSize: 'batch size (sequences)' };
const METRIC_LABEL: Record<SweepMetric, string> = { inference: 'energy per inference', token: 'energy per token' };

/** An input value as a label: whole numbers as they are (`16`, not `16.0`). */
function formatX(x: number): string {
  return Number.isInteger(x) ? String(x) : formatSignificant(x);
}

/** Round tick values covering [0, max]: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max * (1 + 1e-9) + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** Chart markup; an empty-state message when there are no points. */
export function renderSweepChart(points: readonly SweepPoint[], options: SweepChartOptions): string {
  const { width, height, axis, metric } = options;
  const testId = escapeXml(options.testId ?? `sweep-${axis}-${metric}`);
  const title = `${METRIC_LABEL[metric]} against ${AXIS_LABEL[axis]}`;
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-testid="${testId}" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" role="img" aria-label="${escapeXml(title)}">`;
  const sorted = [...points].filter((p) => Number.isFinite(p.x) && p.x > 0).sort((a, b) => a.x - b.x);
  if (sorted.length === 0) return `${open}<text class="empty" x="${px(width / 2)}" y="${px(height / 2)}" text-anchor="middle">No sweep yet</text></svg>`;

  const value = (p: SweepPoint): number => (metric === 'inference' ? p.energyJ : p.perTokenJ);
  const sigma = (p: SweepPoint): number => (metric === 'inference' ? p.uncertaintyJ : p.perTokenUncertaintyJ);
  const margin = { left: 64, right: 16, top: 24, bottom: 40 };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const xMin = sorted[0]!.x;
  const xMax = sorted[sorted.length - 1]!.x;
  // Powers of two spread evenly on a log axis; a narrow range reads better linear.
  const logX = xMax / xMin >= 8;
  const tx = (x: number): number => {
    if (xMax === xMin) return margin.left + plotW / 2;
    const t = logX ? Math.log2(x / xMin) / Math.log2(xMax / xMin) : (x - xMin) / (xMax - xMin);
    return margin.left + t * plotW;
  };
  const yTop = maxOf(sorted.map((p) => value(p) + Math.max(0, sigma(p))));
  const ticks = niceTicks(yTop > 0 ? yTop : 1);
  const yMax = ticks[ticks.length - 1]!;
  const ty = (y: number): number => margin.top + plotH - (Math.max(0, y) / yMax) * plotH;

  const parts: string[] = [open, `<title>${escapeXml(title)}</title>`];
  for (const t of ticks) {
    const y = px(ty(t));
    parts.push(`<line class="grid" x1="${px(margin.left)}" x2="${px(margin.left + plotW)}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${px(margin.left - 6)}" y="${y}" text-anchor="end" dominant-baseline="central">${escapeXml(formatEnergyAuto(t))}</text>`);
  }
  for (const p of sorted) {
    parts.push(`<text class="tick" x="${px(tx(p.x))}" y="${px(margin.top + plotH + 14)}" text-anchor="middle">${escapeXml(formatX(p.x))}</text>`);
  }
  parts.push(`<line class="axis" x1="${px(margin.left)}" x2="${px(margin.left + plotW)}" y1="${px(margin.top + plotH)}" y2="${px(margin.top + plotH)}"/>`);
  parts.push(`<line class="axis" x1="${px(margin.left)}" x2="${px(margin.left)}" y1="${px(margin.top)}" y2="${px(margin.top + plotH)}"/>`);
  parts.push(`<text class="axis-label" x="${px(margin.left + plotW / 2)}" y="${px(height - 6)}" text-anchor="middle">${escapeXml(AXIS_LABEL[axis])}${logX ? ' (log scale)' : ''}</text>`);
  parts.push(`<text class="axis-label" x="${px(margin.left)}" y="${px(14)}">${escapeXml(METRIC_LABEL[metric])} (± 1σ)</text>`);

  const upper = sorted.map((p) => `${px(tx(p.x))},${px(ty(value(p) + sigma(p)))}`);
  const lower = sorted.map((p) => `${px(tx(p.x))},${px(ty(value(p) - sigma(p)))}`).reverse();
  parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}"/>`);
  parts.push(`<polyline class="line" points="${sorted.map((p) => `${px(tx(p.x))},${px(ty(value(p)))}`).join(' ')}"/>`);
  if (options.current !== undefined && options.current >= xMin && options.current <= xMax) {
    const cx = px(tx(options.current));
    parts.push(`<line class="current" x1="${cx}" x2="${cx}" y1="${px(margin.top)}" y2="${px(margin.top + plotH)}"/>`);
  }
  for (const p of sorted) {
    const label = `${formatX(p.x)}: ${formatEnergyAuto(value(p))} ± ${formatEnergyAuto(sigma(p))}`;
    parts.push(`<circle class="point" cx="${px(tx(p.x))}" cy="${px(ty(value(p)))}" r="3" data-x="${p.x}" data-energy-j="${value(p)}"><title>${escapeXml(label)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
