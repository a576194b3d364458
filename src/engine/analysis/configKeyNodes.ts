/**
 * Which nodes of a predicted tree each config.json key controls. Importers
 * tag nodes with `source.configKey` (the layers carry `num_hidden_layers`); a
 * key stands for the top-most nodes carrying it, so a layer and its
 * sub-modules tagged alike are not counted twice. The editor's hovers and
 * lenses and the budget check's "which key drives the increase" both read
 * this.
 */
import type { PredictedNode } from '../tree/modelNode.js';

/** Top-most nodes per config key, in model order. */
export function nodesByConfigKey(root: PredictedNode): Map<string, PredictedNode[]> {
  const out = new Map<string, PredictedNode[]>();
  const visit = (p: PredictedNode, inherited: ReadonlySet<string>) => {
    const key = p.node.source?.configKey;
    let below = inherited;
    if (key !== undefined && !inherited.has(key)) {
      const list = out.get(key) ?? [];
      list.push(p);
      out.set(key, list);
      below = new Set(inherited).add(key);
    }
    for (const c of p.children) visit(c, below);
  };
  visit(root, new Set());
  return out;
}
