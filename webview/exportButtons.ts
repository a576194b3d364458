/**
 * The export buttons: Markdown and JSON of the whole prediction (with what
 * each tab adds), CSV of the active tab, SVG and PNG of its figures.
 */
import { predictionToCsv, toJsonExport, toMarkdownExport, type ExportView } from '../src/engine/analysis/index.js';
import type { ExportFormat } from '../src/shared/panelMessages.js';
import { setStatus } from './controls.js';
import { $ } from './dom.js';
import { standaloneSvg, svgToPngBase64 } from './figureExport.js';
import { activeTab, panelTabs } from './panelTab.js';
import { session, state } from './state.js';
import { post } from './vscodeApi.js';

function exportView(): ExportView | undefined {
  const p = session.predictions.a;
  if (!p) return undefined;
  const view: ExportView = { prediction: p };
  if (state.focusScope) view.focusScope = state.focusScope;
  for (const tab of panelTabs()) tab.addToExport?.(view);
  return view;
}

function baseName(): string {
  // `bert-base-uncased/config.json` exports as `bert-base-uncased-energy.md`.
  const label = (state.targets.a?.label ?? session.predictions.a?.modelName ?? 'model').replace(/\/?config\.json$/i, '').replace(/\.(json|onnx|py)$/i, '');
  return `${label.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}-energy`;
}

async function exportAs(format: ExportFormat): Promise<void> {
  const view = exportView();
  if (!view) return setStatus('Nothing to export yet: wait for the prediction.');
  const tab = activeTab();
  const name = `${baseName()}${tab === panelTabs()[0]?.id ? '' : `-${tab}`}.${format}`;
  const text = (content: string): void => post({ type: 'save', format, suggestedName: name, content, encoding: 'utf8' });
  switch (format) {
    case 'md':
      return text(toMarkdownExport(view));
    case 'json':
      return text(toJsonExport(view.prediction));
    case 'csv':
      return text(panelTabs().find((t) => t.id === tab)?.csv?.(view) ?? predictionToCsv(view.prediction));
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

/** Listens to the export buttons (in the controls' markup). */
export function mountExportButtons(): void {
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
}
