/**
 * Generation requests: the sampled sum against the brute-force sum of every
 * decode step, the invariants of J/token and J/request, memory fit with the
 * KV cache, tensor parallelism and graph capture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictDecodeStep, predictGeneration } from '../../../src/engine/generation/predictGeneration.js';
import { shardConfig } from '../../../src/engine/generation/tensorParallel.js';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { getBundledProfile } from '../../../src/engine/profiles/profileStore.js';
import { walkTree } from '../../../src/engine/tree/treeWalk.js';
import { fixtureConfig } from '../architectures/fixtures.js';

const profile = getBundledProfile('h100-bf16');
const generationConfig = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, `../../fixtures/configs/generation/${name}.json`), 'utf8')) as Record<string, unknown>;
const llama = fixtureConfig('llama');

test('the sampled request sum matches the brute-force sum of every decode step within 0.5 % (N <= 64)', () => {
  for (const [P, N, B, graphs] of [
    [16, 64, 4, false],
    [200, 37, 1, true],
    [1000, 5, 16, false],
    [64, 2, 2, false],
  ] as const) {
    const g = predictGeneration(llama, profile, { batchSize: B, promptLen: P, outputLen: N, dtype: 'bf16', graphs });
    let brute = 0;
    let bruteTime = 0;
    for (let i = 0; i < N; i++) {
      const step = predictDecodeStep(llama, profile, { batchSize: B, context: P + i, dtype: 'bf16', graphs });
      brute += step.energyJ;
      bruteTime += step.timeS;
    }
    assert.ok(Math.abs(g.decodeJ - brute) / brute < 0.005, `P ${P} N ${N}: ${g.decodeJ} vs ${brute}`);
    assert.ok(Math.abs(g.timeS - g.prefillTimeS - bruteTime) / bruteTime < 0.005);
    assert.ok(g.sampling.contexts.length <= Math.min(N, 17));
    // The reported figures are the same energy in different units.
    assert.ok(Math.abs(g.energyJ - g.prefillJ - g.decodeJ) < 1e-9 * g.energyJ);
    assert.ok(Math.abs(g.energyPerOutputTokenJ * B * N - g.energyJ) < 1e-9 * g.energyJ);
    assert.ok(Math.abs(g.energyPerRequestJ * B - g.energyJ) < 1e-9 * g.energyJ);
    assert.ok(Math.abs(g.tokensPerJ * g.energyJ - B * N) < 1e-6);
    const moduleSum = g.modules.reduce((s, m) => s + m.prefillJ + m.decodeJ, 0);
    assert.ok(Math.abs(moduleSum - g.energyJ) / g.energyJ < 1e-6, 'modules add up to the whole');
  }
});

/** A small deterministic generator (mulberry32), so the property grid is the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: decode J/token never falls as the context grows (fixed batch)', () => {
  const r = rng(12);
  for (let k = 0; k < 12; k++) {
    const B = 1 + Math.floor(r() * 64);
    const graphs = r() < 0.5;
    const attention = r() < 0.5 ? 'eager' : 'sdpa';
    let prev = 0;
    for (const context of [1, 16, 256, 1024, 4096, 16384]) {
      const j = predictDecodeStep(llama, profile, { batchSize: B, context, dtype: 'bf16', graphs, attention }).perTokenJ;
      assert.ok(j >= prev * (1 - 1e-9), `B ${B} ${attention} graphs ${graphs}: ${j} J/token at ${context} < ${prev}`);
      prev = j;
    }
  }
});

test('property: J per request never falls as the prompt or the output grows', () => {
  const r = rng(7);
  for (let k = 0; k < 8; k++) {
    const B = 1 + Math.floor(r() * 16);
    const P = 1 + Math.floor(r() * 1500);
    const N = 1 + Math.floor(r() * 300);
    const at = (p: number, n: number) => predictGeneration(llama, profile, { batchSize: B, promptLen: p, outputLen: n, dtype: 'bf16' }).energyPerRequestJ;
    const base = at(P, N);
    const dp = 1 + Math.floor(r() * 1000);
    const dn = 1 + Math.floor(r() * 200);
    assert.ok(at(P + dp, N) >= base, `B ${B} P ${P}+${dp} N ${N}`);
    assert.ok(at(P, N + dn) >= base, `B ${B} P ${P} N ${N}+${dn}`);
  }
});

test('property: at a fixed context, J/token does not rise with the batch while the step is memory- or launch-bound', () => {
  for (const graphs of [false, true]) {
    for (const context of [128, 2048, 8192]) {
      let prev = Infinity;
      for (const B of [1, 2, 4, 8, 16, 32]) {
        const step = predictDecodeStep(llama, profile, { batchSize: B, context, dtype: 'bf16', graphs });
        if (step.prediction.regime === 'compute') break;
        assert.ok(step.perTokenJ <= prev * (1 + 1e-9), `graphs ${graphs} ctx ${context} B ${B}: ${step.perTokenJ} > ${prev}`);
        prev = step.perTokenJ;
      }
    }
  }
});

test('memory: Llama-3-8B at 32k context and batch 64 on one 80 GB H100 warns and gives the largest batch that fits', () => {
  const g = predictGeneration(generationConfig('llama-3-8b'), profile, { batchSize: 64, promptLen: 32768 - 256, outputLen: 256, dtype: 'bf16' });
  assert.equal(g.memory.fits, false);
  // The cache alone: 32 layers x 2 x 8 KV heads x 128 x 2 bytes = 128 KiB per token, x 32768 x 64.
  assert.equal(g.memory.kvBytesPerToken, 32 * 2 * 8 * 128 * 2);
  assert.equal(g.memory.kvCacheBytes, 32 * 2 * 8 * 128 * 2 * 32768 * 64);
  const max = g.memory.maxBatch!;
  assert.ok(max >= 1 && max < 64);
  assert.ok(g.warnings.some((w) => w.includes('does not fit in memory') && w.includes(`largest batch that fits is ${max}`)));
  const atMax = predictGeneration(generationConfig('llama-3-8b'), profile, { batchSize: max, promptLen: 32768 - 256, outputLen: 256, dtype: 'bf16' });
  assert.equal(atMax.memory.fits, true);
  const over = predictGeneration(generationConfig('llama-3-8b'), profile, { batchSize: max + 1, promptLen: 32768 - 256, outputLen: 256, dtype: 'bf16' });
  assert.equal(over.memory.fits, false);
});

test('Llama-2-70B does not fit on one H100; with --gpus 2 it fits and costs more than 2x the static power of one GPU', () => {
  const config = generationConfig('llama-2-70b');
  const one = predictGeneration(config, profile, { batchSize: 8, promptLen: 512, outputLen: 256, dtype: 'bf16' });
  assert.equal(one.memory.fits, false);
  assert.equal(one.memory.maxBatch, 0);
  const two = predictGeneration(config, profile, { batchSize: 8, promptLen: 512, outputLen: 256, dtype: 'bf16', gpus: 2 });
  assert.equal(two.memory.fits, true);
  assert.ok(two.energyJ > 2 * profile.hardware.idlePowerW * two.timeS, `${two.energyJ} J over ${two.timeS} s`);
  assert.ok(two.communicationJ > 0 && two.communicationTimeS > 0);
  assert.equal(two.gpus, 2);
});

test('tensor parallel shards split attention and MLP: N shards hold the layers\' Linear work of the whole', () => {
  const linearFlops = (c: Record<string, unknown>) =>
    [...walkTree(buildTreeFromConfig(c, { batchSize: 1, seqLen: 4, dtype: 'bf16' }).root)]
      .map((w) => w.node)
      .filter((n) => n.kind === 'linear')
      .reduce((s, n) => s + n.flops, 0);
  for (const gpus of [2, 4]) {
    const shard = shardConfig(llama, gpus);
    assert.equal(shard['num_attention_heads'], 32 / gpus);
    assert.equal(shard['num_key_value_heads'], 4 / gpus);
    assert.ok(Math.abs(gpus * linearFlops(shard) - linearFlops(llama)) / linearFlops(llama) < 1e-9);
  }
  // More GPUs than KV heads: one replicated KV head each.
  assert.equal(shardConfig(llama, 8)['num_key_value_heads'], 1);
  assert.throws(() => shardConfig(llama, 3), /does not split across 3 GPUs/);
});

test('graph capture removes the CPU issue cost: a launch-bound decode step gets faster and cheaper', () => {
  const eager = predictDecodeStep(llama, profile, { batchSize: 1, context: 512, dtype: 'bf16' });
  const graphs = predictDecodeStep(llama, profile, { batchSize: 1, context: 512, dtype: 'bf16', graphs: true });
  assert.equal(eager.prediction.regime, 'launch');
  assert.ok(graphs.timeS < eager.timeS);
  assert.ok(graphs.energyJ < eager.energyJ);
  // What stays is the fitted per-step host work (inputs, outputs, the replay): the step never gets faster than it.
  assert.ok(graphs.timeS >= profile.predictor.timeModel.forwardOverheadS);
});

test('a generation prediction states its setting and rejects an impossible one', () => {
  const g = predictGeneration(llama, profile, { batchSize: 2, promptLen: 32, outputLen: 8, dtype: 'bf16' });
  assert.equal(g.attention, 'sdpa');
  assert.ok(g.warnings.some((w) => w.includes('attention assumed sdpa')));
  assert.equal(g.decode.seqLen, 1);
  assert.ok(g.decodeContext >= 32 && g.decodeContext <= 39);
  assert.throws(() => predictGeneration(llama, profile, { batchSize: 2, promptLen: 0, outputLen: 8, dtype: 'bf16' }), /prompt length must be a positive integer/);
  assert.throws(() => predictGeneration(llama, profile, { batchSize: 2, promptLen: 8, outputLen: 8, dtype: 'bf16', gpus: 0 }), /gpus must be a positive integer/);
});

test('the Generation tab\'s sweeps: J/token rises with context, falls with batch, the grid grows with the lengths', async () => {
  const { predictGenerationSweeps } = await import('../../../src/engine/generation/generationSweeps.js');
  const s = predictGenerationSweeps(llama, profile, { batchSize: 4, promptLen: 64, outputLen: 16, dtype: 'bf16' }, undefined, 2048);
  assert.deepEqual(s.byContext.map((p) => p.x), [128, 256, 512, 1024, 2048]);
  for (let i = 1; i < s.byContext.length; i++) assert.ok(s.byContext[i]!.perTokenJ >= s.byContext[i - 1]!.perTokenJ);
  assert.ok(s.byBatch[s.byBatch.length - 1]!.perTokenJ < s.byBatch[0]!.perTokenJ);
  assert.equal(s.batchContext, 80);
  assert.equal(s.grid.length, 9);
  const cell = (p: number, n: number) => s.grid.find((c) => c.promptLen === p && c.outputLen === n)!.energyPerRequestJ;
  assert.ok(cell(128, 32) > cell(64, 16) && cell(64, 16) > cell(32, 8));
  assert.ok(Math.abs(cell(64, 16) - s.report.energyPerRequestJ) < 1e-12);
});
