/**
 * Renders an icicle layout to SVG markup. A string renderer (no DOM) so the
 * same code draws the panel, feeds the SVG/PNG export and runs in the Node
 * benchmark. Colours are CSS classes resolved by the panel's stylesheet from
 * theme variables, never literal colours (the webview's CSP also forbids
 * inline style attributes).
 */
import { formatEnergyAuto, formatShare } from '../report/formatUnits.js';
import type { IcicleLayout } from './icicleLayout.js';
import { escapeXml, px } from './markup.js';

/** Options of the icicle markup. */
export interface IcicleSvgOptions {
  /** Accessible name of the drawing. */
  title: string;
  /** Scope of the cell that takes part in the tab order (roving tabindex); default: the focused node. */
  activeScope?: string;
  /** Average glyph width used to decide which labels fit (px). */
  charWidth?: number;
}

/** The accessible description of one node: what a screen reader says and the hover card's first line. */
export function describeCell(name: string, instanceType: string, energyJ: number, share: number, uncertaintyJ: number): string {
  return `${name} (${instanceType}): ${formatEnergyAuto(energyJ)} ± ${formatEnergyAuto(uncertaintyJ)}, ${formatShare(share)} of the model`;
}

/** SVG markup of the icicle; each cell is a focusable `treeitem` group carrying `data-scope`. */
export function renderIcicleSvg(layout: IcicleLayout, options: IcicleSvgOptions): string {
  const charWidth = options.charWidth ?? 6.6;
  const active = options.activeScope ?? layout.focus.scope;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="icicle" data-testid="icicle" width="${px(layout.width)}" height="${px(layout.height)}" viewBox="0 0 ${px(layout.width)} ${px(layout.height)}" role="tree" aria-label="${escapeXml(options.title)}">`,
  ];
  for (const cell of layout.cells) {
    const d = cell.datum;
    const label = fitLabel(d.name === d.scope ? d.instanceType : `${d.name} · ${d.instanceType}`, cell.width - 8, charWidth);
    const shortLabel = label === '' ? fitLabel(d.name, cell.width - 8, charWidth) : label;
    const focusable = d.scope === active ? '0' : '-1';
    parts.push(
      `<g class="cell group-${d.group} regime-${d.regime}" role="treeitem" aria-level="${cell.level + 1}" tabindex="${focusable}" data-testid="icicle-cell" data-scope="${escapeXml(d.scope)}" data-energy-j="${d.energyJ}" aria-label="${escapeXml(describeCell(d.name, d.instanceType, d.energyJ, d.share, d.uncertaintyJ))}">`,
      `<rect x="${px(cell.x)}" y="${px(cell.y)}" width="${px(Math.max(0, cell.width - 1))}" height="${px(cell.height - 1)}"/>`,
    );
    if (shortLabel !== '') parts.push(`<text x="${px(cell.x + 4)}" y="${px(cell.y + cell.height / 2)}" dominant-baseline="central">${escapeXml(shortLabel)}</text>`);
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The label cut to fit the width with an ellipsis, or '' when not even three characters fit. */
export function fitLabel(text: string, widthPx: number, charWidth: number): string {
  const fits = Math.floor(widthPx / charWidth);
  if (fits >= text.length) return text;
  if (fits < 3) return '';
  return `${text.slice(0, fits - 1)}…`;
}
