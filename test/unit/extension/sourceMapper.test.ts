import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateConfigKeys } from '../../../src/engine/importers/hfConfig/configKeyLocator.js';
import { PredictionIndex } from '../../../src/extension/predictionIndex.js';
import { ConfigSourceMapper, LineSourceMapper, OnnxTextSourceMapper, anchorAt } from '../../../src/extension/sourceMapper.js';
import { BERTISH, prediction, type Spec } from './predictedTreeBuilder.js';

const CONFIG = `{
  "model_type": "bert",
  "hidden_size": 768,
  "num_hidden_layers": 2,
  "vocab_size": 30522
}`;

function input(spec: Spec, text: string, scopeLines?: Record<string, number>) {
  const p = prediction(spec);
  return { text, prediction: p, index: new PredictionIndex(p.root), scopeLines };
}

test('config anchors sit on the keys that control nodes, with the key range', () => {
  const i = input(BERTISH, CONFIG);
  const anchors = new ConfigSourceMapper(locateConfigKeys).anchors(i);
  assert.deepEqual(anchors.map((a) => [a.configKey, a.line]), [['num_hidden_layers', 3], ['vocab_size', 4]]);
  const layers = anchors[0]!;
  // The quoted key "num_hidden_layers" starts after two spaces of indentation.
  assert.equal(layers.column, 2);
  assert.equal(layers.endColumn, 2 + '"num_hidden_layers"'.length);
  assert.equal(layers.nodes.length, 2);
  assert.equal(anchorAt(anchors, 3, 5), layers);
  assert.equal(anchorAt(anchors, 2, 5), undefined, 'hidden_size controls no node here');
});

test('config locate finds the key of a node or of its ancestor', () => {
  const i = input(BERTISH, CONFIG);
  const m = new ConfigSourceMapper(locateConfigKeys);
  assert.equal(m.locate(i, i.index.byScope('root.encoder.layer.1.dense')!)?.line, 3);
  assert.equal(m.locate(i, i.index.byScope('root.embeddings.word_embeddings')!)?.line, 4);
  assert.equal(m.locate(i, i.index.byScope('root.pooler')!), undefined);
});

test('anchorAt prefers the range under the cursor when a line holds several keys', () => {
  const text = '{"num_hidden_layers": 2, "vocab_size": 30522, "model_type": "bert"}';
  const anchors = new ConfigSourceMapper(locateConfigKeys).anchors(input(BERTISH, text));
  const at = (col: number) => anchorAt(anchors, 0, col)?.configKey;
  assert.equal(at(text.indexOf('vocab_size')), 'vocab_size');
  assert.equal(at(text.indexOf('num_hidden')), 'num_hidden_layers');
  assert.equal(at(text.indexOf('bert')), undefined, 'two anchors on the line and none under the cursor');
});

test('ONNX text anchors come from the renderer scope lines; modules are annotated, primitives not', () => {
  const text = ['model', 'encoder', '  layer.0', '    dense MatMul', '  layer.1', '    dense MatMul'].join('\n');
  const i = input(BERTISH, text, {
    'root.encoder': 1,
    'root.encoder.layer.0': 2,
    'root.encoder.layer.0.dense': 3,
    'root.encoder.layer.1': 4,
    'root.encoder.layer.1.dense': 5,
    'root.gone': 0,
    'root.pooler': 99,
  });
  const m = new OnnxTextSourceMapper();
  const anchors = m.anchors(i);
  assert.deepEqual(anchors.map((a) => a.line), [1, 2, 3, 4, 5], 'unknown scopes and lines past the end are skipped');
  assert.deepEqual(anchors.map((a) => a.annotate), [true, true, false, true, false]);
  assert.equal(anchors[2]!.endColumn, '    dense MatMul'.length);
  assert.equal(m.locate(i, i.index.byScope('root.pooler.dense')!), undefined);
  assert.equal(m.locate(i, i.index.byScope('root.encoder.layer.1.dense')!)?.line, 5);
});

test('line anchors (Python) group top-most nodes by source line', () => {
  const spec: Spec = {
    scope: 'root',
    children: [
      { scope: 'root.a', line: 4, children: [{ scope: 'root.a.x', perCallJ: 1, line: 4 }] },
      { scope: 'root.b', perCallJ: 2, line: 7 },
      { scope: 'root.c', perCallJ: 3, line: 7 },
    ],
  };
  const text = Array.from({ length: 10 }, (_, n) => `line ${n}`).join('\n');
  const i = input(spec, text);
  const anchors = new LineSourceMapper('python').anchors(i);
  assert.deepEqual(anchors.map((a) => [a.line, a.nodes.map((n) => n.node.scope)]), [[4, ['root.a']], [7, ['root.b', 'root.c']]]);
  assert.equal(anchors[0]!.annotate, true);
  assert.equal(anchors[1]!.annotate, false);
});
