/**
 * One fixture per Python construct that used to stop the static evaluator
 * (issue 18). Each checks numbers computed here by hand from the fixture's
 * sizes, and that nothing the fixture calls is reported as never called.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { importPythonModel } from '../../../../src/engine/importers/python/pythonImporter.js';
import type { ModelNode, ModelTree } from '../../../../src/engine/tree/modelNode.js';
import { findByScope, totalFlops } from '../../../../src/engine/tree/treeWalk.js';

const OPTS: ImportOptions = { batchSize: 2, seqLen: 16, dtype: 'fp32' };
const B = OPTS.batchSize;
const S = OPTS.seqLen;
const D = 64;
const VOCAB = 1000;

function load(name: string, className?: string, configText?: string): ModelTree {
  const text = readFileSync(join(__dirname, '../../../fixtures/python/constructs', name), 'utf8');
  return importPythonModel(text, { ...OPTS, fileName: name, ...(className ? { className } : {}), ...(configText ? { configText, configFileName: 'config.json' } : {}) }).tree;
}

function node(tree: ModelTree, scope: string): ModelNode {
  const n = findByScope(tree.root, scope);
  assert.ok(n, `no node ${scope}; warnings: ${tree.warnings.join(' | ')}`);
  return n;
}

function assertNoLoss(tree: ModelTree): void {
  const lost = tree.warnings.filter((w) => /never called|not modelled|cannot resolve|could not be evaluated|not counted|syntax error/.test(w));
  assert.deepEqual(lost, []);
}

const linear = (tokens: number, inF: number, outF: number): number => 2 * tokens * inF * outF;

describe('Python constructs (one fixture each)', () => {
  it('tensor methods .ne .cumsum .expand_as .unbind .scatter_ .fill_ .triu_ keep shapes for what follows', () => {
    const t = load('tensor_methods.py');
    assertNoLoss(t);
    assert.equal(t.modelName, 'TensorMethods');
    assert.deepEqual(node(t, 'root.proj').inputShapes, [[B, S, D]]);
    assert.equal(node(t, 'root.proj').flops, linear(B * S, D, D));
    // unbind(1)[-1] drops the sequence dimension.
    assert.deepEqual(node(t, 'root.head').inputShapes, [[B, D]]);
    assert.equal(node(t, 'root.head').flops, linear(B, D, 2));
    // triu_ and fill_ keep the (S, S) mask, so the add after the scores is known.
    const adds = t.root.children.filter((c) => c.instanceType === 'add');
    assert.ok(adds.length >= 2 && adds.every((a) => !a.unresolved), JSON.stringify(adds.map((a) => a.unresolved)));
  });

  it('a function defined inside forward runs each time it is called', () => {
    const t = load('nested_function.py');
    assertNoLoss(t);
    assert.equal(node(t, 'root.up').calls, 2);
    assert.equal(node(t, 'root.down').calls, 2);
    assert.deepEqual(node(t, 'root.down').inputShapes, [[B, S, 4 * D]]);
  });

  it('self.attention.forward(x) counts the submodule as a call would', () => {
    const t = load('forward_call.py');
    assertNoLoss(t);
    assert.equal(node(t, 'root.attention').calls, 1);
    assert.equal(node(t, 'root.attention.qkv').flops, linear(B * S, D, 3 * D));
    assert.deepEqual(node(t, 'root.attention.out').inputShapes, [[B, S, D]]);
  });

  it('copy.deepcopy in a ModuleList gives every layer its own node', () => {
    const t = load('deepcopy_layers.py');
    assertNoLoss(t);
    for (let i = 0; i < 6; i++) assert.equal(node(t, `root.layer.${i}.ffn`).flops, linear(B * S, D, D));
    assert.equal(t.root.parameters, VOCAB * D + 6 * (D * D + D + 2 * D));
  });

  it('x[:, slice(-k, None), :] with k = 0 keeps the whole sequence', () => {
    const t = load('slice_zero.py');
    assertNoLoss(t);
    assert.deepEqual(node(t, 'root.proj').inputShapes, [[B, S, D]]);
  });

  it("fairscale's ParallelEmbedding, ColumnParallelLinear and RowParallelLinear are an Embedding and Linears", () => {
    const t = load('fairscale_layers.py');
    assertNoLoss(t);
    assert.equal(node(t, 'root.tok_embeddings').kind, 'embedding');
    assert.equal(node(t, 'root.feed_forward.w1').kind, 'linear');
    assert.equal(node(t, 'root.feed_forward.w2').flops, linear(B * S, 4 * D, D));
    assert.equal(node(t, 'root.output').flops, linear(B * S, D, VOCAB));
    assert.equal(t.root.parameters, VOCAB * D + 3 * D * 4 * D + D * VOCAB);
  });

  it("minGPT's lambda over ModuleDict submodules counts the MLP", () => {
    const t = load('lambda_mlp.py');
    assertNoLoss(t);
    assert.equal(node(t, 'root.block.mlp.c_fc').flops, linear(B * S, D, 4 * D));
    assert.equal(node(t, 'root.block.mlp.c_proj').flops, linear(B * S, 4 * D, D));
    assert.ok(node(t, 'root.block.mlp.act').flops > 0);
    assert.equal(t.root.parameters, VOCAB * D + 2 * D + (D * 4 * D + 4 * D) + (4 * D * D + D));
  });

  it('nn.ModuleDict(dict(h=nn.ModuleList(...))) does not hide the root', () => {
    const t = load('moduledict_root.py');
    assert.equal(t.modelName, 'Net');
    assertNoLoss(t);
    assert.equal(node(t, 'root.transformer.h.3.extra').flops, linear(B * S, D, D));
  });

  it('floats with a trailing dot and a bare yield parse', () => {
    const t = load('parser_gaps.py');
    assertNoLoss(t);
    assert.equal(node(t, 'root.proj').flops, linear(B * S, D, 2 * D));
    assert.ok(totalFlops(t.root) > 0);
  });

  it('super().__init__(config) on a PreTrainedModel binds self.config (layers sliced by it run)', () => {
    const t = load('hf_self_config.py', undefined, JSON.stringify({ vocab_size: VOCAB, hidden_size: D, num_hidden_layers: 3 }));
    assertNoLoss(t);
    for (let i = 0; i < 3; i++) assert.equal(node(t, `root.layers.${i}.dense`).flops, linear(B * S, D, D));
  });

  it('PretrainedConfig defaults: eager attention from the dispatch table, mlp_bias False, no cross-attention', () => {
    const t = load('hf_attention_classes.py', undefined, JSON.stringify({ vocab_size: VOCAB, hidden_size: D }));
    assertNoLoss(t);
    assert.equal(node(t, 'root.layer.attention').instanceType, 'EagerAttention');
    assert.equal(node(t, 'root.layer.attention.qkv').parameters, D * 3 * D);
    assert.equal(node(t, 'root.layer.out').parameters, D * D);
    assert.equal(findByScope(t.root, 'root.layer.crossattention'), undefined);
    assert.ok(t.warnings.some((w) => w.includes('_attn_implementation') && w.includes('eager')), t.warnings.join('\n'));
    const sdpa = load('hf_attention_classes.py', undefined, JSON.stringify({ vocab_size: VOCAB, hidden_size: D, _attn_implementation: 'sdpa' }));
    assert.equal(node(sdpa, 'root.layer.attention').instanceType, 'SdpaAttention');
  });

  it('attribute_map aliases resolve hidden_size and num_hidden_layers to the names config.json uses', () => {
    const t = load('hf_attribute_map.py', undefined, JSON.stringify({ vocab_size: VOCAB, n_embd: D, n_layer: 3 }));
    assertNoLoss(t);
    assert.equal(node(t, 'root.h.2').flops, linear(B * S, D, D));
    assert.equal(t.root.parameters, VOCAB * D + 3 * (D * D + D));
  });

  it('an if on something unknown runs both branches; the shape they agree on stays known after it', () => {
    const t = load('unresolved_if.py');
    assert.equal(node(t, 'root.fast').flops, linear(B * S, D, D));
    assert.equal(node(t, 'root.slow').flops, linear(B * S, D, D));
    assert.deepEqual(node(t, 'root.out').inputShapes, [[B, S, D]]);
    assert.equal(node(t, 'root.out').unresolved, undefined);
    assert.ok(t.warnings.some((w) => w.includes('FAST_PATH') && w.includes('upper bound')), t.warnings.join('\n'));
    assert.ok(!t.warnings.some((w) => /never called/.test(w)));
  });

  it('nn.ModuleList(Block() for _ in range(n)): a generator as the only argument builds every item', () => {
    const t = load('generator_arg.py');
    assertNoLoss(t);
    assert.equal(t.modelName, 'Net');
    for (let i = 0; i < 3; i++) assert.equal(node(t, `root.blocks.${i}.fc`).flops, linear(B * S, 8, 8));
    assert.equal(t.root.parameters, 10 * 8 + 3 * (8 * 8 + 8));
  });
});
