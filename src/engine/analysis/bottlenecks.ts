/**
 * The tables next to the breakdown: where the energy goes, by module role,
 * by primitive role and by primitive family.
 */
import type { EnergyDatum } from './energyHierarchy.js';
import { walkEnergy } from './energyHierarchy.js';
import { KIND_GROUPS, type KindGroup } from './kindGroup.js';

/** One row of a bottleneck table: a role and every instance of it. */
export interface BottleneckRow {
  /**
   * The scope with layer indices replaced by `*` (`encoder.layer.*.intermediate.dense`):
   * the twelve identical layers of a BERT are one decision, so they are one row.
   */
  role: string;
  instanceType: string;
  /** Scopes of the instances, in model order (the first is where a click zooms to). */
  scopes: string[];
  /** Energy of all instances in one inference (joules). */
  energyJ: number;
  /**
   * One-sigma uncertainty of energyJ (joules): the instances' uncertainties
   * added linearly, because identical layers get identical features and so
   * the same regression error, not independent ones.
   */
  uncertaintyJ: number;
  /** Fraction of the model's energy (0..1). */
  share: number;
}

/** Energy of one primitive family. */
export interface KindEnergyRow {
  group: KindGroup;
  /** Energy of all primitives of the family in one inference (joules). */
  energyJ: number;
  /** Fraction of the primitives' total energy (0..1). */
  share: number;
  /** Primitives of the family (count of tree nodes). */
  count: number;
}

/** The role of a scope: numeric path segments become `*`; the root prefix is dropped. */
export function roleOf(scope: string): string {
  const segments = scope.split('.');
  if (segments.length > 1 && segments[0] === 'root') segments.shift();
  return segments.map((s) => (/^\d+$/.test(s) ? '*' : s)).join('.');
}

function groupRows(items: EnergyDatum[], modelEnergyJ: number, limit: number): BottleneckRow[] {
  const byRole = new Map<string, BottleneckRow>();
  for (const d of items) {
    const key = `${roleOf(d.scope)}\u0000${d.instanceType}`;
    let row = byRole.get(key);
    if (!row) {
      row = { role: roleOf(d.scope), instanceType: d.instanceType, scopes: [], energyJ: 0, uncertaintyJ: 0, share: 0 };
      byRole.set(key, row);
    }
    row.scopes.push(d.scope);
    row.energyJ += d.energyJ;
    row.uncertaintyJ += d.uncertaintyJ;
  }
  const rows = [...byRole.values()];
  for (const r of rows) r.share = modelEnergyJ > 0 ? r.energyJ / modelEnergyJ : 0;
  rows.sort((a, b) => b.energyJ - a.energyJ || a.role.localeCompare(b.role));
  return rows.slice(0, limit);
}

/**
 * The costliest module roles. Only innermost modules (those whose children
 * are all primitives: attention, MLP, output blocks) are ranked: an encoder
 * containing everything is always "the top module" and tells nobody what to
 * change.
 */
export function topModules(root: EnergyDatum, limit = 10): BottleneckRow[] {
  const items: EnergyDatum[] = [];
  for (const d of walkEnergy(root)) {
    if (d === root || d.group !== 'module' || d.children.length === 0) continue;
    if (d.children.every((c) => c.group !== 'module')) items.push(d);
  }
  return groupRows(items, root.energyJ, limit);
}

/** The costliest primitive roles (leaves of the tree). */
export function topPrimitives(root: EnergyDatum, limit = 10): BottleneckRow[] {
  const items: EnergyDatum[] = [];
  for (const d of walkEnergy(root)) if (d.group !== 'module') items.push(d);
  return groupRows(items, root.energyJ, limit);
}

/** Energy per primitive family, every family listed (zero when absent), in KIND_GROUPS order. */
export function energyByKind(root: EnergyDatum): KindEnergyRow[] {
  const rows = new Map<KindGroup, KindEnergyRow>(KIND_GROUPS.map((g) => [g, { group: g, energyJ: 0, share: 0, count: 0 }]));
  let total = 0;
  for (const d of walkEnergy(root)) {
    if (d.group === 'module') continue;
    const row = rows.get(d.group)!;
    row.energyJ += d.energyJ;
    row.count++;
    total += d.energyJ;
  }
  const out = [...rows.values()];
  for (const r of out) r.share = total > 0 ? r.energyJ / total : 0;
  return out;
}
