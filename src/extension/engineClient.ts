/**
 * Talks to the engine worker: request ids, promises, cancellation through
 * AbortSignal, and recovery when the worker dies or hangs on a cancelled
 * request. No `vscode` here, so it is tested with a real Worker in plain Node.
 */
import {
  ABORTED_CODE,
  type HostToWorkerMessage,
  type ResultByType,
  type WorkerErrorPayload,
  type WorkerRequest,
  type WorkerToHostMessage,
} from '#shared/workerMessages.js';

/** The part of `worker_threads.Worker` the client uses. */
export interface WorkerLike {
  postMessage(message: HostToWorkerMessage): void;
  on(event: 'message', listener: (message: WorkerToHostMessage) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** A request that failed; `code` is the engine's error code, `ABORTED`, or `WORKER`. */
export class EngineRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
  get cancelled(): boolean {
    return this.code === ABORTED_CODE;
  }
}

/** Request without its id: the client numbers them. */
export type RequestBody<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'id'>;

interface Pending {
  message: WorkerRequest;
  resolve: (value: never) => void;
  reject: (err: Error) => void;
  cleanup: () => void;
}

export interface EngineClientOptions {
  /**
   * How long a cancelled request may keep the worker busy before the worker is
   * replaced (milliseconds). The engine is synchronous, so a cancel message
   * only lands between requests; a runaway parse is cut short by a restart.
   */
  cancelGraceMs?: number;
  /**
   * How long the worker may compute one prediction or ONNX rendering
   * (milliseconds; read at each request, so a settings change applies; 0 or
   * less: no limit). Past it the request fails with code DEADLINE and the
   * worker is replaced: a hostile file cannot keep the engine busy forever.
   * Training requests have no deadline.
   */
  deadlineMs?: () => number;
  log?: (message: string) => void;
}

/** Error code of a request stopped by its deadline. */
export const DEADLINE_CODE = 'DEADLINE';

/** The message of a request stopped by its deadline: `prediction stopped: took over 10 s`. */
export function deadlineMessage(deadlineMs: number): string {
  const s = deadlineMs / 1000;
  return `prediction stopped: took over ${Number.isInteger(s) ? s.toFixed(0) : s.toPrecision(2)} s`;
}

export class EngineClient {
  private worker: WorkerLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Ids cancelled locally whose answer the worker still owes. */
  private readonly cancelled = new Map<number, ReturnType<typeof setTimeout>>();
  private disposed = false;
  private restarts = 0;
  /** The request the worker is computing (from its `started` message), if any. */
  private running: number | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly spawn: () => WorkerLike,
    private readonly options: EngineClientOptions = {},
  ) {}

  /** Times the worker was replaced after a crash or a hang. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  request<T extends WorkerRequest['type']>(body: RequestBody<T> & { type: T }, signal?: AbortSignal): Promise<ResultByType[T]> {
    if (this.disposed) return Promise.reject(new EngineRequestError('WORKER', 'the IrEne engine has been shut down'));
    if (signal?.aborted) return Promise.reject(new EngineRequestError(ABORTED_CODE, 'the operation was cancelled'));
    const id = this.nextId++;
    const message = { ...body, id } as WorkerRequest;
    return new Promise<ResultByType[T]>((resolve, reject) => {
      const onAbort = () => this.cancel(id);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        message,
        resolve: resolve as (value: never) => void,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.ensureWorker().postMessage(message);
    });
  }

  private cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup();
    p.reject(new EngineRequestError(ABORTED_CODE, 'the operation was cancelled'));
    this.worker?.postMessage({ type: 'cancel', id });
    const grace = this.options.cancelGraceMs ?? 5000;
    this.cancelled.set(
      id,
      setTimeout(() => {
        this.cancelled.delete(id);
        this.options.log?.(`engine worker still busy ${grace} ms after cancelling request ${id}; restarting it`);
        this.restart();
      }, grace),
    );
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    this.worker = worker;
    worker.on('message', (m) => this.onMessage(m));
    worker.on('error', (err) => {
      this.options.log?.(`engine worker error: ${err.stack ?? err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // replaced on purpose
      this.worker = undefined;
      if (this.disposed) return;
      this.options.log?.(`engine worker exited with code ${code}`);
      const crashed = this.running !== undefined ? this.pending.get(this.running) : undefined;
      const err = new EngineRequestError('WORKER', `prediction stopped: the IrEne engine stopped unexpectedly (exit code ${code}, out of memory?); see the IrEne log`);
      if (!crashed) {
        this.clearDeadline();
        this.failAll(err);
        return;
      }
      // The request it was computing fails (not retried: it would crash again); the rest go to a fresh worker.
      this.pending.delete(this.running!);
      crashed.cleanup();
      crashed.reject(err);
      this.restart();
    });
    return worker;
  }

  private onMessage(message: WorkerToHostMessage): void {
    if (message.type === 'ready') return;
    if (message.type === 'started') {
      this.onStarted(message.id);
      return;
    }
    if (this.running === message.id) this.clearDeadline();
    const timer = this.cancelled.get(message.id);
    if (timer) {
      clearTimeout(timer);
      this.cancelled.delete(message.id);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    p.cleanup();
    if (message.type === 'result') p.resolve(message.result as never);
    else p.reject(toError(message.error));
  }

  /** Starts the deadline of the request the worker began. */
  private onStarted(id: number): void {
    this.clearDeadline();
    this.running = id;
    const p = this.pending.get(id);
    const ms = this.options.deadlineMs?.() ?? 0;
    // A request cancelled before the worker began it is not pending either; it gets the deadline too.
    if (p?.message.type === 'train' || !(ms > 0)) return;
    const what = !p ? 'a cancelled request' : p.message.type === 'predict' ? (p.message.source.fileName ?? 'a model') : p.message.type;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.running !== id) return;
      // A request cancelled while it computes is no longer pending, but the worker is still on it:
      // past the deadline it is stopped all the same. Left running, it finished later and its cached
      // result answered the request that replaced it at once, so a file past the deadline predicted.
      const still = this.pending.get(id);
      this.options.log?.(`engine worker took over ${ms} ms on request ${id} (${what}${still ? '' : ', cancelled'}); stopped it and restarting the worker`);
      if (still) {
        this.pending.delete(id);
        still.cleanup();
        // Not retried: the caller caches this error for the file until it changes.
        still.reject(new EngineRequestError(DEADLINE_CODE, deadlineMessage(ms)));
      }
      this.restart();
    }, ms);
  }

  private clearDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.running = undefined;
  }

  /** Replaces a hung worker and re-sends what was waiting, so callers see no error. */
  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    this.clearDeadline();
    for (const t of this.cancelled.values()) clearTimeout(t);
    this.cancelled.clear();
    if (old) void old.terminate();
    if (this.disposed) return;
    this.restarts++;
    if (this.pending.size === 0) return;
    const worker = this.ensureWorker();
    for (const p of this.pending.values()) worker.postMessage(p.message);
  }

  private failAll(err: Error): void {
    for (const t of this.cancelled.values()) clearTimeout(t);
    this.cancelled.clear();
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      p.cleanup();
      p.reject(err);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.clearDeadline();
    this.failAll(new EngineRequestError('WORKER', 'the IrEne engine has been shut down'));
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
  }
}

function toError(payload: WorkerErrorPayload): EngineRequestError {
  const err = new EngineRequestError(payload.code, payload.message);
  if (payload.stack) err.stack = payload.stack;
  return err;
}
