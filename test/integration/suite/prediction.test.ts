// What the editor shows (code lens, hover) is the engine's prediction for the
// file and the settings, and the CLI predicts the same number.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  activateIrene, assertShowsJoules, BERT_CONFIG, cliPrediction, codeLenses, energyInText, fixture, hoverText, positionOf, waitFor,
  type IreneApiView,
} from './helpers';

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

  test('hovering num_hidden_layers shows the energy of the layers it controls', async () => {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const doc = await vscode.workspace.openTextDocument(uri);
    const hovers = await waitFor('a hover with an energy on num_hidden_layers', async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"num_hidden_layers"', 3));
      return hs && energyInText(hoverText(hs)) ? hs : undefined;
    });
    const shown = energyInText(hoverText(hovers))!;
    // The twelve layers are most of bert-base's energy but not all of it
    // (embeddings and pooler are outside them).
    assert.ok(shown.joules > 0.3 * p.energyJ && shown.joules < p.energyJ * 1.005, `hover shows ${shown.shown} of a ${p.energyJ} J model:\n${hoverText(hovers)}`);
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
    const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"output_attentions"', 3))) ?? [];
    assert.equal(energyInText(hoverText(hs)), undefined, `unexpected energy hover: ${hoverText(hs)}`);
  });
});
