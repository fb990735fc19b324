/**
 * Module-level {@link Deferred} makers (`succeed`, `fail`, `maybeDeferred`)
 * and the body of `chainDeferred`.
 *
 * @module
 */
import { Deferred } from './defer.js';
import { deferredFromPromise, isThenable } from './deferred-promise.js';
import type { Settled } from './deferred-types.js';
import { Failure } from './failure.js';

/** An already-fired Deferred holding `value`. */
export function succeed<T>(value: T): Deferred<T> {
  const d = new Deferred<T>();
  d.callback(value);
  return d;
}

/** An already-failed Deferred holding `reason` (wrapped in a {@link Failure} unless it is one). */
export function fail<T = never>(reason: unknown): Deferred<T> {
  const d = new Deferred<T>();
  d.errback(reason);
  return d;
}

/**
 * Calls `fn(...args)` and gives its outcome as a Deferred: a thrown error
 * fails it, a returned Deferred is returned as it is, a promise or thenable
 * is followed, a returned Failure fails it, and any other value fires it.
 */
export function maybeDeferred<R, A extends unknown[]>(
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Deferred<Settled<Awaited<R>>> {
  let result: unknown;
  try {
    result = fn(...args);
  } catch (e) {
    return fail(e);
  }
  if (result instanceof Deferred) return result as Deferred<Settled<Awaited<R>>>;
  if (result instanceof Failure) return fail(result);
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    let thenable: boolean;
    try {
      thenable = isThenable(result);
    } catch (e) {
      return fail(e);
    }
    if (thenable) {
      return deferredFromPromise(result as PromiseLike<R>) as Deferred<Settled<Awaited<R>>>;
    }
  }
  return succeed(result as Settled<Awaited<R>>);
}

/** The body of {@link Deferred.chainDeferred}: `other` fires with `d`'s result. */
export function chainDeferredTo<T>(d: Deferred<T>, other: Deferred<T>): Deferred<void> {
  return d.addCallbacks(
    (result) => {
      other.callback(result);
    },
    (failure) => {
      other.errback(failure);
    },
  );
}
