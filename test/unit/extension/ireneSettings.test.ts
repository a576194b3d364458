import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ANNOTATION_COLORS, COMMANDS, ENERGY_TREE_VIEW_ID, ONNX_EDITOR_VIEW_TYPE, ONNX_TEXT_LANGUAGE } from '../../../src/extension/ids.js';
import {
  SETTING_DEFAULTS,
  SETTING_KEYS,
  isProfilePath,
  predictionFingerprint,
  readIreneSettings,
  settingId,
} from '../../../src/extension/ireneSettings.js';

interface Manifest {
  contributes: {
    configuration: { properties: Record<string, { default: unknown; enum?: unknown[] }> };
    commands: { command: string; category?: string }[];
    views: Record<string, { id: string }[]>;
    colors: { id: string }[];
    languages: { id: string }[];
    customEditors: { viewType: string }[];
  };
  capabilities?: { untrustedWorkspaces?: { supported: unknown; restrictedConfigurations?: string[] } };
}
const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as Manifest;

test('every setting the code reads is declared in package.json with the same default, and no other', () => {
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), SETTING_KEYS.map(settingId).sort());
  for (const key of SETTING_KEYS) assert.deepEqual(props[settingId(key)]!.default, SETTING_DEFAULTS[key], settingId(key));
});

test('package.json commands are exactly the command ids the code registers, all in category IrEne', () => {
  const declared = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(declared, Object.values(COMMANDS).sort());
  for (const c of manifest.contributes.commands) assert.equal(c.category, 'IrEne', c.command);
});

test('view, colours, language and custom editor ids match the code', () => {
  assert.ok(Object.values(manifest.contributes.views).flat().some((v) => v.id === ENERGY_TREE_VIEW_ID));
  assert.deepEqual(manifest.contributes.colors.map((c) => c.id).sort(), Object.values(ANNOTATION_COLORS).sort());
  assert.ok(manifest.contributes.languages.some((l) => l.id === ONNX_TEXT_LANGUAGE));
  assert.ok(manifest.contributes.customEditors.some((e) => e.viewType === ONNX_EDITOR_VIEW_TYPE));
  // Limited trust: everything works, but a workspace may not point irene.profile at a file to read
  // nor irene.pythonPath at an interpreter to run.
  assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
  assert.deepEqual(manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations, ['irene.profile', 'irene.pythonPath']);
});

test('readIreneSettings returns the defaults when nothing is set', () => {
  const { settings, problems } = readIreneSettings(() => undefined);
  assert.deepEqual(settings, SETTING_DEFAULTS);
  assert.deepEqual(problems, []);
});

test('invalid values fall back to the default and are reported by key', () => {
  const values: Record<string, unknown> = { batchSize: -3, seqLen: 1.5, dtype: 'int4', unit: 'kWh', carbonIntensity: -1, modelGlobs: ['a', 3] };
  const { settings, problems } = readIreneSettings((k) => values[k]);
  assert.equal(settings.batchSize, 8);
  assert.equal(settings.seqLen, 256);
  assert.equal(settings.dtype, 'bf16');
  assert.equal(settings.unit, 'J');
  assert.equal(settings.carbonIntensity, 400);
  assert.deepEqual(settings.modelGlobs, []);
  assert.equal(problems.length, 6);
  assert.ok(problems.some((p) => p.startsWith('irene.batchSize')));
});

test('valid values are kept; blank globs dropped; profile trimmed', () => {
  const values: Record<string, unknown> = { batchSize: 32, seqLen: 128, dtype: 'fp32', unit: 'gCO2', modelGlobs: ['**/*.pt', ' '], profile: ' h100 ' };
  const { settings } = readIreneSettings((k) => values[k]);
  assert.equal(settings.batchSize, 32);
  assert.equal(settings.dtype, 'fp32');
  assert.deepEqual(settings.modelGlobs, ['**/*.pt']);
  assert.equal(settings.profile, 'h100');
});

test('the prediction fingerprint changes with prediction settings only', () => {
  const a = { ...SETTING_DEFAULTS };
  assert.equal(predictionFingerprint(a), predictionFingerprint({ ...a, unit: 'mJ', inlineAnnotations: false }));
  assert.notEqual(predictionFingerprint(a), predictionFingerprint({ ...a, seqLen: 128 }));
  assert.notEqual(predictionFingerprint(a), predictionFingerprint({ ...a, profile: 'x' }));
});

test('isProfilePath tells files from bundled names', () => {
  assert.equal(isProfilePath('h100-bf16'), false);
  assert.equal(isProfilePath('profiles/mine.json'), true);
  assert.equal(isProfilePath('mine.JSON'), true);
  assert.equal(isProfilePath('C:\\p\\x'), true);
});
