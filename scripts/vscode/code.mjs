#!/usr/bin/env node
// Stands in for the `code` executable that @vscode/test-electron launches
// (runTests({ vscodeExecutablePath })) on machines where no desktop VS Code can
// be downloaded: it maps test-electron's command line onto code-server +
// headless Chromium (scripts/vscode/workbench.mjs) and exits with the tests'
// exit code. Flags that only make sense for Electron are accepted and ignored.
import { runExtensionTests } from './workbench.mjs';

const opts = { folder: undefined, extensionDevelopmentPath: undefined, extensionTestsPath: undefined, userDataDir: undefined, extensionsDir: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) { opts.folder ??= a; continue; }
  const [, name, inline] = m;
  const value = () => inline ?? argv[++i];
  switch (name) {
    case 'extensionDevelopmentPath': opts.extensionDevelopmentPath = value(); break;
    case 'extensionTestsPath': opts.extensionTestsPath = value(); break;
    case 'user-data-dir': opts.userDataDir = value(); break;
    case 'extensions-dir': opts.extensionsDir = value(); break;
    case 'folder-uri': opts.folder = new URL(value()).pathname; break;
    default: break; // --no-sandbox, --disable-gpu-sandbox, --skip-welcome ...: Electron-only
  }
}
if (!opts.extensionDevelopmentPath || !opts.extensionTestsPath) {
  console.error('usage: code [folder] --extensionDevelopmentPath=DIR --extensionTestsPath=FILE');
  process.exit(2);
}
const code = await runExtensionTests(opts);
process.exit(code);
