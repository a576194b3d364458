// The Energy panel opens from its command for a model file (a webview tab).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateIrene, BERT_CONFIG, fixture, waitFor } from './helpers';

suite('Energy panel', () => {
  test('irene.openPanel on bert-base config.json opens a webview tab', async () => {
    await activateIrene();
    const uri = fixture(...BERT_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('irene.openPanel', uri);
    const tab = await waitFor('a webview tab for the panel', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /irene/i.test(t.input.viewType)));
    assert.match(tab.label, /IrEne|Energy/);
    await vscode.window.tabGroups.close(tab);
  });
});
