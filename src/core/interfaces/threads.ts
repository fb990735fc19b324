/**
 * Threads on a reactor (Twisted's `IReactorFromThreads`, `IReactorInThreads`
 * and `IReactorThreads`), in the terms of a JavaScript host: a worker cannot
 * be handed a function, so work is named by a module and one of its exports.
 *
 * @module
 */
import type { Deferred } from '../defer.js';

/**
 * A bounded pool of workers running exported functions of modules, with
 * the answers as Deferreds (Twisted's `ThreadPool`, as the reactor's
 * `getThreadPool()` returns it). On Node it is `WorkerPool`, on
 * `node:worker_threads`.
 */
export interface IWorkerPool {
  /** Fewest workers kept. */
  readonly min: number;
  /** Most workers at once; more calls wait in a FIFO queue. */
  readonly max: number;
  /** Workers alive now (busy and idle). */
  readonly workers: number;
  /** Workers running a call now. */
  readonly busy: number;
  /** Calls waiting for a worker. */
  readonly queued: number;
  /**
   * Runs `exportName` of the module at `module` (a URL, or an absolute
   * path) with `args` (copied) in a worker: a Deferred of its (awaited)
   * result. Cancelling a queued call removes it from the queue.
   */
  deferToWorker<R = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Deferred<R>;
  /**
   * Registers `fn` as what code in a worker reaches with
   * `callFromThread(name, ...args)`; it runs on the reactor's thread.
   */
  setCallable(name: string, fn: (...args: never[]) => unknown): void;
  /** Changes the bounds (Twisted's `adjustPoolsize`); a bound left out is kept. */
  adjustPoolsize(min?: number, max?: number): void;
  /** Refuses new calls, lets submitted ones finish, then ends the workers; idempotent. */
  stop(): Deferred<void>;
}

/**
 * Scheduling a call onto the reactor from outside its normal flow
 * (Twisted's `IReactorFromThreads`).
 */
export interface IReactorFromThreads {
  /**
   * Runs `fn(...args)` on the reactor's thread at its next iteration, after
   * the calls queued before it (FIFO), never inside the caller. Safe to call
   * from anywhere the reactor's own thread runs: a signal handler, a
   * promise continuation, a foreign library's callback. A throw is logged.
   * Code in a worker uses the worker side's `callFromThread(name, ...args)`
   * instead, which names a function registered with
   * {@link IWorkerPool.setCallable}.
   */
  callFromThread<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;
}

/** Running work in the reactor's worker pool (Twisted's `IReactorInThreads`). */
export interface IReactorInThreads {
  /**
   * Runs `exportName` of `module` with `args` in the reactor's pool and
   * drops the result (Twisted's `callInThread`); a failure is logged. Use
   * {@link IReactorThreads.deferToWorker} to get the result.
   */
  callInThread(module: string | URL, exportName: string, ...args: unknown[]): void;
}

/**
 * A reactor with a worker pool (Twisted's `IReactorThreads`): the pool is
 * made on first use, and the reactor's shutdown waits for its work in
 * flight.
 */
export interface IReactorThreads extends IReactorFromThreads, IReactorInThreads {
  /** The reactor's pool (Twisted's `getThreadPool`), made on first use. */
  getThreadPool(): IWorkerPool;
  /** Sets the pool's `max` to `size` (lowering `min` to it if needed). */
  suggestThreadPoolSize(size: number): void;
  /**
   * Runs `exportName` of `module` with `args` in the reactor's pool: a
   * Deferred of the result (Twisted's `deferToThread`, bound to this
   * reactor's pool).
   */
  deferToWorker<R = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Deferred<R>;
}
