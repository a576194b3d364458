/**
 * Model-level FLOPs of trees built from configs against the IrEne paper's
 * published measurements (data/irene/device_{1,2}/model_level_features.csv).
 * IrEne writes MFLOPs and counts a Linear on 3-D input as
 * tokens x (2 x in x out + out): the bias add is counted there and not here,
 * so the test adds tokens x out for every biased Linear / Conv1D before
 * comparing. Configs are the HF configs recorded with the H100 trees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { totalFlops, walkTree } from '../../../../src/engine/tree/treeWalk.js';
import type { ModelNode } from '../../../../src/engine/tree/modelNode.js';
import { loadMeasuredTrees } from './measuredTrees.js';

const MODELS = ['bert-base-uncased', 'distilbert-base-uncased', 'roberta-base', 'gpt2', 'distilgpt2', 'openai-gpt'];
const configs = new Map(loadMeasuredTrees().map((l) => [l.model_name, l.config]));

/** tokens x out of every Linear-like node with a bias, per inference (FLOPs). */
function biasFlops(root: ModelNode): number {
  let sum = 0;
  for (const { node } of walkTree(root)) {
    if (node.kind !== 'linear') continue;
    const shape = node.inputShapes[0]!;
    const inF = shape[shape.length - 1]!;
    const tokens = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const out = node.parameters / (inF + 1); // all Linear / Conv1D of these six models have a bias
    assert.ok(Number.isInteger(out), `${node.scope} has no bias`);
    sum += node.calls * tokens * out;
  }
  return sum;
}

for (const device of ['device_1', 'device_2']) {
  test(`IrEne ${device} model-level FLOPs agree within 0.1 % once the bias term is added`, (t) => {
    const path = join(__dirname, `../../../../data/irene/${device}/model_level_features.csv`);
    const [header, ...rows] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
    const cols = header!.split(',');
    const at = (name: string) => cols.indexOf(name);
    const worst = new Map<string, number>();
    let checked = 0;
    for (const row of rows) {
      const r = row.split(',');
      const name = r[at('model_name')]!;
      if (!MODELS.includes(name)) continue;
      const batchSize = Math.round(Number(r[at('batch_size')]));
      const seqLen = Math.round(Number(r[at('seq_len')]));
      const tree = buildTreeFromConfig(configs.get(name)!, { batchSize, seqLen, dtype: 'fp32' });
      const mine = totalFlops(tree.root) + biasFlops(tree.root);
      const theirs = Number(r[at('flops')]) * 1e6;
      const d = Math.abs(mine - theirs) / theirs;
      worst.set(name, Math.max(worst.get(name) ?? 0, d));
      assert.ok(d < 0.001, `${name} ${batchSize}x${seqLen}: ${mine} vs IrEne ${theirs}`);
      checked++;
    }
    for (const [name, d] of worst) t.diagnostic(`${device} ${name}: max FLOPs difference ${(d * 100).toFixed(4)} %`);
    assert.equal(worst.size, MODELS.length);
    assert.ok(checked >= 6 * 20);
  });
}
