/**
 * A `DeferredQueue` read with `for await`.
 *
 * @module
 */
import type { Deferred } from '../../src/core/defer.js';
import type { DeferredQueue } from '../../src/core/deferred-queue.js';
import { CancelledError } from '../../src/core/errors.js';

/** Options of {@link iterateQueue}. */
export interface IterateQueueOptions<T> {
  /** Aborting it ends the loop: the pending `next()` rejects with `CancelledError` (cause: the reason). */
  readonly signal?: AbortSignal | undefined;
  /** An item for which this returns true ends the loop (it is not yielded): a sentinel. */
  readonly isEnd?: ((item: T) => boolean) | undefined;
}

/**
 * Iterates `queue` with `for await`: each `next()` is a `queue.get()`.
 *
 * The loop runs until `isEnd` recognises an item, the signal aborts, or the
 * consumer leaves (`break`): leaving cancels the pending `get()`, which
 * removes it from the queue's waiting getters, so no item is lost to a loop
 * that is gone — the next reader gets it.
 *
 * @example
 * ```ts
 * import { DeferredQueue } from 'weft';
 * import { iterateQueue } from 'weft/adapters/promise';
 *
 * const jobs = new DeferredQueue<string | null>();
 * jobs.put('a');
 * jobs.put('b');
 * jobs.put(null); // the sentinel
 * for await (const job of iterateQueue(jobs, { isEnd: (j) => j === null })) console.log(job);
 * ```
 */
export function iterateQueue<T>(
  queue: DeferredQueue<T>,
  options: IterateQueueOptions<T> = {},
): AsyncIterableIterator<T> {
  const { signal, isEnd } = options;
  let pending: Deferred<T> | null = null;
  let done = false;
  const DONE: IteratorResult<T> = { value: undefined, done: true };

  const onAbort = (): void => {
    done = true;
    pending?.cancel(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const finish = (): void => {
    done = true;
    signal?.removeEventListener('abort', onAbort);
  };

  return {
    async next(): Promise<IteratorResult<T>> {
      if (done) return DONE;
      if (signal?.aborted === true) {
        finish();
        throw new CancelledError('The queue iteration was aborted', { cause: signal.reason });
      }
      const d = queue.get();
      pending = d;
      let item: T;
      try {
        item = await d;
      } catch (e) {
        finish();
        // Read afresh: the signal may have aborted while we waited.
        if (e instanceof CancelledError && isAborted(signal)) {
          throw new CancelledError('The queue iteration was aborted', { cause: signal?.reason });
        }
        if (e instanceof CancelledError) return DONE; // return() cancelled the get
        throw e;
      } finally {
        if (pending === d) pending = null;
      }
      if (isEnd?.(item) === true) {
        finish();
        return DONE;
      }
      return { value: item, done: false };
    },
    return(): Promise<IteratorResult<T>> {
      finish();
      pending?.cancel();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
