import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { EngineClient, EngineRequestError } from '../../../src/extension/engineClient.js';

/**
 * A stand-in worker: answers `describe` at once; `predict` with fileName
 * "slow" spins for `ms` milliseconds (a synchronous engine call), "crash"
 * exits the thread, anything else echoes the batch size.
 */
const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.type === 'cancel') { parentPort.postMessage({ type: 'error', id: m.id, error: { code: 'ABORTED', message: 'cancelled' } }); return; }
  if (m.type === 'describe') { parentPort.postMessage({ type: 'result', id: m.id, result: { importers: ['x'], profiles: [], defaultProfile: 'p' } }); return; }
  const name = m.source.fileName;
  if (name === 'crash') process.exit(3);
  if (name.startsWith('slow')) { const end = Date.now() + Number(name.slice(4)); while (Date.now() < end) {} }
  if (name === 'fail') { parentPort.postMessage({ type: 'error', id: m.id, error: { code: 'MALFORMED_FILE', message: 'bad file' } }); return; }
  parentPort.postMessage({ type: 'result', id: m.id, result: { prediction: { energyJ: m.options.batchSize }, contentHash: 'h', elapsedMs: 1 } });
});
parentPort.postMessage({ type: 'ready' });
`;

function client(options: { cancelGraceMs?: number } = {}) {
  let spawned = 0;
  const logs: string[] = [];
  const c = new EngineClient(
    () => {
      spawned++;
      return new Worker(FAKE_WORKER, { eval: true });
    },
    { ...options, log: (m) => logs.push(m) },
  );
  return { c, logs, spawned: () => spawned };
}

const predict = (fileName: string, batchSize = 1) => ({
  type: 'predict' as const,
  source: { kind: 'bytes' as const, bytes: new Uint8Array(1), fileName },
  options: { batchSize, seqLen: 1, dtype: 'fp32' as const },
  profile: { kind: 'bundled' as const, name: 'p' },
});

test('answers requests by id, each with its own result, over one worker', async () => {
  const { c, spawned } = client();
  try {
    const [a, b, d] = await Promise.all([c.request(predict('a', 2)), c.request(predict('b', 5)), c.request({ type: 'describe' })]);
    assert.equal(a.prediction.energyJ, 2);
    assert.equal(b.prediction.energyJ, 5);
    assert.equal(d.defaultProfile, 'p');
    assert.equal(spawned(), 1);
    assert.equal(c.inFlight, 0);
  } finally {
    c.dispose();
  }
});

test('engine errors reject with their code', async () => {
  const { c } = client();
  try {
    await assert.rejects(c.request(predict('fail')), (err: unknown) => err instanceof EngineRequestError && err.code === 'MALFORMED_FILE' && err.message === 'bad file');
  } finally {
    c.dispose();
  }
});

test('aborting the signal rejects at once with a cancellation', async () => {
  const { c } = client({ cancelGraceMs: 10_000 });
  try {
    const ac = new AbortController();
    const p = c.request(predict('slow200'), ac.signal);
    ac.abort();
    await assert.rejects(p, (err: unknown) => err instanceof EngineRequestError && err.cancelled);
    // The worker stays usable for the next request.
    assert.equal((await c.request(predict('a', 7))).prediction.energyJ, 7);
    assert.equal(c.restartCount, 0);
    await assert.rejects(c.request(predict('a'), AbortSignal.abort()), (err: unknown) => err instanceof EngineRequestError && err.cancelled);
  } finally {
    c.dispose();
  }
});

test('a worker stuck on a cancelled request is replaced and the waiting requests are re-sent', async () => {
  const { c, logs, spawned } = client({ cancelGraceMs: 100 });
  try {
    const ac = new AbortController();
    const stuck = c.request(predict('slow1500'), ac.signal);
    const waiting = c.request(predict('a', 9)); // queued behind the stuck one
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await assert.rejects(stuck);
    const started = Date.now();
    assert.equal((await waiting).prediction.energyJ, 9);
    assert.ok(Date.now() - started < 1200, 'the waiting request had to wait for the stuck one to finish');
    assert.equal(c.restartCount, 1);
    assert.equal(spawned(), 2);
    assert.ok(logs.some((l) => l.includes('restarting')));
  } finally {
    c.dispose();
  }
});

test('a crashed worker fails what it held and a fresh one serves the next request', async () => {
  const { c, spawned } = client();
  try {
    await assert.rejects(c.request(predict('crash')), (err: unknown) => err instanceof EngineRequestError && err.code === 'WORKER' && /exit code 3/.test(err.message));
    assert.equal((await c.request(predict('a', 4))).prediction.energyJ, 4);
    assert.equal(spawned(), 2);
  } finally {
    c.dispose();
  }
});

test('dispose rejects pending requests and refuses new ones', async () => {
  const { c } = client();
  const p = c.request(predict('slow100'));
  c.dispose();
  await assert.rejects(p, (err: unknown) => err instanceof EngineRequestError && err.code === 'WORKER');
  await assert.rejects(c.request({ type: 'describe' }), /shut down/);
});
