/**
 * Requests to the panel host. Every request carries a requestId; an answer
 * whose id is not the latest of its kind is dropped (settle), so a slow
 * answer to an old input never overwrites a newer one. The progress ring
 * shows while any kind has a request in flight.
 */
import type { WebviewToHostMessage } from '../src/shared/panelMessages.js';
import { $ } from './dom.js';
import { panelTabs } from './panelTab.js';
import { state } from './state.js';
import { post } from './vscodeApi.js';

let requestCounter = 0;
const latest = new Map<string, number>();
const pending = new Set<string>();

/** Posts the request `build` makes as the latest of its kind (`predict:a`, `sweep:seqLen` ...). */
export function send(kind: string, build: (requestId: number) => WebviewToHostMessage): void {
  const requestId = ++requestCounter;
  latest.set(kind, requestId);
  pending.add(kind);
  updateBusy();
  post(build(requestId));
}

/** True when this answer is the latest of its kind (and marks the kind done); false for an older one. */
export function settle(kind: string, requestId: number | undefined): boolean {
  if (requestId !== undefined && latest.get(kind) !== requestId) return false; // an older answer: a newer request is on its way
  pending.delete(kind);
  updateBusy();
  return true;
}

function updateBusy(): void {
  $('busy').hidden = pending.size === 0;
}

/** Asks for model A's prediction with the current inputs. */
export function requestPredictionA(): void {
  const params = state.params;
  if (params && state.targets.a) send('predict:a', (requestId) => ({ type: 'predict', requestId, side: 'a', params }));
}

/** The inputs changed (or the panel started): model A, then whatever each tab shows. */
export function predictAll(): void {
  requestPredictionA();
  for (const tab of panelTabs()) tab.onParamsChanged?.();
}
