/**
 * Status bar item with the total energy of the active model file (config,
 * ONNX text view, ONNX summary editor, Python model); click opens the Energy
 * Tree at that model.
 */
import * as vscode from 'vscode';
import type { DocumentModels } from './documentModels.js';
import { nodeMarkdown, statusText } from './energyText.js';
import { COMMANDS, ONNX_EDITOR_VIEW_TYPE } from './ids.js';
import type { IreneLog } from './ireneLog.js';
import { modelKindOfName, type ModelFileKind } from './modelDetection.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';
import { budgetStatusText, budgetTooltip, type BudgetStatus } from './budget/budgetText.js';

/** The budget state of a model, when a budget covers it (the BudgetService). */
export interface BudgetStatusSource {
  stateOf(uri: vscode.Uri): BudgetStatus | undefined;
  readonly onDidChange: vscode.Event<vscode.Uri | undefined>;
}

export class EnergyStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly docs: DocumentModels,
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
    private readonly budgets?: BudgetStatusSource,
  ) {
    this.item = vscode.window.createStatusBarItem('irene.energy', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'IrEne Energy';
    this.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.update()),
      service.onDidChangePredictions(() => this.update()),
      settings.onDidChange(() => this.update()),
      ...(budgets ? [budgets.onDidChange(() => this.update())] : []),
    );
    this.update();
  }

  /** The model of the active editor: a text document, or the ONNX summary editor. */
  activeModel(): { uri: vscode.Uri; kind: ModelFileKind } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const ref = this.docs.refOf(editor.document);
      if (ref) return { uri: ref.modelUri, kind: ref.modelKind };
    }
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && input.viewType === ONNX_EDITOR_VIEW_TYPE) {
      return { uri: input.uri, kind: modelKindOfName(input.uri.path) ?? 'onnx' };
    }
    return undefined;
  }

  private update(): void {
    try {
      const active = this.activeModel();
      if (!active) {
        this.item.hide();
        return;
      }
      const state = this.service.state(active.uri);
      // Cheap when up to date; starts a prediction after an edit or a settings change.
      this.service.ensure(active.uri, active.kind, true);
      this.item.command = { title: 'Show in Energy Tree', command: COMMANDS.revealInTree, arguments: [active.uri.toString()] };
      const budget = this.budgets?.stateOf(active.uri);
      this.item.backgroundColor = budget?.status === 'checked' && budget.over ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      if (state?.status === 'ready') {
        const s = this.settings.current;
        const display = { unit: s.unit, carbonIntensity: s.carbonIntensity };
        // The budget's verdict follows the energy: it is made with the entry's own settings, which the tooltip names.
        this.item.text = `${statusText(state.prediction, display)}${budget ? ` ${budgetStatusText(budget)}` : ''}`;
        this.item.tooltip = new vscode.MarkdownString(
          `${nodeMarkdown(state.index.root, state.prediction, display)}${budget ? `\n\n${budgetTooltip(budget)}` : ''}\n\nClick to show the Energy Tree.`,
        );
        this.item.accessibilityInformation = {
          label: `IrEne: ${statusText(state.prediction, display).replace('$(zap) ', '')} per inference${budget ? `, ${budgetStatusText(budget).replace(/^\$\([^)]*\) /, '')}` : ''}`,
        };
      } else if (state?.status === 'error') {
        this.item.text = '$(warning) IrEne';
        this.item.tooltip = `IrEne cannot predict this model: ${state.message}`;
      } else {
        this.item.text = '$(loading~spin) IrEne';
        this.item.tooltip = 'IrEne is predicting the energy of this model…';
      }
      this.item.show();
    } catch (err) {
      this.log.error('status bar', err);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
