/**
 * Custom editor for `*.onnx` files: a short summary (total energy, the
 * largest top-level modules, warnings) with links to the text view and the
 * Energy Tree. Registered with priority "default" because VS Code has
 * nothing useful to show for a binary .onnx otherwise (a "binary file"
 * notice); other viewers stay reachable through "Reopen Editor With…".
 * The page is static HTML: no scripts, a strict CSP, command links only.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { formatBytes, formatShare } from '../engine/index.js';
import { escapeHtml } from './htmlEscape.js';
import { relativeUncertainty, settingLine, showEnergy } from './energyText.js';
import { COMMANDS } from './ids.js';
import type { IreneLog } from './ireneLog.js';
import { orderedChildren, relativeName } from './predictionIndex.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

/** Modules listed on the summary page (count). */
const TOP_MODULES = 12;

export class OnnxSummaryEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose() {} };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = { enableScripts: false, enableCommandUris: [COMMANDS.openOnnxAsText, COMMANDS.revealInTree, COMMANDS.changeSetting] };
    const subscriptions: vscode.Disposable[] = [];
    const render = async () => {
      try {
        panel.webview.html = await this.html(document.uri, panel.webview);
      } catch (err) {
        this.log.error(`summary of ${document.uri.fsPath}`, err);
      }
    };
    subscriptions.push(
      this.service.onDidChangePredictions((uri) => {
        if (!uri || uri.toString() === document.uri.toString()) void render();
      }),
    );
    panel.onDidDispose(() => subscriptions.forEach((s) => s.dispose()));
    this.service.ensure(document.uri, 'onnx', true);
    await render();
  }

  private async html(uri: vscode.Uri, webview: vscode.Webview): Promise<string> {
    const nonce = randomBytes(16).toString('base64');
    const s = this.settings.current;
    const display = { unit: s.unit, carbonIntensity: s.carbonIntensity };
    const name = uri.path.split('/').pop() ?? uri.path;
    const size = (await vscode.workspace.fs.stat(uri)).size;
    const link = (command: string, args: unknown[], text: string) =>
      `<a href="command:${command}?${encodeURIComponent(JSON.stringify(args))}">${escapeHtml(text)}</a>`;
    const state = this.service.state(uri);
    let body: string;
    if (state?.status === 'ready') {
      const p = state.prediction;
      const rows = orderedChildren(state.index.root, 'energy')
        .slice(0, TOP_MODULES)
        .map(
          (c) =>
            `<tr><td>${link(COMMANDS.revealInTree, [uri.toString(), c.node.scope], relativeName(c.node, p.root.node))}</td><td>${escapeHtml(c.node.instanceType)}</td><td class="num">${escapeHtml(showEnergy(c.energyJ, display))}</td><td class="num">${escapeHtml(formatShare(c.share))}</td></tr>`,
        )
        .join('');
      const warnings = p.warnings.length ? `<h2>Warnings</h2><ul>${p.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '';
      body = `<p class="total">⚡ ${escapeHtml(showEnergy(p.energyJ, display))} per inference ${escapeHtml(relativeUncertainty(p.energyJ, p.uncertaintyJ))}</p>
<p>${escapeHtml(settingLine(p))} · ${link(COMMANDS.changeSetting, [], 'change')}</p>
<table><thead><tr><th>Module</th><th>Type</th><th>Energy</th><th>Share</th></tr></thead><tbody>${rows}</tbody></table>${warnings}`;
    } else if (state?.status === 'error') {
      body = `<p class="error">IrEne cannot predict this model: ${escapeHtml(state.message)}</p>`;
    } else {
      body = '<p>Predicting…</p>';
    }
    const textLink =
      size > s.maxOnnxTextBytes
        ? `<span>Too large to open as text (irene.maxOnnxTextBytes)</span>`
        : link(COMMANDS.openOnnxAsText, [uri.toString()], 'Open as text');
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>${escapeHtml(name)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1.5em; }
a { color: var(--vscode-textLink-foreground); }
.total { font-size: 1.6em; margin: .4em 0; }
.error { color: var(--vscode-errorForeground); }
table { border-collapse: collapse; margin-top: 1em; }
th, td { text-align: left; padding: .2em .8em .2em 0; border-bottom: 1px solid var(--vscode-panel-border); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
</style></head><body>
<h1>${escapeHtml(name)} <small>${escapeHtml(formatBytes(size))}</small></h1>
${body}
<p>${textLink} · ${link(COMMANDS.revealInTree, [uri.toString()], 'Show in Energy Tree')}</p>
</body></html>`;
  }
}
