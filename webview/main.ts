/**
 * The Energy panel's browser code: Breakdown (icicle + bottleneck tables),
 * What-if (live inputs and sweeps) and Compare (two models side by side).
 * All numbers and markup come from the pure view model in
 * src/engine/analysis; this file wires it to the DOM, the toolkit's
 * controls and the host's messages.
 */
import './panel.css';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import {
  KIND_GROUPS,
  KIND_GROUP_LABELS,
  buildBreakdownView,
  defaultSweepValues,
  diffPredictedTrees,
  diffRowCells,
  diffToCsv,
  escapeXml,
  layoutIcicle,
  parseWhatIfParams,
  predictionToCsv,
  px,
  renderIcicleSvg,
  renderSweepChart,
  summariseDiff,
  sweepsToCsv,
  toEnergyHierarchy,
  toJsonExport,
  toMarkdownExport,
  validateConfigOverrides,
  walkEnergy,
  type BreakdownView,
  type DiffRow,
  type EnergyDatum,
  type ExportView,
  type SweepAxis,
  type SweepPoint,
} from '../src/engine/analysis/index.js';
import { formatBytes, formatCount, formatEnergyAuto, formatFlops, formatShare, formatSignificant } from '../src/engine/report/formatUnits.js';
import type { PredictionLike } from '../src/engine/report/predictionReport.js';
import type { ExportFormat, HostToWebviewMessage, PanelParams, PanelSide, PanelState } from '../src/shared/panelMessages.js';
import { fillGrid } from './dataGrid.js';
import { standaloneSvg, svgToPngBase64 } from './figureExport.js';
import { loadState, onHostMessage, post, saveState } from './vscodeApi.js';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
  vsCodeProgressRing(),
  vsCodeTextField(),
);

/** Milliseconds the inputs must rest before a new prediction is requested. */
const DEBOUNCE_MS = 300;
/** Diff rows drawn at most (the export has them all). */
const MAX_DIFF_ROWS = 400;

type Tab = NonNullable<PanelState['tab']>;

const state: PanelState = loadState() ?? { version: 1, targets: {} };
const predictions: Partial<Record<PanelSide, PredictionLike>> = {};
const sweeps: Partial<Record<SweepAxis, SweepPoint[]>> = {};
let hierarchyA: EnergyDatum | undefined;
let byScopeA = new Map<string, EnergyDatum>();
let breakdown: BreakdownView | undefined;
let activeScope: string | undefined;
let sweepsStale = true;
let requestCounter = 0;
const latest = new Map<string, number>();
const pending = new Set<string>();

// ---------- skeleton (static markup, no data in it) ----------

const app = document.getElementById('app')!;
app.innerHTML = `
<header class="summary">
  <div class="model"><span class="caption">Model</span> <span id="model-label" data-testid="model-label">—</span></div>
  <div class="total"><span class="caption">Energy per inference</span>
    <strong id="total-energy" data-testid="total-energy" aria-live="polite">—</strong>
    <span id="total-uncertainty" data-testid="total-uncertainty"></span></div>
  <vscode-progress-ring id="busy" class="busy" aria-label="Predicting" hidden></vscode-progress-ring>
  <div id="status" class="status" role="status" data-testid="status"></div>
</header>
<section class="controls" aria-label="Prediction inputs">
  <vscode-text-field id="batch-size" data-testid="batch-size" type="number" min="1" size="6">Batch size</vscode-text-field>
  <vscode-text-field id="seq-len" data-testid="seq-len" type="number" min="1" size="8">Sequence length</vscode-text-field>
  <div class="dropdown"><label for="dtype">Data type</label>
    <vscode-dropdown id="dtype" data-testid="dtype"><vscode-option value="fp32">fp32</vscode-option><vscode-option value="fp16">fp16</vscode-option><vscode-option value="bf16">bf16</vscode-option></vscode-dropdown></div>
  <div class="dropdown"><label for="profile">Device profile</label><vscode-dropdown id="profile" data-testid="profile"></vscode-dropdown></div>
  <div class="exports" role="group" aria-label="Export">
    <vscode-button appearance="secondary" data-export="md" data-testid="export-md">Markdown</vscode-button>
    <vscode-button appearance="secondary" data-export="csv" data-testid="export-csv">CSV</vscode-button>
    <vscode-button appearance="secondary" data-export="json" data-testid="export-json">JSON</vscode-button>
    <vscode-button appearance="secondary" data-export="svg" data-testid="export-svg">SVG</vscode-button>
    <vscode-button appearance="secondary" data-export="png" data-testid="export-png">PNG</vscode-button>
  </div>
</section>
<vscode-panels id="tabs" aria-label="Views">
  <vscode-panel-tab id="tab-breakdown" data-testid="tab-breakdown">Breakdown</vscode-panel-tab>
  <vscode-panel-tab id="tab-whatif" data-testid="tab-whatif">What-if</vscode-panel-tab>
  <vscode-panel-tab id="tab-compare" data-testid="tab-compare">Compare</vscode-panel-tab>
  <vscode-panel-view id="view-breakdown">
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
  </vscode-panel-view>
  <vscode-panel-view id="view-whatif">
    <div class="view">
      <div class="dropdown"><label for="metric">Show</label>
        <vscode-dropdown id="metric" data-testid="sweep-metric"><vscode-option value="inference">Energy per inference</vscode-option><vscode-option value="token">Energy per token</vscode-option></vscode-dropdown></div>
      <div id="chart-seq" class="figure" data-testid="chart-seq-len"></div>
      <div id="chart-batch" class="figure" data-testid="chart-batch-size"></div>
      <p class="hint">The band is one standard deviation of the prediction. Change the inputs above to re-predict.</p>
    </div>
  </vscode-panel-view>
  <vscode-panel-view id="view-compare">
    <div class="view">
      <div class="row">
        <vscode-button id="pick-b" data-testid="pick-b">Pick model B…</vscode-button>
        <vscode-button id="copy-b" appearance="secondary" data-testid="copy-b">Edit a copy of A</vscode-button>
        <span id="label-b" class="caption" data-testid="label-b"></span>
      </div>
      <div id="edit-fields" class="row edit-fields" data-testid="config-fields"></div>
      <div id="edit-problems" class="problems" role="alert"></div>
      <div id="compare-summary" class="compare-summary" data-testid="compare-summary" aria-live="polite"></div>
      <div class="side-by-side">
        <figure><figcaption id="cap-a"></figcaption><div id="icicle-a" class="figure"></div></figure>
        <figure><figcaption id="cap-b"></figcaption><div id="icicle-b" class="figure"></div></figure>
      </div>
      <vscode-checkbox id="show-same" data-testid="show-same">Show unchanged modules</vscode-checkbox>
      <vscode-data-grid id="diff-grid" data-testid="diff-table" aria-label="Difference per module"></vscode-data-grid>
    </div>
  </vscode-panel-view>
</vscode-panels>
<div id="hover-card" class="hover-card" role="tooltip" data-testid="hover-card" hidden></div>`;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
type ValueElement = HTMLElement & { value: string };
const batchField = $<ValueElement>('batch-size');
const seqField = $<ValueElement>('seq-len');
const dtypeField = $<ValueElement>('dtype');
const profileField = $<ValueElement>('profile');
const metricField = $<ValueElement>('metric');
const tabs = $('tabs');
const icicle = $('icicle');
const card = $('hover-card');
const statusEl = $('status');

// ---------- messages ----------

function send(kind: string, build: (requestId: number) => Parameters<typeof post>[0]): void {
  const requestId = ++requestCounter;
  latest.set(kind, requestId);
  pending.add(kind);
  updateBusy();
  post(build(requestId));
}

function settle(kind: string, requestId: number | undefined): boolean {
  if (requestId !== undefined && latest.get(kind) !== requestId) return false; // an older answer: a newer request is on its way
  pending.delete(kind);
  updateBusy();
  return true;
}

function updateBusy(): void {
  $('busy').hidden = pending.size === 0;
}

function setStatus(text: string): void {
  statusEl.textContent = text;
}

function requestPrediction(side: PanelSide): void {
  const params = state.params;
  if (!params) return;
  if (side === 'b') {
    if (state.compareMode === 'copy' && state.targets.a) {
      const fields = state.targets.a.configFields;
      const problems = validateConfigOverrides(fields, state.overrides ?? {});
      $('edit-problems').textContent = problems.join(' ');
      if (problems.length > 0) return;
      send('predict:b', (requestId) => ({ type: 'predict', requestId, side: 'b', from: 'a', params, configOverrides: { ...(state.overrides ?? {}) } }));
    } else if (state.targets.b) {
      send('predict:b', (requestId) => ({ type: 'predict', requestId, side: 'b', params }));
    }
    return;
  }
  if (state.targets.a) send('predict:a', (requestId) => ({ type: 'predict', requestId, side: 'a', params }));
}

function requestSweeps(): void {
  const params = state.params;
  if (!params || !state.targets.a) return;
  sweepsStale = false;
  for (const axis of ['seqLen', 'batchSize'] as const) {
    const values = defaultSweepValues(axis, params, state.targets.a.maxPositions ?? 2048);
    send(`sweep:${axis}`, (requestId) => ({ type: 'sweep', requestId, axis, values, params }));
  }
}

function activeTab(): Tab {
  // The property, not the attribute: the toolkit reflects it to the attribute only after its change event.
  const id = (tabs as HTMLElement & { activeid?: string }).activeid ?? tabs.getAttribute('activeid') ?? 'tab-breakdown';
  return id === 'tab-whatif' ? 'whatif' : id === 'tab-compare' ? 'compare' : 'breakdown';
}

function predictAll(): void {
  requestPrediction('a');
  if (state.targets.b || state.compareMode === 'copy') requestPrediction('b');
  sweepsStale = true;
  if (activeTab() === 'whatif') requestSweeps();
}

onHostMessage((m: HostToWebviewMessage) => {
  try {
    handle(m);
  } catch (e) {
    post({ type: 'webviewError', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
});

function handle(m: HostToWebviewMessage): void {
  switch (m.type) {
    case 'init': {
      profileField.replaceChildren(
        ...m.profiles.map((p) => {
          const o = document.createElement('vscode-option');
          o.setAttribute('value', p.name);
          o.textContent = p.label;
          return o;
        }),
      );
      const names = new Set(m.profiles.map((p) => p.name));
      const params = state.params ?? m.defaults;
      if (!names.has(params.profile)) params.profile = m.defaults.profile;
      state.params = params;
      // The host is the authority on targets; the state's copy only serves the serializer.
      state.targets = { ...m.targets };
      if (m.targets.a?.scope) state.focusScope = m.targets.a.scope;
      if (!state.targets.b && state.compareMode === 'file') delete state.compareMode;
      writeControls();
      renderTargets();
      persist();
      predictAll();
      break;
    }
    case 'target': {
      state.targets[m.side] = m.target;
      if (m.side === 'a') {
        if (m.target.scope) state.focusScope = m.target.scope;
        else delete state.focusScope;
        activeScope = state.focusScope;
        delete state.overrides;
        if (state.compareMode === 'copy') renderEditFields();
        requestPrediction('a');
        sweepsStale = true;
        if (activeTab() === 'whatif') requestSweeps();
      } else {
        state.compareMode = 'file';
        renderEditFields();
      }
      if (state.targets.b || state.compareMode === 'copy') requestPrediction('b');
      renderTargets();
      persist();
      break;
    }
    case 'prediction': {
      if (!settle(`predict:${m.side}`, m.requestId)) return;
      predictions[m.side] = m.prediction;
      setStatus('');
      if (m.side === 'a') {
        hierarchyA = toEnergyHierarchy(m.prediction.root);
        byScopeA = new Map([...walkEnergy(hierarchyA)].map((d) => [d.scope, d]));
        if (state.focusScope && !byScopeA.has(state.focusScope)) delete state.focusScope;
        if (activeScope && !byScopeA.has(activeScope)) activeScope = undefined;
        renderSummary();
        renderBreakdown();
      }
      renderCompare();
      break;
    }
    case 'sweepResult': {
      if (!settle(`sweep:${m.axis}`, m.requestId)) return;
      sweeps[m.axis] = m.points;
      renderCharts();
      break;
    }
    case 'failed': {
      const kind = m.side ? `predict:${m.side}` : m.axis ? `sweep:${m.axis}` : undefined;
      if (kind && !settle(kind, m.requestId)) return;
      setStatus(m.message);
      break;
    }
  }
}

// ---------- controls ----------

function writeControls(): void {
  const p = state.params!;
  batchField.value = String(p.batchSize);
  seqField.value = String(p.seqLen);
  dtypeField.value = p.dtype;
  profileField.value = p.profile;
  metricField.value = state.metric ?? 'inference';
  const tabId = `tab-${state.tab ?? 'breakdown'}`;
  tabs.setAttribute('activeid', tabId);
}

let debounceTimer: ReturnType<typeof setTimeout> | undefined;
function onInputsChanged(): void {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(() => {
    let params: PanelParams;
    try {
      params = parseWhatIfParams({ batchSize: batchField.value, seqLen: seqField.value, dtype: dtypeField.value, profile: profileField.value });
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
      return;
    }
    setStatus('');
    const before = JSON.stringify(state.params);
    state.params = params;
    persist();
    if (JSON.stringify(params) !== before) predictAll();
  }, DEBOUNCE_MS);
}

for (const el of [batchField, seqField]) el.addEventListener('input', onInputsChanged);
for (const el of [dtypeField, profileField]) el.addEventListener('change', onInputsChanged);
metricField.addEventListener('change', () => {
  state.metric = metricField.value === 'token' ? 'token' : 'inference';
  persist();
  renderCharts();
});
tabs.addEventListener('change', () => {
  const tab = activeTab();
  if (tab === state.tab) return;
  state.tab = tab;
  persist();
  if (tab === 'whatif' && sweepsStale) requestSweeps();
  // Figures drawn while their tab was hidden were measured at width 0.
  requestAnimationFrame(renderAll);
});

function persist(): void {
  saveState(state);
}

// ---------- summary ----------

function renderTargets(): void {
  $('model-label').textContent = state.targets.a?.label ?? '—';
  const b = state.compareMode === 'copy' ? `B: edited copy of ${state.targets.a?.label ?? 'A'}` : state.targets.b ? `B: ${state.targets.b.label}` : 'No model B yet';
  $('label-b').textContent = b;
}

function renderSummary(): void {
  const p = predictions.a;
  const total = $('total-energy');
  if (!p) return;
  total.textContent = formatEnergyAuto(p.energyJ);
  total.dataset.valueJ = String(p.energyJ);
  const unc = $('total-uncertainty');
  unc.textContent = `± ${formatEnergyAuto(p.uncertaintyJ)} · ${formatEnergyAuto(p.energyJ / (p.batchSize * p.seqLen))} per token · ${p.profile.name}`;
  unc.dataset.valueJ = String(p.uncertaintyJ);
  if (p.warnings.length > 0) setStatus(`${p.warnings.length} warning(s): ${p.warnings.join('; ')}`);
}

// ---------- breakdown ----------

function figureWidth(el: HTMLElement): number {
  return Math.max(320, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 800));
}

function renderBreakdown(): void {
  const p = predictions.a;
  if (!p || !hierarchyA) return;
  const options: Parameters<typeof buildBreakdownView>[1] = { width: figureWidth(icicle), hierarchy: hierarchyA };
  if (state.focusScope) options.focusScope = state.focusScope;
  if (activeScope) options.activeScope = activeScope;
  breakdown = buildBreakdownView(p, options);
  icicle.innerHTML = breakdown.svg; // escaped markup from renderIcicleSvg
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
    b.textContent = i === 0 ? (predictions.a?.modelName ?? d.name) : d.name;
    b.dataset.scope = d.scope;
    if (i === view.path.length - 1) b.setAttribute('aria-current', 'location');
    b.addEventListener('click', () => zoomTo(d.scope));
    nav.append(b);
  });
}

/** What each regime means, for the legend and the hover card. */
const REGIME_LABELS = { launch: 'launch-bound (CPU issuing kernels)', memory: 'memory-bound', compute: 'compute-bound' } as const;

function renderLegend(): void {
  const legend = $('legend');
  const byRegime = icicle.classList.contains('by-regime');
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
  if (scope && byScopeA.has(scope) && scope !== hierarchyA?.scope) state.focusScope = scope;
  else delete state.focusScope;
  activeScope = state.focusScope;
  persist();
  renderBreakdown();
  focusCell(activeScope ?? hierarchyA?.scope);
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
  const cell = [...icicle.querySelectorAll<SVGGElement>('g.cell')].find((g) => g.dataset.scope === scope);
  if (!cell) return;
  for (const g of icicle.querySelectorAll<SVGGElement>('g.cell[tabindex="0"]')) g.setAttribute('tabindex', '-1');
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
  return next ? [...icicle.querySelectorAll<SVGGElement>('g.cell')].find((g) => g.dataset.scope === next!.datum.scope) : undefined;
}

icicle.addEventListener('click', (e) => {
  const cell = cellOf(e.target);
  if (cell) zoomTo(cell.dataset.scope === state.focusScope ? undefined : cell.dataset.scope);
});
icicle.addEventListener('dblclick', (e) => {
  const cell = cellOf(e.target);
  if (cell?.dataset.scope) post({ type: 'reveal', side: 'a', scope: cell.dataset.scope });
});
icicle.addEventListener('keydown', (e) => {
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
icicle.addEventListener('focusin', (e) => {
  const cell = cellOf(e.target);
  if (!cell) return;
  activeScope = cell.dataset.scope;
  const r = cell.getBoundingClientRect();
  showCard(cell.dataset.scope!, r.left + 8, r.bottom + 4);
});
icicle.addEventListener('focusout', hideCard);
icicle.addEventListener('mousemove', (e) => {
  const cell = cellOf(e.target);
  if (cell) showCard(cell.dataset.scope!, e.clientX + 12, e.clientY + 12);
  else hideCard();
});
icicle.addEventListener('mouseleave', hideCard);
// Colour by kind (what the joules are spent on) or by regime (why: launch, memory or compute bound).
$('colour-by').addEventListener('change', (e) => {
  icicle.classList.toggle('by-regime', (e.target as HTMLSelectElement).value === 'regime');
  renderLegend();
});

function showCard(scope: string, x: number, y: number): void {
  const d = byScopeA.get(scope);
  if (!d) return;
  const focusEnergy = breakdown?.layout.focus.energyJ ?? 0;
  const lines: [string, string][] = [
    ['Energy', `${formatEnergyAuto(d.energyJ)} ± ${formatEnergyAuto(d.uncertaintyJ)}`],
    ['Share of model', formatShare(d.share)],
  ];
  if (focusEnergy > 0 && breakdown && breakdown.layout.focus !== hierarchyA) lines.push(['Share of zoomed module', formatShare(d.energyJ / focusEnergy)]);
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

function hideCard(): void {
  card.hidden = true;
}

for (const id of ['top-modules', 'top-primitives']) {
  const grid = $(id);
  const open = (e: Event): void => {
    const row = (e.target as Element).closest('vscode-data-grid-row') as HTMLElement | null;
    const scope = row?.dataset.scope;
    if (!scope) return;
    // A primitive has nothing to zoom into: show its module with it.
    const d = byScopeA.get(scope);
    const target = d && d.group !== 'module' ? scope.slice(0, scope.lastIndexOf('.')) : scope;
    zoomTo(target);
    focusCell(scope);
  };
  grid.addEventListener('click', open);
  grid.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') open(e);
  });
}

// ---------- what-if ----------

function renderCharts(): void {
  const metric = state.metric ?? 'inference';
  for (const [axis, id] of [['seqLen', 'chart-seq'], ['batchSize', 'chart-batch']] as const) {
    const el = $(id);
    const options: Parameters<typeof renderSweepChart>[1] = { axis, metric, width: figureWidth(el), height: 240, testId: `sweep-${axis}` };
    const current = state.params?.[axis];
    if (current !== undefined) options.current = current;
    el.innerHTML = renderSweepChart(sweeps[axis] ?? [], options);
  }
}

// ---------- compare ----------

$('pick-b').addEventListener('click', () => post({ type: 'pickModel', side: 'b' }));
$('copy-b').addEventListener('click', () => {
  if (!state.targets.a) return;
  state.compareMode = 'copy';
  state.overrides ??= {};
  persist();
  renderTargets();
  renderEditFields();
  requestPrediction('b');
});
$('show-same').addEventListener('change', renderCompare);

let editTimer: ReturnType<typeof setTimeout> | undefined;
function renderEditFields(): void {
  const box = $('edit-fields');
  box.replaceChildren();
  if (state.compareMode !== 'copy') return;
  const fields = state.targets.a?.configFields ?? [];
  if (fields.length === 0) {
    box.textContent = 'Model A is not a config.json: pick a second model file to compare instead.';
    return;
  }
  for (const f of fields) {
    const input = document.createElement('vscode-text-field') as ValueElement;
    input.setAttribute('type', 'number');
    input.setAttribute('min', '1');
    input.setAttribute('size', '8');
    input.dataset.testid = `config-${f.id}`;
    input.textContent = `${f.label} (${f.key})`;
    input.value = String(state.overrides?.[f.key] ?? f.value);
    input.addEventListener('input', () => {
      const v = Number(input.value);
      state.overrides ??= {};
      if (v === f.value) delete state.overrides[f.key];
      else state.overrides[f.key] = v;
      persist();
      clearTimeout(editTimer);
      editTimer = setTimeout(() => requestPrediction('b'), DEBOUNCE_MS);
    });
    box.append(input);
  }
}

function renderCompare(): void {
  const a = predictions.a;
  const b = predictions.b;
  $('cap-a').textContent = a ? `A: ${state.targets.a?.label ?? a.modelName} — ${formatEnergyAuto(a.energyJ)}` : '';
  $('cap-b').textContent = b ? `B: ${state.compareMode === 'copy' ? 'edited copy' : (state.targets.b?.label ?? b.modelName)} — ${formatEnergyAuto(b.energyJ)}` : '';
  if (!a || !b || activeTab() !== 'compare') return;
  // One scale for both: the bigger model fills its half, the other is as wide as its energy.
  const half = Math.max(160, Math.floor(figureWidth($('icicle-a').parentElement!.parentElement!) / 2) - 12);
  const max = Math.max(a.energyJ, b.energyJ, Number.MIN_VALUE);
  for (const [side, p] of [['a', a], ['b', b]] as const) {
    const h = side === 'a' && hierarchyA ? hierarchyA : toEnergyHierarchy(p.root);
    const layout = layoutIcicle(h, { width: Math.max(40, (half * Math.max(0, p.energyJ)) / max), rowHeight: 18 });
    $(`icicle-${side}`).innerHTML = renderIcicleSvg(layout, { title: `Energy breakdown of model ${side.toUpperCase()}` });
  }
  const rows = diffPredictedTrees(a.root, b.root, { tolerance: 1e-6 });
  const s = summariseDiff(rows);
  const rel = s.energyAJ !== 0 ? ` (${s.deltaJ >= 0 ? '+' : ''}${formatSignificant((s.deltaJ / s.energyAJ) * 100)} %)` : '';
  const summary = $('compare-summary');
  summary.textContent = `B − A: ${formatEnergyAuto(s.deltaJ)}${rel} · ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.same} unchanged`;
  summary.dataset.deltaJ = String(s.deltaJ);
  const showSame = ($('show-same') as HTMLElement & { checked: boolean }).checked;
  const visible = rows.filter((r) => showSame || r.status !== 'same');
  const shown = visible.slice(0, MAX_DIFF_ROWS);
  fillGrid(
    $('diff-grid'),
    ['Module', 'Type', 'Status', 'A', 'B', 'B − A', 'Change'],
    shown.map((r: DiffRow) => ({
      cells: diffRowCells(r, '\u2003'),
      attributes: { 'data-testid': 'diff-row', 'data-scope': r.scope, 'data-status': r.status, 'data-delta-j': String(r.deltaJ) },
      className: `status-${r.status}`,
    })),
    '4fr 2fr 1fr 1fr 1fr 1fr 1fr',
  );
  if (visible.length > shown.length) setStatus(`Showing ${shown.length} of ${visible.length} differing modules; the CSV export has them all.`);
}

// ---------- exports ----------

function exportView(): ExportView | undefined {
  const p = predictions.a;
  if (!p) return undefined;
  const view: ExportView = { prediction: p };
  if (state.focusScope) view.focusScope = state.focusScope;
  if (breakdown) {
    view.topModules = breakdown.topModules;
    view.topPrimitives = breakdown.topPrimitives;
    view.byKind = breakdown.byKind;
  }
  const sw = (['seqLen', 'batchSize'] as const).filter((a) => sweeps[a]).map((axis) => ({ axis, points: sweeps[axis]! }));
  if (sw.length > 0) view.sweeps = sw;
  if (predictions.b) view.compare = { labelA: state.targets.a?.label ?? 'A', labelB: state.compareMode === 'copy' ? 'edited copy of A' : (state.targets.b?.label ?? 'B'), rows: diffPredictedTrees(p.root, predictions.b.root, { tolerance: 1e-6 }) };
  return view;
}

function baseName(): string {
  // `bert-base-uncased/config.json` exports as `bert-base-uncased-energy.md`.
  const label = (state.targets.a?.label ?? predictions.a?.modelName ?? 'model').replace(/\/?config\.json$/i, '').replace(/\.(json|onnx|py)$/i, '');
  return `${label.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}-energy`;
}

async function exportAs(format: ExportFormat): Promise<void> {
  const view = exportView();
  if (!view) return setStatus('Nothing to export yet: wait for the prediction.');
  const tab = activeTab();
  const name = `${baseName()}${tab === 'breakdown' ? '' : `-${tab}`}.${format}`;
  const text = (content: string): void => post({ type: 'save', format, suggestedName: name, content, encoding: 'utf8' });
  switch (format) {
    case 'md':
      return text(toMarkdownExport(view));
    case 'json':
      return text(toJsonExport(view.prediction));
    case 'csv':
      if (tab === 'whatif' && view.sweeps) return text(sweepsToCsv(view.sweeps));
      if (tab === 'compare' && view.compare) return text(diffToCsv(view.compare.rows));
      return text(predictionToCsv(view.prediction));
    case 'svg':
    case 'png': {
      const panel = $(`view-${tab}`);
      const figures = [...panel.querySelectorAll<SVGSVGElement>('.figure > svg')].filter((s) => s.getBoundingClientRect().width > 0);
      if (figures.length === 0) return setStatus('This view has no figure to export yet.');
      const { svg, width, height } = standaloneSvg(figures);
      if (format === 'svg') return text(svg);
      const png = await svgToPngBase64(svg, width, height);
      post({ type: 'save', format, suggestedName: name, content: png, encoding: 'base64' });
      return;
    }
  }
}

document.querySelector('.exports')!.addEventListener('click', (e) => {
  const button = (e.target as Element).closest('[data-export]') as HTMLElement | null;
  const format = button?.dataset.export as ExportFormat | undefined;
  if (format) {
    exportAs(format).catch((err: unknown) => {
      setStatus(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
      post({ type: 'webviewError', message: `export ${format}: ${String(err)}` });
    });
  }
});

// ---------- layout ----------

function renderAll(): void {
  renderBreakdown();
  if (activeTab() === 'whatif') renderCharts();
  renderCompare();
}

let resizeFrame = 0;
let lastWidth = 0;
new ResizeObserver(() => {
  const w = document.body.clientWidth;
  if (Math.abs(w - lastWidth) < 8) return;
  lastWidth = w;
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(renderAll);
}).observe(document.body);

window.addEventListener('error', (e) => post({ type: 'webviewError', message: `${e.message} (${e.filename}:${e.lineno})` }));

if (state.params) writeControls();
renderTargets();
renderCharts();
post({ type: 'ready' });
