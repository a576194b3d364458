import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCalibration, locateHarness, treesPathFor } from '../../../src/cli/commands/calibrate.js';
import { CalibrationError, type CalibrationResult } from '../../../src/engine/calibrate/index.js';

test('the measured trees go beside the profile', () => {
  assert.equal(treesPathFor('/p/my-gpu.json'), '/p/my-gpu.trees.jsonl');
  assert.equal(treesPathFor('/p/my-gpu'), '/p/my-gpu.trees.jsonl');
});

test('locateHarness finds dist/harness next to the bundled CLI and says so when it is missing', () => {
  const dist = mkdtempSync(join(tmpdir(), 'irene-dist-'));
  mkdirSync(join(dist, 'harness'));
  writeFileSync(join(dist, 'harness', 'irene_measure.py'), '');
  assert.equal(locateHarness(dist), join(dist, 'harness', 'irene_measure.py'));
  const empty = mkdtempSync(join(tmpdir(), 'irene-empty-'));
  assert.throws(() => locateHarness(join(empty, 'a', 'b', 'c')), (e: unknown) => e instanceof CalibrationError && /reinstall/.test(e.message));
});

test('formatCalibration prints each energy with its spread and says when cross-validation is missing', () => {
  const result = {
    python: '/usr/bin/python3',
    check: { pythonVersion: '3.11.2', torch: '2.4.0' },
    summary: {
      device: 'Some GPU',
      energySource: 'nvml',
      energySourceDetail: 'NVML',
      fake: false,
      idlePowerW: 61.25,
      results: [{ modelName: 'gpt2', batchSize: 8, seqLen: 256, energyJ: 1.96684, spread: 0.011, timeS: 0.0067, nodes: 227 }],
    },
    trees: [],
    profile: { crossValidation: { mlPct: NaN, modulePct: NaN, modelPct: NaN } },
    warnings: ['w1'],
  } as unknown as CalibrationResult;
  const lines = formatCalibration(result, '/p/x.json', '/p/x.trees.jsonl');
  assert.ok(lines.some((l) => l.includes('gpt2 8x256: 1.967 J') && l.includes('1.1 %') && l.includes('6.70 ms')), lines.join('\n'));
  assert.ok(lines.some((l) => /idle power 61\.3 W/.test(l)));
  assert.ok(lines.some((l) => /cross-validation: not available/.test(l)));
  assert.ok(lines.includes('warning: w1'));
});
