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
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { codeServerAvailable, repoRoot } from '../../scripts/vscode/workbench.mjs';
import { closeUiSession, COMMON_KEYS, focusEnergyTree, openUiSession, press, shotsDir, THEMES, withFailureShot, type UiSession } from './uiSession.mjs';


// Commands are run by id through keybindings: titles are for people and change.
const KEYS = {
  ...COMMON_KEYS,
  onnxAsText: 'ctrl+alt+shift+f2',
  closeAll: 'ctrl+alt+shift+f3',
};
const keybindings = [
  { key: KEYS.onnxAsText, command: 'irene.openOnnxAsText' },
  { key: KEYS.closeAll, command: 'workbench.action.closeAllEditors' },
];

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

/** Drags the side bar's edge so tree rows show their energies in screenshots. */
/** What the page functions below use of a DOM element (no DOM types in this project). */
interface Rectangular {
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
}

async function widenSideBar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const edge = box.x + box.width;
  // The sash between side bar and editor: the vertical one closest to the edge.
  const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((els: Rectangular[]) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y, h: r.height };
    }));
  const sash = sashes.filter((s) => s.h > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
  if (!sash || Math.abs(sash.x - edge) > 10) return;
  const y = sash.y + sash.h / 2;
  await page.mouse.move(sash.x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}

for (const theme of THEMES) {
  describe(`workbench (${theme.name} theme)`, { skip: codeServerAvailable() ? false : 'code-server not installed: sh scripts/vscode/setup.sh' }, () => {
    let session: UiSession | undefined;
    let page: Page;
    let workspace: string;

    before(async () => {
      session = await openUiSession({
        prefix: 'irene-ui-',
        colorTheme: theme.colorTheme,
        keybindings,
        // Below the hovered line, so the screenshot shows the file above it.
        settings: { 'editor.hover.delay': 150, 'editor.hover.above': false },
      });
      ({ page, workspace } = session);
    });

    after(() => closeUiSession(session));

    test('config.json: the code lens and a hover show joules; the Energy Tree expands', () => withFailureShot(() => page, `config-${theme.name}`, async () => {
      // The Energy Tree is the only view of its container, so it fills the side bar.
      const tree = await focusEnergyTree(page);
      await tree.locator('.monaco-list-row', { hasText: 'config.json' }).first().waitFor({ state: 'visible' });
      await widenSideBar(page, 560);

      // Clicking bert's root opens its config.json (the row's command) and expands it.
      const bertRow = tree.locator('.monaco-list-row[aria-level="1"]', { hasText: 'bert-base-uncased/config.json' }).first();
      await bertRow.locator('.label-name').click();
      await page.locator('.tabs-container .tab.active', { hasText: 'config.json' }).waitFor({ state: 'visible' });
      if ((await bertRow.getAttribute('aria-expanded')) !== 'true') await bertRow.locator('.monaco-tl-twistie').click();
      await tree.locator('.monaco-list-row[aria-level="2"]').first().waitFor({ state: 'visible' });
      const rows = await tree.locator('.monaco-list-row').allInnerTexts();
      assert.ok(rows.some((r) => /embeddings/i.test(r)) && rows.some((r) => /encoder/i.test(r)), `tree rows: ${rows.join(' | ')}`);
      assert.ok(rows.some((r) => joulesIn(r) !== undefined), `no energies in tree rows: ${rows.join(' | ')}`);

      const lens = page.locator('.codelens-decoration', { hasText: '⚡' }).first();
      await lens.waitFor({ state: 'visible' });
      const lensText = (await lens.innerText()).trim();
      assert.match(lensText, /⚡\s*\d+(\.\d+)?\s*(m?J)\b/, `lens: ${lensText}`);
      const lensJ = joulesIn(lensText)!;
      const cliJ = cliEnergyJ(join(workspace, 'bert-base-uncased', 'config.json'));
      if (cliJ !== undefined) {
        assert.ok(Math.abs(lensJ - cliJ) / cliJ <= 0.005, `lens shows ${lensJ} J, CLI predicts ${cliJ} J`);
      }

      // The status bar shows the active model's energy too.
      const status = page.locator('.part.statusbar .statusbar-item', { hasText: /\d\s*m?J\b/ }).first();
      await status.waitFor({ state: 'visible' });
      const statusJ = joulesIn(await status.innerText());
      assert.ok(statusJ !== undefined && Math.abs(statusJ - lensJ) / lensJ <= 0.005, `status bar ${await status.innerText()} vs lens ${lensText}`);

      // Hover the num_hidden_layers key.
      const keySpan = page.locator('.view-lines .view-line span span', { hasText: '"num_hidden_layers"' }).first();
      await keySpan.hover();
      const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: /\d\s*m?J\b/ }).first();
      await hover.waitFor({ state: 'visible' });
      const hoverText = (await hover.innerText()).trim();
      const hoverJ = joulesIn(hoverText);
      assert.ok(hoverJ !== undefined && hoverJ > 0, `hover: ${hoverText} (model ${lensText})`);
      assert.match(hoverText, /num_hidden_layers/);
      await page.screenshot({ path: join(shotsDir, `config-${theme.name}.png`) });
      await page.mouse.move(700, 880);
      await page.keyboard.press('Escape');
    }));

    test('an ONNX file opens in its summary and as text with the ONNX grammar', () => withFailureShot(() => page, `onnx-${theme.name}`, async () => {
      await press(page, KEYS.closeAll);
      const tree = page.locator('.part.sidebar');
      // The ONNX root opens the file's summary editor (a webview).
      await tree.locator('.monaco-list-row[aria-level="1"]', { hasText: 'bert-base-uncased-tiny.onnx' }).first().locator('.label-name').click();
      await page.locator('.tabs-container .tab.active', { hasText: 'bert-base-uncased-tiny.onnx' }).waitFor({ state: 'visible' });
      const summary = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const headline = summary.getByText(/J per inference/).first();
      await headline.waitFor({ state: 'visible' });
      assert.ok(joulesIn(await headline.innerText()) !== undefined);
      await page.screenshot({ path: join(shotsDir, `onnx-summary-${theme.name}.png`) });

      // ... and the text view is one command away.
      await press(page, KEYS.onnxAsText);
      // The first module header (monaco renders only the visible lines).
      const line = page.locator('.view-lines .view-line', { hasText: /module\sroot\s/ }).first();
      await line.waitFor({ state: 'visible' });
      const tab = (await page.locator('.tabs-container .tab.active').innerText()).trim();
      assert.match(tab, /bert-base-uncased-tiny/);
      // The grammar tokenizes the line: tokens get different classes (mtkN = colour N).
      // TextMate grammars load and tokenize asynchronously, after the first paint.
      let classes: string[] = [];
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await page.waitForTimeout(200)) {
        classes = await line.locator('span span').evaluateAll((spans: { className: string }[]) => [...new Set(spans.map((sp) => sp.className))]);
        if (classes.length > 1) break;
      }
      assert.ok(classes.length > 1, `the ONNX text is not highlighted (token classes: ${classes.join(', ')})`);
      await page.screenshot({ path: join(shotsDir, `onnx-text-${theme.name}.png`) });
    }));
  });
}
