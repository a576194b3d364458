/**
 * What a tab of the panel is, and the list of tabs the panel shows.
 *
 * A new tab is one module in tabs/ exporting a PanelTab and one line in
 * tabs/index.ts (plus its id in PanelState['tab'], src/shared/panelMessages.ts,
 * and, if it asks the host for something new, the message types there). The
 * shared code calls the hooks below; a tab implements those it needs and
 * keeps its own data in its module.
 */
import type { ExportView } from '../src/engine/analysis/index.js';
import type { HostToWebviewMessage, PanelSide, PanelState } from '../src/shared/panelMessages.js';

/** A tab's id: `tab-<id>` and `view-<id>` in the DOM, `state.tab` when it is active. */
export type TabId = NonNullable<PanelState['tab']>;

export interface PanelTab {
  readonly id: TabId;
  /** The tab's title. */
  readonly label: string;
  /** Static markup of the tab's view (no data in it: it is parsed as HTML). */
  readonly markup: string;
  /** Once, after the skeleton is in the DOM: add listeners, draw the empty state. */
  mount(): void;
  /** The inputs changed or the panel started: ask the host for what this tab shows. */
  onParamsChanged?(): void;
  /** The state's inputs were written into the controls (init, reload): show this tab's own inputs. */
  onControlsWritten?(): void;
  /** The host set model A or B. */
  onTargetChanged?(side: PanelSide): void;
  /** The models' labels may have changed: redraw those this tab shows. */
  onTargetsShown?(): void;
  /** A prediction of model A or B arrived (it is in session.predictions). */
  onPrediction?(side: PanelSide): void;
  /** A host message the shared code does not handle; true when it was this tab's. */
  onMessage?(m: HostToWebviewMessage): boolean;
  /** The user switched to this tab. */
  onShown?(): void;
  /** Redraw at the current width (the panel was resized, or a tab was switched to). */
  layout?(): void;
  /** Adds what this tab shows to the Markdown export. */
  addToExport?(view: ExportView): void;
  /** The CSV to save while this tab is active; undefined: the prediction's CSV. */
  csv?(view: ExportView): string | undefined;
}

let registered: readonly PanelTab[] = [];

/** Sets the tabs, in the order they are shown (main.ts, from tabs/index.ts). */
export function registerTabs(tabs: readonly PanelTab[]): void {
  registered = tabs;
}

/** The registered tabs, in order. */
export function panelTabs(): readonly PanelTab[] {
  return registered;
}

/** The tab shown now (the first one before the toolkit has chosen). */
export function activeTab(): TabId {
  const tabs = document.getElementById('tabs') as (HTMLElement & { activeid?: string }) | null;
  // The property, not the attribute: the toolkit reflects it to the attribute only after its change event.
  const id = tabs?.activeid ?? tabs?.getAttribute('activeid') ?? '';
  const found = registered.find((t) => `tab-${t.id}` === id);
  return found?.id ?? registered[0]?.id ?? 'breakdown';
}
