/**
 * The Compare tab: model B (another file, or an edited copy of A's config)
 * next to A: two icicles on one scale, the total difference and the
 * difference per module.
 */
import {
  diffPredictedTrees,
  diffRowCells,
  diffToCsv,
  layoutIcicle,
  renderIcicleSvg,
  summariseDiff,
  toEnergyHierarchy,
  validateConfigOverrides,
  type DiffRow,
} from '../../src/engine/analysis/index.js';
import { formatEnergyAuto, formatSignificant } from '../../src/engine/report/formatUnits.js';
import { setStatus } from '../controls.js';
import { fillGrid } from '../dataGrid.js';
import { $, figureWidth, type ValueElement } from '../dom.js';
import { send } from '../messaging.js';
import { activeTab, type PanelTab } from '../panelTab.js';
import { DEBOUNCE_MS, persist, session, state } from '../state.js';
import { post } from '../vscodeApi.js';

/** Diff rows drawn at most (the export has them all). */
const MAX_DIFF_ROWS = 400;

const MARKUP = `
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
  `;

/** True when there is a model B to predict: a picked file, or the edited copy of A. */
function hasB(): boolean {
  return state.targets.b !== undefined || state.compareMode === 'copy';
}

function requestPredictionB(): void {
  const params = state.params;
  if (!params) return;
  if (state.compareMode === 'copy' && state.targets.a) {
    const fields = state.targets.a.configFields;
    const problems = validateConfigOverrides(fields, state.overrides ?? {});
    $('edit-problems').textContent = problems.join(' ');
    if (problems.length > 0) return;
    send('predict:b', (requestId) => ({ type: 'predict', requestId, side: 'b', from: 'a', params, configOverrides: { ...(state.overrides ?? {}) } }));
  } else if (state.targets.b) {
    send('predict:b', (requestId) => ({ type: 'predict', requestId, side: 'b', params }));
  }
}

function renderLabelB(): void {
  const b = state.compareMode === 'copy' ? `B: edited copy of ${state.targets.a?.label ?? 'A'}` : state.targets.b ? `B: ${state.targets.b.label}` : 'No model B yet';
  $('label-b').textContent = b;
}

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
      editTimer = setTimeout(requestPredictionB, DEBOUNCE_MS);
    });
    box.append(input);
  }
}

function renderCompare(): void {
  const a = session.predictions.a;
  const b = session.predictions.b;
  $('cap-a').textContent = a ? `A: ${state.targets.a?.label ?? a.modelName} — ${formatEnergyAuto(a.energyJ)}` : '';
  $('cap-b').textContent = b ? `B: ${state.compareMode === 'copy' ? 'edited copy' : (state.targets.b?.label ?? b.modelName)} — ${formatEnergyAuto(b.energyJ)}` : '';
  if (!a || !b || activeTab() !== 'compare') return;
  // One scale for both: the bigger model fills its half, the other is as wide as its energy.
  const half = Math.max(160, Math.floor(figureWidth($('icicle-a').parentElement!.parentElement!) / 2) - 12);
  const max = Math.max(a.energyJ, b.energyJ, Number.MIN_VALUE);
  for (const [side, p] of [['a', a], ['b', b]] as const) {
    const h = side === 'a' && session.hierarchyA ? session.hierarchyA : toEnergyHierarchy(p.root);
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

export const compareTab: PanelTab = {
  id: 'compare',
  label: 'Compare',
  markup: MARKUP,
  mount() {
    $('pick-b').addEventListener('click', () => post({ type: 'pickModel', side: 'b' }));
    $('copy-b').addEventListener('click', () => {
      if (!state.targets.a) return;
      state.compareMode = 'copy';
      state.overrides ??= {};
      persist();
      renderLabelB();
      renderEditFields();
      requestPredictionB();
    });
    $('show-same').addEventListener('change', renderCompare);
  },
  onParamsChanged() {
    if (hasB()) requestPredictionB();
  },
  onTargetChanged(side) {
    if (side === 'a') {
      if (state.compareMode === 'copy') renderEditFields();
    } else {
      state.compareMode = 'file';
      renderEditFields();
    }
    if (hasB()) requestPredictionB();
  },
  onTargetsShown: renderLabelB,
  onPrediction: renderCompare,
  layout: renderCompare,
  addToExport(view) {
    const a = session.predictions.a;
    const b = session.predictions.b;
    if (!a || !b) return;
    view.compare = {
      labelA: state.targets.a?.label ?? 'A',
      labelB: state.compareMode === 'copy' ? 'edited copy of A' : (state.targets.b?.label ?? 'B'),
      rows: diffPredictedTrees(a.root, b.root, { tolerance: 1e-6 }),
    };
  },
  csv(view) {
    return view.compare ? diffToCsv(view.compare.rows) : undefined;
  },
};
