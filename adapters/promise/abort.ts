/**
 * `AbortSignal` ⇄ `Deferred.cancel()`: the web platform's cancellation and
 * Twisted's, carried across in both directions, exactly once, with every
 * listener removed when the work settles.
 *
 * @module
 */
import { Deferred } from '../../src/core/defer.js';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { Failure } from '../../src/core/failure.js';
import type { IReactorTime } from '../../src/core/interfaces/reactor.js';

/** Whether an abort reason means "took too long" (weft's TimeoutError or the DOM's). */
function isTimeoutReason(reason: unknown): boolean {
  return (
    reason instanceof TimeoutError ||
    (typeof reason === 'object' &&
      reason !== null &&
      (reason as { name?: unknown }).name === 'TimeoutError')
  );
}

/** The failure a Deferred cancelled by `signal` ends with (see {@link cancelOnAbort}). */
function abortFailure(reason: unknown): TimeoutError | undefined {
  if (!isTimeoutReason(reason)) return undefined;
  if (reason instanceof TimeoutError) return reason;
  return new TimeoutError(undefined, 'The operation timed out (AbortSignal)', { cause: reason });
}

/**
 * Cancels `d` when `signal` aborts (`d.cancel(signal.reason)`), at once if it
 * already has; the listener is removed as soon as `d` fires, so a long-lived
 * signal does not collect listeners. Returns `d`.
 *
 * `d` then fails with `CancelledError` whose `cause` is the abort reason —
 * except when the reason is a timeout (`AbortSignal.timeout()`'s DOMException
 * named `TimeoutError`, or weft's `TimeoutError` from {@link timeoutSignal}):
 * then it fails with weft's `TimeoutError` (the DOMException as its `cause`),
 * as `addTimeout` does. Callbacks added to `d` before this call still see the
 * `CancelledError`, as with `addTimeout`.
 *
 * @example
 * ```ts
 * import { Deferred } from 'weft';
 * import { cancelOnAbort } from 'weft/adapters/promise';
 *
 * const d = cancelOnAbort(new Deferred<string>(), AbortSignal.timeout(5000));
 * d.addErrback((f) => console.log(f.value)); // TimeoutError after 5 s
 * ```
 */
export function cancelOnAbort<T>(d: Deferred<T>, signal: AbortSignal): Deferred<T> {
  if (d.called) return d;
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    d.cancel(signal.reason);
  };
  d.addBoth((value: T | Failure): T | Failure => {
    signal.removeEventListener('abort', onAbort);
    if (aborted && value instanceof Failure && value.check(CancelledError) !== null) {
      const timeout = abortFailure(signal.reason);
      if (timeout !== undefined) return new Failure(timeout);
    }
    return value;
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return d;
}

/** Options of {@link runAbortable}. */
export interface RunAbortableOptions {
  /** The caller's signal: aborting it cancels the returned Deferred. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs an abortable async operation — anything that takes an `AbortSignal`,
 * such as `fetch` or `events.once` — as a cancellable Deferred.
 *
 * `op` gets a signal that `cancel()` aborts (with the cancel reason), so the
 * operation really stops. When `options.signal` is given, aborting it
 * cancels the Deferred too (see {@link cancelOnAbort} for the failures). If
 * that signal has already aborted, `op` is never called ("cancelled before
 * it started") and the Deferred has already failed. A synchronous throw from
 * `op` becomes the Deferred's failure.
 *
 * @example
 * ```ts
 * import { runAbortable } from 'weft/adapters/promise';
 *
 * const d = runAbortable((signal) => fetch('http://127.0.0.1:8080/', { signal }));
 * d.cancel(); // aborts the request
 * ```
 */
export function runAbortable<T>(
  op: (signal: AbortSignal) => T | PromiseLike<T>,
  options: RunAbortableOptions = {},
): Deferred<Awaited<T>> {
  const outer = options.signal;
  if (outer?.aborted === true) {
    // Never start it: the failure is the one an abort mid-flight would give.
    return cancelOnAbort(new Deferred<Awaited<T>>(), outer);
  }
  const d = Deferred.fromPromise(op);
  return outer === undefined ? d : cancelOnAbort(d, outer);
}

/**
 * An `AbortSignal` that aborts when `d` is cancelled — when it fails with
 * `CancelledError` — with that error as the reason, so code that takes a
 * signal (`fetch`, streams, `events.once`) stops with the Deferred. With
 * `{ onFailure: true }` any failure of `d` aborts it. The signal never aborts
 * once `d` has succeeded. `d`'s result passes through unchanged.
 *
 * @example
 * ```ts
 * import { Deferred } from 'weft';
 * import { abortSignalFor } from 'weft/adapters/promise';
 *
 * const d = new Deferred<void>();
 * const signal = abortSignalFor(d);
 * d.cancel();
 * console.log(signal.aborted); // true
 * ```
 */
export function abortSignalFor<T>(
  d: Deferred<T>,
  options: { readonly onFailure?: boolean } = {},
): AbortSignal {
  const controller = new AbortController();
  d.addBoth((value: T | Failure): T | Failure => {
    if (
      value instanceof Failure &&
      (options.onFailure === true || value.check(CancelledError) !== null)
    ) {
      controller.abort(value.value);
    }
    return value;
  });
  return controller.signal;
}

/**
 * An `AbortSignal` that aborts after `seconds` of `time` with weft's
 * `TimeoutError` as the reason: `AbortSignal.timeout()` on the reactor's
 * clock, so it is deterministic under a `Clock` (the DOM one runs on real
 * time only). `dispose` cancels the pending timer when the work finishes
 * first.
 *
 * @example
 * ```ts
 * import { timeoutSignal } from 'weft/adapters/promise';
 * import { Clock } from 'weft/testing';
 *
 * const clock = new Clock();
 * const { signal } = timeoutSignal(clock, 30);
 * clock.advance(30);
 * console.log(signal.aborted); // true
 * ```
 */
export function timeoutSignal(
  time: Pick<IReactorTime, 'callLater'>,
  seconds: number,
): { readonly signal: AbortSignal; readonly dispose: () => void } {
  const controller = new AbortController();
  const call = time.callLater(seconds, () => {
    controller.abort(
      new TimeoutError(seconds, `The operation timed out after ${String(seconds)} seconds`),
    );
  });
  return {
    signal: controller.signal,
    dispose: (): void => {
      if (call.active()) call.cancel();
    },
  };
}
