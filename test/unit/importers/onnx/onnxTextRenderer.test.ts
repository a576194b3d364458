/** The text view lists every node once, grouped by module, and scopeLines point at the right lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOnnxText } from '../../../../src/engine/importers/onnx/onnxTextRenderer.js';
import { onnxImporter } from '../../../../src/engine/importers/onnx/onnxImporter.js';
import { walkTree } from '../../../../src/engine/tree/treeWalk.js';

const dir = join(__dirname, '../../../fixtures/onnx/');
const opts = { batchSize: 8, seqLen: 256, dtype: 'fp32' as const };

for (const name of ['bert-base-uncased-tiny', 'gpt2-tiny', 'tinyllama-1.1b-tiny']) {
  test(`${name}: every node once, every module block where scopeLines says`, () => {
    const bytes = readFileSync(join(dir, `${name}.onnx`));
    const { text, scopeLines } = renderOnnxText(bytes, { ...opts, fileName: `${name}.onnx` });
    const lines = text.split('\n');
    const tree = onnxImporter.parse({ fileName: `${name}.onnx`, bytes }, opts);
    const nodeLines = lines.filter((l) => /^ {2}(%|_)/.test(l));
    const nodeCount = Number(/# (\d+) nodes/.exec(lines[2]!)?.[1]);
    assert.equal(nodeLines.length, nodeCount, 'one line per node');
    assert.equal(new Set(nodeLines).size, nodeLines.length, 'no node twice');
    for (const { node } of walkTree(tree.root)) {
      const line = scopeLines[node.scope];
      assert.ok(line !== undefined, `no line for ${node.scope}`);
      if (node.type === 'ml') {
        const last = node.scope.split('.').slice(-1)[0]!;
        assert.ok(lines[line]!.startsWith('  ') && lines[line]!.includes(`# `) && lines[line]!.includes(last), `${node.scope}: ${lines[line]}`);
      } else {
        assert.ok(lines[line]!.startsWith(`module ${node.scope} : ${node.instanceType}`), `${node.scope}: ${lines[line]}`);
      }
    }
    assert.match(lines[1]!, /^# ir_version 10 · opsets ai\.onnx 1[78] · producer pytorch/);
  });
}

test('shapes in the text follow the options and the config (heads x sequence x sequence scores)', () => {
  const cfg = JSON.parse(readFileSync(join(dir, 'bert-base-uncased-tiny.config.json'), 'utf8')) as { num_attention_heads: number; hidden_size: number };
  const { text } = renderOnnxText(readFileSync(join(dir, 'bert-base-uncased-tiny.onnx')), { ...opts, fileName: 'b.onnx' });
  const scores = text.split('\n').find((l) => l.includes('= Softmax('));
  assert.ok(scores?.endsWith(`: [${opts.batchSize},${cfg.num_attention_heads},${opts.seqLen},${opts.seqLen}]  # softmax.2`), scores);
  const h = cfg.hidden_size;
  assert.ok(text.includes(`= MatMul(%layer_norm, %val_40[${h}x${h}]) : [${opts.batchSize},${opts.seqLen},${h}]  # query`));
});
