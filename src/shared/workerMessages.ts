/**
 * Messages between the extension host and the engine worker
 * (`dist/worker.js`, a `worker_threads` Worker). Every request carries an id;
 * the worker answers each id exactly once (result or error) unless it was
 * cancelled first. Structured clone carries the payloads, so they are plain
 * data: no classes, no functions.
 */
import type {
  AttentionImplementation,
  Dtype,
  GenerationReport,
  GenerationSweeps,
  ModelSourceOutline,
  ModelTree,
  PredictionLike,
  Profile,
  TrainProfileOptions,
} from '../engine/index.js';

/** The inference setting a request is made for. */
export interface PredictOptionsMessage {
  /** Sequences per forward pass (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Idle power of the user's host (W), replacing the profile's; absent: the profile's. */
  idlePowerW?: number;
}

/** Which device profile predicts: a bundled one by name, or a user's profile file given as JSON text. */
export type ProfileRef = { kind: 'bundled'; name: string } | { kind: 'json'; json: string; origin: string };

/**
 * Where the model's bytes come from. `path` lets the worker read a local file
 * itself, so a large ONNX file never passes through the extension host's
 * heap; `bytes` is for unsaved documents and virtual file systems.
 */
export type ModelSource = (
  | { kind: 'path'; path: string; fileName: string }
  | { kind: 'bytes'; bytes: Uint8Array; fileName: string }
) & {
  /** Files the importer may read beside the model (the config.json / config.yaml next to a Python model). */
  companions?: { fileName: string; bytes: Uint8Array; size?: number }[];
  /**
   * A local model folder whose safetensors headers the worker reads (never
   * the tensors) and hands the config importer with the config.
   */
  weightsFolder?: string;
};

/** Predict the energy of one model file. */
export interface PredictRequest {
  type: 'predict';
  id: number;
  source: ModelSource;
  options: PredictOptionsMessage;
  profile: ProfileRef;
  /** Served before normal requests (the active editor's model). */
  urgent?: boolean;
}

/** The generation setting of a request (a causal LM's config.json). */
export interface GenerateOptionsMessage {
  /** Sequences generated together (count). */
  batchSize: number;
  /** Prompt tokens per sequence (count). */
  promptLen: number;
  /** Generated tokens per sequence (count). */
  outputLen: number;
  dtype: Dtype;
  /** Absent: the config's `_attn_implementation`, else sdpa. */
  attention?: AttentionImplementation;
  /** GPUs of tensor parallelism (count). */
  gpus: number;
  /** Idle power of the user's host (W); absent: the profile's. */
  idlePowerW?: number;
  /** Context of the decode step reported on its own (tokens): the lens's "J/token decode at 2k context". */
  stepContext: number;
  /** Only the decode step at `stepContext` (the hover's what-ifs), not the whole request. */
  stepOnly?: boolean;
}

/** Predict generation (prefill + decode) of a causal LM's config.json. */
export interface GenerateRequest {
  type: 'generate';
  id: number;
  source: ModelSource;
  options: GenerateOptionsMessage;
  profile: ProfileRef;
  urgent?: boolean;
}

/** The Generation tab's sweeps of a causal LM's config.json (J/token vs context and batch, a prompt x output grid). */
export interface GenerationSweepsRequest {
  type: 'generationSweeps';
  id: number;
  source: ModelSource;
  options: GenerateOptionsMessage & { /** Longest context swept (tokens). */ maxContext: number };
  profile: ProfileRef;
}

/** Render an ONNX file as text for the read-only text view. */
export interface RenderOnnxRequest {
  type: 'renderOnnx';
  id: number;
  source: ModelSource;
  options: PredictOptionsMessage;
  urgent?: boolean;
}

/** What the worker can do: importer ids and bundled profiles. */
export interface DescribeRequest {
  type: 'describe';
  id: number;
}

/**
 * Train a device profile (calibration): seconds of work that must not run on
 * the extension host. Options are the trainer's, less its callbacks.
 */
export interface TrainRequest {
  type: 'train';
  id: number;
  trees: ModelTree[];
  options: Omit<TrainProfileOptions, 'onProgress' | 'signal'>;
}

/** Stop working on (or never start) request `id`. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type WorkerRequest = PredictRequest | GenerateRequest | GenerationSweepsRequest | RenderOnnxRequest | DescribeRequest | TrainRequest;
export type HostToWorkerMessage = WorkerRequest | CancelMessage;

/** A bundled profile as the quick pick lists it. */
export interface ProfileInfo {
  name: string;
  /** One line about the device and dtype, when the profile says. */
  description?: string;
  /** The dtype the profile was measured with; picking the profile suggests it. */
  dtype?: Dtype;
}

/** Result payloads by request type. */
export interface PredictResult {
  prediction: PredictionLike;
  /** SHA-256 of the model bytes (hex); equal hashes mean equal predictions for equal settings. */
  contentHash: string;
  /** Time the worker spent importing and predicting (milliseconds); 0 when served from its cache. */
  elapsedMs: number;
  /** Model classes of a source file and their lines, from the parse the worker did anyway (Python). */
  outline?: ModelSourceOutline;
}

/** One decode step at the request's `stepContext`. */
export interface DecodeStepMessage {
  /** Positions the step attends over (tokens). */
  context: number;
  /** The step, all sequences and GPUs (joules). */
  energyJ: number;
  /** energyJ / batch (joules per generated token). */
  perTokenJ: number;
  /** The step's prediction on one GPU. */
  prediction: PredictionLike;
}

export interface GenerateResult {
  /** The request's report without its trees (they come as predictions below); absent with `stepOnly`. */
  report?: Omit<GenerationReport, 'trees'>;
  /** The prefill's prediction on one GPU; absent with `stepOnly`. */
  prefill?: PredictionLike;
  /** The decode step at `stepContext`. */
  step: DecodeStepMessage;
  contentHash: string;
  /** Time the worker spent (milliseconds); 0 when served from its cache. */
  elapsedMs: number;
}

export interface RenderOnnxResult {
  text: string;
  /** 0-based line in `text` where each tree scope is rendered. */
  scopeLines: Record<string, number>;
  contentHash: string;
}

export interface DescribeResult {
  importers: string[];
  profiles: ProfileInfo[];
  defaultProfile: string;
}

export interface TrainResult {
  profile: Profile;
}

export interface ResultByType {
  predict: PredictResult;
  generate: GenerateResult;
  generationSweeps: GenerationSweeps;
  renderOnnx: RenderOnnxResult;
  describe: DescribeResult;
  train: TrainResult;
}

/** An error as it crosses the thread boundary: engine errors keep their code. */
export interface WorkerErrorPayload {
  /** Engine error code (`MALFORMED_FILE` ...) or `INTERNAL` for bugs. */
  code: string;
  message: string;
  stack?: string;
}

export type WorkerToHostMessage =
  | { type: 'result'; id: number; result: ResultByType[keyof ResultByType] }
  | { type: 'error'; id: number; error: WorkerErrorPayload }
  /** The worker began computing a request (its deadline starts here, not while it waits in the queue). */
  | { type: 'started'; id: number }
  | { type: 'ready' };

/** Code of an error that means the request was cancelled, not that it failed. */
export const ABORTED_CODE = 'ABORTED';
