// The ONNX text view: a read-only document with the grammar's language id,
// listing the graph's operators.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activateIrene, assertShowsJoules, energyInText, fixture, hoverText, repoRoot, TINY_ONNX, waitFor } from './helpers';

interface Manifest {
  contributes?: { languages?: { id: string }[]; grammars?: { language?: string; scopeName: string; path: string }[] };
}

suite('ONNX text view', () => {
  suiteSetup(async () => {
    await activateIrene();
  });

  test('irene.openOnnxAsText opens the graph as text with the onnx-text language', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as Manifest;
    const grammar = manifest.contributes?.grammars?.find((g) => g.language !== undefined);
    assert.ok(grammar, 'package.json contributes no grammar with a language');
    assert.ok(manifest.contributes?.languages?.some((l) => l.id === grammar.language), `language ${grammar.language} is not declared`);

    const uri = fixture(...TINY_ONNX);
    await vscode.commands.executeCommand('irene.openOnnxAsText', uri);
    const editor = await waitFor('an editor with the ONNX text', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.scheme !== 'file' && e.document.getText().length > 0 ? e : undefined;
    });
    assert.equal(editor.document.languageId, grammar.language);
    const text = editor.document.getText();
    // The tiny bert's graph has matrix multiplies and a softmax (attention);
    // checked against the ONNX file's own bytes, where op types are strings.
    const onnxBytes = readFileSync(uri.fsPath).toString('latin1');
    for (const op of ['MatMul', 'Softmax']) {
      assert.ok(onnxBytes.includes(op), `fixture has no ${op}?`);
      assert.ok(text.includes(op), `the text view does not list ${op}`);
    }
  });
});

suite('ONNX text view hovers', () => {
  test('hovering a module header shows that module’s predicted energy', async () => {
    const api = await activateIrene();
    const uri = fixture(...TINY_ONNX);
    const p = await waitFor('a prediction for the ONNX file', () => api.getPrediction(uri));
    const encoder = p.root.children.find((c) => /encoder/.test(c.node.scope));
    assert.ok(encoder, `no encoder among ${p.root.children.map((c) => c.node.scope).join(', ')}`);
    await vscode.commands.executeCommand('irene.openOnnxAsText', uri);
    const editor = await waitFor('the ONNX text editor', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.languageId === 'onnx-text' && e.document.getText().includes(encoder.node.scope) ? e : undefined;
    });
    const doc = editor.document;
    const header = new RegExp(`^module ${encoder.node.scope.replace(/\./g, '\\.')}\\b`, 'm').exec(doc.getText());
    assert.ok(header, `no "module ${encoder.node.scope}" line in the text view`);
    const pos = doc.positionAt(header.index + 'module '.length + 1);
    const text = await waitFor('a hover with an energy on the encoder header', async () => {
      const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
      const t = hoverText(hs);
      return energyInText(t) ? t : undefined;
    });
    assertShowsJoules(energyInText(text)!.joules, encoder.energyJ, `hover on module ${encoder.node.scope}`);
  });
});
