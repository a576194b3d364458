/**
 * One lens above each model class of a Python file: the energy of all its
 * instances and their share of the whole model
 * (`⚡ 2.23 J per inference · 38 % of BertModel · batch 8 × 256 · h100-bf16`).
 * Lenses are listed from the anchors known now; they come with their commands
 * when the prediction is current, and are resolved lazily otherwise.
 */
import * as vscode from 'vscode';
import type { DocumentModels, ResolvedDocument } from '../documentModels.js';
import { COMMANDS } from '../ids.js';
import type { IreneLog } from '../ireneLog.js';
import { LensRefreshGate } from '../lensRefreshGate.js';
import type { PredictionService } from '../predictionService.js';
import type { SettingsService } from '../settingsService.js';
import { classLensTitle } from './pythonAnchorText.js';
import type { PythonAnchor } from './pythonSourceMapper.js';

class ClassLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly doc: vscode.TextDocument,
    readonly className: string,
  ) {
    super(range);
  }
}

export class PythonCodeLensProvider implements vscode.CodeLensProvider<ClassLens>, vscode.Disposable {
  private readonly gate: LensRefreshGate;
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly docs: DocumentModels,
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {
    this.gate = new LensRefreshGate(service);
    this.onDidChangeCodeLenses = this.gate.onDidChange;
  }

  provideCodeLenses(doc: vscode.TextDocument): ClassLens[] {
    try {
      const ref = this.docs.refOf(doc);
      if (ref?.docKind !== 'python') return [];
      const resolved = this.docs.resolveNow(doc);
      // The class lines come from this prediction; a newer one (or the first) must list them again.
      this.gate.listedWith(doc, ref.modelUri, resolved?.state);
      if (!resolved) return [];
      // A current answer fills each lens now, which spares VS Code a resolve round trip per class.
      const current = this.service.upToDate(ref.modelUri, doc.version) === resolved.state;
      return (resolved.anchors as PythonAnchor[])
        .filter((a) => a.className !== undefined)
        .map((a) => {
          const lens = new ClassLens(new vscode.Range(a.line, a.column, a.line, a.column), doc, a.className!);
          if (current) this.fill(lens, resolved, a);
          return lens;
        });
    } catch (err) {
      this.log.error(`class lenses of ${doc.uri.toString()}`, err);
      return [];
    }
  }

  async resolveCodeLens(lens: ClassLens, token: vscode.CancellationToken): Promise<ClassLens> {
    const resolved = await this.log.guard(`class lens of ${lens.doc.uri.toString()}`, () => this.docs.resolve(lens.doc, token));
    const anchor = (resolved?.anchors as PythonAnchor[] | undefined)?.find((a) => a.className === lens.className);
    if (!resolved || !anchor) {
      lens.command = { title: '$(loading~spin) IrEne: predicting…', command: COMMANDS.showLog };
      return lens;
    }
    this.fill(lens, resolved, anchor);
    return lens;
  }

  private fill(lens: ClassLens, resolved: ResolvedDocument, anchor: PythonAnchor): void {
    const s = this.settings.current;
    lens.command = {
      title: classLensTitle(anchor, resolved.state.prediction, { unit: s.unit, carbonIntensity: s.carbonIntensity }),
      command: COMMANDS.revealInTree,
      arguments: [resolved.modelUri.toString(), anchor.nodes[0]?.node.scope],
      tooltip: `Show ${lens.className} in the IrEne Energy Tree`,
    };
  }

  dispose(): void {
    this.gate.dispose();
  }
}
