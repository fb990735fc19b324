/**
 * What code running inside a pool worker can use: `callFromThread` to post a
 * call back to the reactor thread, and `transfer` to move buffers instead of
 * copying them (both directions).
 *
 * @module
 */
import type { Transferable } from 'node:worker_threads';
import { InvalidStateError } from '../core/errors.js';
import { CONTEXT_KEY, TRANSFER_BRAND, type WorkerContext } from './worker-main.js';

/** A value to send with a transfer list: made by {@link transfer}. */
export interface Transfer<T> {
  /** The value itself. */
  readonly value: T;
  /** The buffers and ports moved (not copied) with it; unusable by the sender afterwards. */
  readonly transferList: readonly Transferable[];
}

const brand = Symbol.for(TRANSFER_BRAND);

/**
 * Marks `value` to be sent with `transferList` moved rather than copied: as
 * an argument of `deferToWorker`, or as the return value of a function run in
 * a worker. A transferred `ArrayBuffer` is detached on the sending side
 * (`byteLength` 0).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(1 << 20);
 * const pool = reactor.getThreadPool();
 * pool.deferToWorker(new URL('./hash.js', import.meta.url), 'sha256', transfer(bytes, [bytes.buffer]));
 * // bytes.byteLength === 0 now: the buffer moved to the worker.
 * ```
 */
export function transfer<T>(value: T, transferList: readonly Transferable[]): Transfer<T> {
  return { [brand]: true, value, transferList } as Transfer<T>;
}

/** Whether `value` was made by {@link transfer}. */
export function isTransfer(value: unknown): value is Transfer<unknown> {
  return typeof value === 'object' && value !== null && brand in value;
}

/**
 * From code running in a pool worker: runs the callable registered as
 * `name` on the pool (see `WorkerPool.setCallable`) with `args`, on the
 * reactor thread, as Twisted's `reactor.callFromThread`. Functions cannot
 * cross threads, so the call names a registered function; `args` are copied
 * (structured clone). Returns at once; calls arrive in order, and before the
 * result of the work that made them.
 *
 * @throws {InvalidStateError} outside a pool worker.
 *
 * @example
 * ```ts
 * // work.ts, run by pool.deferToWorker(new URL('./work.js', import.meta.url), 'count', 1e6)
 * export function count(n: number): number {
 *   for (let i = 1; i <= n; i++) if (i % 100_000 === 0) callFromThread('progress', i / n);
 *   return n;
 * }
 * ```
 */
export function callFromThread(name: string, ...args: unknown[]): void {
  const context = (globalThis as Record<symbol, WorkerContext | undefined>)[
    Symbol.for(CONTEXT_KEY)
  ];
  if (context === undefined) {
    throw new InvalidStateError('callFromThread is for code running in a weft pool worker');
  }
  context.post(name, args);
}
