import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toEnergyHierarchy, walkEnergy, findDatum, pathTo } from '../../../src/engine/analysis/energyHierarchy.js';
import { layoutIcicle } from '../../../src/engine/analysis/icicleLayout.js';
import { renderIcicleSvg } from '../../../src/engine/analysis/icicleSvg.js';
import { bertLike, predicted } from './syntheticTree.js';

const close = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) <= eps * Math.max(1, Math.abs(a), Math.abs(b));

test('the hierarchy mirrors the predicted tree, node for node, with energy as values', () => {
  const tree = predicted(bertLike(3));
  const h = toEnergyHierarchy(tree);
  const scopesTree: string[] = [];
  const walk = (p: typeof tree): void => {
    scopesTree.push(p.node.scope);
    p.children.forEach(walk);
  };
  walk(tree);
  const data = [...walkEnergy(h)];
  assert.deepEqual(data.map((d) => d.scope), scopesTree);
  // 1 root + embeddings + encoder + layer list + 3 x (layer + 2 blocks + 8 primitives)
  assert.equal(data.length, 4 + 3 * 11);
  // The spec's numbers: a layer is 0.02*3 + 0.01 + 0.005 + 0.08 + 0.004 + 0.003 + overhead 0.001.
  const layerJ = 0.06 + 0.01 + 0.005 + 0.08 + 0.004 + 0.003 + 0.001;
  assert.ok(close(findDatum(h, 'root.encoder.layer.1')!.energyJ, layerJ));
  assert.ok(close(h.energyJ, 0.006 + 3 * layerJ));
  assert.ok(close(findDatum(h, 'root.encoder.layer.1')!.selfJ, 0.001));
});

test('layout values equal energy when modules cost at least their parts, and children never exceed the parent', () => {
  const h = toEnergyHierarchy(predicted(bertLike(4)));
  for (const d of walkEnergy(h)) {
    assert.ok(close(d.layoutValue, d.energyJ), `${d.scope}: ${d.layoutValue} vs ${d.energyJ}`);
    const sum = d.children.reduce((s, c) => s + c.layoutValue, 0);
    assert.ok(sum <= d.layoutValue * (1 + 1e-12), d.scope);
  }
  let leaves = 0;
  for (const d of walkEnergy(h)) if (d.children.length === 0) leaves += d.layoutValue;
  // leaves + the 4 layer overheads make the total
  assert.ok(close(leaves + 4 * 0.001, h.energyJ));
});

test('a module predicted below the sum of its parts shares its own width among them', () => {
  const h = toEnergyHierarchy(
    predicted({ name: 'root', instanceType: 'M', children: [{ name: 'a', instanceType: 'Block', overheadJ: -0.5, children: [
      { name: 'x', instanceType: 'Linear', kind: 'linear', energyJ: 1 },
      { name: 'y', instanceType: 'softmax', kind: 'softmax', energyJ: 3 },
    ] }, { name: 'b', instanceType: 'Linear', kind: 'linear', energyJ: 1.5 }] }),
  );
  // root = (1 + 3 - 0.5) + 1.5 = 5; a = 3.5 but its parts sum to 4
  assert.ok(close(h.energyJ, 5));
  const a = findDatum(h, 'root.a')!;
  assert.ok(close(a.selfJ, -0.5));
  assert.ok(close(a.layoutValue, 3.5));
  assert.ok(close(findDatum(h, 'root.a.x')!.layoutValue, 3.5 * (1 / 4)));
  assert.ok(close(findDatum(h, 'root.a.y')!.layoutValue, 3.5 * (3 / 4)));
  // the tables keep the predicted values
  assert.equal(findDatum(h, 'root.a.y')!.energyJ, 3);
});

test('negative or non-finite energies get no width and break nothing', () => {
  const h = toEnergyHierarchy(
    predicted({ name: 'root', instanceType: 'M', children: [
      { name: 'neg', instanceType: 'add', kind: 'elementwise', energyJ: -0.2 },
      { name: 'pos', instanceType: 'Linear', kind: 'linear', energyJ: 2 },
    ] }),
  );
  assert.equal(findDatum(h, 'root.neg')!.layoutValue, 0);
  const layout = layoutIcicle(h, { width: 500 });
  assert.ok(layout.cells.every((c) => Number.isFinite(c.x) && Number.isFinite(c.width)));
  assert.equal(layout.hiddenCount, 1);
});

test('icicle cells are as wide as their energy share and sit inside their parent', () => {
  const tree = predicted(bertLike(2));
  const h = toEnergyHierarchy(tree);
  const W = 1000;
  const layout = layoutIcicle(h, { width: W, rowHeight: 20 });
  assert.equal(layout.cells[0]!.datum.scope, 'root');
  assert.ok(close(layout.cells[0]!.width, W));
  const byScope = new Map(layout.cells.map((c) => [c.datum.scope, c]));
  // query is 0.02 J of a model of 0.006 + 2 x (0.075 + 0.087 + 0.001) J
  const total = 0.006 + 2 * 0.163;
  assert.ok(close(byScope.get('root.encoder.layer.0.attention.query')!.width, (0.02 / total) * W, 1e-6));
  for (const c of layout.cells) {
    const parentScope = c.datum.scope.slice(0, c.datum.scope.lastIndexOf('.'));
    const parent = byScope.get(parentScope);
    if (!parent) continue;
    assert.ok(c.x >= parent.x - 1e-6 && c.x + c.width <= parent.x + parent.width + 1e-6, c.datum.scope);
    assert.equal(c.y, parent.y + 20);
  }
  assert.equal(layout.height, 20 * 6); // root, encoder, layer list, layer, block, primitive
});

test('zooming lays out only the focused subtree at full width', () => {
  const h = toEnergyHierarchy(predicted(bertLike(3)));
  const layout = layoutIcicle(h, { width: 600, focusScope: 'root.encoder.layer.2.mlp' });
  assert.equal(layout.focus.scope, 'root.encoder.layer.2.mlp');
  assert.equal(layout.cells.length, 4);
  assert.ok(close(layout.cells[0]!.width, 600));
  assert.ok(layout.cells.every((c) => c.datum.scope.startsWith('root.encoder.layer.2.mlp')));
  assert.ok(close(layout.cells.find((c) => c.datum.scope.endsWith('.dense'))!.shareOfFocus, 0.08 / 0.087));
  assert.deepEqual(pathTo(h, 'root.encoder.layer.2.mlp').map((d) => d.name), ['root', 'encoder', 'layer', '2', 'mlp']);
  // an unknown scope falls back to the whole tree
  assert.equal(layoutIcicle(h, { width: 600, focusScope: 'root.nope' }).focus.scope, 'root');
});

test('cells are coloured by primitive family and modules as modules', () => {
  const h = toEnergyHierarchy(predicted(bertLike(1)));
  const group = (s: string): string => findDatum(h, s)!.group;
  assert.equal(group('root.encoder.layer.0.attention.query'), 'linear');
  assert.equal(group('root.encoder.layer.0.attention.matmul'), 'attention-matmul');
  assert.equal(group('root.encoder.layer.0.attention.softmax'), 'softmax');
  assert.equal(group('root.encoder.layer.0.mlp.norm'), 'normalisation');
  assert.equal(group('root.encoder.layer.0.mlp.act'), 'elementwise');
  assert.equal(group('root.encoder.layer.0'), 'module');
});

test('the icicle markup escapes names from the model file and marks one cell tabbable', () => {
  const h = toEnergyHierarchy(
    predicted({ name: 'root', instanceType: 'M', children: [{ name: '<script>alert("x")</script>', instanceType: 'a&b', kind: 'linear', energyJ: 1 }] }),
  );
  const svg = renderIcicleSvg(layoutIcicle(h, { width: 800 }), { title: 'T "quoted"' });
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('&lt;script&gt;'));
  assert.ok(svg.includes('a&amp;b'));
  assert.ok(svg.includes('aria-label="T &quot;quoted&quot;"'));
  assert.equal(svg.match(/data-testid="icicle-cell"/g)?.length, 2);
  assert.equal(svg.match(/tabindex="0"/g)?.length, 1);
});
