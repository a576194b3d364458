/**
 * Decides when a code lens provider tells VS Code that its lenses changed.
 * Not on every prediction: each change event restarts VS Code's code lens
 * debounce (at least 250 ms), so an answer landing while an editor opens
 * would delay that editor's first lenses. It fires when a document's lenses
 * were listed with another prediction than the model's current one (or with
 * none), and whenever the settings changed what every lens shows.
 */
import * as vscode from 'vscode';
import type { PredictionService, PredictionState } from './predictionService.js';

type ReadyState = Extract<PredictionState, { status: 'ready' }>;

export class LensRefreshGate implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Per document URI: its model and the prediction its lenses were last listed with. */
  private readonly listed = new Map<string, { modelUri: string; state: ReadyState | undefined }>();
  private readonly subscriptions: vscode.Disposable[];
  /** The provider's `onDidChangeCodeLenses`. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly service: PredictionService) {
    this.subscriptions = [
      service.onDidChangePredictions((uri) => this.predictionChanged(uri)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.listed.delete(doc.uri.toString())),
    ];
  }

  /** Notes the prediction a document's lenses were just listed with (undefined: none was at hand). Call from provideCodeLenses. */
  listedWith(doc: vscode.TextDocument, modelUri: vscode.Uri, state: ReadyState | undefined): void {
    this.listed.set(doc.uri.toString(), { modelUri: modelUri.toString(), state });
  }

  private predictionChanged(uri: vscode.Uri | undefined): void {
    if (!uri) {
      this.emitter.fire();
      return;
    }
    const k = uri.toString();
    const current = this.service.upToDate(uri);
    for (const l of this.listed.values()) {
      if (l.modelUri === k && l.state !== current) {
        this.emitter.fire();
        return;
      }
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
