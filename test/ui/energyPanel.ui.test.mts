// Drives the Energy panel (a webview) in the real workbench (code-server in
// headless Chromium) the way a user would: open bert-base's config.json, run
// "IrEne: Open Energy Panel" from the command palette, read the numbers from
// the panel's DOM and hold them against the CLI's JSON for the same model and
// settings, change the sequence length and see the prediction follow, and keep
// screenshots in a light and a dark theme.
//
// Screenshots go to test/ui/screenshots-tmp/ (ignored); with
// IRENE_UPDATE_SCREENSHOTS=1 they replace media/screenshots/energy-panel-*.png
// (the README's).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { codeServerAvailable, repoRoot } from '../../scripts/vscode/workbench.mjs';
import { closeUiSession, COMMON_KEYS, focusEnergyTree, openUiSession, press, shotsDir, STEP_MS, THEMES, withFailureShot, type UiSession } from './uiSession.mjs';

const cli = join(repoRoot, 'dist', 'cli.js');

// Layout commands are run by id through keybindings: titles are for people and
// change. The panel itself is opened through the command palette by its
// title, because that is what the issue asks a user to be able to do.
const KEYS = {
  ...COMMON_KEYS,
  closeSideBar: 'ctrl+alt+shift+f5',
  closeOtherGroups: 'ctrl+alt+shift+f6',
};
const keybindings = [
  { key: KEYS.closeSideBar, command: 'workbench.action.closeSidebar' },
  { key: KEYS.closeOtherGroups, command: 'workbench.action.closeEditorsInOtherGroups' },
];

/**
 * The prediction inputs a fresh user gets: the defaults the manifest declares
 * for the irene.* settings (the fixture workspace sets none), read from
 * package.json rather than from the extension's code.
 */
function workspaceSettings(workspace: string): { batchSize: number; seqLen: number; dtype: string } {
  assert.ok(!existsSync(join(workspace, '.vscode', 'settings.json')), 'the fixture workspace now has settings: read them here');
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
  };
  const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
  const props = Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, { default?: unknown }>;
  const batchSize = props['irene.batchSize']?.default;
  const seqLen = props['irene.seqLen']?.default;
  const dtype = props['irene.dtype']?.default;
  assert.ok(typeof batchSize === 'number' && typeof seqLen === 'number' && typeof dtype === 'string', 'irene.batchSize/seqLen/dtype defaults in package.json');
  return { batchSize, seqLen, dtype };
}

/** A node of the CLI's `--format json` tree (energies in joules). */
interface CliNode {
  scope: string;
  instanceType: string;
  energyJ: number;
  children: CliNode[];
}
interface CliPrediction {
  model: string;
  profile: string;
  batchSize: number;
  seqLen: number;
  dtype: string;
  energyJ: number;
  uncertaintyJ: number;
  tree: CliNode;
}

/** `irene predict <file> --format json` with these inputs and the default profile. */
function cliPredict(file: string, p: { batchSize: number; seqLen: number; dtype: string }): CliPrediction {
  const res = spawnSync(process.execPath, [cli, 'predict', file, '--format', 'json', '--batch-size', String(p.batchSize), '--seq-len', String(p.seqLen), '--dtype', p.dtype], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, `irene predict failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as CliPrediction;
}

function* nodesOf(n: CliNode): Generator<CliNode> {
  yield n;
  for (const c of n.children) yield* nodesOf(c);
}

/** Same number up to float noise: the panel and the CLI run the same engine, so anything more is a bug. */
function assertSameJ(actual: number, expected: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not a number`);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-12), `${what}: panel ${actual} J, CLI ${expected} J`);
}

async function poll<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = STEP_MS): Promise<T> {
  let last: T | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    last = await read();
    if (done(last)) return last;
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** What the page functions below use of a DOM element (no DOM types in this project). */
interface ElementLike {
  getAttribute(name: string): string | null;
  children: ArrayLike<{ textContent: string | null }>;
}
interface Row {
  scope: string;
  energyJ: number;
  cells: string[];
}
/**
 * Runs "IrEne: Open Energy Panel" from the command palette and waits for the panel's tab, titled
 * by `title`. The filter is set on the input itself (keystrokes can land before the palette has
 * focus on a loaded machine), and the row is clicked once the filtered list shows it.
 *
 * On a cold CI machine the first run of the command once left no panel within 30 s, and the
 * screenshot of that run was lost with the machine. So a run that shows no tab within 15 s is
 * logged with what the workbench shows (tabs, the palette, notifications) and a screenshot, and
 * the command is run again, up to three times: a panel that never opens still fails the test.
 */
async function openPanelFromPalette(page: Page, title: RegExp): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const tab = page.locator('.tabs-container .tab', { hasText: title });
  for (let attempt = 1; ; attempt++) {
    if (!(await input.isVisible())) await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill('>IrEne: Open Energy Panel');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'IrEne: Open Energy Panel' }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    try {
      await tab.first().waitFor({ state: 'visible', timeout: 15_000 });
      return;
    } catch (err) {
      const tabs = await page.locator('.tabs-container .tab').allInnerTexts();
      const notifications = await page.locator('.notifications-toasts .notification-list-item').allInnerTexts();
      console.error(
        `openPanelFromPalette attempt ${attempt}: no tab matching ${String(title)} after 15 s; tabs: ${JSON.stringify(tabs)}; palette open: ${await input.isVisible()}; notifications: ${JSON.stringify(notifications)}`,
      );
      await page.screenshot({ path: join(shotsDir, `RETRY-open-panel-${attempt}.png`) }).catch(() => {});
      if (attempt === 3) throw err;
      if (await input.isVisible()) await page.keyboard.press('Escape');
    }
  }
}

async function rowsOf(panel: FrameLocator, gridTestId: string): Promise<Row[]> {
  return panel.locator(`[data-testid="${gridTestId}"] [data-testid="bottleneck-row"]`).evaluateAll((els: ElementLike[]) =>
    els.map((e) => ({ scope: e.getAttribute('data-scope') ?? '', energyJ: Number(e.getAttribute('data-energy-j')), cells: Array.from(e.children, (c) => (c.textContent ?? '').trim()) })));
}

/**
 * A bottleneck row is a role: every instance of its first scope's path with
 * any layer index, of the same type. Its energy is theirs added up; the
 * instances are found here in the CLI's tree, not taken from the panel.
 */
function assertRowsMatchCli(rows: Row[], cliTree: CliNode, what: string): void {
  assert.ok(rows.length > 0, `${what}: no rows`);
  const nodes = [...nodesOf(cliTree)];
  const byScope = new Map(nodes.map((n) => [n.scope, n]));
  for (const r of rows) {
    const first = byScope.get(r.scope);
    assert.ok(first, `${what}: row scope ${r.scope} is not in the CLI tree`);
    const pattern = new RegExp(`^${r.scope.split('.').map((s) => (/^\d+$/.test(s) ? '\\d+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('\\.')}$`);
    const instances = nodes.filter((n) => pattern.test(n.scope) && n.instanceType === first.instanceType);
    assertSameJ(r.energyJ, instances.reduce((s, n) => s + n.energyJ, 0), `${what} ${r.scope} (${instances.length} instances)`);
    assert.ok(r.cells.includes(String(instances.length)), `${what} ${r.scope}: ${instances.length} instances, cells ${r.cells.join(' | ')}`);
  }
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.energyJ >= rows[i]!.energyJ, `${what}: rows not sorted by energy`);
}

/** Every cell of the icicle carries its node's energy: each must be the CLI's node of that scope. */
async function assertIcicleMatchesCli(panel: FrameLocator, cliTree: CliNode): Promise<number> {
  const cells = await panel.locator('[data-testid="icicle-cell"]').evaluateAll((els: ElementLike[]) =>
    els.map((e) => ({ scope: e.getAttribute('data-scope') ?? '', energyJ: Number(e.getAttribute('data-energy-j')) })));
  assert.ok(cells.length > 10, `only ${cells.length} icicle cells`);
  const byScope = new Map([...nodesOf(cliTree)].map((n) => [n.scope, n]));
  for (const c of cells) {
    const node = byScope.get(c.scope);
    assert.ok(node, `icicle cell ${c.scope} is not in the CLI tree`);
    assertSameJ(c.energyJ, node.energyJ, `icicle cell ${c.scope}`);
  }
  return cells.length;
}

for (const theme of THEMES) {
  describe(`Energy panel (${theme.name} theme)`, { skip: codeServerAvailable() ? false : 'code-server not installed: sh scripts/vscode/setup.sh' }, () => {
    let session: UiSession | undefined;
    let page: Page;
    let workspace: string;

    before(async () => {
      session = await openUiSession({ prefix: 'irene-ui-panel-', colorTheme: theme.colorTheme, keybindings });
      ({ page, workspace } = session);
    });

    after(() => closeUiSession(session));

    test('opened from the command palette on config.json, it agrees with the CLI and follows the sequence length', () => withFailureShot(() => page, `energy-panel-${theme.name}`, async () => {
      const configFile = join(workspace, 'bert-base-uncased', 'config.json');
      const settings = workspaceSettings(workspace);

      // Open bert's config.json (its Energy Tree root opens it).
      const tree = await focusEnergyTree(page);
      await tree.locator('.monaco-list-row[aria-level="1"]', { hasText: 'bert-base-uncased/config.json' }).first().locator('.label-name').click();
      await page.locator('.tabs-container .tab.active', { hasText: 'config.json' }).waitFor({ state: 'visible' });

      // IrEne: Open Energy Panel, from the command palette.
      await openPanelFromPalette(page, /Energy: bert-base-uncased/);

      // Room for the panel: it alone in the editor area, no side bar.
      await press(page, KEYS.closeOtherGroups);
      await press(page, KEYS.closeSideBar);
      await page.locator('.part.sidebar').waitFor({ state: 'hidden' });

      const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const total = panel.getByTestId('total-energy');
      await total.waitFor({ state: 'visible' });
      const totalJ = async (): Promise<number> => Number((await total.getAttribute('data-value-j')) ?? NaN);

      // The controls start at the user's settings.
      const seqInput = panel.getByTestId('seq-len').locator('input');
      const batchInput = panel.getByTestId('batch-size').locator('input');
      await poll('the inputs to show the settings', async () => [await batchInput.inputValue(), await seqInput.inputValue()], ([b, s]) => b === String(settings.batchSize) && s === String(settings.seqLen));

      // The total, its uncertainty and the breakdown are the CLI's for the same inputs.
      const expected = cliPredict(configFile, settings);
      const first = await poll('the total energy', totalJ, (j) => Number.isFinite(j) && j > 0);
      assertSameJ(first, expected.energyJ, `total at seq ${settings.seqLen}`);
      assertSameJ(Number(await panel.getByTestId('total-uncertainty').getAttribute('data-value-j')), expected.uncertaintyJ, 'uncertainty');
      assert.equal(await panel.getByTestId('profile').evaluate((e: { value: string }) => e.value), expected.profile, 'the profile the panel predicts with');
      assert.equal(await panel.getByTestId('dtype').evaluate((e: { value: string }) => e.value), expected.dtype);
      // The breadcrumb's root is the model, named as the CLI names it.
      assert.equal((await panel.getByTestId('breadcrumb').locator('button.crumb').first().innerText()).trim(), expected.model, 'model name');
      // The text a person reads is the same number (formatted in J or mJ).
      const shown = (await total.innerText()).trim();
      const m = /^(\d+(?:\.\d+)?)\s*(mJ|J)$/.exec(shown);
      assert.ok(m, `total shows "${shown}"`);
      const shownJ = Number(m[1]) * (m[2] === 'mJ' ? 1e-3 : 1);
      assert.ok(Math.abs(shownJ - expected.energyJ) / expected.energyJ < 0.01, `total shows ${shown}, CLI ${expected.energyJ} J`);

      assertRowsMatchCli(await rowsOf(panel, 'bottleneck-modules'), expected.tree, 'top modules');
      assertRowsMatchCli(await rowsOf(panel, 'bottleneck-primitives'), expected.tree, 'top primitives');
      await assertIcicleMatchesCli(panel, expected.tree);
      const kinds = await panel.locator('[data-testid="energy-by-kind"] [data-testid="kind-row"]').count();
      assert.ok(kinds > 0, 'no energy-by-kind rows');

      // The README's screenshot: the panel as it opens, no hover card.
      await page.mouse.move(1430, 890);
      await page.screenshot({ path: join(shotsDir, `energy-panel-${theme.name}.png`) });

      // Twice the tokens: the total grows and is again the CLI's.
      const longer = { ...settings, seqLen: settings.seqLen * 2 };
      await seqInput.fill(String(longer.seqLen));
      const grown = await poll('the total to change after the sequence length did', totalJ, (j) => j !== first);
      const expectedLonger = cliPredict(configFile, longer);
      assert.ok(grown > first, `seq ${longer.seqLen}: ${grown} J is not more than ${first} J at seq ${settings.seqLen}`);
      assertSameJ(grown, expectedLonger.energyJ, `total at seq ${longer.seqLen}`);
      assertRowsMatchCli(await rowsOf(panel, 'bottleneck-modules'), expectedLonger.tree, `top modules at seq ${longer.seqLen}`);
      await assertIcicleMatchesCli(panel, expectedLonger.tree);

      // What-if: the sequence-length sweep is drawn around the new input, and
      // its point at that input is the panel's total.
      await panel.getByTestId('tab-whatif').click();
      const point = panel.locator(`[data-testid="sweep-seqLen"] circle.point[data-x="${longer.seqLen}"]`);
      await point.first().waitFor({ state: 'attached' });
      assertSameJ(Number(await point.first().getAttribute('data-energy-j')), expectedLonger.energyJ, `seq-length sweep at ${longer.seqLen}`);
      await panel.getByTestId('sweep-batchSize').waitFor({ state: 'attached' });
    }));

    test('the Generation tab of a causal LM agrees with irene generate --format json', () => withFailureShot(() => page, `energy-panel-generation-${theme.name}`, async () => {
      const configFile = join(workspace, 'hf-cache', 'hub', 'models--irene-tests--tiny-qwen3', 'snapshots', '3c6e5bd3c2c1e2f0a9d8b7c6d5e4f3a2b1c0d9e8', 'config.json');
      // Open the cached tiny Qwen3 from the Energy Tree, then the panel for it.
      const tree = await focusEnergyTree(page);
      await tree.locator('.monaco-list-row[aria-level="1"]', { hasText: 'irene-tests/tiny-qwen3' }).first().locator('.label-name').click();
      await page.locator('.tabs-container .tab.active', { hasText: 'config.json' }).waitFor({ state: 'visible' });
      await openPanelFromPalette(page, /Energy: 3c6e5bd3/);
      const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await panel.getByTestId('tab-generation').click();
      const prefill = panel.locator('[data-testid="phase-split"] rect.prefill');
      await prefill.waitFor({ state: 'attached', timeout: STEP_MS });
      const batchSize = Number(await panel.getByTestId('batch-size').locator('input').inputValue());
      const dtype = await panel.getByTestId('dtype').evaluate((e: { value: string }) => e.value);
      const profile = await panel.getByTestId('profile').evaluate((e: { value: string }) => e.value);
      const res = spawnSync(process.execPath, [cli, 'generate', configFile, '--format', 'json', '--batch-size', String(batchSize), '--dtype', dtype, '--profile', profile, '--prompt-len', '512', '--output-len', '256'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 2 ** 20 });
      assert.equal(res.status, 0, `irene generate failed: ${res.stderr}`);
      const g = JSON.parse(res.stdout) as { prefillJ: number; decodeJ: number; energyPerRequestJ: number; maxBatch?: number };
      assertSameJ(Number(await prefill.getAttribute('data-energy-j')), g.prefillJ, 'prefill');
      assertSameJ(Number(await panel.locator('[data-testid="phase-split"] rect.decode').getAttribute('data-energy-j')), g.decodeJ, 'decode');
      const cell = panel.locator('[data-testid="gen-grid"] td[data-energy-j]');
      await cell.first().waitFor({ state: 'attached' });
      const cells = await cell.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-energy-j'))));
      assert.ok(cells.some((j) => Math.abs(j - g.energyPerRequestJ) <= 1e-9 * g.energyPerRequestJ), `the grid has no cell of ${g.energyPerRequestJ} J per request: ${cells.join(', ')}`);
      await panel.getByTestId('per-token-by-context').waitFor({ state: 'attached' });
      await panel.getByTestId('per-token-by-batch').waitFor({ state: 'attached' });
    }));
  });
}
