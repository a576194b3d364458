import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelTree } from '../../../src/engine/index.js';
import type { WorkerToHostMessage } from '../../../src/shared/workerMessages.js';
import { EngineRequestHandler, hashBytes, type EngineFacade } from '../../../src/worker/engineRequestHandler.js';
import { BERTISH, prediction } from './predictedTreeBuilder.js';
import { TEST_HARDWARE } from '../predict/syntheticTrees.js';

const OPTIONS = { batchSize: 8, seqLen: 256, dtype: 'bf16' as const };
const BUNDLED = { kind: 'bundled' as const, name: 'p1' };

/** A fake engine that counts calls; energy = bytes x batch x seqLen so results depend on inputs. */
function fakeEngine() {
  const calls = { importModel: 0, predictTree: 0, parseProfile: 0 };
  const engine: EngineFacade = {
    importModel(input, options) {
      calls.importModel++;
      if (new TextDecoder().decode(input.bytes).startsWith('bad')) {
        throw Object.assign(new Error(`${input.fileName}: malformed`), { code: 'MALFORMED_FILE' });
      }
      const p = prediction(BERTISH);
      // Source files come with an outline of their model classes, as the Python importer gives.
      const outline = input.fileName.endsWith('.py') ? { outline: { classes: [{ name: 'BertModel', line: 3, column: 6 }] } } : {};
      return { modelName: input.fileName, format: 'fake', batchSize: options.batchSize, seqLen: options.seqLen, dtype: options.dtype, root: p.root.node, warnings: [], ...outline } satisfies ModelTree;
    },
    predictTree(tree, profile) {
      calls.predictTree++;
      const p = prediction(BERTISH, { batchSize: tree.batchSize, seqLen: tree.seqLen, profile: { name: (profile as { name: string }).name } });
      return { ...p, energyJ: tree.batchSize * tree.seqLen };
    },
    getBundledProfile: (name) => ({ name }),
    parseProfile: (json) => {
      calls.parseProfile++;
      return JSON.parse(json) as unknown;
    },
    listBundledProfiles: () => [{ name: 'p1' }, { name: 'p2', description: 'second' }],
    defaultProfileName: 'p1',
    renderOnnxText: (bytes, o) => ({ text: `graph ${bytes.length} ${o.batchSize}`, scopeLines: { root: 0 } }),
    listImporterIds: () => ['fake'],
  };
  return { engine, calls };
}

/** A handler whose deferred steps run only when the test says so. */
function harness() {
  const { engine, calls } = fakeEngine();
  const posted: WorkerToHostMessage[] = [];
  const deferred: (() => void)[] = [];
  const files: Record<string, string> = { '/m/config.json': 'model-a' };
  const handler = new EngineRequestHandler(
    engine,
    (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return new TextEncoder().encode(text);
    },
    (m) => posted.push(m),
    (fn) => deferred.push(fn),
  );
  const drain = () => {
    while (deferred.length > 0) deferred.shift()!();
  };
  return { handler, posted, drain, calls, engine };
}

const bytes = (s: string) => new TextEncoder().encode(s);

test('predicts a model read from a path and answers with its content hash', () => {
  const { handler, posted, drain } = harness();
  handler.onMessage({ type: 'predict', id: 1, source: { kind: 'path', path: '/m/config.json', fileName: '/m/config.json' }, options: OPTIONS, profile: BUNDLED });
  drain();
  assert.equal(posted.length, 1);
  const m = posted[0]!;
  assert.equal(m.type, 'result');
  if (m.type !== 'result' || !('prediction' in m.result)) return;
  assert.equal(m.id, 1);
  assert.equal(m.result.prediction.energyJ, 8 * 256);
  assert.equal(m.result.prediction.profile.name, 'p1');
  assert.equal(m.result.contentHash, hashBytes(bytes('model-a')));
});

test('the same bytes and settings are served from the cache; other settings or profiles are not', () => {
  const { handler, posted, drain, calls } = harness();
  const req = (id: number, content: string, batchSize: number, profile: { kind: 'bundled'; name: string } = BUNDLED) =>
    handler.onMessage({ type: 'predict', id, source: { kind: 'bytes', bytes: bytes(content), fileName: 'config.json' }, options: { ...OPTIONS, batchSize }, profile });
  req(1, 'x', 8);
  req(2, 'x', 8);
  req(3, 'x', 16);
  req(4, 'x', 8, { kind: 'bundled', name: 'p2' });
  req(5, 'y', 8);
  drain();
  assert.equal(calls.importModel, 4, 'request 2 repeats request 1');
  const elapsed = posted.map((m) => (m.type === 'result' && 'elapsedMs' in m.result ? m.result.elapsedMs : -1));
  assert.equal(elapsed[1], 0, 'a cache hit reports 0 ms');
  const energies = posted.map((m) => (m.type === 'result' && 'prediction' in m.result ? m.result.prediction.energyJ : -1));
  assert.deepEqual(energies, [2048, 2048, 4096, 2048, 2048]);
});

test('engine errors keep their code; other failures are INTERNAL with a stack', () => {
  const { handler, posted, drain } = harness();
  handler.onMessage({ type: 'predict', id: 1, source: { kind: 'bytes', bytes: bytes('bad json'), fileName: 'c.json' }, options: OPTIONS, profile: BUNDLED });
  handler.onMessage({ type: 'predict', id: 2, source: { kind: 'bytes', bytes: bytes('x'), fileName: 'c.json' }, options: OPTIONS, profile: { kind: 'json', json: '{not json', origin: 'p.json' } });
  drain();
  const [a, b] = posted;
  assert.ok(a?.type === 'error' && a.error.code === 'MALFORMED_FILE' && a.error.message === 'c.json: malformed' && a.error.stack === undefined);
  assert.ok(b?.type === 'error' && b.error.code === 'INTERNAL' && typeof b.error.stack === 'string');
});

test('a user profile given as JSON is parsed once and reused', () => {
  const { handler, posted, drain, calls } = harness();
  const profile = { kind: 'json' as const, json: '{"name":"mine"}', origin: '/p.json' };
  handler.onMessage({ type: 'predict', id: 1, source: { kind: 'bytes', bytes: bytes('a'), fileName: 'c.json' }, options: OPTIONS, profile });
  handler.onMessage({ type: 'predict', id: 2, source: { kind: 'bytes', bytes: bytes('b'), fileName: 'c.json' }, options: OPTIONS, profile });
  drain();
  assert.equal(calls.parseProfile, 1);
  assert.ok(posted.every((m) => m.type === 'result' && 'prediction' in m.result && m.result.prediction.profile.name === 'mine'));
});

test('a request cancelled while queued is answered ABORTED and never computed', () => {
  const { handler, posted, drain, calls } = harness();
  handler.onMessage({ type: 'predict', id: 1, source: { kind: 'bytes', bytes: bytes('a'), fileName: 'c.json' }, options: OPTIONS, profile: BUNDLED });
  handler.onMessage({ type: 'predict', id: 2, source: { kind: 'bytes', bytes: bytes('b'), fileName: 'c.json' }, options: OPTIONS, profile: BUNDLED });
  handler.onMessage({ type: 'cancel', id: 2 });
  assert.deepEqual(posted, [{ type: 'error', id: 2, error: { code: 'ABORTED', message: 'the operation was cancelled' } }]);
  drain();
  assert.equal(calls.importModel, 1);
  assert.deepEqual(posted.map((m) => m.type === 'ready' ? 'ready' : m.id), [2, 1]);
});

test('urgent requests jump ahead of background ones but not of each other', () => {
  const { handler, posted, drain } = harness();
  const send = (id: number, urgent: boolean) =>
    handler.onMessage({ type: 'predict', id, source: { kind: 'bytes', bytes: bytes(String(id)), fileName: 'c.json' }, options: OPTIONS, profile: BUNDLED, urgent });
  send(1, false);
  send(2, false);
  send(3, true);
  send(4, true);
  drain();
  assert.deepEqual(posted.map((m) => (m.type === 'ready' ? 0 : m.id)), [3, 4, 1, 2]);
});

test('describe lists importers and profiles; renderOnnx renders and caches', () => {
  const { handler, posted, drain } = harness();
  handler.onMessage({ type: 'describe', id: 1 });
  handler.onMessage({ type: 'renderOnnx', id: 2, source: { kind: 'bytes', bytes: bytes('onnx!'), fileName: 'm.onnx' }, options: OPTIONS });
  drain();
  const d = posted[0];
  assert.ok(d?.type === 'result' && 'defaultProfile' in d.result);
  if (d?.type === 'result' && 'defaultProfile' in d.result) {
    assert.deepEqual(d.result.importers, ['fake']);
    assert.deepEqual(d.result.profiles.map((p) => p.name), ['p1', 'p2']);
  }
  const r = posted[1];
  assert.ok(r?.type === 'result' && 'text' in r.result && r.result.text === 'graph 5 8');
});

test('a train request runs the engine trainer in the worker with the options it was sent', () => {
  const { handler, posted, drain, engine } = harness();
  const seen: { trees: number; name?: string; signal: boolean }[] = [];
  engine.trainProfile = (trees, options) => {
    seen.push({ trees: trees.length, name: options.name, signal: options.signal instanceof AbortSignal });
    return { name: options.name } as never;
  };
  const tree = { modelName: 'm', format: 'fake', batchSize: 1, seqLen: 8, dtype: 'fp32', root: prediction(BERTISH).root.node, warnings: [] } satisfies ModelTree;
  handler.onMessage({ type: 'train', id: 7, trees: [tree, tree], options: { name: 'mine', hardware: TEST_HARDWARE, dtype: 'fp32', energySource: 'fake' } });
  drain();
  assert.deepEqual(seen, [{ trees: 2, name: 'mine', signal: true }]);
  const m = posted[0]!;
  assert.equal(m.type, 'result');
  if (m.type === 'result' && 'profile' in m.result) assert.equal(m.result.profile.name, 'mine');
  else assert.fail('expected a profile result');
});

test("a source file's outline of model classes travels with its prediction, also from the cache", () => {
  const { handler, posted, drain, calls } = harness();
  const source = { kind: 'bytes' as const, bytes: bytes('class BertModel(nn.Module): ...'), fileName: '/m/model.py' };
  handler.onMessage({ type: 'predict', id: 1, source, options: OPTIONS, profile: BUNDLED });
  handler.onMessage({ type: 'predict', id: 2, source, options: OPTIONS, profile: BUNDLED });
  drain();
  assert.equal(calls.importModel, 1, 'the second request should be served from the cache');
  for (const m of posted) {
    assert.equal(m.type, 'result');
    const r = (m as Extract<WorkerToHostMessage, { type: 'result' }>).result as { outline?: unknown };
    assert.deepEqual(r.outline, { classes: [{ name: 'BertModel', line: 3, column: 6 }] });
  }
});
