/**
 * Icicle layout of the breakdown: one row per tree level, each node as wide
 * as its energy. d3-hierarchy's partition does the geometry; this module
 * feeds it the energy-derived widths and flattens the result into cells.
 */
import { hierarchy, partition } from 'd3-hierarchy';
import type { EnergyDatum } from './energyHierarchy.js';
import { findDatum } from './energyHierarchy.js';

/** One drawn rectangle of the icicle. */
export interface IcicleCell {
  datum: EnergyDatum;
  /** Left edge (px). */
  x: number;
  /** Top edge (px). */
  y: number;
  /** Width (px). */
  width: number;
  /** Height (px). */
  height: number;
  /** Level below the focused node (0 = the focused node). */
  level: number;
  /** Fraction of the focused node's energy (0..1). */
  shareOfFocus: number;
}

/** Options of the layout. */
export interface IcicleOptions {
  /** Width of the drawing (px). */
  width: number;
  /** Height of one tree level (px). */
  rowHeight?: number;
  /** Scope of the node to zoom into (default: the root). */
  focusScope?: string;
  /** Cells narrower than this are not drawn, nor their descendants (px). */
  minWidth?: number;
}

/** A laid-out icicle. */
export interface IcicleLayout {
  /** The node that fills the full width. */
  focus: EnergyDatum;
  cells: IcicleCell[];
  width: number;
  height: number;
  /** Nodes left out because they would be narrower than minWidth (count). */
  hiddenCount: number;
}

/**
 * Lays out the subtree under `focusScope` (the whole tree when absent or
 * unknown). Cells come parents first, in model order, so keyboard navigation
 * and screen readers follow the tree.
 */
export function layoutIcicle(root: EnergyDatum, options: IcicleOptions): IcicleLayout {
  const rowHeight = options.rowHeight ?? 24;
  const minWidth = options.minWidth ?? 0.5;
  const focus = (options.focusScope !== undefined ? findDatum(root, options.focusScope) : undefined) ?? root;
  // A node's own share of the width is what its children leave free; d3's sum()
  // then reproduces each node's layoutValue exactly (up to rounding).
  const h = hierarchy(focus, (d) => d.children).sum((d) => {
    let childSum = 0;
    for (const c of d.children) childSum += c.layoutValue;
    return Math.max(0, d.layoutValue - childSum);
  });
  const rows = h.height + 1;
  const height = rows * rowHeight;
  const laidOut = partition<EnergyDatum>().size([options.width, height]).round(false)(h);
  const focusValue = laidOut.value ?? 0;
  const cells: IcicleCell[] = [];
  let hiddenCount = 0;
  const stack = [laidOut];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const width = n.x1 - n.x0;
    if (width < minWidth && n !== laidOut) {
      hiddenCount += n.descendants().length;
      continue;
    }
    cells.push({
      datum: n.data,
      x: n.x0,
      y: n.y0,
      width,
      height: n.y1 - n.y0,
      level: n.depth,
      shareOfFocus: focusValue > 0 ? (n.value ?? 0) / focusValue : 0,
    });
    const kids = n.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return { focus, cells, width: options.width, height, hiddenCount };
}
