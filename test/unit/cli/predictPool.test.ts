/**
 * The worker lanes of `irene check` (src/cli/predictPool.ts) with the real
 * engine worker bundle (dist/worker.js, built by `npm test` first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBundledProfile, importModel, predictTree, registerBuiltinImporters, type Prediction } from '../../../src/engine/index.js';
import { runPredictJobs, type PredictJob } from '../../../src/cli/predictPool.js';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER = join(ROOT, 'dist', 'worker.js');
registerBuiltinImporters();

test('worker lanes predict what this thread predicts, and carry engine errors back with their code', async () => {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run npm run build first`);
  const bytes = readFileSync(join(ROOT, 'examples', 'bert-base-uncased', 'config.json'));
  const jobs: PredictJob[] = [8, 16, 32, 64, 128].map((seqLen) => ({
    input: { fileName: 'config.json', bytes },
    options: { batchSize: 1, seqLen, dtype: 'bf16' },
    profile: { kind: 'bundled', name: 'h100-bf16' },
  }));
  jobs.push({ input: { fileName: 'config.json', bytes: new TextEncoder().encode('{"model_type": "bert", "hidden_size": "wide"}') }, options: { batchSize: 1, seqLen: 8, dtype: 'bf16' }, profile: { kind: 'bundled', name: 'h100-bf16' } });
  const profile = getBundledProfile('h100-bf16');
  const here = (j: PredictJob): Prediction => predictTree(importModel(j.input, j.options), profile);
  // This thread refuses every job it takes, slowly (as a prediction takes time): whatever succeeds was predicted by a worker.
  const results = await runPredictJobs<Prediction>(jobs, 3, () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    throw new Error('taken by this thread');
  }, WORKER);
  const byWorkers = results.map((r, i) => ({ r, i })).filter(({ r }) => !(r instanceof Error && r.message === 'taken by this thread'));
  assert.ok(byWorkers.length >= 2, `the workers predicted ${byWorkers.length} of ${jobs.length} jobs`);
  for (const { r, i } of byWorkers) {
    if (i === jobs.length - 1) {
      assert.ok(r instanceof Error && (r as Error & { code?: string }).code !== undefined, `the broken config: ${String(r)}`);
      assert.match((r as Error).message, /hidden_size/);
      continue;
    }
    assert.ok(!(r instanceof Error), String(r));
    assert.equal((r as Prediction).energyJ, here(jobs[i]!).energyJ);
  }
  // One lane: everything here, no worker started.
  const alone = await runPredictJobs<Prediction>(jobs.slice(0, 2), 1, here, WORKER);
  assert.deepEqual(alone.map((r) => (r as Prediction).energyJ), jobs.slice(0, 2).map((j) => here(j).energyJ));
});
