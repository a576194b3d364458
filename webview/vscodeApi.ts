/**
 * The webview side of the host connection: typed postMessage and state.
 * acquireVsCodeApi may be called once per page, so it is wrapped here.
 */
import type { HostToWebviewMessage, PanelState, WebviewToHostMessage } from '../src/shared/panelMessages.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

/** Sends a typed message to the panel host. */
export function post(message: WebviewToHostMessage): void {
  api.postMessage(message);
}

/** Listens to the host's messages. */
export function onHostMessage(handler: (m: HostToWebviewMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent<HostToWebviewMessage>) => handler(e.data));
}

/** The state saved before the last reload, when it is one this version wrote. */
export function loadState(): PanelState | undefined {
  const s = api.getState() as PanelState | undefined;
  return s && s.version === 1 ? s : undefined;
}

/** Saves the state VS Code hands back after a reload or to the serializer. */
export function saveState(state: PanelState): void {
  api.setState(state);
}
