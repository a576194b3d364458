import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { analyzePythonModels, buildPythonModelTree } from '../../../../src/engine/importers/python/pythonModelAnalyzer.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import type { ModelNode, ModelTree } from '../../../../src/engine/tree/modelNode.js';
import { findByScope, totalFlops, walkTree } from '../../../../src/engine/tree/treeWalk.js';

const read = (path: string): string => readFileSync(join(__dirname, '../../../..', path), 'utf8');
const OPTS: ImportOptions = { batchSize: 8, seqLen: 256, dtype: 'bf16' };
const B = OPTS.batchSize;
const S = OPTS.seqLen;

function build(text: string, className?: string, extra: { configText?: string; configFileName?: string } = {}): ModelTree {
  const a = analyzePythonModels(text);
  return buildPythonModelTree(a, className ?? a.modelClasses[a.modelClasses.length - 1]!, { ...OPTS, fileName: 'model.py', ...extra });
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i;
}

/** Scopes of modules and nn layers (functional ops excluded: their names are lower case). */
function layerScopes(root: ModelNode): string[] {
  return [...walkTree(root)].map(({ node }) => node).filter((n) => /^[A-Z]/.test(n.instanceType)).map((n) => n.scope).sort();
}

function node(tree: ModelTree, scope: string): ModelNode {
  const n = findByScope(tree.root, scope);
  assert.ok(n, `no node ${scope}`);
  return n;
}

describe('plain PyTorch fixtures match the config trees of the same architectures', () => {
  const cases = [
    { file: 'test/fixtures/python/bert_like.py', config: 'examples/bert-base-uncased/config.json' },
    { file: 'test/fixtures/python/gpt2_like.py', config: 'examples/gpt2/config.json' },
    { file: 'test/fixtures/python/llama_like.py', config: 'examples/tinyllama-1.1b/config.json' },
  ];
  for (const c of cases) {
    it(`${c.file}: same module scopes, FLOPs within 1 %`, () => {
      const fromSource = build(read(c.file));
      const fromConfig = buildTreeFromConfig(JSON.parse(read(c.config)) as Record<string, unknown>, OPTS);
      assert.equal(fromSource.root.instanceType, fromConfig.root.instanceType);
      assert.deepEqual(layerScopes(fromSource.root), layerScopes(fromConfig.root));
      const a = totalFlops(fromSource.root);
      const b = totalFlops(fromConfig.root);
      assert.ok(Math.abs(a / b - 1) < 0.01, `FLOPs ${a} vs ${b}`);
      assert.deepEqual(fromSource.warnings, []);
    });
  }

  it('numbers of single layers follow the formulas (bert_like, independent arithmetic)', () => {
    const t = build(read('test/fixtures/python/bert_like.py'));
    const q = node(t, 'root.encoder.layer.7.attention.self.query');
    assert.equal(q.flops, 2 * B * S * 768 * 768);
    assert.equal(q.parameters, 768 * 768 + 768);
    assert.deepEqual(q.inputShapes, [[B, S, 768]]);
    const scores = node(t, 'root.encoder.layer.0.attention.self.matmul.0');
    assert.deepEqual(scores.inputShapes, [[B, 12, S, 64], [B, 12, 64, S]]);
    assert.equal(scores.flops, 2 * B * 12 * S * 64 * S);
    const soft = node(t, 'root.encoder.layer.0.attention.self.softmax.2');
    assert.equal(soft.flops, 5 * B * 12 * S * S);
    const pooler = node(t, 'root.pooler.dense');
    assert.deepEqual(pooler.inputShapes, [[B, 768]]);
    assert.equal(t.root.parameters, 30522 * 768 + 512 * 768 + 2 * 768 + 2 * 768 + 12 * (4 * (768 * 768 + 768) + 2 * (768 * 3072) + 3072 + 768 + 4 * 768) + 768 * 768 + 768);
  });

  it('every layer node links to the line that creates it, ModuleList items to the list', () => {
    const text = read('test/fixtures/python/gpt2_like.py');
    const t = build(text);
    assert.equal(node(t, 'root.h.5.attn.c_attn').source?.line, lineOf(text, 'self.c_attn = nn.Linear'));
    assert.equal(node(t, 'root.h.5').source?.line, lineOf(text, 'self.h = nn.ModuleList'));
    assert.equal(node(t, 'root.h.5.attn.softmax.3').source?.line, lineOf(text, 'att = F.softmax'));
    assert.equal(node(t, 'root.h.0.attn.matmul.4').source?.line, lineOf(text, 'y = torch.matmul(att, v)'));
    assert.equal(t.root.source?.line, lineOf(text, 'class GPT2Model'));
    assert.equal(node(t, 'root.h.11').calls, 1);
    assert.equal(t.root.children.filter((c) => c.scope.startsWith('root.h.')).length, 12);
  });
});

describe('HF modelling file with a config.json beside it', () => {
  const text = read('test/fixtures/python/hf_bert/modeling_bert.py');
  const configText = read('test/fixtures/python/hf_bert/config.json');
  const fromConfig = buildTreeFromConfig(JSON.parse(configText) as Record<string, unknown>, OPTS);

  it('keeps the config tree and attaches the source line of each layer to exactly its nodes', () => {
    const t = build(text, 'BertModel', { configText, configFileName: 'config.json' });
    assert.equal(t.format, 'python');
    assert.equal(totalFlops(t.root), totalFlops(fromConfig.root));
    assert.deepEqual([...walkTree(t.root)].map(({ node: n }) => n.scope), [...walkTree(fromConfig.root)].map(({ node: n }) => n.scope));
    const queryLine = lineOf(text, 'self.query = nn.Linear');
    for (let i = 0; i < 12; i++) assert.equal(node(t, `root.encoder.layer.${i}.attention.self.query`).source?.line, queryLine);
    const onQueryLine = [...walkTree(t.root)].filter(({ node: n }) => n.source?.line === queryLine).map(({ node: n }) => n.scope);
    assert.equal(onQueryLine.length, 12);
    assert.ok(onQueryLine.every((s) => s.endsWith('.attention.self.query')));
    assert.equal(node(t, 'root.encoder.layer.0.intermediate.intermediate_act_fn').source?.line, lineOf(text, 'self.intermediate_act_fn = ACT2FN'));
    assert.equal(node(t, 'root.encoder.layer.0.attention.self.softmax.2').source?.line, lineOf(text, 'attention_probs = nn.functional.softmax'));
    assert.equal(node(t, 'root.embeddings').source?.line, lineOf(text, 'self.embeddings = BertEmbeddings'));
  });

  it('older transformers idioms (getattr defaults, inline nn.Softmax, apply_chunking_to_forward, ModelOutput) still map every node', () => {
    const v4 = read('test/fixtures/python/hf_bert/modeling_bert_v4_style.py');
    const t = build(v4, 'BertModel', { configText });
    assert.equal(totalFlops(t.root), totalFlops(fromConfig.root));
    for (const { node: n } of walkTree(t.root)) {
      if (n.scope.startsWith('root.encoder.layer.')) assert.notEqual(n.source?.line, undefined, `${n.scope} has no source line`);
    }
    assert.equal(node(t, 'root.encoder.layer.2.attention.self.softmax.2').source?.line, lineOf(v4, 'nn.Softmax(dim=-1)(attention_scores)'));
    assert.equal(node(t, 'root.encoder.layer.2.attention.self.matmul.3').source?.line, lineOf(v4, 'context_layer = torch.matmul(attention_probs, value_layer)'));
    // Interpreted alone (the config resolves everything), the source gives the same FLOPs plus the attention-mask add it really does.
    const alone = buildPythonModelTree(analyzePythonModels(v4), 'BertModel', { ...OPTS, fileName: 'v4.py', configText, configTree: { ...fromConfig, root: { ...fromConfig.root, instanceType: 'Other' } } });
    const maskAdds = 12 * B * 12 * S * S;
    assert.equal(totalFlops(alone.root), totalFlops(fromConfig.root) + maskAdds);
  });

  it('a head class grafts the config tree of its base model and keeps its own head from source', () => {
    const withHead = `${text}

class BertForSequenceClassification(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, 3)

    def forward(self, input_ids=None, attention_mask=None):
        sequence_output, pooled_output = self.bert(input_ids, attention_mask=attention_mask)
        return self.classifier(self.dropout(pooled_output))
`;
    const t = build(withHead, 'BertForSequenceClassification', { configText });
    assert.equal(t.root.instanceType, 'BertForSequenceClassification');
    const bert = node(t, 'root.bert');
    assert.equal(bert.type, 'module');
    const expected = [...walkTree(fromConfig.root)].map(({ node: n }) => n.scope.replace(/^root/, 'root.bert'));
    assert.deepEqual([...walkTree(bert)].map(({ node: n }) => n.scope), expected);
    const head = node(t, 'root.classifier');
    assert.equal(head.flops, 2 * B * 768 * 3);
    assert.equal(totalFlops(t.root), totalFlops(fromConfig.root) + 2 * B * 768 * 3);
    assert.equal(node(t, 'root.bert.encoder.layer.5.attention.self.query').source?.line, lineOf(withHead, 'self.query = nn.Linear'));
    assert.equal(bert.source?.line, lineOf(withHead, 'self.bert = BertModel(config)'));
  });

  it('where the source cannot be evaluated, the config tree is kept and ops take the lines where they are written', () => {
    const src = `import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def forward(self, x):
        h = self.proj(x)
        if ATTN_MODE == "eager":
            s = torch.matmul(h, h.transpose(-1, -2))
            h = torch.softmax(s, dim=-1)
        return h
`;
    const mk = (scope: string, instanceType: string, type: ModelNode['type'], children: ModelNode[] = []): ModelNode => ({
      scope, type, instanceType, inputShapes: [], dtype: 'bf16', calls: 1, parameters: 0, flops: 1, memBytes: 1, children,
    });
    const configTree: ModelTree = {
      modelName: 'net', format: 'hf-config', batchSize: B, seqLen: S, dtype: 'bf16', warnings: [],
      root: mk('root', 'Net', 'model', [mk('root.proj', 'Linear', 'ml'), mk('root.matmul.0', 'matmul', 'ml'), mk('root.softmax.1', 'softmax', 'ml')]),
    };
    const a = analyzePythonModels(src);
    const t = buildPythonModelTree(a, 'Net', { ...OPTS, fileName: 'net.py', configTree });
    assert.deepEqual([...walkTree(t.root)].map(({ node: n }) => n.scope), ['root', 'root.proj', 'root.matmul.0', 'root.softmax.1']);
    const at = (needle: string): number => src.split('\n').findIndex((l) => l.includes(needle));
    assert.equal(node(t, 'root.proj').source?.line, at('self.proj = nn.Linear'));
    assert.equal(node(t, 'root.matmul.0').source?.line, at('torch.matmul'));
    assert.equal(node(t, 'root.softmax.1').source?.line, at('torch.softmax'));
    assert.ok(t.warnings.some((w) => w.includes('ATTN_MODE')), t.warnings.join('\n'));
  });

  it('a user-modified copy gets the tree of its source, with a warning', () => {
    const modified = text.replace(
      '        self.output = BertOutput(config)\n',
      '        self.output = BertOutput(config)\n        self.adapter = nn.Linear(config.hidden_size, config.hidden_size)\n',
    ).replace('        layer_output = self.output(intermediate_output, attention_output)\n', '        layer_output = self.adapter(self.output(intermediate_output, attention_output))\n');
    const t = build(modified, 'BertModel', { configText });
    const adapter = node(t, 'root.encoder.layer.3.adapter');
    assert.equal(adapter.flops, 2 * B * S * 768 * 768);
    assert.equal(adapter.source?.line, lineOf(modified, 'self.adapter = nn.Linear'));
    assert.ok(t.warnings[0]?.includes('differs from the stock'), t.warnings.join('\n'));
    assert.equal(totalFlops(t.root) - totalFlops(fromConfig.root), 12 * 2 * B * S * 768 * 768);
  });

  it('without the config, every config-driven dimension is unresolved and named', () => {
    const t = build(text, 'BertModel');
    const q = node(t, 'root.encoder.layer.0.attention.self.query');
    // in = config.hidden_size, out = num_attention_heads * int(hidden_size / num_attention_heads): both unknown.
    assert.ok(q.unresolved?.includes('config.hidden_size'), JSON.stringify(q.unresolved));
    assert.ok((q.unresolved ?? []).every((u) => u.startsWith('config.')), JSON.stringify(q.unresolved));
    assert.equal(q.flops, 0);
    assert.ok(t.warnings.some((w) => w.includes('config.num_hidden_layers')), t.warnings.join('\n'));
  });
});

describe('user models: static evaluation', () => {
  const header = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n';

  it('an unresolvable dimension is shown as unresolved, never guessed', () => {
    const text = `${header}
class Net(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed = nn.Embedding(1000, 64)
        self.proj = nn.Linear(64, config.hidden)
        self.out = nn.Linear(config.hidden, 10)

    def forward(self, input_ids):
        return self.out(self.proj(self.embed(input_ids)))
`;
    const t = build(text);
    const proj = node(t, 'root.proj');
    assert.deepEqual(proj.unresolved, ['config.hidden']);
    assert.equal(proj.flops, 0);
    assert.equal(node(t, 'root.embed').unresolved, undefined);
    assert.deepEqual(node(t, 'root.out').unresolved, ['config.hidden']);
    const projLine = lineOf(text, 'self.proj = nn.Linear') + 1;
    assert.ok(t.warnings.some((w) => w.startsWith(`root.proj (Linear, line ${projLine}): cannot resolve config.hidden`)), t.warnings.join('\n'));
    // With a YAML config beside the file, the same model resolves.
    const resolved = build(text, 'Net', { configText: 'hidden: 128\n', configFileName: 'config.yaml' });
    assert.equal(node(resolved, 'root.proj').flops, 2 * B * S * 64 * 128);
    assert.equal(node(resolved, 'root.out').flops, 2 * B * S * 128 * 10);
    assert.deepEqual(resolved.warnings, []);
  });

  it('evaluates constants, arithmetic, defaults, dataclass configs and module-level instantiation', () => {
    const text = `${header}from dataclasses import dataclass
WIDTH = 32 * 4

@dataclass
class Cfg:
    d_model: int = WIDTH
    n_layer: int = 2
    ratio: int = 4

class MLP(nn.Module):
    def __init__(self, d, ratio=2, bias=False):
        super().__init__()
        self.fc = nn.Linear(d, d * ratio, bias=bias)
        self.proj = nn.Linear(d * ratio, d, bias=bias)

    def forward(self, x):
        return self.proj(F.silu(self.fc(x)))

class Net(nn.Module):
    def __init__(self, cfg: Cfg):
        super().__init__()
        self.emb = nn.Embedding(100, cfg.d_model)
        self.blocks = nn.ModuleList([MLP(cfg.d_model, cfg.ratio) for _ in range(cfg.n_layer)])
        self.small = MLP(cfg.d_model // 2 + 64)

    def forward(self, idx):
        x = self.emb(idx)
        for b in self.blocks:
            x = x + b(x)
        return self.small(x)

model = Net(Cfg(n_layer=3))
`;
    const t = build(text);
    const blocks = t.root.children.filter((c) => c.scope.startsWith('root.blocks.'));
    assert.equal(blocks.length, 3);
    assert.equal(node(t, 'root.blocks.2.fc').flops, 2 * B * S * 128 * 512);
    assert.equal(node(t, 'root.blocks.2.fc').parameters, 128 * 512);
    assert.equal(node(t, 'root.small.fc').flops, 2 * B * S * 128 * 256);
    const silu = node(t, 'root.blocks.0.silu.0');
    assert.equal(silu.flops, 4 * B * S * 512);
    assert.equal(node(t, 'root.add.0').flops, B * S * 128);
    assert.deepEqual(t.warnings, []);
  });

  it('Sequential and ModuleDict layers get their container scopes', () => {
    const text = `${header}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 16))
        self.heads = nn.ModuleDict({"a": nn.Linear(16, 2), "b": nn.Linear(16, 3)})

    def forward(self, x):
        h = self.mlp(x)
        return self.heads["a"](h), self.heads["b"](h)
`;
    const t = build(text);
    assert.deepEqual(
      [...walkTree(t.root)].map(({ node: n }) => `${n.scope}:${n.instanceType}`),
      ['root:Net', 'root.mlp:Sequential', 'root.mlp.0:Linear', 'root.mlp.1:ReLU', 'root.mlp.3:Linear', 'root.heads.a:Linear', 'root.heads.b:Linear'],
    );
    // Input width is not given (x is not token ids): the first Linear fixes it.
    assert.deepEqual(node(t, 'root.mlp.0').inputShapes, [[B, S, 16]]);
    assert.equal(node(t, 'root.heads.b').flops, 2 * B * S * 16 * 3);
    assert.equal(node(t, 'root.mlp').type, 'module');
  });

  it('ModuleDict(dict(...)) of layers and a ModuleList, attribute access through it, last-token head', () => {
    const text = `${header}
class Decoder(nn.Module):
    def __init__(self, vocab=1000, width=64, depth=3):
        super().__init__()
        self.parts = nn.ModuleDict(dict(
            emb=nn.Embedding(vocab, width),
            blocks=nn.ModuleList([nn.Linear(width, width) for _ in range(depth)]),
            norm=nn.LayerNorm(width),
        ))
        self.head = nn.Linear(width, vocab, bias=False)

    def forward(self, tokens, labels=None):
        h = self.parts.emb(tokens)
        for blk in self.parts.blocks:
            h = F.relu(blk(h))
        h = self.parts.norm(h)
        if labels is not None:
            return self.head(h)
        return self.head(h[:, [-1], :])
`;
    const t = build(text);
    assert.deepEqual(
      t.root.children.filter((c) => /^[A-Z]/.test(c.instanceType)).map((c) => c.scope),
      ['root.parts.emb', 'root.parts.blocks.0', 'root.parts.blocks.1', 'root.parts.blocks.2', 'root.parts.norm', 'root.head'],
    );
    assert.deepEqual(node(t, 'root.head').inputShapes, [[B, 1, 64]]);
    assert.equal(node(t, 'root.head').flops, 2 * B * 64 * 1000);
    assert.equal(node(t, 'root.relu.2').flops, B * S * 64);
  });

  it('functional ops in forward: sdpa, @, element-wise, with shapes from heads and head_dim', () => {
    const text = `${header}
class Attn(nn.Module):
    def __init__(self, dim=256, n_heads=8):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.norm = nn.RMSNorm(dim)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        q = q.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        w = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return y.transpose(1, 2).reshape(B, T, C) * torch.sigmoid(x)
`;
    const t = build(text);
    const H = 8;
    const D = 32;
    const sdpa = node(t, 'root.scaled_dot_product_attention.0');
    assert.equal(sdpa.kind, 'matmul');
    assert.deepEqual(sdpa.inputShapes, [[B, H, S, D], [B, H, S, D], [B, H, S, D]]);
    assert.equal(sdpa.flops, 2 * (2 * B * H * S * S * D) + 5 * B * H * S * S);
    const mm = node(t, 'root.matmul.1');
    assert.equal(mm.flops, 2 * B * H * S * D * S);
    assert.equal(node(t, 'root.softmax.2').flops, 5 * B * H * S * S);
    assert.equal(node(t, 'root.sigmoid.3').flops, 4 * B * S * 256);
    assert.equal(node(t, 'root.mul.4').flops, B * S * 256);
    assert.equal(node(t, 'root.norm').kind, 'rmsnorm');
    assert.equal(node(t, 'root.norm').parameters, 256);
  });

  it('classes through inheritance: layers of the base __init__ and an inherited forward count', () => {
    const text = `${header}
class Base(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.a = nn.Linear(d, d)

    def forward(self, x):
        return self.extra(self.a(x))

class Child(Base):
    def __init__(self):
        super().__init__(d=32)
        self.extra = nn.Linear(32, 8)
`;
    const t = build(text, 'Child');
    assert.equal(node(t, 'root.a').flops, 2 * B * S * 32 * 32);
    assert.equal(node(t, 'root.extra').flops, 2 * B * S * 32 * 8);
    assert.equal(t.root.instanceType, 'Child');
  });

  it('a root input that feeds an embedding is token ids whatever its name', () => {
    const text = `${header}
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(100, 16)
        self.out = nn.Linear(16, 100)

    def forward(self, x):
        return self.out(self.tok(x))
`;
    const t = build(text);
    assert.deepEqual(node(t, 'root.tok').inputShapes, [[B, S]]);
    assert.equal(node(t, 'root.out').flops, 2 * B * S * 16 * 100);
    assert.deepEqual(t.warnings, []);
  });

  it('newer transformers idioms: decorated forwards, return annotations, **kwargs, attention functions, sliced layer lists', () => {
    const text = `${header}from typing import Callable, Optional

def eager_attention(module, query, key, value, attention_mask, scaling: float, dropout: float = 0.0, **kwargs):
    weights = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        weights = weights + attention_mask
    weights = nn.functional.softmax(weights, dim=-1, dtype=torch.float32).to(query.dtype)
    weights = nn.functional.dropout(weights, p=dropout, training=module.training)
    return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights

class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.head_dim = getattr(config, "head_dim", config.hidden_size // config.num_heads)
        self.scaling = self.head_dim**-0.5
        self.q = nn.Linear(config.hidden_size, config.hidden_size)
        self.o = nn.Linear(config.hidden_size, config.hidden_size)

    @some_decorator
    def forward(self, hidden_states: torch.Tensor, attention_mask: Optional[torch.Tensor] = None, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        q = self.q(hidden_states).view(hidden_shape).transpose(1, 2)
        attention_interface: Callable = eager_attention
        if self.config._attn_implementation != "eager":
            attention_interface = ATTENTION_FUNCTIONS[self.config._attn_implementation]
        out, weights = attention_interface(self, q, q, q, attention_mask, scaling=self.scaling, **kwargs)
        return self.o(out.reshape(*input_shape, -1).contiguous()), weights

class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList([Attention(config) for _ in range(config.num_layers)])

    def forward(self, input_ids=None, **kwargs):
        h = self.embed(input_ids)
        for layer in self.layers[: self.config.num_layers]:
            h, _ = layer(h, attention_mask=None, **kwargs)
        return h
`;
    const configText = JSON.stringify({ hidden_size: 64, num_heads: 4, vocab_size: 100, num_layers: 3 });
    const t = build(text, 'Model', { configText });
    const layers = t.root.children.filter((c) => c.instanceType === 'Attention');
    assert.equal(layers.length, 3);
    assert.deepEqual(
      node(t, 'root.layers.2').children.map((c) => c.scope.slice('root.layers.2.'.length)),
      ['q', 'o', 'matmul.0', 'mul.1', 'softmax.2', 'cast.3', 'matmul.4', 'contiguous.5', 'contiguous.6'],
    );
    assert.equal(node(t, 'root.layers.2.matmul.0').flops, 2 * B * 4 * S * 16 * S);
    assert.ok(t.warnings.some((w) => w.includes('_attn_implementation')), t.warnings.join('\n'));
  });

  it('F.dropout is the identity, F.linear a primitive, and parameters a module owns itself are counted', () => {
    const text = `${header}
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(32, 16))
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        h = F.dropout(self.fc(x), p=0.1, training=self.training)
        return F.linear(h, self.w)
`;
    const t = build(text);
    assert.equal(node(t, 'root.linear.0').flops, 2 * B * S * 16 * 32);
    assert.equal(t.root.parameters, 16 * 16 + 16 + 32 * 16);
    assert.deepEqual(t.warnings, []);
  });

  it('comprehension filters and try blocks', () => {
    const text = `${header}
class M(nn.Module):
    def __init__(self, n=6):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8) for i in range(n) if i % 2 == 0])
        try:
            self.out = nn.Linear(8, 2)
        except ImportError:
            self.out = None

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.out(x)
`;
    const t = build(text);
    assert.deepEqual(t.root.children.map((c) => c.scope), ['root.layers.0', 'root.layers.1', 'root.layers.2', 'root.out']);
    assert.equal(totalFlops(t.root), 3 * 2 * B * S * 8 * 8 + 2 * B * S * 8 * 2);
  });

  it('torch.einsum: output shape from the subscripts, FLOPs from the joint index space', () => {
    const text = `${header}
class Rel(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(64, 64)
        self.pos = nn.Embedding(512, 16)

    def forward(self, x):
        q = self.q(x).view(x.size(0), x.size(1), 4, 16).transpose(1, 2)
        p = self.pos(torch.arange(x.size(1))).unsqueeze(1).expand(-1, x.size(1), -1)
        return torch.einsum("bhld,lrd->bhlr", q, p)
`;
    const t = build(text);
    const e = node(t, 'root.einsum.0');
    assert.deepEqual(e.inputShapes, [[B, 4, S, 16], [S, S, 16]]);
    assert.equal(e.kind, 'matmul');
    assert.equal(e.flops, 2 * B * 4 * S * 16 * S);
    assert.equal(e.unresolved, undefined);
  });

  it('a layer called twice counts two calls; a layer never called is reported', () => {
    const text = `${header}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(16, 16)
        self.unused = nn.Linear(16, 16)

    def forward(self, x):
        return self.shared(self.shared(x))
`;
    const t = build(text);
    assert.equal(node(t, 'root.shared').calls, 2);
    assert.equal(totalFlops(t.root), 2 * 2 * B * S * 16 * 16);
    const unusedLine = lineOf(text, 'self.unused =') + 1;
    assert.ok(t.warnings.some((w) => w.startsWith(`root.unused (line ${unusedLine}): Linear is never called`)), t.warnings.join('\n'));
  });

  it('submodules and bases from other workspace files, with their own file in the source links', () => {
    const blocksText = `${header}
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, 4 * d)

    def forward(self, x):
        return F.gelu(self.fc(x))
`;
    const blocks = analyzePythonModels(blocksText, { fileName: 'blocks.py' });
    const text = `${header}from .blocks import Block

class Net(nn.Module):
    def __init__(self, d=32, n=2):
        super().__init__()
        self.emb = nn.Embedding(10, d)
        self.blocks = nn.ModuleList([Block(d) for _ in range(n)])

    def forward(self, ids):
        x = self.emb(ids)
        for b in self.blocks:
            x = b(x)[..., :32]
        return x
`;
    const a = analyzePythonModels(text, { otherFiles: [blocks], fileName: 'net.py' });
    const t = buildPythonModelTree(a, 'Net', { ...OPTS, fileName: 'net.py' });
    const fc = node(t, 'root.blocks.1.fc');
    assert.equal(fc.flops, 2 * B * S * 32 * 128);
    assert.equal(fc.source?.file, 'blocks.py');
    assert.equal(fc.source?.line, blocksText.split('\n').findIndex((l) => l.includes('self.fc = nn.Linear')));
    assert.equal(node(t, 'root.blocks.1').source?.file, 'net.py');
    assert.equal(node(t, 'root.blocks.0.gelu.0').flops, 8 * B * S * 128);
  });

  it('stops when the caller aborts', () => {
    const a = analyzePythonModels(read('test/fixtures/python/llama_like.py'));
    const ctrl = new AbortController();
    ctrl.abort();
    assert.throws(() => buildPythonModelTree(a, 'LlamaModel', { ...OPTS, fileName: 'x.py', signal: ctrl.signal }), (e: unknown) => (e as { code?: string }).code === 'ABORTED');
    assert.throws(() => analyzePythonModels('x = 1', { signal: ctrl.signal }), (e: unknown) => (e as { code?: string }).code === 'ABORTED');
  });
});
