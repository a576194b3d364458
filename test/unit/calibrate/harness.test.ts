/**
 * The Python measuring harness run for real (CPU, tiny models, short windows).
 * Needs a Python with PyTorch: on Debian/Ubuntu `apt-get install python3-torch`
 * (installs for /usr/bin/python3). Skipped, with the reason printed, without one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCalibrate } from '../../../src/cli/commands/calibrate.js';
import { createNodeProcessRunner, runCalibration } from '../../../src/engine/calibrate/index.js';
import { AbortedError } from '../../../src/engine/errors.js';
import { loadIreneJsonl } from '../../../src/engine/importers/ireneData/loadIreneJsonl.js';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { trainProfile } from '../../../src/engine/predict/train.js';
import { parseProfile } from '../../../src/engine/profiles/profileFormat.js';
import type { ModelNode, ModelTree } from '../../../src/engine/tree/modelNode.js';
import { totalFlops, walkTree } from '../../../src/engine/tree/treeWalk.js';

const repo = join(__dirname, '..', '..', '..');
const harness = join(repo, 'harness', 'irene_measure.py');

/** A Python that imports torch, or undefined. */
function findTorchPython(): string | undefined {
  for (const py of [process.env['IRENE_PYTHON'], '/usr/bin/python3', 'python3', 'python']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return undefined;
}

const python = findTorchPython();
const SKIP = 'no Python with PyTorch found (apt-get install python3-torch, or set IRENE_PYTHON)';
const tmp = mkdtempSync(join(tmpdir(), 'irene-harness-'));

const tinyBert = {
  model_type: 'bert',
  _name_or_path: 'tiny-bert',
  vocab_size: 1000,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 256,
  max_position_embeddings: 64,
  type_vocab_size: 2,
};
const tinyGpt2 = { model_type: 'gpt2', _name_or_path: 'tiny-gpt2', vocab_size: 1000, n_embd: 64, n_layer: 2, n_head: 4, n_positions: 64 };
const tinyBertPath = join(tmp, 'tiny-bert.json');
const tinyGpt2Path = join(tmp, 'tiny-gpt2.json');
writeFileSync(tinyBertPath, JSON.stringify(tinyBert));
writeFileSync(tinyGpt2Path, JSON.stringify(tinyGpt2));

/** The synthetic model the harness documents for --energy-source fake (joules per call). */
function fakeEnergy(n: ModelNode): number {
  return 2e-5 + 2e-12 * n.flops + 5e-11 * n.memBytes;
}

/** Compares a harness tree with the engine's tree from the same config: scopes, calls, parameters, FLOPs within 1 %. */
function assertSameStructure(measured: ModelTree, fromConfig: ModelTree): void {
  const a = new Map([...walkTree(measured.root)].map(({ node }) => [node.scope, node]));
  const b = new Map([...walkTree(fromConfig.root)].map(({ node }) => [node.scope, node]));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${measured.modelName}: the same scopes`);
  for (const [scope, x] of a) {
    const y = b.get(scope)!;
    assert.equal(x.calls, y.calls, `${scope}: calls`);
    assert.equal(x.instanceType, y.instanceType, `${scope}: class`);
    assert.equal(x.parameters, y.parameters, `${scope}: parameters`);
    assert.ok(Math.abs(x.flops - y.flops) <= 0.01 * Math.max(1, y.flops), `${scope}: flops ${x.flops} vs ${y.flops}`);
  }
}

test('calibrate end to end on the CPU with the fake source: trees the engine loads, energies as the fake model says, a profile', async (t) => {
  if (!python) return t.skip(SKIP);
  const progress: number[] = [];
  const out = join(tmp, 'fake-profile.json');
  const outcome = await runCalibrate({
    python,
    models: [tinyBertPath, tinyGpt2Path],
    batchSizes: [1, 2],
    seqLens: [16],
    dtype: 'fp32',
    energySource: 'fake',
    out,
    profileName: 'tiny-fake',
    windowS: 0.05,
    nodeWindowS: 0.005,
    repeats: 3,
    idleS: 0.05,
    onProgress: (f) => progress.push(f),
  });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!);
  assert.equal(progress[progress.length - 1], 1);

  const trees = loadIreneJsonl(readFileSync(outcome.treesPath), { skipModels: [] });
  assert.deepEqual(
    trees.map((tr) => `${tr.modelName} ${tr.batchSize}x${tr.seqLen} ${tr.dtype}`),
    ['tiny-bert 1x16 fp32', 'tiny-bert 2x16 fp32', 'tiny-gpt2 1x16 fp32', 'tiny-gpt2 2x16 fp32'],
  );
  for (const tree of trees) {
    // The module tree is the one the engine builds from the same config.
    const cfg = tree.modelName === 'tiny-bert' ? tinyBert : tinyGpt2;
    assertSameStructure(tree, buildTreeFromConfig(cfg, { batchSize: tree.batchSize, seqLen: tree.seqLen, dtype: 'fp32' }));
    assert.ok(Math.abs(tree.root.flops - totalFlops(tree.root)) <= 1e-9 * tree.root.flops, 'root FLOPs are the sum of its primitives');
    for (const { node } of walkTree(tree.root)) {
      assert.ok(node.measured, `${node.scope} was measured (or copied from an identical node)`);
      const want = fakeEnergy(node);
      assert.ok(Math.abs(node.measured.energyJ - want) <= 1e-9 * want, `${node.scope}: ${node.measured.energyJ} J vs the fake model's ${want} J`);
      assert.ok((node.measured.runtime?.timesMean ?? 0) > 0, `${node.scope}: time per call`);
    }
  }
  const profile = parseProfile(readFileSync(outcome.profilePath, 'utf8'), outcome.profilePath);
  assert.equal(profile.name, 'tiny-fake');
  assert.match(profile.energySource, /FAKE/);
  assert.ok(Number.isFinite(profile.crossValidation.modelPct));
  assert.ok(outcome.report.some((l) => l.includes('cross-validation')));
  assert.ok(outcome.result.warnings.some((w) => /FAKE/.test(w)));
});

test('the harness tree of bert-base-uncased and gpt2 matches buildTreeFromConfig (structure only, 1 x 32)', async (t) => {
  if (!python) return t.skip(SKIP);
  const treesOut = join(tmp, 'structure.jsonl');
  const configs = ['bert-base-uncased', 'gpt2'].map((m) => join(repo, 'examples', m, 'config.json'));
  const result = await runCalibration(
    { models: configs, batchSizes: [1], seqLens: [32], dtype: 'fp32', energySource: 'fake', structureOnly: true, builtin: true, treesOut },
    { runner: createNodeProcessRunner(), readFile: async (p) => readFileSync(p), harnessPath: harness, train: trainProfile },
    { pythonCandidates: [python], profileName: 'unused' },
  );
  assert.equal(result.profile, undefined);
  assert.equal(result.trees.length, 2);
  for (const [i, tree] of result.trees.entries()) {
    const cfg = JSON.parse(readFileSync(configs[i]!, 'utf8')) as Record<string, unknown>;
    assertSameStructure(tree, buildTreeFromConfig(cfg, { batchSize: 1, seqLen: 32, dtype: 'fp32' }));
    assert.equal(tree.root.measured, undefined, 'structure only: nothing measured');
  }
});

test('the meter-CSV source integrates the logged watts over each window', async (t) => {
  if (!python) return t.skip(SKIP);
  const csv = join(tmp, 'meter.csv');
  const now = Date.now() / 1000;
  const rows = ['timestamp,watts'];
  for (let ts = now - 30; ts < now + 300; ts += 0.05) rows.push(`${ts.toFixed(3)},100`);
  writeFileSync(csv, rows.join('\n'));
  const out = join(tmp, 'meter.jsonl');
  const r = spawnSync(
    python,
    [harness, '--model', tinyBertPath, '--shapes', '1x16', '--energy-source', 'meter-csv', '--meter-csv', csv, '--model-only', '--window-s', '0.1', '--idle-s', '1', '--repeats', '1', '--out', out],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const [meta, line] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, never>);
  // A one-second idle window: the meter's wall clock and the monotonic clock are read a moment apart
  // (a few ms on a loaded machine), which a 0.2 s window turned into a 1 % error.
  assert.ok(Math.abs((meta!['idle_power_w'] as number) - 100) < 0.5, `idle ${meta!['idle_power_w']} W from a constant 100 W log`);
  const root = line!['frontend_tree'] as { power_w: number; ground_truth_energy: number; times_mean: number };
  assert.ok(Math.abs(root.power_w - 100) < 0.5, `power ${root.power_w} W`);
  // The window's energy is integrated between wall-clock times (the meter's clock) and the time per
  // call is taken with the monotonic clock; the two are read a moment apart, which on a loaded
  // machine shifts them by up to a few milliseconds: a fraction of a per cent, not a bit-exact match.
  const ratio = root.ground_truth_energy / (100 * root.times_mean);
  assert.ok(Math.abs(ratio - 1) < 0.01, `energy ${root.ground_truth_energy} J vs 100 W x ${root.times_mean} s per call (ratio ${ratio})`);
});

test('RAPL wraparound and meter integration of a ramp, in the harness classes', (t) => {
  if (!python) return t.skip(SKIP);
  const dir = join(tmp, 'rapl');
  const script = `
import os, sys, json
sys.path.insert(0, ${JSON.stringify(join(repo, 'harness'))})
import irene_measure as m
d = ${JSON.stringify(dir)}
dom = os.path.join(d, 'intel-rapl:0'); sub = os.path.join(d, 'intel-rapl:0:0')
for p in (dom, sub): os.makedirs(p, exist_ok=True)
def put(p, v): open(os.path.join(p, 'energy_uj'), 'w').write(str(v))
open(os.path.join(dom, 'max_energy_range_uj'), 'w').write('999999')
put(dom, 999000); put(sub, 5)
s = m.RaplSource(os.path.join(d, 'intel-rapl:*'))
a = s.read(); put(dom, 1000); b = s.read(); put(dom, 3000); c = s.read()
csv = os.path.join(d, 'ramp.csv')
open(csv, 'w').write('time,power_w\\n' + '\\n'.join('%d,%d' % (t, 10 * t) for t in range(0, 101)))
e = m.MeterCsvSource(csv, wait_s=0).energy_between(20.5, 40.5)
print(json.dumps({"domains": len(s.domains), "a": a, "b": b, "c": c, "ramp": e}))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { domains: number; a: number; b: number; c: number; ramp: number };
  assert.equal(v.domains, 1, 'the sub-domain intel-rapl:0:0 is inside its package and not added again');
  // 999000 -> 1000 wraps at 1,000,000 uJ: 2000 uJ, then +2000 uJ more.
  assert.ok(Math.abs(v.b - v.a - 0.002) < 1e-12 && Math.abs(v.c - v.b - 0.002) < 1e-12, JSON.stringify(v));
  // P(t) = 10 t W: the integral from 20.5 s to 40.5 s is 5 (40.5^2 - 20.5^2) J.
  assert.ok(Math.abs(v.ramp - 5 * (40.5 ** 2 - 20.5 ** 2)) < 1e-6, `ramp ${v.ramp}`);
});

test('without the energy source asked for, the harness says so and exits non-zero instead of inventing a number', (t) => {
  if (!python) return t.skip(SKIP);
  const out = join(tmp, 'none.jsonl');
  const r = spawnSync(
    python,
    [harness, '--model', tinyBertPath, '--shapes', '1x16', '--energy-source', 'rapl', '--rapl-glob', join(tmp, 'no-such', 'intel-rapl:*'), '--out', out],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 3);
  const err = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{"error"'))
    .map((l) => JSON.parse(l) as { error: string; code: string })[0];
  assert.equal(err?.code, 'NO_ENERGY_SOURCE');
  assert.match(err.error, /RAPL is not available/);
  assert.throws(() => readFileSync(out), 'no output file');
});

test('cancelling a calibration kills the harness', async (t) => {
  if (!python) return t.skip(SKIP);
  const ac = new AbortController();
  let abortedAt = 0;
  const started = Date.now();
  const run = runCalibrate({
    python,
    models: [tinyBertPath],
    batchSizes: [1],
    seqLens: [16],
    dtype: 'fp32',
    energySource: 'fake',
    out: join(tmp, 'cancelled.json'),
    profileName: 'x',
    idleS: 0.05,
    windowS: 60,
    onProgress: (_f, label) => {
      if (!abortedAt && /whole model/.test(label)) {
        abortedAt = Date.now();
        ac.abort();
      }
    },
    signal: ac.signal,
  });
  await assert.rejects(run, AbortedError);
  assert.ok(abortedAt > 0, 'the harness reached the whole-model window');
  assert.ok(Date.now() - abortedAt < 10_000, `stopped ${Date.now() - abortedAt} ms after cancel (window was 60 s; started ${Date.now() - started} ms ago)`);
});

/** Runs the harness with these arguments; fails the test on a non-zero exit. Returns the JSONL lines. */
function runHarness(args: string[], out: string): Record<string, unknown>[] {
  const r = spawnSync(python!, [harness, ...args, '--out', out], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('generation on the CPU with the fake source: a prefill and decode steps at two contexts, phase and context in the trees, the engine\'s generation trees', (t) => {
  if (!python) return t.skip(SKIP);
  const out = join(tmp, 'generate.jsonl');
  const fast = ['--energy-source', 'fake', '--window-s', '0.05', '--node-window-s', '0.005', '--repeats', '3', '--idle-s', '0.05'];
  const lines = runHarness(['--model', tinyGpt2Path, '--phase', 'generate', '--shapes', '2x8', '--contexts', '9,33', '--attn', 'eager', ...fast], out);
  assert.deepEqual(
    lines.slice(1).map((l) => `${l['phase']} ${l['batch_size']}x${l['seq_len']} context ${l['context']} ${l['kv_cache']}`),
    ['prefill 2x8 context 8 static', 'decode 2x1 context 9 static', 'decode 2x1 context 33 static'],
  );
  // The cache holds keys and values of 2 layers x 2 sequences x 4 heads x 16 dims per position, fp32, allocated to the context.
  assert.deepEqual(lines.slice(1).map((l) => l['kv_cache_bytes']), [8, 9, 33].map((c) => 2 * 2 * 2 * 4 * c * 16 * 4));

  const trees = loadIreneJsonl(readFileSync(out), { skipModels: [] });
  assert.deepEqual(trees.map((tr) => [tr.phase, tr.context, tr.attention]), [['prefill', 8, 'eager'], ['decode', 9, 'eager'], ['decode', 33, 'eager']]);
  for (const tree of trees) {
    const opts = { batchSize: 2, seqLen: tree.seqLen, dtype: 'fp32' as const, phase: tree.phase!, attention: 'eager' as const, ...(tree.phase === 'decode' ? { context: tree.context } : {}) };
    // The same module tree (KV cache writes, the attention over the context, the LM head on one position) as the engine builds.
    assertSameStructure(tree, buildTreeFromConfig(tinyGpt2, opts));
    for (const { node } of walkTree(tree.root)) {
      assert.ok(node.measured, `${tree.phase} ${tree.context}: ${node.scope} measured`);
      const want = fakeEnergy(node);
      assert.ok(Number.isFinite(node.measured.energyJ) && node.measured.energyJ > 0, `${node.scope}: ${node.measured.energyJ} J`);
      assert.ok(Math.abs(node.measured.energyJ - want) <= 1e-9 * want, `${node.scope}: ${node.measured.energyJ} J vs the fake model's ${want} J`);
      assert.ok((node.measured.runtime?.timesMean ?? 0) > 0, `${node.scope}: time per step`);
    }
  }
  const [, short, long] = trees;
  // A step at a longer context reads more of the cache: more bytes, more FLOPs, in the attention products and in the whole step.
  const find = (tr: ModelTree, scope: string) => [...walkTree(tr.root)].find(({ node }) => node.scope === scope)!.node;
  const kv = 'root.h.0.attn.matmul.6';
  // The value product reads 24 more positions of the values (2 x 4 heads x 16 dims) and of the attention weights (2 x 4 heads x 1 query), fp32.
  assert.equal(find(long!, kv).memBytes - find(short!, kv).memBytes, (33 - 9) * (2 * 4 * 16 + 2 * 4 * 1) * 4);
  assert.ok(long!.root.memBytes > short!.root.memBytes && long!.root.flops > short!.root.flops);
  assert.equal(find(long!, 'root.h.0.attn.c_attn').memBytes, find(short!, 'root.h.0.attn.c_attn').memBytes, 'the projections of one token do not depend on the context');
});

test('a decode step against the static cache gives the logits of a forward pass over the whole context, and repeats see the same context', (t) => {
  if (!python) return t.skip(SKIP);
  const script = `
import sys, json, torch
sys.path.insert(0, ${JSON.stringify(join(repo, 'harness'))})
from irene_measure.generation import build_generator, prepare, measured_call
cfg = json.load(open(${JSON.stringify(tinyGpt2Path)}))
gen = build_generator('tiny', cfg, 'fp32', torch.device('cpu'), False, 0, 'eager')
(args, kwargs), cache = prepare(gen, 'decode', 2, 9, 1000, torch.device('cpu'))
step = measured_call(gen, cache, (args, kwargs), 8)
with torch.no_grad():
    a = step(); b = step(); c = step()
    ids = torch.randint(0, 1000, (2, 9), generator=torch.Generator().manual_seed(1234))
    full = gen.model.lm_head(gen.model(ids)[:, -1:, :])
print(json.dumps({"repeat": float((a - c).abs().max()), "vs_forward": float((a - full).abs().max()), "scale": float(full.abs().max())}))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { repeat: number; vs_forward: number; scale: number };
  assert.equal(v.repeat, 0, 'the third repeat of the step sees the same cache as the first');
  assert.ok(v.scale > 0 && v.vs_forward <= 1e-5 * v.scale, JSON.stringify(v));
});

test('a transformers cache that counts its own tokens (as 5.17 does) is pinned: repeated steps, replays of one layer and the trace write the same slot', (t) => {
  if (!python) return t.skip(SKIP);
  // A stand-in for transformers 5.17's StaticCache and model: the model ignores cache_position, and
  // each layer's update() places the new keys at its own counter, a one-element tensor it then
  // advances in place. A 4-slot cache holding 3 tokens has room for one more, so a second unpinned
  // call raises.
  const script = `
import sys, json, types, torch
sys.path.insert(0, ${JSON.stringify(join(repo, 'harness'))})
from irene_measure.generation import TransformersGenerator, measured_call
from irene_measure.trace import trace_model, walk
class Layer:
    def __init__(self):
        self.keys = torch.zeros(1, 1, 4, 1)
        self.cumulative_length = torch.tensor(0)
    def get_seq_length(self):
        return int((self.keys[0, 0].abs().sum(-1) > 0).sum())
    def update(self, new):
        n = new.shape[2]
        self.keys.index_copy_(2, torch.arange(n) + self.cumulative_length, new)
        self.cumulative_length.add_(n)
        return self.keys
class Cache:
    def __init__(self):
        self.layers = [Layer(), Layer()]
    def get_seq_length(self, layer_idx=0):
        return self.layers[layer_idx].get_seq_length()
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(1, 1)  # a child module: the tracer records the functional ops of non-leaf modules
    def forward(self, input_ids=None, past_key_values=None, cache_position=None, use_cache=True):
        start = past_key_values.get_seq_length()
        for layer in past_key_values.layers:
            layer.update(self.proj(torch.ones(1, 1, input_ids.shape[1], 1)).detach() * 0 + 1)
        return torch.tensor(float(start))
gen = TransformersGenerator(Model(), 'stand-in', types.SimpleNamespace(StaticCache=object, __version__='stand-in'))
cache = Cache()
a, k = gen.call_args(torch.zeros(1, 3, dtype=torch.long), cache, 0)
gen.model(*a, **k)
call = gen.call_args(torch.zeros(1, 1, dtype=torch.long), cache, 3)
step = measured_call(gen, cache, call, 3)
starts = [float(step()) for _ in range(3)]
for _ in range(3):
    cache.layers[0].update(torch.ones(1, 1, 1, 1))  # a module's replay, as the per-node measurement runs it
root, _ = trace_model(gen.model, call[0], call[1])
ops = [n.scope for n in walk(root)]
print(json.dumps({"starts": starts, "counters": [int(l.cumulative_length) for l in cache.layers], "filled": [int(l.keys.sum()) for l in cache.layers], "ops": ops}))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { starts: number[]; counters: number[]; filled: number[]; ops: string[] };
  assert.deepEqual(v.starts, [3, 3, 3], 'every repeat sees 3 cached tokens');
  assert.deepEqual(v.counters, [3, 3], 'between calls each layer counts the 3 cached tokens');
  assert.deepEqual(v.filled, [4, 4], 'repeats, replays and the trace wrote the fourth slot only');
  assert.ok(v.ops.some((s) => /index_copy/.test(s)), `the trace through the pinned layers records the model's cache writes: ${v.ops.join(', ')}`);
});

test('torch calls inside untraced() run but are not recorded in the traced tree', (t) => {
  if (!python) return t.skip(SKIP);
  const script = `
import sys, json, torch
sys.path.insert(0, ${JSON.stringify(join(repo, 'harness'))})
from irene_measure.trace import trace_model, untraced, walk
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(2, 2)
    def forward(self, x):
        y = self.proj(x).to(torch.float64)
        with untraced():
            z = y.to(torch.float32) + 1
        return z
root, _ = trace_model(M(), (torch.ones(1, 2),), {})
print(json.dumps([n.scope for n in walk(root)]))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['root', 'root.proj', 'root.cast.0'], 'only the cast outside untraced() is recorded');
});

test('generation of an encoder is refused with a message, not measured', (t) => {
  if (!python) return t.skip(SKIP);
  const out = join(tmp, 'encoder-decode.jsonl');
  const r = spawnSync(python, [harness, '--model', tinyBertPath, '--phase', 'decode', '--contexts', '8', '--batch-sizes', '1', '--structure-only', '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /"code": "NO_GENERATION"/);
  assert.match(r.stderr, /encoder generates no tokens/);
  assert.throws(() => readFileSync(out), 'no output file');
});
