/**
 * The ONNX tree of an exported model agrees with the tree built from the HF
 * config it was exported from: same module scopes down to the layer
 * sub-modules, total FLOPs within 1 %, every layer's FLOPs within 2 %.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { onnxImporter } from '../../../../src/engine/importers/onnx/onnxImporter.js';
import type { OnnxImportOptions } from '../../../../src/engine/importers/onnx/buildOnnxTree.js';
import { totalFlops, walkTree, findByScope } from '../../../../src/engine/tree/treeWalk.js';
import type { ModelNode, ModelTree } from '../../../../src/engine/tree/modelNode.js';
import type pkg from 'onnx-proto';
import { encodeModel, linearGraph, valueInfo, weight } from './onnxTestModels.js';

const dir = join(__dirname, '../../../fixtures/onnx/');
const MODELS = ['bert-base-uncased', 'gpt2', 'bert-base-uncased-tiny', 'gpt2-tiny', 'tinyllama-1.1b-tiny'];
const SETTINGS = [
  { batchSize: 8, seqLen: 256, dtype: 'bf16' as const },
  { batchSize: 1, seqLen: 128, dtype: 'fp32' as const },
];

function load(name: string, options: OnnxImportOptions, withConfig = true): { onnx: ModelTree; config: ModelTree; cfg: Record<string, unknown> } {
  const cfg = JSON.parse(readFileSync(join(dir, `${name}.config.json`), 'utf8')) as Record<string, unknown>;
  const bytes = readFileSync(join(dir, `${name}.onnx`));
  const onnx = onnxImporter.parse({ fileName: `${name}.onnx`, bytes }, withConfig ? { ...options, config: cfg } : options);
  const config = buildTreeFromConfig(cfg, options, name);
  return { onnx, config, cfg };
}

function moduleScopes(root: ModelNode): string[] {
  const out: string[] = [];
  for (const { node } of walkTree(root)) if (node.type !== 'ml') out.push(node.scope);
  return out.sort();
}

function layers(root: ModelNode): ModelNode[] {
  const out: ModelNode[] = [];
  for (const { node } of walkTree(root)) if (node.type === 'module' && /\.(layer|h|layers)\.\d+$/.test(node.scope)) out.push(node);
  return out;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1);
}

for (const name of MODELS) {
  for (const s of SETTINGS) {
    test(`${name} at ${s.batchSize}x${s.seqLen}: ONNX tree agrees with the config tree`, () => {
      const { onnx, config } = load(name, s);
      assert.deepEqual(moduleScopes(onnx.root), moduleScopes(config.root), 'module scopes differ');
      const total = totalFlops(onnx.root);
      assert.ok(relErr(total, totalFlops(config.root)) < 0.01, `total FLOPs ${total} vs ${totalFlops(config.root)}`);
      const cl = layers(config.root);
      assert.ok(cl.length >= 2, 'the config tree has layers');
      for (const layer of cl) {
        const o = findByScope(onnx.root, layer.scope);
        assert.ok(o, `ONNX tree lacks ${layer.scope}`);
        assert.ok(relErr(o.flops, layer.flops) < 0.02, `${layer.scope}: ${o.flops} vs ${layer.flops} FLOPs`);
        assert.equal(o.instanceType, layer.instanceType, `${layer.scope} class`);
      }
      // Class names of every module agree too.
      for (const { node } of walkTree(config.root)) {
        if (node.type === 'ml') continue;
        assert.equal(findByScope(onnx.root, node.scope)?.instanceType, node.instanceType, `${node.scope} class`);
      }
    });
  }
}

test('the config is optional: class names come from the scope names alone', () => {
  const s = SETTINGS[0]!;
  for (const name of ['bert-base-uncased', 'gpt2']) {
    const { onnx, config } = load(name, s, false);
    assert.deepEqual(moduleScopes(onnx.root), moduleScopes(config.root));
    assert.equal(onnx.root.instanceType, config.root.instanceType);
  }
});

test('bert-base-uncased: linear FLOPs match the closed form from the config', () => {
  const s = { batchSize: 4, seqLen: 64, dtype: 'fp32' as const };
  const { onnx, cfg } = load('bert-base-uncased', s);
  const h = cfg.hidden_size as number;
  const i = cfg.intermediate_size as number;
  const l = cfg.num_hidden_layers as number;
  const tokens = s.batchSize * s.seqLen;
  // Per layer: Q, K, V and output projections (4 h^2) plus the two FFN matrices (2 h i); the pooler sees one token per sequence.
  const expected = 2 * tokens * l * (4 * h * h + 2 * h * i) + 2 * s.batchSize * h * h;
  let linear = 0;
  for (const { node } of walkTree(onnx.root)) if (node.kind === 'linear') linear += node.flops;
  assert.equal(linear, expected);
  // Attention score and context matmuls: 2 x (2 b s^2 h) per layer.
  let matmul = 0;
  for (const { node } of walkTree(onnx.root)) if (node.kind === 'matmul') matmul += node.flops;
  assert.equal(matmul, l * 2 * 2 * s.batchSize * s.seqLen * s.seqLen * h);
  assert.equal(onnx.root.parameters > 1.09e8 && onnx.root.parameters < 1.1e8, true, `parameters ${onnx.root.parameters}`);
});

test('gpt2 exported at batch 1: baked batch dims are re-batched, with a warning', () => {
  const { onnx } = load('gpt2', { batchSize: 8, seqLen: 32, dtype: 'fp32' });
  assert.ok(onnx.warnings.some((w) => /batch size 1 baked in/.test(w)), onnx.warnings.join('\n'));
  const scores = findByScope(onnx.root, 'root.h.0.attn.matmul.0');
  assert.deepEqual(scores?.inputShapes, [[8, 12, 32, 64], [8, 12, 64, 32]]);
});

test('fused primitives: erf-gelu, tanh-gelu, silu and decomposed RMS norm fold into one node each', () => {
  const s = SETTINGS[1]!;
  const bert = load('bert-base-uncased-tiny', s).onnx;
  const act = findByScope(bert.root, 'root.encoder.layer.0.intermediate.intermediate_act_fn');
  assert.equal(act?.kind, 'activation');
  assert.equal(act?.source?.onnxNodes?.length, 5); // Div, Erf, Add, Mul, Mul
  const gpt = load('gpt2-tiny', s).onnx;
  assert.equal(findByScope(gpt.root, 'root.h.1.mlp.act')?.instanceType, 'NewGELUActivation');
  const llama = load('tinyllama-1.1b-tiny', s).onnx;
  const norm = findByScope(llama.root, 'root.layers.0.input_layernorm');
  assert.equal(norm?.kind, 'rmsnorm');
  assert.equal(norm?.instanceType, 'LlamaRMSNorm');
  assert.equal(norm?.flops, 4 * s.batchSize * s.seqLen * 128);
  assert.equal(findByScope(llama.root, 'root.layers.1.mlp.act_fn')?.kind, 'activation');
});

test('missing external data is fine: structure only', () => {
  // bert-base-uncased.onnx names an external .onnx.data file that is not there.
  const { onnx } = load('bert-base-uncased', SETTINGS[0]!);
  assert.ok(onnx.root.flops > 3e11);
  assert.equal(onnx.format, 'onnx');
});

test('match: by extension or by ModelProto magic, never throws', () => {
  const head = readFileSync(join(dir, 'gpt2-tiny.onnx')).subarray(0, 4096);
  assert.equal(onnxImporter.match('model.onnx', new Uint8Array(0)), true);
  assert.equal(onnxImporter.match('model.bin', head), true);
  assert.equal(onnxImporter.match('config.json', new TextEncoder().encode('{"a":1}')), false);
  assert.equal(onnxImporter.match('x', new Uint8Array([0x08])), false);
});

test('unknown operators: partial tree plus a warning naming them', () => {
  const bytes = encodeModel(
    linearGraph([
      { name: 'fancy', opType: 'FancyOp', domain: 'com.example', input: ['h'], output: ['f'] },
      { name: 'relu', opType: 'Relu', input: ['f'], output: ['y'] },
    ], 'y'),
    { opsetImport: [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }] },
  );
  const tree = onnxImporter.parse({ fileName: 'u.onnx', bytes }, { batchSize: 2, seqLen: 4, dtype: 'fp32' });
  assert.ok(tree.warnings.some((w) => w.includes('com.example.FancyOp')), tree.warnings.join('\n'));
  assert.equal(findByScope(tree.root, 'root.proj')?.flops, 2 * 2 * 4 * 8 * 8);
  assert.ok([...walkTree(tree.root)].some(({ node }) => node.instanceType === 'fancyop'));
});

test('symbolic dims: bound from the options, unknown names reported', () => {
  const graph = linearGraph();
  graph.input = [valueInfo('x', ['batch_size', 'num_frames', 8])];
  const tree = onnxImporter.parse({ fileName: 'd.onnx', bytes: encodeModel(graph) }, { batchSize: 3, seqLen: 5, dtype: 'fp32' });
  assert.ok(tree.warnings.some((w) => w.includes('"num_frames"')), tree.warnings.join('\n'));
  assert.deepEqual(findByScope(tree.root, 'root.proj')?.inputShapes, [[3, 1, 8]]);
});

test('TorchScript-style node names give the module scopes', () => {
  const bytes = encodeModel({
    name: 'ts',
    input: [valueInfo('x', ['batch', 'sequence', 8])],
    output: [valueInfo('y', ['batch', 'sequence', 8])],
    initializer: [weight('onnx::MatMul_1', [8, 8]), weight('onnx::MatMul_2', [8, 8])],
    node: [
      { name: '/encoder/layer.0/attention/self/query/MatMul', opType: 'MatMul', input: ['x', 'onnx::MatMul_1'], output: ['q'] },
      { name: '/encoder/layer.0/attention/self/Softmax', opType: 'Softmax', input: ['q'], output: ['p'] },
      { name: '/encoder/layer.0/output/dense/MatMul', opType: 'MatMul', input: ['p', 'onnx::MatMul_2'], output: ['y'] },
    ],
  });
  const tree = onnxImporter.parse({ fileName: 't.onnx', bytes }, { batchSize: 1, seqLen: 4, dtype: 'fp32', config: { model_type: 'bert' } } as OnnxImportOptions);
  assert.equal(findByScope(tree.root, 'root.encoder.layer.0.attention.self.query')?.kind, 'linear');
  assert.equal(findByScope(tree.root, 'root.encoder.layer.0.attention.self.softmax.0')?.kind, 'softmax');
  assert.equal(findByScope(tree.root, 'root.encoder.layer.0')?.instanceType, 'BertLayer');
  assert.equal(findByScope(tree.root, 'root.encoder.layer.0.attention.self')?.instanceType, 'BertSelfAttention');
});

test('model-local functions are expanded into their nodes', () => {
  const bytes = encodeModel(
    {
      name: 'f',
      input: [valueInfo('x', ['batch', 'sequence', 8])],
      output: [valueInfo('y', ['batch', 'sequence', 8])],
      initializer: [weight('proj.weight', [8, 8])],
      node: [
        { name: 'mm', opType: 'MatMul', input: ['x', 'proj.weight'], output: ['h'] },
        { name: 'call', opType: 'MyGelu', domain: 'local', input: ['h'], output: ['y'] },
      ],
    },
    {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
      functions: [
        {
          name: 'MyGelu',
          domain: 'local',
          input: ['a'],
          output: ['b'],
          node: [{ opType: 'Gelu', domain: 'com.microsoft', input: ['a'], output: ['b'] }],
        },
      ],
    },
  );
  const tree = onnxImporter.parse({ fileName: 'f.onnx', bytes }, { batchSize: 2, seqLen: 4, dtype: 'fp32' });
  assert.ok(tree.warnings.some((w) => /functions were expanded/.test(w)));
  const gelu = [...walkTree(tree.root)].find(({ node }) => node.kind === 'activation')?.node;
  assert.equal(gelu?.flops, 8 * 2 * 4 * 8);
});

test('opset 23 fused ops: RMSNormalization and Attention get shapes and costs', () => {
  const [b, s, d, heads] = [2, 6, 8, 2];
  const bytes = encodeModel(
    {
      name: 'fused',
      input: [valueInfo('x', ['batch', 'sequence', d])],
      output: [valueInfo('y', ['batch', 'sequence', d])],
      initializer: [weight('norm.weight', [d])],
      node: [
        { name: 'n', opType: 'RMSNormalization', input: ['x', 'norm.weight'], output: ['h'] },
        {
          name: 'a',
          opType: 'Attention',
          input: ['h', 'h', 'h'],
          output: ['y'],
          attribute: [
            { name: 'q_num_heads', type: 2, i: heads },
            { name: 'kv_num_heads', type: 2, i: heads },
          ],
        },
      ],
    },
    { irVersion: 10, opsetImport: [{ domain: '', version: 23 }] },
  );
  const tree = onnxImporter.parse({ fileName: 'o23.onnx', bytes }, { batchSize: b, seqLen: s, dtype: 'fp32' });
  const nodes = [...walkTree(tree.root)].map(({ node }) => node).filter((n) => n.type === 'ml');
  const norm = nodes.find((n) => n.kind === 'rmsnorm');
  assert.equal(norm?.flops, 4 * b * s * d);
  assert.equal(norm?.parameters, d);
  const attn = nodes.find((n) => n.instanceType === 'scaled_dot_product_attention');
  // QK^T and AV: 2 x 2 b s^2 d; softmax 5 per score (b heads s s).
  assert.equal(attn?.flops, 4 * b * s * s * d + 5 * b * heads * s * s);
  assert.equal(attn?.kind, 'matmul');
});

test('an all-zero additive mask (export traced without padding) is not an op, as in eager PyTorch', () => {
  const s = SETTINGS[0]!;
  const { onnx, config } = load('bert-base-uncased', s);
  const names = (t: ModelTree): string[] =>
    findByScope(t.root, 'root.encoder.layer.3.attention.self')!.children.map((c) => c.scope);
  // Every op of the ONNX attention is one the config tree (from the measured trees) has, under the same name.
  for (const scope of names(onnx)) assert.ok(names(config).includes(scope), `${scope} not in the config tree`);
  assert.ok(!names(onnx).some((n) => /\.add\.\d+$/.test(n)));
  // GPT-2's causal mask is not uniform: its add stays.
  const gpt = load('gpt2', s).onnx;
  assert.equal(findByScope(gpt.root, 'root.h.0.attn.add.2')?.inputShapes[1]?.join(','), `${s.batchSize},1,${s.seqLen},${s.seqLen}`);
});

test('module input shapes are the tensors a forward hook would see', () => {
  const s = SETTINGS[0]!;
  const { onnx } = load('bert-base-uncased', s);
  const h = [s.batchSize, s.seqLen, 768];
  assert.deepEqual(findByScope(onnx.root, 'root.encoder.layer.2')?.inputShapes, [h]);
  assert.deepEqual(findByScope(onnx.root, 'root.encoder.layer.2.attention.output')?.inputShapes, [h, h]);
  assert.deepEqual(findByScope(onnx.root, 'root.encoder.layer.2.output')?.inputShapes, [[s.batchSize, s.seqLen, 3072], h]);
  assert.deepEqual(findByScope(onnx.root, 'root.encoder.layer.2.attention.output.LayerNorm')?.inputShapes, [h]);
});

test('opset 11 / IR 7: axes as attributes (Unsqueeze, Squeeze, ReduceMean, Split), Conv and contrib GroupQueryAttention', () => {
  const [b, s] = [2, 5];
  const bytes = encodeModel(
    {
      name: 'old',
      input: [valueInfo('x', ['batch', 'sequence', 12]), valueInfo('img', ['batch', 3, 8, 8])],
      output: [valueInfo('o', []), valueInfo('c', []), valueInfo('g', [])],
      initializer: [weight('conv.weight', [4, 3, 3, 3])],
      node: [
        { name: 'u', opType: 'Unsqueeze', input: ['x'], output: ['u'], attribute: [{ name: 'axes', type: 7, ints: [1] }] },
        { name: 'q', opType: 'Squeeze', input: ['u'], output: ['q'], attribute: [{ name: 'axes', type: 7, ints: [1] }] },
        { name: 'sp', opType: 'Split', input: ['q'], output: ['s0', 's1', 's2'], attribute: [{ name: 'axis', type: 2, i: 2 }, { name: 'split', type: 7, ints: [4, 4, 4] }] },
        { name: 'm', opType: 'ReduceMean', input: ['s0'], output: ['o'], attribute: [{ name: 'axes', type: 7, ints: [-1] }, { name: 'keepdims', type: 2, i: 0 }] },
        { name: 'cv', opType: 'Conv', input: ['img', 'conv.weight'], output: ['c'], attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }] },
        {
          name: 'gqa',
          opType: 'GroupQueryAttention',
          domain: 'com.microsoft',
          input: ['x', '', ''],
          output: ['g'],
          attribute: [{ name: 'num_heads', type: 2, i: 2 }, { name: 'kv_num_heads', type: 2, i: 1 }],
        },
      ],
    },
    { irVersion: 7, opsetImport: [{ domain: '', version: 11 }, { domain: 'com.microsoft', version: 1 }] },
  );
  const tree = onnxImporter.parse({ fileName: 'o11.onnx', bytes }, { batchSize: b, seqLen: s, dtype: 'fp32' });
  const ml = [...walkTree(tree.root)].map(({ node }) => node).filter((n) => n.type === 'ml');
  assert.deepEqual(ml.find((n) => n.instanceType === 'mean')?.inputShapes, [[b, s, 4]]);
  const conv = ml.find((n) => n.kind === 'conv');
  // Output [b, 4, 8, 8] (padding 1, kernel 3); 2 x 3*3*3 multiply-adds per output element.
  assert.equal(conv?.flops, 2 * b * 4 * 8 * 8 * 27);
  assert.equal(conv?.parameters, 4 * 3 * 3 * 3);
  // Packed QKV of 12 = (2 + 2 x 1) heads x 3: output hidden 2 x 3 = 6.
  const gqa = ml.find((n) => n.instanceType === 'scaled_dot_product_attention');
  assert.equal(gqa?.flops, 4 * b * s * s * 6 + 5 * b * 2 * s * s);
  assert.ok(!tree.warnings.some((w) => /unknown|could not/.test(w)), tree.warnings.join('\n'));
});

test('decomposed LayerNorm (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add) folds into one layernorm', () => {
  const [b, s, d] = [2, 3, 8];
  const scalar = (name: string, v: number): pkg.onnx.ITensorProto => ({ name, dims: [], dataType: 1, floatData: [v] });
  const bytes = encodeModel({
    name: 'ln',
    input: [valueInfo('x', ['batch', 'sequence', d])],
    output: [valueInfo('y', ['batch', 'sequence', d])],
    initializer: [weight('ln.weight', [d]), weight('ln.bias', [d]), scalar('two', 2), scalar('eps', 1e-5)],
    node: [
      { opType: 'ReduceMean', input: ['x'], output: ['mu'], attribute: [{ name: 'axes', type: 7, ints: [-1] }] },
      { opType: 'Sub', input: ['x', 'mu'], output: ['xc'] },
      { opType: 'Pow', input: ['xc', 'two'], output: ['sq'] },
      { opType: 'ReduceMean', input: ['sq'], output: ['var'], attribute: [{ name: 'axes', type: 7, ints: [-1] }] },
      { opType: 'Add', input: ['var', 'eps'], output: ['ve'] },
      { opType: 'Sqrt', input: ['ve'], output: ['sd'] },
      { opType: 'Div', input: ['xc', 'sd'], output: ['n'] },
      { opType: 'Mul', input: ['n', 'ln.weight'], output: ['nw'] },
      { opType: 'Add', input: ['nw', 'ln.bias'], output: ['y'] },
    ],
  });
  const tree = onnxImporter.parse({ fileName: 'ln.onnx', bytes }, { batchSize: b, seqLen: s, dtype: 'fp32' });
  const ml = [...walkTree(tree.root)].map(({ node }) => node).filter((n) => n.type === 'ml');
  assert.equal(ml.length, 1, ml.map((n) => n.scope).join(', '));
  assert.equal(ml[0]!.kind, 'layernorm');
  assert.equal(ml[0]!.scope, 'root.ln');
  assert.equal(ml[0]!.flops, 8 * b * s * d);
  assert.equal(ml[0]!.parameters, 2 * d);
  assert.equal(ml[0]!.source?.onnxNodes?.length, 9);
});

test('input-independent work is counted once where the running graph reads it', () => {
  const s = SETTINGS[0]!;
  const rootOps = (t: ModelTree): string[] => t.root.children.filter((c) => c.type === 'ml' && c.kind !== 'embedding' && c.kind !== 'layernorm').map((c) => c.instanceType);
  // GPT-2: the causal mask is built by a dozen shape-derived ops; the one handing it to attention stays.
  assert.deepEqual(rootOps(load('gpt2', s).onnx), ['add', 'where']);
  // BERT: the mask is all zeros and every add of it is an identity, so nothing of it runs.
  assert.ok(!rootOps(load('bert-base-uncased', s).onnx).includes('where'));
  // Llama: the rotary module runs its whole forward (inv_freq x positions, cat, cos, sin).
  const rotary = findByScope(load('tinyllama-1.1b-tiny', s).onnx.root, 'root.rotary_emb');
  assert.equal(rotary?.kind, 'rotary');
  assert.ok((rotary?.flops ?? 0) > 0 && (rotary?.memBytes ?? 0) > 0);
});
