/**
 * `Clock`: an `IReactorTime` whose time moves only when a test says so.
 *
 * @module
 */
import { DelayedCall, type DelayedCallOwner } from '../core/delayed-call.js';
import type { IDelayedCall, IReactorTime } from '../core/interfaces/reactor.js';

/**
 * A fake clock for tests (Twisted's `twisted.internet.task.Clock`). Time starts
 * at 0 and moves only through {@link Clock.advance}; calls due at the same time
 * run in the order they were scheduled. For tests; not for implementation code.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const d = succeed(1).addCallback(() => deferLater(clock, 5));
 * clock.advance(4.999); // not yet
 * clock.advance(0.001); // d fires
 * ```
 */
export class Clock implements IReactorTime, DelayedCallOwner {
  /** The current time, in seconds. */
  rightNow = 0;
  /** Pending calls, sorted by due time then scheduling order. */
  readonly #calls: DelayedCall[] = [];
  #seq = 0;

  /** The current time, in seconds. */
  seconds(): number {
    return this.rightNow;
  }

  /**
   * Schedules `fn(...args)` for `delaySeconds` from now. Unlike a real reactor,
   * a negative delay is accepted (the call is simply due already).
   */
  callLater<A extends unknown[]>(
    delaySeconds: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): IDelayedCall {
    const call = new DelayedCall(this, this.rightNow + delaySeconds, this.#seq++, fn, args);
    this.#insert(call);
    return call;
  }

  /** Every pending call, soonest first. */
  getDelayedCalls(): readonly IDelayedCall[] {
    return [...this.#calls];
  }

  /**
   * Moves time forward by `seconds` and runs every call due at or before the
   * new time, in time order, including calls scheduled while advancing that
   * fall due. An exception from a call propagates (the remaining calls stay
   * scheduled).
   */
  advance(seconds: number): void {
    this.rightNow += seconds;
    for (;;) {
      const first = this.#calls[0];
      if (first === undefined || first.time > this.rightNow) break;
      this.#calls.shift();
      first.index = -1;
      first.run();
    }
  }

  /** Advances by each amount in turn. */
  pump(timings: Iterable<number>): void {
    for (const amount of timings) this.advance(amount);
  }

  /** @internal */
  cancelled(call: DelayedCall): void {
    this.#remove(call);
  }

  /** @internal */
  rescheduled(call: DelayedCall): void {
    this.#remove(call);
    this.#insert(call);
  }

  #remove(call: DelayedCall): void {
    const i = this.#calls.indexOf(call);
    if (i >= 0) this.#calls.splice(i, 1);
    call.index = -1;
  }

  /** Binary insertion after every call due at the same time or earlier with a lower sequence. */
  #insert(call: DelayedCall): void {
    const calls = this.#calls;
    let lo = 0;
    let hi = calls.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = calls[mid] as DelayedCall;
      if (other.time < call.time || (other.time === call.time && other.seq < call.seq))
        lo = mid + 1;
      else hi = mid;
    }
    calls.splice(lo, 0, call);
  }
}
