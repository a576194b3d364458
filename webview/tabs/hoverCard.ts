/**
 * The card shown over an icicle cell (pointer or keyboard focus): the node's
 * energy, share, work and regime as plain text.
 */
import { KIND_GROUP_LABELS, type BreakdownView } from '../../src/engine/analysis/index.js';
import { formatBytes, formatCount, formatEnergyAuto, formatFlops, formatShare } from '../../src/engine/report/formatUnits.js';
import { $ } from '../dom.js';
import { session } from '../state.js';

/** The card's element, last in the panel so that it floats over every view. */
export const HOVER_CARD_MARKUP = `
<div id="hover-card" class="hover-card" role="tooltip" data-testid="hover-card" hidden></div>`;

/** What each regime means, for the legend and the hover card. */
export const REGIME_LABELS = { launch: 'launch-bound (CPU issuing kernels)', memory: 'memory-bound', compute: 'compute-bound' } as const;

/** Shows the card of `scope` near (x, y) px; `breakdown` is the view drawn, for the share of the zoomed module. */
export function showCard(breakdown: BreakdownView | undefined, scope: string, x: number, y: number): void {
  const d = session.byScopeA.get(scope);
  if (!d) return;
  const card = $('hover-card');
  const focusEnergy = breakdown?.layout.focus.energyJ ?? 0;
  const lines: [string, string][] = [
    ['Energy', `${formatEnergyAuto(d.energyJ)} ± ${formatEnergyAuto(d.uncertaintyJ)}`],
    ['Share of model', formatShare(d.share)],
  ];
  if (focusEnergy > 0 && breakdown && breakdown.layout.focus !== session.hierarchyA) lines.push(['Share of zoomed module', formatShare(d.energyJ / focusEnergy)]);
  lines.push(['Calls per inference', String(d.calls)], ['FLOPs per call', formatFlops(d.flops)], ['Memory per call', formatBytes(d.memBytes)]);
  if (d.parameters > 0) lines.push(['Parameters', formatCount(d.parameters)]);
  lines.push(
    ['Time per inference', d.timeS < 1 ? `${(d.timeS * 1e3).toPrecision(3)} ms` : `${d.timeS.toPrecision(3)} s`],
    ['Regime', REGIME_LABELS[d.regime]],
    ['Static + dynamic', `${formatEnergyAuto(d.staticJ)} + ${formatEnergyAuto(d.dynamicJ)}`],
  );
  if (d.group === 'module') lines.push(['Own overhead', formatEnergyAuto(d.selfJ)]);
  else lines.push(['Kind', `${d.kind ?? ''} (${KIND_GROUP_LABELS[d.group]})`]);
  const title = document.createElement('div');
  title.className = 'card-title';
  title.textContent = `${d.scope} · ${d.instanceType}`;
  const dl = document.createElement('dl');
  for (const [k, v] of lines) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  card.replaceChildren(title, dl);
  card.hidden = false;
  // CSSOM writes are allowed by the CSP (style attributes in markup are not).
  const maxX = window.innerWidth - card.offsetWidth - 8;
  const maxY = window.innerHeight - card.offsetHeight - 8;
  card.style.left = `${Math.max(4, Math.min(x, maxX))}px`;
  card.style.top = `${Math.max(4, Math.min(y, maxY))}px`;
}

export function hideCard(): void {
  $('hover-card').hidden = true;
}
