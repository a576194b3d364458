/**
 * Entry point of the VS Code extension: builds the services (settings,
 * engine worker client, prediction service, model registry) and the
 * surfaces (Energy Tree, hovers, code lenses, annotations, status bar, ONNX
 * text view and summary editor, commands). Everything registered goes into
 * one DisposableStore owned by the extension context. Nothing here waits for
 * the engine: the workspace scan and the first predictions start after
 * activation returns.
 */
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { locateConfigKeys } from '../engine/importers/hfConfig/configKeyLocator.js';
import type { PredictionLike } from '../engine/index.js';
import { DisposableStore } from './disposableStore.js';
import { DocumentModels } from './documentModels.js';
import { EnergyCodeLensProvider } from './energyCodeLensProvider.js';
import { EngineClient } from './engineClient.js';
import { EnergyHoverProvider } from './energyHoverProvider.js';
import { EnergyStatusBar } from './energyStatusBar.js';
import { EnergyTreeProvider, type EnergyTreeElement } from './energyTreeProvider.js';
import type { IreneApi } from './extensionApi.js';
import { ENERGY_TREE_VIEW_ID, ONNX_EDITOR_VIEW_TYPE, ONNX_TEXT_LANGUAGE, ONNX_TEXT_SCHEME } from './ids.js';
import { registerCommands } from './ireneCommands.js';
import { IreneLog } from './ireneLog.js';
import { InlineEnergyDecorator } from './inlineEnergyDecorator.js';
import { modelKindOfName } from './modelDetection.js';
import { ModelRegistry } from './modelRegistry.js';
import { OnnxSummaryEditorProvider } from './onnxSummaryEditorProvider.js';
import { createPanelDeps } from './panel/createPanelDeps.js';
import { registerEnergyPanel } from './panel/registerEnergyPanel.js';
import { OnnxTextDocumentProvider } from './onnxTextDocumentProvider.js';
import { onnxSourceOf } from './onnxTextUri.js';
import { PredictionService } from './predictionService.js';
import { SettingsService } from './settingsService.js';
import { registerCalibrateCommand } from './commands/calibrateCommand.js';
import { registerPythonSupport } from './python/registerPythonSupport.js';
import { registerTraceWithPythonCommand } from './python/traceWithPythonCommand.js';
import { ConfigSourceMapper, OnnxTextSourceMapper } from './sourceMapper.js';
import { BudgetCodeActionProvider } from './budget/budgetCodeActions.js';
import { BudgetService } from './budget/budgetService.js';

/** Documents the hover and lens providers look at; they check each cheaply before doing anything. */
const MODEL_DOCUMENTS: vscode.DocumentFilter[] = [
  { language: 'json' },
  { language: 'jsonc' },
  { language: ONNX_TEXT_LANGUAGE },
  { scheme: ONNX_TEXT_SCHEME },
  { language: 'python' },
];

/**
 * How long the first workspace scan waits after activation (milliseconds):
 * long enough for the editor being restored or opened to show its energy
 * first; the Energy Tree starts it at once when it is visible.
 */
const FIRST_SCAN_DELAY_MS = 1500;

export function activate(context: vscode.ExtensionContext): IreneApi {
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(new IreneLog());
  try {
    return activateServices(context, store, log);
  } catch (err) {
    log.error('activating IrEne', err);
    void vscode.window.showErrorMessage(`IrEne failed to start: ${err instanceof Error ? err.message : String(err)}. See the IrEne log.`);
    throw err;
  }
}

function activateServices(context: vscode.ExtensionContext, store: DisposableStore, log: IreneLog): IreneApi {
  const settings = store.add(new SettingsService(log));
  const workerFile = context.asAbsolutePath('dist/worker.js');
  const client = store.add(
    new EngineClient(() => new Worker(workerFile), { log: (m) => log.warn(m), deadlineMs: () => settings.current.predictionTimeout * 1000 }),
  );
  const service = store.add(new PredictionService(client, settings, log));

  const onnxText = store.add(new OnnxTextDocumentProvider(service, settings, log));
  const registry = store.add(
    new ModelRegistry(settings, log, (uri, deleted) => {
      if (deleted) service.forget(uri);
      else service.invalidate(uri);
      onnxText.refreshOpen(uri);
    }),
  );
  const docs = new DocumentModels(service, registry);
  store.add(docs.registerSourceMapper('hf-config', new ConfigSourceMapper(locateConfigKeys)));
  store.add(docs.registerSourceMapper('onnx-text', new OnnxTextSourceMapper()));
  // Python: class lines stand for every instance, layer and forward lines for their nodes; a lens per model class.
  store.add(registerPythonSupport(docs, service, settings, log, { hovers: true }));

  const tree = store.add(new EnergyTreeProvider(registry, service, settings, context.workspaceState));
  const treeView = store.add(vscode.window.createTreeView<EnergyTreeElement>(ENERGY_TREE_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }));

  // Python documents get the Python hover (per-layer rows, unresolved names), so the generic one skips them.
  store.add(vscode.languages.registerHoverProvider(MODEL_DOCUMENTS.filter((s) => s.language !== 'python'), new EnergyHoverProvider(docs, service, settings, log)));
  const lenses = store.add(new EnergyCodeLensProvider(docs, service, settings, log));
  store.add(vscode.languages.registerCodeLensProvider(MODEL_DOCUMENTS, lenses));
  const decorator = store.add(new InlineEnergyDecorator(docs, service, settings, log));
  // Energy budgets: diagnostics with a quick fix that opens the entry, and the state in the status bar.
  const budgets = store.add(new BudgetService(service, log));
  store.add(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new BudgetCodeActionProvider(), { providedCodeActionKinds: BudgetCodeActionProvider.kinds }));
  const statusBar = store.add(new EnergyStatusBar(docs, service, settings, log, budgets));

  store.add(vscode.workspace.registerTextDocumentContentProvider(ONNX_TEXT_SCHEME, onnxText));
  store.add(
    vscode.window.registerCustomEditorProvider(ONNX_EDITOR_VIEW_TYPE, new OnnxSummaryEditorProvider(service, settings, log), {
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  store.add(
    vscode.workspace.onDidCloseTextDocument((doc) => {
      docs.forgetDocument(doc);
    }),
  );
  for (const d of registerCommands({
    extensionUri: context.extensionUri,
    log,
    settings,
    service,
    registry,
    docs,
    tree,
    treeView,
    activeModel: () => statusBar.activeModel(),
  })) {
    store.add(d);
  }

  // The Energy panel plugs into irene.openPanel through panelHook.ts; a failure there must not take the rest down.
  try {
    store.add(registerEnergyPanel(context, createPanelDeps({ client, service, settings, log })));
  } catch (err) {
    log.error('registering the Energy panel', err);
  }

  store.add(
    registerCalibrateCommand(context, {
      log: log.channel,
      // Training takes seconds: it runs in the engine worker, never on the extension host.
      train: async (trees, { onProgress: _progress, signal, ...options }) => (await client.request({ type: 'train', trees, options }, signal)).profile,
      onProfileAdded: (path) => {
        void vscode.window
          .showInformationMessage(`IrEne: profile saved to ${path}. Use it for predictions?`, 'Use Profile')
          .then((pick) => (pick === 'Use Profile' ? settings.update('profile', path) : undefined));
      },
    }),
  );

  store.add(registerTraceWithPythonCommand(context, { log: log.channel, current: () => settings.current }));

  // A config.json is predicted as soon as it is opened, not when VS Code first
  // asks for its lens: the worker answers while the editor is still being laid out.
  store.add(
    vscode.workspace.onDidOpenTextDocument((doc) => {
      const ref = docs.refOf(doc);
      if (ref?.docKind === 'hf-config') service.ensure(ref.modelUri, ref.modelKind, true);
    }),
  );

  registry.scheduleFirstScan(FIRST_SCAN_DELAY_MS);
  // Budgets are checked after the first scan's delay too: the editor being opened goes first.
  const budgetStart = setTimeout(() => budgets.start(), FIRST_SCAN_DELAY_MS);
  store.add({ dispose: () => clearTimeout(budgetStart) });
  // After activation returns: start the worker by asking it what it supports.
  const startup = setTimeout(() => {
    service
      .describe()
      .then((d) => {
        log.info(`engine ready: importers ${d.importers.join(', ')}; default profile ${d.defaultProfile}`);
        registry.pythonSupported = d.importers.includes('python');
        registry.considerOpenDocuments();
      })
      .catch((err: unknown) => log.error('starting the engine worker', err));
  }, 0);
  store.add({ dispose: () => clearTimeout(startup) });

  const getPrediction = async (uri: vscode.Uri): Promise<PredictionLike | undefined> => {
    const source = onnxSourceOf(uri);
    const target = source ?? uri;
    const kind = source ? 'onnx' : (registry.get(target)?.kind ?? modelKindOfName(target.path));
    if (!kind) return undefined;
    const state = await service.getPrediction(target, kind, { urgent: true });
    return state?.status === 'ready' ? state.prediction : undefined;
  };

  return { predictionService: service, energyTreeProvider: tree, documentModels: docs, modelRegistry: registry, decorator, settings, getPrediction, budgets, statusBar };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
