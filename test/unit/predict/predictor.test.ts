import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortedError } from '../../../src/engine/errors.js';
import { crossValidate, crossValidateFlopsBaseline, evaluateProfile } from '../../../src/engine/predict/crossValidate.js';
import { predictTree } from '../../../src/engine/predict/predictor.js';
import { trainProfile } from '../../../src/engine/predict/train.js';
import type { ModelNode, PredictedNode } from '../../../src/engine/tree/modelNode.js';
import { IDLE_W, lawDynamic, lawEnergy, MODULE_OVERHEAD, syntheticForest, syntheticTree, TEST_HARDWARE } from './syntheticTrees.js';

const QUICK = { fit: { epochs: 150 } };

function train(seed = 1) {
  return trainProfile(syntheticForest(), {
    name: 'synthetic',
    hardware: TEST_HARDWARE,
    dtype: 'fp32',
    energySource: 'a formula',
    seed,
    skipCrossValidation: true,
    ...QUICK,
  });
}

test('learns the synthetic law: leaves and the whole model within a few percent on an unseen size', () => {
  const profile = train();
  // A width between those trained on, so the regressions interpolate.
  const tree = syntheticTree('new', 448, 3, 4, 64);
  const p = predictTree(tree, profile);
  const truth = tree.measuredModelEnergyJ!;
  assert.ok(Math.abs(p.energyJ - truth) / truth < 0.05, `model ${p.energyJ} vs ${truth}`);
  const lin = p.root.children[0]!.children[0]!;
  const want = lawEnergy('linear', lin.node.flops, lin.node.memBytes);
  const linPerCall = lin.isolatedEnergyJ / lin.node.calls;
  assert.ok(Math.abs(linPerCall - want) / want < 0.02, `linear ${linPerCall} vs ${want}`);
  // A module measured on its own: idle power over its time plus 1.1x its parts' dynamic energy (the
  // overhead the weighting model learns); within 10 %, since its time comes from the fitted time model.
  const layer = p.root.children[0]!;
  const dyn = layer.children.reduce((s, c) => s + lawDynamic(c.node.kind!, c.node.flops, c.node.memBytes), 0);
  const layerTruth = tree.root.children[0]!.measured!.energyJ;
  assert.ok(Math.abs(layerTruth - (IDLE_W * tree.root.children[0]!.measured!.runtime!.timesMean! + MODULE_OVERHEAD * dyn)) < 1e-12);
  assert.ok(Math.abs(layer.isolatedEnergyJ / layerTruth - 1) < 0.1, `layer ${layer.isolatedEnergyJ} vs ${layerTruth}`);
  // Static + dynamic = energy, everywhere; the static part is the idle power over the node's time.
  const check = (n: PredictedNode): void => {
    assert.ok(Math.abs(n.staticJ + n.dynamicJ - n.energyJ) < 1e-9 * Math.max(1, n.energyJ), n.node.scope);
    assert.ok(Math.abs(n.staticJ - TEST_HARDWARE.idlePowerW * n.timeS) < 1e-9 * Math.max(1, n.staticJ), n.node.scope);
    n.children.forEach(check);
  };
  check(p.root);
  assert.ok(Math.abs(p.timeS - tree.measuredModelTimeS!) / tree.measuredModelTimeS! < 0.1, `time ${p.timeS} vs ${tree.measuredModelTimeS}`);
  // Attributed energies split each parent exactly among its children.
  const attributed = layer.children.reduce((s, c) => s + c.energyJ, 0);
  assert.ok(Math.abs(attributed - layer.energyJ) < 1e-9 * layer.energyJ);
  assert.deepEqual(p.warnings, []);
});

test('per inference = per call x calls; shares of children add up to their parent; uncertainty from CV and noise', () => {
  const profile = train();
  // Stated errors: a 10 % sigma per level inside the training range; noise 20 % for small inputs (256 tokens here).
  for (const l of ['ml', 'module', 'model'] as const) profile.uncertainty.levels[l] = { baseRelative: 0.1, perLogDistance: 0.2 };
  profile.noise = { smallTokens: 1000, smallRelative: 0.2, largeRelative: 0.01, note: 'test' };
  const sigma = Math.sqrt(0.1 ** 2 + 0.2 ** 2);
  const tree = syntheticTree('new', 384, 2, 4, 64);
  tree.root.children[1]!.calls = 3; // a layer that runs three times (ALBERT-style sharing)
  for (const c of tree.root.children[1]!.children) c.calls = 3;
  const p = predictTree(tree, profile);
  const walk = (n: PredictedNode): void => {
    assert.ok(Math.abs(n.energyJ - n.energyPerCallJ * n.node.calls) < 1e-12 * Math.max(1, n.energyJ));
    assert.ok(n.energyJ > 0);
    assert.ok(Math.abs(n.uncertaintyJ - sigma * n.energyJ) < 1e-12, `${n.uncertaintyJ} vs ${sigma * n.energyJ}`);
    if (n.children.length > 0) {
      const s = n.children.reduce((a, c) => a + c.share, 0);
      assert.ok(Math.abs(s - n.share) < 1e-9, `${n.node.scope}: children shares ${s} vs ${n.share}`);
    }
    n.children.forEach(walk);
  };
  walk(p.root);
  assert.equal(p.root.share, 1);
  assert.equal(p.energyJ, p.root.energyJ);
  assert.ok(Math.abs(p.uncertaintyJ - sigma * p.energyJ) < 1e-12);
});

test('an unseen primitive kind uses the fallback, stays non-negative, and is named in a warning', () => {
  const profile = train();
  const tree = syntheticTree('new', 384, 2, 4, 64);
  const odd: ModelNode = {
    // A kind every measured tree lists when it runs, so it is kept and the fallback predicts it.
    scope: 'root.layer.0.conv',
    type: 'ml',
    instanceType: 'Conv2d',
    kind: 'conv',
    inputShapes: [],
    dtype: 'fp32',
    calls: 1,
    parameters: 0,
    flops: 0,
    memBytes: 1e9,
    children: [],
  };
  tree.root.children[0]!.children.push(odd);
  const p = predictTree(tree, profile);
  const rope = p.root.children[0]!.children[2]!;
  assert.equal(rope.node, odd);
  assert.ok(rope.isolatedEnergyJ > 0 && Number.isFinite(rope.isolatedEnergyJ), `alone ${rope.isolatedEnergyJ}`);
  // Its part of the model may be small (the weighting model has never seen it) but never negative.
  assert.ok(rope.energyJ >= 0 && Number.isFinite(rope.energyJ), `in the model ${rope.energyJ}`);
  assert.ok(p.warnings.some((w) => w.includes('Conv2d') && w.includes('fallback')));
});

test('warns about dtype and extrapolation, saying by how much', () => {
  const profile = train();
  const tree = syntheticTree('new', 384, 2, 32, 64); // trained batch sizes 1..8
  tree.dtype = 'bf16';
  const p = predictTree(tree, profile);
  assert.ok(p.warnings.some((w) => w.includes('bf16') && w.includes('fp32')));
  assert.ok(p.warnings.some((w) => w.includes('batch size 32') && w.includes('4.0x the largest')), p.warnings.join('\n'));
  // A width 4x the widest trained (512): linear FLOPs grow 16x at the same tokens; batch 32 adds 4x over batch 8.
  const wide = predictTree(syntheticTree('wide', 2048, 2, 8, 128), profile);
  assert.ok(wide.warnings.some((w) => /^linear primitives reach 16x the largest FLOPs/.test(w)), wide.warnings.join('\n'));
});

test('same seed gives the same weights; another seed another start', () => {
  const a = train(5).predictor.aggregation;
  const b = train(5).predictor.aggregation;
  const c = train(6).predictor.aggregation;
  assert.deepEqual(a.w, b.w);
  assert.equal(a.b, b.b);
  assert.notDeepEqual(a.w, c.w);
});

test('leave-one-model-out cross-validation reports per model and a mean; the baseline too', () => {
  const trees = syntheticForest();
  const cv = crossValidate(trees, { featureSet: 'specs', epochs: 150, setting: { hardware: TEST_HARDWARE } });
  assert.deepEqual(cv.perModel.map((r) => r.model), ['small', 'medium', 'large']);
  const mean = cv.perModel.reduce((s, r) => s + r.modelPct, 0) / 3;
  assert.ok(Math.abs(cv.overall.modelPct - mean) < 1e-12);
  // The leaves' law is exactly representable, so even held-out extremes (small, large) are predicted well;
  // modules and models carry the fitted time model's error as well.
  assert.ok(cv.overall.mlPct < 1 && cv.overall.modulePct < 10 && cv.overall.modelPct < 5, JSON.stringify(cv.overall));
  // Every held-out node left a residual for the uncertainty calibration.
  assert.ok(cv.residuals.some((r) => r.level === 'ml') && cv.residuals.some((r) => r.level === 'model'));
  const base = crossValidateFlopsBaseline(trees);
  assert.ok(Number.isNaN(base.overall.mlPct));
  assert.ok(base.overall.modelPct > 0);
  const profile = train();
  const ev = evaluateProfile(trees, profile);
  assert.equal(ev.perModel.length, 3);
  assert.ok(ev.overall.modelPct < 5);
});

test('training reports progress up to 1 and stops when aborted', () => {
  const seen: number[] = [];
  trainProfile(syntheticForest(), {
    name: 's',
    hardware: TEST_HARDWARE,
    dtype: 'fp32',
    energySource: 'a formula',
    fit: { epochs: 40 },
    onProgress: (f) => seen.push(f),
  });
  assert.ok(seen.length > 3);
  assert.equal(seen[seen.length - 1], 1);
  assert.ok(seen.every((f, i) => i === 0 || f >= seen[i - 1]! - 1e-12), 'progress never goes back');
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => crossValidate(syntheticForest(), { featureSet: 'specs', signal: ac.signal, setting: { hardware: TEST_HARDWARE } }), AbortedError);
});

test('training uses only trees of the profile dtype and says how many it left out', () => {
  const trees = syntheticForest();
  trees[0]!.dtype = 'bf16';
  const p = trainProfile(trees, { name: 's', hardware: TEST_HARDWARE, dtype: 'fp32', energySource: 'x', skipCrossValidation: true, fit: { epochs: 20 } });
  assert.equal(p.trainingData.trees, trees.length - 1);
  assert.match(p.trainingData.description, /1 trees in bf16 left out/);
  assert.throws(
    () => trainProfile(trees, { name: 's', hardware: TEST_HARDWARE, dtype: 'fp16', energySource: 'x', skipCrossValidation: true }),
    /for fp16: the data holds only (bf16, fp32|fp32, bf16) trees; train for one of those dtypes/,
  );
});
