/**
 * Answers from the panel host. The shared messages (init, target,
 * prediction, failed) are handled here and passed on to the tabs through
 * their hooks; any other message goes to the tabs' onMessage.
 */
import type { HostToWebviewMessage } from '../src/shared/panelMessages.js';
import { renderSummary, renderTargets, setStatus, writeControls } from './controls.js';
import { $ } from './dom.js';
import { predictAll, requestPredictionA, settle } from './messaging.js';
import { panelTabs } from './panelTab.js';
import { persist, session, setPrediction, state } from './state.js';
import { onHostMessage, post } from './vscodeApi.js';

/** Starts listening; an exception in a handler is reported to the host's log. */
export function listenToHost(): void {
  onHostMessage((m: HostToWebviewMessage) => {
    try {
      handle(m);
    } catch (e) {
      post({ type: 'webviewError', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  });
}

function handle(m: HostToWebviewMessage): void {
  switch (m.type) {
    case 'init': {
      // The bundled profiles and a few of the user's: a short list.
      $('profile').replaceChildren(
        // eslint-disable-next-line no-restricted-syntax
        ...m.profiles.map((p) => {
          const o = document.createElement('vscode-option');
          o.setAttribute('value', p.name);
          o.textContent = p.label;
          return o;
        }),
      );
      const names = new Set(m.profiles.map((p) => p.name));
      const params = state.params ?? m.defaults;
      if (!names.has(params.profile)) params.profile = m.defaults.profile;
      state.params = params;
      if (!state.generation && m.generationDefaults) state.generation = m.generationDefaults;
      // The host is the authority on targets; the state's copy only serves the serializer.
      state.targets = { ...m.targets };
      if (m.targets.a?.scope) state.focusScope = m.targets.a.scope;
      if (!state.targets.b && state.compareMode === 'file') delete state.compareMode;
      writeControls();
      renderTargets();
      persist();
      predictAll();
      return;
    }
    case 'target': {
      state.targets[m.side] = m.target;
      if (m.side === 'a') {
        if (m.target.scope) state.focusScope = m.target.scope;
        else delete state.focusScope;
        session.activeScope = state.focusScope;
        delete state.overrides;
        requestPredictionA();
      }
      for (const tab of panelTabs()) tab.onTargetChanged?.(m.side);
      renderTargets();
      persist();
      return;
    }
    case 'prediction': {
      if (!settle(`predict:${m.side}`, m.requestId)) return;
      setPrediction(m.side, m.prediction);
      setStatus('');
      if (m.side === 'a') renderSummary();
      for (const tab of panelTabs()) tab.onPrediction?.(m.side);
      return;
    }
    case 'failed': {
      // The Generation tab settles its own request and shows why (a model that does not generate, say).
      if (m.generation) {
        for (const tab of panelTabs()) if (tab.onMessage?.(m)) return;
      }
      const kind = m.side ? `predict:${m.side}` : m.axis ? `sweep:${m.axis}` : undefined;
      if (kind && !settle(kind, m.requestId)) return;
      setStatus(m.message);
      return;
    }
    default:
      for (const tab of panelTabs()) if (tab.onMessage?.(m)) return;
  }
}
