/**
 * Hostile and absurd Python (issue 15): the evaluator has a total step budget,
 * an instance budget and a size cap on sequences, so each case ends with a
 * partial tree marked incomplete and a warning that says what was cut, never
 * a hang, an out-of-memory abort or a stack overflow. Counted repeats become
 * one node with N calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { importPythonModel } from '../../../../src/engine/importers/python/pythonImporter.js';
import type { ModelTree } from '../../../../src/engine/tree/modelNode.js';
import { findByScope, totalFlops, walkTree } from '../../../../src/engine/tree/treeWalk.js';

const OPTS: ImportOptions = { batchSize: 2, seqLen: 8, dtype: 'fp32' };
const header = 'import torch\nimport torch.nn as nn\n\n';

function run(src: string, className?: string): ModelTree {
  return importPythonModel(header + src, { ...OPTS, fileName: 'hostile.py', ...(className ? { className } : {}) }).tree;
}

function assertFinite(t: ModelTree): void {
  for (const { node } of walkTree(t.root)) {
    assert.ok(Number.isFinite(node.flops) && Number.isFinite(node.parameters) && Number.isFinite(node.calls), node.scope);
  }
}

describe('Python evaluator budgets', () => {
  it('a function that calls itself three times stops at the step budget with a partial tree', () => {
    const t = run(`
def grow(n):
    return grow(n + 1) + grow(n + 1) + grow(n + 1)

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.n = grow(0)

    def forward(self, x):
        return self.proj(x)
`);
    assertFinite(t);
    assert.ok(t.warnings.some((w) => /stopped after [\d,]+ steps/.test(w) || /recursion too deep/.test(w)), t.warnings.join('\n'));
  });

  it('an __init__ that builds its module twice per level stops at the instance budget', () => {
    const t = run(`
class Tree(nn.Module):
    def __init__(self, depth=40):
        super().__init__()
        self.leaf = nn.Linear(4, 4)
        if depth > 0:
            self.left = Tree(depth - 1)
            self.right = Tree(depth - 1)

    def forward(self, x):
        return self.leaf(x)
`, 'Tree');
    assertFinite(t);
    assert.ok(t.warnings.some((w) => /module instances|steps/.test(w) && /partial/.test(w)), t.warnings.join('\n'));
  });

  it('three nested range(4000) loops in forward stop at a budget (steps or tree nodes); what ran is kept', () => {
    const t = run(`
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        x = self.proj(x)
        for i in range(4000):
            for j in range(4000):
                for k in range(4000):
                    x = x + 1
        return x
`);
    assertFinite(t);
    assert.ok(findByScope(t.root, 'root.proj'));
    assert.ok(t.warnings.some((w) => /stopped after (recording )?[\d,]+ (steps|tree nodes)/.test(w) && /partial/.test(w)), t.warnings.join('\n'));
  });

  it('[8] * 10**9 and a list doubled 40 times are unknown, not built', () => {
    const t = run(`
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.sizes = [8] * 10**9
        xs = [1]
        for _ in range(40):
            xs = xs + xs
        self.xs = xs
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return self.proj(x)
`);
    assertFinite(t);
    assert.ok(t.warnings.some((w) => /more than the evaluator builds/.test(w)), t.warnings.join('\n'));
    assert.ok(findByScope(t.root, 'root.proj'));
  });

  it('a ModuleList of 10,000 identical blocks is one node with 10,000 calls and all their parameters', () => {
    const t = run(`
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(x)

class Deep(nn.Module):
    def __init__(self, n=10000):
        super().__init__()
        self.layers = nn.ModuleList([Block() for _ in range(n)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
`, 'Deep');
    const fc = findByScope(t.root, 'root.layers.0.fc');
    assert.ok(fc);
    assert.equal(fc.calls, 10_000);
    assert.equal(findByScope(t.root, 'root.layers.1'), undefined);
    assert.equal(t.root.parameters, 10_000 * (8 * 8 + 8));
    assert.equal(totalFlops(t.root), 10_000 * 2 * OPTS.batchSize * OPTS.seqLen * 8 * 8);
    assert.ok(t.warnings.some((w) => w.includes('10,000 items are built once')), t.warnings.join('\n'));
  });

  it('a 3,000-deep list literal does not overflow the stack: past CPython\'s 200 levels it is one line, at once', () => {
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const model = (nested: string) => `
NESTED = ${nested}

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.nested = NESTED
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return self.proj(x)
`;
    // CPython refuses it too ("too many nested parentheses"); the parser here is not asked to recover from it.
    const t0 = performance.now();
    assert.throws(() => run(model(deep(3000))), /hostile\.py: .*line 5, brackets nested more than 200 deep \(Python's own limit\)/);
    assert.ok(performance.now() - t0 < 500);
    // At the limit the file is read as before.
    const t = run(model(deep(199)));
    assertFinite(t);
    assert.ok(findByScope(t.root, 'root.proj'));
  });
});
