import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseCountsLine, selectTrainingPhases } from '../../../src/engine/predict/trainingPhases.js';
import type { ModelTree, Phase } from '../../../src/engine/tree/modelNode.js';

function tree(name: string, phase?: Phase): ModelTree {
  const t: ModelTree = {
    modelName: name,
    format: 'irene-jsonl',
    batchSize: 1,
    seqLen: 8,
    dtype: 'fp32',
    root: { scope: 'root', type: 'model', instanceType: 'M', inputShapes: [], dtype: 'fp32', calls: 1, parameters: 0, flops: 1, memBytes: 1, children: [] },
    warnings: [],
  };
  if (phase) t.phase = phase;
  return t;
}

const trees = [tree('a'), tree('b', 'prefill'), tree('c', 'decode'), tree('d', 'decode'), tree('e')];

test('the default keeps forward passes (a tree without a phase is one) and prefills; decode and all as asked', () => {
  const names = (s: 'forward' | 'decode' | 'all') => selectTrainingPhases(trees, s).trees.map((t) => t.modelName);
  assert.deepEqual(names('forward'), ['a', 'b', 'e']);
  assert.deepEqual(names('decode'), ['c', 'd']);
  assert.deepEqual(names('all'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(selectTrainingPhases(trees, 'decode').counts, { forward: 2, prefill: 1, decode: 2 }, 'counts are over all trees');
});

test('the line counts each phase and names the flag for what was left out', () => {
  const { counts } = selectTrainingPhases(trees, 'forward');
  assert.equal(phaseCountsLine(counts, 'forward'), 'trees by phase: 2 forward, 1 prefill, 2 decode; using forward + prefill (3); 2 decode left out (--phase decode or --phase all to use them)');
  assert.equal(phaseCountsLine(counts, 'decode'), 'trees by phase: 2 forward, 1 prefill, 2 decode; using decode (2); 2 forward, 1 prefill left out (--phase forward or --phase all to use them)');
  assert.equal(phaseCountsLine(counts, 'all'), 'trees by phase: 2 forward, 1 prefill, 2 decode; using forward + prefill + decode (5)');
});
