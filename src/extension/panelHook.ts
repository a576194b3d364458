/**
 * Hook for the Energy panel (src/extension/panel/, built separately): the
 * `irene.openPanel` command calls whatever opener is set here. The panel
 * module sets it in its own registration, e.g.
 *
 *   setPanelOpener((req) => EnergyPanel.createOrShow(req.extensionUri, req.services, req.modelUri));
 *
 * so the extension builds and runs with or without the panel.
 */
import type * as vscode from 'vscode';
import type { DocumentModels } from './documentModels.js';
import type { PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

export interface PanelOpenRequest {
  extensionUri: vscode.Uri;
  services: { predictionService: PredictionService; settings: SettingsService; documentModels: DocumentModels };
  /** The model to show: the command's argument, else the active editor's model. */
  modelUri: vscode.Uri | undefined;
  /** Node to select, when the command came from a tree item. */
  scope: string | undefined;
}

export type PanelOpener = (request: PanelOpenRequest) => unknown;

let opener: PanelOpener | undefined;

/** Sets the panel's opener; disposing the result unsets it. */
export function setPanelOpener(fn: PanelOpener): vscode.Disposable {
  opener = fn;
  return { dispose: () => void (opener === fn && (opener = undefined)) };
}

export function getPanelOpener(): PanelOpener | undefined {
  return opener;
}
