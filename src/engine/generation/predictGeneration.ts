/**
 * Energy of LLM generation: a batch of B requests, each a prompt of P tokens
 * and N generated tokens, on one GPU or N-way tensor parallel:
 *
 *   E(request batch) = E_prefill(B, P) + Σ_{i<N} E_decode(B, P + i)
 *
 * where E_decode(B, c) is one decode step attending over c positions. The
 * convention counts one decode step per output token (the step that turns a
 * token into the next one); `generate` produces the first token from the
 * prefill's logits, so it runs N - 1 steps: the difference is one step in N.
 * The sum is computed from a few sampled contexts (contextSampling.ts). Each
 * pass is the predictor's (predictTree) on the per-GPU tree, times the GPUs,
 * plus the all-reduces of tensor parallelism at the interconnect bandwidth,
 * during which every GPU draws its idle power.
 */
import { InvalidInputError, throwIfAborted } from '../errors.js';
import { MAX_SEQUENCE_LENGTH } from '../limits/workBudgets.js';
import { buildTreeFromConfig } from '../importers/hfConfig/hfConfigImporter.js';
import { predictTree, type Prediction } from '../predict/predictor.js';
import type { Profile, ProfileSummary } from '../profiles/profileFormat.js';
import { summarizeProfile } from '../profiles/profileFormat.js';
import { withOverrides, type HardwareOverrides } from '../hardware/hardwareSpec.js';
import type { MemoryEstimate } from '../hardware/deviceMemory.js';
import { DTYPE_BYTES, type AttentionImplementation, type Dtype, type ModelTree } from '../tree/modelNode.js';
import { CONTEXT_SAMPLING_METHOD, sumOverContexts } from './contextSampling.js';
import { generationMemory, generationMemoryWarning, type GenerationMemory } from './generationMemory.js';
import { MODULE_GROUPS, energyByGroup, type ModuleGroup } from './moduleGroups.js';
import { allReduceCost, shardConfig } from './tensorParallel.js';

/** The setting of a generation prediction. */
export interface GenerationOptions extends HardwareOverrides {
  /** Sequences generated together (count, >= 1). */
  batchSize: number;
  /** Prompt tokens per sequence (count, >= 1). */
  promptLen: number;
  /** Generated tokens per sequence (count, >= 1). */
  outputLen: number;
  dtype: Dtype;
  /** Attention implementation; default the config's `_attn_implementation`, else `sdpa`. */
  attention?: AttentionImplementation;
  /** Graph-captured execution (CUDA graphs): no per-kernel CPU issue cost. Default false. */
  graphs?: boolean;
  /** GPUs of tensor parallelism (count, >= 1; default 1). */
  gpus?: number;
  signal?: AbortSignal;
}

/** Energy of one part of the model over the batch of requests (joules, all GPUs). */
export interface GenerationModuleEnergy {
  module: ModuleGroup;
  prefillJ: number;
  decodeJ: number;
}

/** Predicted times of the decode steps (seconds). */
export interface DecodeStepTimes {
  /** The first step (context P). */
  firstS: number;
  /** The last step (context P + N - 1). */
  lastS: number;
  /** The mean over the N steps. */
  meanS: number;
}

/** The prediction of a batch of generation requests. */
export interface GenerationPrediction {
  modelName: string;
  profile: ProfileSummary;
  /** The device's name. */
  hardware: string;
  batchSize: number;
  promptLen: number;
  outputLen: number;
  dtype: Dtype;
  /** The attention implementation the trees were built with. */
  attention: AttentionImplementation;
  graphs: boolean;
  gpus: number;
  /** The whole batch of requests: prefill + every decode step, all GPUs (joules). */
  energyJ: number;
  /** One sequence's share: energyJ / batch (joules). */
  energyPerRequestJ: number;
  /** energyJ / (batch x output tokens): the unit ML.ENERGY reports (joules per token). */
  energyPerOutputTokenJ: number;
  /** decodeJ / (batch x output tokens) (joules per token). */
  decodePerTokenJ: number;
  /** Output tokens per joule: batch x output / energyJ (tokens per joule). */
  tokensPerJ: number;
  /** The prefill pass (joules, all GPUs, its all-reduces included). */
  prefillJ: number;
  /** All decode steps (joules, all GPUs, their all-reduces included). */
  decodeJ: number;
  /** One-sigma uncertainty of energyJ (joules): the passes' uncertainties added, as their errors are correlated. */
  uncertaintyJ: number;
  /** Predicted time of the batch of requests: prefill + every decode step (seconds). */
  timeS: number;
  /** Predicted time of the prefill (seconds). */
  prefillTimeS: number;
  decodeStepTimeS: DecodeStepTimes;
  /** Energy of the tensor-parallel all-reduces (every GPU's idle power while they run) (joules; 0 on one GPU). */
  communicationJ: number;
  /** Time of the tensor-parallel all-reduces (seconds; 0 on one GPU). */
  communicationTimeS: number;
  /** Energy per part of the model and phase. */
  modules: GenerationModuleEnergy[];
  /** Device memory per GPU. */
  memory: GenerationMemory;
  /** The contexts whose decode steps were predicted, and the method that sums the rest. */
  sampling: { contexts: number[]; method: string };
  warnings: string[];
  /** The prefill's prediction on one GPU. */
  prefill: Prediction;
  /** A decode step's prediction on one GPU, at `decodeContext`. */
  decode: Prediction;
  /** The context of `decode` (tokens): the sampled context nearest the middle of the request. */
  decodeContext: number;
}

/** The totals of one pass over all GPUs, in a fixed order (the vector the context sum adds). */
interface PassTotals {
  energyJ: number;
  timeS: number;
  uncertaintyJ: number;
  communicationJ: number;
  communicationTimeS: number;
  groups: number[];
}

const toVector = (t: PassTotals): number[] => [t.energyJ, t.timeS, t.uncertaintyJ, t.communicationJ, t.communicationTimeS, ...t.groups];

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidInputError(`${name} must be a positive integer, got ${String(v)}`);
  // The contexts a request reaches are prompt + output: each length within the sequence limit.
  if (v > MAX_SEQUENCE_LENGTH) throw new InvalidInputError(`${name} ${String(v)} is above IrEne's limit of ${MAX_SEQUENCE_LENGTH.toLocaleString('en-US')}`);
}

/** Everything the passes of one setting share. */
class GenerationSetting {
  readonly gpus: number;
  readonly shard: Record<string, unknown>;
  readonly layers: number;
  readonly hidden: number;
  readonly idlePowerW: number;
  readonly bandwidth: number | undefined;

  constructor(
    config: Readonly<Record<string, unknown>>,
    readonly profile: Profile,
    readonly options: Omit<GenerationOptions, 'promptLen' | 'outputLen'>,
    readonly modelName: string | undefined,
  ) {
    this.gpus = options.gpus ?? 1;
    checkCount('gpus', this.gpus);
    checkCount('batch size', options.batchSize);
    this.shard = shardConfig(config, this.gpus);
    const int = (keys: string[]): number => {
      for (const k of keys) if (typeof config[k] === 'number') return config[k];
      return 0;
    };
    this.layers = int(['num_hidden_layers', 'n_layer']);
    this.hidden = int(['hidden_size', 'n_embd', 'd_model']);
    const hardware = withOverrides(profile.hardware, options);
    this.idlePowerW = hardware.idlePowerW;
    this.bandwidth = hardware.interconnectBandwidthBytesPerS;
  }

  tree(phase: 'prefill' | 'decode', tokens: number): ModelTree {
    const o = this.options;
    const base = { batchSize: o.batchSize, dtype: o.dtype, phase, signal: o.signal, ...(o.attention ? { attention: o.attention } : {}) };
    return phase === 'prefill'
      ? buildTreeFromConfig(this.shard, { ...base, seqLen: tokens }, this.modelName)
      : buildTreeFromConfig(this.shard, { ...base, seqLen: 1, context: tokens }, this.modelName);
  }

  predict(tree: ModelTree): Prediction {
    return predictTree(tree, this.profile, { idlePowerW: this.options.idlePowerW, graphs: this.options.graphs ?? false, signal: this.options.signal });
  }

  /** A pass's totals over all GPUs, its all-reduces of `newTokens` per sequence included. */
  totals(p: Prediction, newTokens: number): PassTotals {
    const g = this.gpus;
    const comm = this.gpus > 1 && this.bandwidth ? allReduceCost(g, this.layers, this.options.batchSize * newTokens, this.hidden, DTYPE_BYTES[this.options.dtype], this.bandwidth) : undefined;
    const commTime = comm?.timeS ?? 0;
    const commJ = g * this.idlePowerW * commTime;
    return {
      energyJ: g * p.energyJ + commJ,
      timeS: p.timeS + commTime,
      uncertaintyJ: g * p.uncertaintyJ,
      communicationJ: commJ,
      communicationTimeS: commTime,
      groups: energyByGroup(p.root).map((e) => g * e),
    };
  }
}

/** Drops the predictor's forward-pass memory warning: generation checks memory with the KV cache (generationMemory). */
const notForwardMemory = (w: string): boolean => !w.startsWith('does not fit in memory');

/**
 * Predicts a batch of generation requests from a causal LM's config.json.
 * @param config the parsed config.json
 * @param modelName display name (default: the config's `_name_or_path`, else its model_type)
 * @throws InvalidInputError for a setting no model can run, or a model whose generation is not modelled
 */
export function predictGeneration(config: Readonly<Record<string, unknown>>, profile: Profile, options: GenerationOptions, modelName?: string): GenerationPrediction {
  throwIfAborted(options.signal);
  checkCount('prompt length', options.promptLen);
  checkCount('output length', options.outputLen);
  const s = new GenerationSetting(config, profile, options, modelName);
  const { batchSize: B, promptLen: P, outputLen: N } = options;
  const prefillTree = s.tree('prefill', P);
  const prefill = s.predict(prefillTree);
  const pre = s.totals(prefill, P);
  // Of the sampled steps only the one reported (the context nearest the middle of the request;
  // the smaller of two as near) and the last step's memory are kept: the others' trees and
  // predictions become garbage at once instead of living to the end.
  const middle = P + (N - 1) / 2;
  let nearest: { context: number; prediction: Prediction } | undefined;
  let lastTree: ModelTree | undefined;
  let lastEstimate: MemoryEstimate | undefined;
  const sum = sumOverContexts(
    P,
    N,
    (c) => {
      const tree = s.tree('decode', c);
      const p = s.predict(tree);
      if (c === P + N - 1) {
        lastTree = tree;
        lastEstimate = p.memory.estimate;
      }
      const off = Math.abs(c - middle);
      const best = nearest ? Math.abs(nearest.context - middle) : Infinity;
      if (off < best || (off === best && c < nearest!.context)) nearest = { context: c, prediction: p };
      return toVector(s.totals(p, 1));
    },
    // A decode step never gets cheaper with a longer cache (tested in test/unit/generation): the sampling may rely on it.
    { signal: options.signal, monotone: true },
  );
  const [decodeJ, decodeTimeS, decodeSigmaJ, decodeCommJ, decodeCommTimeS] = sum.sums as [number, number, number, number, number];
  const groupSums = sum.sums.slice(5);
  const decodeContext = nearest!.context;
  const decode = nearest!.prediction;
  const stepTime = (c: number): number => sum.values[sum.samples.indexOf(c)]![1]!;

  // The last step holds the longest cache; its activations are the decode phase's largest.
  // The predictions estimated their trees' memory already: the same figures, not walked again.
  const memory = generationMemory(prefillTree, lastTree!, P + N, withOverrides(profile.hardware, options).memoryCapacityBytes, {
    prefill: prefill.memory.estimate,
    decode: lastEstimate!,
  });
  const warnings = [...new Set([...prefill.warnings, ...decode.warnings].filter(notForwardMemory))];
  const memNote = generationMemoryWarning(memory, profile.hardware.name, B, P + N, s.gpus);
  if (memNote) warnings.push(memNote);
  if (s.gpus > 1 && !s.bandwidth) {
    warnings.push(`profile "${profile.name}" does not know its interconnect bandwidth: the all-reduces of ${s.gpus}-way tensor parallelism are left out of the time and energy`);
  } else if (s.gpus > 1) {
    warnings.push(`tensor parallel all-reduces are timed at the interconnect bandwidth only (no per-call latency) and charged every GPU's idle power; their own dynamic power is not modelled`);
  }
  const window = config['sliding_window'];
  if (typeof window === 'number' && window > 0 && P + N > window) {
    warnings.push(`the config sets a sliding window of ${window} tokens: its sliding layers attend over at most that many positions, but the decode trees attend over the whole context (an overestimate of their attention past ${window} tokens)`);
  }

  const energyJ = pre.energyJ + decodeJ;
  const outputTokens = B * N;
  return {
    modelName: prefill.modelName,
    profile: summarizeProfile(profile),
    hardware: profile.hardware.name,
    batchSize: B,
    promptLen: P,
    outputLen: N,
    dtype: options.dtype,
    attention: prefillTree.attention ?? 'sdpa',
    graphs: options.graphs ?? false,
    gpus: s.gpus,
    energyJ,
    energyPerRequestJ: energyJ / B,
    energyPerOutputTokenJ: energyJ / outputTokens,
    decodePerTokenJ: decodeJ / outputTokens,
    tokensPerJ: outputTokens / energyJ,
    prefillJ: pre.energyJ,
    decodeJ,
    uncertaintyJ: pre.uncertaintyJ + decodeSigmaJ,
    timeS: pre.timeS + decodeTimeS,
    prefillTimeS: pre.timeS,
    decodeStepTimeS: { firstS: stepTime(P), lastS: stepTime(P + N - 1), meanS: decodeTimeS / N },
    communicationJ: pre.communicationJ + decodeCommJ,
    communicationTimeS: pre.communicationTimeS + decodeCommTimeS,
    modules: MODULE_GROUPS.map((module, k) => ({ module, prefillJ: pre.groups[k]!, decodeJ: groupSums[k]! })),
    memory,
    sampling: { contexts: sum.samples, method: CONTEXT_SAMPLING_METHOD },
    warnings,
    prefill,
    decode,
    decodeContext,
  };
}

/** One decode step: its energy over all GPUs and per generated token. */
export interface DecodeStepPrediction {
  /** The step, all sequences of the batch, all GPUs (joules). */
  energyJ: number;
  /** energyJ / batch: joules per generated token. */
  perTokenJ: number;
  /** Predicted time of the step (seconds). */
  timeS: number;
  /** The step's prediction on one GPU. */
  prediction: Prediction;
}

/**
 * Predicts one decode step at a context (tokens attended over, the new one
 * included), from a causal LM's config.json.
 */
export function predictDecodeStep(
  config: Readonly<Record<string, unknown>>,
  profile: Profile,
  options: Omit<GenerationOptions, 'promptLen' | 'outputLen'> & { context: number },
  modelName?: string,
): DecodeStepPrediction {
  checkCount('context', options.context);
  const s = new GenerationSetting(config, profile, options, modelName);
  const prediction = s.predict(s.tree('decode', options.context));
  const t = s.totals(prediction, 1);
  return { energyJ: t.energyJ, perTokenJ: t.energyJ / options.batchSize, timeS: t.timeS, prediction };
}
