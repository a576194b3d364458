/**
 * "IrEne: Trace with Python": traces the active PyTorch file with the user's
 * own Python (see src/cli/trace) and reports the traced tree's energy next to
 * the static one. Only in trusted workspaces (the manifest's enablement says
 * so too) and only after the user confirms (traceWithPythonFlow.ts).
 */
import * as vscode from 'vscode';
import { dirname, join } from 'node:path';
import { createNodeProcessRunner } from '../../engine/calibrate/nodeProcessRunner.js';
import { DEFAULT_PROFILE_NAME, formatEnergyAuto, getBundledProfile, importPythonModel, parseTrace, predictTree, treeFromTrace } from '../../engine/index.js';
import { locateTraceScript } from '../../cli/trace/pythonTraceScript.js';
import { runPythonTrace } from '../../cli/trace/runPythonTrace.js';
import { COMMANDS } from '../ids.js';
import { settingId, type IreneSettings } from '../ireneSettings.js';
import { traceWithPython, TRACE_CONFIRM_ACTION } from './traceWithPythonFlow.js';

/** What the command needs from the extension. */
export interface TraceCommandDeps {
  log: vscode.LogOutputChannel;
  /** The settings predictions use now. */
  current(): Readonly<IreneSettings>;
}

/** Registers the command; dispose the result to unregister. */
export function registerTraceWithPythonCommand(context: vscode.ExtensionContext, deps: TraceCommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.traceWithPython, async (uri?: vscode.Uri) => {
    try {
      const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
      if (!doc || doc.languageId !== 'python') {
        void vscode.window.showInformationMessage('IrEne: open a PyTorch source file (.py) to trace it.');
        return;
      }
      const python = vscode.workspace.getConfiguration().get<string>(settingId('pythonPath'))?.trim() || 'python3';
      await traceWithPython(vscode.workspace.asRelativePath(doc.uri), python, {
        isTrusted: vscode.workspace.isTrusted,
        confirm: async (message, action) => (await vscode.window.showWarningMessage(message, { modal: true }, action)) === TRACE_CONFIRM_ACTION,
        info: (m) => void vscode.window.showInformationMessage(m),
        warn: (m) => void vscode.window.showWarningMessage(m),
        trace: async () =>
          await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `IrEne: tracing ${vscode.workspace.asRelativePath(doc.uri)} with ${python}` }, (_p, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            return traceDocument(context, doc, python, deps, abort.signal);
          }),
      });
    } catch (e) {
      // Commands never throw into VS Code.
      deps.log.error(`trace with Python: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  });
}

async function traceDocument(context: vscode.ExtensionContext, doc: vscode.TextDocument, python: string, deps: TraceCommandDeps, signal: AbortSignal): Promise<string> {
  const { profile: profileName, batchSize, seqLen, dtype } = deps.current();
  // A bundled profile by name; a profile file is read by the engine worker only, so the default stands in for it here.
  let profile;
  try {
    profile = getBundledProfile(profileName && !/[\\/]|\.json$/i.test(profileName) ? profileName : DEFAULT_PROFILE_NAME);
  } catch {
    profile = getBundledProfile(DEFAULT_PROFILE_NAME);
  }
  const settings = { batchSize, seqLen, dtype };
  const text = doc.getText();
  const bytes = new TextEncoder().encode(text);
  const configUri = vscode.Uri.file(join(dirname(doc.uri.fsPath), 'config.json'));
  let config: { path: string; bytes: Uint8Array } | undefined;
  try {
    config = { path: configUri.fsPath, bytes: await vscode.workspace.fs.readFile(configUri) };
  } catch {
    config = undefined;
  }
  const configText = config ? new TextDecoder().decode(config.bytes) : undefined;
  const { tree: staticTree } = importPythonModel(text, { ...settings, fileName: doc.uri.fsPath, ...(configText ? { configText, configFileName: 'config.json' } : {}) });
  const rootInput = staticTree.root.inputShapes[0];
  const floatInput = rootInput !== undefined && rootInput.length === 3;
  const { json, cached } = await runPythonTrace(
    { file: doc.uri.fsPath, bytes, ...(config ? { config } : {}), className: staticTree.modelName, inputShape: floatInput ? rootInput : [batchSize, seqLen], floatInput },
    {
      python,
      script: locateTraceScript(context.asAbsolutePath('dist')),
      cacheDir: join(context.globalStorageUri.fsPath, 'traces'),
      runner: createNodeProcessRunner(),
      signal,
      onLog: (line) => deps.log.info(`trace: ${line}`),
    },
  );
  const traced = treeFromTrace(parseTrace(json), { ...settings, fileName: doc.uri.fsPath });
  const a = predictTree(traced, profile);
  const b = predictTree(staticTree, profile);
  for (const w of traced.warnings) deps.log.warn(`trace: ${w}`);
  return `IrEne: ${traced.modelName} traced with PyTorch${cached ? ' (cached)' : ''}: ${formatEnergyAuto(a.energyJ)} per inference; static analysis: ${formatEnergyAuto(b.energyJ)}.`;
}
