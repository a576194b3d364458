/**
 * Messages between the Energy panel's host (src/extension/panel) and its
 * webview (webview/). Every request from the webview carries a requestId the
 * answer repeats; the webview only ever speaks after the host has answered
 * its `ready` with `init` (the handshake that makes a reloaded webview and a
 * fresh one start the same way). Payloads are plain data (structured clone).
 */
import type { ConfigField } from '../engine/analysis/configFields.js';
import type { SweepAxis, SweepPoint } from '../engine/analysis/whatIf.js';
import type { Dtype, ModelNode, PredictedNode } from '../engine/tree/modelNode.js';
import type { PredictionLike } from '../engine/report/predictionReport.js';
import type { GenerationSweeps } from '../engine/generation/generationSweeps.js';

/** The view type of the panel (serializer and activation event `onWebviewPanel:irene.energyPanel`). */
export const ENERGY_PANEL_VIEW_TYPE = 'irene.energyPanel';

/** The two models of the Compare view; `a` is the one the panel was opened for. */
export type PanelSide = 'a' | 'b';

/** What the panel predicts: a model file, or a config given as text (an unsaved editor, an edited copy). */
export interface PanelTarget {
  /** Absolute path of the model file. */
  file?: string;
  /** Text of a config.json when the model is not (only) on disk. */
  configText?: string;
  /** What the panel calls the model (default: the file's name). */
  label?: string;
  /** A node to zoom the breakdown to on arrival (a tree view item's scope). */
  scope?: string;
}

/** A target as the webview sees it: with what it may edit. */
export interface PanelTargetInfo extends PanelTarget {
  label: string;
  /** Architecture fields of a config.json the Compare view can edit; [] for other formats. */
  configFields: ConfigField[];
  /** Longest sequence the model accepts (tokens), when its config says. */
  maxPositions?: number;
}

/** The inputs of a prediction the panel lets the user change. */
export interface PanelParams {
  /** Sequences per inference (count). */
  batchSize: number;
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  /** Device profile name. */
  profile: string;
}

/** A device profile offered in the profile dropdown. */
export interface PanelProfileOption {
  name: string;
  label: string;
}

/** The file formats the panel exports. */
export type ExportFormat = 'md' | 'csv' | 'json' | 'svg' | 'png';

/**
 * A prediction in transit. PredictedNode.children carries the structure, so
 * each ModelNode's own `children` (the same tree again) and its training-only
 * `measured` are dropped to halve what is cloned.
 */
export type WirePrediction = PredictionLike;

/** The webview's persisted state (getState/setState; the serializer reads it after a reload). */
export interface PanelState {
  version: 1;
  targets: Partial<Record<PanelSide, PanelTargetInfo>>;
  params?: PanelParams;
  tab?: 'breakdown' | 'whatif' | 'compare' | 'generation';
  /** The Generation tab's request lengths (tokens); default the settings' irene.promptLength / irene.outputLength. */
  generation?: { promptLen: number; outputLen: number };
  focusScope?: string;
  metric?: 'inference' | 'token';
  /** Edited config values of the Compare view's copy, by config key. */
  overrides?: Record<string, number>;
  /** Whether side b is an edited copy of a or a picked file. */
  compareMode?: 'copy' | 'file';
}

// ---- webview → host ----

/** The webview has loaded and listens; the host answers with `init`. */
export interface ReadyMessage {
  type: 'ready';
}
/** Predict one side with these inputs (the newest request per side wins). */
export interface PredictMessage {
  type: 'predict';
  requestId: number;
  side: PanelSide;
  params: PanelParams;
  /** Config values that replace the file's (by config key); side b's edited copy. */
  configOverrides?: Record<string, number>;
  /** Whose model to predict (default: `side`): Compare's edited copy predicts a's model into slot b. */
  from?: PanelSide;
}
/** Predict side a at each value of an axis, other inputs held (the newest request per axis wins). */
export interface SweepMessage {
  type: 'sweep';
  requestId: number;
  axis: SweepAxis;
  values: number[];
  params: PanelParams;
}
/** Predict model A's generation (a causal LM's config.json): the request, J/token sweeps and a prompt x output grid. */
export interface GenerationMessage {
  type: 'generation';
  requestId: number;
  params: PanelParams;
  /** Prompt and output tokens per request. */
  promptLen: number;
  outputLen: number;
}
/** Ask the user for a model file for a side. */
export interface PickModelMessage {
  type: 'pickModel';
  side: PanelSide;
}
/** Save an export through the host's save dialog. */
export interface SaveMessage {
  type: 'save';
  format: ExportFormat;
  suggestedName: string;
  /** Text, or base64 for PNG. */
  content: string;
  encoding: 'utf8' | 'base64';
}
/** Reveal a node's definition in the editor. */
export interface RevealMessage {
  type: 'reveal';
  side: PanelSide;
  scope: string;
}
/** Something failed inside the webview; the host logs it. */
export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}

export type WebviewToHostMessage = ReadyMessage | PredictMessage | SweepMessage | GenerationMessage | PickModelMessage | SaveMessage | RevealMessage | WebviewErrorMessage;

// ---- host → webview ----

/** Answer to `ready`: what to show and the choices the controls offer. */
export interface InitMessage {
  type: 'init';
  profiles: PanelProfileOption[];
  /** Inputs to start with (the user's settings) when the state has none. */
  defaults: PanelParams;
  /** The Generation tab's request lengths to start with (irene.promptLength / irene.outputLength). */
  generationDefaults?: { promptLen: number; outputLen: number };
  targets: Partial<Record<PanelSide, PanelTargetInfo>>;
}
/** A side now shows another model (picked, or the panel was opened for another file). */
export interface TargetMessage {
  type: 'target';
  side: PanelSide;
  target: PanelTargetInfo;
}
/** The answer to a `predict`. */
export interface PredictionMessage {
  type: 'prediction';
  requestId: number;
  side: PanelSide;
  prediction: WirePrediction;
}
/** The answer to a `sweep`. */
export interface SweepResultMessage {
  type: 'sweepResult';
  requestId: number;
  axis: SweepAxis;
  points: SweepPoint[];
}
/** The answer to a `generation`: what the engine's predictGenerationSweeps returns. */
export interface GenerationResultMessage {
  type: 'generationResult';
  requestId: number;
  sweeps: GenerationSweeps;
}
/** A request failed; `message` is for the user. */
export interface FailedMessage {
  type: 'failed';
  requestId?: number;
  side?: PanelSide;
  axis?: SweepAxis;
  /** True when the Generation tab's request failed (or the model does not generate). */
  generation?: boolean;
  message: string;
}

export type HostToWebviewMessage = InitMessage | TargetMessage | PredictionMessage | SweepResultMessage | GenerationResultMessage | FailedMessage;

// ---- helpers both sides use ----

function stripNode(n: ModelNode): ModelNode {
  const copy: ModelNode = { ...n, children: [] };
  delete copy.measured;
  return copy;
}

function toWireNode(p: PredictedNode): PredictedNode {
  return {
    node: stripNode(p.node),
    energyPerCallJ: p.energyPerCallJ,
    energyJ: p.energyJ,
    isolatedEnergyJ: p.isolatedEnergyJ,
    uncertaintyJ: p.uncertaintyJ,
    share: p.share,
    timeS: p.timeS,
    staticJ: p.staticJ,
    dynamicJ: p.dynamicJ,
    regime: p.regime,
    children: p.children.map(toWireNode),
  };
}

/** The prediction as sent to the webview (see WirePrediction). */
export function toWirePrediction(p: PredictionLike): WirePrediction {
  return {
    modelName: p.modelName,
    profile: { name: p.profile.name },
    batchSize: p.batchSize,
    seqLen: p.seqLen,
    dtype: p.dtype,
    energyJ: p.energyJ,
    uncertaintyJ: p.uncertaintyJ,
    timeS: p.timeS,
    staticJ: p.staticJ,
    dynamicJ: p.dynamicJ,
    regime: p.regime,
    idlePowerW: p.idlePowerW,
    ...(p.memory ? { memory: p.memory } : {}),
    warnings: [...p.warnings],
    root: toWireNode(p.root),
  };
}

const DTYPE_SET = new Set(['fp32', 'fp16', 'bf16']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function isParams(v: unknown): v is PanelParams {
  return isObj(v) && isInt(v.batchSize) && isInt(v.seqLen) && typeof v.dtype === 'string' && DTYPE_SET.has(v.dtype) && typeof v.profile === 'string';
}

function isOverrides(v: unknown): v is Record<string, number> {
  return v === undefined || (isObj(v) && Object.values(v).every((x) => typeof x === 'number'));
}

/**
 * Checks a message from the webview. The host trusts nothing that crosses the
 * boundary: a webview is a web page, and a malformed message must be logged,
 * not acted on.
 */
export function isWebviewToHostMessage(m: unknown): m is WebviewToHostMessage {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  const side = m.side === 'a' || m.side === 'b';
  switch (m.type) {
    case 'ready':
      return true;
    case 'predict':
      return isInt(m.requestId) && side && (m.from === undefined || m.from === 'a' || m.from === 'b') && isParams(m.params) && isOverrides(m.configOverrides);
    case 'sweep':
      return isInt(m.requestId) && (m.axis === 'seqLen' || m.axis === 'batchSize') && Array.isArray(m.values) && m.values.length <= 64 && m.values.every(isInt) && isParams(m.params);
    case 'generation':
      return isInt(m.requestId) && isParams(m.params) && isInt(m.promptLen) && m.promptLen >= 1 && m.promptLen <= 1 << 20 && isInt(m.outputLen) && m.outputLen >= 1 && m.outputLen <= 1 << 20;
    case 'pickModel':
      return side;
    case 'save':
      return ['md', 'csv', 'json', 'svg', 'png'].includes(m.format as string) && typeof m.suggestedName === 'string' && typeof m.content === 'string' && (m.encoding === 'utf8' || m.encoding === 'base64');
    case 'reveal':
      return side && typeof m.scope === 'string';
    case 'webviewError':
      return typeof m.message === 'string';
    default:
      return false;
  }
}
