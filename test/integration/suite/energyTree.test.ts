// The Energy Tree view's data provider: one root per model file in the
// workspace, children that are the model's modules with their energy.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EnergyTreeElement } from '../../../src/extension/energyTreeProvider.js';
import { activateIrene, BERT_CONFIG, energyInText, fixture, TINY_ONNX, waitFor, type IreneApiView } from './helpers';

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
    // Not one root per JSON file: the fixture's README.md and other files are not models.
    assert.ok(all.length >= 2 && all.length <= 5, `roots: ${all.map((r) => labelOf(r.item)).join(', ')}`);
    for (const { item } of all) assert.ok(labelOf(item).length > 0, 'a root without a label');
  });

  test("bert-base's root expands into labelled modules whose energies add up", async () => {
    const bert = fixture(...BERT_CONFIG);
    const p = await waitFor('a prediction', () => api.getPrediction(bert));
    const root = await waitFor('the bert root with an energy', async () => {
      const r = rootFor(await roots(), bert);
      return r && energyInText(`${labelOf(r.item)} ${String(r.item.description ?? '')}`) ? r : undefined;
    });
    assert.notEqual(root.item.collapsibleState, vscode.TreeItemCollapsibleState.None, 'the model root cannot be expanded');
    const shownRoot = energyInText(`${labelOf(root.item)} ${String(root.item.description ?? '')}`)!;
    assert.ok(Math.abs(shownRoot.joules - p.energyJ) / p.energyJ <= 0.005, `root shows ${shownRoot.shown}, prediction ${p.energyJ} J`);

    // The model node may sit under the file root: descend until modules appear.
    let level = (await api.energyTreeProvider.getChildren(root.element)) ?? [];
    let items = await Promise.all(level.map((e) => api.energyTreeProvider.getTreeItem(e)));
    if (items.length === 1) {
      level = (await api.energyTreeProvider.getChildren(level[0])) ?? [];
      items = await Promise.all(level.map((e) => api.energyTreeProvider.getTreeItem(e)));
    }
    const labels = items.map(labelOf);
    assert.ok(labels.some((l) => /embedding/i.test(l)), `no embeddings module among ${labels.join(', ')}`);
    assert.ok(labels.some((l) => /encoder|layer/i.test(l)), `no encoder among ${labels.join(', ')}`);
    const energies = items.map((i) => energyInText(String(i.description ?? '')) ?? energyInText(labelOf(i)));
    assert.ok(energies.every((e) => e !== undefined), `a module without an energy: ${items.map((i) => `${labelOf(i)} ${String(i.description ?? '')}`).join('; ')}`);
    const sum = energies.reduce((s, e) => s + e!.joules, 0);
    // Children are rounded to 3 digits each; functional ops at the root may add a little.
    assert.ok(sum <= p.energyJ * 1.02 && sum >= p.energyJ * 0.5, `children sum to ${sum} J of ${p.energyJ} J`);
  });
});
