// What makes the first prediction appear soon after a config is opened: the
// prediction starts when the document opens (before any editor asks), lenses
// come with their commands when the answer is current (no resolve round
// trip), and the workspace scan waits unless something needs the list.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { IreneLog } from '../../../src/extension/ireneLog.js';
import { ModelRegistry } from '../../../src/extension/modelRegistry.js';
import { activateIrene, BERT_CONFIG, energyInText, fixture, setSetting, waitFor, type IreneApiView } from './helpers';

/** Lenses as VS Code gets them from provideCodeLenses alone (no resolve calls). */
async function unresolvedLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 0)) ?? [];
}

function energyTitles(lenses: vscode.CodeLens[]): string[] {
  return lenses.map((l) => l.command?.title ?? '').filter((t) => energyInText(t));
}

suite('start-up latency', () => {
  let api: IreneApiView;
  let scratch: string;

  suiteSetup(async () => {
    api = await activateIrene();
    scratch = mkdtempSync(join(tmpdir(), 'irene-startup-'));
  });

  suiteTeardown(async () => {
    await setSetting('seqLen', undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a config.json is predicted as soon as it is opened, before an editor shows it', async () => {
    // A model nobody has predicted yet, outside the workspace so that no scan or watcher knows it.
    const config = JSON.parse(readFileSync(fixture(...BERT_CONFIG).fsPath, 'utf8')) as Record<string, unknown>;
    config.num_hidden_layers = 5;
    const path = join(scratch, 'config.json');
    writeFileSync(path, JSON.stringify(config, null, 2));
    const uri = vscode.Uri.file(path);
    assert.equal(api.predictionService.state(uri), undefined, 'the model was known before it was opened');
    await vscode.workspace.openTextDocument(uri);
    const state = await waitFor('a prediction of the opened (not shown) config', () => {
      const s = api.predictionService.state(uri);
      return s?.status === 'ready' ? s : undefined;
    });
    assert.ok(state.prediction.energyJ > 0);
  });

  test('lenses carry the energy without a resolve call when the prediction is current, never a stale one', async () => {
    const uri = fixture(...BERT_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const before = await waitFor('a prediction', () => api.getPrediction(uri));
    const first = await waitFor('an energy lens from provideCodeLenses alone', async () => energyTitles(await unresolvedLenses(uri))[0]);
    assert.match(first, new RegExp(`× ${before.seqLen}\\b`), `lens "${first}" is not for seqLen ${before.seqLen}`);

    const seqLen = Math.max(1, Math.floor(before.seqLen / 2));
    await setSetting('seqLen', seqLen);
    await waitFor('the settings service to see the new seqLen', () => api.settings.current.seqLen === seqLen);
    // Until the new answer lands the energy lens has no command (VS Code resolves it); it must not show the old number.
    for (const title of energyTitles(await unresolvedLenses(uri))) {
      assert.match(title, new RegExp(`× ${seqLen}\\b`), `stale lens "${title}" after seqLen became ${seqLen}`);
    }
    const after = await waitFor(`an energy lens for seqLen ${seqLen} from provideCodeLenses alone`, async () =>
      energyTitles(await unresolvedLenses(uri)).find((t) => new RegExp(`× ${seqLen}\\b`).test(t)));
    const p = await waitFor('the new prediction', async () => {
      const q = await api.getPrediction(uri);
      return q?.seqLen === seqLen ? q : undefined;
    });
    assert.ok(Math.abs(energyInText(after)!.joules - p.energyJ) / p.energyJ <= 0.005, `lens "${after}" vs ${p.energyJ} J`);
  });

  test('the first workspace scan waits, and starts at once when the list is wanted', async () => {
    const quiet = { info() {}, warn() {}, error() {} } as unknown as IreneLog;
    const registry = new ModelRegistry(api.settings, quiet, () => {});
    try {
      registry.scheduleFirstScan(10 * 60_000);
      // Asking for the list starts the scan long before the ten minutes are up.
      await registry.whenScanned();
      const found = registry.list().map((m) => m.uri.toString());
      assert.ok(found.includes(fixture(...BERT_CONFIG).toString()), `the scan did not find the bert config: ${found.join(', ')}`);
    } finally {
      registry.dispose();
    }
  });
});
