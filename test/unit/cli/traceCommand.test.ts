/**
 * `irene trace`: the user's own PyTorch builds the model on the meta device and
 * records one forward pass; replayed through the same cost model, the traced
 * tree equals the static one for every fixture both can read (layer scopes,
 * parameters, FLOPs within 1 %). Needs a Python with PyTorch (Debian's
 * python3-torch in CI); without one those cases are skipped and say why.
 * The cache and the error paths run without Python (a fake process runner).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ProcessRunner } from '../../../src/engine/calibrate/processRunner.js';
import { IreneError } from '../../../src/engine/errors.js';
import { importModel, registerBuiltinImporters } from '../../../src/engine/index.js';
import { TRACED_FORMAT } from '../../../src/engine/importers/python/traceReplay.js';
import type { ModelNode } from '../../../src/engine/tree/modelNode.js';
import { totalFlops, walkTree } from '../../../src/engine/tree/treeWalk.js';
import { runTrace, type TraceCommandOptions } from '../../../src/cli/commands/traceCommand.js';
import { readModelInput } from '../../../src/cli/modelFiles.js';

registerBuiltinImporters();
const ROOT = join(__dirname, '../../..');
const PYTHON = process.env['IRENE_PYTHON'] ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch; from torch.overrides import TorchFunctionMode'], { encoding: 'utf8' }).status === 0;
const cacheDir = mkdtempSync(join(tmpdir(), 'irene-trace-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

const BASE: TraceCommandOptions = { batchSize: 2, seqLen: 16, dtype: 'bf16', profile: 'h100-bf16', format: 'json', depth: 2, python: PYTHON, cacheDir };

function layerScopes(root: ModelNode): string[] {
  return [...walkTree(root)].map(({ node }) => node).filter((n) => /^[A-Z]/.test(n.instanceType)).map((n) => `${n.scope} ${n.instanceType} ${n.parameters}`).sort();
}

describe('irene trace with PyTorch on the meta device', { skip: hasTorch ? false : `${PYTHON} has no PyTorch with TorchFunctionMode` }, () => {
  const fixtures = [
    'test/fixtures/python/bert_like.py',
    'test/fixtures/python/gpt2_like.py',
    'test/fixtures/python/llama_like.py',
    'test/fixtures/python/nanogpt_style/model.py',
    'test/fixtures/python/mingpt_style/model.py',
    'test/fixtures/python/constructs/lambda_mlp.py',
    'test/fixtures/python/constructs/tensor_methods.py',
    'test/fixtures/python/constructs/deepcopy_layers.py',
  ];
  for (const f of fixtures) {
    it(`${f}: the traced tree is the static one (layers, parameters, FLOPs within 1 %)`, async () => {
      const traced = await runTrace(join(ROOT, f), BASE);
      const tree = traced.tree;
      const fromSource = importModel(readModelInput(join(ROOT, f)), { batchSize: 2, seqLen: 16, dtype: 'bf16' });
      assert.equal(tree.modelName, fromSource.modelName);
      assert.deepEqual(layerScopes(tree.root), layerScopes(fromSource.root));
      const a = totalFlops(tree.root);
      const b = totalFlops(fromSource.root);
      assert.ok(Math.abs(a / b - 1) < 0.01, `traced ${a} vs static ${b}`);
      assert.equal(JSON.parse(traced.stdout).traced, true);
    });
  }

  it('a traced file is cached by its content: the second run does not start Python', async () => {
    const file = join(ROOT, 'test/fixtures/python/constructs/slice_zero.py');
    const first = await runTrace(file, BASE);
    const refuse: ProcessRunner = { run: () => Promise.reject(new Error('Python must not run for a cached trace')) };
    const second = await runTrace(file, { ...BASE, runner: refuse });
    assert.equal(second.cached, true);
    assert.equal(totalFlops(second.tree.root), totalFlops(first.tree.root));
  });

  it('a forward pass that fails is one line naming the Python error', async () => {
    await assert.rejects(
      runTrace(join(ROOT, 'test/fixtures/python/constructs/unresolved_if.py'), { ...BASE, cacheDir: false }),
      (err: unknown) => err instanceof IreneError && /some_library/.test(err.message) && !err.message.includes('\n'),
    );
  });
});

describe('irene trace without Python', () => {
  const file = join(ROOT, 'test/fixtures/python/gpt2_like.py');

  it('says which interpreter could not run, in one line', async () => {
    const missing: ProcessRunner = { run: () => Promise.reject(new Error('spawn nosuchpython ENOENT')) };
    await assert.rejects(runTrace(file, { ...BASE, cacheDir: false, python: 'nosuchpython', runner: missing }), (err: unknown) => err instanceof IreneError && /nosuchpython/.test(err.message));
  });

  it("reports the script's error line (no PyTorch) as the reason", async () => {
    const noTorch: ProcessRunner = {
      run: (_cmd, _args, opts) => {
        opts.onStderrLine?.('{"error": "PyTorch is not importable by this Python (No module named torch)"}');
        return Promise.resolve({ exitCode: 1, signal: null, stdout: '' });
      },
    };
    await assert.rejects(runTrace(file, { ...BASE, cacheDir: false, runner: noTorch }), (err: unknown) => err instanceof IreneError && /No module named torch/.test(err.message));
  });

  it('refuses files that are not Python source', async () => {
    await assert.rejects(runTrace(join(ROOT, 'examples/gpt2/config.json'), BASE), /reads PyTorch source/);
  });

  it('marks the traced format', () => {
    assert.equal(TRACED_FORMAT, 'python-trace');
  });
});
