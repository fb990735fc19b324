/**
 * Promise interop for {@link Deferred}: recognising thenables, making a
 * Deferred from a promise or an abortable async function
 * (`Deferred.fromPromise`), and a Promise from a Deferred (`asPromise`).
 *
 * @module
 */
import { Deferred } from './defer.js';
import type { AsPromiseOptions } from './deferred-types.js';

/** Whether `value` has a callable `then` (reading it may run a getter, which may throw). */
export function isThenable(value: object): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/** The canceller of a Deferred made from a bare promise: nothing to stop, so it only fails. */
function ignoreCancel(): void {
  // A plain promise cannot be stopped; cancel() then fails the Deferred itself.
}

/** Fires `d` with how `source` settles, unless `d` has fired (been cancelled) by then. */
function settleFrom<T>(d: Deferred<Awaited<T>>, source: PromiseLike<T>): void {
  try {
    source.then(
      (value) => {
        if (!d.called) d.callback(value as Awaited<T>);
      },
      (reason: unknown) => {
        if (!d.called) d.errback(reason);
      },
    );
  } catch (e) {
    d.errback(e);
  }
}

/**
 * The body of {@link Deferred.fromPromise}; the chain and `maybeDeferred`
 * call it directly.
 */
export function deferredFromPromise<T>(
  source: PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>),
): Deferred<Awaited<T>> {
  if (typeof source !== 'function') {
    const d = new Deferred<Awaited<T>>(ignoreCancel);
    settleFrom(d, source);
    return d;
  }
  const controller = new AbortController();
  let returned: Deferred | null = null;
  const d = new Deferred<Awaited<T>>((_, reason) => {
    controller.abort(reason);
    returned?.cancel(reason);
  });
  let value: T | PromiseLike<T>;
  try {
    value = source(controller.signal);
  } catch (e) {
    d.errback(e);
    return d;
  }
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    if (value instanceof Deferred) {
      // Follow it as a chain would: cancel is forwarded, its result consumed.
      returned = value as Deferred;
      returned.addBoth((result) => {
        if (!d.called) d.callback(result as Awaited<T>);
        return undefined;
      });
      return d;
    }
    if (isThenable(value)) {
      settleFrom(d, value);
      return d;
    }
  }
  d.callback(value as Awaited<T>);
  return d;
}

/** The body of {@link Deferred.asPromise}, for `d`. */
export function deferredToPromise<T>(d: Deferred<T>, options?: AsPromiseOptions): Promise<T> {
  const signal = options?.signal;
  return new Promise<T>((resolve, reject) => {
    let onAbort: (() => void) | undefined;
    if (signal !== undefined) {
      if (signal.aborted) {
        d.cancel(signal.reason);
      } else {
        onAbort = () => {
          d.cancel(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    }
    d.addCallbacks(
      (value) => {
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (failure) => {
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        reject(failure.value);
      },
    );
  });
}
