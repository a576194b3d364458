// Inline annotations at the end of config.json lines, and the setting that
// turns them off.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateIrene, BERT_CONFIG, fixture, setSetting, waitFor, type IreneApiView } from './helpers';

suite('inline annotations', () => {
  let api: IreneApiView;
  let uri: vscode.Uri;

  suiteSetup(async () => {
    api = await activateIrene();
    uri = fixture(...BERT_CONFIG);
  });

  teardown(async () => {
    await setSetting('inlineAnnotations', undefined);
  });

  test('are drawn on the num_hidden_layers line and disappear when irene.inlineAnnotations is off', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const layersLine = editor.document.getText().split('\n').findIndex((l) => l.includes('"num_hidden_layers"'));
    const drawn = await waitFor('annotations on bert config.json', () => {
      const d = api.decorator.drawn.get(uri.toString());
      return d && d.length > 0 ? d : undefined;
    });
    const onLayers = drawn.find((d) => d.line === layersLine);
    assert.ok(onLayers, `no annotation on line ${layersLine}; drawn on ${drawn.map((d) => d.line).join(', ')}`);
    assert.match(onLayers.text, /\d\s*m?J/);
    // The layers are the bulk of bert's energy: the high-share colour.
    assert.equal(onLayers.level, 'high');

    await setSetting('inlineAnnotations', false);
    await waitFor('annotations to be cleared', () => (api.decorator.drawn.get(uri.toString())?.length ?? 0) === 0);
  });
});
