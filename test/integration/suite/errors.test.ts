// Broken model files: the extension logs an error a user can act on and
// throws nothing into VS Code (providers return nothing, the API resolves).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateIrene, BERT_CONFIG, BROKEN_CONFIG, BROKEN_ONNX, codeLenses, fixture, logsMentioning, TRUNCATED_CONFIG, waitFor, type IreneApiView } from './helpers';

suite('broken files', () => {
  let api: IreneApiView;

  suiteSetup(async () => {
    api = await activateIrene();
  });

  async function settles(what: string, p: Promise<unknown>): Promise<unknown> {
    try {
      return await p;
    } catch (err) {
      // getPrediction may reject with a typed error; it must be an Error with a message.
      assert.ok(err instanceof Error && err.message.length > 0, `${what} rejected with ${String(err)}`);
      return err;
    }
  }

  test('a config.json with an unknown model_type: no lens, no exception, a logged error naming the file', async () => {
    const uri = fixture(...BROKEN_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const result = await settles('getPrediction', api.getPrediction(uri));
    assert.ok(result === undefined || result instanceof Error, `a prediction for a broken file: ${JSON.stringify(result)?.slice(0, 200)}`);
    const lenses = await codeLenses(uri);
    assert.ok(lenses.every((l) => !/⚡\s*\d/.test(l.command?.title ?? '')), `energy lens on a broken file: ${lenses.map((l) => l.command?.title).join('; ')}`);
    const logs = await waitFor('the IrEne log to mention the broken file', () => {
      const found = logsMentioning('frobnicator-9000').concat(logsMentioning('broken/config.json'));
      return found.length > 0 ? found : undefined;
    }, 15_000, 250);
    assert.match(logs.join('\n'), /frobnicator-9000|model_type|unknown|unsupported/i);
  });

  test('a truncated config.json and a text file named .onnx are handled without exceptions', async () => {
    for (const parts of [TRUNCATED_CONFIG, BROKEN_ONNX]) {
      const uri = fixture(...parts);
      const result = await settles(`getPrediction(${parts.join('/')})`, api.getPrediction(uri));
      assert.ok(result === undefined || result instanceof Error, `a prediction for ${parts.join('/')}`);
      const lenses = await codeLenses(uri);
      assert.ok(lenses.every((l) => !/⚡\s*\d/.test(l.command?.title ?? '')));
    }
  });

  test('a good file still predicts after the broken ones', async () => {
    const p = await waitFor('a prediction for bert-base', () => api.getPrediction(fixture(...BERT_CONFIG)));
    assert.ok(p.energyJ > 0);
  });
});

suite('broken files in the Energy Tree', () => {
  test('the unknown model_type root says why it cannot predict and does not expand', async () => {
    const api = await activateIrene();
    const uri = fixture(...BROKEN_CONFIG);
    const item = await waitFor('the broken config root to show its error', async () => {
      for (const el of (await api.energyTreeProvider.getChildren(undefined)) ?? []) {
        const it = await api.energyTreeProvider.getTreeItem(el);
        if (it.resourceUri?.toString() === uri.toString() && /⚠/.test(String(it.description ?? ''))) return it;
      }
      return undefined;
    });
    assert.match(String(item.description), /frobnicator-9000|model_type|unknown|unsupported/i);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.None);
  });
});
