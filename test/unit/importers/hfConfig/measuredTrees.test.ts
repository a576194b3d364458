/**
 * Trees built from configs against the trees measured on an H100
 * (data/h100/trees.jsonl.gz): for each of the 33 lines, the tree built from
 * its `config` at its batch size, sequence length and dtype must have the
 * measured total FLOPs (within 1 %, the bar), the same module scopes
 * and classes, and the same per-call FLOPs, bytes and parameters on every
 * node both trees have.
 *
 * One documented difference: openai-gpt shares one activation module across
 * layers, which the measured tree records as `h.0.mlp.act` with calls 12;
 * the built tree gives each layer its own act (see openaiGpt.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import type { ModelNode } from '../../../../src/engine/tree/modelNode.js';
import { countNodes, totalFlops, walkTree } from '../../../../src/engine/tree/treeWalk.js';
import { engineDtype, loadMeasuredTrees, walkMeasured, type MeasuredNode } from './measuredTrees.js';

const lines = loadMeasuredTrees();

/** openai-gpt's per-layer activation nodes, and the modules whose totals hold them. */
const OPENAI_SHARED_ACT = /^root\.h\.\d+\.mlp\.act$/;
const OPENAI_ACT_HOLDERS = /^root\.h\.(\d+)(\.mlp)?$/;

function rel(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1);
}

test('there are 33 measured lines over 7 models', () => {
  assert.equal(lines.length, 33);
  assert.equal(new Set(lines.map((l) => l.model_name)).size, 7);
});

const worstTotal = new Map<string, number>();
let worstNodeFlops = { rel: 0, where: '' };
let worstNodeBytes = { rel: 0, where: '' };
let worstRootBytes = 0;

for (const line of lines) {
  const label = `${line.model_name} ${line.dtype} ${line.batch_size}x${line.seq_len}`;
  test(`measured tree ${label}`, () => {
    const tree = buildTreeFromConfig(line.config, { batchSize: line.batch_size, seqLen: line.seq_len, dtype: engineDtype(line.dtype) }, line.model_name);
    const isOpenAi = line.config['model_type'] === 'openai-gpt';
    const mine = new Map<string, ModelNode>([...walkTree(tree.root)].map(({ node }) => [node.scope, node]));
    const theirs = new Map<string, MeasuredNode>([...walkMeasured(line.frontend_tree)].map((n) => [n.scope, n]));

    // total FLOPs (sum of leaves x calls on both sides)
    let measuredTotal = 0;
    for (const n of theirs.values()) if (n.child_nodes_obj.length === 0) measuredTotal += n.flops * n.calls;
    const d = rel(totalFlops(tree.root), measuredTotal);
    worstTotal.set(line.model_name, Math.max(worstTotal.get(line.model_name) ?? 0, d));
    assert.ok(d < 0.01, `${label}: total FLOPs ${totalFlops(tree.root)} vs measured ${measuredTotal}`);
    const rb = rel(tree.root.memBytes, line.frontend_tree.mem_bytes);
    worstRootBytes = Math.max(worstRootBytes, rb);

    // same module scopes; same ml scopes except openai-gpt's per-layer activations
    const modules = (it: Iterable<[string, { type: string }]>) => [...it].filter(([, n]) => n.type !== 'ml').map(([s]) => s).sort();
    assert.deepEqual(modules(mine), modules(theirs));
    const extra = [...mine.keys()].filter((s) => !theirs.has(s));
    const missing = [...theirs.keys()].filter((s) => !mine.has(s));
    assert.deepEqual(missing, [], `${label}: measured nodes the built tree lacks`);
    if (isOpenAi) {
      assert.ok(extra.every((s) => OPENAI_SHARED_ACT.test(s)), `${label}: unexpected extra nodes ${extra.join(', ')}`);
      assert.equal(extra.length, Number(line.config['n_layer']) - 1);
    } else {
      assert.deepEqual(extra, []);
      assert.equal(countNodes(tree.root), theirs.size);
    }

    for (const [scope, m] of theirs) {
      const n = mine.get(scope)!;
      assert.equal(n.instanceType, m.instance_type, `${label} ${scope} class`);
      assert.equal(n.type, m.type, `${label} ${scope} type`);
      assert.equal(n.parameters, m.num_parameters, `${label} ${scope} parameters`);
      let expectFlops = m.flops;
      let expectBytes = m.mem_bytes;
      if (isOpenAi && scope === 'root.h.0.mlp.act') {
        // measured: one shared module, calls = n_layer; built: calls 1 in each layer
        assert.equal(m.calls, Number(line.config['n_layer']));
        assert.equal(n.calls, 1);
      } else {
        assert.equal(n.calls, m.calls, `${label} ${scope} calls`);
      }
      const holder = isOpenAi ? OPENAI_ACT_HOLDERS.exec(scope) : null;
      if (holder) {
        // move the shared act's calls from layer 0 to one per layer
        const act = mine.get(`root.h.${holder[1]}.mlp.act`)!;
        const measuredActCalls = holder[1] === '0' ? Number(line.config['n_layer']) : 0;
        expectFlops += (1 - measuredActCalls) * act.flops;
        expectBytes += (1 - measuredActCalls) * act.memBytes;
      }
      const rf = rel(n.flops, expectFlops);
      const rbn = rel(n.memBytes, expectBytes);
      if (rf > worstNodeFlops.rel) worstNodeFlops = { rel: rf, where: `${label} ${scope}: ${n.flops} vs ${m.flops}` };
      if (rbn > worstNodeBytes.rel) worstNodeBytes = { rel: rbn, where: `${label} ${scope}: ${n.memBytes} vs ${m.mem_bytes}` };
      assert.ok(rf < 1e-9, `${label} ${scope} flops ${n.flops} vs ${expectFlops}`);
      assert.ok(rbn < 1e-9, `${label} ${scope} bytes ${n.memBytes} vs ${expectBytes}`);
      if (m.type === 'ml' && m.input_shapes.length > 0) {
        const shapes = measuredShapes(m.input_shapes);
        assert.deepEqual(n.inputShapes, shapes, `${label} ${scope} input shapes`);
      }
    }
  });
}

/** Tensor shapes of a measured input list ([[shape, dtype], scalar, [[shape, dtype], ...]]), scalars and None dropped. */
function measuredShapes(inputs: unknown[]): number[][] {
  const out: number[][] = [];
  const visit = (x: unknown) => {
    if (!Array.isArray(x)) return;
    if (x.length === 2 && Array.isArray(x[0]) && typeof x[1] === 'string' && (x[0] as unknown[]).every((d) => typeof d === 'number')) {
      out.push(x[0] as number[]);
      return;
    }
    for (const y of x) visit(y);
  };
  for (const i of inputs) visit(i);
  return out;
}

test('largest differences against the measured trees (report)', (t) => {
  for (const [model, d] of worstTotal) t.diagnostic(`${model}: max total-FLOPs difference ${(d * 100).toFixed(6)} %`);
  t.diagnostic(`max root bytes difference ${(worstRootBytes * 100).toFixed(6)} %`);
  t.diagnostic(`largest per-node FLOPs difference ${(worstNodeFlops.rel * 100).toFixed(6)} % ${worstNodeFlops.where}`);
  t.diagnostic(`largest per-node bytes difference ${(worstNodeBytes.rel * 100).toFixed(6)} % ${worstNodeBytes.where}`);
  assert.equal(worstTotal.size, 7);
});
