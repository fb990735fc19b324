/**
 * Types of the {@link Deferred} API: the canceller, the settled-type helper
 * and the option objects of `addCallbacks` and `asPromise`.
 *
 * @module
 */
import type { Deferred } from './defer.js';
import type { Failure } from './failure.js';

/**
 * Called by {@link Deferred.cancel} on a Deferred that has not fired yet.
 * It may fire the Deferred itself (which decides the result); if it does not,
 * the Deferred fails with `CancelledError`. `reason` is the reason given to
 * `cancel(reason)`, or the `CancelledError` about to be used.
 */
export type Canceller<T> = (deferred: Deferred<T>, reason: unknown) => void;

/**
 * What a step's return type `U` makes the chain carry: a returned Failure
 * switches to the error path, so it is not part of the success type.
 */
export type Settled<U> = U extends Failure ? never : U;

/** Options of {@link Deferred.addCallbacks}: extra arguments for each side. */
export interface AddCallbacksOptions<CA extends unknown[], EA extends unknown[]> {
  /** Passed to the callback after the result. */
  readonly callbackArgs?: CA;
  /** Passed to the errback after the Failure. */
  readonly errbackArgs?: EA;
}

/** Options of {@link Deferred.asPromise}. */
export interface AsPromiseOptions {
  /** Aborting it cancels the Deferred, with the signal's reason as the cancel reason. */
  readonly signal?: AbortSignal | undefined;
}
