/**
 * The Energy panel's browser code, the entry the webview bundle starts from.
 * It registers the toolkit's controls, mounts the skeleton (the shared
 * controls and one view per tab), wires each module and says `ready` to the
 * host. All numbers and markup come from the pure view model in
 * src/engine/analysis.
 *
 *   state.ts          the one state object (persisted) and what the host sent
 *   messaging.ts      requests to the host; hostMessages.ts its answers
 *   controls.ts       summary header, inputs, tab strip; exportButtons.ts
 *   panelTab.ts       what a tab is; tabs/ one module per tab, tabs/index.ts the list
 */
import './panel.css';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { CONTROLS_MARKUP, layoutAll, mountControls, renderTargets, tabsMarkup, writeControls } from './controls.js';
import { mountExportButtons } from './exportButtons.js';
import { listenToHost } from './hostMessages.js';
import { panelTabs, registerTabs } from './panelTab.js';
import { state } from './state.js';
import { TABS } from './tabs/index.js';
import { post } from './vscodeApi.js';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
  vsCodeProgressRing(),
  vsCodeTextField(),
);

registerTabs(TABS);

// Static markup only: every number is written later as text or as escaped SVG.
document.getElementById('app')!.innerHTML = CONTROLS_MARKUP + tabsMarkup();

mountControls();
mountExportButtons();
for (const tab of panelTabs()) tab.mount();
listenToHost();

let resizeFrame = 0;
let lastWidth = 0;
new ResizeObserver(() => {
  const w = document.body.clientWidth;
  if (Math.abs(w - lastWidth) < 8) return;
  lastWidth = w;
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(layoutAll);
}).observe(document.body);

window.addEventListener('error', (e) => post({ type: 'webviewError', message: `${e.message} (${e.filename}:${e.lineno})` }));

if (state.params) writeControls();
renderTargets();
post({ type: 'ready' });
