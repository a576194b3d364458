/**
 * Read-only text of an ONNX file (scheme `irene-onnx`), rendered by the
 * engine in the worker from the graph's structure, never its weights. Files
 * above `irene.maxOnnxTextBytes` are refused with a message rather than read.
 */
import * as vscode from 'vscode';
import { ONNX_TEXT_LANGUAGE } from './ids.js';
import { isCancellation, type IreneLog } from './ireneLog.js';
import { onnxSourceOf, onnxTextUri } from './onnxTextUri.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

export class OnnxTextDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[];
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly service: PredictionService,
    settings: SettingsService,
    private readonly log: IreneLog,
  ) {
    this.subscriptions = [
      // The header shows batch size, sequence length and dtype, and shapes follow them.
      settings.onDidChange((c) => {
        if (c.keys.some((k) => k === 'batchSize' || k === 'seqLen' || k === 'dtype' || k === 'maxOnnxTextBytes')) this.refreshOpen();
      }),
    ];
  }

  /** Re-renders the open text views of one ONNX file (after it changed on disk), or all. */
  refreshOpen(onnxUri?: vscode.Uri): void {
    for (const doc of vscode.workspace.textDocuments) {
      const src = onnxSourceOf(doc.uri);
      if (src && (!onnxUri || src.toString() === onnxUri.toString())) this.emitter.fire(doc.uri);
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const source = onnxSourceOf(uri);
    if (!source) return '// not an IrEne ONNX text URI\n';
    try {
      return (await this.service.renderOnnx(source, token)).text;
    } catch (err) {
      if (isCancellation(err)) return '';
      this.log.error(`rendering ${source.fsPath} as text`, err);
      return `// IrEne cannot show ${source.fsPath} as text:\n// ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

/**
 * Opens the text view of an ONNX file, after checking its size, and makes
 * sure it gets the onnx-text language (its `.onnx-text` path normally does).
 */
export async function openOnnxAsText(onnxUri: vscode.Uri, maxBytes: number, options?: vscode.TextDocumentShowOptions): Promise<vscode.TextEditor | undefined> {
  const stat = await vscode.workspace.fs.stat(onnxUri);
  if (stat.size > maxBytes) {
    const open = 'Open Settings';
    const answer = await vscode.window.showErrorMessage(
      `IrEne: ${onnxUri.path.split('/').pop()} is ${(stat.size / 2 ** 20).toFixed(0)} MiB, more than irene.maxOnnxTextBytes (${(maxBytes / 2 ** 20).toFixed(0)} MiB); not opening it as text.`,
      open,
    );
    if (answer === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'irene.maxOnnxTextBytes');
    return undefined;
  }
  let doc = await vscode.workspace.openTextDocument(onnxTextUri(onnxUri));
  if (doc.languageId !== ONNX_TEXT_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, ONNX_TEXT_LANGUAGE);
  return vscode.window.showTextDocument(doc, { preview: false, ...options });
}
