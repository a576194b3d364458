/**
 * Trees built from configs against what transformers 5.17 itself runs,
 * recorded on the device machine by test/fixtures/configs/reference/probe_transformers.py
 * (module names, classes, parameters, calls per forward, and the torch
 * functions each non-leaf module calls). This covers the architectures the
 * measured H100 trees do not (albert, electra, mistral, qwen2) and re-checks
 * the others.
 *
 * The probe records every torch function; the measuring hooks behind the
 * H100 trees record only arithmetic, copies and softmax, so the recorded
 * calls are mapped onto that vocabulary here (to / type_as -> cast; dropout,
 * comparisons, gather, arange, int / long ... are not recorded there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import type { ModelNode } from '../../../../src/engine/tree/modelNode.js';
import { walkTree } from '../../../../src/engine/tree/treeWalk.js';

interface ProbeModel {
  full: { class: string; parameters: number };
  tiny: { class: string; parameters: number; modules: [string, string, number][]; calls: Record<string, number>; ops: [string, string, [number[], string][]][] };
  tiny_config: Record<string, unknown>;
}

const probe = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/configs/reference/transformers-probe.json'), 'utf8')) as {
  versions: { transformers: string };
  models: Record<string, ProbeModel>;
};
const configsDir = join(__dirname, '../../../fixtures/configs/');

/** The op kinds the measured trees record, from a torch function name. */
function opKind(fn: string): string | undefined {
  let name = fn.split('.').pop()!;
  const dunder = /^__r?i?(\w+?)__$/.exec(name);
  if (dunder) name = dunder[1]!;
  if (name === 'truediv') name = 'div';
  if (name === 'to' || name === 'type_as') return 'cast';
  return ['matmul', 'mul', 'add', 'sub', 'div', 'neg', 'softmax', 'contiguous', 'cat', 'where'].includes(name) ? name : undefined;
}

const scopeOf = (probeName: string) => (probeName === '' ? 'root' : `root.${probeName}`);
const FUNCTIONAL = /\.(matmul|mul|add|sub|div|neg|softmax|contiguous|cat|where|cast)\.\d+$/;

test('the probe was recorded with transformers 5.17 for every fixture config', () => {
  assert.equal(probe.versions.transformers, '5.17.0');
  for (const t of ['albert', 'bert', 'distilbert', 'distilgpt2', 'electra', 'gpt2', 'llama', 'mistral', 'openai-gpt', 'qwen2', 'roberta']) {
    assert.ok(probe.models[t]?.tiny, t);
  }
});

for (const [name, p] of Object.entries(probe.models)) {
  test(`${name}: full-size parameters equal transformers'`, () => {
    const config = JSON.parse(readFileSync(`${configsDir}${name}.json`, 'utf8')) as Record<string, unknown>;
    const tree = buildTreeFromConfig(config, { batchSize: 1, seqLen: 8, dtype: 'fp32' });
    assert.equal(tree.root.instanceType, p.full.class);
    assert.equal(tree.root.parameters, p.full.parameters);
  });

  test(`${name}: modules, classes, parameters, calls and functional ops equal what transformers runs`, () => {
    const tree = buildTreeFromConfig(p.tiny_config, { batchSize: 2, seqLen: 8, dtype: 'fp32' });
    const mine = new Map<string, ModelNode>([...walkTree(tree.root)].map(({ node }) => [node.scope, node]));
    const isOpenAi = p.tiny_config['model_type'] === 'openai-gpt';

    // modules that run (containers never called and Dropout are not tree nodes)
    const ran = p.tiny.modules.filter(([n, cls]) => cls !== 'Dropout' && p.tiny.calls[n] !== undefined);
    const moduleScopes = new Set(ran.map(([n]) => scopeOf(n)));
    for (const [n, cls, params] of ran) {
      const node = mine.get(scopeOf(n));
      assert.ok(node, `${name}: transformers runs ${n || '<root>'} (${cls}), the tree lacks it`);
      assert.equal(node.instanceType, cls, `${name} ${n} class`);
      assert.equal(node.parameters, params, `${name} ${n} parameters`);
      const calls = p.tiny.calls[n]!;
      if (isOpenAi && /^h\.0\.mlp\.act$/.test(n)) assert.equal(calls, 3); // the shared activation (see openaiGpt.ts)
      else assert.equal(node.calls, calls, `${name} ${n} calls`);
    }
    const extraModules = [...mine.values()].filter((m) => !FUNCTIONAL.test(m.scope) && !moduleScopes.has(m.scope)).map((m) => m.scope);
    if (isOpenAi) assert.deepEqual(extraModules, ['root.h.1.mlp.act', 'root.h.2.mlp.act']);
    else assert.deepEqual(extraModules, [], `${name}: tree nodes transformers does not run`);

    // functional ops: per module, the recorded sequence numbered as the measured trees number it.
    // A module that runs several times (ALBERT's shared layer) records its sequence once per call.
    const expected = new Map<string, { kind: string; shapes: number[][] }[]>();
    for (const [n, fn, shapes] of p.tiny.ops) {
      const kind = opKind(fn);
      if (!kind) continue;
      const list = expected.get(scopeOf(n)) ?? [];
      list.push({ kind, shapes: shapes.map(([s]) => s) });
      expected.set(scopeOf(n), list);
    }
    const actual = new Map<string, ModelNode[]>();
    for (const node of mine.values()) {
      if (!FUNCTIONAL.test(node.scope)) continue;
      const parent = node.scope.replace(FUNCTIONAL, '');
      actual.set(parent, [...(actual.get(parent) ?? []), node]);
    }
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${name}: modules with functional ops`);
    for (const [scope, ops] of expected) {
      const nodes = actual.get(scope)!;
      const perCall = ops.length / nodes[0]!.calls;
      assert.equal(perCall, nodes.length, `${name} ${scope}: ${ops.map((o) => o.kind).join(' ')}`);
      nodes.forEach((node, i) => {
        assert.equal(node.scope, `${scope}.${ops[i]!.kind}.${i}`);
        assert.deepEqual(node.inputShapes, ops[i]!.shapes, `${node.scope} input shapes`);
      });
    }
  });
}
