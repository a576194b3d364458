/**
 * Compare: two predicted trees matched module by module. Scopes are the key
 * (the same architecture family produces the same dotted paths), so a model
 * with more layers shows the extra layers as added and everything else as
 * changed or unchanged.
 */
import type { PredictedNode } from '../tree/modelNode.js';

/** How a scope differs between the two trees. */
export type DiffStatus = 'same' | 'changed' | 'added' | 'removed';

/** One row of the comparison, in merged model order. */
export interface DiffRow {
  /** Scope relative to each tree's root (`root` for the roots themselves). */
  scope: string;
  depth: number;
  instanceType: string;
  status: DiffStatus;
  /** Energy in the first tree (joules); undefined when added. */
  energyAJ?: number;
  /** Energy in the second tree (joules); undefined when removed. */
  energyBJ?: number;
  /** energyB - energyA, absent sides counting as 0 (joules). */
  deltaJ: number;
  /** deltaJ / energyA; undefined when the scope is new or A's energy is 0. */
  relativeDelta?: number;
  /** One-sigma uncertainty of energyAJ (joules); undefined when added. */
  uncertaintyAJ?: number;
  /** One-sigma uncertainty of energyBJ (joules); undefined when removed. */
  uncertaintyBJ?: number;
}

/** Options of the comparison. */
export interface DiffOptions {
  /** Relative difference below which a matched scope counts as the same (default 1e-9). */
  tolerance?: number;
}

/** A summary of the comparison. */
export interface DiffSummary {
  /** Energy of the first model per inference (joules). */
  energyAJ: number;
  /** Energy of the second model per inference (joules). */
  energyBJ: number;
  deltaJ: number;
  added: number;
  removed: number;
  changed: number;
  same: number;
}

/** The key of a node: its scope with the root's own scope replaced by `root`, so differently named roots still match. */
function keyOf(scope: string, rootScope: string): string {
  if (scope === rootScope) return 'root';
  return scope.startsWith(`${rootScope}.`) ? `root${scope.slice(rootScope.length)}` : scope;
}

/**
 * Diffs two predicted trees. Rows follow the first tree's order; scopes only
 * in the second come right after their matched siblings.
 */
export function diffPredictedTrees(a: PredictedNode, b: PredictedNode, options: DiffOptions = {}): DiffRow[] {
  const tolerance = options.tolerance ?? 1e-9;
  const rows: DiffRow[] = [];
  const rootA = a.node.scope;
  const rootB = b.node.scope;
  const emit = (na: PredictedNode | undefined, nb: PredictedNode | undefined, depth: number): void => {
    const scope = na ? keyOf(na.node.scope, rootA) : keyOf(nb!.node.scope, rootB);
    const eA = na?.energyJ;
    const eB = nb?.energyJ;
    const deltaJ = (eB ?? 0) - (eA ?? 0);
    let status: DiffStatus;
    if (!na) status = 'added';
    else if (!nb) status = 'removed';
    else status = Math.abs(deltaJ) <= tolerance * Math.max(Math.abs(eA!), Math.abs(eB!)) ? 'same' : 'changed';
    const row: DiffRow = { scope, depth, instanceType: (na ?? nb)!.node.instanceType, status, deltaJ };
    if (eA !== undefined) row.energyAJ = eA;
    if (eB !== undefined) row.energyBJ = eB;
    if (na) row.uncertaintyAJ = na.uncertaintyJ;
    if (nb) row.uncertaintyBJ = nb.uncertaintyJ;
    if (eA !== undefined && eB !== undefined && eA !== 0) row.relativeDelta = deltaJ / eA;
    rows.push(row);

    const kidsB = new Map<string, PredictedNode>();
    for (const c of nb?.children ?? []) kidsB.set(keyOf(c.node.scope, rootB), c);
    const seen = new Set<string>();
    for (const ca of na?.children ?? []) {
      const k = keyOf(ca.node.scope, rootA);
      const cb = kidsB.get(k);
      if (cb) seen.add(k);
      emit(ca, cb, depth + 1);
    }
    for (const [k, cb] of kidsB) if (!seen.has(k)) emit(undefined, cb, depth + 1);
  };
  emit(a, b, 0);
  return rows;
}

/** Totals and counts of a comparison. */
export function summariseDiff(rows: readonly DiffRow[]): DiffSummary {
  const root = rows[0];
  const s: DiffSummary = { energyAJ: root?.energyAJ ?? 0, energyBJ: root?.energyBJ ?? 0, deltaJ: root?.deltaJ ?? 0, added: 0, removed: 0, changed: 0, same: 0 };
  for (const r of rows) s[r.status]++;
  return s;
}
