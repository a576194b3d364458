/**
 * The parts of a causal LM that generation energy is reported by: the
 * attention blocks, the MLPs (experts included), the LM head, the embeddings,
 * and the rest (norms, residual adds, rotary tables, masks). Read off the
 * scopes transformers gives the modules, so it holds for every architecture.
 */
import type { PredictedNode } from '../tree/modelNode.js';

/** A part of the model. */
export type ModuleGroup = 'attention' | 'mlp' | 'lm_head' | 'embedding' | 'other';

/** All groups, in report order. */
export const MODULE_GROUPS: readonly ModuleGroup[] = ['attention', 'mlp', 'lm_head', 'embedding', 'other'];

const ATTENTION = /\.(self_attn|attn|attention|self_attention)(\.|$)/;
const MLP = /\.(mlp|feed_forward|block_sparse_moe|experts|fc1|fc2)(\.|$)/;

/** The group of a primitive's scope (and kind). */
export function moduleGroupOf(scope: string, kind: string | undefined): ModuleGroup {
  if (scope === 'root.lm_head') return 'lm_head';
  if (ATTENTION.test(scope)) return 'attention';
  if (MLP.test(scope)) return 'mlp';
  if (kind === 'embedding') return 'embedding';
  return 'other';
}

/**
 * Energy per group of a predicted tree (joules), in MODULE_GROUPS order: its
 * primitives' parts, which add up to the root's. Iterative, primitives in model order.
 */
export function energyByGroup(root: PredictedNode): number[] {
  const out = MODULE_GROUPS.map(() => 0);
  const stack: PredictedNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const kids = n.children;
    if (kids.length === 0) {
      out[MODULE_GROUPS.indexOf(moduleGroupOf(n.node.scope, n.node.kind))]! += n.energyJ;
      continue;
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}
