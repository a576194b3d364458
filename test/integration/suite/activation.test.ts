// The extension activates in a real extension host, returns its API and
// registers what its manifest promises.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateIrene, EXTENSION_ID, repoRoot } from './helpers';

suite('activation', () => {
  suiteSetup(async () => {
    await activateIrene();
  });

  test('activate() returns the documented API', async () => {
    const api = await activateIrene();
    assert.equal(typeof api.getPrediction, 'function');
    assert.ok(api.predictionService, 'predictionService missing');
    assert.ok(api.energyTreeProvider && typeof api.energyTreeProvider.getChildren === 'function', 'energyTreeProvider is not a TreeDataProvider');
    assert.ok(api.settings, 'settings missing');
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  test('every command in the manifest is registered', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { contributes?: { commands?: { command: string }[] } };
    const declared = (manifest.contributes?.commands ?? []).map((c) => c.command);
    assert.ok(declared.length > 0, 'package.json declares no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared in package.json but not registered: ${missing.join(', ')}`);
  });
});
