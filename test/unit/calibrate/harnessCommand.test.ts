import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildHarnessArgs,
  parseShapeGrid,
  pythonCandidates,
  validateCalibrationRequest,
  type CalibrationRequest,
} from '../../../src/engine/calibrate/harnessCommand.js';
import { InvalidInputError } from '../../../src/engine/errors.js';

const base: CalibrationRequest = {
  models: ['bert-base-uncased', '/tmp/my model/config.json'],
  batchSizes: [1, 8],
  seqLens: [128, 256],
  dtype: 'bf16',
  energySource: 'nvml',
  treesOut: '/tmp/out.jsonl',
};

/** The value following a flag, or undefined. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

test('buildHarnessArgs passes every model and the grid as the harness flags', () => {
  const args = buildHarnessArgs('/h/irene_measure.py', { ...base, windowS: 1, repeats: 5, modelOnly: true });
  assert.equal(args[0], '/h/irene_measure.py');
  const models = args.flatMap((a, i) => (a === '--model' ? [args[i + 1]] : []));
  assert.deepEqual(models, ['bert-base-uncased', '/tmp/my model/config.json'], 'a path with a space stays one argument');
  assert.equal(flag(args, '--batch-sizes'), '1,8');
  assert.equal(flag(args, '--seq-lens'), '128,256');
  assert.equal(flag(args, '--dtype'), 'bf16');
  assert.equal(flag(args, '--energy-source'), 'nvml');
  assert.equal(flag(args, '--window-s'), '1');
  assert.equal(flag(args, '--repeats'), '5');
  assert.equal(flag(args, '--out'), '/tmp/out.jsonl');
  assert.ok(args.includes('--model-only'));
  assert.ok(!args.includes('--structure-only'));
});

test('a generation calibration passes the phase, its contexts and the attention to the harness', () => {
  const decode = buildHarnessArgs('/h.py', { ...base, phase: 'decode', contexts: [128, 2048], attention: 'sdpa' });
  assert.equal(flag(decode, '--phase'), 'decode');
  assert.equal(flag(decode, '--contexts'), '128,2048');
  assert.equal(flag(decode, '--attn'), 'sdpa');
  const forward = buildHarnessArgs('/h.py', { ...base, phase: 'forward' });
  assert.equal(flag(forward, '--phase'), undefined, 'a forward pass is the harness default');
  assert.throws(() => buildHarnessArgs('/h.py', { ...base, phase: 'decode' }), /contexts/);
  assert.throws(() => buildHarnessArgs('/h.py', { ...base, phase: 'decode', contexts: [1] }), /at least 2/);
  assert.throws(() => buildHarnessArgs('/h.py', { ...base, contexts: [128] }), /decode phase/);
  assert.equal(flag(buildHarnessArgs('/h.py', { ...base, phase: 'generate', contexts: [64] }), '--contexts'), '64');
});

test('structure-only runs ask for no energy source', () => {
  const args = buildHarnessArgs('/h.py', { ...base, structureOnly: true });
  assert.ok(args.includes('--structure-only'));
  assert.equal(flag(args, '--energy-source'), undefined);
});

test('validateCalibrationRequest rejects what the harness would reject, with the field named', () => {
  const bad: [Partial<CalibrationRequest>, RegExp][] = [
    [{ models: [] }, /at least one model/],
    [{ batchSizes: [0] }, /batch sizes/],
    [{ seqLens: [2.5] }, /sequence lengths/],
    [{ dtype: 'int8' }, /dtype "int8"/],
    [{ energySource: 'watts' as never }, /energy source "watts"/],
    [{ energySource: 'meter-csv' }, /meter log/],
    [{ windowS: 0 }, /window/],
    [{ repeats: 0 }, /repeats/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => validateCalibrationRequest({ ...base, ...patch }), (e: unknown) => e instanceof InvalidInputError && re.test(e.message));
  }
  assert.doesNotThrow(() => validateCalibrationRequest({ ...base, energySource: 'meter-csv', meterCsv: '/tmp/m.csv' }));
});

test('pythonCandidates puts the user choice first, tries /usr/bin/python3 on Linux, and has no duplicates', () => {
  const c = pythonCandidates({ userPython: '/opt/py/bin/python', platform: 'linux', env: { IRENE_PYTHON: 'python3' } });
  assert.equal(c[0], '/opt/py/bin/python');
  assert.ok(c.includes('/usr/bin/python3'), 'Debian python3-torch installs for /usr/bin/python3');
  assert.equal(new Set(c).size, c.length);
  assert.ok(c.indexOf('python3') < c.indexOf('/usr/bin/python3'));
  const venv = pythonCandidates({ platform: 'linux', env: { VIRTUAL_ENV: '/v' } });
  assert.equal(venv[0], '/v/bin/python');
  const win = pythonCandidates({ platform: 'win32', env: {} });
  assert.ok(win.includes('py') && !win.includes('/usr/bin/python3'));
});

test('parseShapeGrid reads "batch sizes x sequence lengths" and rejects anything else', () => {
  assert.deepEqual(parseShapeGrid('1,8 x 128,256'), { batchSizes: [1, 8], seqLens: [128, 256] });
  assert.deepEqual(parseShapeGrid(' 4 × 512 '), { batchSizes: [4], seqLens: [512] });
  for (const bad of ['1,8', '1,8 x', '0 x 128', '1.5 x 128', 'a x b', '1 x 2 x 3']) assert.equal(parseShapeGrid(bad), undefined, bad);
});
