// What both workbench UI tests share: the screenshot folder, the themes, key
// presses, a fresh code-server + Chromium session on a copy of the fixture
// workspace, showing the Energy Tree, and failure screenshots.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, repoRoot, stageExtension, startCodeServer, workbenchUrl, type CodeServer } from '../../scripts/vscode/workbench.mjs';

/** README screenshots under IRENE_UPDATE_SCREENSHOTS, else an ignored folder. */
export const shotsDir = process.env.IRENE_UPDATE_SCREENSHOTS ? join(repoRoot, 'media', 'screenshots') : join(repoRoot, 'test', 'ui', 'screenshots-tmp');
export const STEP_MS = 30_000;

export const THEMES = [
  { name: 'light', colorTheme: 'Default Light Modern' },
  { name: 'dark', colorTheme: 'Default Dark Modern' },
] as const;

/** Keys both tests bind: commands are run by id, since titles are for people and change. */
export const COMMON_KEYS = {
  focusTree: 'ctrl+alt+shift+f1',
  hideSecondary: 'ctrl+alt+shift+f4',
};
export const COMMON_KEYBINDINGS = [
  { key: COMMON_KEYS.focusTree, command: 'irene.energyTree.focus' },
  { key: COMMON_KEYS.hideSecondary, command: 'workbench.action.closeAuxiliaryBar' },
];

export function press(page: Page, chord: string): Promise<void> {
  return page.keyboard.press(chord.split('+').map((k) => (k === 'ctrl' ? 'Control' : k === 'alt' ? 'Alt' : k === 'shift' ? 'Shift' : k.toUpperCase())).join('+'));
}

export interface UiSession {
  server: CodeServer;
  browser: Browser;
  page: Page;
  /** The copy of the fixture workspace the workbench has open (a folder named `models`). */
  workspace: string;
}

/**
 * A fresh workbench in the theme, on a copy of test/fixtures/workspace without
 * its broken files (the integration tests cover those; the screenshots show a
 * clean workspace), with the extension staged and the secondary side bar closed.
 */
export async function openUiSession(options: {
  prefix: string;
  colorTheme: string;
  keybindings: { key: string; command: string }[];
  settings?: Record<string, unknown>;
}): Promise<UiSession> {
  mkdirSync(shotsDir, { recursive: true });
  // A readable folder name: it shows in the window title of the screenshots.
  const workspace = join(mkdtempSync(join(tmpdir(), options.prefix)), 'models');
  cpSync(join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true, filter: (src) => !src.includes('/broken') });
  stageExtension(`${workspace}-ext`);
  const server = await startCodeServer({
    keybindings: [...COMMON_KEYBINDINGS, ...options.keybindings],
    settings: {
      'workbench.colorTheme': options.colorTheme,
      'editor.minimap.enabled': false,
      'window.zoomLevel': 0,
      'workbench.editor.enablePreview': false,
      'breadcrumbs.enabled': false,
      'workbench.layoutControl.enabled': false,
      ...options.settings,
    },
  });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(STEP_MS);
  await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: `${workspace}-ext` }), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.part.statusbar').waitFor({ state: 'visible' });
  await press(page, COMMON_KEYS.hideSecondary);
  return { server, browser, page, workspace };
}

export async function closeUiSession(session: Partial<UiSession> | undefined): Promise<void> {
  await session?.browser?.close().catch(() => {});
  await session?.server?.stop();
  if (session?.workspace) rmSync(join(session.workspace, '..'), { recursive: true, force: true });
}

/**
 * Shows the Energy Tree in the side bar. Its focus command exists only once
 * the extension host has registered the extension's views, which can be after
 * the workbench looks ready, so the key is pressed until the side bar shows it.
 */
export async function focusEnergyTree(page: Page): Promise<ReturnType<Page['locator']>> {
  const sidebar = page.locator('.part.sidebar');
  const title = sidebar.locator('.composite.title', { hasText: /IrEne/ });
  for (const deadline = Date.now() + STEP_MS; ; ) {
    await press(page, COMMON_KEYS.focusTree);
    try {
      await title.waitFor({ state: 'visible', timeout: 1000 });
      return sidebar;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Energy Tree never showed in the side bar: ${String(err)}`);
    }
  }
}

/** Runs a test body; on failure keeps a screenshot of the workbench next to the others, to see what went wrong. */
export async function withFailureShot(page: () => Page | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const p = page();
    if (p) await p.screenshot({ path: join(shotsDir, `FAILED-${name}.png`) }).catch(() => {});
    throw err;
  }
}
