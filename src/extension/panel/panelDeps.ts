/**
 * What the Energy panel needs from the rest of the extension. The panel runs
 * no engine code itself: predictions come through `predict` (the extension's
 * prediction service, which runs the engine in its worker).
 */
import type * as vscode from 'vscode';
import type { Dtype, GenerationSweeps, PredictionLike } from '../../engine/index.js';
import type { PanelParams } from '#shared/panelMessages.js';

/** One prediction the panel asks for. */
export interface PanelPredictRequest {
  /** Absolute path of the model file. */
  file?: string;
  /** Config text to predict instead of (or for) the file. */
  configText?: string;
  /** Config values that replace the file's, keyed by the config's own keys (`num_hidden_layers`, `n_layer` ...). */
  configOverrides?: Record<string, number>;
  /** Sequences per inference (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Device profile name. */
  profile: string;
}

/** The Generation tab's request: model A with the panel's inputs and the request lengths. */
export interface PanelGenerationRequest {
  file?: string;
  configText?: string;
  batchSize: number;
  dtype: Dtype;
  profile: string;
  promptLen: number;
  outputLen: number;
  /** Longest context swept (tokens). */
  maxContext: number;
}

/** A profile as the panel lists it; the engine's ProfileSummary fits (only `name` is required). */
export interface PanelProfileLike {
  name: string;
  label?: string;
  /** Shown after the name in the dropdown (`a100-bf16 (NVIDIA A100 80GB)`). */
  hardware?: string;
}

/** Where the panel logs: a vscode.LogOutputChannel and the extension's IreneLog both fit. */
export interface PanelLog {
  info(message: string): void;
  warn(message: string): void;
  error(context: string, err?: unknown): void;
}

/** Services the panel uses; supplied by the extension's activation. */
export interface PanelDeps {
  /** Predicts one model with these inputs; rejects with a user-facing message on failure. */
  predict(req: PanelPredictRequest, token?: vscode.CancellationToken): Promise<PredictionLike>;
  /** The Generation tab's sweeps of a causal LM (absent: the tab says generation is not available). */
  generationSweeps?(req: PanelGenerationRequest, token?: vscode.CancellationToken): Promise<GenerationSweeps>;
  /** Profiles for the profile dropdown (sync or async). */
  listProfiles(): readonly PanelProfileLike[] | Promise<readonly PanelProfileLike[]>;
  log: PanelLog;
  /** Reveals the definition of the node with this scope in the model file. */
  openFile?(path: string, scope: string): unknown;
  /** The Generation tab's request lengths to start with (the user's settings); default 512 → 256. */
  generationDefaults?(): { promptLen: number; outputLen: number };
  /** The inputs to start with (the user's settings); default batch 1, 128 tokens, fp32, the first profile. */
  defaults?(): Partial<PanelParams> | Promise<Partial<PanelParams>>;
}
