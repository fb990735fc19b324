/**
 * Observable ⇄ async iterable, with cancellation carried both ways at once:
 * unsubscribing calls the iterator's `return()` now (not after its next
 * value, as RxJS's `from(asyncIterable)` does), and leaving a `for await`
 * unsubscribes.
 *
 * @module
 */
import { Observable, type Subscription } from 'rxjs';

import { nameError } from '../../src/core/brand.js';
import { WeftError } from '../../src/core/errors.js';
import { Logger } from '../../src/core/logger.js';

const log = new Logger('weft.adapters.rxjs');

/**
 * An Observable emitted faster than its `for await` loop read it, past the
 * `maxBuffered` of {@link iterateObservable}: the loop ends with this error
 * (after the values buffered before it) and the subscription is closed.
 */
export class ObservableOverflowError extends WeftError {
  /** The limit that was passed, in values. */
  readonly maxBuffered: number;

  constructor(maxBuffered: number) {
    super(`More than ${String(maxBuffered)} values waited unread: the Observable was dropped`);
    this.maxBuffered = maxBuffered;
  }
}
nameError(ObservableOverflowError, 'ObservableOverflowError');

/**
 * A cold Observable of an async iterable's values: each subscription opens
 * its own iterator and pulls one value at a time (the iterator's pace is the
 * backpressure). Unsubscribing calls `iterator.return()` at once, exactly
 * once — an async generator's `finally` runs, an `IterableProtocol` closes
 * its connection, an `iterateQueue` cancels its pending get — while a
 * completed or failed iteration is not returned. An error from `return()`
 * is logged (namespace `weft.adapters.rxjs`).
 *
 * @example
 * ```ts
 * import { fromAsyncIterable } from 'weft/adapters/rxjs';
 *
 * async function* ticks(): AsyncGenerator<number> {
 *   try {
 *     for (let i = 0; ; i++) yield i;
 *   } finally {
 *     console.log('generator closed');
 *   }
 * }
 * const subscription = fromAsyncIterable(ticks()).subscribe((n) => {
 *   if (n === 2) subscription.unsubscribe(); // logs "generator closed"
 * });
 * ```
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    /** The iteration is over (done, failed or returned): nothing left to return. */
    let over = false;
    const pull = (): void => {
      iterator.next().then(
        (result) => {
          if (over) return;
          if (result.done === true) {
            over = true;
            subscriber.complete();
            return;
          }
          subscriber.next(result.value);
          pull();
        },
        (e: unknown) => {
          if (over) return;
          over = true;
          subscriber.error(e);
        },
      );
    };
    pull();
    return () => {
      if (over) return;
      over = true;
      const returned = iterator.return?.();
      if (returned !== undefined) {
        returned.then(undefined, (e: unknown) => {
          log.failure('Unhandled error in an async iterator’s return()', e);
        });
      }
    };
  });
}

/** Options of {@link iterateObservable}. */
export interface IterateObservableOptions {
  /**
   * Values that may wait unread before the loop fails with
   * {@link ObservableOverflowError} (RxJS has no backpressure: this is the
   * bound instead). Default 1024.
   */
  readonly maxBuffered?: number;
}

/**
 * Reads an Observable with `for await`. It subscribes on the first `next()`
 * and buffers what arrives between reads, up to `maxBuffered` values (then
 * the loop fails with {@link ObservableOverflowError} and the subscription
 * is closed). The loop ends at `complete`, throws the `error`, and leaving
 * it (`break`, `return`, a throw) unsubscribes exactly once. For a source
 * that can outrun the loop without limit, put a lossy or bounded operator
 * (`throttleTime`, `bufferTime`, `mergeMap(f, n)`) in front.
 *
 * @example
 * ```ts
 * import { interval, take } from 'rxjs';
 * import { iterateObservable } from 'weft/adapters/rxjs';
 *
 * for await (const n of iterateObservable(interval(10).pipe(take(3)))) console.log(n); // 0 1 2
 * ```
 */
export function iterateObservable<T>(
  source: Observable<T>,
  options: IterateObservableOptions = {},
): AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> } {
  const maxBuffered = options.maxBuffered ?? 1024;
  const buffer: T[] = [];
  let subscription: Subscription | null = null;
  let end: { error: unknown } | null | 'complete' = null;
  let waiter: {
    resolve: (r: IteratorResult<T>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  let returned = false;
  const DONE: IteratorResult<T> = { value: undefined, done: true };

  const finish = (how: { error: unknown } | 'complete'): void => {
    end = how;
    const w = waiter;
    waiter = null;
    if (w === null) return;
    if (how === 'complete') w.resolve(DONE);
    else w.reject(how.error);
  };

  const subscribe = (): void => {
    subscription = source.subscribe({
      next: (value) => {
        if (end !== null) return;
        const w = waiter;
        if (w !== null) {
          waiter = null;
          w.resolve({ value, done: false });
          return;
        }
        if (buffer.length >= maxBuffered) {
          finish({ error: new ObservableOverflowError(maxBuffered) });
          subscription?.unsubscribe();
          return;
        }
        buffer.push(value);
      },
      error: (e: unknown) => {
        if (end === null) finish({ error: e });
      },
      complete: () => {
        if (end === null) finish('complete');
      },
    });
    // An overflow during a synchronous subscribe could not unsubscribe yet.
    if (end !== null) subscription.unsubscribe();
  };

  return {
    next(): Promise<IteratorResult<T>> {
      if (returned) return Promise.resolve(DONE);
      if (subscription === null) subscribe();
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (end !== null) {
        returned = true;
        return end === 'complete' ? Promise.resolve(DONE) : Promise.reject(end.error);
      }
      if (waiter !== null) {
        return Promise.reject(new TypeError('iterateObservable: one next() at a time (one loop)'));
      }
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    return(): Promise<IteratorResult<T>> {
      if (!returned) {
        returned = true;
        buffer.length = 0;
        const w = waiter;
        waiter = null;
        w?.resolve(DONE);
        subscription?.unsubscribe();
      }
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
