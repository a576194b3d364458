/**
 * The Energy panel's host: creates (or revives) the webview, answers its
 * messages with predictions from the extension's prediction service, and
 * saves exports through the save dialog. One panel at a time; opening it for
 * another model retargets it.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { readConfigFields, readMaxPositions, runSweep, type WhatIfParams } from '../../engine/analysis/index.js';
import {
  ENERGY_PANEL_VIEW_TYPE,
  isWebviewToHostMessage,
  toWirePrediction,
  type ExportFormat,
  type GenerationMessage,
  type HostToWebviewMessage,
  type PanelParams,
  type PanelSide,
  type PanelState,
  type PanelTarget,
  type PanelTargetInfo,
  type PredictMessage,
  type SaveMessage,
  type SweepMessage,
  type WebviewToHostMessage,
} from '#shared/panelMessages.js';
import type { PanelDeps, PanelGenerationRequest, PanelPredictRequest } from './panelDeps.js';
import { renderPanelHtml } from './panelHtml.js';

/** Largest export the host writes (bytes of message content); a bigger one is a bug, not a report. */
const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

const SAVE_FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  md: { Markdown: ['md'] },
  csv: { CSV: ['csv'] },
  json: { JSON: ['json'] },
  svg: { 'SVG image': ['svg'] },
  png: { 'PNG image': ['png'] },
};

/** Webview options: scripts on, and only the bundle and media folders readable. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The Energy panel (one per window). */
export class EnergyPanel {
  private static current: EnergyPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly inFlight = new Map<string, vscode.CancellationTokenSource>();
  private targets: Partial<Record<PanelSide, PanelTargetInfo>> = {};
  private ready = false;
  private disposed = false;

  /**
   * Shows the panel, creating it if needed, for `target` when given (the
   * model the command was run on); without one an existing panel keeps its model.
   */
  static createOrShow(context: vscode.ExtensionContext, deps: PanelDeps, target?: PanelTarget): EnergyPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const existing = EnergyPanel.current;
    if (existing) {
      existing.panel.reveal(column);
      if (target) void existing.setTarget('a', target);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(ENERGY_PANEL_VIEW_TYPE, 'IrEne Energy', { viewColumn: column }, {
      ...webviewOptions(context.extensionUri),
      enableFindWidget: true,
    });
    const created = new EnergyPanel(panel, context, deps);
    EnergyPanel.current = created;
    if (target) void created.setTarget('a', target);
    return created;
  }

  /** Brings back a panel VS Code restored after a reload, with the state its webview saved. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, deps: PanelDeps, state: PanelState | undefined): EnergyPanel {
    EnergyPanel.current?.panel.dispose();
    panel.webview.options = webviewOptions(context.extensionUri);
    const revived = new EnergyPanel(panel, context, deps);
    EnergyPanel.current = revived;
    for (const side of ['a', 'b'] as const) {
      const t = state?.targets?.[side];
      if (t && (typeof t.file === 'string' || typeof t.configText === 'string')) void revived.setTarget(side, { file: t.file, configText: t.configText, label: t.label });
    }
    return revived;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly deps: PanelDeps,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isWebviewToHostMessage(m)) {
          deps.log.warn(`Energy panel: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
          return;
        }
        this.onMessage(m).catch((err: unknown) => deps.log.error(`Energy panel: ${m.type} failed`, err));
      }),
    );
  }

  /** Shows another model on a side (a: the main model; b: Compare's second model). */
  async setTarget(side: PanelSide, target: PanelTarget): Promise<void> {
    const info = await this.describeTarget(target);
    if (this.disposed) return;
    this.targets[side] = info;
    if (side === 'a') this.panel.title = `Energy: ${info.label}`;
    if (this.ready) this.post({ type: 'target', side, target: info });
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    return renderPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      nonce: randomBytes(16).toString('hex'),
    });
  }

  private post(message: HostToWebviewMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private async describeTarget(target: PanelTarget): Promise<PanelTargetInfo> {
    let text = target.configText;
    if (text === undefined && target.file && target.file.toLowerCase().endsWith('.json')) {
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(target.file)));
      } catch (err) {
        this.deps.log.warn(`Energy panel: cannot read ${target.file}: ${messageOf(err)}`);
      }
    }
    const fileLabel = target.file ? (basename(target.file) === 'config.json' ? `${basename(dirname(target.file))}/config.json` : basename(target.file)) : 'unsaved config';
    const info: PanelTargetInfo = { label: target.label ?? fileLabel, configFields: text ? readConfigFields(text) : [] };
    if (target.file) info.file = target.file;
    if (target.configText !== undefined) info.configText = target.configText;
    if (target.scope !== undefined) info.scope = target.scope;
    const maxPositions = text ? readMaxPositions(text) : undefined;
    if (maxPositions !== undefined) info.maxPositions = maxPositions;
    return info;
  }

  private async onMessage(m: WebviewToHostMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.sendInit();
      case 'predict':
        return this.predict(m);
      case 'sweep':
        return this.sweep(m);
      case 'generation':
        return this.generation(m);
      case 'pickModel': {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: m.side === 'b' ? 'Compare with this model' : 'Show this model',
          filters: { Models: ['json', 'onnx', 'py'], 'All files': ['*'] },
        });
        if (picked?.[0]) await this.setTarget(m.side, { file: picked[0].fsPath });
        return;
      }
      case 'save':
        return this.save(m);
      case 'reveal': {
        const file = this.targets[m.side]?.file;
        if (file && this.deps.openFile) await this.deps.openFile(file, m.scope);
        return;
      }
      case 'webviewError':
        this.deps.log.error(`Energy panel webview: ${m.message}`);
        return;
    }
  }

  private async sendInit(): Promise<void> {
    this.ready = true;
    let profiles: { name: string; label: string }[] = [];
    try {
      profiles = (await this.deps.listProfiles()).map((p) => ({ name: p.name, label: p.label ?? (p.hardware ? `${p.name} (${p.hardware})` : p.name) }));
    } catch (err) {
      this.deps.log.error('Energy panel: listing profiles failed', err);
    }
    let d: Partial<PanelParams> = {};
    try {
      d = (await this.deps.defaults?.()) ?? {};
    } catch (err) {
      this.deps.log.error('Energy panel: reading the default inputs failed', err);
    }
    const profile = d.profile && profiles.some((p) => p.name === d.profile) ? d.profile : (profiles[0]?.name ?? d.profile ?? '');
    const defaults: PanelParams = { batchSize: d.batchSize ?? 1, seqLen: d.seqLen ?? 128, dtype: d.dtype ?? 'fp32', profile };
    const generationDefaults = this.deps.generationDefaults?.();
    this.post({ type: 'init', profiles, defaults, ...(generationDefaults ? { generationDefaults } : {}), targets: { ...this.targets } });
  }

  /** A cancellation source for a channel; the previous request on that channel is cancelled (newest wins). */
  private channel(key: string): vscode.CancellationTokenSource {
    this.inFlight.get(key)?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.inFlight.set(key, source);
    return source;
  }

  private release(key: string, source: vscode.CancellationTokenSource): void {
    if (this.inFlight.get(key) === source) this.inFlight.delete(key);
    source.dispose();
  }

  private request(side: PanelSide, params: WhatIfParams, overrides?: Record<string, number>): PanelPredictRequest | undefined {
    const t = this.targets[side];
    if (!t) return undefined;
    const req: PanelPredictRequest = { batchSize: params.batchSize, seqLen: params.seqLen, dtype: params.dtype, profile: params.profile };
    if (t.file) req.file = t.file;
    if (t.configText !== undefined) req.configText = t.configText;
    if (overrides && Object.keys(overrides).length > 0) req.configOverrides = overrides;
    return req;
  }

  private async predict(m: PredictMessage): Promise<void> {
    const req = this.request(m.from ?? m.side, m.params, m.configOverrides);
    if (!req) return this.post({ type: 'failed', requestId: m.requestId, side: m.side, message: 'No model to predict yet: pick one.' });
    const key = `predict:${m.side}`;
    const source = this.channel(key);
    try {
      const prediction = await this.deps.predict(req, source.token);
      if (!source.token.isCancellationRequested) this.post({ type: 'prediction', requestId: m.requestId, side: m.side, prediction: toWirePrediction(prediction) });
    } catch (err) {
      if (source.token.isCancellationRequested) return;
      this.deps.log.warn(`Energy panel: predicting ${req.file ?? 'config'} failed: ${messageOf(err)}`);
      this.post({ type: 'failed', requestId: m.requestId, side: m.side, message: messageOf(err) });
    } finally {
      this.release(key, source);
    }
  }

  private async sweep(m: SweepMessage): Promise<void> {
    const key = `sweep:${m.axis}`;
    const source = this.channel(key);
    const controller = new AbortController();
    const sub = source.token.onCancellationRequested(() => controller.abort());
    try {
      const points = await runSweep(
        m.axis,
        m.values,
        m.params,
        async (params) => {
          const req = this.request('a', params);
          if (!req) throw new Error('No model to predict yet: pick one.');
          return this.deps.predict(req, source.token);
        },
        { signal: controller.signal, concurrency: 2 },
      );
      if (!source.token.isCancellationRequested) this.post({ type: 'sweepResult', requestId: m.requestId, axis: m.axis, points });
    } catch (err) {
      if (source.token.isCancellationRequested) return;
      this.deps.log.warn(`Energy panel: sweep over ${m.axis} failed: ${messageOf(err)}`);
      this.post({ type: 'failed', requestId: m.requestId, axis: m.axis, message: `Sweep over ${m.axis === 'seqLen' ? 'sequence length' : 'batch size'} failed: ${messageOf(err)}` });
    } finally {
      sub.dispose();
      this.release(key, source);
    }
  }

  private async generation(m: GenerationMessage): Promise<void> {
    const t = this.targets.a;
    if (!t || !this.deps.generationSweeps) {
      return this.post({ type: 'failed', requestId: m.requestId, generation: true, message: t ? 'Generation is not available in this build.' : 'No model to predict yet: pick one.' });
    }
    const key = 'generation';
    const source = this.channel(key);
    try {
      const text = t.configText;
      // The sweep over contexts stops at the model's positions (2k-32k).
      const maxContext = Math.min(32768, Math.max(2048, (await this.describeTarget(t)).maxPositions ?? 32768));
      const req: PanelGenerationRequest = { batchSize: m.params.batchSize, dtype: m.params.dtype, profile: m.params.profile, promptLen: m.promptLen, outputLen: m.outputLen, maxContext };
      if (t.file) req.file = t.file;
      if (text !== undefined) req.configText = text;
      const sweeps = await this.deps.generationSweeps(req, source.token);
      if (!source.token.isCancellationRequested) this.post({ type: 'generationResult', requestId: m.requestId, sweeps });
    } catch (err) {
      if (source.token.isCancellationRequested) return;
      this.deps.log.warn(`Energy panel: generation of ${t.file ?? 'config'} failed: ${messageOf(err)}`);
      this.post({ type: 'failed', requestId: m.requestId, generation: true, message: messageOf(err) });
    } finally {
      this.release(key, source);
    }
  }

  private async save(m: SaveMessage): Promise<void> {
    if (m.content.length > MAX_EXPORT_CHARS) {
      void vscode.window.showErrorMessage('IrEne: the export is too large to save.');
      return;
    }
    // Only a file name may come from the webview, never a path.
    const cleaned = Array.from(m.suggestedName, (c) => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? '-' : c)).join('');
    const name = basename(cleaned) || `energy.${m.format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? (this.targets.a?.file ? vscode.Uri.file(dirname(this.targets.a.file)) : undefined);
    const uri = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: SAVE_FILTERS[m.format],
      saveLabel: 'Export',
      title: 'IrEne: export the energy report',
    });
    if (!uri) return;
    const bytes = m.encoding === 'base64' ? Buffer.from(m.content, 'base64') : Buffer.from(m.content, 'utf8');
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.deps.log.info(`Energy panel: exported ${m.format} to ${uri.fsPath}`);
    const open = m.format === 'png' ? undefined : 'Open';
    const choice = await vscode.window.showInformationMessage(`IrEne: saved ${basename(uri.fsPath)}`, ...(open ? [open] : []));
    if (choice === 'Open') await vscode.window.showTextDocument(uri);
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (EnergyPanel.current === this) EnergyPanel.current = undefined;
    for (const s of this.inFlight.values()) s.cancel();
    this.inFlight.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
