/**
 * Reading what the measuring harness prints: JSON progress, warning and error
 * lines on stderr, the `--check` report and the final summary on stdout.
 * Pure: takes text, returns plain data.
 */
import type { EnergySourceName } from './harnessCommand.js';
import { CalibrationError } from './harnessCommand.js';

/** One line of the harness's stderr. */
export type HarnessEvent =
  | { kind: 'progress'; /** 0..1 */ fraction: number; label: string }
  | { kind: 'warning'; message: string }
  | { kind: 'error'; message: string; code: string }
  | { kind: 'log'; text: string };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies one stderr line; anything that is not the harness's JSON (Python tracebacks, library warnings) is `log`. */
export function parseHarnessLine(line: string): HarnessEvent {
  const text = line.replace(/\r$/, '');
  const t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      return { kind: 'log', text };
    }
    if (isObject(v)) {
      if (typeof v['progress'] === 'number' && Number.isFinite(v['progress'])) {
        const fraction = Math.min(1, Math.max(0, v['progress']));
        return { kind: 'progress', fraction, label: typeof v['label'] === 'string' ? v['label'] : '' };
      }
      if (typeof v['error'] === 'string') {
        return { kind: 'error', message: v['error'], code: typeof v['code'] === 'string' ? v['code'] : 'HARNESS' };
      }
      if (typeof v['warning'] === 'string') return { kind: 'warning', message: v['warning'] };
    }
  }
  return { kind: 'log', text };
}

/** What `irene_measure.py --check` says about an interpreter. */
export interface PythonCheckReport {
  /** The interpreter's absolute path as Python sees it. */
  python: string;
  pythonVersion: string;
  /** PyTorch version, or undefined when it cannot be imported. */
  torch?: string;
  /** Why PyTorch cannot be imported. */
  torchError?: string;
  transformers?: string;
  cuda: boolean;
  devices: string[];
  /** True when PyTorch has TorchFunctionMode (1.13+), which the harness needs. */
  functionMode: boolean;
  energySources: Partial<Record<EnergySourceName, { available: boolean; detail: string }>>;
  builtinModels: string[];
}

/** The last line of `stdout` that parses as JSON (the harness prints its answer last), if any. */
function lastJsonLine(stdout: string): unknown {
  const line = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .pop();
  try {
    return line === undefined ? undefined : JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Parses the JSON the harness prints for `--check`.
 * @throws CalibrationError when the text is not such a report (for example an old Python 2 printing a syntax error).
 */
export function parseCheckReport(stdout: string, python: string): PythonCheckReport {
  const v = lastJsonLine(stdout);
  if (!isObject(v) || typeof v['python'] !== 'string') {
    throw new CalibrationError(`${python} did not answer the harness's check (is it Python 3.8 or newer?)`);
  }
  const sources: PythonCheckReport['energySources'] = Object.create(null) as PythonCheckReport['energySources'];
  const es = v['energy_sources'];
  if (isObject(es)) {
    for (const [k, s] of Object.entries(es)) {
      if (isObject(s)) {
        sources[k as EnergySourceName] = { available: s['available'] === true, detail: typeof s['detail'] === 'string' ? s['detail'] : '' };
      }
    }
  }
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  return {
    python: v['python'],
    pythonVersion: str('python_version') ?? '?',
    torch: str('torch'),
    torchError: str('torch_error'),
    transformers: str('transformers'),
    cuda: v['cuda'] === true,
    devices: Array.isArray(v['devices']) ? v['devices'].filter((d): d is string => typeof d === 'string') : [],
    functionMode: v['function_mode'] === true,
    energySources: sources,
    builtinModels: Array.isArray(v['builtin_models']) ? v['builtin_models'].filter((d): d is string => typeof d === 'string') : [],
  };
}

/**
 * Why this interpreter cannot calibrate with this energy source, or undefined when it can.
 * The text says what to install or choose instead.
 */
export function checkProblem(report: PythonCheckReport, energySource: EnergySourceName | undefined): string | undefined {
  if (!report.torch) {
    return report.torchError ?? `PyTorch is not installed for ${report.python}: pip install torch (or apt-get install python3-torch for /usr/bin/python3)`;
  }
  if (!report.functionMode) return `PyTorch ${report.torch} at ${report.python} is too old: the harness needs PyTorch 1.13 or newer`;
  if (energySource && energySource !== 'fake' && energySource !== 'meter-csv') {
    const s = report.energySources[energySource];
    if (!s?.available) return s?.detail || `energy source ${energySource} is not available`;
  }
  return undefined;
}

/** Energy sources this interpreter reports as usable, best first (real measurements before the fake one). */
export function availableEnergySources(report: PythonCheckReport): EnergySourceName[] {
  const order: EnergySourceName[] = ['nvml', 'rapl', 'meter-csv', 'fake'];
  return order.filter((s) => report.energySources[s]?.available);
}

/** One measured configuration in the harness's summary. */
export interface HarnessResult {
  modelName: string;
  batchSize: number;
  seqLen: number;
  /** Median whole-model energy per inference (joules); undefined for structure-only runs. */
  energyJ?: number;
  /** The repeats (joules). */
  energiesJ?: number[];
  /** (max - min) / median of the repeats. */
  spread?: number;
  /** Seconds per inference. */
  timeS?: number;
  /** Average power while it ran (watts). */
  powerW?: number;
  nodes: number;
}

/** The harness's final summary (one JSON line on stdout). */
export interface HarnessSummary {
  out: string;
  device: string;
  energySource: string;
  energySourceDetail: string;
  fake: boolean;
  /** Idle power before measuring (watts). */
  idlePowerW?: number;
  /** Median relative spread of the model-level repeats. */
  modelSpreadMedian?: number;
  /** Median relative spread of the node-level repeats. */
  nodeSpreadMedian?: number;
  results: HarnessResult[];
}

/**
 * Parses the summary line the harness prints on success.
 * @throws CalibrationError when stdout holds no summary.
 */
export function parseHarnessSummary(stdout: string): HarnessSummary {
  const v = lastJsonLine(stdout);
  if (!isObject(v) || !isObject(v['meta']) || !Array.isArray(v['results'])) {
    throw new CalibrationError('the harness finished without its summary line; see the log for what it printed');
  }
  const meta = v['meta'];
  const num = (o: Json, k: string): number | undefined => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? o[k] : undefined);
  const noise = isObject(meta['noise']) ? meta['noise'] : {};
  return {
    out: typeof v['out'] === 'string' ? v['out'] : '',
    device: typeof meta['device'] === 'string' ? meta['device'] : 'unknown device',
    energySource: typeof meta['energy_source'] === 'string' ? meta['energy_source'] : 'unknown',
    energySourceDetail: typeof meta['energy_source_detail'] === 'string' ? meta['energy_source_detail'] : '',
    fake: meta['fake'] === true,
    idlePowerW: num(meta, 'idle_power_w'),
    modelSpreadMedian: num(noise, 'model_spread_median'),
    nodeSpreadMedian: num(noise, 'node_spread_median'),
    results: v['results'].filter(isObject).map((r) => ({
      modelName: typeof r['model_name'] === 'string' ? r['model_name'] : '?',
      batchSize: num(r, 'batch_size') ?? 0,
      seqLen: num(r, 'seq_len') ?? 0,
      energyJ: num(r, 'energy_j'),
      energiesJ: Array.isArray(r['energies_j']) ? r['energies_j'].filter((x): x is number => typeof x === 'number') : undefined,
      spread: num(r, 'spread'),
      timeS: num(r, 'time_s'),
      powerW: num(r, 'power_w'),
      nodes: num(r, 'nodes') ?? 0,
    })),
  };
}
