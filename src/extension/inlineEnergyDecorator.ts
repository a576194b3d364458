/**
 * End-of-line annotations (Import Cost style) on the lines that define
 * layers: config keys that control nodes, module blocks of the ONNX text
 * view, Python module lines. Coloured by the share of the model's energy
 * with theme colours the manifest contributes. Never waits: it draws what is
 * known and redraws when a prediction lands.
 */
import * as vscode from 'vscode';
import type { DocumentModels } from './documentModels.js';
import { aggregate, annotationText, shareLevel, type ShareLevel } from './energyText.js';
import { ANNOTATION_COLORS } from './ids.js';
import type { IreneLog } from './ireneLog.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

const LEVELS: readonly ShareLevel[] = ['low', 'medium', 'high'];

export class InlineEnergyDecorator implements vscode.Disposable {
  private readonly types: Record<ShareLevel, vscode.TextEditorDecorationType>;
  private readonly subscriptions: vscode.Disposable[] = [];
  /**
   * What each editor was last sent, so an unchanged set is not sent again:
   * every per-line text becomes CSS rules in the workbench, work it should
   * not redo while an editor is opening.
   */
  private readonly sent = new WeakMap<vscode.TextEditor, string>();
  /** Editors awaiting a prediction, so one landing redraws them once. */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly docs: DocumentModels,
    service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {
    this.types = Object.fromEntries(
      LEVELS.map((level) => [
        level,
        vscode.window.createTextEditorDecorationType({
          after: { color: new vscode.ThemeColor(ANNOTATION_COLORS[level]), margin: '0 0 0 2em', fontStyle: 'italic' },
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }),
      ]),
    ) as Record<ShareLevel, vscode.TextEditorDecorationType>;
    this.subscriptions.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.updateAll()),
      // A landing prediction redraws only the editors that show that model.
      service.onDidChangePredictions((uri) => this.updateAll(uri)),
      settings.onDidChange(() => this.updateAll()),
    );
    this.updateAll();
  }

  /** Annotations currently drawn per editor document (for tests and the status of the feature). */
  readonly drawn = new Map<string, { line: number; text: string; level: ShareLevel }[]>();

  /** Redraws the visible editors, or those showing `modelUri` when given. */
  updateAll(modelUri?: vscode.Uri): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (modelUri && this.docs.refOf(editor.document)?.modelUri.toString() !== modelUri.toString()) continue;
      this.update(editor);
    }
  }

  private clear(editor: vscode.TextEditor): void {
    if (this.sent.get(editor) === '') return;
    for (const level of LEVELS) editor.setDecorations(this.types[level], []);
    this.sent.set(editor, '');
    this.drawn.delete(editor.document.uri.toString());
  }

  private update(editor: vscode.TextEditor): void {
    try {
      const doc = editor.document;
      const ref = this.docs.refOf(doc);
      if (!ref || !this.settings.current.inlineAnnotations) {
        this.clear(editor);
        return;
      }
      const resolved = this.docs.resolveNow(doc);
      // Always ask for the current prediction (cheap when cached); draw what is known meanwhile.
      const key = doc.uri.toString();
      if (!this.waiting.has(key)) {
        this.waiting.add(key);
        void this.docs.resolve(doc).finally(() => {
          this.waiting.delete(key);
          const now = this.docs.resolveNow(doc);
          // Redraw only when something new arrived (an ONNX rendering fires no event), never in a loop.
          if (now && (now.state !== resolved?.state || now.input.scopeLines !== resolved?.input.scopeLines)) this.update(editor);
        });
      }
      if (!resolved) return;
      const s = this.settings.current;
      const display = { unit: s.unit, carbonIntensity: s.carbonIntensity };
      const byLevel: Record<ShareLevel, vscode.DecorationOptions[]> = { low: [], medium: [], high: [] };
      const drawn: { line: number; text: string; level: ShareLevel }[] = [];
      for (const a of resolved.anchors) {
        if (!a.annotate || a.line >= doc.lineCount) continue;
        const agg = aggregate(a.nodes);
        const level = shareLevel(agg.share);
        const text = annotationText(agg, display);
        const end = doc.lineAt(a.line).range.end;
        byLevel[level].push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
        drawn.push({ line: a.line, text, level });
      }
      const signature = `${doc.version}|${JSON.stringify(drawn)}`;
      if (this.sent.get(editor) !== signature) {
        for (const level of LEVELS) editor.setDecorations(this.types[level], byLevel[level]);
        this.sent.set(editor, signature);
      }
      this.drawn.set(doc.uri.toString(), drawn);
    } catch (err) {
      this.log.error(`annotations of ${editor.document.uri.toString()}`, err);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const t of Object.values(this.types)) t.dispose();
  }
}
