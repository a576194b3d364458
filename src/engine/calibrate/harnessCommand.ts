/**
 * The command line of the measuring harness (`harness/irene_measure.py`) and
 * the Python interpreters worth trying. Pure: nothing here runs a process.
 */
import { InvalidInputError } from '../errors.js';
import { IreneError } from '../errors.js';

/** Energy sources the harness knows (see harness/irene_measure.py). */
export type EnergySourceName = 'nvml' | 'rapl' | 'meter-csv' | 'fake';

/** All energy sources, in the order a user is offered them. */
export const ENERGY_SOURCES: readonly EnergySourceName[] = ['nvml', 'rapl', 'meter-csv', 'fake'];

/** Dtype names the harness accepts. */
export const HARNESS_DTYPES = ['fp32', 'fp16', 'bf16'] as const;

/** What to measure, and how. */
export interface CalibrationRequest {
  /** Built-in model names (`bert-base-uncased`, `gpt2`, `distilgpt2`) or paths to HF config.json files. */
  models: string[];
  /** Sequences per forward pass (count); measured for every sequence length. */
  batchSizes: number[];
  /** Tokens per sequence (count). */
  seqLens: number[];
  /** `fp32`, `fp16` or `bf16`. */
  dtype: string;
  energySource: EnergySourceName;
  /** CSV log of an external power meter (Unix seconds or ISO time, watts); needed for `meter-csv`. */
  meterCsv?: string;
  /** Where the harness writes its JSONL trees. */
  treesOut: string;
  /** Whole-model window (seconds, default 1.2: NVML's counter moves about every 100 ms). */
  windowS?: number;
  /** Window per module and primitive (seconds, default 0.25). */
  nodeWindowS?: number;
  /** Windows per node (count, default 3); the median is kept. */
  repeats?: number;
  /** Idle-power measurement before starting (seconds, default 2). */
  idleS?: number;
  /** Measure whole models only (faster; the profile then learns from model totals only). */
  modelOnly?: boolean;
  /** Record the trees without measuring (no energy source needed). */
  structureOnly?: boolean;
  /** `auto` (default: CUDA when measuring with NVML), `cpu`, `cuda`, `cuda:N`. */
  device?: string;
  /** Use the harness's plain-PyTorch models even when transformers is installed. */
  builtin?: boolean;
  /**
   * `forward` (default: the bare model, no cache), `prefill` (the causal LM filling its KV cache),
   * `decode` (one step per context in `contexts`) or `generate` (both; the contexts default to the
   * sequence lengths).
   */
  phase?: 'forward' | 'prefill' | 'decode' | 'generate';
  /** Decode: positions each step attends over (the cache plus the new token; count, >= 2). */
  contexts?: number[];
  /** Attention implementation the harness builds: `eager` (default) or `sdpa`. */
  attention?: 'eager' | 'sdpa';
}

/** Failure of measuring on the user's machine: the message says what to do. */
export class CalibrationError extends IreneError {
  constructor(
    message: string,
    /** The harness's own error code (`NO_TORCH`, `NO_ENERGY_SOURCE` ...), when it gave one. */
    readonly harnessCode?: string,
  ) {
    super('CALIBRATION', message);
  }
}

/**
 * Checks a request before anything runs.
 * @throws InvalidInputError naming the first bad field.
 */
export function validateCalibrationRequest(req: CalibrationRequest): void {
  if (req.models.length === 0) throw new InvalidInputError('calibrate: name at least one model (a built-in name or a config.json)');
  for (const m of req.models) if (m.trim() === '') throw new InvalidInputError('calibrate: a model name is empty');
  const ints = (name: string, xs: number[]): void => {
    if (xs.length === 0) throw new InvalidInputError(`calibrate: ${name} is empty`);
    for (const x of xs) if (!Number.isInteger(x) || x < 1) throw new InvalidInputError(`calibrate: ${name} must be positive integers, got ${x}`);
  };
  ints('batch sizes', req.batchSizes);
  ints('sequence lengths', req.seqLens);
  if (!(HARNESS_DTYPES as readonly string[]).includes(req.dtype)) {
    throw new InvalidInputError(`calibrate: dtype "${req.dtype}" is not one of ${HARNESS_DTYPES.join(', ')}`);
  }
  if (!ENERGY_SOURCES.includes(req.energySource)) {
    throw new InvalidInputError(`calibrate: energy source "${String(req.energySource)}" is not one of ${ENERGY_SOURCES.join(', ')}`);
  }
  if (req.energySource === 'meter-csv' && !req.meterCsv) {
    throw new InvalidInputError('calibrate: the meter-csv energy source needs the path of the meter log (--meter-csv)');
  }
  for (const [name, v] of [
    ['window', req.windowS],
    ['node window', req.nodeWindowS],
    ['idle time', req.idleS],
  ] as const) {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new InvalidInputError(`calibrate: ${name} must be a positive number of seconds`);
  }
  if (req.repeats !== undefined && (!Number.isInteger(req.repeats) || req.repeats < 1)) {
    throw new InvalidInputError('calibrate: repeats must be a positive integer');
  }
  if (!req.treesOut) throw new InvalidInputError('calibrate: no output path for the measured trees');
  const contexts = req.contexts ?? [];
  if (req.phase === 'decode' && contexts.length === 0) throw new InvalidInputError('calibrate: decode needs the contexts to measure at (--contexts 128,512)');
  if (contexts.length > 0 && req.phase !== 'decode' && req.phase !== 'generate') {
    throw new InvalidInputError('calibrate: contexts are for the decode phase (--phase decode or generate)');
  }
  for (const c of contexts) if (!Number.isInteger(c) || c < 2) throw new InvalidInputError(`calibrate: a decode context must be an integer of at least 2 (one cached position and the new token), got ${c}`);
}

/**
 * Arguments after the interpreter: `[harnessPath, ...flags]`.
 * @param harnessPath absolute path of irene_measure.py
 */
export function buildHarnessArgs(harnessPath: string, req: CalibrationRequest): string[] {
  validateCalibrationRequest(req);
  const args = [harnessPath];
  for (const m of req.models) args.push('--model', m);
  args.push('--batch-sizes', req.batchSizes.join(','), '--seq-lens', req.seqLens.join(','), '--dtype', req.dtype);
  if (req.structureOnly) args.push('--structure-only');
  else args.push('--energy-source', req.energySource);
  if (req.meterCsv) args.push('--meter-csv', req.meterCsv);
  if (req.windowS !== undefined) args.push('--window-s', String(req.windowS));
  if (req.nodeWindowS !== undefined) args.push('--node-window-s', String(req.nodeWindowS));
  if (req.repeats !== undefined) args.push('--repeats', String(req.repeats));
  if (req.idleS !== undefined) args.push('--idle-s', String(req.idleS));
  if (req.modelOnly) args.push('--model-only');
  if (req.device) args.push('--device', req.device);
  if (req.builtin) args.push('--builtin');
  if (req.phase && req.phase !== 'forward') args.push('--phase', req.phase);
  if (req.contexts && req.contexts.length > 0) args.push('--contexts', req.contexts.join(','));
  if (req.attention) args.push('--attn', req.attention);
  args.push('--out', req.treesOut);
  return args;
}

/** Arguments that make the harness describe the interpreter (PyTorch, devices, energy sources). */
export function buildCheckArgs(harnessPath: string): string[] {
  return [harnessPath, '--check'];
}

/**
 * Interpreters to try, best first, without duplicates: the user's choice,
 * `IRENE_PYTHON`, then what is on PATH, then the system Python (on Debian
 * and Ubuntu `python3-torch` installs for /usr/bin/python3, while `python3`
 * on PATH may be a pyenv or venv interpreter without PyTorch).
 * @param platform `process.platform`
 */
export function pythonCandidates(options: { userPython?: string; platform: string; env: Record<string, string | undefined> }): string[] {
  const out: string[] = [];
  const add = (p: string | undefined): void => {
    const v = p?.trim();
    if (v && !out.includes(v)) out.push(v);
  };
  add(options.userPython);
  add(options.env['IRENE_PYTHON']);
  if (options.env['VIRTUAL_ENV']) {
    add(options.platform === 'win32' ? `${options.env['VIRTUAL_ENV']}\\Scripts\\python.exe` : `${options.env['VIRTUAL_ENV']}/bin/python`);
  }
  if (options.env['CONDA_PREFIX']) {
    add(options.platform === 'win32' ? `${options.env['CONDA_PREFIX']}\\python.exe` : `${options.env['CONDA_PREFIX']}/bin/python`);
  }
  if (options.platform === 'win32') {
    add('python');
    add('py');
  } else {
    add('python3');
    add('python');
    add('/usr/bin/python3');
    add('/usr/local/bin/python3');
    if (options.platform === 'darwin') add('/opt/homebrew/bin/python3');
  }
  return out;
}

/**
 * Parses a grid typed by a user, `1,8 x 128,256`: batch sizes (count), then
 * sequence lengths (tokens). Undefined when malformed.
 */
export function parseShapeGrid(text: string): { batchSizes: number[]; seqLens: number[] } | undefined {
  const parts = text.toLowerCase().split(/\s*[x×]\s*/);
  if (parts.length !== 2) return undefined;
  const ints = (s: string): number[] | undefined => {
    const xs = s.split(/[\s,]+/).filter((x) => x !== '').map(Number);
    return xs.length > 0 && xs.every((x) => Number.isInteger(x) && x >= 1) ? xs : undefined;
  };
  const batchSizes = ints(parts[0]!);
  const seqLens = ints(parts[1]!);
  return batchSizes && seqLens ? { batchSizes, seqLens } : undefined;
}
