/**
 * Reactor interfaces: time. (Core lifecycle and I/O interfaces join them as
 * the reactor grows.)
 *
 * @module
 */

/**
 * A call scheduled by {@link IReactorTime.callLater}.
 *
 * `cancel`, `delay` and `reset` throw `AlreadyCalledError` once the call has
 * run and `AlreadyCancelledError` once it was cancelled.
 */
export interface IDelayedCall {
  /** When the call is due, in the reactor's seconds (see {@link IReactorTime.seconds}). */
  getTime(): number;
  /** Cancels the call; it will not run. */
  cancel(): void;
  /** Postpones the call by `secondsLater` from its current due time. */
  delay(secondsLater: number): void;
  /** Reschedules the call to run `secondsFromNow` seconds from now. */
  reset(secondsFromNow: number): void;
  /** Whether the call has neither run nor been cancelled. */
  active(): boolean;
  /** Cancels the call if still active (for `using`). */
  [Symbol.dispose](): void;
}

/**
 * Time as a reactor keeps it: a monotonic clock in seconds, and calls
 * scheduled on it. Everything in weft that waits takes one, so tests can pass
 * a `Clock` instead.
 */
export interface IReactorTime {
  /** The current time in seconds (a float), monotonic. */
  seconds(): number;
  /**
   * Calls `fn(...args)` once, `delaySeconds` from now. A call that throws is
   * logged; it never stops the reactor.
   */
  callLater<A extends unknown[]>(
    delaySeconds: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): IDelayedCall;
  /** Every call that is still scheduled. */
  getDelayedCalls(): readonly IDelayedCall[];
}
