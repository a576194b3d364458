// Entry the extension host calls (extensionTestsPath): runs every bundled
// *.test.js beside this file with mocha's tdd interface and rejects when any
// test fails, which makes VS Code exit non-zero.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    // Predictions run in a worker the first time; generous, but bounded, so a
    // hang fails with a message rather than never ending.
    timeout: Number(process.env.IRENE_TEST_TIMEOUT_MS ?? 30_000),
    reporter: 'spec',
  });
  const grep = process.env.IRENE_TEST_GREP;
  if (grep) mocha.grep(grep);
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  if (files.length === 0) throw new Error(`no *.test.js in ${__dirname}: did scripts/vscode/buildTests.mjs run?`);
  for (const f of files) mocha.addFile(join(__dirname, f));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
