// The Energy Tree view's data provider: one root per model file in the
// workspace, children that are the model's modules with their energy.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EnergyTreeElement } from '../../../src/extension/energyTreeProvider.js';
import { activateIrene, assertShowsJoules, BERT_CONFIG, energyInText, fixture, TINY_ONNX, waitFor, type IreneApiView } from './helpers';

type Row = { element: EnergyTreeElement; item: vscode.TreeItem };

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

suite('Energy Tree view', () => {
  let api: IreneApiView;

  suiteSetup(async () => {
    api = await activateIrene();
  });

  async function roots(): Promise<Row[]> {
    const p = api.energyTreeProvider;
    const elements = (await p.getChildren(undefined)) ?? [];
    return Promise.all(elements.map(async (element) => ({ element, item: await p.getTreeItem(element) })));
  }

  function rootFor(all: Row[], uri: vscode.Uri): Row | undefined {
    // Roots are labelled with the file name; resourceUri says which file.
    return all.find(({ item }) => item.resourceUri?.toString() === uri.toString());
  }

  test('has a root for each model file in the workspace', async () => {
    const bert = fixture(...BERT_CONFIG);
    const onnx = fixture(...TINY_ONNX);
    const all = await waitFor('roots for the bert config and the ONNX file', async () => {
      const r = await roots();
      return rootFor(r, bert) && rootFor(r, onnx) ? r : undefined;
    });
    // Not one root per file: only files with a model's name (config.json, *.onnx, an opened .py) can be roots;
    // the fixture's README.md is not a model.
    const candidates = new Set(
      (await Promise.all(['**/*.onnx', '**/config.json', '**/*.config.json', '**/*.py'].map((g) => vscode.workspace.findFiles(g)))).flat().map((u) => u.toString()),
    );
    assert.ok(all.length >= 2 && all.length <= candidates.size, `roots: ${all.map((r) => labelOf(r.item)).join(', ')}`);
    for (const { item } of all) assert.ok(item.resourceUri && candidates.has(item.resourceUri.toString()), `root ${labelOf(item)} is not a model file`);
    for (const { item } of all) assert.ok(labelOf(item).length > 0, 'a root without a label');
  });

  test("bert-base's root expands into its labelled modules, each with its predicted energy", async () => {
    const bert = fixture(...BERT_CONFIG);
    const p = await waitFor('a prediction', () => api.getPrediction(bert));
    const root = await waitFor('the bert root with an energy', async () => {
      const r = rootFor(await roots(), bert);
      return r && energyInText(`${labelOf(r.item)} ${String(r.item.description ?? '')}`) ? r : undefined;
    });
    assert.notEqual(root.item.collapsibleState, vscode.TreeItemCollapsibleState.None, 'the model root cannot be expanded');
    const shownRoot = energyInText(`${labelOf(root.item)} ${String(root.item.description ?? '')}`)!;
    assert.ok(Math.abs(shownRoot.joules - p.energyJ) / p.energyJ <= 0.005, `root shows ${shownRoot.shown}, prediction ${p.energyJ} J`);

    const level = (await api.energyTreeProvider.getChildren(root.element)) ?? [];
    const items = await Promise.all(level.map((e) => api.energyTreeProvider.getTreeItem(e)));
    const labels = items.map(labelOf);
    assert.ok(labels.some((l) => /embedding/i.test(l)), `no embeddings module among ${labels.join(', ')}`);
    assert.ok(labels.some((l) => /encoder|layer/i.test(l)), `no encoder among ${labels.join(', ')}`);
    // Each module row shows that module's predicted energy.
    const byScope = new Map(p.root.children.map((c) => [c.node.scope, c.energyJ]));
    assert.equal(level.length, p.root.children.length, 'one row per top-level module');
    for (let k = 0; k < level.length; k++) {
      const el = level[k];
      const expected = el.kind === 'node' ? byScope.get(el.scope) : undefined;
      assert.ok(expected !== undefined, `row ${labels[k]} is not a top-level module of the prediction`);
      const shown = energyInText(String(items[k].description ?? ''));
      assert.ok(shown, `row ${labels[k]} shows no energy: ${String(items[k].description)}`);
      assertShowsJoules(shown.joules, expected, `tree row ${labels[k]}`);
    }
  });
});
