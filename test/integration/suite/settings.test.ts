// Changing a setting re-predicts: the numbers the editor shows follow.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateIrene, BERT_CONFIG, codeLenses, energyInText, fixture, setSetting, waitFor, type IreneApiView } from './helpers';

suite('settings', () => {
  let api: IreneApiView;
  let uri: vscode.Uri;

  suiteSetup(async () => {
    api = await activateIrene();
    uri = fixture(...BERT_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  teardown(async () => {
    for (const key of ['seqLen', 'batchSize', 'unit', 'dtype']) await setSetting(key, undefined);
  });

  test('halving irene.seqLen re-predicts with less energy, and the lens follows', async () => {
    const before = await waitFor('a prediction', () => api.getPrediction(uri));
    const seqLen = Math.max(1, Math.floor(before.seqLen / 2));
    await setSetting('seqLen', seqLen);
    const after = await waitFor(`a prediction at seqLen ${seqLen}`, async () => {
      const p = await api.getPrediction(uri);
      return p && p.seqLen === seqLen ? p : undefined;
    });
    // Attention is quadratic and the rest linear in the sequence length, so
    // halving it must cut the energy, though not necessarily in half.
    assert.ok(after.energyJ < before.energyJ, `seqLen ${before.seqLen} -> ${seqLen}: ${before.energyJ} J -> ${after.energyJ} J`);
    assert.ok(after.energyJ > 0);
    const lens = await waitFor('the lens to show the new sequence length', async () =>
      (await codeLenses(uri)).find((l) => l.command?.title.includes(`${seqLen}`) && energyInText(l.command.title)));
    const shown = energyInText(lens.command!.title)!;
    assert.ok(Math.abs(shown.joules - after.energyJ) / after.energyJ <= 0.005, `lens ${lens.command!.title} vs ${after.energyJ} J`);
  });

  test('doubling irene.batchSize re-predicts with more energy', async () => {
    const before = await waitFor('a prediction', () => api.getPrediction(uri));
    const batch = before.batchSize * 2;
    await setSetting('batchSize', batch);
    const after = await waitFor(`a prediction at batch ${batch}`, async () => {
      const p = await api.getPrediction(uri);
      return p && p.batchSize === batch ? p : undefined;
    });
    assert.ok(after.energyJ > before.energyJ, `batch ${before.batchSize} -> ${batch}: ${before.energyJ} J -> ${after.energyJ} J`);
  });

  test('irene.dtype = fp32 re-predicts with more energy than bf16 and says so in the lens', async () => {
    await setSetting('dtype', 'bf16');
    const bf16 = await waitFor('a bf16 prediction', async () => {
      const p = await api.getPrediction(uri);
      return p && p.dtype === 'bf16' ? p : undefined;
    });
    await setSetting('dtype', 'fp32');
    const fp32 = await waitFor('an fp32 prediction', async () => {
      const p = await api.getPrediction(uri);
      return p && p.dtype === 'fp32' ? p : undefined;
    });
    // fp32 moves twice the bytes and runs without bf16 tensor-core rates.
    assert.ok(fp32.energyJ > bf16.energyJ, `bf16 ${bf16.energyJ} J, fp32 ${fp32.energyJ} J`);
    await waitFor('a lens naming fp32', async () => (await codeLenses(uri)).find((l) => /fp32/.test(l.command?.title ?? '')));
  });

  test('irene.unit = mJ shows the same energy in millijoules', async () => {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    await setSetting('unit', 'mJ');
    const lens = await waitFor('a lens in mJ', async () =>
      (await codeLenses(uri)).find((l) => energyInText(l.command?.title ?? '')?.unit === 'mJ'));
    const shown = energyInText(lens.command!.title)!;
    assert.ok(Math.abs(shown.joules - p.energyJ) / p.energyJ <= 0.005, `${lens.command!.title} vs ${p.energyJ} J`);
  });
});
