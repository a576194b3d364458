/**
 * The What-if tab: energy against sequence length and batch size around the
 * current inputs (sweeps the host predicts), per inference or per token.
 */
import { defaultSweepValues, renderSweepChart, sweepsToCsv, type SweepAxis, type SweepPoint } from '../../src/engine/analysis/index.js';
import { $, figureWidth, type ValueElement } from '../dom.js';
import { send, settle } from '../messaging.js';
import { activeTab, type PanelTab } from '../panelTab.js';
import { persist, state } from '../state.js';

const MARKUP = `
    <div class="view">
      <div class="dropdown"><label for="metric">Show</label>
        <vscode-dropdown id="metric" data-testid="sweep-metric"><vscode-option value="inference">Energy per inference</vscode-option><vscode-option value="token">Energy per token</vscode-option></vscode-dropdown></div>
      <div id="chart-seq" class="figure" data-testid="chart-seq-len"></div>
      <div id="chart-batch" class="figure" data-testid="chart-batch-size"></div>
      <p class="hint">The band is one standard deviation of the prediction. Change the inputs above to re-predict.</p>
    </div>
  `;

const sweeps: Partial<Record<SweepAxis, SweepPoint[]>> = {};
/** True when the inputs or model A changed since the sweeps were asked for: asked again when the tab is shown. */
let sweepsStale = true;

function requestSweeps(): void {
  const params = state.params;
  if (!params || !state.targets.a) return;
  sweepsStale = false;
  for (const axis of ['seqLen', 'batchSize'] as const) {
    const values = defaultSweepValues(axis, params, state.targets.a.maxPositions ?? 2048);
    send(`sweep:${axis}`, (requestId) => ({ type: 'sweep', requestId, axis, values, params }));
  }
}

/** Sweeps are costly: asked for at once only while the tab is shown. */
function invalidate(): void {
  sweepsStale = true;
  if (activeTab() === 'whatif') requestSweeps();
}

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

export const whatIfTab: PanelTab = {
  id: 'whatif',
  label: 'What-if',
  markup: MARKUP,
  mount() {
    const metric = $<ValueElement>('metric');
    metric.addEventListener('change', () => {
      state.metric = metric.value === 'token' ? 'token' : 'inference';
      persist();
      renderCharts();
    });
    renderCharts();
  },
  onControlsWritten() {
    $<ValueElement>('metric').value = state.metric ?? 'inference';
  },
  onParamsChanged: invalidate,
  onTargetChanged(side) {
    if (side === 'a') invalidate();
  },
  onMessage(m) {
    if (m.type !== 'sweepResult') return false;
    if (!settle(`sweep:${m.axis}`, m.requestId)) return true;
    sweeps[m.axis] = m.points;
    renderCharts();
    return true;
  },
  onShown() {
    if (sweepsStale) requestSweeps();
  },
  layout() {
    if (activeTab() === 'whatif') renderCharts();
  },
  addToExport(view) {
    const sw = (['seqLen', 'batchSize'] as const).filter((a) => sweeps[a]).map((axis) => ({ axis, points: sweeps[axis]! }));
    if (sw.length > 0) view.sweeps = sw;
  },
  csv(view) {
    return view.sweeps ? sweepsToCsv(view.sweeps) : undefined;
  },
};
