/**
 * "IrEne: Calibrate this machine": measure this machine with the user's own
 * Python and PyTorch and train a device profile, stored in the extension's
 * global storage. Runs nothing until the user has confirmed what will run;
 * refused in untrusted workspaces because it executes a local interpreter.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  availableEnergySources,
  CalibrationError,
  createNodeProcessRunner,
  findPython,
  parseShapeGrid,
  pythonCandidates,
  runCalibration,
  serializeProfile,
  type CalibrationDeps,
  type EnergySourceName,
  type FoundPython,
} from '../../engine/calibrate/index.js';
import { AbortedError, IreneError } from '../../engine/errors.js';
import { COMMANDS } from '../ids.js';
import { settingId } from '../ireneSettings.js';
import { pushAll } from '../../engine/arrays.js';

/** Command id (mirror it in package.json `contributes.commands`, with `"enablement": "isWorkspaceTrusted"`). */
export const CALIBRATE_COMMAND_ID = COMMANDS.calibrate;
/** Setting: the Python interpreter that has PyTorch (empty: try python3, /usr/bin/python3 ...). */
export const PYTHON_PATH_SETTING = settingId('pythonPath');

const SOURCE_LABELS: Record<EnergySourceName, string> = {
  nvml: 'NVIDIA GPU energy counter (NVML)',
  rapl: 'CPU package energy (Linux RAPL)',
  'meter-csv': 'External power meter log (CSV of timestamps and watts)',
  fake: 'Fake numbers (for testing the pipeline only, not a measurement)',
};

/** What the command needs from the extension. */
export interface CalibrateCommandDeps {
  log: vscode.LogOutputChannel;
  onProfileAdded(path: string): void;
  /** Trains off the extension host (the engine worker). */
  train: CalibrationDeps['train'];
}

/** Registers the command; dispose the result to unregister. */
export function registerCalibrateCommand(
  context: vscode.ExtensionContext,
  deps: CalibrateCommandDeps,
): vscode.Disposable {
  return vscode.commands.registerCommand(CALIBRATE_COMMAND_ID, async () => {
    try {
      await calibrateInteractively(context, deps);
    } catch (e) {
      // Commands never throw into VS Code: log, and tell the user what to do.
      if (e instanceof AbortedError) {
        void vscode.window.showInformationMessage('IrEne: calibration cancelled.');
        return;
      }
      const message = e instanceof IreneError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
      deps.log.error(`calibrate: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const pick = await vscode.window.showErrorMessage(`IrEne calibration failed: ${message}`, 'Show Log');
      if (pick === 'Show Log') deps.log.show();
    }
  });
}

function harnessPath(context: vscode.ExtensionContext): string {
  const shipped = context.asAbsolutePath(join('dist', 'harness', 'irene_measure.py'));
  if (existsSync(shipped)) return shipped;
  const source = context.asAbsolutePath(join('harness', 'irene_measure.py'));
  if (existsSync(source)) return source;
  throw new CalibrationError('the measuring harness irene_measure.py is missing from the extension; reinstall IrEne');
}

async function calibrateInteractively(context: vscode.ExtensionContext, deps: CalibrateCommandDeps): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('IrEne: calibration runs a Python interpreter on this machine; trust this workspace first.');
    return;
  }
  const calDeps: CalibrationDeps = {
    runner: createNodeProcessRunner(),
    readFile: async (p) => new Uint8Array(await readFile(p)),
    harnessPath: harnessPath(context),
    train: deps.train,
  };

  // 1. An interpreter with PyTorch.
  const configured = vscode.workspace.getConfiguration().get<string>(PYTHON_PATH_SETTING)?.trim() || undefined;
  let found: FoundPython | undefined;
  let problem = '';
  try {
    found = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'IrEne: looking for Python with PyTorch' },
      () => findPython(pythonCandidates({ userPython: configured, platform: process.platform, env: process.env }).slice(0, configured ? 1 : undefined), calDeps),
    );
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
    problem = e.message;
  }
  while (!found) {
    deps.log.warn(`calibrate: ${problem}`);
    const pick = await vscode.window.showErrorMessage(`IrEne: ${problem}`, { modal: true }, 'Choose Python…');
    if (pick !== 'Choose Python…') return;
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Python interpreter that has PyTorch', openLabel: 'Use this Python' });
    if (!uri?.[0]) return;
    try {
      found = await findPython([uri[0].fsPath], calDeps);
    } catch (e) {
      if (!(e instanceof CalibrationError)) throw e;
      problem = e.message;
    }
  }
  const report = found.report;
  deps.log.info(`calibrate: ${found.python} (Python ${report.pythonVersion}, PyTorch ${report.torch}, transformers ${report.transformers ?? 'not installed'}, CUDA ${report.cuda ? report.devices.join(', ') : 'no'})`);

  // 2. How to measure energy.
  const sources = availableEnergySources(report);
  const unavailable = (['nvml', 'rapl'] as const).filter((s) => !sources.includes(s)).map((s) => `${s}: ${report.energySources[s]?.detail ?? 'not available'}`);
  const sourcePick = await vscode.window.showQuickPick(
    sources.map((s) => ({ label: SOURCE_LABELS[s], detail: report.energySources[s]?.detail, source: s })),
    { title: 'IrEne calibration: energy source', placeHolder: unavailable.length ? `Not available here: ${unavailable.join('; ')}` : 'How to measure energy' },
  );
  if (!sourcePick) return;
  let meterCsv: string | undefined;
  if (sourcePick.source === 'meter-csv') {
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { CSV: ['csv', 'txt'] }, title: 'Log file your power meter writes (time, watts)' });
    if (!uri?.[0]) return;
    meterCsv = uri[0].fsPath;
  }

  // 3. What to measure.
  const CONFIG_ITEM = 'Hugging Face config.json files…';
  const modelPicks = await vscode.window.showQuickPick(
    [...report.builtinModels.map((m) => ({ label: m, picked: m === 'bert-base-uncased' || m === 'gpt2' })), { label: CONFIG_ITEM, picked: false }],
    { title: 'IrEne calibration: models (two or more give a cross-validation error)', canPickMany: true },
  );
  if (!modelPicks || modelPicks.length === 0) return;
  const models = modelPicks.filter((p) => p.label !== CONFIG_ITEM).map((p) => p.label);
  if (modelPicks.some((p) => p.label === CONFIG_ITEM)) {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'config.json': ['json'] }, title: 'Hugging Face config.json files' });
    if (!uris?.length) return;
    pushAll(models, uris.map((u) => u.fsPath));
  }
  const onGpu = sourcePick.source === 'nvml';
  const dtypes = onGpu ? ['bf16', 'fp16', 'fp32'] : ['fp32', 'bf16', 'fp16'];
  const dtype = await vscode.window.showQuickPick(dtypes, { title: 'IrEne calibration: dtype' });
  if (!dtype) return;
  const gridText = await vscode.window.showInputBox({
    title: 'IrEne calibration: batch sizes x sequence lengths',
    value: onGpu ? '1,8 x 128,256' : '1,2 x 32,64',
    validateInput: (v) => (parseShapeGrid(v) ? undefined : 'Write batch sizes, then x, then sequence lengths: 1,8 x 128,256'),
  });
  const grid = gridText === undefined ? undefined : parseShapeGrid(gridText);
  if (!grid) return;
  const defaultName = `${(report.devices[0] ?? 'this-machine').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${dtype}`;
  const profileName = await vscode.window.showInputBox({
    title: 'IrEne calibration: profile name',
    value: sourcePick.source === 'fake' ? `${defaultName}-fake` : defaultName,
    validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'Letters, digits, dot, dash and underscore only'),
  });
  if (!profileName) return;

  const configs = models.length * grid.batchSizes.length * grid.seqLens.length;
  const confirm = await vscode.window.showWarningMessage(
    `Measure ${configs} configuration${configs === 1 ? '' : 's'} of ${models.length} model${models.length === 1 ? '' : 's'} with ${SOURCE_LABELS[sourcePick.source]}?`,
    {
      modal: true,
      detail: `This runs ${found.python} with IrEne's harness for about a minute per configuration and keeps the ${onGpu ? 'GPU' : 'CPU'} busy; other work on this machine disturbs the measurement. You can cancel at any time.`,
    },
    'Measure',
  );
  if (confirm !== 'Measure') return;

  // 4. Measure and train, with progress and cancel.
  const dir = vscode.Uri.joinPath(context.globalStorageUri, 'profiles');
  await vscode.workspace.fs.createDirectory(dir);
  const profileUri = vscode.Uri.joinPath(dir, `${profileName}.json`);
  const treesPath = vscode.Uri.joinPath(dir, `${profileName}.trees.jsonl`).fsPath;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'IrEne: calibrating', cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let last = 0;
      try {
        return await runCalibration(
          { models, batchSizes: grid.batchSizes, seqLens: grid.seqLens, dtype, energySource: sourcePick.source, meterCsv, treesOut: treesPath },
          calDeps,
          {
            pythonCandidates: [found.python],
            pythonIsUserChoice: true,
            profileName,
            signal: ac.signal,
            onProgress: (fraction, label) => {
              progress.report({ increment: Math.max(0, (fraction - last) * 100), message: label });
              last = Math.max(last, fraction);
            },
            onLog: (line) => deps.log.info(`harness: ${line}`),
            onWarning: (w) => deps.log.warn(`harness: ${w}`),
          },
        );
      } finally {
        sub.dispose();
      }
    },
  );
  if (!result.profile) return;
  await vscode.workspace.fs.writeFile(profileUri, new TextEncoder().encode(serializeProfile(result.profile)));
  for (const w of result.warnings) deps.log.warn(`calibrate: ${w}`);
  for (const r of result.summary.results) {
    if (r.energyJ !== undefined) deps.log.info(`calibrate: ${r.modelName} ${r.batchSize}x${r.seqLen}: ${r.energyJ.toPrecision(4)} J per inference (spread ${((r.spread ?? 0) * 100).toFixed(1)} %)`);
  }
  deps.onProfileAdded(profileUri.fsPath);
  const cv = result.profile.crossValidation.modelPct;
  const cvText = Number.isFinite(cv) ? `cross-validated model-level error ${cv.toFixed(1)} %` : 'no cross-validation (measure two or more models for one)';
  const pick = await vscode.window.showInformationMessage(`IrEne: profile "${profileName}" saved (${cvText}).`, 'Show Log');
  if (pick === 'Show Log') deps.log.show();
}
