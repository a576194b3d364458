/**
 * The object `activate()` returns, for tests running inside VS Code
 * (test/integration, test/ui) and for other extensions:
 *
 * ```ts
 * const api = await vscode.extensions.getExtension<IreneApi>('irene-energy.irene-energy')!.activate();
 * const p = await api.getPrediction(vscode.Uri.file('/ws/bert-base-uncased/config.json'));
 * p?.energyJ;            // joules per inference for the current settings
 * api.settings.current;  // { batchSize, seqLen, dtype, profile, unit, ... } (validated)
 * ```
 *
 * - `getPrediction(uri)` predicts any model file (config.json, .onnx, the
 *   ONNX text view's URI, a Python model) with the current settings and
 *   resolves to the prediction, or to undefined when the file cannot be
 *   predicted (the reason is in the "IrEne" log). It never rejects.
 * - `predictionService` caches and shares predictions; its
 *   `onDidChangePredictions` fires a URI when that model's prediction lands
 *   and `undefined` when settings changed what every surface shows.
 * - `energyTreeProvider` is the Energy Tree's TreeDataProvider: roots are
 *   model files, labels `name`, descriptions `2.23 J ±4 % · profile`.
 * - `documentModels` maps documents to models; `registerSourceMapper` plugs
 *   in a new document kind (Python) for hovers, lenses and annotations.
 * - `modelRegistry.whenScanned()` resolves when the workspace scan is done.
 * - `decorator.drawn` lists the inline annotations drawn per document URI.
 * - `budgets` checks the models of `irene.budget.json` (or pyproject.toml
 *   [tool.irene]): `stateOf(uri)` is a model's budget state, `whenIdle()`
 *   resolves when the latest check is done, `onDidChange` fires per model.
 * - `statusBar.item` is the status bar item (energy and budget state of the
 *   active model file).
 */
import type * as vscode from 'vscode';
import type { PredictionLike } from '../engine/index.js';
import type { DocumentModels } from './documentModels.js';
import type { EnergyTreeProvider } from './energyTreeProvider.js';
import type { InlineEnergyDecorator } from './inlineEnergyDecorator.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';
import type { BudgetService } from './budget/budgetService.js';
import type { EnergyStatusBar } from './energyStatusBar.js';

export interface IreneApi {
  predictionService: PredictionService;
  energyTreeProvider: EnergyTreeProvider;
  documentModels: DocumentModels;
  modelRegistry: ModelRegistry;
  decorator: InlineEnergyDecorator;
  settings: SettingsService;
  getPrediction(uri: vscode.Uri): Promise<PredictionLike | undefined>;
  budgets: BudgetService;
  statusBar: EnergyStatusBar;
}
