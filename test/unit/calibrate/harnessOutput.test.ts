import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  availableEnergySources,
  checkProblem,
  parseCheckReport,
  parseHarnessLine,
  parseHarnessSummary,
} from '../../../src/engine/calibrate/harnessOutput.js';
import { CalibrationError } from '../../../src/engine/calibrate/harnessCommand.js';

test('parseHarnessLine tells progress, warnings, errors and plain output apart', () => {
  assert.deepEqual(parseHarnessLine('{"progress": 0.42, "label": "gpt2 1x128: root.h.0"}'), {
    kind: 'progress',
    fraction: 0.42,
    label: 'gpt2 1x128: root.h.0',
  });
  assert.deepEqual(parseHarnessLine('{"progress": 7}'), { kind: 'progress', fraction: 1, label: '' }, 'clamped to 0..1');
  assert.deepEqual(parseHarnessLine('{"error": "NVML is not available", "code": "NO_ENERGY_SOURCE"}\r'), {
    kind: 'error',
    message: 'NVML is not available',
    code: 'NO_ENERGY_SOURCE',
  });
  assert.deepEqual(parseHarnessLine('{"warning": "root.x: not measured"}'), { kind: 'warning', message: 'root.x: not measured' });
  assert.equal(parseHarnessLine('Traceback (most recent call last):').kind, 'log');
  assert.equal(parseHarnessLine('{"progress": 0.5').kind, 'log', 'a truncated line is not progress');
  assert.equal(parseHarnessLine('{"other": 1}').kind, 'log');
});

const checkWithoutTorch = JSON.stringify({
  python: '/root/.pyenv/versions/3.11.7/bin/python3',
  python_version: '3.11.7',
  torch: null,
  torch_error: 'PyTorch is not importable from /root/.pyenv/versions/3.11.7/bin/python3 (No module named torch)',
  cuda: false,
  devices: [],
  function_mode: false,
  energy_sources: { nvml: { available: false, detail: 'NVML is not available (no libnvidia-ml.so.1)' }, fake: { available: true, detail: 'synthetic' } },
});

test('parseCheckReport and checkProblem explain a Python without PyTorch', () => {
  const r = parseCheckReport(`some noise\n${checkWithoutTorch}\n`, 'python3');
  assert.equal(r.torch, undefined);
  assert.match(checkProblem(r, 'fake') ?? '', /not importable/);
});

test('checkProblem names a missing energy source but accepts fake and meter logs', () => {
  const r = parseCheckReport(
    JSON.stringify({
      python: '/usr/bin/python3',
      python_version: '3.11.2',
      torch: '1.13.0',
      function_mode: true,
      cuda: false,
      energy_sources: {
        nvml: { available: false, detail: 'NVML is not available (no libnvidia-ml.so.1)' },
        rapl: { available: true, detail: 'Linux RAPL' },
        'meter-csv': { available: true, detail: 'needs --meter-csv' },
        fake: { available: true, detail: 'synthetic' },
      },
    }),
    '/usr/bin/python3',
  );
  assert.match(checkProblem(r, 'nvml') ?? '', /libnvidia-ml/);
  assert.equal(checkProblem(r, 'rapl'), undefined);
  assert.equal(checkProblem(r, 'fake'), undefined);
  assert.equal(checkProblem(r, 'meter-csv'), undefined);
  assert.deepEqual(availableEnergySources(r), ['rapl', 'meter-csv', 'fake']);
});

test('parseCheckReport rejects output that is not a report', () => {
  assert.throws(() => parseCheckReport('SyntaxError: invalid syntax', 'python2'), CalibrationError);
});

test('parseHarnessSummary reads the summary of a real H100 run', () => {
  const text = readFileSync(join(__dirname, 'fixtures', 'h100-harness-summary.json'), 'utf8');
  const s = parseHarnessSummary(`\n${text}`);
  assert.equal(s.device, 'NVIDIA H100 80GB HBM3');
  assert.equal(s.energySource, 'nvml');
  assert.equal(s.fake, false);
  assert.equal(s.results.length, 4);
  const raw = JSON.parse(text) as { results: { energy_j: number; energies_j: number[] }[] };
  for (const [i, r] of s.results.entries()) {
    assert.equal(r.energyJ, raw.results[i]!.energy_j);
    // The median of the repeats is what the harness reports.
    const sorted = [...r.energiesJ!].sort((a, b) => a - b);
    assert.equal(r.energyJ, sorted[1]);
  }
  assert.throws(() => parseHarnessSummary('{"progress": 1}'), CalibrationError);
});
