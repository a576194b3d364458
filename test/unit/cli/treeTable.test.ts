/**
 * The CLI's text table folds runs of identical siblings (same class, same
 * subtree, same rows to the displayed precision) into one row
 * `layer.0-3 (BertLayer) ×4` with the first expanded; --expand-repeats shows all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldRepeats, formatTreeTable, lastSegment } from '../../../src/cli/format/treeTable.js';
import { bertLike, predicted, type NodeSpec } from '../analysis/syntheticTree.js';

const labels = (table: string): string[] =>
  table
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^[\s│├└─]+/, '').split(/\s{2,}/)[0]!);

/** The layer specs of a bertLike spec, to edit one of them. */
function layersOf(spec: NodeSpec): NodeSpec[] {
  return spec.children![1]!.children![0]!.children!;
}

test('identical layers fold into one row with the first expanded; --expand-repeats shows every one', () => {
  const root = predicted(bertLike(4));
  const folded = labels(formatTreeTable(root, { maxDepth: 6 }));
  assert.ok(folded.includes('layer.0-3 (BertLayer) ×4'), folded.join('\n'));
  assert.equal(folded.filter((l) => l === 'query (Linear)').length, 1, 'one layer expanded');
  assert.ok(!folded.some((l) => /^layer\.[1-3] /.test(l)));

  const all = labels(formatTreeTable(root, { maxDepth: 6, expandRepeats: true }));
  assert.deepEqual(all.filter((l) => l.startsWith('layer.')), ['layer.0 (BertLayer)', 'layer.1 (BertLayer)', 'layer.2 (BertLayer)', 'layer.3 (BertLayer)']);
  assert.equal(all.filter((l) => l === 'query (Linear)').length, 4);
  assert.equal(all.length, folded.length + 3 * 11, 'three more layers of eleven rows each');
});

test('the folded row shows the first layer\'s numbers, which every folded layer shares', () => {
  const root = predicted(bertLike(3));
  const table = formatTreeTable(root, { maxDepth: 3 });
  const row = table.split('\n').find((l) => l.includes('layer.0-2 (BertLayer) ×3'))!;
  const single = formatTreeTable(root, { maxDepth: 3, expandRepeats: true }).split('\n').find((l) => l.includes('layer.0 (BertLayer)'))!;
  const numbers = (l: string) => l.replace(/^.*?\(BertLayer\)( ×\d+)?\s+/, '');
  assert.equal(numbers(row), numbers(single));
});

test('a layer whose energy differs at the displayed precision breaks the run; a difference below it does not', () => {
  const spec = bertLike(5);
  layersOf(spec)[2]!.children![0]!.children![0]!.energyJ = 0.03; // query of layer.2: 20 mJ -> 30 mJ
  layersOf(spec)[4]!.children![0]!.children![0]!.energyJ = 0.020000001; // not visible in three digits
  const got = labels(formatTreeTable(predicted(spec), { maxDepth: 3 })).filter((l) => l.startsWith('layer.'));
  // Down to the layers only (root > encoder > layer > layer.N): layer.2's query is not shown, but the
  // layer row is its sum and shows the difference. layer.3 and layer.4 fold again.
  assert.deepEqual(got, ['layer.0-1 (BertLayer) ×2', 'layer.2 (BertLayer)', 'layer.3-4 (BertLayer) ×2']);
});

test('a different subtree shape below the shown depth keeps siblings apart, and so do gaps in the numbering', () => {
  const spec = bertLike(3);
  layersOf(spec)[1]!.children![1]!.children!.push({ name: 'dropout', instanceType: 'Dropout', kind: 'activation', energyJ: 0 });
  assert.deepEqual(
    labels(formatTreeTable(predicted(spec), { maxDepth: 3 })).filter((l) => l.startsWith('layer.')),
    ['layer.0 (BertLayer)', 'layer.1 (BertLayer)', 'layer.2 (BertLayer)'],
  );
  const gap = predicted(bertLike(3)).children[1]!.children[0]!.children;
  gap[1] = { ...gap[1]!, node: { ...gap[1]!.node, scope: gap[1]!.node.scope.replace(/1$/, '7') } };
  assert.deepEqual(
    foldRepeats(gap, 1).map((r) => [r.label, r.count]),
    [[undefined, 1], [undefined, 1], [undefined, 1]],
  );
});

test('a row is named by the scope\'s last segment, keeping <kind>.<index> of functional ops together', () => {
  const cases: [string, string][] = [
    ['root', 'root'],
    ['root.encoder.layer', 'layer'],
    ['root.encoder.layer.3', 'layer.3'],
    ['root.matmul.12', 'matmul.12'],
    ['7', '7'],
    ['a.7', 'a.7'],
    ['.7', '.7'],
    ['a..7', '.7'],
    ['a.b.', ''],
    ['a.b.x7', 'x7'],
  ];
  for (const [scope, name] of cases) assert.equal(lastSegment(scope), name, scope);
});
