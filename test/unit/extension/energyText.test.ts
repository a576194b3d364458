import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregate,
  annotationText,
  memoryLine,
  configKeyMarkdown,
  escapeMarkdown,
  lensTitle,
  nodeMarkdown,
  nodesMarkdown,
  nodeDescription,
  relativeUncertainty,
  shareLevel,
  signedDelta,
  statusText,
} from '../../../src/extension/energyText.js';
import { BERTISH, prediction, predictedTree } from './predictedTreeBuilder.js';

const J = { unit: 'J' as const, carbonIntensity: 400 };

test('nodeDescription gives energy, share and ×N only for nodes that run more than once', () => {
  const root = predictedTree(BERTISH);
  const pooler = root.children[2]!.children[0]!; // 0.05 J per call, 2 calls = 0.1 J of 1.0 J
  assert.equal(nodeDescription(pooler, J), '0.100 J · 10.0 % · ×2');
  const embeddings = root.children[0]!;
  assert.ok(!nodeDescription(embeddings, J).includes('×'));
});

test('lensTitle names energy, batch × sequence, profile and relative uncertainty', () => {
  const p = prediction(BERTISH); // 1.0 J, uncertainty 10 %
  assert.equal(lensTitle(p, J), '⚡ 1.00 J per inference · batch 8 × 256 · test-profile · ±10 %');
  assert.match(lensTitle(p, { unit: 'mJ', carbonIntensity: 400 }), /⚡ 1000 mJ per inference/);
});

test('energies follow the unit: Wh divides by 3600, gCO2 uses the carbon intensity', () => {
  const p = prediction(BERTISH, { energyJ: 3600, uncertaintyJ: 0 });
  assert.equal(statusText(p, { unit: 'Wh', carbonIntensity: 400 }), '$(zap) 1.00 Wh');
  // 3600 J = 1 Wh = 0.001 kWh; at 500 g/kWh that is 0.5 g.
  assert.equal(statusText(p, { unit: 'gCO2', carbonIntensity: 500 }), '$(zap) 0.500 gCO2');
});

test('shareLevel buckets at 5 % and 20 %', () => {
  assert.equal(shareLevel(0), 'low');
  assert.equal(shareLevel(0.0499), 'low');
  assert.equal(shareLevel(0.05), 'medium');
  assert.equal(shareLevel(0.1999), 'medium');
  assert.equal(shareLevel(0.2), 'high');
});

test('aggregate sums energy and per-inference FLOPs and bytes (per call x calls)', () => {
  const root = predictedTree(BERTISH);
  const denses = root.children[1]!.children.map((layer) => layer.children[0]!);
  const agg = aggregate(denses);
  assert.equal(agg.nodes, 2);
  assert.ok(Math.abs(agg.energyJ - 0.8) < 1e-12);
  assert.ok(Math.abs(agg.share - 0.8) < 1e-12);
  assert.equal(agg.flops, 200);
  assert.equal(agg.memBytes, 20);
  assert.equal(agg.parameters, 100);
  assert.equal(agg.energyPerCallJ, undefined, 'per-call energy is only meaningful for one node');
  const pooler = aggregate([root.children[2]!.children[0]!]);
  assert.equal(pooler.flops, 14, '7 FLOPs per call, 2 calls');
  assert.equal(pooler.energyPerCallJ, 0.05);
  assert.equal(annotationText(pooler, J), '⚡ 0.100 J · 10.0 % · ×2');
});

test('relativeUncertainty is empty for zero energy and rounds to two digits', () => {
  assert.equal(relativeUncertainty(0, 1), '');
  assert.equal(relativeUncertainty(1, 0), '');
  assert.equal(relativeUncertainty(2, 0.0834), '±4.2 %');
});

test('configKeyMarkdown starts with the energy of the key and lists ±1 deltas with signs', () => {
  const p = prediction(BERTISH);
  const layers = p.root.children[1]!.children;
  const md = configKeyMarkdown('num_hidden_layers', layers, p, J, [
    { value: 3, deltaJ: 0.4 },
    { value: 1, deltaJ: -0.4 },
    { value: 0, deltaJ: undefined, error: 'bad' },
  ]);
  const firstEnergy = /(\d+(?:\.\d+)?) J/.exec(md);
  assert.equal(firstEnergy?.[1], '0.800');
  assert.match(md, /80\.0 %/);
  assert.match(md, /`num_hidden_layers: 3` → \+0\.400 J \(\+40 %\)/);
  assert.match(md, /`num_hidden_layers: 1` → −0\.400 J \(−40 %\)/);
  assert.match(md, /not predictable \(bad\)/);
});

test('signedDelta and escapeMarkdown', () => {
  assert.equal(signedDelta(-0.5, 2, J), '−0.500 J (−25 %)');
  assert.equal(escapeMarkdown('a_b*c[d]'), 'a\\_b\\*c\\[d\\]');
});

test('nodesMarkdown totals several nodes of one line and names a few of them', () => {
  const p = prediction(BERTISH);
  const layers = p.root.children[1]!.children;
  const md = nodesMarkdown(layers, p, J);
  assert.match(md, /^\*\*2 nodes\*\* from this line: 0\.800 J per inference, 80\.0 % of the model/);
  assert.match(md, /`root\.encoder\.layer\.0`, `root\.encoder\.layer\.1`/);
  assert.equal(nodesMarkdown([layers[0]!], p, J), nodeMarkdown(layers[0]!, p, J));
});

test('hovers and tooltips say the time, the regime, the static and dynamic split, and warn when the run does not fit', () => {
  const fits = prediction(BERTISH);
  const md = nodeMarkdown(fits.root, fits, { unit: 'J', carbonIntensity: 400 });
  assert.match(md, /\| Time per inference \| [\d.]+ ms, compute-bound \|/);
  assert.match(md, /\| Static \+ dynamic \| .* \(idle 100 W × time\) \+ /);
  assert.doesNotMatch(md, /Memory/);
  const tooBig = prediction(BERTISH, {
    memory: { fits: false, estimate: { totalBytes: 150e9, weightBytes: 138e9, activationBytes: 12e9 }, capacityBytes: 80e9, shortfallBytes: 70e9, devicesForWeights: 2 },
  });
  const warn = nodeMarkdown(tooBig.root, tooBig, { unit: 'J', carbonIntensity: 400 });
  assert.match(warn, /⚠ Memory \| does not fit: about 150 GB on a 80 GB device, short by 70 GB; the weights alone need 2 such GPUs/);
  assert.equal(memoryLine(fits), undefined);
});
