import { test } from 'node:test';
import assert from 'node:assert/strict';
import { energyByKind, roleOf, topModules, topPrimitives } from '../../../src/engine/analysis/bottlenecks.js';
import { toEnergyHierarchy } from '../../../src/engine/analysis/energyHierarchy.js';
import { bertLike, predicted } from './syntheticTree.js';

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

test('roles collapse layer indices and drop the root', () => {
  assert.equal(roleOf('root.encoder.layer.11.attention.self.query'), 'encoder.layer.*.attention.self.query');
  assert.equal(roleOf('root.h.0.attn.matmul.1'), 'h.*.attn.matmul.*');
  assert.equal(roleOf('root'), 'root');
});

test('top modules rank the innermost modules of all layers together', () => {
  const h = toEnergyHierarchy(predicted(bertLike(4)));
  const rows = topModules(h, 5);
  // innermost modules are the attention and MLP blocks only
  assert.deepEqual(rows.map((r) => r.role), ['encoder.layer.*.mlp', 'encoder.layer.*.attention']);
  assert.equal(rows[0]!.scopes.length, 4);
  assert.equal(rows[0]!.scopes[0], 'root.encoder.layer.0.mlp');
  assert.ok(close(rows[0]!.energyJ, 4 * (0.08 + 0.004 + 0.003)));
  assert.ok(close(rows[1]!.energyJ, 4 * (0.06 + 0.01 + 0.005)));
  const total = 0.006 + 4 * 0.163;
  assert.ok(close(rows[0]!.share, (4 * 0.087) / total));
  // identical layers: uncertainties add linearly (the synthetic sigma is 10 % of energy)
  assert.ok(close(rows[0]!.uncertaintyJ, 0.1 * 4 * 0.087));
});

test('top primitives are sorted by energy and limited', () => {
  const h = toEnergyHierarchy(predicted(bertLike(2)));
  const rows = topPrimitives(h, 3);
  assert.equal(rows.length, 3);
  assert.equal(rows[0]!.role, 'encoder.layer.*.mlp.dense');
  assert.ok(close(rows[0]!.energyJ, 2 * 0.08));
  // query, key and value tie at 0.04 J: alphabetical order breaks the tie
  assert.equal(rows[1]!.role, 'encoder.layer.*.attention.key');
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.energyJ >= rows[i]!.energyJ);
});

test('energy by kind adds primitives per family and shares sum to one', () => {
  const layers = 3;
  const h = toEnergyHierarchy(predicted(bertLike(layers)));
  const rows = energyByKind(h);
  const get = (g: string) => rows.find((r) => r.group === g)!;
  assert.ok(close(get('linear').energyJ, layers * (0.06 + 0.08)));
  assert.equal(get('linear').count, layers * 4);
  assert.ok(close(get('attention-matmul').energyJ, layers * 0.01));
  assert.ok(close(get('softmax').energyJ, layers * 0.005));
  assert.ok(close(get('normalisation').energyJ, layers * 0.003));
  assert.ok(close(get('elementwise').energyJ, layers * 0.004));
  assert.ok(close(get('embedding').energyJ, 0.006));
  assert.equal(get('memory').energyJ, 0);
  assert.ok(close(rows.reduce((s, r) => s + r.share, 0), 1));
  // module overheads are not a primitive family
  const primitives = layers * 0.162 + 0.006;
  assert.ok(close(get('linear').share, (layers * 0.14) / primitives));
});
