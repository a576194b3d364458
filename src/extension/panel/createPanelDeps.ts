/**
 * Builds the panel's dependencies from the extension's services. The panel
 * needs predictions for inputs other than the settings' (what-if sweeps,
 * Compare's edited copy), so it asks the engine worker directly instead of
 * the settings-bound prediction service; the worker still caches by content.
 */
import * as vscode from 'vscode';
import { applyConfigOverrides } from '../../engine/analysis/configFields.js';
import type { PredictionLike } from '../../engine/index.js';
import type { ModelSource } from '#shared/workerMessages.js';
import type { EngineClient } from '../engineClient.js';
import { COMMANDS } from '../ids.js';
import { isProfilePath } from '../ireneSettings.js';
import { toAbortSignal, type IreneLog } from '../ireneLog.js';
import { DECODE_STEP_CONTEXT, readCompanions, type PredictionService } from '../predictionService.js';
import type { SettingsService } from '../settingsService.js';
import type { PanelDeps, PanelPredictRequest } from './panelDeps.js';

/** The services the panel draws on. */
export interface PanelServices {
  client: EngineClient;
  service: PredictionService;
  settings: SettingsService;
  log: IreneLog;
}

/** Where the model's bytes come from: the file itself, or edited text when there are overrides or unsaved text. */
async function modelSource(req: PanelPredictRequest): Promise<ModelSource> {
  // The full path, as the prediction service passes it: the HF importer names
  // a model after the folder of its config.json, so a bare "config.json"
  // would call every config-based model "config" (breadcrumb, exports).
  const fileName = req.file ?? 'config.json';
  const overrides = req.configOverrides && Object.keys(req.configOverrides).length > 0 ? req.configOverrides : undefined;
  if (req.configText === undefined && !overrides) {
    if (!req.file) throw new Error('the panel has no model to predict');
    // A Python model's dimensions come from the config beside it, as in the editor's own predictions.
    const companions = req.file.endsWith('.py') ? await readCompanions(vscode.Uri.file(req.file)) : [];
    return { kind: 'path', path: req.file, fileName, ...(companions.length > 0 ? { companions } : {}) };
  }
  let text = req.configText;
  if (text === undefined) text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(req.file!)));
  if (overrides) text = applyConfigOverrides(text, overrides);
  return { kind: 'bytes', bytes: new TextEncoder().encode(text), fileName };
}

/** PanelDeps backed by the engine worker, the settings and the reveal command. */
export function createPanelDeps(s: PanelServices): PanelDeps {
  return {
    log: s.log,
    async listProfiles() {
      const d = await s.service.describe();
      return d.profiles.map((p) => ({ name: p.name, label: p.description ? `${p.name} — ${p.description}` : p.name }));
    },
    async defaults() {
      const c = s.settings.current;
      // A profile file path is not in the dropdown: start from the engine's default profile then.
      const profile = c.profile === '' || isProfilePath(c.profile) ? (await s.service.describe()).defaultProfile : c.profile;
      return { batchSize: c.batchSize, seqLen: c.seqLen, dtype: c.dtype, profile };
    },
    async predict(req, token): Promise<PredictionLike> {
      const source = await modelSource(req);
      const abort = toAbortSignal(token);
      try {
        const r = await s.client.request(
          { type: 'predict', source, options: { batchSize: req.batchSize, seqLen: req.seqLen, dtype: req.dtype }, profile: { kind: 'bundled', name: req.profile } },
          abort.signal,
        );
        return r.prediction;
      } finally {
        abort.dispose();
      }
    },
    generationDefaults() {
      const c = s.settings.current;
      return { promptLen: c.promptLength, outputLen: c.outputLength };
    },
    async generationSweeps(req, token) {
      const source = await modelSource({ ...req, seqLen: req.promptLen });
      const abort = toAbortSignal(token);
      const c = s.settings.current;
      try {
        return await s.client.request(
          {
            type: 'generationSweeps',
            source,
            options: {
              batchSize: req.batchSize,
              promptLen: req.promptLen,
              outputLen: req.outputLen,
              dtype: req.dtype,
              gpus: c.gpus,
              stepContext: DECODE_STEP_CONTEXT,
              maxContext: req.maxContext,
              ...(c.attention !== 'auto' ? { attention: c.attention } : {}),
              ...(c.idlePower > 0 ? { idlePowerW: c.idlePower } : {}),
            },
            profile: { kind: 'bundled', name: req.profile },
          },
          abort.signal,
        );
      } finally {
        abort.dispose();
      }
    },
    openFile(path, scope) {
      return vscode.commands.executeCommand(COMMANDS.revealInSource, vscode.Uri.file(path), scope);
    },
  };
}
