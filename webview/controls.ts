/**
 * The controls every tab shares: the summary header (model, total energy,
 * status, progress), the prediction inputs, and the tab strip. Export buttons
 * are in exportButtons.ts.
 */
import { parseWhatIfParams } from '../src/engine/analysis/index.js';
import { formatEnergyAuto } from '../src/engine/report/formatUnits.js';
import type { PanelParams } from '../src/shared/panelMessages.js';
import { $, type ValueElement } from './dom.js';
import { predictAll } from './messaging.js';
import { activeTab, panelTabs } from './panelTab.js';
import { DEBOUNCE_MS, persist, session, state } from './state.js';

/** The header and the inputs (static markup). */
export const CONTROLS_MARKUP = `
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
</section>`;

/** The tab strip and the registered tabs' views (static markup). */
export function tabsMarkup(): string {
  const tabs = panelTabs();
  return `
<vscode-panels id="tabs" aria-label="Views">
${tabs.map((t) => `  <vscode-panel-tab id="tab-${t.id}" data-testid="tab-${t.id}">${t.label}</vscode-panel-tab>`).join('\n')}
${tabs.map((t) => `  <vscode-panel-view id="view-${t.id}">${t.markup}</vscode-panel-view>`).join('\n')}
</vscode-panels>`;
}

/** A one-line message under the total (errors, warnings, what a view leaves out). */
export function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Shows the inputs and the tab of `state` (after init or a reload). */
export function writeControls(): void {
  const p = state.params!;
  $<ValueElement>('batch-size').value = String(p.batchSize);
  $<ValueElement>('seq-len').value = String(p.seqLen);
  $<ValueElement>('dtype').value = p.dtype;
  $<ValueElement>('profile').value = p.profile;
  for (const tab of panelTabs()) tab.onControlsWritten?.();
  $('tabs').setAttribute('activeid', `tab-${state.tab ?? 'breakdown'}`);
}

/** Shows the models' labels. */
export function renderTargets(): void {
  $('model-label').textContent = state.targets.a?.label ?? '—';
  for (const tab of panelTabs()) tab.onTargetsShown?.();
}

/** Shows model A's total, its band and its warnings. */
export function renderSummary(): void {
  const p = session.predictions.a;
  const total = $('total-energy');
  if (!p) return;
  total.textContent = formatEnergyAuto(p.energyJ);
  total.dataset.valueJ = String(p.energyJ);
  const unc = $('total-uncertainty');
  unc.textContent = `± ${formatEnergyAuto(p.uncertaintyJ)} · ${formatEnergyAuto(p.energyJ / (p.batchSize * p.seqLen))} per token · ${p.profile.name}`;
  unc.dataset.valueJ = String(p.uncertaintyJ);
  if (p.warnings.length > 0) setStatus(`${p.warnings.length} warning(s): ${p.warnings.join('; ')}`);
}

/** Every tab redraws at the current width. */
export function layoutAll(): void {
  for (const tab of panelTabs()) tab.layout?.();
}

let debounceTimer: ReturnType<typeof setTimeout> | undefined;
function onInputsChanged(): void {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(() => {
    let params: PanelParams;
    try {
      params = parseWhatIfParams({
        batchSize: $<ValueElement>('batch-size').value,
        seqLen: $<ValueElement>('seq-len').value,
        dtype: $<ValueElement>('dtype').value,
        profile: $<ValueElement>('profile').value,
      });
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

/** Listens to the inputs and the tab strip. */
export function mountControls(): void {
  for (const id of ['batch-size', 'seq-len']) $(id).addEventListener('input', onInputsChanged);
  for (const id of ['dtype', 'profile']) $(id).addEventListener('change', onInputsChanged);
  const tabs = $('tabs');
  tabs.addEventListener('change', () => {
    const tab = activeTab();
    if (tab === state.tab) return;
    state.tab = tab;
    persist();
    panelTabs().find((t) => t.id === tab)?.onShown?.();
    // Figures drawn while their tab was hidden were measured at width 0.
    requestAnimationFrame(layoutAll);
  });
}
