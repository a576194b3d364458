import type { AttentionImplementation, Phase, Dtype, ModelTree } from '../tree/modelNode.js';

/** What an importer is given: the file's name and its bytes (never a path to read). */
export interface ImportInput {
  /** File name or path, used for format detection and messages only. */
  fileName: string;
  /** Whole file contents. For ONNX files this may be large; importers must not copy weight payloads. */
  bytes: Uint8Array;
  /**
   * Small files beside the model file that the caller chose to pass along
   * (the `config.json` / `config.yaml` next to a Python model). Optional:
   * importers must work without them.
   */
  companions?: CompanionFile[];
}

/**
 * A file beside the model file: a Python model's config.json, or a model
 * folder's weight files, of which adapters pass only what the engine reads
 * (a safetensors file's first 8 + N header bytes, never its tensors).
 */
export interface CompanionFile {
  fileName: string;
  bytes: Uint8Array;
  /** The whole file's size when `bytes` is only its start (bytes). */
  size?: number;
}

/** The inference setting a tree is built for. */
export interface ImportOptions {
  /** Sequences per forward pass (count, >= 1). */
  batchSize: number;
  /** Tokens per sequence (count, >= 1). */
  seqLen: number;
  /** Compute dtype of activations and weights. */
  dtype: Dtype;
  /** Target tokens per sequence for encoder-decoders (count, >= 1); defaults to `seqLen`. Ignored by other models. */
  targetLen?: number;
  /**
   * The pass to build (default `forward`). `prefill` runs `seqLen` prompt
   * tokens, writes the KV cache and adds the LM head; `decode` runs one new
   * token per sequence against a cache of `context` positions. Only the
   * config importer builds the generation phases.
   */
  phase?: Phase;
  /** Key/value positions a decode step attends over (tokens, >= 1: the cache, the new token included); required for `decode`. */
  context?: number;
  /**
   * How attention runs. Default: `eager` for `forward` (the tree IrEne has
   * always built); for the generation phases the config's
   * `_attn_implementation`, else `sdpa` (transformers' default).
   */
  attention?: AttentionImplementation;
  signal?: AbortSignal;
}

/** One module per file format (netron style): cheap detection, then a full parse. */
export interface Importer {
  /** Stable id, also written into `ModelTree.format`. */
  readonly id: string;
  /** Cheap check on the name and the first bytes (up to 4 KiB); never throws. */
  match(fileName: string, head: Uint8Array): boolean;
  /** Builds the tree; throws an IreneError with an actionable message on bad input. */
  parse(input: ImportInput, options: ImportOptions): ModelTree;
  /** The dtype the model declares it runs in (a config's `dtype`), when the format says; adapters may default to it. */
  declaredDtype?(input: ImportInput): Dtype | undefined;
}

/**
 * Files beside a model source that carry its dimensions (a Python model's
 * `config.x` values). Adapters read these, when present, and pass them as
 * `ImportInput.companions`.
 */
export const COMPANION_FILE_NAMES: readonly string[] = ['config.json', 'config.yaml', 'config.yml'];
