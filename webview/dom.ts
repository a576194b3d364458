/** Small DOM helpers the panel's modules share. */

/** The element with this id (the skeleton has them all once mounted). */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A toolkit control whose value is a string property (text field, dropdown). */
export type ValueElement = HTMLElement & { value: string };

/** Width (px) to draw a figure at in this element: its own, its parent's, or 800 before layout; at least 320. */
export function figureWidth(el: HTMLElement): number {
  return Math.max(320, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 800));
}
