import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzePythonModels, type PythonClass } from '../../../../src/engine/importers/python/pythonModelAnalyzer.js';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../../fixtures/python', name), 'utf8');

/** 0-based line of the first line containing `needle` (found independently of the analyzer). */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no line with ${needle}`);
  return i;
}

function cls(text: string, name: string, otherFiles?: ReturnType<typeof analyzePythonModels>[]): PythonClass {
  const a = analyzePythonModels(text, otherFiles ? { otherFiles } : {});
  const c = a.classes.find((x) => x.name === name);
  assert.ok(c, `class ${name} not found`);
  return c;
}

describe('model class detection', () => {
  it('accepts every spelling of the nn.Module base and PreTrainedModel friends', () => {
    const text = [
      'import torch',
      'import torch.nn as tnn',
      'from torch.nn import Module',
      'from transformers import BertPreTrainedModel, PreTrainedModel',
      'class A(torch.nn.Module): pass',
      'class B(tnn.Module): pass',
      'class C(Module): pass',
      'class D(PreTrainedModel): pass',
      'class E(BertPreTrainedModel): pass',
      'class NotAModel(object): pass',
      'class Config: pass',
    ].join('\n');
    const a = analyzePythonModels(text);
    assert.deepEqual(a.modelClasses, ['A', 'B', 'C', 'D', 'E']);
    assert.equal(a.unresolved.length, 0);
  });

  it('follows inheritance chains in the same file', () => {
    const text = ['import torch.nn as nn', 'class Base(nn.Module): pass', 'class Mid(Base): pass', 'class Leaf(Mid): pass', 'class Plain: pass', 'class Other(Plain): pass'].join('\n');
    const a = analyzePythonModels(text);
    assert.deepEqual(a.modelClasses, ['Base', 'Mid', 'Leaf']);
    assert.deepEqual(a.classes.find((c) => c.name === 'Leaf')!.modelChain, ['Leaf', 'Mid', 'Base', 'nn.Module']);
  });

  it('resolves bases defined in other files and reports the ones it cannot find', () => {
    const base = analyzePythonModels('import torch.nn as nn\nclass SharedBlock(nn.Module):\n    pass\n');
    const text = 'from .blocks import SharedBlock\nclass MyBlock(SharedBlock): pass\nclass Orphan(MissingBase): pass\n';
    const withOther = analyzePythonModels(text, { otherFiles: [base] });
    assert.deepEqual(withOther.modelClasses, ['MyBlock']);
    assert.deepEqual(withOther.unresolved.map((u) => u.what), ['MissingBase']);
    const alone = analyzePythonModels(text);
    assert.deepEqual(alone.modelClasses, []);
    assert.deepEqual(alone.unresolved.map((u) => u.what).sort(), ['MissingBase', 'SharedBlock']);
  });
});

describe('layers', () => {
  it('lists nn layers with the 0-based range of their assignment', () => {
    const text = fixture('hf_bert/modeling_bert.py');
    const c = cls(text, 'BertSelfAttention');
    assert.deepEqual(
      c.layers.map((l) => [l.path, l.layerType, l.category]),
      [
        ['query', 'Linear', 'torch'],
        ['key', 'Linear', 'torch'],
        ['value', 'Linear', 'torch'],
        ['dropout', 'Dropout', 'torch'],
      ],
    );
    const q = c.layers[0]!;
    const line = lineOf(text, 'self.query = nn.Linear');
    assert.equal(q.range.start.line, line);
    assert.equal(q.range.start.column, text.split('\n')[line]!.indexOf('self.query'));
  });

  it('sees ACT2FN activations, submodules that are model classes and conditional layers', () => {
    const text = fixture('hf_bert/modeling_bert.py');
    const inter = cls(text, 'BertIntermediate');
    assert.deepEqual(inter.layers.map((l) => [l.path, l.category, l.conditional]), [['dense', 'torch', false], ['intermediate_act_fn', 'activation', true]]);
    const model = cls(text, 'BertModel');
    assert.deepEqual(model.layers.map((l) => [l.path, l.layerType, l.category]), [
      ['embeddings', 'BertEmbeddings', 'model'],
      ['encoder', 'BertEncoder', 'model'],
      ['pooler', 'BertPooler', 'model'],
    ]);
  });

  it('reads ModuleList comprehensions, Sequential and ModuleDict items', () => {
    const text = [
      'import torch.nn as nn',
      'class Block(nn.Module): pass',
      'class Net(nn.Module):',
      '    def __init__(self, cfg):',
      '        super().__init__()',
      '        self.blocks = nn.ModuleList([Block(cfg) for i in range(cfg.n_layer)])',
      '        self.mlp = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 4))',
      '        self.heads = nn.ModuleDict({"q": nn.Linear(4, 4), "k": nn.Linear(4, 4)})',
      '        self.extra = nn.ModuleList()',
      '        for _ in range(3):',
      '            self.extra.append(nn.LayerNorm(4))',
    ].join('\n');
    const net = cls(text, 'Net');
    const [blocks, mlp, heads, extra] = net.layers;
    assert.equal(blocks!.layerType, 'ModuleList');
    assert.deepEqual(blocks!.items!.map((i) => [i.path, i.layerType, i.repeat]), [['blocks.0', 'Block', 'cfg.n_layer']]);
    assert.deepEqual(mlp!.items!.map((i) => [i.path, i.layerType]), [['mlp.0', 'Linear'], ['mlp.1', 'GELU'], ['mlp.2', 'Linear']]);
    assert.deepEqual(heads!.items!.map((i) => [i.path, i.layerType]), [['heads.q', 'Linear'], ['heads.k', 'Linear']]);
    assert.deepEqual(extra!.items!.map((i) => [i.path, i.layerType]), [['extra.0', 'LayerNorm']]);
    assert.equal(blocks!.range.start.line, 5);
    assert.equal(heads!.items![1]!.range.start.line, 7);
  });
});

describe('functional ops', () => {
  it('finds matmul, @, softmax, sdpa, activations and element-wise ops in forward and helpers', () => {
    const text = [
      'import torch',
      'import torch.nn.functional as F',
      'from torch import nn',
      'class Attn(nn.Module):',
      '    def forward(self, q, k, v):',
      '        s = torch.matmul(q, k.transpose(-1, -2)) * 0.125',
      '        p = F.softmax(s, dim=-1)',
      '        o = p @ v',
      '        o2 = F.scaled_dot_product_attention(q, k, v, is_causal=True)',
      '        return self._post(o + o2)',
      '    def _post(self, x):',
      '        return F.gelu(x).softmax(-1)',
    ].join('\n');
    const c = cls(text, 'Attn');
    assert.deepEqual(
      c.functionalOps.map((o) => [o.op, o.callee, o.method, o.range.start.line]),
      [
        ['mul', '*', 'forward', 5],
        ['matmul', 'torch.matmul', 'forward', 5],
        ['softmax', 'F.softmax', 'forward', 6],
        ['matmul', '@', 'forward', 7],
        ['scaled_dot_product_attention', 'F.scaled_dot_product_attention', 'forward', 8],
        ['add', '+', 'forward', 9],
        ['softmax', '.softmax', '_post', 11],
        ['gelu', 'F.gelu', '_post', 11],
      ],
    );
  });
});

describe('broken files', () => {
  it('still yields the classes that parse and reports where the syntax error is', () => {
    const good = fixture('gpt2_like.py');
    const broken = good.replace('class GPT2MLP(nn.Module):', 'class GPT2MLP(nn.Module:').replace('        return self.c_proj(y)', '        return self.c_proj(y +)');
    const a = analyzePythonModels(broken);
    assert.ok(a.syntaxErrors.length > 0);
    const errLine = lineOf(broken, 'return self.c_proj(y +)');
    assert.ok(a.syntaxErrors.some((e) => Math.abs(e.range.start.line - errLine) <= 1), JSON.stringify(a.syntaxErrors));
    for (const name of ['GPT2Attention', 'GPT2Block', 'GPT2Model']) assert.ok(a.modelClasses.includes(name), `${name} missing: ${a.modelClasses.join(',')}`);
    const model = a.classes.find((c) => c.name === 'GPT2Model')!;
    assert.deepEqual(model.layers.map((l) => l.path), ['wte', 'wpe', 'drop', 'h', 'ln_f']);
  });
});

describe('incremental re-parse', () => {
  it('gives the same analysis as a fresh parse after an edit', () => {
    const text = fixture('llama_like.py');
    const first = analyzePythonModels(text);
    const edited = text.replace('self.act_fn = nn.SiLU()', 'self.act_fn = nn.GELU()\n        self.extra = nn.Linear(4, 4)');
    const incremental = analyzePythonModels(edited, { previous: first });
    const fresh = analyzePythonModels(edited);
    const strip = (a: typeof fresh): unknown => JSON.parse(JSON.stringify({ ...a, parseState: undefined }));
    assert.deepEqual(strip(incremental), strip(fresh));
    const mlp = incremental.classes.find((c) => c.name === 'LlamaMLP')!;
    assert.deepEqual(mlp.layers.map((l) => l.layerType), ['Linear', 'Linear', 'Linear', 'GELU', 'Linear']);
    // The previous tree was reused: same text gives the very same tree object.
    assert.equal(analyzePythonModels(edited, { previous: incremental }).parseState!.tree, incremental.parseState!.tree);
  });
});
