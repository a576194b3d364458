import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostStalls, type CpuProfile } from '../../../bench/hostStalls.js';

const OURS = '/ext/dist/extension.js';
const isOurs = (url: string) => url.endsWith(OURS);

/**
 * A profile of a thread: (root) -> (idle); (root) -> host dispatch -> provideCodeLenses (ours) -> anchors (ours);
 * (root) -> other extension.
 */
function profile(samples: number[], deltaUs: number): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 3, 6] },
      { id: 2, callFrame: { functionName: '(idle)', url: '' } },
      { id: 3, callFrame: { functionName: 'dispatch', url: 'file:///vscode/extensionHostProcess.js' }, children: [4] },
      { id: 4, callFrame: { functionName: 'provideCodeLenses', url: `file://${OURS}` }, children: [5] },
      { id: 5, callFrame: { functionName: 'anchors', url: `file://${OURS}` } },
      { id: 6, callFrame: { functionName: 'jsonServer', url: 'file:///other/extension.js' } },
    ],
    startTime: 0,
    endTime: samples.length * deltaUs,
    samples,
    timeDeltas: samples.map(() => deltaUs),
  };
}

test('a run of samples inside our code is one stretch, named by where it entered our code', () => {
  // idle, ours x3, idle, ours x1, other x10, idle
  const s = hostStalls(profile([2, 4, 5, 5, 2, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2], 1000), isOurs);
  assert.equal(s.longest[0]!.ms, 3);
  assert.equal(s.longest[0]!.atMs, 2);
  assert.equal(s.longest[0]!.entry, 'provideCodeLenses');
  assert.deepEqual(s.longest[0]!.hot, [
    { fn: 'anchors', ms: 2 },
    { fn: 'provideCodeLenses', ms: 1 },
  ]);
  assert.equal(s.longest[1]!.ms, 1);
  assert.equal(s.totalMs, 4);
  assert.equal(s.profileMs, 17);
});

test("another extension's long task does not count against ours", () => {
  const s = hostStalls(profile([6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4, 2], 5000), isOurs);
  assert.equal(s.longest.length, 1);
  assert.equal(s.longest[0]!.ms, 5);
});

test('an empty profile has no stretches', () => {
  const s = hostStalls(profile([], 1000), isOurs);
  assert.deepEqual(s.longest, []);
  assert.equal(s.totalMs, 0);
});
