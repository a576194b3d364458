import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ModelNode, ModelTree, PredictedNode, PredictionLike } from '../../../../src/engine/index.js';
import { importPythonModel } from '../../../../src/engine/importers/python/pythonImporter.js';
import { classLensTitle, pythonAnchorMarkdown } from '../../../../src/extension/python/pythonAnchorText.js';
import { PythonSourceMapper } from '../../../../src/extension/python/pythonSourceMapper.js';
import { PredictionIndex } from '../../../../src/extension/predictionIndex.js';

const dir = join(__dirname, '../../../fixtures/python/hf_bert');
const text = readFileSync(join(dir, 'modeling_bert.py'), 'utf8');
const configText = readFileSync(join(dir, 'config.json'), 'utf8');
const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));
const display = { unit: 'J' as const, carbonIntensity: 400 };
const PROFILE = 'test-profile';

/**
 * A stand-in prediction (1 nJ per FLOP plus 1 nJ per byte) so that these tests check the mapping, not the
 * predictor (whose bundled profiles change while they are trained).
 */
function predict(tree: ModelTree): PredictionLike {
  const total = (n: ModelNode): number => (n.flops + n.memBytes) * 1e-9 * n.calls;
  const rootJ = total(tree.root);
  const conv = (n: ModelNode): PredictedNode => ({
    node: n,
    energyPerCallJ: (n.flops + n.memBytes) * 1e-9,
    energyJ: total(n),
    isolatedEnergyJ: total(n),
    uncertaintyJ: total(n) * 0.1,
    share: total(n) / rootJ,
    timeS: total(n) / 200,
    staticJ: total(n) / 2,
    dynamicJ: total(n) / 2,
    regime: 'compute',
    children: n.children.map(conv),
  });
  return { modelName: tree.modelName, profile: { name: PROFILE }, batchSize: tree.batchSize, seqLen: tree.seqLen, dtype: tree.dtype, energyJ: rootJ, uncertaintyJ: rootJ * 0.1, timeS: rootJ / 200, staticJ: rootJ / 2, dynamicJ: rootJ / 2, regime: 'compute', idlePowerW: 100, warnings: [], root: conv(tree.root) };
}

function setup() {
  const { tree } = importPythonModel(text, { batchSize: 8, seqLen: 256, dtype: 'bf16', fileName: 'modeling_bert.py', configText });
  const prediction = predict(tree);
  const index = new PredictionIndex(prediction.root);
  const mapper = new PythonSourceMapper();
  const input = { text, prediction, index, ...(tree.outline ? { outline: tree.outline } : {}) };
  return { tree, prediction, index, mapper, input, anchors: mapper.anchors(input) };
}

describe('PythonSourceMapper (extension adapter)', () => {
  it('puts every instance of a class on its class line and each layer line on its nodes', () => {
    const { anchors, prediction } = setup();
    const layerClass = anchors.find((a) => a.className === 'BertLayer');
    assert.ok(layerClass);
    assert.equal(layerClass.line, lineOf('class BertLayer('));
    assert.equal(layerClass.nodes.length, 12);
    assert.deepEqual(layerClass.nodes.map((n) => n.node.scope).slice(0, 3), ['root.encoder.layer.0', 'root.encoder.layer.1', 'root.encoder.layer.2']);
    const root = anchors.find((a) => a.className === 'BertModel');
    assert.deepEqual(root?.nodes, [prediction.root]);
    const query = anchors.find((a) => a.line === lineOf('self.query = nn.Linear'));
    assert.ok(query);
    assert.equal(query.nodes.length, 12);
    assert.ok(query.nodes.every((n) => n.node.scope.endsWith('.attention.self.query')));
    assert.equal(query.annotate, true);
    // No anchor stands for a node and one of its ancestors.
    for (const a of anchors) {
      const scopes = a.nodes.map((n) => n.node.scope);
      assert.ok(scopes.every((s) => !scopes.some((t) => t !== s && s.startsWith(`${t}.`))), a.line.toString());
    }
  });

  it("takes class lines from the importer's outline, so the extension host never parses Python", () => {
    const { tree, prediction, index } = setup();
    // The importer lists each model class at the line and column of its name.
    const layer = tree.outline?.classes.find((c) => c.name === 'BertLayer');
    assert.equal(layer?.line, lineOf('class BertLayer('));
    assert.equal(layer?.column, 'class '.length);
    assert.ok(tree.outline!.classes.every((c) => text.split('\n')[c.line]!.slice(c.column).startsWith(c.name)));
    // Without an outline (a prediction from another importer) there are no class lines; layer lines still come from the tree.
    const anchors = new PythonSourceMapper().anchors({ text, prediction, index });
    assert.equal(anchors.filter((a) => a.className !== undefined).length, 0);
    const query = anchors.find((a) => a.line === lineOf('self.query = nn.Linear'));
    assert.equal(query?.nodes.length, 12);
  });

  it('locates a node on its own line (reveal in source)', () => {
    const { mapper, input, index } = setup();
    const q = index.byScope('root.encoder.layer.4.attention.self.query')!;
    assert.equal(mapper.locate(input, q)?.line, lineOf('self.query = nn.Linear'));
    const soft = index.byScope('root.encoder.layer.4.attention.self.softmax.2')!;
    assert.equal(mapper.locate(input, soft)?.line, lineOf('attention_probs = nn.functional.softmax'));
  });

  it('writes the class lens and the ModuleList-style hover from the predicted numbers', () => {
    const { anchors, prediction } = setup();
    const attn = anchors.find((a) => a.className === 'BertSelfAttention')!;
    const total = attn.nodes.reduce((s, n) => s + n.energyJ, 0);
    const share = attn.nodes.reduce((s, n) => s + n.share, 0);
    const title = classLensTitle(attn, prediction, display);
    assert.ok(title.startsWith('⚡ '), title);
    assert.ok(title.includes(`of ${prediction.modelName}`), title);
    assert.ok(title.includes('batch 8 × 256'), title);
    assert.ok(title.includes(PROFILE), title);
    assert.ok(share > 0 && share < 1);
    assert.ok(total > 0);
    const query = anchors.find((a) => a.line === lineOf('self.query = nn.Linear'))!;
    const md = pythonAnchorMarkdown(query, prediction, display);
    assert.ok(md.includes('**12 nodes**'), md);
    // One row per layer, in layer order, with its own energy.
    const rows = md.split('\n').filter((l) => l.startsWith('| `root.encoder.layer.'));
    assert.equal(rows.length, 12);
    assert.ok(rows[11]!.startsWith('| `root.encoder.layer.11.attention.self.query`'), rows[11]);
    assert.ok(md.includes('| Calls per inference | 12 |'), md);
    const cls = pythonAnchorMarkdown(attn, prediction, display);
    assert.ok(cls.startsWith('**class BertSelfAttention** (12 instances)'), cls);
  });

  it('says in the hover what the source did not resolve', () => {
    const { tree } = importPythonModel(text, { batchSize: 8, seqLen: 256, dtype: 'bf16', fileName: 'modeling_bert.py' });
    const prediction = predict(tree);
    const input = { text, prediction, index: new PredictionIndex(prediction.root), outline: tree.outline! };
    const anchors = new PythonSourceMapper().anchors(input);
    const query = anchors.find((a) => a.line === lineOf('self.query = nn.Linear'))!;
    const md = pythonAnchorMarkdown(query, prediction, display);
    assert.ok(/Not resolved from the source: .*`config\.hidden_size`/.test(md), md);
    assert.ok(classLensTitle(anchors.find((a) => a.className === 'BertModel')!, prediction, display).includes('incomplete'));
  });
});
