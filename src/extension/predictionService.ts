/**
 * The one place predictions come from. Providers ask it; it reads the model
 * (open document text, or the file on disk), sends it to the engine worker,
 * caches the answer by file URI + document version (modification time and
 * size for files not open; the worker adds a cache by content hash), shares
 * one request between concurrent callers, and fires onDidChangePredictions
 * when an answer lands or the settings change what is shown.
 */
import * as vscode from 'vscode';
import type { Dtype, ModelSourceOutline, PredictionLike } from '../engine/index.js';
// Straight from the module, not the engine's index: the extension host bundle stays free of the engine.
import { COMPANION_FILE_NAMES } from '../engine/importers/importer.js';
import { SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE } from '../engine/importers/hfConfig/modelDirectory.js';
import type { DescribeResult, GenerateOptionsMessage, GenerateResult, ModelSource, PredictOptionsMessage, ProfileRef, RenderOnnxResult } from '#shared/workerMessages.js';
import { DEADLINE_CODE, EngineRequestError, type EngineClient } from './engineClient.js';
import { generationFingerprint, isProfilePath, predictionFingerprint } from './ireneSettings.js';
import { isCancellation, toAbortSignal, type IreneLog } from './ireneLog.js';
import { KeyedDebouncer } from './keyedDebouncer.js';
import { LruCache } from './lruCache.js';
import { readWorkspaceFile } from './readWorkspaceFile.js';
import { inputKindOf } from '../engine/limits/inputLimits.js';
import type { ModelFileKind } from './modelDetection.js';
import { PredictionIndex } from './predictionIndex.js';
import type { SettingsService } from './settingsService.js';

/** What is known about one model file. */
export type PredictionState =
  | { status: 'pending'; uri: vscode.Uri }
  | {
      status: 'ready';
      uri: vscode.Uri;
      prediction: PredictionLike;
      index: PredictionIndex;
      contentHash: string;
      key: string;
      /** Model classes of a source file and their lines (Python), from the worker's parse. */
      outline?: ModelSourceOutline;
    }
  | { status: 'error'; uri: vscode.Uri; code: string; message: string; key: string };

interface Entry {
  key: string;
  /** Version of the open document the prediction is of; undefined when it was read from disk. */
  docVersion: number | undefined;
  promise: Promise<PredictionState>;
  controller: AbortController;
  /** Callers that may still cancel; the request is aborted when the last one does. */
  cancellable: number;
  /** True once a caller without a token waits: then nobody may abort it. */
  pinned: boolean;
  settled: boolean;
}

/**
 * Context of the decode step the per-token lens and hover report (tokens):
 * a fixed reference ("J/token decode at 2k context"), so that the figure
 * compares across models whatever the request lengths are.
 */
export const DECODE_STEP_CONTEXT = 2048;

/** Engine error codes that mean "this model does not generate" (an encoder, an architecture without a KV cache yet), not a failure. */
const NOT_GENERATIVE_CODES = new Set(['INVALID_INPUT', 'UNSUPPORTED_FORMAT']);

/** Quiet time after the last edit of a config before re-predicting (milliseconds). */
export const EDIT_DEBOUNCE_MS = 300;

export interface GetPredictionOptions {
  token?: vscode.CancellationToken;
  /** Put it ahead of background work (the active editor). */
  urgent?: boolean;
}

export class PredictionService implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  /** Latest settled state per URI, shown while a newer one is computed. */
  private readonly latest = new Map<string, PredictionState>();
  private readonly renders = new LruCache<Promise<RenderOnnxResult>>(16);
  private readonly settledRenders = new Map<string, RenderOnnxResult>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly debouncer: KeyedDebouncer<string>;
  private readonly disposables: vscode.Disposable[] = [];
  private describeResult: Promise<DescribeResult> | undefined;
  private readonly generations = new LruCache<Promise<GenerateResult | undefined>>(16);
  /** Latest settled generation per URI (undefined: the model does not generate), for providers that must not wait. */
  private readonly settledGenerations = new Map<string, { key: string; result: GenerateResult | undefined }>();

  /** A URI when that model's prediction changed; undefined when everything shown must be redrawn. */
  readonly onDidChangePredictions = this.emitter.event;

  constructor(
    private readonly client: EngineClient,
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
  ) {
    this.debouncer = new KeyedDebouncer(EDIT_DEBOUNCE_MS, (uri) => this.emitter.fire(vscode.Uri.parse(uri)));
    this.disposables.push(
      settings.onDidChange((change) => {
        if (change.predictionChanged) {
          // Old answers stay visible (marked by their key) until the new ones land.
          for (const e of this.entries.values()) if (!e.settled) e.controller.abort();
          this.entries.clear();
          this.renders.clear();
        }
        this.emitter.fire(undefined);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const uri = e.document.uri.toString();
        if (e.contentChanges.length > 0 && (this.latest.has(uri) || this.entries.has(uri))) this.debouncer.trigger(uri);
      }),
      { dispose: () => this.debouncer.dispose() },
    );
  }

  /** What the engine offers: importer ids, bundled profiles, the default profile. Asked once. */
  describe(): Promise<DescribeResult> {
    this.describeResult ??= this.client.request({ type: 'describe' }).catch((err: unknown) => {
      this.describeResult = undefined;
      throw err;
    });
    return this.describeResult;
  }

  /** The last settled state (possibly for older settings or text), or pending when none has settled yet. */
  state(uri: vscode.Uri): PredictionState | undefined {
    const k = uri.toString();
    return this.latest.get(k) ?? (this.entries.has(k) ? { status: 'pending', uri } : undefined);
  }

  /**
   * The ready prediction if it is up to date with the settings, and with
   * `version` of the open document when given; undefined when a newer answer
   * is due or being computed. Lets a provider answer in its first call.
   */
  upToDate(uri: vscode.Uri, version?: number): Extract<PredictionState, { status: 'ready' }> | undefined {
    const k = uri.toString();
    const entry = this.entries.get(k);
    const state = this.latest.get(k);
    if (!entry?.settled || state?.status !== 'ready' || state.key !== entry.key) return undefined;
    if (version !== undefined && entry.docVersion !== version) return undefined;
    return state;
  }

  /** Whether a newer answer is being computed for this URI. */
  isComputing(uri: vscode.Uri): boolean {
    const e = this.entries.get(uri.toString());
    return e !== undefined && !e.settled;
  }

  /** Starts a prediction if the cached one is out of date; the event says when it lands. */
  ensure(uri: vscode.Uri, kind: ModelFileKind, urgent = false): void {
    this.predict(uri, kind, { urgent }).catch((err: unknown) => this.log.error(`predicting ${uri.fsPath}`, err));
  }

  /** The prediction for the current text and settings; undefined if it failed (logged) or was cancelled. */
  async getPrediction(uri: vscode.Uri, kind: ModelFileKind, options: GetPredictionOptions = {}): Promise<PredictionState | undefined> {
    try {
      return await this.predict(uri, kind, options);
    } catch (err) {
      this.log.error(`predicting ${uri.fsPath}`, err);
      return undefined;
    }
  }

  private async predict(uri: vscode.Uri, kind: ModelFileKind, options: GetPredictionOptions): Promise<PredictionState> {
    const { key, docVersion, source } = await this.snapshot(uri, kind);
    const k = uri.toString();
    let entry = this.entries.get(k);
    if (!entry || entry.key !== key) {
      if (entry && !entry.settled) entry.controller.abort();
      entry = this.start(uri, key, docVersion, source(), options.urgent ?? false);
      this.entries.set(k, entry);
    }
    return this.wait(entry, options.token);
  }

  private start(uri: vscode.Uri, key: string, docVersion: number | undefined, source: Promise<ModelSource>, urgent: boolean): Entry {
    const controller = new AbortController();
    const entry: Entry = { key, docVersion, controller, cancellable: 0, pinned: false, settled: false, promise: undefined as never };
    entry.promise = (async (): Promise<PredictionState> => {
      try {
        const [src, profile] = await Promise.all([source, this.profileRef()]);
        const r = await this.client.request(
          { type: 'predict', source: src, options: this.options(), profile, urgent },
          controller.signal,
        );
        // A worker cache hit (0 ms) repeats a prediction already logged, warnings included.
        if (r.elapsedMs > 0) {
          this.log.info(`predicted ${uri.fsPath} in ${r.elapsedMs.toFixed(0)} ms`);
          for (const w of r.prediction.warnings) this.log.warn(`${uri.fsPath}: ${w}`);
        }
        return {
          status: 'ready',
          uri,
          prediction: r.prediction,
          index: new PredictionIndex(r.prediction.root),
          contentHash: r.contentHash,
          key,
          ...(r.outline ? { outline: r.outline } : {}),
        };
      } catch (err) {
        if (isCancellation(err)) throw err;
        this.log.error(`predicting ${uri.fsPath}`, err);
        const code = err instanceof EngineRequestError ? err.code : 'INTERNAL';
        return { status: 'error', uri, code, message: err instanceof Error ? err.message : String(err), key };
      }
    })();
    entry.promise.then(
      (state) => {
        entry.settled = true;
        if (this.entries.get(uri.toString()) !== entry) return;
        this.latest.set(uri.toString(), state);
        this.emitter.fire(uri);
      },
      () => {
        entry.settled = true;
        if (this.entries.get(uri.toString()) === entry) this.entries.delete(uri.toString());
      },
    );
    return entry;
  }

  private wait(entry: Entry, token: vscode.CancellationToken | undefined): Promise<PredictionState> {
    if (!token) {
      entry.pinned = true;
      return entry.promise;
    }
    entry.cancellable++;
    return new Promise<PredictionState>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => {
        sub.dispose();
        entry.cancellable--;
        if (!entry.pinned && entry.cancellable === 0 && !entry.settled) entry.controller.abort();
        reject(new vscode.CancellationError());
      });
      entry.promise.then(
        (v) => {
          sub.dispose();
          resolve(v);
        },
        (e: unknown) => {
          sub.dispose();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /**
   * Predicts a variant text of a model (the ±1 what-ifs of a hover). Not
   * cached here: the worker caches by content hash, so asking twice is cheap.
   */
  async predictText(uri: vscode.Uri, text: string, token?: vscode.CancellationToken): Promise<PredictionLike> {
    const abort = toAbortSignal(token);
    try {
      const r = await this.client.request(
        {
          type: 'predict',
          source: { kind: 'bytes', bytes: new TextEncoder().encode(text), fileName: fileNameOf(uri) },
          options: this.options(),
          profile: await this.profileRef(),
        },
        abort.signal,
      );
      return r.prediction;
    } finally {
      abort.dispose();
    }
  }

  /**
   * Predicts a model with explicit settings (a budget entry's), whatever the
   * user's settings are: from `bytes` when given (a committed version), else
   * the open document or the file. The worker caches by content.
   * @param setting.profile bundled name, or a profile JSON path relative to `baseUri`; undefined: the engine's default.
   * @param setting.dtype undefined: the profile's own dtype.
   */
  async predictWith(
    uri: vscode.Uri,
    kind: ModelFileKind,
    setting: { batchSize: number; seqLen: number; dtype?: Dtype; profile?: string; baseUri?: vscode.Uri; bytes?: Uint8Array },
    token?: vscode.CancellationToken,
  ): Promise<PredictionLike> {
    const abort = toAbortSignal(token);
    try {
      const profile = await this.profileRefOf(setting.profile, setting.baseUri);
      const dtype = setting.dtype ?? (await this.dtypeOf(profile));
      let source: ModelSource;
      if (setting.bytes) source = { kind: 'bytes', bytes: setting.bytes, fileName: fileNameOf(uri) };
      else {
        const doc = kind === 'onnx' ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        source = doc ? { kind: 'bytes', bytes: new TextEncoder().encode(doc.getText()), fileName: fileNameOf(uri) } : await this.sourceFromDisk(uri);
      }
      if (kind === 'python') source = { ...source, companions: await readCompanions(uri) };
      const r = await this.client.request({ type: 'predict', source, options: { batchSize: setting.batchSize, seqLen: setting.seqLen, dtype }, profile }, abort.signal);
      return r.prediction;
    } finally {
      abort.dispose();
    }
  }

  private async profileRefOf(name: string | undefined, baseUri: vscode.Uri | undefined): Promise<ProfileRef> {
    if (name === undefined || name === '') return { kind: 'bundled', name: (await this.describe()).defaultProfile };
    if (!isProfilePath(name)) return { kind: 'bundled', name };
    const uri = /^([a-zA-Z]:[\\/]|[\\/])/.test(name) || !baseUri ? resolveWorkspacePath(name) : vscode.Uri.joinPath(baseUri, name);
    try {
      return { kind: 'json', json: new TextDecoder().decode(await readWorkspaceFile(uri, 'profile')), origin: uri.fsPath };
    } catch (err) {
      throw new EngineRequestError('PROFILE', `cannot read profile file ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The dtype a profile was measured in: predictions default to it. */
  private async dtypeOf(profile: ProfileRef): Promise<Dtype> {
    if (profile.kind === 'bundled') {
      const info = (await this.describe()).profiles.find((p) => p.name === profile.name);
      if (!info?.dtype) throw new EngineRequestError('PROFILE', `no bundled profile named "${profile.name}" that states its dtype; set dtype`);
      return info.dtype;
    }
    let dtype: unknown;
    try {
      dtype = (JSON.parse(profile.json) as { dtype?: unknown }).dtype;
    } catch {
      throw new EngineRequestError('PROFILE', `${profile.origin}: not valid JSON; is it a profile file?`);
    }
    if (dtype !== 'fp32' && dtype !== 'fp16' && dtype !== 'bf16') throw new EngineRequestError('PROFILE', `${profile.origin}: not a profile (no dtype)`);
    return dtype;
  }

  /**
   * Text rendering of an ONNX file for the text view.
   * @throws EngineRequestError with code TOO_LARGE above `irene.maxOnnxTextBytes`.
   */
  async renderOnnx(onnxUri: vscode.Uri, token?: vscode.CancellationToken): Promise<RenderOnnxResult> {
    const stat = await vscode.workspace.fs.stat(onnxUri);
    const limit = this.settings.current.maxOnnxTextBytes;
    if (stat.size > limit) {
      throw new EngineRequestError(
        'TOO_LARGE',
        `${fileNameOf(onnxUri)} is ${(stat.size / 2 ** 20).toFixed(0)} MiB, above irene.maxOnnxTextBytes (${(limit / 2 ** 20).toFixed(0)} MiB): raise the setting to open it as text`,
      );
    }
    const s = this.settings.current;
    const key = `${onnxUri.toString()}|m${stat.mtime}-${stat.size}|${s.batchSize}x${s.seqLen}|${s.dtype}`;
    let p = this.renders.get(key);
    if (!p) {
      const source = await this.sourceFromDisk(onnxUri);
      p = this.client.request({ type: 'renderOnnx', source, options: this.options(), urgent: true });
      this.renders.set(key, p);
      p.then(
        (r) => this.settledRenders.set(onnxUri.toString(), r),
        () => this.renders.delete(key),
      );
    }
    if (!token) return p;
    return Promise.race([
      p,
      new Promise<never>((_, reject) => token.onCancellationRequested(() => reject(new vscode.CancellationError()))),
    ]);
  }

  /** The last rendering of an ONNX file, if any (for decorations, which must not wait). */
  peekRender(onnxUri: vscode.Uri): RenderOnnxResult | undefined {
    return this.settledRenders.get(onnxUri.toString());
  }

  /**
   * The generation prediction of a causal LM's config.json for the current
   * text and settings (request + the decode step at DECODE_STEP_CONTEXT);
   * undefined for models that do not generate or whose generation is not
   * modelled, and for other file kinds. Cached by text version and settings;
   * onDidChangePredictions fires when a new one lands.
   */
  async getGeneration(uri: vscode.Uri, kind: ModelFileKind, token?: vscode.CancellationToken): Promise<GenerateResult | undefined> {
    if (kind !== 'hf-config') return undefined;
    const { key: base, source } = await this.snapshot(uri, kind);
    const key = `${base}|${generationFingerprint(this.settings.current)}`;
    let p = this.generations.get(key);
    if (!p) {
      const started = (async (): Promise<GenerateResult | undefined> => {
        const [src, profile] = await Promise.all([source(), this.profileRef()]);
        try {
          const r = await this.client.request({ type: 'generate', source: src, options: this.generateOptions(), profile });
          if (r.elapsedMs > 0) this.log.info(`predicted generation of ${uri.fsPath} in ${r.elapsedMs.toFixed(0)} ms`);
          return r;
        } catch (err) {
          if (err instanceof EngineRequestError && NOT_GENERATIVE_CODES.has(err.code)) return undefined;
          throw err;
        }
      })();
      p = started;
      this.generations.set(key, p);
      p.then(
        (result) => {
          const had = this.settledGenerations.get(uri.toString());
          this.settledGenerations.set(uri.toString(), { key, result });
          if (had?.key !== key) this.emitter.fire(uri);
        },
        (err: unknown) => {
          // A request stopped by its deadline stays failed for this text and these settings, as a
          // prediction's does: every lens, hover and tree redraw asks again, and each ask would run
          // the engine into the deadline and restart it.
          if (!(err instanceof EngineRequestError && err.code === DEADLINE_CODE)) this.generations.delete(key);
          if (!isCancellation(err)) this.log.error(`predicting generation of ${uri.fsPath}`, err);
        },
      );
    }
    if (!token) return p;
    return Promise.race([p, new Promise<never>((_, reject) => token.onCancellationRequested(() => reject(new vscode.CancellationError())))]);
  }

  /** True once a generation request of the model has settled (with a result, or as "does not generate"). */
  hasSettledGeneration(uri: vscode.Uri): boolean {
    return this.settledGenerations.has(uri.toString());
  }

  /** The last settled generation of a model, if any (possibly for older text or settings). */
  peekGeneration(uri: vscode.Uri): GenerateResult | undefined {
    return this.settledGenerations.get(uri.toString())?.result;
  }

  /** The decode step of a variant text of a config (the hover's ±1 what-ifs), at DECODE_STEP_CONTEXT. Cached by the worker. */
  async decodeStepOfText(uri: vscode.Uri, text: string, token?: vscode.CancellationToken): Promise<GenerateResult['step']> {
    const abort = toAbortSignal(token);
    try {
      const profile = await this.profileRef();
      const r = await this.client.request(
        { type: 'generate', source: { kind: 'bytes', bytes: new TextEncoder().encode(text), fileName: fileNameOf(uri) }, options: { ...this.generateOptions(), stepOnly: true }, profile },
        abort.signal,
      );
      return r.step;
    } finally {
      abort.dispose();
    }
  }

  private generateOptions(): GenerateOptionsMessage {
    const s = this.settings.current;
    return {
      batchSize: s.batchSize,
      promptLen: s.promptLength,
      outputLen: s.outputLength,
      dtype: s.dtype,
      gpus: s.gpus,
      stepContext: DECODE_STEP_CONTEXT,
      ...(s.attention !== 'auto' ? { attention: s.attention } : {}),
      ...(s.idlePower > 0 ? { idlePowerW: s.idlePower } : {}),
    };
  }

  /** Forgets a file (deleted, or changed on disk) and tells the providers. */
  invalidate(uri: vscode.Uri): void {
    const k = uri.toString();
    const e = this.entries.get(k);
    if (e && !e.settled) e.controller.abort();
    this.entries.delete(k);
    this.renders.deletePrefix(`${k}|`);
    this.emitter.fire(uri);
  }

  /** Drops a deleted file for good. */
  forget(uri: vscode.Uri): void {
    this.invalidate(uri);
    this.latest.delete(uri.toString());
    this.settledRenders.delete(uri.toString());
  }

  /** Re-predicts everything (the refresh command): the worker keeps its content-hash cache. */
  refreshAll(): void {
    for (const e of this.entries.values()) if (!e.settled) e.controller.abort();
    this.entries.clear();
    this.renders.clear();
    this.generations.clear();
    this.emitter.fire(undefined);
  }

  private options(): PredictOptionsMessage {
    const s = this.settings.current;
    return { batchSize: s.batchSize, seqLen: s.seqLen, dtype: s.dtype, ...(s.idlePower > 0 ? { idlePowerW: s.idlePower } : {}) };
  }

  /** The profile setting as the worker wants it; files are read here (they may be on any file system). */
  private async profileRef(): Promise<ProfileRef> {
    const name = this.settings.current.profile;
    if (name === '') return { kind: 'bundled', name: (await this.describe()).defaultProfile };
    if (!isProfilePath(name)) return { kind: 'bundled', name };
    const uri = resolveWorkspacePath(name);
    try {
      const json = new TextDecoder().decode(await readWorkspaceFile(uri, 'profile'));
      return { kind: 'json', json, origin: uri.fsPath };
    } catch (err) {
      throw new EngineRequestError('PROFILE', `cannot read profile file ${uri.fsPath} (irene.profile): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The cache key and a reader of the model's bytes; the key is cheap, the read happens only on a miss. */
  private async snapshot(uri: vscode.Uri, kind: ModelFileKind): Promise<{ key: string; docVersion?: number; source: () => Promise<ModelSource> }> {
    const companions = kind === 'python' ? await findCompanions(uri) : [];
    const weights = kind === 'hf-config' ? await weightsStamp(uri) : undefined;
    const fp = `${predictionFingerprint(this.settings.current)}|${await this.profileVersion()}|${companions.map((c) => `${c.uri.path}@${c.mtime}`).join(',')}|${weights?.stamp ?? ''}`;
    const withCompanions = async (source: ModelSource): Promise<ModelSource> => {
      const withWeights = weights ? { ...source, weightsFolder: weights.folder } : source;
      return companions.length === 0
        ? withWeights
        : { ...withWeights, companions: await Promise.all(companions.map(async (c) => ({ fileName: fileNameOf(c.uri), bytes: await readWorkspaceFile(c.uri, 'config') }))) };
    };
    const doc = kind === 'onnx' ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc) {
      const text = doc.getText();
      return {
        key: `${uri.toString()}|v${doc.version}|${fp}`,
        docVersion: doc.version,
        source: () => withCompanions({ kind: 'bytes', bytes: new TextEncoder().encode(text), fileName: fileNameOf(uri) }),
      };
    }
    const stat = await vscode.workspace.fs.stat(uri);
    return { key: `${uri.toString()}|m${stat.mtime}-${stat.size}|${fp}`, source: async () => withCompanions(await this.sourceFromDisk(uri)) };
  }

  private async sourceFromDisk(uri: vscode.Uri): Promise<ModelSource> {
    // Local files are read by the worker, so big ONNX files never enter the extension host's heap.
    if (uri.scheme === 'file') return { kind: 'path', path: uri.fsPath, fileName: fileNameOf(uri) };
    return { kind: 'bytes', bytes: await readWorkspaceFile(uri, inputKindOf(uri.path)), fileName: fileNameOf(uri) };
  }

  /** Modification time of a profile file, so editing it re-predicts. */
  private async profileVersion(): Promise<string> {
    const name = this.settings.current.profile;
    if (!isProfilePath(name)) return '';
    try {
      const st = await vscode.workspace.fs.stat(resolveWorkspacePath(name));
      return `m${st.mtime}`;
    } catch {
      return 'missing';
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) if (!e.settled) e.controller.abort();
    this.entries.clear();
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}

/** The config.json / config.yaml beside a Python model, read for the importer. */
export async function readCompanions(uri: vscode.Uri): Promise<{ fileName: string; bytes: Uint8Array }[]> {
  const found = await findCompanions(uri);
  return Promise.all(found.map(async (c) => ({ fileName: fileNameOf(c.uri), bytes: await readWorkspaceFile(c.uri, 'config') })));
}

async function findCompanions(uri: vscode.Uri): Promise<{ uri: vscode.Uri; mtime: number }[]> {
  const dir = vscode.Uri.joinPath(uri, '..');
  const found = await Promise.all(
    COMPANION_FILE_NAMES.map(async (name) => {
      const c = vscode.Uri.joinPath(dir, name);
      try {
        return { uri: c, mtime: (await vscode.workspace.fs.stat(c)).mtime };
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((c): c is { uri: vscode.Uri; mtime: number } => c !== undefined);
}

/**
 * A local config.json's weights beside it (model.safetensors, or the shard
 * index): the folder for the worker to read their headers from, and a stamp
 * of their modification times for the cache key; undefined when there are none.
 */
async function weightsStamp(uri: vscode.Uri): Promise<{ folder: string; stamp: string } | undefined> {
  if (uri.scheme !== 'file' || !/(^|\/)config\.json$/i.test(uri.path)) return undefined;
  const dir = vscode.Uri.joinPath(uri, '..');
  const stamps = await Promise.all(
    [SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE].map(async (name) => {
      try {
        const st = await vscode.workspace.fs.stat(vscode.Uri.joinPath(dir, name));
        return `${name}@${st.mtime}-${st.size}`;
      } catch {
        return undefined;
      }
    }),
  );
  const found = stamps.filter((s): s is string => s !== undefined);
  return found.length > 0 ? { folder: dir.fsPath, stamp: found.join(',') } : undefined;
}

/** Name passed to the importers (they detect formats by name): the full path. */
export function fileNameOf(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.path;
}

/** A setting's path: absolute, or relative to the first workspace folder. */
export function resolveWorkspacePath(path: string): vscode.Uri {
  if (/^([a-zA-Z]:[\\/]|[\\/])/.test(path)) return vscode.Uri.file(path);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, path) : vscode.Uri.file(path);
}
