/**
 * The calibration's orchestration with a scripted process runner (no Python
 * needed): interpreter fallback, progress, harness errors, abort, and
 * training on the trees a real H100 run of the harness wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCalibration, type CalibrationDeps } from '../../../src/engine/calibrate/runCalibration.js';
import { CalibrationError, type CalibrationRequest } from '../../../src/engine/calibrate/harnessCommand.js';
import type { ProcessRunner } from '../../../src/engine/calibrate/processRunner.js';
import { AbortedError } from '../../../src/engine/errors.js';
import { trainProfile, type TrainProfileOptions } from '../../../src/engine/predict/train.js';
import type { ModelTree } from '../../../src/engine/tree/modelNode.js';

const fixtures = join(__dirname, 'fixtures');
const treesGz = readFileSync(join(fixtures, 'h100-harness-bf16.jsonl.gz'));
const summaryText = readFileSync(join(fixtures, 'h100-harness-summary.json'), 'utf8');

const request: CalibrationRequest = {
  models: ['bert-base-uncased', 'gpt2'],
  batchSizes: [1, 8],
  seqLens: [128, 256],
  dtype: 'bf16',
  energySource: 'nvml',
  treesOut: '/virtual/trees.jsonl',
};

function report(torch: string | null): string {
  return JSON.stringify({
    python: '/x/python',
    python_version: '3.12.3',
    torch,
    torch_error: torch ? null : 'No module named torch',
    function_mode: torch !== null,
    cuda: true,
    devices: ['NVIDIA H100 80GB HBM3'],
    energy_sources: { nvml: { available: true, detail: 'NVML' }, fake: { available: true, detail: 'fake' } },
  });
}

interface Script {
  /** Interpreters that have PyTorch. */
  withTorch: string[];
  /** Lines the harness writes to stderr, then its exit code and stdout. */
  harnessStderr: string[];
  harnessExit: number;
  harnessStdout: string;
  calls: { command: string; args: readonly string[] }[];
}

function scriptedRunner(s: Script): ProcessRunner {
  return {
    run(command, args, opts) {
      s.calls.push({ command, args });
      if (opts.signal?.aborted) return Promise.reject(new AbortedError());
      if (args.includes('--check')) {
        if (command === 'missing') return Promise.reject(new CalibrationError(`cannot run ${command}: not found`));
        return Promise.resolve({ exitCode: 0, signal: null, stdout: report(s.withTorch.includes(command) ? '2.11.0' : null) });
      }
      for (const l of s.harnessStderr) opts.onStderrLine?.(l);
      return Promise.resolve({ exitCode: s.harnessExit, signal: null, stdout: s.harnessStdout });
    },
  };
}

function deps(s: Script): CalibrationDeps {
  return { runner: scriptedRunner(s), readFile: () => Promise.resolve(treesGz), harnessPath: '/h/irene_measure.py', train: trainProfile };
}

function okScript(): Script {
  return {
    withTorch: ['/usr/bin/python3'],
    harnessStderr: ['{"progress": 0.0, "label": "starting"}', 'a library warning', '{"progress": 0.5, "label": "gpt2"}', '{"progress": 1.0, "label": "wrote"}'],
    harnessExit: 0,
    harnessStdout: summaryText,
    calls: [],
  };
}

test('runCalibration skips interpreters without PyTorch, reports progress in order and trains a profile from the harness trees', async () => {
  const s = okScript();
  const progress: number[] = [];
  const logs: string[] = [];
  const result = await runCalibration(request, deps(s), {
    pythonCandidates: ['missing', 'python3', '/usr/bin/python3'],
    profileName: 'my-h100',
    onProgress: (f) => progress.push(f),
    onLog: (l) => logs.push(l),
  });
  assert.equal(result.python, '/usr/bin/python3');
  const harnessCall = s.calls.find((c) => !c.args.includes('--check'))!;
  assert.equal(harnessCall.command, '/usr/bin/python3');
  assert.equal(harnessCall.args[harnessCall.args.indexOf('--out') + 1], '/virtual/trees.jsonl');
  assert.deepEqual(logs, ['a library warning']);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, `progress went back at ${i}: ${progress.join(',')}`);
  assert.equal(progress[progress.length - 1], 1);

  assert.equal(result.trees.length, 4);
  const p = result.profile!;
  assert.equal(p.name, 'my-h100');
  // The device NVML named, known by its datasheet; the idle power the harness measured (not fake data).
  assert.equal(p.hardware.name, 'NVIDIA H100 SXM5 80GB');
  assert.equal(p.hardware.peakFlopsPerS.bf16, 989e12);
  assert.equal(p.hardware.sources['idlePowerW']!.origin, 'measured');
  assert.ok(p.hardware.idlePowerW > 0 && p.hardware.idlePowerW < p.hardware.powerLimitW);
  assert.equal(p.dtype, 'bf16');
  assert.deepEqual([...p.trainingData.models].sort(), ['bert-base-uncased', 'gpt2']);
  assert.ok(Number.isFinite(p.crossValidation.modelPct), 'two models: leave-one-model-out cross-validation ran');

  // Noise: half the relative range of the model-level repeats, median per size class.
  const raw = JSON.parse(summaryText) as { results: { batch_size: number; seq_len: number; energies_j: number[] }[] };
  const halfRange = (e: number[]): number => (Math.max(...e) - Math.min(...e)) / [...e].sort((a, b) => a - b)[1]! / 2;
  const small = raw.results.filter((r) => r.batch_size * r.seq_len <= 1024).map((r) => halfRange(r.energies_j));
  const large = raw.results.filter((r) => r.batch_size * r.seq_len > 1024).map((r) => halfRange(r.energies_j));
  const mean2 = (x: number[]): number => (x[0]! + x[1]!) / 2; // the median of two values
  assert.ok(Math.abs(p.noise!.smallRelative - mean2(small)) < 1e-9);
  assert.ok(Math.abs(p.noise!.largeRelative - mean2(large)) < 1e-9);
});

test("an injected trainer (the extension's engine worker) trains instead of this thread, with the same options", async () => {
  const s = okScript();
  const seen: { trees: number; name: string; dtype: string }[] = [];
  const d = { ...deps(s), train: async (trees: ModelTree[], o: TrainProfileOptions) => {
    seen.push({ trees: trees.length, name: o.name, dtype: o.dtype });
    return trainProfile(trees, { ...o, skipCrossValidation: true });
  } };
  const result = await runCalibration(request, d, { pythonCandidates: ['/usr/bin/python3'], profileName: 'via-worker' });
  assert.deepEqual(seen, [{ trees: 4, name: 'via-worker', dtype: 'bf16' }]);
  assert.equal(result.profile?.name, 'via-worker');
});

test('a named interpreter is the only one tried, and its problem is reported', async () => {
  const s = okScript();
  await assert.rejects(
    runCalibration(request, deps(s), { pythonCandidates: ['python3', '/usr/bin/python3'], pythonIsUserChoice: true, profileName: 'x' }),
    (e: unknown) => e instanceof CalibrationError && /python3: .*No module named torch/.test(e.message) && !e.message.includes('/usr/bin/python3:'),
  );
  assert.equal(s.calls.length, 1);
});

test("the harness's own error message and code reach the user", async () => {
  const s = okScript();
  s.harnessStderr = ['{"progress": 0.0, "label": "starting"}', '{"error": "NVML is not available (no libnvidia-ml.so.1)", "code": "NO_ENERGY_SOURCE"}'];
  s.harnessExit = 3;
  s.harnessStdout = '';
  await assert.rejects(
    runCalibration(request, deps(s), { pythonCandidates: ['/usr/bin/python3'], profileName: 'x' }),
    (e: unknown) => e instanceof CalibrationError && e.harnessCode === 'NO_ENERGY_SOURCE' && /libnvidia-ml/.test(e.message),
  );
});

test('a harness that dies without a JSON error shows its last output', async () => {
  const s = okScript();
  s.harnessStderr = ['Traceback (most recent call last):', 'RuntimeError: CUDA out of memory'];
  s.harnessExit = 1;
  await assert.rejects(
    runCalibration(request, deps(s), { pythonCandidates: ['/usr/bin/python3'], profileName: 'x' }),
    (e: unknown) => e instanceof CalibrationError && /exit 1/.test(e.message) && /out of memory/.test(e.message),
  );
});

test('an aborted calibration rejects with AbortedError and runs no harness', async () => {
  const s = okScript();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runCalibration(request, deps(s), { pythonCandidates: ['/usr/bin/python3'], profileName: 'x', signal: ac.signal }), AbortedError);
  assert.ok(!s.calls.some((c) => !c.args.includes('--check')));
});
