/**
 * The Energy Tree view: one root per model file, then its modules and
 * primitives, each labelled with energy per inference, share and call count.
 * Elements are plain records looked up by id, so reveal() and getParent()
 * work across re-predictions; the items read the latest prediction.
 */
import * as vscode from 'vscode';
import { formatShare, type PredictedNode, type PredictionLike } from '../engine/index.js';
import { hfCacheModelName } from '../engine/importers/hfConfig/modelDirectory.js';
import { escapeMarkdown, nodeDescription, nodeMarkdown, relativeUncertainty, shareLevel, showEnergy, type EnergyDisplay } from './energyText.js';
import { ANNOTATION_COLORS, COMMANDS, CONTEXT_KEYS } from './ids.js';
import type { ModelFile, ModelRegistry } from './modelRegistry.js';
import { contextLabel } from './energyText.js';
import { orderedChildren, PredictionIndex, relativeName, type TreeSortOrder } from './predictionIndex.js';
import type { PredictionService, PredictionState } from './predictionService.js';
import type { SettingsService } from './settingsService.js';

export type EnergyTreeElement =
  | { readonly kind: 'model'; readonly id: string; readonly model: ModelFile }
  | { readonly kind: 'node'; readonly id: string; readonly model: ModelFile; readonly scope: string };

const SORT_KEY = 'irene.treeSortOrder';
const PHASE_KEY = 'irene.treePhase';

/**
 * Which pass the tree shows: `forward` (the forward pass of the settings'
 * batch x sequence), or for causal LMs' config.json the generation request's
 * `prefill` or one `decode` step (at the lens's reference context). Models
 * that do not generate keep showing their forward pass.
 */
export type TreePhase = 'forward' | 'prefill' | 'decode';
export const TREE_PHASES: readonly TreePhase[] = ['forward', 'prefill', 'decode'];

/** What a tree row reads: a prediction and its index. */
type ReadyTree = { prediction: PredictionLike; index: PredictionIndex; phaseNote?: string };

export class EnergyTreeProvider implements vscode.TreeDataProvider<EnergyTreeElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<EnergyTreeElement | undefined>();
  private readonly elements = new Map<string, EnergyTreeElement>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private order: TreeSortOrder;
  private treePhase: TreePhase;
  /** Indexes of generation predictions, built once per prediction object. */
  private readonly indexes = new WeakMap<PredictionLike, PredictionIndex>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly service: PredictionService,
    private readonly settings: SettingsService,
    private readonly memento: vscode.Memento,
  ) {
    this.order = memento.get<TreeSortOrder>(SORT_KEY) === 'model' ? 'model' : 'energy';
    const savedPhase = memento.get<TreePhase>(PHASE_KEY);
    this.treePhase = savedPhase && TREE_PHASES.includes(savedPhase) ? savedPhase : 'forward';
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.sortByEnergy, this.order === 'energy');
    this.subscriptions.push(
      registry.onDidChangeModels(() => this.emitter.fire(undefined)),
      service.onDidChangePredictions((uri) => {
        const el = uri && this.elements.get(modelId(uri));
        this.emitter.fire(el && el.kind === 'model' ? el : undefined);
      }),
    );
  }

  get sortOrder(): TreeSortOrder {
    return this.order;
  }

  async setSortOrder(order: TreeSortOrder): Promise<void> {
    this.order = order;
    await this.memento.update(SORT_KEY, order);
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.sortByEnergy, order === 'energy');
    this.emitter.fire(undefined);
  }

  get phase(): TreePhase {
    return this.treePhase;
  }

  async setPhase(phase: TreePhase): Promise<void> {
    this.treePhase = phase;
    await this.memento.update(PHASE_KEY, phase);
    this.emitter.fire(undefined);
  }

  /**
   * The prediction a model's rows show in the current phase: the forward
   * state, or the generation's prefill / decode step (asked for when not yet
   * there; the service's event redraws the row when it lands).
   */
  private ready(model: ModelFile): ReadyTree | undefined {
    const forward = this.service.state(model.uri);
    const forwardTree = forward?.status === 'ready' ? { prediction: forward.prediction, index: forward.index } : undefined;
    if (this.treePhase === 'forward' || model.kind !== 'hf-config') return forwardTree;
    const g = this.service.peekGeneration(model.uri);
    void this.service.getGeneration(model.uri, model.kind).catch(() => undefined);
    const prediction = this.treePhase === 'prefill' ? g?.prefill : g?.step.prediction;
    // A model that does not generate (an encoder) keeps its forward pass in every phase.
    if (!g || !prediction) return this.service.hasSettledGeneration(model.uri) && !g ? forwardTree : undefined;
    let index = this.indexes.get(prediction);
    if (!index) {
      index = new PredictionIndex(prediction.root);
      this.indexes.set(prediction, index);
    }
    const phaseNote = this.treePhase === 'prefill' ? `prefill of ${g.report?.promptLen ?? '?'} tokens` : `decode step at ${contextLabel(g.step.context)} context`;
    return { prediction, index, phaseNote };
  }

  private get display(): EnergyDisplay {
    const s = this.settings.current;
    return { unit: s.unit, carbonIntensity: s.carbonIntensity };
  }

  /** The element of a model file, or of one of its nodes by scope (for reveal). */
  elementFor(uri: vscode.Uri, scope?: string): EnergyTreeElement | undefined {
    const model = this.registry.get(uri);
    if (!model) return undefined;
    const state = this.ready(model);
    if (!scope || state?.index.root.node.scope === scope) return this.modelElement(model);
    if (!state) return undefined;
    const p = state.index.closest(scope);
    if (!p) return undefined;
    return p === state.index.root ? this.modelElement(model) : this.nodeElement(model, p.node.scope);
  }

  private modelElement(model: ModelFile): EnergyTreeElement {
    const id = modelId(model.uri);
    let el = this.elements.get(id);
    if (!el || el.kind !== 'model' || el.model !== model) {
      el = { kind: 'model', id, model };
      this.elements.set(id, el);
    }
    return el;
  }

  private nodeElement(model: ModelFile, scope: string): EnergyTreeElement {
    const id = `${modelId(model.uri)}#${scope}`;
    let el = this.elements.get(id);
    if (!el || el.model !== model) {
      el = { kind: 'node', id, model, scope };
      this.elements.set(id, el);
    }
    return el;
  }

  /** The predicted node an element shows, if the latest prediction has it. */
  predictedNode(el: EnergyTreeElement): { state: ReadyTree; node: PredictedNode } | undefined {
    const state = this.ready(el.model);
    if (!state) return undefined;
    const node = el.kind === 'model' ? state.index.root : state.index.byScope(el.scope);
    return node ? { state, node } : undefined;
  }

  getChildren(el?: EnergyTreeElement): EnergyTreeElement[] {
    if (!el) {
      const models = this.registry.list();
      // Known models are predicted in the background; each result refreshes its row.
      for (const m of models) this.service.ensure(m.uri, m.kind);
      return models.map((m) => this.modelElement(m));
    }
    const found = this.predictedNode(el);
    if (!found) return [];
    return orderedChildren(found.node, this.order).map((c) => this.nodeElement(el.model, c.node.scope));
  }

  getParent(el: EnergyTreeElement): EnergyTreeElement | undefined {
    if (el.kind === 'model') return undefined;
    const found = this.predictedNode(el);
    const parent = found && found.state.index.parentOf(found.node);
    if (!parent || parent === found.state.index.root) return this.modelElement(el.model);
    return this.nodeElement(el.model, parent.node.scope);
  }

  getTreeItem(el: EnergyTreeElement): vscode.TreeItem {
    return el.kind === 'model' ? this.modelItem(el) : this.nodeItem(el);
  }

  private modelItem(el: Extract<EnergyTreeElement, { kind: 'model' }>): vscode.TreeItem {
    const item = new vscode.TreeItem(basename(el.model.uri), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = el.id;
    item.resourceUri = el.model.uri;
    item.contextValue = `irene.model.${el.model.kind}`;
    const forward: PredictionState | undefined = this.service.state(el.model.uri);
    const ready = this.ready(el.model);
    const state = ready ? { status: 'ready' as const, ...ready } : forward?.status === 'error' ? forward : undefined;
    const computing = this.service.isComputing(el.model.uri);
    if (state?.status === 'ready') {
      const p = state.prediction;
      const u = relativeUncertainty(p.energyJ, p.uncertaintyJ);
      item.description = `${showEnergy(p.energyJ, this.display)}${u ? ` ${u}` : ''} · ${state.phaseNote ? `${state.phaseNote} · ` : ''}${p.profile.name}${computing ? ' · updating…' : ''}`;
      const md = new vscode.MarkdownString(nodeMarkdown(state.index.root, p, this.display));
      if (p.warnings.length > 0) md.appendMarkdown(`\n\n**Warnings**\n\n${p.warnings.map((w) => `- ${escapeMarkdown(w)}`).join('\n')}`);
      item.tooltip = md;
      item.iconPath = new vscode.ThemeIcon('zap');
    } else if (state?.status === 'error') {
      item.description = `⚠ ${state.message}`;
      item.tooltip = new vscode.MarkdownString(`**Cannot predict** ${escapeMarkdown(el.model.uri.fsPath)}\n\n${escapeMarkdown(state.message)}`);
      item.iconPath = new vscode.ThemeIcon('warning');
      item.collapsibleState = vscode.TreeItemCollapsibleState.None;
    } else {
      item.description = 'computing…';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
    }
    // ONNX files open in the summary editor (the default editor for *.onnx), which links to the text view.
    item.command = { title: 'Open', command: 'vscode.open', arguments: [el.model.uri] };
    return item;
  }

  private nodeItem(el: Extract<EnergyTreeElement, { kind: 'node' }>): vscode.TreeItem {
    const found = this.predictedNode(el);
    if (!found) {
      const item = new vscode.TreeItem(el.scope, vscode.TreeItemCollapsibleState.None);
      item.id = el.id;
      item.description = 'not in the latest prediction';
      return item;
    }
    const { state, node } = found;
    const parent = state.index.parentOf(node);
    const item = new vscode.TreeItem(
      relativeName(node.node, parent?.node),
      node.children.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = el.id;
    item.description = `${nodeDescription(node, this.display)} · ${node.node.instanceType}`;
    item.tooltip = new vscode.MarkdownString(nodeMarkdown(node, state.prediction, this.display));
    item.iconPath = new vscode.ThemeIcon(
      node.children.length > 0 ? 'symbol-module' : 'symbol-operator',
      new vscode.ThemeColor(ANNOTATION_COLORS[shareLevel(node.share)]),
    );
    item.contextValue = node.children.length > 0 ? 'irene.node.module' : 'irene.node.primitive';
    item.accessibilityInformation = {
      label: `${node.node.scope}, ${node.node.instanceType}, ${showEnergy(node.energyJ, this.display)} per inference, ${formatShare(node.share)} of the model${node.node.calls > 1 ? `, runs ${node.node.calls} times` : ''}`,
    };
    item.command = { title: 'Reveal in source', command: COMMANDS.revealInSource, arguments: [el] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

function modelId(uri: vscode.Uri): string {
  return uri.toString();
}

function basename(uri: vscode.Uri): string {
  // A Hugging Face cache snapshot's folder is a revision hash: the repo (`org/name`) names the model.
  const cached = hfCacheModelName(uri.path);
  if (cached) return cached;
  const parts = uri.path.split('/');
  const name = parts[parts.length - 1] ?? uri.path;
  // config.json files all share a name: show the folder, which names the model.
  return name.toLowerCase() === 'config.json' && parts.length > 1 ? `${parts[parts.length - 2]}/${name}` : name;
}
