// Shared by the integration suites (bundled into each). Everything here waits
// with a deadline and says what it was waiting for when it gives up.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { IreneApi } from '../../../src/extension/extensionApi.js';

export const EXTENSION_ID = 'irene-energy.irene-energy';

/** The extension's API (what activate() returns). */
export type IreneApiView = IreneApi;

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is not open');
  return folder.uri;
}

export function fixture(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...parts);
}

export const BERT_CONFIG = ['bert-base-uncased', 'config.json'];
export const TINY_ONNX = ['onnx', 'bert-base-uncased-tiny.onnx'];
export const BROKEN_CONFIG = ['broken', 'config.json'];
export const TRUNCATED_CONFIG = ['broken', 'truncated.config.json'];
export const BROKEN_ONNX = ['broken', 'not-a-model.onnx'];

let api: IreneApiView | undefined;
/** Activates the extension (as suiteSetup must) and returns its API. */
export async function activateIrene(): Promise<IreneApiView> {
  if (api) return api;
  const ext = vscode.extensions.getExtension<IreneApiView>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (extensionDevelopmentPath wrong?)`);
  api = await ext.activate();
  assert.ok(api, 'activate() returned no API object');
  return api;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The energy a text shows after ⚡ (or the first `<number> <unit>`), converted to joules. */
export function energyInText(text: string): { joules: number; shown: string; unit: string } | undefined {
  const m = /(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(mJ|J|Wh|gCO2)\b/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2];
  const toJ: Record<string, number> = { J: 1, mJ: 1e-3, Wh: 3600 };
  if (unit === 'gCO2') return { joules: Number.NaN, shown: m[0], unit };
  return { joules: value * toJ[unit], shown: m[0], unit };
}

/** Asserts `shown` is `expectedJ` rounded to three significant digits (what the UI formats). */
export function assertShowsJoules(shownJ: number, expectedJ: number, context: string): void {
  const rel = Math.abs(shownJ - expectedJ) / Math.abs(expectedJ);
  // Three significant digits: rounding error at most half a unit of the third digit (< 0.5 %).
  assert.ok(rel <= 0.005, `${context}: shows ${shownJ} J but the prediction is ${expectedJ} J (off by ${(rel * 100).toFixed(2)} %)`);
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c instanceof vscode.MarkdownString ? c.value : (c as { value: string }).value))
    .join('\n');
}

/** Position of the first occurrence of `needle` in the document (0-based). */
export function positionOf(doc: vscode.TextDocument, needle: string, offsetInNeedle = 1): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `${needle} not found in ${doc.uri.fsPath}`);
  return doc.positionAt(i + offsetInNeedle);
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('irene').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/** Code lenses of a document, resolved (titles filled in). */
export async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  // The command needs the document loaded ("Illegal argument" otherwise).
  await vscode.workspace.openTextDocument(uri);
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

export function repoRoot(): string {
  const root = process.env.IRENE_REPO_ROOT;
  assert.ok(root, 'IRENE_REPO_ROOT is not set (run through test/integration/runIntegrationTests.mts)');
  return root;
}

/** The CLI's JSON prediction for a file (`node dist/cli.js predict FILE --format json`), or undefined when the CLI is not built. */
export function cliPrediction(file: string, args: string[]): { energyJ: number } | undefined {
  const cli = join(repoRoot(), 'dist', 'cli.js');
  if (!existsSync(cli)) return undefined;
  const res = spawnSync(process.execPath, [cli, 'predict', file, '--format', 'json', ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, `CLI failed (${res.status}): ${res.stderr}`);
  const json = JSON.parse(res.stdout) as { energyJ?: number; prediction?: { energyJ: number } };
  const energyJ = json.energyJ ?? json.prediction?.energyJ;
  assert.equal(typeof energyJ, 'number', `no energyJ in the CLI's JSON: ${res.stdout.slice(0, 300)}`);
  return { energyJ: energyJ as number };
}

/** Text of every extension log file under the user-data dir that mentions `needle`. */
export function logsMentioning(needle: string): string[] {
  const dir = process.env.IRENE_USER_DATA_DIR;
  assert.ok(dir, 'IRENE_USER_DATA_DIR is not set');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (name.endsWith('.log') && st.size < 5_000_000) {
        const text = readFileSync(full, 'utf8');
        if (text.includes(needle)) out.push(`${full}\n${text}`);
      }
    }
  };
  if (existsSync(join(dir, 'logs'))) walk(join(dir, 'logs'));
  return out;
}
