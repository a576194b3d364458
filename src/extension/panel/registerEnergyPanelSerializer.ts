/**
 * Lets the Energy panel survive a window reload: VS Code hands the panel and
 * the state its webview saved back to this serializer, which rebuilds the
 * host. Needs the activation event `onWebviewPanel:irene.energyPanel` in
 * package.json so the extension is running when VS Code restores the panel.
 */
import * as vscode from 'vscode';
import { ENERGY_PANEL_VIEW_TYPE, type PanelState } from '#shared/panelMessages.js';
import { EnergyPanel } from './energyPanel.js';
import type { PanelDeps } from './panelDeps.js';

function isPanelState(s: unknown): s is PanelState {
  return typeof s === 'object' && s !== null && (s as { version?: unknown }).version === 1 && typeof (s as { targets?: unknown }).targets === 'object';
}

/** Registers the panel's serializer; dispose it with the extension. */
export function registerEnergyPanelSerializer(context: vscode.ExtensionContext, deps: PanelDeps): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(ENERGY_PANEL_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      EnergyPanel.revive(panel, context, deps, isPanelState(state) ? state : undefined);
    },
  });
}
