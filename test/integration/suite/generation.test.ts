// A causal LM's config.json (the cached tiny Qwen3, Llama-style: q/k/v/o,
// gated MLP, RMSNorm, rotary): the per-token lens and the hover on
// num_hidden_layers show joules per generated token, the CLI predicts the same
// decode step, and the Energy Tree switches to the decode phase.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateIrene, assertShowsJoules, cliPrediction, codeLenses, energyInText, fixture, hoverText, positionOf, repoRoot, waitFor, type IreneApiView } from './helpers';

const REVISION = '3c6e5bd3c2c1e2f0a9d8b7c6d5e4f3a2b1c0d9e8';
const CACHED_CONFIG = ['hf-cache', 'hub', 'models--irene-tests--tiny-qwen3', 'snapshots', REVISION, 'config.json'];
const PER_TOKEN_LENS = /J\/token decode at 2k context/;

suite('generation (causal LM config.json)', () => {
  let api: IreneApiView;
  let uri: vscode.Uri;

  suiteSetup(async () => {
    api = await activateIrene();
    uri = fixture(...CACHED_CONFIG);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  test('the per-token lens shows the decode step the CLI predicts, and the request', async function () {
    const p = await waitFor('a prediction', () => api.getPrediction(uri));
    const lens = await waitFor('the per-token lens', async () => (await codeLenses(uri)).find((l) => PER_TOKEN_LENS.test(l.command?.title ?? '')), 60_000);
    const title = lens.command!.title;
    assert.match(title, /J per request \(512 → 256\) · batch \d+/);
    const folder = vscode.Uri.joinPath(uri, '..').fsPath;
    const step = cliPrediction(folder, ['--phase', 'decode', '--context', '2048', '--batch-size', String(p.batchSize), '--dtype', p.dtype]);
    if (!step) this.skip(); // dist/cli.js not built
    assertShowsJoules(energyInText(title)!.joules, step.energyJ / p.batchSize, `lens "${title}"`);
    const cli = join(repoRoot(), 'dist', 'cli.js');
    if (existsSync(cli)) {
      const r = spawnSync(process.execPath, [cli, 'generate', folder, '--batch-size', String(p.batchSize), '--dtype', p.dtype, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      assert.equal(r.status, 0, r.stderr);
      const perRequest = (JSON.parse(r.stdout) as { energyPerRequestJ: number }).energyPerRequestJ;
      const shown = [...title.matchAll(/([\d.]+)\s*(mJ|J)\s+per request/g)][0];
      assert.ok(shown, title);
      assertShowsJoules(Number(shown[1]) * (shown[2] === 'mJ' ? 1e-3 : 1), perRequest, 'per-request figure');
    }
  });

  test('hovering num_hidden_layers gives the per-token delta', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = await waitFor(
      'a hover with a per-token delta',
      async () => {
        const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, positionOf(doc, '"num_hidden_layers"', 3));
        const t = hoverText(hs ?? []);
        return /per generated token/.test(t) ? t : undefined;
      },
      60_000,
    );
    assert.match(text, /`num_hidden_layers: \d+` → [+−-].*J.* per token/);
  });

  test('the Energy Tree switches to a decode step and back', async () => {
    const rootDescription = async (): Promise<string | undefined> => {
      for (const el of (await api.energyTreeProvider.getChildren(undefined)) ?? []) {
        const it = await api.energyTreeProvider.getTreeItem(el);
        if (it.resourceUri?.toString() === uri.toString()) return String(it.description ?? '');
      }
      return undefined;
    };
    await vscode.commands.executeCommand('irene.setTreePhase', 'decode');
    const decode = await waitFor('the decode phase in the tree', async () => {
      const d = await rootDescription();
      return d && /decode step at 2k context/.test(d) && energyInText(d) ? d : undefined;
    }, 60_000);
    assert.ok(energyInText(decode)!.joules > 0);
    await vscode.commands.executeCommand('irene.setTreePhase', 'forward');
    await waitFor('the forward phase again', async () => {
      const d = await rootDescription();
      return d && !/decode step/.test(d) ? d : undefined;
    });
  });
});
