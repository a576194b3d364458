/**
 * The settings as one object, re-read when the user changes them. Fires one
 * event per change saying whether predictions must be redone (batch size,
 * sequence length, dtype, profile) or only redrawn (unit, annotations).
 */
import * as vscode from 'vscode';
import {
  PREDICTION_KEYS,
  SETTING_KEYS,
  SETTINGS_SECTION,
  readIreneSettings,
  settingId,
  type IreneSettings,
  type SettingKey,
} from './ireneSettings.js';
import type { IreneLog } from './ireneLog.js';

export interface SettingsChange {
  /** Keys that changed. */
  keys: SettingKey[];
  /** True when a prediction setting changed. */
  predictionChanged: boolean;
}

export class SettingsService implements vscode.Disposable {
  private settings: IreneSettings;
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  private readonly subscription: vscode.Disposable;
  /** Fires after `current` has been updated. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly log: IreneLog) {
    this.settings = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
      const keys = SETTING_KEYS.filter((k) => e.affectsConfiguration(settingId(k)));
      this.settings = this.read();
      this.emitter.fire({ keys, predictionChanged: keys.some((k) => PREDICTION_KEYS.has(k)) });
    });
  }

  /** The settings now in force (validated). */
  get current(): Readonly<IreneSettings> {
    return this.settings;
  }

  private read(): IreneSettings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const { settings, problems } = readIreneSettings((key) => config.get(key));
    for (const p of problems) this.log.warn(p);
    return settings;
  }

  /**
   * Writes a setting where the user would expect: the workspace when one is
   * open (the model's batch size belongs to the project), else user settings.
   */
  async update<K extends SettingKey>(key: K, value: IreneSettings[K]): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, target);
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
