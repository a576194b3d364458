/**
 * The Breakdown tab's whole view model in one call: hierarchy, icicle cells
 * and markup, bottleneck tables and energy by kind. The webview calls this on
 * every prediction or zoom; the benchmark times exactly this path.
 */
import type { PredictionLike } from '../report/predictionReport.js';
import { energyByKind, topModules, topPrimitives, type BottleneckRow, type KindEnergyRow } from './bottlenecks.js';
import { pathTo, toEnergyHierarchy, type EnergyDatum } from './energyHierarchy.js';
import { layoutIcicle, type IcicleLayout } from './icicleLayout.js';
import { renderIcicleSvg } from './icicleSvg.js';

/** Options of the breakdown. */
export interface BreakdownOptions {
  /** Width of the icicle (px). */
  width: number;
  /** Height of one level (px). */
  rowHeight?: number;
  /** Scope zoomed into. */
  focusScope?: string;
  /** Scope holding the keyboard focus. */
  activeScope?: string;
  /** Rows per bottleneck table (default 10). */
  topN?: number;
  /** A hierarchy built earlier for this prediction (zooming reuses it). */
  hierarchy?: EnergyDatum;
}

/** Everything the Breakdown tab shows. */
export interface BreakdownView {
  hierarchy: EnergyDatum;
  layout: IcicleLayout;
  /** From the root to the focused node (breadcrumb). */
  path: EnergyDatum[];
  svg: string;
  topModules: BottleneckRow[];
  topPrimitives: BottleneckRow[];
  byKind: KindEnergyRow[];
}

/** Builds the Breakdown view model of a prediction. */
export function buildBreakdownView(prediction: PredictionLike, options: BreakdownOptions): BreakdownView {
  const hierarchy = options.hierarchy ?? toEnergyHierarchy(prediction.root);
  const layoutOptions: Parameters<typeof layoutIcicle>[1] = { width: options.width };
  if (options.rowHeight !== undefined) layoutOptions.rowHeight = options.rowHeight;
  if (options.focusScope !== undefined) layoutOptions.focusScope = options.focusScope;
  const layout = layoutIcicle(hierarchy, layoutOptions);
  const svgOptions: Parameters<typeof renderIcicleSvg>[1] = { title: `Energy breakdown of ${prediction.modelName}` };
  if (options.activeScope !== undefined) svgOptions.activeScope = options.activeScope;
  return {
    hierarchy,
    layout,
    path: pathTo(hierarchy, layout.focus.scope),
    svg: renderIcicleSvg(layout, svgOptions),
    topModules: topModules(hierarchy, options.topN ?? 10),
    topPrimitives: topPrimitives(hierarchy, options.topN ?? 10),
    byKind: energyByKind(hierarchy),
  };
}
