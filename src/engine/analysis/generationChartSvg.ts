/**
 * The Generation tab's figures as SVG markup: decode J per token against the
 * context or the batch (log x axis, one-sigma band), with the largest batch
 * that fits in memory drawn as a vertical limit, and the prefill / decode
 * split as one stacked bar. Theme colours come from CSS classes, as in
 * sweepChartSvg.ts.
 */
import { formatEnergyAuto } from '../report/formatUnits.js';
import { escapeXml, px } from './markup.js';
import { niceTicks } from './sweepChartSvg.js';
import { maxOf } from '../arrays.js';

/** A point of a per-token chart: x (context or batch), J per token and its sigma. */
export interface PerTokenChartPoint {
  x: number;
  perTokenJ: number;
  uncertaintyJ: number;
}

/** Options of {@link renderPerTokenChart}. */
export interface PerTokenChartOptions {
  /** Axis label (`context (tokens)`). */
  xLabel: string;
  width: number;
  height: number;
  /** The setting's x (marked). */
  current?: number;
  /** The largest x that fits in memory (drawn as a limit; points past it are marked as not fitting). */
  limit?: number;
  testId: string;
}

/** A per-token line chart; an empty-state message without points. */
export function renderPerTokenChart(points: readonly PerTokenChartPoint[], o: PerTokenChartOptions): string {
  const title = `decode energy per generated token against ${o.xLabel}`;
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-testid="${escapeXml(o.testId)}" width="${px(o.width)}" height="${px(o.height)}" viewBox="0 0 ${px(o.width)} ${px(o.height)}" role="img" aria-label="${escapeXml(title)}">`;
  const sorted = points.filter((p) => p.x > 0 && Number.isFinite(p.perTokenJ)).sort((a, b) => a.x - b.x);
  if (sorted.length === 0) return `${open}<text class="empty" x="${px(o.width / 2)}" y="${px(o.height / 2)}" text-anchor="middle">No prediction yet</text></svg>`;
  const m = { left: 64, right: 16, top: 24, bottom: 40 };
  const w = Math.max(10, o.width - m.left - m.right);
  const h = Math.max(10, o.height - m.top - m.bottom);
  const lo = sorted[0]!.x;
  const hi = sorted[sorted.length - 1]!.x;
  const tx = (x: number): number => (hi === lo ? m.left + w / 2 : m.left + (Math.log2(x / lo) / Math.log2(hi / lo)) * w);
  const ticks = niceTicks(maxOf(sorted.map((p) => p.perTokenJ + Math.max(0, p.uncertaintyJ)), 0) || 1);
  const yMax = ticks[ticks.length - 1]!;
  const ty = (y: number): number => m.top + h - (Math.max(0, y) / yMax) * h;
  const parts = [open, `<title>${escapeXml(title)}</title>`];
  for (const t of ticks) {
    parts.push(`<line class="grid" x1="${px(m.left)}" x2="${px(m.left + w)}" y1="${px(ty(t))}" y2="${px(ty(t))}"/>`);
    parts.push(`<text class="tick" x="${px(m.left - 6)}" y="${px(ty(t))}" text-anchor="end" dominant-baseline="central">${escapeXml(formatEnergyAuto(t))}</text>`);
  }
  // At most ~10 x labels, however many points.
  const every = Math.max(1, Math.ceil(sorted.length / 10));
  sorted.forEach((p, i) => {
    if (i % every === 0) parts.push(`<text class="tick" x="${px(tx(p.x))}" y="${px(m.top + h + 14)}" text-anchor="middle">${p.x}</text>`);
  });
  parts.push(`<line class="axis" x1="${px(m.left)}" x2="${px(m.left + w)}" y1="${px(m.top + h)}" y2="${px(m.top + h)}"/>`);
  parts.push(`<text class="axis-label" x="${px(m.left + w / 2)}" y="${px(o.height - 6)}" text-anchor="middle">${escapeXml(o.xLabel)} (log scale)</text>`);
  parts.push(`<text class="axis-label" x="${px(m.left)}" y="14">decode energy per generated token (± 1σ)</text>`);
  const upper = sorted.map((p) => `${px(tx(p.x))},${px(ty(p.perTokenJ + p.uncertaintyJ))}`);
  const lower = sorted.map((p) => `${px(tx(p.x))},${px(ty(p.perTokenJ - p.uncertaintyJ))}`).reverse();
  parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}"/>`);
  parts.push(`<polyline class="line" points="${sorted.map((p) => `${px(tx(p.x))},${px(ty(p.perTokenJ))}`).join(' ')}"/>`);
  if (o.limit !== undefined && o.limit >= lo && o.limit <= hi) {
    const x = px(tx(o.limit));
    parts.push(`<line class="limit" data-testid="${escapeXml(o.testId)}-limit" x1="${x}" x2="${x}" y1="${px(m.top)}" y2="${px(m.top + h)}"/>`);
    parts.push(`<text class="limit-label" x="${x}" y="${px(m.top - 4)}" text-anchor="middle">memory limit: ${o.limit}</text>`);
  }
  if (o.current !== undefined && o.current >= lo && o.current <= hi) {
    const x = px(tx(o.current));
    parts.push(`<line class="current" x1="${x}" x2="${x}" y1="${px(m.top)}" y2="${px(m.top + h)}"/>`);
  }
  for (const p of sorted) {
    const over = o.limit !== undefined && p.x > o.limit;
    const label = `${p.x}: ${formatEnergyAuto(p.perTokenJ)}/token ± ${formatEnergyAuto(p.uncertaintyJ)}${over ? ' (does not fit in memory)' : ''}`;
    parts.push(`<circle class="point${over ? ' over' : ''}" cx="${px(tx(p.x))}" cy="${px(ty(p.perTokenJ))}" r="3" data-x="${p.x}" data-energy-j="${p.perTokenJ}"><title>${escapeXml(label)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The prefill / decode split of a request as one stacked bar with its two labels. */
export function renderPhaseSplit(prefillJ: number, decodeJ: number, width: number, testId = 'phase-split'): string {
  const total = prefillJ + decodeJ;
  const h = 28;
  const wp = total > 0 ? (prefillJ / total) * width : 0;
  const pct = (v: number): string => (total > 0 ? `${((100 * v) / total).toFixed(1)} %` : '–');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-testid="${escapeXml(testId)}" width="${px(width)}" height="${h + 20}" role="img" aria-label="prefill ${escapeXml(pct(prefillJ))}, decode ${escapeXml(pct(decodeJ))}">` +
    `<rect class="prefill" x="0" y="0" width="${px(wp)}" height="${h}" data-energy-j="${prefillJ}"><title>prefill ${escapeXml(formatEnergyAuto(prefillJ))}</title></rect>` +
    `<rect class="decode" x="${px(wp)}" y="0" width="${px(Math.max(0, width - wp))}" height="${h}" data-energy-j="${decodeJ}"><title>decode ${escapeXml(formatEnergyAuto(decodeJ))}</title></rect>` +
    `<text class="tick" x="0" y="${h + 14}">prefill ${escapeXml(formatEnergyAuto(prefillJ))} (${escapeXml(pct(prefillJ))})</text>` +
    `<text class="tick" x="${px(width)}" y="${h + 14}" text-anchor="end">decode ${escapeXml(formatEnergyAuto(decodeJ))} (${escapeXml(pct(decodeJ))})</text></svg>`
  );
}
