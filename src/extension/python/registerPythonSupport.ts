/**
 * Plugs the Python importer's output into the extension: the source mapper
 * (class, layer and forward lines → tree nodes, used by annotations and
 * "reveal in source"), a lens per model class and Python hovers.
 * Call once from activation, after the default mappers are registered.
 */
import * as vscode from 'vscode';
import type { DocumentModels } from '../documentModels.js';
import type { IreneLog } from '../ireneLog.js';
import type { PredictionService } from '../predictionService.js';
import type { SettingsService } from '../settingsService.js';
import { PythonCodeLensProvider } from './pythonCodeLensProvider.js';
import { PythonHoverProvider } from './pythonHoverProvider.js';
import { PythonSourceMapper } from './pythonSourceMapper.js';

const PYTHON: vscode.DocumentSelector = [{ language: 'python' }];

/**
 * @param options.hovers register the Python hover provider (per-layer rows, unresolved names); pass false
 *   while the generic EnergyHoverProvider also answers for Python documents, or VS Code shows both hovers.
 */
export function registerPythonSupport(
  docs: DocumentModels,
  service: PredictionService,
  settings: SettingsService,
  log: IreneLog,
  options: { hovers?: boolean } = {},
): vscode.Disposable {
  const lenses = new PythonCodeLensProvider(docs, service, settings, log);
  const disposables: vscode.Disposable[] = [
    docs.registerSourceMapper('python', new PythonSourceMapper()),
    lenses,
    vscode.languages.registerCodeLensProvider(PYTHON, lenses),
  ];
  if (options.hovers ?? true) disposables.push(vscode.languages.registerHoverProvider(PYTHON, new PythonHoverProvider(docs, settings, log)));
  return { dispose: () => disposables.reverse().forEach((d) => d.dispose()) };
}
