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
  log?: (message: string) => void;
}

export class EngineClient {
  private worker: WorkerLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Ids cancelled locally whose answer the worker still owes. */
  private readonly cancelled = new Map<number, ReturnType<typeof setTimeout>>();
  private disposed = false;
  private restarts = 0;

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
      this.failAll(new EngineRequestError('WORKER', `the IrEne engine stopped unexpectedly (exit code ${code}); see the IrEne log`));
    });
    return worker;
  }

  private onMessage(message: WorkerToHostMessage): void {
    if (message.type === 'ready') return;
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

  /** Replaces a hung worker and re-sends what was waiting, so callers see no error. */
  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
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
