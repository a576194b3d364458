import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextLabel, generationDeltaMarkdown, generationLensTitle } from '../../../src/extension/energyText.js';
import type { GenerateOptionsMessage, WorkerToHostMessage } from '../../../src/shared/workerMessages.js';
import { EngineRequestHandler, type EngineFacade } from '../../../src/worker/engineRequestHandler.js';
import { BERTISH, prediction } from './predictedTreeBuilder.js';

const J = { unit: 'J' as const, carbonIntensity: 400 };

test('the generation lens reads J/token decode at a context, J per request and the batch', () => {
  assert.equal(contextLabel(2048), '2k');
  assert.equal(contextLabel(1536), '1.5k');
  assert.equal(contextLabel(512), '512');
  const title = generationLensTitle({ stepPerTokenJ: 0.21, stepContext: 2048, energyPerRequestJ: 61, promptLen: 512, outputLen: 256, batchSize: 8, gpus: 1 }, J);
  assert.match(title, /^⚡ 0\.21\d* J\/token decode at 2k context · 61(\.0)? J per request \(512 → 256\) · batch 8$/);
  assert.match(generationLensTitle({ stepPerTokenJ: 1, stepContext: 2048, energyPerRequestJ: 2, promptLen: 1, outputLen: 1, batchSize: 1, gpus: 4 }, J), /· 4 GPUs$/);
});

test('the hover gives the per-token delta of a count key, or why there is none', () => {
  const md = generationDeltaMarkdown('num_hidden_layers', 0.2, 2048, 8, [{ value: 23, deltaJ: 0.01 }, { value: 21, deltaJ: undefined, error: 'rejected' }], J);
  assert.match(md, /per generated token, decode at 2k context, batch 8/);
  assert.match(md, /`num_hidden_layers: 23` → \+.*J \(\+5(\.0)? %\) per token/);
  assert.match(md, /`num_hidden_layers: 21` → not predictable \(rejected\)/);
});

test('the worker serves generate requests and caches them by content and setting', () => {
  let calls = 0;
  const p = prediction(BERTISH);
  const engine = {
    generate: (_input: unknown, _profile: unknown, o: GenerateOptionsMessage) => {
      calls++;
      return { step: { context: o.stepContext, energyJ: 8 * o.batchSize, perTokenJ: 8, prediction: p } };
    },
    getBundledProfile: (name: string) => ({ name }),
  } as unknown as EngineFacade;
  const posted: WorkerToHostMessage[] = [];
  const queue: (() => void)[] = [];
  const handler = new EngineRequestHandler(engine, () => new Uint8Array(), (m) => posted.push(m), (fn) => queue.push(fn));
  const options: GenerateOptionsMessage = { batchSize: 2, promptLen: 8, outputLen: 4, dtype: 'bf16', gpus: 1, stepContext: 2048, stepOnly: true };
  const source = { kind: 'bytes' as const, bytes: new TextEncoder().encode('{"model_type": "llama"}'), fileName: 'config.json' };
  for (const id of [1, 2]) {
    handler.onMessage({ type: 'generate', id, source, options, profile: { kind: 'bundled', name: 'p1' } });
    while (queue.length) queue.shift()!();
  }
  handler.onMessage({ type: 'generate', id: 3, source, options: { ...options, batchSize: 4 }, profile: { kind: 'bundled', name: 'p1' } });
  while (queue.length) queue.shift()!();
  assert.equal(calls, 2, 'the second identical request is served from the cache');
  const results = posted.filter((m): m is Extract<WorkerToHostMessage, { type: 'result' }> => m.type === 'result');
  assert.equal(results.length, 3);
  assert.equal((results[2]!.result as { step: { energyJ: number } }).step.energyJ, 32);
});
