// Drives the real workbench (code-server in headless Chromium) the way a user
// would: open bert-base's config.json, read the code lens and a hover from the
// DOM, expand the Energy Tree, open the ONNX file as text, and keep
// screenshots in a light and a dark theme.
//
// Screenshots go to test/ui/screenshots-tmp/ (ignored); with
// IRENE_UPDATE_SCREENSHOTS=1 they replace media/screenshots/ (the README's).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { codeServerAvailable, launchBrowser, repoRoot, startCodeServer, workbenchUrl, type CodeServer } from '../../scripts/vscode/workbench.mjs';

const shotsDir = process.env.IRENE_UPDATE_SCREENSHOTS ? join(repoRoot, 'media', 'screenshots') : join(repoRoot, 'test', 'ui', 'screenshots-tmp');
const STEP_MS = 30_000;

// Commands are run by id through keybindings: titles are for people and change.
const KEYS = {
  focusTree: 'ctrl+alt+shift+f1',
  onnxAsText: 'ctrl+alt+shift+f2',
  closeAll: 'ctrl+alt+shift+f3',
  hideSecondary: 'ctrl+alt+shift+f4',
};
const keybindings = [
  { key: KEYS.focusTree, command: 'irene.energyTree.focus' },
  { key: KEYS.onnxAsText, command: 'irene.openOnnxAsText' },
  { key: KEYS.closeAll, command: 'workbench.action.closeAllEditors' },
  { key: KEYS.hideSecondary, command: 'workbench.action.closeAuxiliaryBar' },
];

function press(page: Page, chord: string): Promise<void> {
  return page.keyboard.press(chord.split('+').map((k) => (k === 'ctrl' ? 'Control' : k === 'alt' ? 'Alt' : k === 'shift' ? 'Shift' : k.toUpperCase())).join('+'));
}

/** The CLI's prediction (joules) for a file, or undefined when the CLI is not built. */
function cliEnergyJ(file: string): number | undefined {
  const cli = join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) return undefined;
  const res = spawnSync(process.execPath, [cli, 'predict', file, '--format', 'json', '--batch-size', '8', '--seq-len', '256'], { encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) return undefined;
  const json = JSON.parse(res.stdout) as { energyJ?: number; prediction?: { energyJ: number } };
  return json.energyJ ?? json.prediction?.energyJ;
}

function joulesIn(text: string): number | undefined {
  const m = /(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(mJ|J)\b/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'mJ' ? 1e-3 : 1) : undefined;
}

async function quickOpen(page: Page, relPath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_MS });
  await input.fill(relPath);
  // Wait for the file to be listed before accepting, or Enter picks nothing.
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: STEP_MS });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_MS });
}

/** Runs a test body; on failure keeps a screenshot of the workbench next to the others, to see what went wrong. */
async function withFailureShot(page: () => Page | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const p = page();
    if (p) await p.screenshot({ path: join(shotsDir, `FAILED-${name}.png`) }).catch(() => {});
    throw err;
  }
}

for (const theme of [
  { name: 'light', colorTheme: 'Default Light Modern' },
  { name: 'dark', colorTheme: 'Default Dark Modern' },
]) {
  describe(`workbench (${theme.name} theme)`, { skip: codeServerAvailable() ? false : 'code-server not installed: sh scripts/vscode/setup.sh' }, () => {
    let server: CodeServer;
    let browser: Browser;
    let page: Page;
    let workspace: string;

    before(async () => {
      mkdirSync(shotsDir, { recursive: true });
      workspace = mkdtempSync(join(tmpdir(), 'irene-ui-ws-'));
      cpSync(join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
      server = await startCodeServer({
        keybindings,
        settings: {
          'workbench.colorTheme': theme.colorTheme,
          'editor.hover.delay': 150,
          'editor.minimap.enabled': false,
          'window.zoomLevel': 0,
          'workbench.editor.enablePreview': false,
          'breadcrumbs.enabled': false,
          'workbench.layoutControl.enabled': false,
        },
      });
      browser = await launchBrowser();
      page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
      page.setDefaultTimeout(STEP_MS);
      await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('.part.statusbar').waitFor({ state: 'visible' });
      await press(page, KEYS.hideSecondary);
    });

    after(async () => {
      await browser?.close().catch(() => {});
      await server?.stop();
      if (workspace) rmSync(workspace, { recursive: true, force: true });
    });

    test('config.json: the code lens and a hover show joules; the Energy Tree expands', () => withFailureShot(() => page, `config-${theme.name}`, async () => {
      await press(page, KEYS.focusTree);
      // The Energy Tree is the only view of its container, so it fills the side bar.
      const tree = page.locator('.part.sidebar');
      await tree.locator('.monaco-list-row').first().waitFor({ state: 'visible' });

      await quickOpen(page, 'bert-base-uncased/config.json');
      const lens = page.locator('.codelens-decoration', { hasText: '⚡' }).first();
      await lens.waitFor({ state: 'visible' });
      const lensText = (await lens.innerText()).trim();
      assert.match(lensText, /⚡\s*\d+(\.\d+)?\s*(m?J)\b/, `lens: ${lensText}`);
      const lensJ = joulesIn(lensText)!;
      const cliJ = cliEnergyJ(join(workspace, 'bert-base-uncased', 'config.json'));
      if (cliJ !== undefined) {
        assert.ok(Math.abs(lensJ - cliJ) / cliJ <= 0.005, `lens shows ${lensJ} J, CLI predicts ${cliJ} J`);
      }

      // Expand bert's root in the tree (the row naming the config's folder or file).
      const bertRow = tree.locator('.monaco-list-row', { hasText: /bert-base-uncased/ }).first();
      await bertRow.waitFor({ state: 'visible' });
      if ((await bertRow.getAttribute('aria-expanded')) === 'false') await bertRow.locator('.monaco-tl-twistie').click();
      await tree.locator('.monaco-list-row[aria-level="2"]').first().waitFor({ state: 'visible' });
      const rows = await tree.locator('.monaco-list-row').allInnerTexts();
      assert.ok(rows.some((r) => /embeddings/i.test(r)) && rows.some((r) => /encoder/i.test(r)), `tree rows: ${rows.join(' | ')}`);
      assert.ok(rows.some((r) => joulesIn(r) !== undefined), `no energies in tree rows: ${rows.join(' | ')}`);

      // Hover the num_hidden_layers key.
      const keySpan = page.locator('.view-lines .view-line span span', { hasText: '"num_hidden_layers"' }).first();
      await keySpan.hover();
      const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: /\d\s*m?J\b/ }).first();
      await hover.waitFor({ state: 'visible' });
      const hoverText = (await hover.innerText()).trim();
      const hoverJ = joulesIn(hoverText);
      assert.ok(hoverJ !== undefined && hoverJ > 0 && hoverJ <= lensJ * 1.005, `hover: ${hoverText} (model ${lensText})`);
      await page.screenshot({ path: join(shotsDir, `config-${theme.name}.png`) });
      await page.mouse.move(5, 450);
    }));

    test('an ONNX file opens, and as text with the ONNX grammar', () => withFailureShot(() => page, `onnx-${theme.name}`, async () => {
      await press(page, KEYS.closeAll);
      await quickOpen(page, 'bert-base-uncased-tiny.onnx');
      // Whatever editor opens (custom summary or binary prompt), the text view is one command away.
      await page.waitForTimeout(500);
      await press(page, KEYS.onnxAsText);
      const line = page.locator('.view-lines .view-line', { hasText: 'MatMul' }).first();
      await line.waitFor({ state: 'visible' });
      const tab = (await page.locator('.tabs-container .tab.active').innerText()).trim();
      assert.match(tab, /bert-base-uncased-tiny/);
      // The grammar colours op names: more than one token colour on the line.
      const colours = await line.locator('span span').evaluateAll<number, unknown>('(spans) => new Set(spans.map((s) => getComputedStyle(s).color)).size');
      assert.ok(colours > 1, 'the ONNX text is not highlighted (one colour)');
      await page.screenshot({ path: join(shotsDir, `onnx-${theme.name}.png`) });
    }));
  });
}
