/**
 * Calibration output (issue 15): a "Python" that prints hundreds of
 * megabytes used to be buffered whole and end in an uncaught RangeError. The
 * runner keeps only stdout's tail (where the harness's answer is) and cuts
 * endless stderr lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeProcessRunner } from '../../../src/engine/calibrate/index.js';

test('a program flooding stdout and stderr keeps bounded memory and its last line', async () => {
  const runner = createNodeProcessRunner({ maxStdoutChars: 1024 * 1024 });
  const script = [
    "const mb = 'x'.repeat(1 << 20);",
    'for (let i = 0; i < 48; i++) process.stdout.write(mb);',
    "process.stdout.write('\\n{\"answer\": 42}\\n');",
    "for (let i = 0; i < 8; i++) process.stderr.write(mb);",
    "process.stderr.write('\\nlast line\\n');",
  ].join('\n');
  const lines: string[] = [];
  const r = await runner.run(process.execPath, ['-e', script], { onStderrLine: (l) => lines.push(l) });
  assert.equal(r.exitCode, 0);
  assert.ok(r.stdout.length <= 2 * 1024 * 1024, `kept ${r.stdout.length} characters of stdout`);
  assert.match(r.stdout, /\{"answer": 42\}\n$/);
  assert.ok(lines.every((l) => l.length <= 64 * 1024 + 1), 'stderr lines are cut');
  assert.equal(lines.at(-1), 'last line');
});
