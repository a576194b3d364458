/**
 * The code checks of `npm run lint` (scripts/checkCode.ts) on small planted
 * repositories in a temp folder: a cycle fails, a long function without a
 * reason fails, and each exception works only where it is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCodeChecks } from '../../../scripts/checkCode.js';
import { findCycles, importGraph, importSpecifiers } from '../../../scripts/codeChecks/importCycles.js';
import { longFunctionsIn } from '../../../scripts/codeChecks/longFunctions.js';

/** A repository with these files (path -> text) and these allow-lists; returns its root. */
function plant(files: Record<string, string>, allow: { cycles?: string; long?: string } = {}): { root: string; allowDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'irene-checks-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const allowDir = join(root, 'allow');
  mkdirSync(allowDir);
  writeFileSync(join(allowDir, 'importCycles.allow'), allow.cycles ?? '# none\n');
  writeFileSync(join(allowDir, 'longFunctions.allow'), allow.long ?? '# none\n');
  return { root, allowDir };
}

const body = (n: number): string => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');

test('a planted cycle of three files fails the check, with its path', () => {
  const { root, allowDir } = plant({
    'src/engine/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'src/engine/b.ts': "import { c } from './sub/c.js';\nexport const b = () => c();\n",
    'src/engine/sub/c.ts': "import type { a } from '../a.js';\nexport const c = (): typeof a | undefined => undefined;\n",
    'src/cli/main.ts': "import { a } from '../engine/a.js';\nimport { readFileSync } from 'node:fs';\nexport { a, readFileSync };\n",
  });
  const { problems } = runCodeChecks(root, allowDir);
  assert.deepEqual(problems, ['import cycle: src/engine/a.ts -> src/engine/b.ts -> src/engine/sub/c.ts -> src/engine/a.ts']);
});

test('without the cycle the same files pass', () => {
  const { root, allowDir } = plant({
    'src/engine/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'src/engine/b.ts': "import { c } from './sub/c.js';\nexport const b = () => c();\n",
    'src/engine/sub/c.ts': 'export const c = () => 1;\n',
  });
  assert.deepEqual(runCodeChecks(root, allowDir).problems, []);
});

test('an allow-listed folder accepts its own cycle only, and a stale entry is reported', () => {
  const files = {
    'src/engine/py/x.ts': "export * from './y.js';\n",
    'src/engine/py/y.ts': "export { x } from './x';\n",
    'src/cli/p.ts': "import './q.js';\n",
    'src/cli/q.ts': "const m = import('./p.js');\nexport { m };\n",
  };
  const { root, allowDir } = plant(files, { cycles: '# removed by issue N\nsrc/engine/py/\nsrc/gone/\n' });
  const { problems, notes } = runCodeChecks(root, allowDir);
  assert.deepEqual(problems, ['import cycle: src/cli/p.ts -> src/cli/q.ts -> src/cli/p.ts']);
  assert.deepEqual(notes, ['importCycles.allow: src/gone/ matches no cycle any more; delete the entry']);
});

test('the #shared alias and index files resolve; packages and node: modules are not followed', () => {
  const { root } = plant({
    'src/shared/msg.ts': "import { e } from '../engine/index.js';\nexport const m = e;\n",
    'src/engine/index.ts': "import { m } from '#shared/msg.js';\nimport ts from 'typescript';\nexport const e = 1;\nexport { m, ts };\n",
  });
  const cycles = findCycles(importGraph(root, 'src', { '#shared/': 'src/shared/' }));
  assert.deepEqual(cycles.map((c) => c.files), [['src/engine/index.ts', 'src/shared/msg.ts']]);
  assert.deepEqual(importSpecifiers("import a from './a.js';\nexport type { B } from './b';\nimport c = require('./c');\nvoid import('./d.js');\n"), ['./a.js', './b', './c', './d.js']);
});

test('a function over 150 lines in src/engine fails unless a long-function comment says why', () => {
  const long = `export function big(): number {\n  let x = 0;\n${body(160)}\n  return x;\n}\n`;
  const { root, allowDir } = plant({
    'src/engine/big.ts': long,
    'src/engine/ok.ts': `// long-function: one case per operator, sharing the locals at the top\n${long}`,
    'src/engine/arrow.ts': `/** Doc. */\n// long-function: a table of cases\nexport const arrow = (): number => {\n  let x = 0;\n${body(160)}\n  return x;\n};\n`,
    'src/engine/short.ts': `export function small(): number {\n  let x = 0;\n${body(140)}\n  return x;\n}\n`,
    'src/cli/big.ts': long,
  });
  assert.deepEqual(runCodeChecks(root, allowDir).problems, [
    'src/engine/big.ts:1: big is 164 lines (over 150): split it, or say why above it in a `// long-function: <why>` comment',
  ]);
});

test('a reason covers only its own function, an empty reason is none, and the allow-list names file:function', () => {
  const inner = `function outer(): number {\n  let x = 0;\n${body(10)}\n  const inner = function (): number {\n    let x = 0;\n${body(160)}\n    return x;\n  };\n  return x + inner();\n}\n`;
  assert.deepEqual(longFunctionsIn('f.ts', `// long-function: outer only\n${inner}`).map((f) => f.name), ['inner']);
  assert.deepEqual(longFunctionsIn('f.ts', `// long-function:\nfunction f(): void {\n${body(160)}\n}\n`).map((f) => f.name), ['f']);
  const { root, allowDir } = plant({ 'src/engine/m.ts': `export class K {\n  method(): void {\n    let x = 0;\n${body(160)}\n  }\n}\n` }, { long: '# issue N\nsrc/engine/m.ts:method\n' });
  assert.deepEqual(runCodeChecks(root, allowDir).problems, []);
});
