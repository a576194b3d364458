import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, diffToCsv, markdownCell, predictionToCsv, sweepsToCsv, toJsonExport, toMarkdownExport } from '../../../src/engine/analysis/panelExports.js';
import { energyByKind, topModules, topPrimitives } from '../../../src/engine/analysis/bottlenecks.js';
import { toEnergyHierarchy } from '../../../src/engine/analysis/energyHierarchy.js';
import { diffPredictedTrees } from '../../../src/engine/analysis/compareTrees.js';
import { bertLike, predicted, prediction } from './syntheticTree.js';

/** A small RFC 4180 reader written for the test, independent of the exporter. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

test('CSV fields are quoted only when needed, quotes doubled, formulas defused', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField(-0.5), '-0.5');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(NaN), '');
});

test('the tree CSV has one row per node and survives awkward scope names', () => {
  const tree = predicted({ name: 'root', instanceType: 'M', children: [
    { name: 'a,"b"', instanceType: 'Linear', kind: 'linear', energyJ: 1.5 },
    { name: 'c\nd', instanceType: 'softmax', kind: 'softmax', energyJ: 0.5 },
  ] });
  const rows = readCsv(predictionToCsv(prediction(tree)));
  assert.equal(rows.length, 4);
  const header = rows[0]!;
  assert.equal(header.length, 12);
  const col = (name: string) => header.indexOf(name);
  assert.equal(rows[1]![col('scope')], 'root');
  assert.equal(rows[2]![col('scope')], 'root.a,"b"');
  assert.equal(rows[3]![col('scope')], 'root.c\nd');
  assert.equal(Number(rows[2]![col('energyJ')]), 1.5);
  assert.equal(Number(rows[2]![col('share')]), 0.75);
  assert.equal(rows[2]![col('kind')], 'linear');
  assert.ok(rows.every((r) => r.length === header.length));
});

test('diff and sweep CSVs carry every row', () => {
  const rows = diffPredictedTrees(predicted(bertLike(1)), predicted(bertLike(2)));
  const csv = readCsv(diffToCsv(rows));
  assert.equal(csv.length, rows.length + 1);
  assert.equal(csv.filter((r) => r[3] === 'added').length, 11);
  assert.equal(csv.find((r) => r[0] === 'root.encoder.layer.1')![4], ''); // no energy in A
  const sweep = readCsv(sweepsToCsv([{ axis: 'seqLen', points: [{ x: 16, energyJ: 1, uncertaintyJ: 0.1, perTokenJ: 1 / 16, perTokenUncertaintyJ: 0.1 / 16 }] }]));
  assert.deepEqual(sweep[1], ['seqLen', '16', '1', '0.1', '0.0625', '0.00625']);
});

test('the JSON export is exactly the prediction report schema', () => {
  const tree = predicted({ name: 'root', instanceType: 'Tiny', children: [{ name: 'fc', instanceType: 'Linear', kind: 'linear', energyJ: 2, uncertaintyJ: 0.25 }] });
  tree.node.flops = 10;
  tree.children[0]!.node.flops = 10;
  tree.children[0]!.node.memBytes = 48;
  tree.children[0]!.node.parameters = 6;
  const p = prediction(tree, 'tiny');
  p.warnings = ['assumed fp32'];
  assert.deepEqual(JSON.parse(toJsonExport(p)), {
    model: 'tiny',
    profile: 'test-profile',
    batchSize: 1,
    seqLen: 128,
    dtype: 'fp32',
    energyJ: 2,
    uncertaintyJ: 0.2,
    timeS: 0.01,
    staticJ: 1,
    dynamicJ: 1,
    regime: 'compute',
    idlePowerW: 100,
    warnings: ['assumed fp32'],
    tree: {
      scope: 'root', type: 'model', instanceType: 'Tiny', calls: 1, flops: 10, memBytes: 0, parameters: 0, energyJ: 2, isolatedEnergyJ: 2, uncertaintyJ: 0.2, share: 1,
      timeS: 0.01, staticJ: 1, dynamicJ: 1, regime: 'compute',
      children: [{ scope: 'root.fc', type: 'ml', instanceType: 'Linear', calls: 1, flops: 10, memBytes: 48, parameters: 6, energyJ: 2, isolatedEnergyJ: 2, uncertaintyJ: 0.25, share: 1, timeS: 0.01, staticJ: 1, dynamicJ: 1, regime: 'compute', children: [] }],
    },
  });
});

test('the Markdown export has the totals, one table row per bottleneck and escaped cells', () => {
  const tree = predicted(bertLike(2));
  const p = prediction(tree, 'my|model');
  const h = toEnergyHierarchy(tree);
  const md = toMarkdownExport({ prediction: p, topModules: topModules(h), topPrimitives: topPrimitives(h, 4), byKind: energyByKind(h) });
  assert.match(md, /^# Energy of my\\\|model$/m);
  assert.match(md, /\*\*0\.332 J ± 33\.2 mJ\*\*/); // 0.006 + 2 x 0.163 J, sigma 10 %
  const section = (title: string) => md.split(`## ${title}`)[1]!.split('\n## ')[0]!;
  const tableRows = (s: string) => s.split('\n').filter((l) => l.startsWith('| ')).length - 2; // minus header and separator
  assert.equal(tableRows(section('Top modules')), 2);
  assert.equal(tableRows(section('Top primitives')), 4);
  assert.equal(tableRows(section('Energy by primitive kind')), 6); // families with primitives
  assert.match(section('Top modules'), /\| encoder\.layer\.\*\.mlp \| BertIntermediate \| 2 \| 0\.174 J \|/);
  assert.ok(!md.includes('## Compare'));
  assert.equal(markdownCell('a|b\n<i>'), 'a\\|b &lt;i&gt;');
});

test('the Markdown export of a comparison lists only what differs', () => {
  const rows = diffPredictedTrees(predicted(bertLike(1)), predicted(bertLike(2)));
  const md = toMarkdownExport({ prediction: prediction(predicted(bertLike(1))), compare: { labelA: 'small', labelB: 'big', rows } });
  const section = md.split('## Compare: small vs big')[1]!;
  assert.equal(section.split('\n').filter((l) => l.startsWith('| ')).length - 2, 3 + 11);
});
