/**
 * `deferToWorker`: run a function of a module in the default reactor's
 * worker pool (Twisted's `deferToThread`).
 *
 * @module
 */
import type { Deferred } from '../core/defer.js';
import { reactor } from './reactor.js';

/**
 * Runs `exportName` of the ES module at `module` with `args` in the default
 * reactor's worker pool (`reactor.getThreadPool()`); see
 * `WorkerPool.deferToWorker` for the rules and errors.
 *
 * @example
 * ```ts
 * // fib.ts: export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * const n = await deferToWorker<number>(new URL('./fib.js', import.meta.url), 'fib', 30);
 * ```
 */
export function deferToWorker<R = unknown>(
  module: string | URL,
  exportName: string,
  ...args: unknown[]
): Deferred<R> {
  return reactor.getThreadPool().deferToWorker<R>(module, exportName, ...args);
}
