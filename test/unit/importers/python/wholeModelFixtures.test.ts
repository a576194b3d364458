/**
 * Whole-model files written in the styles people use (issue 18): a current
 * Hugging Face modelling file (Llama), a nanoGPT-style and a minGPT-style
 * GPT. Read from source alone, with a config.json beside them that has no
 * `model_type` (so nothing can be grafted), they must match the config trees:
 * module scopes and parameters exact, FLOPs within 1 %.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { importPythonModel } from '../../../../src/engine/importers/python/pythonImporter.js';
import { analyzePythonModels } from '../../../../src/engine/importers/python/pythonModelAnalyzer.js';
import type { ModelNode, ModelTree } from '../../../../src/engine/tree/modelNode.js';
import { findByScope, totalFlops, walkTree } from '../../../../src/engine/tree/treeWalk.js';

const OPTS: ImportOptions = { batchSize: 8, seqLen: 256, dtype: 'bf16' };
const ROOT = join(__dirname, '../../../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

function configTree(path: string): ModelTree {
  return buildTreeFromConfig(JSON.parse(read(path)) as Record<string, unknown>, OPTS);
}

/** Scopes of modules and nn layers below `prefix`, rewritten to start at `root`. */
function layerScopes(root: ModelNode, prefix = 'root'): string[] {
  return [...walkTree(root)]
    .map(({ node }) => node)
    .filter((n) => /^[A-Z]/.test(n.instanceType) && (n.scope === prefix || n.scope.startsWith(`${prefix}.`)))
    .map((n) => `root${n.scope.slice(prefix.length)}`)
    .sort();
}

function params(root: ModelNode, prefix = 'root'): Map<string, number> {
  const out = new Map<string, number>();
  for (const { node } of walkTree(root)) if (/^[A-Z]/.test(node.instanceType) && node.scope.startsWith(prefix)) out.set(`root${node.scope.slice(prefix.length)}`, node.parameters);
  return out;
}

const within = (a: number, b: number, tol = 0.01): boolean => Math.abs(a / b - 1) < tol;

describe('HF-style Llama modelling file, from source alone', () => {
  const dir = 'test/fixtures/python/hf_llama';
  const configuration = analyzePythonModels(read(`${dir}/configuration_llama.py`), { fileName: `${dir}/configuration_llama.py` });
  const load = (className?: string, configText = read(`${dir}/config.json`)): ModelTree =>
    importPythonModel(read(`${dir}/modeling_llama.py`), { ...OPTS, fileName: `${dir}/modeling_llama.py`, configText, configFileName: 'config.json', otherFiles: [configuration], ...(className ? { className } : {}) }).tree;
  const reference = configTree('examples/tinyllama-1.1b/config.json');

  it('LlamaModel: scopes and parameters exact, FLOPs within 1 % of the config tree', () => {
    const t = load('LlamaModel');
    assert.deepEqual(layerScopes(t.root), layerScopes(reference.root));
    assert.deepEqual(params(t.root), params(reference.root));
    assert.ok(within(totalFlops(t.root), totalFlops(reference.root)), `${totalFlops(t.root)} vs ${totalFlops(reference.root)}`);
    assert.ok(!t.warnings.some((w) => /never called|not counted|cannot resolve/.test(w)), t.warnings.join('\n'));
  });

  it('LlamaForCausalLM (the architectures entry) is the root; its model matches, the head adds hidden x vocab', () => {
    const t = load();
    assert.equal(t.modelName, 'LlamaForCausalLM');
    assert.deepEqual(layerScopes(t.root, 'root.model'), layerScopes(reference.root));
    const head = findByScope(t.root, 'root.lm_head');
    assert.ok(head);
    assert.equal(head.flops, 2 * OPTS.batchSize * OPTS.seqLen * 2048 * 32000);
    assert.equal(t.root.parameters, reference.root.parameters + 2048 * 32000);
  });

  it('tied word embeddings count the head weight once', () => {
    const config = JSON.parse(read(`${dir}/config.json`)) as Record<string, unknown>;
    const t = load(undefined, JSON.stringify({ ...config, tie_word_embeddings: true }));
    assert.equal(t.root.parameters, reference.root.parameters);
    assert.equal(findByScope(t.root, 'root.lm_head')?.flops, 2 * OPTS.batchSize * OPTS.seqLen * 2048 * 32000);
  });

  it('an sdpa config runs the attention dispatch table (one fused node per layer)', () => {
    const config = JSON.parse(read(`${dir}/config.json`)) as Record<string, unknown>;
    const t = load('LlamaModel', JSON.stringify({ ...config, _attn_implementation: 'sdpa' }));
    const attn = findByScope(t.root, 'root.layers.3.self_attn');
    assert.ok(attn?.children.some((c) => c.instanceType === 'scaled_dot_product_attention' && !c.unresolved), JSON.stringify(attn?.children.map((c) => c.scope)));
    assert.ok(!attn?.children.some((c) => c.instanceType === 'softmax'));
  });
});

describe('nanoGPT- and minGPT-style GPTs, from source alone', () => {
  const gpt2 = configTree('examples/gpt2/config.json');
  const B = OPTS.batchSize;
  const S = OPTS.seqLen;

  it("nanoGPT style: the default GPTConfig gives 124,475,904 parameters (the tied lm_head once), FLOPs within 1 % of gpt2's", () => {
    const t = importPythonModel(read('test/fixtures/python/nanogpt_style/model.py'), { ...OPTS, fileName: 'model.py' }).tree;
    assert.equal(t.modelName, 'GPT');
    assert.equal(t.root.parameters, 124_475_904);
    // The head runs on the last position only at inference (targets=None).
    const head = findByScope(t.root, 'root.lm_head');
    assert.equal(head?.flops, 2 * B * 1 * 768 * 50304);
    assert.ok(within(totalFlops(t.root) - head!.flops, totalFlops(gpt2.root)), `${totalFlops(t.root)} vs ${totalFlops(gpt2.root)}`);
    assert.deepEqual(t.warnings, []);
  });

  it('minGPT style: sizes filled by model type, the lambda MLP counted, FLOPs within 1 % of gpt2 plus its head', () => {
    const t = importPythonModel(read('test/fixtures/python/mingpt_style/model.py'), {
      ...OPTS,
      fileName: 'model.py',
      configText: read('test/fixtures/python/mingpt_style/config.json'),
      configFileName: 'config.json',
    }).tree;
    assert.equal(t.modelName, 'GPT');
    const headFlops = 2 * B * S * 768 * 50257;
    assert.equal(findByScope(t.root, 'root.lm_head')?.flops, headFlops);
    assert.equal(t.root.parameters, gpt2.root.parameters + 768 * 50257);
    assert.equal(findByScope(t.root, 'root.transformer.h.11.mlp.c_fc')?.flops, 2 * B * S * 768 * 3072);
    assert.ok(within(totalFlops(t.root), totalFlops(gpt2.root) + headFlops), `${totalFlops(t.root)} vs ${totalFlops(gpt2.root) + headFlops}`);
    assert.deepEqual(t.warnings, []);
  });
});

describe('the config tree is only a cross-check', () => {
  it('a modified copy with the stock modules but other sizes gets its own tree and a warning naming the first node that differs', () => {
    const text = read('test/fixtures/python/hf_bert/modeling_bert.py')
      .replace('self.dense = nn.Linear(config.hidden_size, config.intermediate_size)', 'self.dense = nn.Linear(config.hidden_size, 2 * config.intermediate_size)')
      .replace('self.dense = nn.Linear(config.intermediate_size, config.hidden_size)', 'self.dense = nn.Linear(2 * config.intermediate_size, config.hidden_size)');
    const configText = read('test/fixtures/python/hf_bert/config.json');
    const t = importPythonModel(text, { ...OPTS, fileName: 'modeling_bert.py', className: 'BertModel', configText, configFileName: 'config.json' }).tree;
    const stock = configTree('test/fixtures/python/hf_bert/config.json');
    assert.ok(t.warnings[0]?.includes('more than 1 % in FLOPs, first at root.encoder.layer.0.intermediate'), t.warnings.join('\n'));
    assert.equal(findByScope(t.root, 'root.encoder.layer.0.intermediate.dense')?.flops, 2 * OPTS.batchSize * OPTS.seqLen * 768 * 2 * 3072);
    assert.ok(totalFlops(t.root) > 1.3 * totalFlops(stock.root));
  });
});
