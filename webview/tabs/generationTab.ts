/**
 * The Generation tab (causal LMs): the prefill / decode split of a request,
 * decode J per generated token against the context and against the batch
 * (with the largest batch that fits in memory drawn), and a prompt x output
 * what-if of J per request. One `generation` request to the host, answered
 * with the engine's predictGenerationSweeps (the numbers `irene generate`
 * prints).
 */
import { renderPerTokenChart, renderPhaseSplit } from '../../src/engine/analysis/generationChartSvg.js';
import { escapeXml } from '../../src/engine/analysis/markup.js';
import type { GenerationSweeps } from '../../src/engine/generation/generationSweeps.js';
import { formatEnergyAuto } from '../../src/engine/report/formatUnits.js';
import { $, figureWidth, type ValueElement } from '../dom.js';
import { send, settle } from '../messaging.js';
import { activeTab, type PanelTab } from '../panelTab.js';
import { persist, state } from '../state.js';

const MARKUP = `
    <div class="view">
      <div class="row">
        <vscode-text-field id="gen-prompt" data-testid="gen-prompt" size="8">Prompt tokens</vscode-text-field>
        <vscode-text-field id="gen-output" data-testid="gen-output" size="8">Output tokens</vscode-text-field>
      </div>
      <p id="gen-summary" data-testid="gen-summary" class="hint">Pick a causal LM's config.json to see its generation.</p>
      <div id="gen-split" class="figure" data-testid="gen-split"></div>
      <div id="gen-by-context" class="figure" data-testid="gen-by-context"></div>
      <div id="gen-by-batch" class="figure" data-testid="gen-by-batch"></div>
      <h3>Energy per request: prompt × output</h3>
      <table id="gen-grid" data-testid="gen-grid" class="grid-table"></table>
      <p class="hint">Decode steps at each context and batch, predicted with the panel's profile and dtype; the band is one standard deviation.</p>
    </div>
  `;

let sweeps: GenerationSweeps | undefined;
let stale = true;
const DEFAULT_LENGTHS = { promptLen: 512, outputLen: 256 };

function lengths(): { promptLen: number; outputLen: number } {
  return state.generation ?? DEFAULT_LENGTHS;
}

function request(): void {
  const params = state.params;
  if (!params || !state.targets.a) return;
  stale = false;
  const { promptLen, outputLen } = lengths();
  send('generation', (requestId) => ({ type: 'generation', requestId, params, promptLen, outputLen }));
}

function invalidate(): void {
  stale = true;
  if (activeTab() === 'generation') request();
}

function render(): void {
  const s = sweeps;
  const summary = $('gen-summary');
  if (!s) {
    summary.textContent = "Pick a causal LM's config.json to see its generation.";
    for (const id of ['gen-split', 'gen-by-context', 'gen-by-batch', 'gen-grid']) $(id).innerHTML = '';
    return;
  }
  const r = s.report;
  summary.textContent =
    `${formatEnergyAuto(r.energyPerOutputTokenJ)} per output token · ${formatEnergyAuto(r.energyPerRequestJ)} per request (${r.promptLen} → ${r.outputLen}) · batch ${r.batchSize} · ` +
    `${r.attention} attention · ${r.fits ? 'fits in memory' : 'does not fit in memory'}${r.maxBatch !== undefined ? ` (largest batch ${r.maxBatch})` : ''}`;
  const width = figureWidth($('gen-by-context'));
  $('gen-split').innerHTML = renderPhaseSplit(r.prefillJ, r.decodeJ, width, 'phase-split');
  $('gen-by-context').innerHTML = renderPerTokenChart(s.byContext, { xLabel: 'context (tokens)', width, height: 220, current: r.promptLen + r.outputLen, testId: 'per-token-by-context' });
  $('gen-by-batch').innerHTML = renderPerTokenChart(s.byBatch, {
    xLabel: `batch size (sequences, at ${s.batchContext} tokens of context)`,
    width,
    height: 220,
    current: r.batchSize,
    ...(r.maxBatch !== undefined ? { limit: Math.max(1, r.maxBatch) } : {}),
    testId: 'per-token-by-batch',
  });
  const prompts = [...new Set(s.grid.map((c) => c.promptLen))];
  const outputs = [...new Set(s.grid.map((c) => c.outputLen))];
  const cell = (p: number, n: number) => s.grid.find((c) => c.promptLen === p && c.outputLen === n);
  const head = `<tr><th>prompt \\ output</th>${outputs.map((n) => `<th>${n}</th>`).join('')}</tr>`;
  const rows = prompts.map(
    (p) =>
      `<tr><th>${p}</th>${outputs
        .map((n) => {
          const c = cell(p, n);
          return c ? `<td data-energy-j="${c.energyPerRequestJ}"${c.fits ? '' : ' class="over"'}>${escapeXml(formatEnergyAuto(c.energyPerRequestJ))}${c.fits ? '' : ' ⚠'}</td>` : '<td></td>';
        })
        .join('')}</tr>`,
  );
  $('gen-grid').innerHTML = head + rows.join('');
}

function readLength(id: string, fallback: number): number {
  const v = Number($<ValueElement>(id).value);
  return Number.isInteger(v) && v >= 1 && v <= 1 << 20 ? v : fallback;
}

export const generationTab: PanelTab = {
  id: 'generation',
  label: 'Generation',
  markup: MARKUP,
  mount() {
    for (const id of ['gen-prompt', 'gen-output']) {
      $(id).addEventListener('change', () => {
        const cur = lengths();
        state.generation = { promptLen: readLength('gen-prompt', cur.promptLen), outputLen: readLength('gen-output', cur.outputLen) };
        persist();
        invalidate();
      });
    }
    render();
  },
  onControlsWritten() {
    const { promptLen, outputLen } = lengths();
    $<ValueElement>('gen-prompt').value = String(promptLen);
    $<ValueElement>('gen-output').value = String(outputLen);
  },
  onParamsChanged: invalidate,
  onTargetChanged(side) {
    if (side !== 'a') return;
    sweeps = undefined;
    render();
    invalidate();
  },
  onMessage(m) {
    if (m.type === 'failed' && m.generation) {
      if (!settle('generation', m.requestId)) return true;
      sweeps = undefined;
      render();
      $('gen-summary').textContent = m.message;
      return true;
    }
    if (m.type !== 'generationResult') return false;
    if (!settle('generation', m.requestId)) return true;
    sweeps = m.sweeps;
    render();
    return true;
  },
  onShown() {
    if (stale) request();
  },
  layout() {
    if (activeTab() === 'generation') render();
  },
};
