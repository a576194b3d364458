// What the editor shows (code lens, hover) is the engine's prediction for the
// file and the settings, and the CLI predicts the same number.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PredictedNode } from '../../../src/engine/index.js';
import {
  activateIrene, assertShowsJoules, BERT_CONFIG, cliPrediction, codeLenses, energyInText, fixture, hoverText, positionOf, waitFor,
  type IreneApiView,
} from './helpers';

function findScope(n: PredictedNode, scope: string): PredictedNode | undefined {
  if (n.node.scope === scope) return n;
  for (const c of n.children) {
    const f = findScope(c, scope);
    if (f) return f;
  }
  return undefined;
}

suite('prediction surfaces', () => {
  let api: IreneApiView;
  let uri: vscode.Uri;

  suiteSetup(async () => {
    api = await activateIrene();
    uri = fixture(...BERT_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  test('getPrediction predicts bert-base with the default settings', async () => {
    const p = await waitFor('a prediction for bert-base config.json', () => api.getPrediction(uri));
    assert.equal(p.batchSize, vscode.workspace.getConfiguration('irene').get('batchSize'));
    assert.equal(p.seqLen, vscode.workspace.getConfiguration('irene').get('seqLen'));
    assert.ok(p.energyJ > 0 && Number.isFinite(p.energyJ), `energy ${p.energyJ}`);
    assert.ok(p.root.children.length > 0, 'the predicted tree has no children');
  });

  test('the CLI predicts the same energy for the same file and settings', async function () {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const cli = cliPrediction(uri.fsPath, ['--batch-size', String(p.batchSize), '--seq-len', String(p.seqLen)]);
    if (!cli) this.skip(); // dist/cli.js not built: reported as pending, not passed
    const rel = Math.abs(cli.energyJ - p.energyJ) / p.energyJ;
    assert.ok(rel < 1e-9, `extension ${p.energyJ} J vs CLI ${cli.energyJ} J`);
  });

  test('the code lens on config.json shows the predicted joules', async () => {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const lens = await waitFor('a code lens with an energy', async () =>
      (await codeLenses(uri)).find((l) => l.command?.title && energyInText(l.command.title)));
    const shown = energyInText(lens.command!.title)!;
    assertShowsJoules(shown.joules, p.energyJ, `lens "${lens.command!.title}"`);
    assert.match(lens.command!.title, new RegExp(`\\b${p.batchSize}\\b.*\\b${p.seqLen}\\b`), 'lens does not say the batch size and sequence length');
  });

  test('hovering num_hidden_layers shows the predicted energy of the modules it controls', async () => {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = await waitFor('a hover with an energy on num_hidden_layers', async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"num_hidden_layers"', 3));
      const t = hoverText(hs ?? []);
      return energyInText(t) ? t : undefined;
    });
    // The hover names the module(s) the key controls; look them up in the
    // prediction's tree and compare energies.
    const scopes = [...text.matchAll(/controls `([^`]+)`/g)].map((m) => m[1]);
    assert.ok(scopes.length > 0, `the hover names no module:\n${text}`);
    const node = findScope(p.root, scopes[0]);
    assert.ok(node, `${scopes[0]} is not in the predicted tree`);
    assert.match(scopes[0], /encoder|layer/i);
    assertShowsJoules(energyInText(text)!.joules, node.energyJ, `hover on num_hidden_layers (${scopes[0]})`);
  });

  test('no part is shown as costing more than the whole model', async () => {
    // A hover saying a module is 134 % of the model would mislead; this
    // holds the prediction to the invariant users read into the numbers.
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const over: string[] = [];
    const walk = (n: PredictedNode): void => {
      if (n.energyJ > p.energyJ * 1.005) over.push(`${n.node.scope}: ${n.energyJ.toFixed(3)} J (${(n.share * 100).toFixed(1)} %)`);
      n.children.forEach(walk);
    };
    walk(p.root);
    assert.deepEqual(over, [], `parts predicted above the whole model (${p.energyJ.toFixed(3)} J)`);
  });

  test('the num_hidden_layers hover predicts one layer more and one less', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const layers = (JSON.parse(doc.getText()) as { num_hidden_layers: number }).num_hidden_layers;
    const text = await waitFor('the ±1 layer what-if lines', async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"num_hidden_layers"', 3));
      const t = hoverText(hs ?? []);
      return t.includes(`num_hidden_layers: ${layers + 1}`) && t.includes(`num_hidden_layers: ${layers - 1}`) ? t : undefined;
    });
    const controlled = energyInText(text)!.joules;
    const delta = (n: number): number => {
      const line = text.split('\n').find((l) => l.includes(`num_hidden_layers: ${n}`))!;
      const after = line.slice(line.indexOf('→'));
      const e = energyInText(after);
      assert.ok(e, `no energy in "${line}"`);
      return /−|-/.test(after.slice(0, after.search(/\d/))) ? -e.joules : e.joules;
    };
    // bert's layers are identical, so one more (or fewer) costs about one
    // layer's share of what the key controls.
    const perLayer = controlled / layers;
    const up = delta(layers + 1);
    const down = delta(layers - 1);
    assert.ok(up > 0.5 * perLayer && up < 2 * perLayer, `+1 layer: ${up} J, one layer ≈ ${perLayer} J`);
    assert.ok(down < -0.5 * perLayer && down > -2 * perLayer, `-1 layer: ${down} J, one layer ≈ ${perLayer} J`);
  });

  test('a key that is not in the model has no energy hover', async () => {
    await waitFor('a prediction', () => api.getPrediction(uri));
    const doc = await vscode.workspace.openTextDocument(uri);
    const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"initializer_range"', 3))) ?? [];
    assert.equal(energyInText(hoverText(hs)), undefined, `unexpected energy hover: ${hoverText(hs)}`);
  });
});
