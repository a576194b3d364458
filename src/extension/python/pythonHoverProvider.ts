/**
 * Hovers on Python model lines: a class line shows all its instances, a
 * `self.x = nn.Linear(...)` line its layer (for a ModuleList, the total and
 * each layer), a forward line the primitives it calls; each links to the
 * Energy Tree.
 */
import * as vscode from 'vscode';
import type { DocumentModels } from '../documentModels.js';
import { revealInTreeLink } from '../energyHoverProvider.js';
import { COMMANDS } from '../ids.js';
import type { IreneLog } from '../ireneLog.js';
import type { SettingsService } from '../settingsService.js';
import { anchorAt } from '../sourceMapper.js';
import { pythonAnchorMarkdown } from './pythonAnchorText.js';
import type { PythonAnchor } from './pythonSourceMapper.js';

export class PythonHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly docs: DocumentModels,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (this.docs.refOf(doc)?.docKind !== 'python') return undefined;
    return this.log.guard(`python hover in ${doc.uri.toString()}`, async () => {
      const resolved = await this.docs.resolve(doc, token);
      if (!resolved || token.isCancellationRequested) return undefined;
      const anchor = anchorAt(resolved.anchors, position.line, position.character) as PythonAnchor | undefined;
      if (!anchor) return undefined;
      const s = this.settings.current;
      const body = pythonAnchorMarkdown(anchor, resolved.state.prediction, { unit: s.unit, carbonIntensity: s.carbonIntensity });
      const md = new vscode.MarkdownString(`${body}\n\n${revealInTreeLink(resolved.modelUri, anchor.nodes[0]?.node.scope)}`, true);
      md.isTrusted = { enabledCommands: [COMMANDS.revealInTree] };
      return new vscode.Hover(md, new vscode.Range(anchor.line, anchor.column, anchor.line, anchor.endColumn));
    });
  }
}
