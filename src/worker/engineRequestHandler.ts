/**
 * The worker's logic without the thread: a queue of requests served one at a
 * time, cancellation, and a cache keyed by content hash. The engine is passed
 * in, so tests drive this with a fake engine and no Worker.
 */
import { createHash } from 'node:crypto';
import type { GenerationSweeps, ModelTree, PredictionLike, Profile } from '../engine/index.js';
import {
  ABORTED_CODE,
  type DescribeResult,
  type GenerateOptionsMessage,
  type GenerateResult,
  type HostToWorkerMessage,
  type ModelSource,
  type PredictOptionsMessage,
  type PredictResult,
  type ProfileInfo,
  type ProfileRef,
  type RenderOnnxResult,
  type TrainRequest,
  type TrainResult,
  type WorkerErrorPayload,
  type WorkerRequest,
  type WorkerToHostMessage,
} from '#shared/workerMessages.js';

/** What the handler needs from the engine (the real one is wired in engineWorker.ts). */
export interface EngineFacade {
  importModel(
    input: { fileName: string; bytes: Uint8Array; companions?: { fileName: string; bytes: Uint8Array; size?: number }[] },
    options: PredictOptionsMessage & { signal?: AbortSignal },
  ): ModelTree;
  predictTree(tree: ModelTree, profile: unknown, options: { signal?: AbortSignal; idlePowerW?: number }): PredictionLike;
  getBundledProfile(name: string): unknown;
  parseProfile(json: string, origin: string): unknown;
  listBundledProfiles(): ProfileInfo[];
  readonly defaultProfileName: string;
  /** Absent until the ONNX text renderer is part of the engine. */
  renderOnnxText?(
    bytes: Uint8Array,
    options: { fileName: string } & PredictOptionsMessage,
  ): { text: string; scopeLines: Record<string, number> };
  listImporterIds(): string[];
  /**
   * Generation of a causal LM's config.json: the request's report (without
   * trees) and prefill prediction unless `stepOnly`, and the decode step at
   * `stepContext`. Absent in engines without generation.
   */
  generate?(
    input: { fileName: string; bytes: Uint8Array },
    profile: unknown,
    options: GenerateOptionsMessage & { signal?: AbortSignal },
  ): Omit<GenerateResult, 'contentHash' | 'elapsedMs'>;
  /** The Generation tab's sweeps; absent in engines without generation. */
  generationSweeps?(
    input: { fileName: string; bytes: Uint8Array },
    profile: unknown,
    options: GenerateOptionsMessage & { maxContext: number; signal?: AbortSignal },
  ): GenerationSweeps;
  /** Trains a profile (calibration); absent in engines that cannot train. */
  trainProfile?(trees: ModelTree[], options: TrainRequest['options'] & { signal?: AbortSignal }): Profile;
}

/** Entries kept per cache; a prediction of a large model is a few MB of plain objects. */
const CACHE_LIMIT = 24;

/** Least-recently-used map; `get` refreshes an entry. */
class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
}

interface QueuedRequest {
  request: WorkerRequest;
  controller: AbortController;
}

/** Hex SHA-256 of the bytes. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function errorPayload(err: unknown): WorkerErrorPayload {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : 'INTERNAL',
      message: err.message,
      ...(typeof code === 'string' ? {} : { stack: err.stack }),
    };
  }
  return { code: 'INTERNAL', message: String(err) };
}

export class EngineRequestHandler {
  private readonly queue: QueuedRequest[] = [];
  private readonly running = new Map<number, AbortController>();
  private readonly predictions = new LruMap<PredictResult>(CACHE_LIMIT);
  private readonly renders = new LruMap<RenderOnnxResult>(CACHE_LIMIT);
  private readonly generations = new LruMap<GenerateResult>(CACHE_LIMIT);
  private readonly userProfiles = new LruMap<unknown>(8);
  private scheduled = false;

  constructor(
    private readonly engine: EngineFacade,
    private readonly readFile: (path: string) => Uint8Array,
    private readonly post: (message: WorkerToHostMessage) => void,
    /** Defers the next queued request so cancel messages can arrive in between. */
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
    /** The weight-header companions of a local model folder (header bytes only); none when absent. */
    private readonly readWeights: (folder: string) => { fileName: string; bytes: Uint8Array; size?: number }[] = () => [],
    /** Told when a request starts computing (the worker posts `started`, which starts its deadline in the client). */
    private readonly announceStart?: (id: number) => void,
  ) {}

  /** Requests waiting (not counting the one running). */
  get pending(): number {
    return this.queue.length;
  }

  onMessage(message: HostToWorkerMessage): void {
    if (message.type === 'cancel') {
      const queuedAt = this.queue.findIndex((q) => q.request.id === message.id);
      if (queuedAt >= 0) {
        this.queue.splice(queuedAt, 1);
        this.post({ type: 'error', id: message.id, error: { code: ABORTED_CODE, message: 'the operation was cancelled' } });
      }
      this.running.get(message.id)?.abort();
      return;
    }
    const item = { request: message, controller: new AbortController() };
    if ('urgent' in message && message.urgent) {
      // Behind other urgent requests, ahead of the background ones.
      const firstNormal = this.queue.findIndex((q) => !('urgent' in q.request && q.request.urgent));
      this.queue.splice(firstNormal < 0 ? this.queue.length : firstNormal, 0, item);
    } else {
      this.queue.push(item);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      const next = this.queue.shift();
      if (next) this.serve(next);
      this.schedule();
    });
  }

  private serve({ request, controller }: QueuedRequest): void {
    this.running.set(request.id, controller);
    this.announceStart?.(request.id);
    try {
      const result = this.compute(request, controller.signal);
      if (controller.signal.aborted) throw Object.assign(new Error('the operation was cancelled'), { code: ABORTED_CODE });
      this.post({ type: 'result', id: request.id, result });
    } catch (err) {
      this.post({ type: 'error', id: request.id, error: errorPayload(err) });
    } finally {
      this.running.delete(request.id);
    }
  }

  private compute(request: WorkerRequest, signal: AbortSignal): PredictResult | GenerateResult | GenerationSweeps | RenderOnnxResult | DescribeResult | TrainResult {
    switch (request.type) {
      case 'describe':
        return {
          importers: this.engine.listImporterIds(),
          profiles: this.engine.listBundledProfiles(),
          defaultProfile: this.engine.defaultProfileName,
        };
      case 'predict':
        return this.predict(request.source, request.options, request.profile, signal);
      case 'generate':
        return this.generate(request.source, request.options, request.profile, signal);
      case 'generationSweeps': {
        if (!this.engine.generationSweeps) throw Object.assign(new Error('this build cannot predict generation'), { code: 'UNSUPPORTED_FORMAT' });
        const { bytes } = this.load(request.source);
        return this.engine.generationSweeps({ fileName: request.source.fileName, bytes }, this.resolveProfile(request.profile).profile, { ...request.options, signal });
      }
      case 'renderOnnx':
        return this.renderOnnx(request.source, request.options);
      case 'train':
        if (!this.engine.trainProfile) throw new Error('this engine cannot train profiles');
        return { profile: this.engine.trainProfile(request.trees, { ...request.options, signal }) };
    }
  }

  private load(source: ModelSource): { bytes: Uint8Array; hash: string } {
    const bytes = source.kind === 'path' ? this.readFile(source.path) : source.bytes;
    return { bytes, hash: hashBytes(bytes) };
  }

  private resolveProfile(ref: ProfileRef): { profile: unknown; key: string } {
    if (ref.kind === 'bundled') return { profile: this.engine.getBundledProfile(ref.name), key: `bundled:${ref.name}` };
    const key = `json:${createHash('sha256').update(ref.json).digest('hex')}`;
    let profile = this.userProfiles.get(key);
    if (profile === undefined) {
      profile = this.engine.parseProfile(ref.json, ref.origin);
      this.userProfiles.set(key, profile);
    }
    return { profile, key };
  }

  private predict(source: ModelSource, options: PredictOptionsMessage, ref: ProfileRef, signal: AbortSignal): PredictResult {
    const started = performance.now();
    const { bytes, hash } = this.load(source);
    const { profile, key: profileKey } = this.resolveProfile(ref);
    // A model folder's weights: their headers take part in the cache key, so a finished download re-predicts.
    const companions = [...(source.companions ?? []), ...(source.weightsFolder ? this.readWeights(source.weightsFolder) : [])];
    // The file name takes part: importers pick a format by name as well as content.
    const companionKey = companions.map((c) => `${c.fileName}:${hashBytes(c.bytes)}`).join(',');
    const key = `${hash}|${source.fileName}|${companionKey}|${options.batchSize}|${options.seqLen}|${options.dtype}|${profileKey}|${options.idlePowerW ?? ''}`;
    const cached = this.predictions.get(key);
    if (cached) return { ...cached, elapsedMs: 0 };
    const tree = this.engine.importModel(
      { fileName: source.fileName, bytes, ...(companions.length > 0 ? { companions } : {}) },
      { batchSize: options.batchSize, seqLen: options.seqLen, dtype: options.dtype, signal },
    );
    const prediction = this.engine.predictTree(tree, profile, { signal, ...(options.idlePowerW !== undefined ? { idlePowerW: options.idlePowerW } : {}) });
    const result: PredictResult = { prediction, contentHash: hash, elapsedMs: performance.now() - started, ...(tree.outline ? { outline: tree.outline } : {}) };
    this.predictions.set(key, result);
    return result;
  }

  private generate(source: ModelSource, options: GenerateOptionsMessage, ref: ProfileRef, signal: AbortSignal): GenerateResult {
    if (!this.engine.generate) throw Object.assign(new Error('this build cannot predict generation'), { code: 'UNSUPPORTED_FORMAT' });
    const started = performance.now();
    const { bytes, hash } = this.load(source);
    const { profile, key: profileKey } = this.resolveProfile(ref);
    const o = options;
    const key = `${hash}|${source.fileName}|${o.batchSize}|${o.promptLen}>${o.outputLen}|${o.dtype}|${o.attention ?? ''}|${o.gpus}|${o.idlePowerW ?? ''}|${o.stepContext}|${o.stepOnly ? 'step' : 'all'}|${profileKey}`;
    const cached = this.generations.get(key);
    if (cached) return { ...cached, elapsedMs: 0 };
    const core = this.engine.generate({ fileName: source.fileName, bytes }, profile, { ...options, signal });
    const result: GenerateResult = { ...core, contentHash: hash, elapsedMs: performance.now() - started };
    this.generations.set(key, result);
    return result;
  }

  private renderOnnx(source: ModelSource, options: PredictOptionsMessage): RenderOnnxResult {
    if (!this.engine.renderOnnxText) throw Object.assign(new Error('this build cannot render ONNX as text'), { code: 'UNSUPPORTED_FORMAT' });
    const { bytes, hash } = this.load(source);
    const key = `${hash}|${options.batchSize}|${options.seqLen}|${options.dtype}`;
    const cached = this.renders.get(key);
    if (cached) return cached;
    const { text, scopeLines } = this.engine.renderOnnxText(bytes, { fileName: source.fileName, ...options });
    const result = { text, scopeLines, contentHash: hash };
    this.renders.set(key, result);
    return result;
  }
}
