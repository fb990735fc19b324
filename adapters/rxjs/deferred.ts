/**
 * Deferred ⇄ Observable, with cancellation carried both ways.
 *
 * @module
 */
import { Observable, type Subscription } from 'rxjs';

import { Deferred } from '../../src/core/defer.js';
import { Failure } from '../../src/core/failure.js';

/**
 * An Observable of `d`'s result: one value then completion, or the
 * failure's error. Each subscription adds its own callbacks and passes the
 * result on unchanged, so the Deferred's own chain goes on as before.
 * Unsubscribing before `d` fires cancels `d` (with `cancelOnUnsubscribe`,
 * the default) — the Deferred is the work, and the last interested party
 * left.
 *
 * @example
 * ```ts
 * import { Deferred } from 'weft';
 * import { toObservable } from 'weft/adapters/rxjs';
 *
 * const d = new Deferred<number>();
 * toObservable(d).subscribe((n) => console.log(n));
 * d.callback(42); // logs 42
 * ```
 */
export function toObservable<T>(
  d: Deferred<T>,
  options: { readonly cancelOnUnsubscribe?: boolean } = {},
): Observable<T> {
  const cancelOnUnsubscribe = options.cancelOnUnsubscribe ?? true;
  return new Observable<T>((subscriber) => {
    let done = false;
    d.addBoth((value: T | Failure): T | Failure => {
      done = true;
      if (subscriber.closed) return value;
      if (value instanceof Failure) {
        subscriber.error(value.value);
      } else {
        subscriber.next(value);
        subscriber.complete();
      }
      return value;
    });
    return () => {
      if (!done && cancelOnUnsubscribe) d.cancel();
    };
  });
}

/** Options of {@link fromObservable}. */
export interface FromObservableOptions<T> {
  /**
   * Which value fires the Deferred: the `'first'` (then it unsubscribes) or
   * the `'last'` before completion. Default `'first'`.
   */
  readonly mode?: 'first' | 'last';
  /**
   * The result when the Observable completes without a value. Without it,
   * the Deferred fails with RxJS's `EmptyError`-like `RangeError`.
   */
  readonly defaultValue?: T;
}

/**
 * A Deferred for an Observable's first (or last) value, like
 * `firstValueFrom`/`lastValueFrom` but cancellable: cancelling the Deferred
 * unsubscribes, which stops the Observable's work. An error notification
 * fails the Deferred; completing with no value fails it with a
 * `RangeError` (or fires `defaultValue`).
 *
 * @example
 * ```ts
 * import { timer } from 'rxjs';
 * import { fromObservable } from 'weft/adapters/rxjs';
 *
 * const d = fromObservable(timer(60_000));
 * d.cancel(); // unsubscribes: the timer is cleared
 * ```
 */
export function fromObservable<T>(
  source: Observable<T>,
  options: FromObservableOptions<T> = {},
): Deferred<T> {
  const mode = options.mode ?? 'first';
  const hasDefault = 'defaultValue' in options;
  let subscription: Subscription | null = null;
  // An object, so the checker sees that the callbacks below may set it during subscribe().
  const pending = { unsubscribe: false };
  const d = new Deferred<T>(() => {
    if (subscription !== null) subscription.unsubscribe();
    else pending.unsubscribe = true; // cancelled during the synchronous subscribe
  });
  let last: { value: T } | null = null;
  subscription = source.subscribe({
    next: (value) => {
      if (d.called) return;
      if (mode === 'first') {
        d.callback(value);
        unsubscribe();
      } else {
        last = { value };
      }
    },
    error: (e: unknown) => {
      if (!d.called) d.errback(e);
    },
    complete: () => {
      if (d.called) return;
      if (last !== null) d.callback(last.value);
      else if (hasDefault) d.callback(options.defaultValue);
      else d.errback(new RangeError('The Observable completed without a value'));
    },
  });
  function unsubscribe(): void {
    if (subscription !== null) subscription.unsubscribe();
    else pending.unsubscribe = true; // the first value came during the synchronous subscribe
  }
  if (pending.unsubscribe) subscription.unsubscribe();
  return d;
}
