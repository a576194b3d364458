/**
 * The commands (category "IrEne"): refresh, change profile / setting, sort
 * the tree, reveal a node in the tree or in its source, open ONNX as text,
 * toggle annotations, show the log, open the panel. Each converts its
 * arguments (from menus, command links, lenses or tests) and delegates.
 */
import * as vscode from 'vscode';
import { DTYPES, type Dtype, type EnergyUnit } from '../engine/index.js';
import type { DocumentModels } from './documentModels.js';
import { TREE_PHASES, type EnergyTreeElement, type EnergyTreeProvider, type TreePhase } from './energyTreeProvider.js';
import { COMMANDS, ENERGY_TREE_VIEW_ID } from './ids.js';
import { ENERGY_UNITS } from './ireneSettings.js';
import type { IreneLog } from './ireneLog.js';
import { modelKindOfName, type ModelFileKind } from './modelDetection.js';
import type { ModelRegistry } from './modelRegistry.js';
import { openOnnxAsText } from './onnxTextDocumentProvider.js';
import { getPanelOpener } from './panelHook.js';
import { DECODE_STEP_CONTEXT, type PredictionService } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

export interface CommandContext {
  extensionUri: vscode.Uri;
  log: IreneLog;
  settings: SettingsService;
  service: PredictionService;
  registry: ModelRegistry;
  docs: DocumentModels;
  tree: EnergyTreeProvider;
  treeView: vscode.TreeView<EnergyTreeElement>;
  activeModel: () => { uri: vscode.Uri; kind: ModelFileKind } | undefined;
}

/** A URI from a command argument: a Uri, a URI string, or a tree element. */
function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return /^[a-z][\w+.-]*:/i.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  if (typeof arg === 'object' && arg !== null && 'model' in arg) return (arg as EnergyTreeElement).model.uri;
  return undefined;
}

function positiveIntegerProblem(value: string): string | undefined {
  return /^\s*[1-9]\d*\s*$/.test(value) ? undefined : 'Enter a whole number of at least 1';
}

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const run = (id: string, body: (...args: unknown[]) => unknown) =>
    // eslint-disable-next-line no-restricted-syntax -- a command's own arguments, a handful
    vscode.commands.registerCommand(id, (...args: unknown[]) => c.log.guard(`command ${id}`, () => body(...args)));

  const modelFor = (arg: unknown): { uri: vscode.Uri; kind: ModelFileKind } | undefined => {
    const uri = toUri(arg);
    if (!uri) return c.activeModel();
    const kind = c.registry.get(uri)?.kind ?? modelKindOfName(uri.path);
    return kind ? { uri, kind } : undefined;
  };

  const revealInTree = async (arg?: unknown, scope?: unknown) => {
    const model = modelFor(arg);
    if (!model) {
      await vscode.commands.executeCommand(`${ENERGY_TREE_VIEW_ID}.focus`);
      return;
    }
    c.registry.track(model.uri, model.kind);
    await c.service.getPrediction(model.uri, model.kind, { urgent: true });
    const nodeScope = typeof scope === 'string' ? scope : typeof arg === 'object' && arg !== null && 'scope' in arg ? String((arg as { scope: unknown }).scope) : undefined;
    const el = c.tree.elementFor(model.uri, nodeScope);
    await vscode.commands.executeCommand(`${ENERGY_TREE_VIEW_ID}.focus`);
    if (el) await c.treeView.reveal(el, { select: true, focus: true, expand: true });
  };

  const revealInSource = async (arg?: unknown, scope?: unknown) => {
    const el = typeof arg === 'object' && arg !== null && 'kind' in arg && 'model' in arg ? (arg as EnergyTreeElement) : undefined;
    const model = el ? el.model : modelFor(arg);
    if (!model) return;
    const found = el ? c.tree.predictedNode(el) : undefined;
    const state = c.service.state(model.uri);
    const node =
      found?.node ??
      (state?.status === 'ready' ? (typeof scope === 'string' ? state.index.closest(scope) : state.index.root) : undefined);
    if (!node) {
      if (model.kind === 'onnx') await openOnnxAsText(model.uri, c.settings.current.maxOnnxTextBytes);
      else await vscode.window.showTextDocument(model.uri);
      return;
    }
    if (model.kind === 'onnx' && !(await fitsAsText(model.uri, c.settings.current.maxOnnxTextBytes))) {
      await openOnnxAsText(model.uri, c.settings.current.maxOnnxTextBytes); // explains the refusal
      return;
    }
    const place = await c.docs.locate(model.uri, model.kind, node);
    if (!place) return;
    const range = place.range && new vscode.Range(place.range.line, place.range.column, place.range.line, place.range.endColumn);
    let doc = await vscode.workspace.openTextDocument(place.uri);
    if (model.kind === 'onnx' && doc.languageId !== 'onnx-text') doc = await vscode.languages.setTextDocumentLanguage(doc, 'onnx-text');
    await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false, preview: true });
  };

  const changeProfile = async () => {
    const { profiles, defaultProfile } = await c.service.describe();
    const current = c.settings.current.profile;
    type Item = vscode.QuickPickItem & { value?: string; browse?: boolean; dtype?: Dtype };
    const items: Item[] = [
      { label: 'Bundled profiles', kind: vscode.QuickPickItemKind.Separator },
      ...profiles.map((p) => ({
        label: p.name,
        description: [p.description, p.name === defaultProfile ? 'default' : undefined, (current || defaultProfile) === p.name ? '(current)' : undefined]
          .filter(Boolean)
          .join(' · '),
        value: p.name === defaultProfile ? '' : p.name,
        dtype: p.dtype,
      })),
    ];
    const files = await vscode.workspace.findFiles('**/*profile*.json', '{**/node_modules/**,**/.git/**}', 50);
    if (files.length > 0) {
      items.push({ label: 'Profile files in the workspace', kind: vscode.QuickPickItemKind.Separator });
      for (const f of files) items.push({ label: vscode.workspace.asRelativePath(f), description: current === vscode.workspace.asRelativePath(f) ? '(current)' : undefined, value: vscode.workspace.asRelativePath(f) });
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Choose a profile file…', browse: true });
    const pick = await vscode.window.showQuickPick(items, { title: 'IrEne: device profile', placeHolder: 'Profile used to predict energy' });
    if (!pick) return;
    let value = pick.value;
    if (pick.browse) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'IrEne profile': ['json'] }, title: 'IrEne profile file' });
      if (!chosen?.[0]) return;
      value = vscode.workspace.asRelativePath(chosen[0]);
    }
    if (value === undefined) return;
    await c.settings.update('profile', value);
    // A bundled profile was measured in one dtype: predicting another with it would extrapolate.
    if (pick.dtype && pick.dtype !== c.settings.current.dtype) await c.settings.update('dtype', pick.dtype);
  };

  const changeSetting = async () => {
    const s = c.settings.current;
    type Item = vscode.QuickPickItem & { key: 'batchSize' | 'seqLen' | 'dtype' | 'profile' | 'unit' };
    const items: Item[] = [
      { key: 'batchSize', label: 'Batch size', description: String(s.batchSize) },
      { key: 'seqLen', label: 'Sequence length', description: String(s.seqLen) },
      { key: 'dtype', label: 'Data type', description: s.dtype },
      { key: 'profile', label: 'Device profile', description: s.profile || 'default' },
      { key: 'unit', label: 'Energy unit', description: s.unit },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'IrEne: predict for…' });
    if (!pick) return;
    switch (pick.key) {
      case 'batchSize':
      case 'seqLen': {
        const v = await vscode.window.showInputBox({
          title: pick.label,
          value: String(s[pick.key]),
          prompt: pick.key === 'batchSize' ? 'Sequences per forward pass' : 'Tokens per sequence',
          validateInput: positiveIntegerProblem,
        });
        if (v !== undefined) await c.settings.update(pick.key, Number(v.trim()));
        return;
      }
      case 'dtype': {
        const v = await vscode.window.showQuickPick(DTYPES.map((d) => ({ label: d, picked: d === s.dtype })), { title: pick.label });
        if (v) await c.settings.update('dtype', v.label as Dtype);
        return;
      }
      case 'unit': {
        const v = await vscode.window.showQuickPick(ENERGY_UNITS.map((u) => ({ label: u })), { title: pick.label });
        if (v) await c.settings.update('unit', v.label as EnergyUnit);
        return;
      }
      case 'profile':
        await changeProfile();
        return;
    }
  };

  const setTreePhase = async (phase?: unknown, arg?: unknown) => {
    let chosen = typeof phase === 'string' && (TREE_PHASES as readonly string[]).includes(phase) ? (phase as TreePhase) : undefined;
    if (!chosen) {
      const s = c.settings.current;
      const items: (vscode.QuickPickItem & { phase: TreePhase })[] = [
        { phase: 'forward', label: 'Forward pass', description: `batch ${s.batchSize} × ${s.seqLen} tokens, no cache` },
        { phase: 'prefill', label: 'Prefill', description: `causal LMs: the ${s.promptLength}-token prompt, KV cache writes, LM head` },
        { phase: 'decode', label: 'Decode step', description: `causal LMs: one token per sequence against a ${DECODE_STEP_CONTEXT}-token cache` },
      ];
      const pick = await vscode.window.showQuickPick(
        items.map((i) => ({ ...i, label: i.phase === c.tree.phase ? `$(check) ${i.label}` : i.label })),
        { title: 'IrEne: which pass the Energy Tree shows' },
      );
      chosen = pick?.phase;
    }
    if (!chosen) return;
    await c.tree.setPhase(chosen);
    if (arg !== undefined) await revealInTree(arg);
  };

  return [
    run(COMMANDS.setTreePhase, setTreePhase),
    run(COMMANDS.refresh, () => {
      c.service.refreshAll();
      void c.registry.rescan();
    }),
    run(COMMANDS.changeProfile, changeProfile),
    run(COMMANDS.changeSetting, changeSetting),
    run(COMMANDS.sortByEnergy, () => c.tree.setSortOrder('energy')),
    run(COMMANDS.sortByModelOrder, () => c.tree.setSortOrder('model')),
    run(COMMANDS.revealInTree, revealInTree),
    run(COMMANDS.revealInSource, revealInSource),
    run(COMMANDS.openOnnxAsText, async (arg?: unknown) => {
      let uri = toUri(arg);
      if (!uri) {
        const active = c.activeModel();
        uri = active?.kind === 'onnx' ? active.uri : undefined;
      }
      if (!uri) {
        const onnx = c.registry.list().filter((m) => m.kind === 'onnx');
        const pick = onnx.length
          ? await vscode.window.showQuickPick(onnx.map((m) => ({ label: vscode.workspace.asRelativePath(m.uri), uri: m.uri })), { title: 'IrEne: open ONNX as text' })
          : undefined;
        uri = pick?.uri ?? (await vscode.window.showOpenDialog({ filters: { ONNX: ['onnx'] }, canSelectMany: false }))?.[0];
      }
      if (uri) await openOnnxAsText(uri, c.settings.current.maxOnnxTextBytes);
    }),
    run(COMMANDS.toggleInlineAnnotations, () => c.settings.update('inlineAnnotations', !c.settings.current.inlineAnnotations)),
    run(COMMANDS.showLog, () => c.log.show()),
    run(COMMANDS.openPanel, async (arg?: unknown, scope?: unknown) => {
      const opener = getPanelOpener();
      if (!opener) {
        void vscode.window.showInformationMessage('IrEne: the Energy panel is not part of this build.');
        return;
      }
      await opener({
        extensionUri: c.extensionUri,
        services: { predictionService: c.service, settings: c.settings, documentModels: c.docs },
        modelUri: modelFor(arg)?.uri,
        scope: typeof scope === 'string' ? scope : typeof arg === 'object' && arg !== null && 'scope' in arg ? String((arg as { scope: unknown }).scope) : undefined,
      });
    }),
  ];
}

async function fitsAsText(uri: vscode.Uri, maxBytes: number): Promise<boolean> {
  return (await vscode.workspace.fs.stat(uri)).size <= maxBytes;
}
