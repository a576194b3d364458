/**
 * The extension's settings, declared once: keys, defaults and validation.
 * package.json's `contributes.configuration` mirrors this table (a unit test
 * keeps the two in step). No `vscode` here: the adapter passes a getter.
 */
import { DTYPES, type Dtype, type EnergyUnit } from '../engine/index.js';

/** Configuration section: every key below is `irene.<key>`. */
export const SETTINGS_SECTION = 'irene';

/** Units the energy can be shown in. */
export const ENERGY_UNITS: readonly EnergyUnit[] = ['J', 'mJ', 'Wh', 'gCO2'];

/** Resolved settings; every field is valid. */
export interface IreneSettings {
  /** Sequences per forward pass (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Bundled profile name or path to a profile JSON file; '' means the engine's default profile. */
  profile: string;
  unit: EnergyUnit;
  /** Grams of CO2 per kWh, for the gCO2 unit. */
  carbonIntensity: number;
  inlineAnnotations: boolean;
  /** Extra glob patterns of model files to look for. */
  modelGlobs: string[];
  /** Largest ONNX file the text view opens (bytes). */
  maxOnnxTextBytes: number;
  /** Python interpreter with PyTorch for calibration; '' tries python3, /usr/bin/python3 ... */
  pythonPath: string;
  /** Idle power of this host's accelerator (W); 0 uses the profile's measured figure. */
  idlePower: number;
  /** Longest the engine may compute one prediction (seconds); past it the worker is restarted. */
  predictionTimeout: number;
  /** Prompt tokens per request of the generation lens (count). */
  promptLength: number;
  /** Generated tokens per request of the generation lens (count). */
  outputLength: number;
  /** Attention implementation of generation predictions: `auto` follows the config's `_attn_implementation`, else sdpa. */
  attention: GenerationAttention;
  /** GPUs of tensor parallelism for generation predictions (count). */
  gpus: number;
}

/** Values of `irene.attention`. */
export type GenerationAttention = 'auto' | 'eager' | 'sdpa';
export const GENERATION_ATTENTIONS: readonly GenerationAttention[] = ['auto', 'eager', 'sdpa'];

/** Defaults, the same as in package.json. */
export const SETTING_DEFAULTS: Readonly<IreneSettings> = {
  batchSize: 8,
  seqLen: 256,
  dtype: 'bf16',
  profile: '',
  unit: 'J',
  // Grams of CO2 per kWh; the engine's convertEnergy uses the same default.
  carbonIntensity: 400,
  inlineAnnotations: true,
  modelGlobs: [],
  maxOnnxTextBytes: 256 * 1024 * 1024,
  pythonPath: '',
  idlePower: 0,
  predictionTimeout: 10,
  promptLength: 512,
  outputLength: 256,
  attention: 'auto',
  gpus: 1,
};

/** Setting keys without the section, e.g. `batchSize`. */
export type SettingKey = keyof IreneSettings;

/** Every key, in the order the Settings UI lists them. */
export const SETTING_KEYS = Object.keys(SETTING_DEFAULTS) as SettingKey[];

/** Full id of a setting: `irene.batchSize`. */
export function settingId(key: SettingKey): string {
  return `${SETTINGS_SECTION}.${key}`;
}

/** Keys that change what a prediction returns; the others only change how it is shown. */
export const PREDICTION_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>(['batchSize', 'seqLen', 'dtype', 'profile', 'idlePower']);

/** Keys that change only the generation predictions (the per-token lens and hover, the tree's prefill / decode phases). */
export const GENERATION_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>(['promptLength', 'outputLength', 'attention', 'gpus']);

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}

/**
 * Reads and validates every setting. Values a user mistyped (a negative batch
 * size, an unknown unit) fall back to the default rather than break the view;
 * `problems` says which, so the adapter can log them.
 */
export function readIreneSettings(get: (key: SettingKey) => unknown): { settings: IreneSettings; problems: string[] } {
  const problems: string[] = [];
  const d = SETTING_DEFAULTS;
  const pick = <T>(key: SettingKey, ok: (v: unknown) => v is T, fallback: T): T => {
    const v = get(key);
    if (v === undefined) return fallback;
    if (ok(v)) return v;
    problems.push(`${settingId(key)}: ignoring invalid value ${JSON.stringify(v)}; using ${JSON.stringify(fallback)}`);
    return fallback;
  };
  const isPosInt = (v: unknown): v is number => positiveInt(v, -1) !== -1;
  const settings: IreneSettings = {
    batchSize: pick('batchSize', isPosInt, d.batchSize),
    seqLen: pick('seqLen', isPosInt, d.seqLen),
    dtype: pick('dtype', (v): v is Dtype => DTYPES.includes(v as Dtype), d.dtype),
    profile: pick('profile', (v): v is string => typeof v === 'string', d.profile).trim(),
    unit: pick('unit', (v): v is EnergyUnit => ENERGY_UNITS.includes(v as EnergyUnit), d.unit),
    carbonIntensity: pick('carbonIntensity', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0, d.carbonIntensity),
    inlineAnnotations: pick('inlineAnnotations', (v): v is boolean => typeof v === 'boolean', d.inlineAnnotations),
    modelGlobs: pick(
      'modelGlobs',
      (v): v is string[] => Array.isArray(v) && v.every((g) => typeof g === 'string'),
      d.modelGlobs,
    ).filter((g) => g.trim() !== ''),
    maxOnnxTextBytes: pick('maxOnnxTextBytes', isPosInt, d.maxOnnxTextBytes),
    pythonPath: pick('pythonPath', (v): v is string => typeof v === 'string', d.pythonPath).trim(),
    idlePower: pick('idlePower', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e5, d.idlePower),
    predictionTimeout: pick('predictionTimeout', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 3600, d.predictionTimeout),
    promptLength: pick('promptLength', isPosInt, d.promptLength),
    outputLength: pick('outputLength', isPosInt, d.outputLength),
    attention: pick('attention', (v): v is GenerationAttention => GENERATION_ATTENTIONS.includes(v as GenerationAttention), d.attention),
    gpus: pick('gpus', (v): v is number => isPosInt(v) && v <= 64, d.gpus),
  };
  return { settings, problems };
}

/** A string equal for two settings exactly when their predictions are equal. */
export function predictionFingerprint(s: IreneSettings): string {
  return `${s.batchSize}x${s.seqLen}|${s.dtype}|${s.profile}|${s.idlePower}`;
}

/** A string equal for two settings exactly when their generation predictions are equal. */
export function generationFingerprint(s: IreneSettings): string {
  return `${predictionFingerprint(s)}|${s.promptLength}>${s.outputLength}|${s.attention}|${s.gpus}`;
}

/** True when the profile setting names a file rather than a bundled profile. */
export function isProfilePath(profile: string): boolean {
  return /\.json$/i.test(profile) || profile.includes('/') || profile.includes('\\');
}
