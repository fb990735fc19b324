/**
 * The timeout of {@link Deferred.addTimeout}: cancel at a deadline and turn
 * the resulting `CancelledError` into a `TimeoutError`.
 *
 * @module
 */
import type { Deferred } from './defer.js';
import { CancelledError, TimeoutError } from './errors.js';
import { Failure } from './failure.js';
import type { IReactorTime } from './interfaces/reactor.js';

/** The body of {@link Deferred.addTimeout}, for `d`. */
export function addDeferredTimeout<T>(
  d: Deferred<T>,
  seconds: number,
  clock: Pick<IReactorTime, 'callLater'>,
  onTimeoutCancel?: (value: T | Failure, seconds: number) => unknown,
): void {
  let timedOut: TimeoutError | null = null;
  const call = clock.callLater(seconds, () => {
    timedOut = new TimeoutError(seconds, `Deferred timed out after ${String(seconds)} seconds`);
    d.cancel(timedOut);
  });
  d.addBoth((value): unknown => {
    if (timedOut === null) return value;
    if (onTimeoutCancel !== undefined) return onTimeoutCancel(value, seconds);
    if (value instanceof Failure && value.check(CancelledError) !== null) {
      return new Failure(timedOut);
    }
    return value;
  });
  d.addBoth((value): unknown => {
    if (call.active()) call.cancel();
    return value;
  });
}
