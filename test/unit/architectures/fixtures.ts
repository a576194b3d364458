/** Loads the per-architecture configs in test/fixtures/configs and builds trees from them. Test helper. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import type { Dtype, ModelNode, ModelTree } from '../../../src/engine/tree/modelNode.js';
import { walkTree } from '../../../src/engine/tree/treeWalk.js';

/** The parsed fixture config `test/fixtures/configs/<name>.json`. */
export function fixtureConfig(name: string): Record<string, unknown> {
  const path = join(__dirname, `../../fixtures/configs/${name}.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The tree of a fixture config at (B, T, dtype). */
export function buildFixture(name: string, batchSize: number, seqLen: number, dtype: Dtype = 'fp32', edit?: (c: Record<string, unknown>) => void): ModelTree {
  const config = fixtureConfig(name);
  edit?.(config);
  return buildTreeFromConfig(config, { batchSize, seqLen, dtype });
}

/** Scope -> node. */
export function byScope(root: ModelNode): Map<string, ModelNode> {
  return new Map([...walkTree(root)].map(({ node }) => [node.scope, node]));
}

/** The node at `scope`, failing the test when absent. */
export function node(map: Map<string, ModelNode>, scope: string): ModelNode {
  const n = map.get(scope);
  if (!n) throw new Error(`no node ${scope}`);
  return n;
}

/** Assert-friendly relative difference. */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1);
}

/** The functional ops a module records directly (`<scope>.<kind>.<i>`), as `kind` in call order. */
export function opSequence(n: ModelNode): string[] {
  const ops = n.children.filter(isOp);
  ops.forEach((c, i) => {
    if (!c.scope.endsWith(`.${i}`)) throw new Error(`${c.scope} is not op ${i} of ${n.scope}`);
  });
  return ops.map((c) => c.instanceType);
}

/** The names (last scope segment) of a module's sub-modules and leaf modules, functional ops left out. */
export function moduleNames(n: ModelNode): string[] {
  return n.children.filter((c) => !isOp(c)).map((c) => c.scope.slice(n.scope.length + 1));
}

/** A functional op node: its scope ends in `.<its instance type>.<index>`. */
function isOp(c: ModelNode): boolean {
  return c.type === 'ml' && new RegExp(`\\.${c.instanceType}\\.\\d+$`).test(c.scope);
}

/** Sum of `parameters` over the nodes whose scope matches. */
export function paramsWhere(root: ModelNode, test: (scope: string) => boolean): number {
  let s = 0;
  for (const { node } of walkTree(root)) if (node.children.length === 0 && test(node.scope)) s += node.parameters;
  return s;
}
