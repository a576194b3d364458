/**
 * The panel's one state object. `state` is what survives a reload: it is
 * saved through setState (persist) and read back by the host's serializer.
 * `session` holds what is derived from the host's answers and rebuilt after a
 * reload (predictions and their hierarchy); a tab keeps data only it draws
 * (the What-if sweeps, the Breakdown's layout) in its own module.
 */
import { toEnergyHierarchy, walkEnergy, type EnergyDatum } from '../src/engine/analysis/index.js';
import type { PredictionLike } from '../src/engine/report/predictionReport.js';
import type { PanelSide, PanelState } from '../src/shared/panelMessages.js';
import { loadState, saveState } from './vscodeApi.js';

/** Milliseconds the inputs must rest before a new prediction is requested. */
export const DEBOUNCE_MS = 300;

/** The persisted state: targets, inputs, the active tab, the zoom and the Compare view's edits. */
export const state: PanelState = loadState() ?? { version: 1, targets: {} };

/** What the panel knows from the host's answers since it was loaded. */
export interface PanelSession {
  /** The latest prediction of each side. */
  predictions: Partial<Record<PanelSide, PredictionLike>>;
  /** Model A's prediction as an energy hierarchy (the icicle's and the tables' input). */
  hierarchyA: EnergyDatum | undefined;
  /** Model A's hierarchy nodes by scope. */
  byScopeA: Map<string, EnergyDatum>;
  /** The node the keyboard or the pointer is on (the icicle's highlighted cell). */
  activeScope: string | undefined;
}

export const session: PanelSession = { predictions: {}, hierarchyA: undefined, byScopeA: new Map(), activeScope: undefined };

/** Saves `state` (VS Code hands it back after a reload and to the serializer). */
export function persist(): void {
  saveState(state);
}

/** Stores a prediction; for model A also its hierarchy, and drops a zoom or highlight it no longer has. */
export function setPrediction(side: PanelSide, prediction: PredictionLike): void {
  session.predictions[side] = prediction;
  if (side !== 'a') return;
  session.hierarchyA = toEnergyHierarchy(prediction.root);
  session.byScopeA = new Map([...walkEnergy(session.hierarchyA)].map((d) => [d.scope, d]));
  if (state.focusScope && !session.byScopeA.has(state.focusScope)) delete state.focusScope;
  if (session.activeScope && !session.byScopeA.has(session.activeScope)) session.activeScope = undefined;
}
