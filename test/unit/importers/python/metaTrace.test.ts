/**
 * The static trees of the plain-PyTorch fixtures against what real PyTorch
 * ran: test/fixtures/python/metaTrace.json was written by traceOnMeta.py
 * (torch 2.11 on the `meta` device, batch 8 x 256) with forward hooks and a
 * TorchFunctionMode. Same modules, calls, input shapes and, inside every
 * module, the same functional primitives in the same order on the same shapes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzePythonModels, buildPythonModelTree } from '../../../../src/engine/importers/python/pythonModelAnalyzer.js';
import type { ModelNode } from '../../../../src/engine/tree/modelNode.js';
import { walkTree } from '../../../../src/engine/tree/treeWalk.js';

interface TracedModule {
  scope: string;
  cls: string;
  calls: number;
  inputs: number[][];
}
interface TracedOp {
  module: string;
  op: string;
  inputs: number[][];
}
interface Trace {
  torch: string;
  batch: number;
  seq: number;
  models: Record<string, { modules: TracedModule[]; ops: TracedOp[] }>;
}

const dir = join(__dirname, '../../../fixtures/python');
const trace = JSON.parse(readFileSync(join(dir, 'metaTrace.json'), 'utf8')) as Trace;
/** Identity at inference: PyTorch calls them, the trees leave them out (as the measured trees do). */
const IDENTITY = new Set(['Dropout']);
/** Functional names as the trees write them. */
const OP_NAME: Record<string, string> = { to: 'cast', float: 'cast' };

for (const [fixture, traced] of Object.entries(trace.models)) {
  describe(`${fixture} against PyTorch ${trace.torch} on the meta device`, () => {
    const a = analyzePythonModels(readFileSync(join(dir, fixture), 'utf8'));
    const root = traced.modules.find((m) => m.scope === 'root')!;
    const tree = buildPythonModelTree(a, root.cls, { batchSize: trace.batch, seqLen: trace.seq, dtype: 'fp32', fileName: fixture });
    const nodes = new Map<string, ModelNode>([...walkTree(tree.root)].map(({ node }) => [node.scope, node]));
    const modules = traced.modules.filter((m) => !IDENTITY.has(m.cls));
    const isLeaf = (scope: string): boolean => !traced.modules.some((m) => m.scope.startsWith(`${scope}.`));

    it('same modules, classes, calls and input shapes', () => {
      const mine = [...nodes.values()].filter((n) => /^[A-Z]/.test(n.instanceType)).map((n) => n.scope).sort();
      assert.deepEqual(mine, modules.map((m) => m.scope).sort());
      for (const m of modules) {
        const n = nodes.get(m.scope)!;
        assert.equal(n.instanceType, m.cls, m.scope);
        assert.equal(n.calls, m.calls, m.scope);
        assert.deepEqual(n.inputShapes, m.inputs, m.scope);
      }
    });

    it('same functional primitives in each module, in order, on the same shapes', () => {
      const byModule = new Map<string, TracedOp[]>();
      for (const op of traced.ops) {
        if (op.op === 'dropout' || isLeaf(op.module)) continue; // leaf modules are one primitive each
        const list = byModule.get(op.module) ?? [];
        list.push(op);
        byModule.set(op.module, list);
      }
      let checked = 0;
      for (const m of modules) {
        if (isLeaf(m.scope)) continue;
        const mine = nodes.get(m.scope)!.children.filter((c) => /^[a-z]/.test(c.instanceType));
        const theirs = byModule.get(m.scope) ?? [];
        assert.deepEqual(mine.map((c) => c.instanceType), theirs.map((o) => OP_NAME[o.op] ?? o.op), m.scope);
        mine.forEach((c, i) => assert.deepEqual(c.inputShapes, theirs[i]!.inputs, c.scope));
        checked += mine.length;
      }
      assert.ok(checked > 0);
    });
  });
}
