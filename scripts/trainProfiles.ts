/**
 * Trains the four bundled device profiles from the measurement data in
 * data/ and writes them to src/engine/profiles/bundled/*.json.
 *
 *   node --import tsx scripts/trainProfiles.ts [--only h100-bf16]
 *
 * Deterministic: the same data and seed give byte-identical files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyModelLevelTruth,
  loadIreneCsv,
  loadIreneJsonl,
  loadModelLevelJsonl,
} from '../src/engine/importers/ireneData/index.js';
import { trainProfile } from '../src/engine/predict/train.js';
import { serializeProfile, type NoiseFigures } from '../src/engine/profiles/profileFormat.js';
import type { Dtype, ModelTree } from '../src/engine/tree/modelNode.js';
import { hardwareForMeasurements, highestMeasuredPowerW, knownAccelerator, type HardwareSpec } from '../src/engine/hardware/hardwareSpec.js';

// The package compiles to CommonJS, so __dirname (not import.meta) locates the repository.
const ROOT = join(__dirname, '..');

/** Seed of every bundled profile's weighting model. */
export const PROFILE_SEED = 1;

/** Trees of one IrEne device folder (data/irene/device_N). Messages about skipped rows go to `onWarning`. */
export function loadDeviceTrees(device: 'device_1' | 'device_2', onWarning?: (m: string) => void): ModelTree[] {
  const read = (level: string): string => readFileSync(join(ROOT, 'data/irene', device, `${level}_level_features.csv`), 'utf8');
  return loadIreneCsv({ model: read('model'), module: read('module'), ml1: read('ml1'), ml2: read('ml2') }, { onWarning });
}

/** Run-to-run noise of the H100 data: how far each tree's root (one short window) lies from the long-window figure. */
export interface H100Data {
  trees: ModelTree[];
  noise: NoiseFigures;
}

/** Launch-bound threshold on the H100: (1 x 128) and (8 x 256) are launch-bound, (32 x 512) is not. */
const H100_SMALL_TOKENS = 2048;

/** H100 trees of one dtype with model-level truth from model_level.jsonl, and the noise figures. */
export function loadH100Trees(dtype: Dtype): H100Data {
  const trees = loadIreneJsonl(readFileSync(join(ROOT, 'data/h100/trees.jsonl.gz')), { fileName: 'trees.jsonl.gz' }).filter(
    (t) => t.dtype === dtype,
  );
  const records = loadModelLevelJsonl(readFileSync(join(ROOT, 'data/h100/model_level.jsonl'), 'utf8'));
  const small: number[] = [];
  const large: number[] = [];
  for (const t of trees) {
    const r = records.find((x) => x.modelName === t.modelName && x.dtype === t.dtype && x.batchSize === t.batchSize && x.seqLen === t.seqLen);
    const own = t.root.measured ? t.root.measured.energyJ * t.root.calls : undefined;
    if (!r || own === undefined) continue;
    (t.batchSize * t.seqLen <= H100_SMALL_TOKENS ? small : large).push(Math.abs(own - r.energyJ) / r.energyJ);
  }
  const missing = applyModelLevelTruth(trees, records);
  if (missing > 0) console.warn(`h100 ${dtype}: ${missing} trees without a model-level record keep their root's own figure`);
  // Mean absolute relative difference of two measurements of the same thing, as a one-sigma of ONE
  // measurement: E|a - b| = 2 sigma / sqrt(pi) for two independent normal readings.
  const sigma = (v: number[]): number => (v.length > 0 ? ((v.reduce((a, b) => a + b, 0) / v.length) * Math.sqrt(Math.PI)) / 2 : 0);
  return {
    trees,
    noise: {
      smallTokens: H100_SMALL_TOKENS,
      smallRelative: round(sigma(small), 4),
      largeRelative: round(sigma(large), 4),
      note: `from ${small.length + large.length} pairs of measurements of the same configuration minutes apart (tree root, short window vs model_level.jsonl, long windows); small = at most ${H100_SMALL_TOKENS} tokens (launch-bound)`,
    },
  };
}

/**
 * The H100's hardware block: the datasheet's figures, and the idle power the
 * long-window campaign measured before it started (model_level.jsonl's meta
 * line; the tree campaign's meta.json read 133 W on the same host, hours apart).
 */
export function h100Hardware(): HardwareSpec {
  const meta = JSON.parse(readFileSync(join(ROOT, 'data/h100/model_level.jsonl'), 'utf8').split('\n')[0]!) as { idle_power_w: number; device: string };
  const spec = knownAccelerator(meta.device);
  if (!spec) throw new Error(`no datasheet entry for ${meta.device}`);
  return {
    ...spec,
    idlePowerW: meta.idle_power_w,
    sources: {
      ...spec.sources,
      idlePowerW: { origin: 'measured', note: 'NVML board power with nothing running, before the long-window campaign of data/h100/model_level.jsonl (123 W; the tree campaign read 133 W hours earlier on the same host)' },
    },
  };
}

/**
 * The IrEne paper's machines: the data says a desktop with one NVIDIA GPU
 * measured at the wall, fp32, and the GPU's memory clock (3802 MHz on device 1,
 * 5005 MHz on device 2), not which GPU it was: peak FLOP/s, bandwidth and
 * capacity are unknown, and the time model's rates are fitted from the
 * measured times alone. The idle power of the whole machine is fitted; the
 * power limit is set to 1.5x the highest average power in the data.
 */
export function paperHardware(device: 'device_1' | 'device_2', trees: readonly ModelTree[]): HardwareSpec {
  const n = device === 'device_1' ? 1 : 2;
  const { hardware } = hardwareForMeasurements({ deviceName: `IrEne paper device ${n} (desktop with one NVIDIA GPU, whole machine at the wall)` }, highestMeasuredPowerW(trees));
  return {
    ...hardware,
    gaps: [
      `the GPU model is not in the data (its memory clock is: ${n === 1 ? '3802' : '5005'} MHz): peak FLOP/s, memory bandwidth and capacity are unknown, so no roofline, memory fit or datasheet transfer is possible`,
      'the meter reads the whole machine: idle power is fitted, not measured',
    ],
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** What each bundled profile is trained on. */
export const PROFILE_SPECS = [
  {
    name: 'irene-device-1',
    description: 'IrEne paper data, device 1 (fp32 PyTorch, whole-machine energy at the wall)',
    dtype: 'fp32' as Dtype,
    energySource: 'external power meter at the wall (whole machine), joules per forward call',
    load: (): { trees: ModelTree[]; noise?: NoiseFigures } => ({ trees: loadDeviceTrees('device_1') }),
    hardware: (trees: readonly ModelTree[]): HardwareSpec => paperHardware('device_1', trees),
    fitIdlePower: true,
  },
  {
    name: 'irene-device-2',
    description: 'IrEne paper data, device 2 (fp32 PyTorch, whole-machine energy at the wall)',
    dtype: 'fp32' as Dtype,
    energySource: 'external power meter at the wall (whole machine), joules per forward call',
    load: (): { trees: ModelTree[]; noise?: NoiseFigures } => ({ trees: loadDeviceTrees('device_2') }),
    hardware: (trees: readonly ModelTree[]): HardwareSpec => paperHardware('device_2', trees),
    fitIdlePower: true,
  },
  {
    name: 'h100-bf16',
    description: 'NVIDIA H100 80GB HBM3, bf16, eager attention (PyTorch 2.11, transformers 5.17)',
    dtype: 'bf16' as Dtype,
    energySource: 'NVML total-energy counter of the GPU board (GPU only, idle power included)',
    load: (): H100Data => loadH100Trees('bf16'),
    companions: (): ModelTree[] => loadH100Trees('fp32').trees,
    hardware: (): HardwareSpec => h100Hardware(),
    fitIdlePower: false,
  },
  {
    name: 'h100-fp32',
    description: 'NVIDIA H100 80GB HBM3, fp32, eager attention (PyTorch 2.11, transformers 5.17)',
    dtype: 'fp32' as Dtype,
    energySource: 'NVML total-energy counter of the GPU board (GPU only, idle power included)',
    load: (): H100Data => loadH100Trees('fp32'),
    companions: (): ModelTree[] => loadH100Trees('bf16').trees,
    hardware: (): HardwareSpec => h100Hardware(),
    fitIdlePower: false,
  },
] as const;

function main(): void {
  const only = process.argv.indexOf('--only') >= 0 ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  for (const spec of PROFILE_SPECS) {
    if (only && spec.name !== only) continue;
    const t0 = performance.now();
    const { trees, noise } = spec.load();
    const profile = trainProfile(trees, {
      name: spec.name,
      description: spec.description,
      hardware: spec.hardware(trees),
      fitIdlePower: spec.fitIdlePower,
      dtype: spec.dtype,
      energySource: spec.energySource,
      featureSet: 'specs',
      seed: PROFILE_SEED,
      noise,
      // The same host's other dtype: its CPU-side time rates, where it holds more models.
      companionTrees: 'companions' in spec ? spec.companions() : [],
    });
    const file = join(ROOT, 'src/engine/profiles/bundled', `${spec.name}.json`);
    writeFileSync(file, serializeProfile(profile));
    const cv = profile.crossValidation;
    console.log(
      `${spec.name}: ${trees.length} trees, CV MAPE ml ${cv.mlPct.toFixed(2)} % / module ${cv.modulePct.toFixed(2)} % / model ${cv.modelPct.toFixed(2)} %, ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${file}`,
    );
  }
}

if (require.main === module) main();
