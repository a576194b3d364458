/**
 * Predictions on worker threads for `irene check` (opt-in: IRENE_THREADS): a
 * budget of twenty models is twenty imports and predictions of 20-150 ms
 * each, which can spread over cores: this thread takes jobs too, and the engine workers the
 * extension runs (dist/worker.js, beside dist/cli.js, spoken to with the same
 * messages) take the others.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PredictOptionsMessage, PredictResult, ProfileRef, WorkerRequest, WorkerToHostMessage } from '#shared/workerMessages.js';
import { IreneError, type ImportInput, type IreneErrorCode } from '../engine/index.js';

/** One prediction to make. */
export interface PredictJob {
  input: ImportInput;
  options: PredictOptionsMessage;
  profile: ProfileRef;
}

/** Fewer jobs than this are not worth starting threads for (a worker takes 100-300 ms to load the engine). */
const MIN_JOBS_FOR_THREADS = 4;
/** More threads than this stop paying off for the sizes of a budget. */
const MAX_THREADS = 4;

/** The engine worker bundle beside this bundle, when there is one (not under tsx). */
function workerFile(): string | undefined {
  const f = join(__dirname, 'worker.js');
  return __filename.endsWith('.js') && existsSync(f) ? f : undefined;
}

/**
 * Threads to use for `jobs` predictions: IRENE_THREADS when set (capped by
 * the jobs and MAX_THREADS), else 1. On a 2-core machine one thread was
 * faster (bench/check.bench.ts: 20 entries 0.93 s against 1.12 s with two
 * lanes, each worker paying 0.2-0.3 s to load the engine), so more threads
 * are opt-in until a many-core measurement says otherwise.
 */
export function threadsFor(jobs: number, env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env['IRENE_THREADS']);
  if (!Number.isInteger(asked) || asked <= 1 || !workerFile() || jobs < MIN_JOBS_FOR_THREADS) return 1;
  return Math.min(asked, MAX_THREADS, jobs);
}

/** An engine error from a worker, rebuilt with its code so the check reports it like one made here. */
class WorkerIreneError extends IreneError {}

/**
 * Runs the jobs over `threads` lanes: this thread (which has the engine
 * loaded already) and `threads - 1` engine workers, each taking the next job
 * when it is done. Each result is the prediction or the error it failed with.
 * Workers are ended when all are done.
 */
export async function runPredictJobs<P>(
  jobs: readonly PredictJob[],
  threads: number,
  here: (job: PredictJob) => P,
  /** The engine worker bundle (default: dist/worker.js beside this bundle). */
  file: string | undefined = threads > 1 ? workerFile() : undefined,
): Promise<(P | Error)[]> {
  const results: (P | Error)[] = new Array(jobs.length);
  let next = 0;
  const workers = file && threads > 1 ? Array.from({ length: Math.min(threads, jobs.length) - 1 }, () => new Worker(file)) : [];
  const hereLane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      try {
        results[i] = here(jobs[i]!);
      } catch (err) {
        results[i] = err instanceof Error ? err : new Error(String(err));
      }
      // Let the workers' answers in, so they get their next job without waiting for this lane.
      await new Promise((r) => setImmediate(r));
    }
  };
  const workerLane = (w: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      let current = -1;
      const send = (): void => {
        if (next >= jobs.length) {
          current = -1;
          resolve();
          return;
        }
        current = next++;
        const j = jobs[current]!;
        const request: WorkerRequest = {
          type: 'predict',
          id: current,
          source: { kind: 'bytes', bytes: j.input.bytes, fileName: j.input.fileName, ...(j.input.companions?.length ? { companions: j.input.companions } : {}) },
          options: j.options,
          profile: j.profile,
        };
        w.postMessage(request);
      };
      w.on('message', (m: WorkerToHostMessage) => {
        if (m.type === 'ready') {
          if (current < 0) send();
          return;
        }
        if (m.type === 'started' || m.id !== current) return;
        results[current] =
          m.type === 'result'
            ? ((m.result as PredictResult).prediction as P)
            : m.error.code === 'INTERNAL'
              ? new Error(m.error.stack ?? m.error.message)
              : new WorkerIreneError(m.error.code as IreneErrorCode, m.error.message);
        send();
      });
      // A worker that fails leaves its job to this thread, and the rest to the other lanes.
      const fail = (): void => {
        if (current >= 0) {
          const i = current;
          current = -1;
          try {
            results[i] = here(jobs[i]!);
          } catch (err) {
            results[i] = err instanceof Error ? err : new Error(String(err));
          }
        }
        resolve();
      };
      w.on('error', fail);
      w.on('exit', fail);
    });
  try {
    // A worker takes its first job when it is ready, so a slow start leaves the jobs to the other lanes.
    await Promise.all([hereLane(), ...workers.map(workerLane)]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
