// Runs the integration suites in a real VS Code extension host.
//
// Which VS Code: $IRENE_VSCODE = `code-server` (default when
// scripts/vscode/setup.sh has installed it: VS Code's server build opened in
// headless Chromium, works offline), `desktop` (@vscode/test-electron
// downloads desktop VS Code; needs internet and a display or xvfb), or a path
// to any `code` executable. The workspace is a temporary copy of
// test/fixtures/workspace, so settings the tests write never touch the repo.
import { runTests } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { stageExtension } from '../../scripts/vscode/workbench.mjs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const shim = join(repoRoot, 'scripts', 'vscode', 'code.mjs');
const codeServerEntry = join(process.env.IRENE_TOOLS_DIR ?? join(repoRoot, '.tools'), 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function vscodeExecutable(): string | undefined {
  const choice = process.env.IRENE_VSCODE ?? (existsSync(codeServerEntry) ? 'code-server' : 'desktop');
  if (choice === 'desktop') return undefined; // test-electron downloads it
  if (choice === 'code-server') {
    if (!existsSync(codeServerEntry)) throw new Error('IRENE_VSCODE=code-server but code-server is not installed: run sh scripts/vscode/setup.sh');
    return shim;
  }
  return choice;
}

async function main(): Promise<number> {
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    console.error('dist/extension.js is missing: run npm run build first');
    return 1;
  }
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'vscode', 'buildTests.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) return 1;

  const workspace = mkdtempSync(join(tmpdir(), 'irene-ws-'));
  cpSync(join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  // The Python model fixtures live once, in test/fixtures/python (the engine's tests use them too).
  for (const name of ['bert_like.py', 'gpt2_like.py', 'llama_like.py']) {
    cpSync(join(repoRoot, 'test', 'fixtures', 'python', name), join(workspace, 'python', name));
  }
  for (const name of ['modeling_bert.py', 'config.json']) {
    cpSync(join(repoRoot, 'test', 'fixtures', 'python', 'hf_bert', name), join(workspace, 'python', 'hf_bert', name));
  }
  const extension = stageExtension(`${workspace}-ext`);
  const cleanUp = (): void => {
    for (const dir of [workspace, `${workspace}-user`, extension]) rmSync(dir, { recursive: true, force: true });
  };
  // Also on Ctrl+C (the VS Code side exits the process from its signal handler).
  process.on('exit', cleanUp);
  const started = Date.now();
  try {
    const vscodeExecutablePath = vscodeExecutable();
    console.log(`integration: VS Code = ${vscodeExecutablePath ?? 'downloaded desktop build'}, workspace = ${workspace}`);
    await runTests({
      ...(vscodeExecutablePath ? { vscodeExecutablePath } : {}),
      extensionDevelopmentPath: extension,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'integration', 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${workspace}-user`],
      extensionTestsEnv: { IRENE_REPO_ROOT: repoRoot, IRENE_FIXTURE_WORKSPACE: workspace, IRENE_USER_DATA_DIR: `${workspace}-user` },
    });
    console.log(`integration: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    console.error(`integration: failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    cleanUp();
  }
}

process.exit(await main());
