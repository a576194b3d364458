/**
 * The panel's tabs, in the order they are shown. A new tab: a module in this
 * folder exporting a PanelTab (see ../panelTab.ts), and one line here.
 */
import type { PanelTab } from '../panelTab.js';
import { breakdownTab } from './breakdownTab.js';
import { compareTab } from './compareTab.js';
import { generationTab } from './generationTab.js';
import { whatIfTab } from './whatIfTab.js';

export const TABS: readonly PanelTab[] = [
  breakdownTab,
  whatIfTab,
  compareTab,
  generationTab,
];
