import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UnsupportedFormatError } from '../../../../src/engine/errors.js';
import { pickRootModelClass, pythonImporter } from '../../../../src/engine/importers/python/pythonImporter.js';
import { analyzePythonModels } from '../../../../src/engine/importers/python/pythonModelAnalyzer.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { findByScope } from '../../../../src/engine/tree/treeWalk.js';

const dir = join(__dirname, '../../../fixtures/python');
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const OPTS: ImportOptions = { batchSize: 2, seqLen: 64, dtype: 'fp32' };

describe('pythonImporter', () => {
  it('matches .py files that define a model or import torch, nothing else', () => {
    assert.equal(pythonImporter.id, 'python');
    assert.equal(pythonImporter.match('gpt2_like.py', bytes('gpt2_like.py').subarray(0, 4096)), true);
    assert.equal(pythonImporter.match('script.py', enc('import os\nprint("hello")\n')), false);
    assert.equal(pythonImporter.match('config.json', enc('{"model_type": "bert"}')), false);
    assert.equal(pythonImporter.match('gpt2_like.txt', bytes('gpt2_like.py')), false);
  });

  it('builds the tree of the outermost model class', () => {
    const tree = pythonImporter.parse({ fileName: 'gpt2_like.py', bytes: bytes('gpt2_like.py') }, OPTS);
    assert.equal(tree.format, 'python');
    assert.equal(tree.root.instanceType, 'GPT2Model');
    assert.equal(tree.batchSize, 2);
    assert.deepEqual(findByScope(tree.root, 'root.h.0.attn.c_attn')?.inputShapes, [[2, 64, 768]]);
    assert.equal(findByScope(tree.root, 'root.h.0.attn.c_attn')?.source?.file, 'gpt2_like.py');
  });

  it('uses a config.json passed as a companion', () => {
    const input = { fileName: 'hf_bert/modeling_bert.py', bytes: bytes('hf_bert/modeling_bert.py') };
    const without = pythonImporter.parse(input, OPTS);
    assert.ok(findByScope(without.root, 'root.embeddings.word_embeddings')?.unresolved?.length);
    const withConfig = pythonImporter.parse({ ...input, companions: [{ fileName: 'config.json', bytes: bytes('hf_bert/config.json') }] }, OPTS);
    assert.equal(withConfig.root.instanceType, 'BertModel');
    assert.equal(findByScope(withConfig.root, 'root.embeddings.word_embeddings')?.parameters, 30522 * 768);
    assert.equal(findByScope(withConfig.root, 'root.embeddings.word_embeddings')?.unresolved, undefined);
  });

  it('says why a Python file without a model class cannot be read', () => {
    assert.throws(
      () => pythonImporter.parse({ fileName: 'util.py', bytes: enc('import torch\n\ndef f(x):\n    return x\n') }, OPTS),
      (e: unknown) => e instanceof UnsupportedFormatError && /no class deriving from nn\.Module/.test(e.message),
    );
  });
});

describe('pickRootModelClass', () => {
  it('prefers the class nobody uses as a submodule or base, and the biggest among several', () => {
    assert.equal(pickRootModelClass(analyzePythonModels(readFileSync(join(dir, 'bert_like.py'), 'utf8'))), 'BertModel');
    assert.equal(pickRootModelClass(analyzePythonModels(readFileSync(join(dir, 'hf_bert/modeling_bert.py'), 'utf8'))), 'BertModel');
    const text = 'import torch.nn as nn\nclass Small(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(2, 2)\nclass Big(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(2, 2)\n        self.b = nn.Linear(2, 2)\nclass Tiny(nn.Module): pass\n';
    assert.equal(pickRootModelClass(analyzePythonModels(text)), 'Big');
    assert.equal(pickRootModelClass(analyzePythonModels(text), ['Small']), 'Small');
    assert.equal(pickRootModelClass(analyzePythonModels('x = 1\n')), undefined);
  });
});
