/**
 * `WorkerPool`: a bounded pool of worker threads running exported functions
 * of ES modules, with the answers as Deferreds (Twisted's `ThreadPool` and
 * `deferToThreadPool`, on `node:worker_threads`).
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import { Deferred } from '../core/defer.js';
import { InvalidStateError } from '../core/errors.js';
import type { IReactorCore, IReactorTime } from '../core/interfaces/reactor.js';
import { Logger } from '../core/logger.js';
import { IdleReaper } from './pool-idle.js';
import { PoolQueue, type PoolJob } from './pool-queue.js';
import { reactor as defaultReactor } from './reactor.js';
import { WorkerCrashError, WorkerError } from './worker-errors.js';
import { type RunMessage, type WorkerMessage, workerSource } from './worker-main.js';
import { isTransfer } from './worker-side.js';

const log = new Logger('weft.threads');

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers kept even when idle (started on first use). Default 0. */
  readonly min?: number;
  /** Most workers at once; more work waits in a queue. Default `os.availableParallelism()`. */
  readonly max?: number;
  /**
   * A reactor whose shutdown waits for the pool: a before-shutdown trigger
   * calls {@link WorkerPool.stop}, so work in flight finishes first.
   */
  readonly reactor?: Pick<IReactorCore, 'addSystemEventTrigger'>;
  /**
   * Seconds a worker may stay idle before it is terminated, as long as more
   * than `min` workers are left (Ampoule's `maxIdle`, as `ProcessPool`'s).
   * Each worker is timed from the moment it went idle, on `clock`. Default
   * none: idle workers stay (they never keep the process alive either way).
   *
   * @throws {RangeError} (from the constructor) if not a positive number.
   */
  readonly maxIdle?: number;
  /**
   * The clock `maxIdle` runs on (a `Clock` in tests). Default: `reactor`
   * when it is one with a clock, else weft's global reactor.
   */
  readonly clock?: IReactorTime;
  /** Functions workers may call with `callFromThread(name, ...args)`. */
  readonly callables?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

/** One submitted call. */
interface Job extends PoolJob {
  readonly message: RunMessage;
  readonly transferList: readonly Transferable[];
}

/** One worker thread and what it runs. */
interface Slot {
  readonly worker: Worker;
  job: Job | null;
  /** An error that escaped the job, reported before the worker exits. */
  escaped: unknown;
}

function isClock(value: unknown): value is IReactorTime {
  return typeof (value as Partial<IReactorTime> | undefined)?.callLater === 'function';
}

/** `module` as a URL string a worker can import. */
function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data):/.test(module)) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TypeError(
    `deferToWorker needs a URL or an absolute path, got ${JSON.stringify(module)}` +
      " (use new URL('./work.js', import.meta.url))",
  );
}

/**
 * A bounded pool of worker threads.
 *
 * - {@link WorkerPool.deferToWorker} runs an exported function of an ES
 *   module in a worker and returns a Deferred of its result (awaited if it
 *   is a promise). Arguments and results are copied (structured clone)
 *   unless marked with `transfer()`.
 * - An exception in the worker fails the Deferred with {@link WorkerError},
 *   carrying the worker's class name, message and stack.
 * - A worker dying mid-call fails that call with {@link WorkerCrashError};
 *   the pool starts a replacement when work is waiting or fewer than `min`
 *   workers are left.
 * - Workers start on demand, up to `max`; idle ones stay for the next call
 *   but never keep the process alive (they are unref'd while idle). With
 *   `maxIdle`, a worker idle that many seconds is terminated, down to `min`.
 * - `cancel()` on a queued call's Deferred removes it from the queue. A
 *   running call cannot be interrupted: its Deferred fails with
 *   `CancelledError` at once and its answer is dropped.
 * - {@link WorkerPool.stop} lets every submitted call finish, then ends the
 *   workers.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ min: 0, max: 2 });
 * const n = await pool.deferToWorker<number>(new URL('./work.js', import.meta.url), 'fib', 30);
 * await pool.stop();
 * ```
 */
export class WorkerPool {
  readonly #pool: PoolQueue<Slot, Job>;
  readonly #callables = new Map<string, (...args: never[]) => unknown>();
  readonly #reaper: IdleReaper<Slot>;
  #nextId = 0;

  constructor(options: WorkerPoolOptions = {}) {
    this.#pool = new PoolQueue(options.min ?? 0, options.max ?? availableParallelism(), {
      spawn: () => this.#spawn(),
      run: (slot, job) => {
        this.#reaper.forget(slot); // no longer idle
        this.#run(slot, job);
      },
      park: (slot) => {
        this.#park(slot);
      },
      retire: (slot) => {
        this.#retire(slot);
      },
      drain: () => this.#drain(),
    });
    const clock = options.clock ?? (isClock(options.reactor) ? options.reactor : defaultReactor);
    this.#reaper = new IdleReaper<Slot>(clock, options.maxIdle ?? null, {
      canReap: () => !this.#pool.stopping && this.#pool.members.size > this.#pool.min,
      reap: (slot) => {
        this.#retire(slot);
      },
    });
    for (const [name, fn] of Object.entries(options.callables ?? {})) this.setCallable(name, fn);
    options.reactor?.addSystemEventTrigger('before', 'shutdown', () => this.stop());
  }

  /** Fewest workers kept. */
  get min(): number {
    return this.#pool.min;
  }

  /** Most workers at once. */
  get max(): number {
    return this.#pool.max;
  }

  /** Workers alive now (busy and idle). */
  get workers(): number {
    return this.#pool.members.size;
  }

  /** Workers running a call now. */
  get busy(): number {
    return this.#pool.busy;
  }

  /** Calls waiting for a worker. */
  get queued(): number {
    return this.#pool.queued;
  }

  /**
   * Runs `exportName` of the ES module at `module` (a URL, or an absolute
   * path) with `args` in a worker. The Deferred fires with its (awaited)
   * result, or fails with {@link WorkerError} (it threw), {@link
   * WorkerCrashError} (the worker died), `DataCloneError` (an argument
   * could not be copied) or `CancelledError`.
   *
   * @throws {TypeError} for a relative path.
   * @throws {InvalidStateError} once the pool is stopping.
   */
  deferToWorker<R = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Deferred<R> {
    if (this.#pool.stopping) throw new InvalidStateError('The worker pool is stopped');
    const transferList: Transferable[] = [];
    const plain = args.map((arg) => {
      if (!isTransfer(arg)) return arg;
      transferList.push(...arg.transferList);
      return arg.value;
    });
    const message: RunMessage = {
      id: this.#nextId++,
      module: moduleSpecifier(module),
      exportName,
      args: plain,
    };
    const job: Job = this.#pool.newJob({ message, transferList });
    this.#pool.submit(job);
    return job.deferred as Deferred<R>;
  }

  /**
   * Registers `fn` as the function workers call with
   * `callFromThread(name, ...args)`. It runs on the reactor thread; a throw
   * is logged.
   */
  setCallable(name: string, fn: (...args: never[]) => unknown): void {
    this.#callables.set(name, fn);
  }

  /**
   * Changes the bounds (Twisted's `adjustPoolsize`): starts workers for
   * queued work up to the new `max` and for the new `min`; ends idle
   * workers above the new `max` at once, busy ones when their call finishes.
   *
   * @throws {RangeError} if `min` > `max`, `max` < 1, or either is negative.
   */
  adjustPoolsize(min: number = this.#pool.min, max: number = this.#pool.max): void {
    this.#pool.adjust(min, max);
    this.#reaper.sweep(); // workers that outstayed maxIdle while the old min kept them
  }

  /**
   * Stops the pool: new calls are refused; every call already submitted
   * (running or queued) runs to its end; then every worker is terminated.
   * The Deferred fires once they all have exited. Idempotent.
   */
  stop(): Deferred<void> {
    return this.#pool.stop();
  }

  #run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    try {
      slot.worker.postMessage(job.message, job.transferList as never);
    } catch (e) {
      slot.job = null;
      this.#park(slot);
      job.deferred.errback(e); // an argument could not be cloned: the worker is untouched
    }
  }

  #spawn(): Slot {
    const worker = new Worker(workerSource(), { eval: true });
    const slot: Slot = { worker, job: null, escaped: undefined };
    this.#pool.members.add(slot);
    worker.on('message', (msg: WorkerMessage) => {
      this.#onMessage(slot, msg);
    });
    worker.on('error', (err) => {
      slot.escaped = err;
    });
    worker.on('exit', (code) => {
      this.#onExit(slot, code);
    });
    return slot;
  }

  /**
   * Marks `slot` idle: unref'd, so an idle pool never keeps the process
   * alive, and timed for `maxIdle`.
   */
  #park(slot: Slot): void {
    slot.worker.unref();
    this.#pool.idle.push(slot);
    this.#reaper.idle(slot);
  }

  #retire(slot: Slot): void {
    this.#pool.remove(slot);
    this.#reaper.forget(slot);
    void slot.worker.terminate();
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg.kind === 'call') {
      this.#callFromThread(msg.name, msg.args);
      return;
    }
    const job = slot.job;
    slot.job = null;
    if (job === null) return;
    if (this.#pool.members.size > this.#pool.max) this.#retire(slot);
    else this.#park(slot);
    if (!job.dropped) {
      if (msg.kind === 'result') job.deferred.callback(msg.value);
      else job.deferred.errback(new WorkerError(msg.error, { code: msg.error.code }));
    }
    this.#pool.dispatch();
  }

  #callFromThread(name: string, args: readonly unknown[]): void {
    const fn = this.#callables.get(name);
    try {
      if (fn === undefined) throw new RangeError(`No callable registered as ${name}`);
      (fn as (...a: readonly unknown[]) => unknown)(...args);
    } catch (e) {
      log.failure('Error in callFromThread({name}) from a worker', e, { name });
    }
  }

  #onExit(slot: Slot, code: number): void {
    const wasMember = this.#pool.remove(slot);
    this.#reaper.forget(slot);
    const job = slot.job;
    slot.job = null;
    if (job !== null && !job.dropped) {
      job.deferred.errback(new WorkerCrashError(code, { cause: slot.escaped }));
    }
    if (wasMember && !this.#pool.stopping && (job !== null || slot.escaped !== undefined)) {
      log.warn('A pool worker exited with code {code}; replacing it', { code });
    }
    this.#pool.dispatch();
    this.#pool.drainIfDone();
  }

  /** Stopping and nothing is left to run: terminates the idle workers; settles once all exited. */
  #drain(): Promise<unknown> {
    const slots = this.#pool.members;
    const exits = [...slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          this.#reaper.forget(slot);
          slot.worker.once('exit', () => {
            resolve();
          });
          void slot.worker.terminate();
        }),
    );
    slots.clear();
    this.#pool.idle.length = 0;
    return Promise.all(exits);
  }
}
