/**
 * The Breakdown tab: model A's icicle (zoom with click or Enter, out with
 * Escape, arrow keys between cells, a hover card per cell), the bottleneck
 * tables and the energy by primitive kind.
 */
import { KIND_GROUPS, KIND_GROUP_LABELS, buildBreakdownView, escapeXml, px, type BreakdownView } from '../../src/engine/analysis/index.js';
import { formatEnergyAuto, formatShare } from '../../src/engine/report/formatUnits.js';
import { fillGrid } from '../dataGrid.js';
import { $, figureWidth } from '../dom.js';
import type { PanelTab } from '../panelTab.js';
import { persist, session, state } from '../state.js';
import { post } from '../vscodeApi.js';
import { HOVER_CARD_MARKUP, REGIME_LABELS, hideCard, showCard } from './hoverCard.js';

const MARKUP = `
    <div class="view">
      <nav id="breadcrumb" class="breadcrumb" aria-label="Zoom path" data-testid="breadcrumb"></nav>
      <div id="icicle" class="figure" data-testid="icicle-container"></div>
      <div class="colour-mode"><label for="colour-by">Colour by</label>
        <vscode-dropdown id="colour-by" data-testid="colour-by"><vscode-option value="kind">primitive kind</vscode-option><vscode-option value="regime">regime (what bounds it)</vscode-option></vscode-dropdown></div>
      <div id="legend" class="legend" aria-hidden="true"></div>
      <p class="hint">Click a cell or press Enter to zoom in, Escape to zoom out; arrow keys move between cells. Double-click or Shift+Enter opens the definition.</p>
      <div class="tables">
        <section><h3 id="h-top-modules">Top modules</h3><vscode-data-grid id="top-modules" data-testid="bottleneck-modules" aria-labelledby="h-top-modules"></vscode-data-grid></section>
        <section><h3 id="h-top-primitives">Top primitives</h3><vscode-data-grid id="top-primitives" data-testid="bottleneck-primitives" aria-labelledby="h-top-primitives"></vscode-data-grid></section>
        <section><h3 id="h-by-kind">Energy by primitive kind</h3><div id="kind-bar" class="figure"></div><vscode-data-grid id="by-kind" data-testid="energy-by-kind" aria-labelledby="h-by-kind"></vscode-data-grid></section>
      </div>
    </div>
  `;

/** The view drawn last: its layout answers the keyboard and the hover card. */
let breakdown: BreakdownView | undefined;

const icicle = (): HTMLElement => $('icicle');

function renderBreakdown(): void {
  const p = session.predictions.a;
  if (!p || !session.hierarchyA) return;
  const options: Parameters<typeof buildBreakdownView>[1] = { width: figureWidth(icicle()), hierarchy: session.hierarchyA };
  if (state.focusScope) options.focusScope = state.focusScope;
  if (session.activeScope) options.activeScope = session.activeScope;
  breakdown = buildBreakdownView(p, options);
  icicle().innerHTML = breakdown.svg; // escaped markup from renderIcicleSvg
  renderBreadcrumb(breakdown);
  renderLegend();
  renderBottlenecks(breakdown);
}

function renderBreadcrumb(view: BreakdownView): void {
  const nav = $('breadcrumb');
  nav.replaceChildren();
  view.path.forEach((d, i) => {
    if (i > 0) nav.append(document.createTextNode(' › '));
    const b = document.createElement('button');
    b.className = 'crumb';
    b.textContent = i === 0 ? (session.predictions.a?.modelName ?? d.name) : d.name;
    b.dataset.scope = d.scope;
    if (i === view.path.length - 1) b.setAttribute('aria-current', 'location');
    b.addEventListener('click', () => zoomTo(d.scope));
    nav.append(b);
  });
}

function renderLegend(): void {
  const legend = $('legend');
  const byRegime = icicle().classList.contains('by-regime');
  if (legend.childElementCount > 0 && legend.dataset.mode === (byRegime ? 'regime' : 'kind')) return;
  legend.replaceChildren();
  legend.dataset.mode = byRegime ? 'regime' : 'kind';
  if (byRegime) {
    for (const r of ['launch', 'memory', 'compute'] as const) {
      const item = document.createElement('span');
      item.className = 'legend-item';
      item.innerHTML = `<svg width="12" height="12" class="swatch"><rect class="cell-fill regime-${r}" width="12" height="12"/></svg>`;
      item.append(document.createTextNode(REGIME_LABELS[r]));
      legend.append(item);
    }
    return;
  }
  for (const g of KIND_GROUPS) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    item.innerHTML = `<svg width="12" height="12" class="swatch"><rect class="cell-fill group-${g}" width="12" height="12"/></svg>`;
    item.append(document.createTextNode(KIND_GROUP_LABELS[g]));
    legend.append(item);
  }
}

function renderBottlenecks(view: BreakdownView): void {
  const rows = (list: BreakdownView['topModules']) =>
    list.map((r) => ({
      cells: [r.role, r.instanceType, String(r.scopes.length), formatEnergyAuto(r.energyJ), `± ${formatEnergyAuto(r.uncertaintyJ)}`, formatShare(r.share)],
      attributes: { 'data-testid': 'bottleneck-row', 'data-scope': r.scopes[0] ?? '', 'data-energy-j': String(r.energyJ), tabindex: '-1' },
      className: 'clickable',
    }));
  const header = ['Role', 'Type', 'Instances', 'Energy', '± 1σ', 'Share'];
  const cols = '3fr 2fr 100px 100px 100px 80px';
  fillGrid($('top-modules'), header, rows(view.topModules), cols);
  fillGrid($('top-primitives'), header, rows(view.topPrimitives), cols);
  const kinds = view.byKind.filter((k) => k.count > 0);
  fillGrid(
    $('by-kind'),
    ['Kind', 'Primitives', 'Energy', 'Share'],
    kinds.map((k) => ({ cells: [KIND_GROUP_LABELS[k.group], String(k.count), formatEnergyAuto(k.energyJ), formatShare(k.share)], attributes: { 'data-testid': 'kind-row', 'data-kind': k.group, 'data-energy-j': String(k.energyJ) } })),
    '3fr 100px 100px 80px',
  );
  // One stacked bar of the families: the proportions at a glance.
  const w = figureWidth($('kind-bar'));
  let x = 0;
  const parts = kinds.map((k) => {
    const width = k.share * w;
    const rect = `<rect class="cell-fill group-${k.group}" x="${px(x)}" y="0" width="${px(width)}" height="18"><title>${escapeXml(`${KIND_GROUP_LABELS[k.group]}: ${formatShare(k.share)}`)}</title></rect>`;
    x += width;
    return rect;
  });
  $('kind-bar').innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" class="kind-bar" width="${w}" height="18" role="img" aria-label="Energy by primitive kind">${parts.join('')}</svg>`;
}

function zoomTo(scope: string | undefined): void {
  if (scope && session.byScopeA.has(scope) && scope !== session.hierarchyA?.scope) state.focusScope = scope;
  else delete state.focusScope;
  session.activeScope = state.focusScope;
  persist();
  renderBreakdown();
  focusCell(session.activeScope ?? session.hierarchyA?.scope);
}

function zoomOut(): void {
  if (!state.focusScope || !breakdown) return;
  const path = breakdown.path;
  const from = state.focusScope;
  zoomTo(path.length >= 2 ? path[path.length - 2]!.scope : undefined);
  focusCell(from);
}

function cellOf(target: EventTarget | null): SVGGElement | null {
  return target instanceof Element ? (target.closest('g.cell') as SVGGElement | null) : null;
}

function focusCell(scope: string | undefined): void {
  if (!scope) return;
  const cell = [...icicle().querySelectorAll<SVGGElement>('g.cell')].find((g) => g.dataset.scope === scope);
  if (!cell) return;
  for (const g of icicle().querySelectorAll<SVGGElement>('g.cell[tabindex="0"]')) g.setAttribute('tabindex', '-1');
  cell.setAttribute('tabindex', '0');
  cell.focus();
}

function neighbour(cell: SVGGElement, key: string): SVGGElement | undefined {
  if (!breakdown) return undefined;
  const cells = breakdown.layout.cells;
  const scope = cell.dataset.scope!;
  const here = cells.find((c) => c.datum.scope === scope);
  if (!here) return undefined;
  let next: (typeof cells)[number] | undefined;
  if (key === 'ArrowUp') next = cells.find((c) => c.level === here.level - 1 && c.datum.children.includes(here.datum));
  else if (key === 'ArrowDown') next = cells.find((c) => c.level === here.level + 1 && here.datum.children.includes(c.datum));
  else {
    const row = cells.filter((c) => c.level === here.level).sort((a, b) => a.x - b.x);
    next = row[row.indexOf(here) + (key === 'ArrowRight' ? 1 : -1)];
  }
  return next ? [...icicle().querySelectorAll<SVGGElement>('g.cell')].find((g) => g.dataset.scope === next!.datum.scope) : undefined;
}

function mountIcicle(el: HTMLElement): void {
  el.addEventListener('click', (e) => {
    const cell = cellOf(e.target);
    if (cell) zoomTo(cell.dataset.scope === state.focusScope ? undefined : cell.dataset.scope);
  });
  el.addEventListener('dblclick', (e) => {
    const cell = cellOf(e.target);
    if (cell?.dataset.scope) post({ type: 'reveal', side: 'a', scope: cell.dataset.scope });
  });
  el.addEventListener('keydown', (e) => {
    const cell = cellOf(e.target);
    if (!cell) return;
    if (e.key === 'Enter' && e.shiftKey) {
      e.preventDefault();
      if (cell.dataset.scope) post({ type: 'reveal', side: 'a', scope: cell.dataset.scope });
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      zoomTo(cell.dataset.scope);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      zoomOut();
    } else if (e.key.startsWith('Arrow')) {
      e.preventDefault();
      const next = neighbour(cell, e.key);
      if (next) focusCell(next.dataset.scope);
    }
  });
  el.addEventListener('focusin', (e) => {
    const cell = cellOf(e.target);
    if (!cell) return;
    session.activeScope = cell.dataset.scope;
    const r = cell.getBoundingClientRect();
    showCard(breakdown, cell.dataset.scope!, r.left + 8, r.bottom + 4);
  });
  el.addEventListener('focusout', hideCard);
  el.addEventListener('mousemove', (e) => {
    const cell = cellOf(e.target);
    if (cell) showCard(breakdown, cell.dataset.scope!, e.clientX + 12, e.clientY + 12);
    else hideCard();
  });
  el.addEventListener('mouseleave', hideCard);
}

function mountTables(): void {
  for (const id of ['top-modules', 'top-primitives']) {
    const grid = $(id);
    const open = (e: Event): void => {
      const row = (e.target as Element).closest('vscode-data-grid-row') as HTMLElement | null;
      const scope = row?.dataset.scope;
      if (!scope) return;
      // A primitive has nothing to zoom into: show its module with it.
      const d = session.byScopeA.get(scope);
      const target = d && d.group !== 'module' ? scope.slice(0, scope.lastIndexOf('.')) : scope;
      zoomTo(target);
      focusCell(scope);
    };
    grid.addEventListener('click', open);
    grid.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open(e);
    });
  }
}

export const breakdownTab: PanelTab = {
  id: 'breakdown',
  label: 'Breakdown',
  markup: MARKUP,
  mount() {
    document.getElementById('app')!.insertAdjacentHTML('beforeend', HOVER_CARD_MARKUP);
    mountIcicle(icicle());
    // Colour by kind (what the joules are spent on) or by regime (why: launch, memory or compute bound).
    $('colour-by').addEventListener('change', (e) => {
      icicle().classList.toggle('by-regime', (e.target as HTMLSelectElement).value === 'regime');
      renderLegend();
    });
    mountTables();
  },
  onPrediction(side) {
    if (side === 'a') renderBreakdown();
  },
  layout: renderBreakdown,
  addToExport(view) {
    if (!breakdown) return;
    view.topModules = breakdown.topModules;
    view.topPrimitives = breakdown.topPrimitives;
    view.byKind = breakdown.byKind;
  },
};
