/**
 * The worker's deadline (issue 15, item 6): a request that computes past it
 * fails with "prediction stopped: took over N s", the worker is replaced, the
 * requests queued behind it are served by the new one, and a worker that
 * crashes (out of memory) is restarted the same way. Uses a real Worker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { DEADLINE_CODE, EngineClient, EngineRequestError, deadlineMessage } from '../../../src/extension/engineClient.js';

/** Like the engine worker: says `started`, then computes; "hang" never ends, "oom" exits as V8 does out of memory. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const queue = [];
let busy = false;
const serve = () => {
  if (busy || queue.length === 0) return;
  busy = true;
  const m = queue.shift();
  parentPort.postMessage({ type: 'started', id: m.id });
  const name = m.source.fileName;
  if (name === 'hang') { for (;;) {} }
  if (name === 'oom') process.exit(134);
  parentPort.postMessage({ type: 'result', id: m.id, result: { prediction: { energyJ: m.options.batchSize }, contentHash: 'h', elapsedMs: 1 } });
  busy = false;
  setImmediate(serve);
};
parentPort.on('message', (m) => { if (m.type !== 'cancel') { queue.push(m); serve(); } });
parentPort.postMessage({ type: 'ready' });
`;

const predict = (fileName: string, batchSize = 1) => ({
  type: 'predict' as const,
  source: { kind: 'bytes' as const, bytes: new Uint8Array(1), fileName },
  options: { batchSize, seqLen: 1, dtype: 'fp32' as const },
  profile: { kind: 'bundled' as const, name: 'p' },
});

function client(deadlineMs: number) {
  let spawned = 0;
  const logs: string[] = [];
  const c = new EngineClient(
    () => {
      spawned++;
      return new Worker(WORKER, { eval: true });
    },
    { deadlineMs: () => deadlineMs, log: (m) => logs.push(m) },
  );
  return { c, logs, spawned: () => spawned };
}

test('the deadline message names the limit in seconds', () => {
  assert.equal(deadlineMessage(10_000), 'prediction stopped: took over 10 s');
  assert.equal(deadlineMessage(500), 'prediction stopped: took over 0.50 s');
});

test('a request past its deadline fails once, the worker is replaced, and the queued requests still answer', async () => {
  const { c, logs, spawned } = client(300);
  try {
    const started = Date.now();
    const hung = c.request(predict('hang'));
    const queued = c.request(predict('next', 7));
    await assert.rejects(hung, (e: unknown) => e instanceof EngineRequestError && e.code === DEADLINE_CODE && e.message === 'prediction stopped: took over 0.30 s');
    // The queued request waited in line, so its own deadline had not started: it is served by the new worker.
    assert.equal((await queued).prediction.energyJ, 7);
    assert.ok(Date.now() - started < 5000);
    assert.equal(spawned(), 2);
    assert.equal(c.restartCount, 1);
    assert.ok(logs.some((l) => /took over 300 ms/.test(l)));
    // Not retried: nothing else was sent to the fresh worker for the hung file.
    assert.equal(c.inFlight, 0);
    assert.equal((await c.request(predict('after', 3))).prediction.energyJ, 3);
  } finally {
    c.dispose();
  }
});

test('a request cancelled while it computes is still stopped at its deadline, so what waits behind it is served by a fresh worker', async () => {
  let spawned = 0;
  const c = new EngineClient(
    () => {
      spawned++;
      return new Worker(WORKER, { eval: true });
    },
    // A long cancel grace: only the deadline can free the worker in time.
    { deadlineMs: () => 300, cancelGraceMs: 60_000, log: () => undefined },
  );
  try {
    const abort = new AbortController();
    const hung = c.request(predict('hang'), abort.signal);
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await assert.rejects(hung);
    const started = Date.now();
    const next = c.request(predict('next', 5));
    assert.equal((await next).prediction.energyJ, 5);
    assert.ok(Date.now() - started < 3000, `served after ${Date.now() - started} ms: the cancelled request kept the worker`);
    assert.equal(spawned, 2);
    assert.equal(c.restartCount, 1);
  } finally {
    c.dispose();
  }
});

test('a worker that crashes (out of memory) fails the request it ran and serves the others from a fresh one', async () => {
  const { c, spawned } = client(10_000);
  try {
    const crash = c.request(predict('oom'));
    const queued = c.request(predict('next', 5));
    await assert.rejects(crash, (e: unknown) => e instanceof EngineRequestError && e.code === 'WORKER' && /prediction stopped: .*exit code 134/.test(e.message));
    assert.equal((await queued).prediction.energyJ, 5);
    assert.equal(spawned(), 2);
  } finally {
    c.dispose();
  }
});
