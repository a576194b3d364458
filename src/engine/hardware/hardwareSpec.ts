/**
 * The hardware a profile was measured on, as numbers the predictor reasons
 * with: dense peak FLOP/s per dtype, memory bandwidth and capacity, idle power
 * and power limit, interconnect bandwidth. Every figure names where it comes
 * from (a datasheet, a measurement, a fit); a figure nobody knows is absent
 * and listed in `gaps`, never invented.
 */
import { ProfileError } from '../errors.js';
import { DTYPES, type Dtype } from '../tree/modelNode.js';

/** Where a hardware figure comes from. */
export type FigureOrigin = 'datasheet' | 'measured' | 'fitted' | 'user';

/** One hardware figure's provenance. */
export interface FigureSource {
  origin: FigureOrigin;
  /** Human-readable source: a datasheet's title, a measurement campaign, a fit. */
  note: string;
}

/** The numbers of one accelerator (or whole machine, for wall-power profiles). */
export interface HardwareSpec {
  /** Device name (`NVIDIA H100 80GB HBM3`). */
  name: string;
  /** Dense peak FLOP/s per dtype (no structured-sparsity figures); absent where unknown. */
  peakFlopsPerS: Partial<Record<Dtype, number>>;
  /** Peak device-memory bandwidth (bytes/s); absent where unknown. */
  memoryBandwidthBytesPerS?: number;
  /** Device memory (bytes); absent where unknown. */
  memoryCapacityBytes?: number;
  /** Power drawn with nothing running (W): the static power every second of a run costs. */
  idlePowerW: number;
  /** Board power limit (W): no run can draw more on average. */
  powerLimitW: number;
  /** Bandwidth between devices for tensor parallelism (bytes/s, one direction); absent where unknown. */
  interconnectBandwidthBytesPerS?: number;
  /** Provenance per field name (`idlePowerW`, `peakFlopsPerS.bf16` ...). */
  sources: Record<string, FigureSource>;
  /** What is not known about this hardware, in words. */
  gaps?: string[];
}

const TB = 1e12;
const GB = 1e9;

/** The figures a GPU datasheet gives, as field paths of HardwareSpec. */
const DATASHEET_FIELDS: readonly string[] = [
  'peakFlopsPerS.bf16',
  'peakFlopsPerS.fp16',
  'peakFlopsPerS.fp32',
  'memoryBandwidthBytesPerS',
  'memoryCapacityBytes',
  'powerLimitW',
  'interconnectBandwidthBytesPerS',
];

function datasheet(note: string, fields: readonly string[]): Record<string, FigureSource> {
  return Object.fromEntries(fields.map((f) => [f, { origin: 'datasheet' as const, note }]));
}

/**
 * Datasheet figures of accelerators IrEne knows by name, for profiles
 * calibrated on them and for hardware overrides. Idle power is not on any
 * datasheet (it depends on the host, clocks and fans): calibration measures it.
 * The entries' keys are matched against the device name NVML reports.
 */
export const KNOWN_ACCELERATORS: readonly { match: RegExp; spec: Omit<HardwareSpec, 'idlePowerW'> }[] = [
  {
    // NVML reports the SXM5 part as "NVIDIA H100 80GB HBM3" (the PCIe card is "NVIDIA H100 PCIe").
    match: /H100 80GB HBM3|H100 SXM/i,
    spec: {
      name: 'NVIDIA H100 SXM5 80GB',
      peakFlopsPerS: { bf16: 989e12, fp16: 989e12, fp32: 67e12 },
      memoryBandwidthBytesPerS: 3.35 * TB,
      memoryCapacityBytes: 80 * GB,
      powerLimitW: 700,
      interconnectBandwidthBytesPerS: 450 * GB,
      sources: datasheet('NVIDIA H100 Tensor Core GPU datasheet, SXM column (dense figures: BF16/FP16 989 TFLOP/s without sparsity, FP32 67 TFLOP/s; 3.35 TB/s HBM3; 80 GB; up to 700 W; NVLink 900 GB/s bidirectional)', DATASHEET_FIELDS),
    },
  },
  {
    match: /H200/i,
    spec: {
      name: 'NVIDIA H200 SXM 141GB',
      peakFlopsPerS: { bf16: 989e12, fp16: 989e12, fp32: 67e12 },
      memoryBandwidthBytesPerS: 4.8 * TB,
      memoryCapacityBytes: 141 * GB,
      powerLimitW: 700,
      interconnectBandwidthBytesPerS: 450 * GB,
      sources: datasheet('NVIDIA H200 Tensor Core GPU datasheet, SXM column (BF16/FP16 989 TFLOP/s dense, FP32 67 TFLOP/s; 4.8 TB/s HBM3e; 141 GB; up to 700 W; NVLink 900 GB/s bidirectional)', DATASHEET_FIELDS),
    },
  },
  {
    match: /A100[- ]SXM4?[- ]80GB|A100 80GB/i,
    spec: {
      name: 'NVIDIA A100 SXM4 80GB',
      peakFlopsPerS: { bf16: 312e12, fp16: 312e12, fp32: 19.5e12 },
      memoryBandwidthBytesPerS: 2.039 * TB,
      memoryCapacityBytes: 80 * GB,
      powerLimitW: 400,
      interconnectBandwidthBytesPerS: 300 * GB,
      sources: datasheet('NVIDIA A100 Tensor Core GPU datasheet, 80GB SXM column (BF16/FP16 312 TFLOP/s dense, FP32 19.5 TFLOP/s; 2,039 GB/s HBM2e; 400 W; NVLink 600 GB/s bidirectional)', DATASHEET_FIELDS),
    },
  },
  {
    match: /\bL4\b/i,
    spec: {
      name: 'NVIDIA L4',
      peakFlopsPerS: { bf16: 121e12, fp16: 121e12, fp32: 30.3e12 },
      memoryBandwidthBytesPerS: 300 * GB,
      memoryCapacityBytes: 24 * GB,
      powerLimitW: 72,
      sources: datasheet('NVIDIA L4 Tensor Core GPU datasheet (BF16/FP16 121 TFLOP/s dense, FP32 30.3 TFLOP/s; 300 GB/s GDDR6; 24 GB; 72 W)', DATASHEET_FIELDS.filter((f) => f !== 'interconnectBandwidthBytesPerS')),
      gaps: ['no NVLink: tensor parallelism goes over PCIe, whose bandwidth depends on the host'],
    },
  },
];

/** Datasheet figures for a device name, if IrEne knows it (idle power still to be measured). */
export function knownAccelerator(deviceName: string): Omit<HardwareSpec, 'idlePowerW'> | undefined {
  return KNOWN_ACCELERATORS.find((k) => k.match.test(deviceName))?.spec;
}

/** Dense peak FLOP/s of a dtype, when known (FLOP/s). */
export function peakFlopsFor(hw: HardwareSpec, dtype: Dtype): number | undefined {
  return hw.peakFlopsPerS[dtype];
}

/** Overrides a user may apply to a profile's hardware at prediction time. */
export interface HardwareOverrides {
  /** Idle power of the user's host (W): moves the static part of every prediction. */
  idlePowerW?: number;
}

/**
 * The hardware with the user's overrides applied (a new object; the
 * profile's is untouched). The source of an overridden figure says so.
 * @throws ProfileError for an override that is not a positive finite number.
 */
export function withOverrides(hw: HardwareSpec, overrides: HardwareOverrides | undefined): HardwareSpec {
  if (!overrides || overrides.idlePowerW === undefined) return hw;
  const w = overrides.idlePowerW;
  if (!(Number.isFinite(w) && w > 0 && w < hw.powerLimitW)) {
    throw new ProfileError(`idle power ${w} W is not between 0 and the power limit of ${hw.name} (${hw.powerLimitW} W)`);
  }
  return { ...hw, idlePowerW: w, sources: { ...hw.sources, idlePowerW: { origin: 'user', note: 'set by the user (--idle-power or irene.idlePower)' } } };
}

/** Largest plausible figures: a check against unit mistakes (TFLOP/s written as FLOP/s x 1e12 twice). */
const LIMITS = { flops: 1e18, bandwidth: 1e15, capacity: 1e15, power: 1e6 };

/**
 * Checks a hardware block read from a profile.
 * @param path field prefix for messages (`hardware`).
 * @throws ProfileError naming the field.
 */
export function validateHardware(value: unknown, origin: string, path = 'hardware'): HardwareSpec {
  const fail = (field: string, what: string): never => {
    throw new ProfileError(`${origin}: field "${field ? `${path}.${field}` : path}" ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('', 'must be an object');
  const o = value as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'] === '') fail('name', 'must be a non-empty string');
  const positive = (v: unknown, field: string, max: number, optional: boolean): void => {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) fail(field, `must be a positive number below ${max}`);
  };
  const peak = o['peakFlopsPerS'];
  if (typeof peak !== 'object' || peak === null || Array.isArray(peak)) fail('peakFlopsPerS', 'must be an object of dtype -> FLOP/s');
  for (const [k, v] of Object.entries(peak as Record<string, unknown>)) {
    if (!DTYPES.includes(k as Dtype)) fail(`peakFlopsPerS.${k}`, `is not a dtype (${DTYPES.join(', ')})`);
    positive(v, `peakFlopsPerS.${k}`, LIMITS.flops, false);
  }
  positive(o['memoryBandwidthBytesPerS'], 'memoryBandwidthBytesPerS', LIMITS.bandwidth, true);
  positive(o['memoryCapacityBytes'], 'memoryCapacityBytes', LIMITS.capacity, true);
  positive(o['interconnectBandwidthBytesPerS'], 'interconnectBandwidthBytesPerS', LIMITS.bandwidth, true);
  positive(o['idlePowerW'], 'idlePowerW', LIMITS.power, false);
  positive(o['powerLimitW'], 'powerLimitW', LIMITS.power, false);
  if ((o['idlePowerW'] as number) >= (o['powerLimitW'] as number)) fail('idlePowerW', 'must be below powerLimitW');
  const sources = o['sources'];
  if (typeof sources !== 'object' || sources === null || Array.isArray(sources)) fail('sources', 'must be an object of field -> {origin, note}');
  for (const [k, s] of Object.entries(sources as Record<string, unknown>)) {
    const so = s as Record<string, unknown> | null;
    if (!so || !['datasheet', 'measured', 'fitted', 'user'].includes(so['origin'] as string) || typeof so['note'] !== 'string') {
      fail(`sources.${k}`, 'must be {"origin": "datasheet" | "measured" | "fitted" | "user", "note": "..."}');
    }
  }
  const gaps = o['gaps'];
  if (gaps !== undefined && !(Array.isArray(gaps) && gaps.every((g) => typeof g === 'string'))) fail('gaps', 'must be an array of strings');
  return o as unknown as HardwareSpec;
}

/** What a set of measurements says about the machine they were taken on. */
export interface MeasurementMachine {
  /** Device name as the measuring tool reported it (NVML's name for NVIDIA GPUs). */
  deviceName?: string;
  /** Idle power measured before the runs (W). */
  idlePowerW?: number;
  /** How the idle power was measured, for its source note. */
  idleNote?: string;
}

/**
 * The hardware block of a profile trained on measurements: the datasheet's
 * figures where the device is known by name (`KNOWN_ACCELERATORS`), else
 * unknown peaks and bandwidth, a power limit of 1.5x the highest average
 * power any measured node drew, and the idle power as measured, or to be
 * fitted in training when none was.
 * @param highestPowerW the highest average power (energy / time) of any measured node (W).
 */
export function hardwareForMeasurements(machine: MeasurementMachine, highestPowerW: number): { hardware: HardwareSpec; fitIdlePower: boolean } {
  const known = machine.deviceName ? knownAccelerator(machine.deviceName) : undefined;
  const limit = known?.powerLimitW ?? Math.max(1, Math.round(1.5 * highestPowerW));
  const measured = machine.idlePowerW !== undefined && machine.idlePowerW > 0 && machine.idlePowerW < limit;
  const idlePowerW = measured ? machine.idlePowerW! : Math.max(0.5, Math.round(Math.min(highestPowerW, limit) / 4));
  const sources: Record<string, FigureSource> = { ...(known?.sources ?? {}) };
  sources['idlePowerW'] = measured
    ? { origin: 'measured', note: machine.idleNote ?? 'measured with nothing running before the measurements' }
    : { origin: 'fitted', note: 'start value; fitted in training (no idle power was measured)' };
  if (!known) {
    sources['powerLimitW'] = { origin: 'measured', note: `1.5x the highest average power of any measured node (${Math.round(highestPowerW)} W); the device's real limit is not known` };
  }
  const hardware: HardwareSpec = known
    ? { ...known, idlePowerW, sources }
    : {
        name: machine.deviceName ?? 'unknown device',
        peakFlopsPerS: {},
        idlePowerW,
        powerLimitW: limit,
        sources,
        gaps: ['the device is not in IrEne\'s datasheet table: peak FLOP/s, memory bandwidth and capacity are unknown, so the time model\'s rates are fitted from the measured times alone and memory fit is not checked'],
      };
  return { hardware, fitIdlePower: !measured };
}

/** The highest average power (joules / seconds) of any measured node of some trees (W); 0 without timed measurements. */
export function highestMeasuredPowerW(trees: readonly { root: { measured?: { energyJ: number; runtime?: { timesMean?: number } }; children: unknown[] } }[]): number {
  let max = 0;
  type N = { measured?: { energyJ: number; runtime?: { timesMean?: number } }; children: unknown[] };
  const stack: N[] = trees.map((t) => t.root);
  while (stack.length > 0) {
    const n = stack.pop()!;
    const s = n.measured?.runtime?.timesMean;
    if (n.measured && s && s > 0) max = Math.max(max, n.measured.energyJ / s);
    for (const c of n.children) stack.push(c as N);
  }
  return max;
}
