/**
 * Hovers on model documents: a config.json key tells what the nodes it
 * controls cost and, for counts (layers, heads), what one more or one less
 * would change; a node in the ONNX text view (or a Python line) tells its
 * own figures. Each hover links to the node in the Energy Tree.
 */
import * as vscode from 'vscode';
import { isCountKey, withConfigValueChanged } from './configKeyMapping.js';
import type { DocumentModels, ResolvedDocument } from './documentModels.js';
import { configKeyMarkdown, generationDeltaMarkdown, nodesMarkdown, type EnergyDisplay, type KeyDelta } from './energyText.js';
import { COMMANDS } from './ids.js';
import { isCancellation, type IreneLog } from './ireneLog.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';
import { anchorAt } from './sourceMapper.js';

/** A `command:` link that reveals a node in the Energy Tree. */
export function revealInTreeLink(modelUri: vscode.Uri, scope: string | undefined): string {
  // Parentheses and quotes too: a scope holding `)` would end the link's destination early.
  const args = encodeURIComponent(JSON.stringify([modelUri.toString(), scope])).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[$(list-tree) Show in Energy Tree](command:${COMMANDS.revealInTree}?${args} "Reveal this node in the IrEne Energy Tree")`;
}

export class EnergyHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly docs: DocumentModels,
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {}

  private get display(): EnergyDisplay {
    const s = this.settings.current;
    return { unit: s.unit, carbonIntensity: s.carbonIntensity };
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (!this.docs.refOf(doc)) return undefined;
    return this.log.guard(`hover in ${doc.uri.toString()}`, async () => {
      const resolved = await this.docs.resolve(doc, token);
      if (!resolved || token.isCancellationRequested) return undefined;
      const anchor = anchorAt(resolved.anchors, position.line, position.character);
      if (!anchor) return undefined;
      const { prediction } = resolved.state;
      let body: string;
      if (anchor.configKey !== undefined) {
        const count = isCountKey(anchor.configKey);
        const [deltas, perToken] = await Promise.all([
          count ? this.deltas(doc, resolved, anchor.configKey, token) : Promise.resolve([]),
          count ? this.perTokenDeltas(doc, resolved, anchor.configKey, token) : Promise.resolve(undefined),
        ]);
        body = configKeyMarkdown(anchor.configKey, anchor.nodes, prediction, this.display, deltas);
        if (perToken) body += `\n\n${perToken}`;
      } else {
        body = nodesMarkdown(anchor.nodes, prediction, this.display);
      }
      const md = new vscode.MarkdownString(`${body}\n\n${revealInTreeLink(resolved.modelUri, anchor.nodes[0]?.node.scope)}`, true);
      md.isTrusted = { enabledCommands: [COMMANDS.revealInTree] };
      return new vscode.Hover(md, new vscode.Range(anchor.line, anchor.column, anchor.line, anchor.endColumn));
    });
  }

  /**
   * For a causal LM's config.json: the decode J per token, and its change with
   * the key one higher and one lower (decode steps predicted in the worker,
   * cached there by content); undefined for models that do not generate.
   */
  private async perTokenDeltas(doc: vscode.TextDocument, resolved: ResolvedDocument, key: string, token: vscode.CancellationToken): Promise<string | undefined> {
    if (resolved.modelKind !== 'hf-config') return undefined;
    const g = await this.service.getGeneration(resolved.modelUri, 'hf-config', token);
    if (!g) return undefined;
    const base = g.step.perTokenJ;
    const text = doc.getText();
    const variants = [+1, -1].map((d) => withConfigValueChanged(text, key, d)).filter((v): v is { text: string; value: number } => v !== undefined);
    const deltas = await Promise.all(
      variants.map(async (v): Promise<KeyDelta> => {
        try {
          const step = await this.service.decodeStepOfText(resolved.modelUri, v.text, token);
          return { value: v.value, deltaJ: step.perTokenJ - base };
        } catch (err) {
          if (isCancellation(err)) throw err;
          return { value: v.value, deltaJ: undefined, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    return generationDeltaMarkdown(key, base, g.step.context, g.report?.batchSize ?? this.settings.current.batchSize, deltas, this.display);
  }

  /** Whole-model energy with the key one higher and one lower, predicted in the worker (cached there by content). */
  private async deltas(doc: vscode.TextDocument, resolved: ResolvedDocument, key: string, token: vscode.CancellationToken): Promise<KeyDelta[]> {
    const text = doc.getText();
    const base = resolved.state.prediction.energyJ;
    const variants = [+1, -1]
      .map((d) => withConfigValueChanged(text, key, d))
      .filter((v): v is { text: string; value: number } => v !== undefined);
    return Promise.all(
      variants.map(async (v): Promise<KeyDelta> => {
        try {
          const p = await this.service.predictText(resolved.modelUri, v.text, token);
          return { value: v.value, deltaJ: p.energyJ - base };
        } catch (err) {
          if (isCancellation(err)) throw err;
          return { value: v.value, deltaJ: undefined, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }
}
