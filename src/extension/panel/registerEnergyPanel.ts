/**
 * Wires the Energy panel into the extension in one call: the serializer (so
 * the panel survives reloads) and the opener the `irene.openPanel` command
 * calls (src/extension/panelHook.ts).
 */
import * as vscode from 'vscode';
import { setPanelOpener, type PanelOpenRequest } from '../panelHook.js';
import type { PanelTarget } from '#shared/panelMessages.js';
import { EnergyPanel } from './energyPanel.js';
import type { PanelDeps } from './panelDeps.js';
import { registerEnergyPanelSerializer } from './registerEnergyPanelSerializer.js';

/**
 * The panel's target for a model URI: the file on disk, plus the editor's
 * text when the document is unsaved or not a file, so the panel shows what
 * the user is looking at.
 */
export function panelTargetFor(uri: vscode.Uri, scope?: string): PanelTarget {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const target: PanelTarget = {};
  if (uri.scheme === 'file') target.file = uri.fsPath;
  if (doc && (doc.isDirty || uri.scheme !== 'file')) {
    target.configText = doc.getText();
    if (uri.scheme !== 'file') target.label = uri.path.split('/').pop() ?? 'unsaved config';
  }
  if (scope) target.scope = scope;
  return target;
}

/** Registers the serializer and the command's opener; dispose with the extension. */
export function registerEnergyPanel(context: vscode.ExtensionContext, deps: PanelDeps): vscode.Disposable {
  return vscode.Disposable.from(
    registerEnergyPanelSerializer(context, deps),
    setPanelOpener((req: PanelOpenRequest) => EnergyPanel.createOrShow(context, deps, req.modelUri ? panelTargetFor(req.modelUri, req.scope) : undefined)),
  );
}
