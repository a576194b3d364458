/**
 * Budgets on work (issue 15, item 2): absurd config sizes, the tree node
 * budget, ONNX local functions that multiply or call themselves, the table
 * renderer on a 200k fan-out, and deep nesting in every JSON reader. Each
 * case must end quickly with a one-line IreneError (or a finite tree), never
 * a hang, a V8 abort or "Maximum call stack size exceeded".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IreneError,
  MAX_NESTING_DEPTH,
  MAX_ONNX_NODES,
  MAX_SAFETENSORS_HEADER_BYTES,
  MAX_TREE_NODES,
  safetensorsHeaderLength,
  TreeNodeBudget,
  buildTreeFromConfig,
  jsonNestingDepth,
  loadIreneJsonl,
  parseConfigText,
  parseProfile,
  registerBuiltinImporters,
  importModel,
  predictTree,
  getBundledProfile,
  DEFAULT_PROFILE_NAME,
  type ImportOptions,
  type PredictedNode,
} from '../../../src/engine/index.js';
import { maxOf, pushAll } from '../../../src/engine/arrays.js';
import { NodeFactory } from '../../../src/engine/architectures/treeBuilder.js';
import { parseBudgetJson } from '../../../src/engine/budget/budgetFile.js';
import { formatTreeMarkdown, formatTreeTable } from '../../../src/cli/format/treeTable.js';
import { encodeModel, valueInfo } from '../importers/onnx/onnxTestModels.js';

const ROOT = join(__dirname, '..', '..', '..');
const OPTS: ImportOptions = { batchSize: 1, seqLen: 128, dtype: 'fp32' };
const example = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, 'examples', name, 'config.json'), 'utf8'));

/** Runs `body`, which must throw an IreneError matching `pattern`, within `ms`. */
function assertRefusedQuickly(body: () => unknown, pattern: RegExp, ms = 2000): void {
  const t0 = performance.now();
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof IreneError, `expected an IreneError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(performance.now() - t0 < ms, `took ${(performance.now() - t0).toFixed(0)} ms`);
}

test('absurd configs: layers, sizes and ALBERT groups far past any real model are one line, at once', () => {
  const gpt2 = example('gpt2');
  for (const n of [1e6, 1e9, 1e15]) assertRefusedQuickly(() => buildTreeFromConfig({ ...gpt2, n_layer: n }, OPTS), /"n_layer" is .* above IrEne's limit of 10,000 layers/);
  assertRefusedQuickly(() => buildTreeFromConfig({ ...gpt2, n_embd: 1e300 }, OPTS), /"n_embd" is 1e\+300, above IrEne's limit/);
  assertRefusedQuickly(() => buildTreeFromConfig({ ...gpt2, vocab_size: 2 ** 60 }, OPTS), /"vocab_size" .* above IrEne's limit/);
  const albert = example('albert-base-v2');
  assertRefusedQuickly(() => buildTreeFromConfig({ ...albert, num_hidden_layers: 1e15 }, OPTS), /"num_hidden_layers" .* limit of 10,000 layers/);
  // Batch and sequence length too.
  assertRefusedQuickly(() => buildTreeFromConfig(gpt2, { ...OPTS, seqLen: 2 ** 40 }), /sequence length .* above IrEne's limit/);
  // Within the limits a config still builds and predicts finite joules.
  const tree = buildTreeFromConfig({ ...gpt2, n_layer: 48 }, OPTS);
  assert.ok(Number.isFinite(predictTree(tree, getBundledProfile(DEFAULT_PROFILE_NAME)).energyJ));
});

test('tree node budget: counted per import, one line past the limit', () => {
  const b = new TreeNodeBudget('x config', 10);
  b.take(10);
  assert.equal(b.fits(), false);
  assert.throws(() => b.take(), /x config: the model tree would have more than 10 nodes/);
  // The architectures' node factory takes from it for every node it makes.
  const f = new NodeFactory('fp32', undefined, new TreeNodeBudget('tiny config', 3));
  for (let i = 0; i < 3; i++) f.leaf(`root.x${i}`, 'Linear', [], { flops: 1, memBytes: 1, parameters: 0 });
  assert.throws(() => f.leaf('root.x3', 'Linear', [], { flops: 1, memBytes: 1, parameters: 0 }), /tiny config: the model tree would have more than 3 nodes/);
});

/** An ONNX model whose functions F0..F{depth-1} each call the next `fanOut` times (Fk calls itself when `selfCall`). */
function functionBomb(depth: number, fanOut: number, selfCall = false): Uint8Array {
  const fn = (k: number) => {
    const callee = selfCall ? `F${k}` : `F${k + 1}`;
    const last = !selfCall && k === depth - 1;
    const node = Array.from({ length: fanOut }, (_, j) => ({
      opType: last ? 'Relu' : callee,
      domain: last ? '' : 'local',
      input: [j === 0 ? 'a' : `t${j - 1}`],
      output: [j === fanOut - 1 ? 'b' : `t${j}`],
    }));
    return { name: `F${k}`, domain: 'local', input: ['a'], output: ['b'], node };
  };
  return encodeModel(
    { name: 'bomb', input: [valueInfo('x', ['batch', 'sequence', 8])], output: [valueInfo('y', ['batch', 'sequence', 8])], node: [{ name: 'call', opType: 'F0', domain: 'local', input: ['x'], output: ['y'] }] },
    { opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], functions: Array.from({ length: selfCall ? 1 : depth }, (_, k) => fn(k)) },
  );
}

test('an ONNX file of more nodes than the limit (a 200k fan-out) is refused while it is decoded, in one line', () => {
  // Before the limit a 200k fan-out took 3.8 s and 800 MB, and a 1.1M-node file 537 MB before its refusal.
  const fanOut = (n: number): Uint8Array =>
    encodeModel({
      name: 'fan',
      input: [valueInfo('x', ['batch', 'sequence', 8])],
      output: [valueInfo('y0', [])],
      node: Array.from({ length: n }, (_, i) => ({ opType: 'Relu', input: ['x'], output: [`y${i}`] })),
    });
  const over = fanOut(MAX_ONNX_NODES + 1);
  registerBuiltinImporters();
  assertRefusedQuickly(() => importModel({ fileName: 'fan.onnx', bytes: over }, OPTS), /fan\.onnx: more than 65,536 ONNX nodes \(IrEne's limit/);
  // At the limit's scale a small fan-out still predicts.
  const tree = importModel({ fileName: 'fan.onnx', bytes: fanOut(1000) }, OPTS);
  assert.equal(tree.root.children.length, 1000);
});

test('a measured JSONL tree is held to the tree node budget', () => {
  const leaf = (i: number) => ({ scope: `root.c${i}`, type: 'ml', instance_type: 'X', num_parameters: 0, flops: 1, mem_bytes: 1, calls: 1, child_nodes_obj: [] });
  const line = (n: number) =>
    JSON.stringify({
      model_name: 'wide', dtype: 'bfloat16', batch_size: 1, seq_len: 8,
      frontend_tree: { scope: 'root', type: 'model', instance_type: 'M', num_parameters: 0, flops: 1, mem_bytes: 1, calls: 1, child_nodes_obj: Array.from({ length: n }, (_, i) => leaf(i)) },
    });
  assertRefusedQuickly(() => loadIreneJsonl(Buffer.from(line(MAX_TREE_NODES))), /line 1: the model tree would have more than 100,000 nodes/);
  assert.equal(loadIreneJsonl(Buffer.from(line(100)))[0]!.root.children.length, 100);
});

test('a safetensors header over IrEne\'s 16 MiB limit is refused before it is read, naming the limit', () => {
  const prefix = (n: number): Uint8Array => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const size = 64 * 2 ** 20;
  assert.equal(safetensorsHeaderLength(prefix(MAX_SAFETENSORS_HEADER_BYTES), size, 'm.safetensors'), MAX_SAFETENSORS_HEADER_BYTES);
  assertRefusedQuickly(() => safetensorsHeaderLength(prefix(MAX_SAFETENSORS_HEADER_BYTES + 1), size, 'm.safetensors'), /m\.safetensors: safetensors header of 16777217 bytes is over IrEne's 16 MB limit/);
});

test('ONNX local functions: a call bomb and a self-calling function inline within the budget, with a warning', () => {
  registerBuiltinImporters();
  const profile = getBundledProfile(DEFAULT_PROFILE_NAME);
  for (const [bytes, pattern] of [
    [functionBomb(8, 20), /left unexpanded: inlining stopped at 50,000 added nodes/],
    [functionBomb(1, 20, true), /F0 calls itself/],
  ] as const) {
    const t0 = performance.now();
    const tree = importModel({ fileName: 'bomb.onnx', bytes }, OPTS);
    assert.ok(tree.warnings.some((w) => pattern.test(w)), tree.warnings.join('\n'));
    assert.ok(Number.isFinite(predictTree(tree, profile).energyJ));
    assert.ok(performance.now() - t0 < 30_000, `took ${(performance.now() - t0).toFixed(0)} ms`);
  }
});

test('no spread of big arrays: maxOf, pushAll and the table renderer take 200,000 rows', () => {
  const big = Array.from({ length: 300_000 }, (_, i) => i);
  assert.equal(maxOf(big), 299_999);
  assert.equal(maxOf([], 0), 0);
  assert.equal(pushAll([1], big).length, 300_001);
  const leaf = (i: number): PredictedNode => ({
    node: { scope: `root.relu_${i}`, type: 'ml', instanceType: 'Relu', inputShapes: [], dtype: 'fp32', calls: 1, parameters: 0, flops: 1, memBytes: 1, children: [] },
    energyPerCallJ: 1e-6, energyJ: 1e-6, isolatedEnergyJ: 1e-6, uncertaintyJ: 1e-7, share: 1 / 200_000, timeS: 1e-6, staticJ: 0, dynamicJ: 1e-6, regime: 'launch', children: [],
  });
  const children = Array.from({ length: 200_000 }, (_, i) => leaf(i));
  const root: PredictedNode = { ...leaf(0), node: { ...leaf(0).node, scope: 'root', type: 'model', instanceType: 'Fan', children: children.map((c) => c.node) }, children };
  assert.equal(formatTreeTable(root, { maxDepth: 2 }).split('\n').length, 200_002);
  assert.ok(formatTreeMarkdown(root, { maxDepth: 2 }).length > 0);
});

test('deep nesting: 100,000-deep JSON and a 3,000-deep JSONL tree are one line, not a stack overflow', () => {
  const deep = (n: number) => `{"model_type": "gpt2", "x": ${'['.repeat(n)}${']'.repeat(n)}}`;
  assert.equal(jsonNestingDepth('{"a": "[[[[", "b": [[1]], "c": {}}'), 3);
  assertRefusedQuickly(() => parseConfigText(deep(100_000), 'config.json'), new RegExp(`config\\.json: nested more than ${MAX_NESTING_DEPTH} levels deep`));
  assertRefusedQuickly(() => parseProfile(deep(100_000), 'p.json'), /p\.json: nested more than/);
  assertRefusedQuickly(() => parseBudgetJson(deep(100_000), 'irene.budget.json'), /irene\.budget\.json: nested more than/);
  // A real config is unaffected.
  assert.equal(parseConfigText(deep(3), 'config.json')['model_type'], 'gpt2');
  let node = '{"scope": "root.x", "type": "ml", "instance_type": "Linear", "num_parameters": 1, "flops": 1, "mem_bytes": 1, "calls": 1, "child_nodes_obj": []}';
  for (let d = 0; d < 3000; d++) node = `{"scope": "root.m${d}", "type": "module", "instance_type": "M", "num_parameters": 1, "flops": 1, "mem_bytes": 1, "calls": 1, "child_nodes_obj": [${node}]}`;
  const line = `{"model_name": "deep", "dtype": "float32", "batch_size": 1, "seq_len": 1, "frontend_tree": ${node.replace('"type": "module"', '"type": "model"')}}`;
  assertRefusedQuickly(() => loadIreneJsonl(new TextEncoder().encode(line), { fileName: 'deep.jsonl' }), /deep\.jsonl: line 1: nested more than/);
});
