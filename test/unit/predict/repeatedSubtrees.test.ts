/**
 * Repeated subtrees are priced once (predict/repeatedSubtrees.ts): which
 * nodes count as repeats, and that predicting with the shared figures gives
 * exactly (bit for bit) what predicting every node on its own gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { predictTree } from '../../../src/engine/predict/predictor.js';
import { repeatedSubtrees } from '../../../src/engine/predict/repeatedSubtrees.js';
import { getBundledProfile } from '../../../src/engine/profiles/profileStore.js';
import type { ModelNode, ModelTree, PredictedNode } from '../../../src/engine/tree/modelNode.js';
import { walkTree } from '../../../src/engine/tree/treeWalk.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'configs');
const llama = JSON.parse(readFileSync(join(FIXTURES, 'llama.json'), 'utf8')) as Record<string, unknown>;
const gpt2 = JSON.parse(readFileSync(join(FIXTURES, 'gpt2.json'), 'utf8')) as Record<string, unknown>;

const layers = (t: ModelTree): ModelNode[] => t.root.children.filter((c) => /\.(layers|h)\.\d+$/.test(c.scope));

test('identical layers repeat the first; scopes and sources do not count, any other field does', () => {
  const tree = buildTreeFromConfig(llama, { batchSize: 2, seqLen: 64, dtype: 'bf16' });
  const ls = layers(tree);
  assert.ok(ls.length >= 3);
  const [first, second, third] = ls as [ModelNode, ModelNode, ModelNode];
  third.source = { configKey: 'num_hidden_layers' };
  // One leaf of the second layer does more work: that leaf and its ancestors are no repeats.
  const path: ModelNode[] = [second];
  while (path[path.length - 1]!.children.length > 0) path.push(path[path.length - 1]!.children[0]!);
  const leaf = path[path.length - 1]!;
  leaf.flops += 1;
  const repeats = repeatedSubtrees(tree.root);
  assert.equal(repeats.get(third), first);
  for (const n of path) assert.equal(repeats.has(n), false, n.scope);
  // The third layer, node by node, repeats the first (or what the first repeats inside itself: alike projections).
  const firstNodes = [...walkTree(first)].map((e) => e.node);
  [...walkTree(third)].forEach((e, i) => assert.equal(repeats.get(e.node), repeats.get(firstNodes[i]!) ?? firstNodes[i], e.node.scope));
  assert.equal(repeats.has(first), false);
  assert.equal(repeats.has(tree.root), false);
  // Every repeat maps to a first occurrence, which is never a repeat itself.
  for (const f of repeats.values()) assert.equal(repeats.has(f), false);
});

/** A copy of the tree in which no two nodes are alike (a distinct extra field on each), which the predictor ignores. */
function withoutRepeats(tree: ModelTree): ModelTree {
  const copy = structuredClone(tree);
  let k = 0;
  for (const { node } of walkTree(copy.root)) (node as unknown as Record<string, unknown>)['distinct'] = k++;
  return copy;
}

const FIELDS = ['energyJ', 'energyPerCallJ', 'isolatedEnergyJ', 'uncertaintyJ', 'share', 'timeS', 'staticJ', 'dynamicJ', 'regime'] as const;

function assertSamePrediction(a: PredictedNode, b: PredictedNode): void {
  assert.equal(a.node.scope, b.node.scope);
  for (const f of FIELDS) assert.equal(a[f], b[f], `${a.node.scope} ${f}`);
  assert.equal(a.children.length, b.children.length);
  a.children.forEach((c, i) => assertSamePrediction(c, b.children[i]!));
}

for (const [name, config, profile] of [
  ['llama decode, h100-bf16', llama, 'h100-bf16'],
  ['gpt2 forward, irene-device-1 (vocabulary cut)', gpt2, 'irene-device-1'],
] as const) {
  test(`predicting repeats once gives bit-identical figures: ${name}`, () => {
    const tree =
      config === llama
        ? buildTreeFromConfig(config, { batchSize: 4, seqLen: 1, context: 300, dtype: 'bf16', phase: 'decode' })
        : buildTreeFromConfig(config, { batchSize: 4, seqLen: 128, dtype: 'fp32' });
    const plain = withoutRepeats(tree);
    assert.equal(repeatedSubtrees(plain.root).size, 0);
    assert.ok(repeatedSubtrees(tree.root).size > 0);
    for (const graphs of [false, true]) {
      const p = predictTree(tree, getBundledProfile(profile), { graphs });
      const q = predictTree(plain, getBundledProfile(profile), { graphs });
      assertSamePrediction(p.root, q.root);
      assert.deepEqual(p.warnings, q.warnings);
    }
  });
}
