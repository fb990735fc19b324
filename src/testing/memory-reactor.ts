/**
 * `MemoryReactorClock`: a whole reactor (time and lifecycle) whose time moves
 * only when a test says so.
 *
 * @module
 */
import { ReactorBase } from '../core/reactor-base.js';

/**
 * A reactor for tests: the full {@link ReactorBase} lifecycle (triggers,
 * `run`, `stop`, `callWhenRunning`) with the time of a `Clock`. Nothing
 * happens between calls: {@link MemoryReactorClock.advance} moves time and
 * runs what falls due, and also completes a pending `stop()`. For tests; not
 * for implementation code.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactorClock();
 * const done = reactor.run();
 * reactor.callLater(5, () => reactor.stop());
 * reactor.advance(5); // the call runs, then shutdown completes
 * successResultOf(done);
 * ```
 */
export class MemoryReactorClock extends ReactorBase {
  /** The current time, in seconds. */
  rightNow = 0;
  /**
   * What the reactor last asked for: seconds (counted from when it asked)
   * until it wants to iterate, or null when it waits for nothing.
   */
  wakeup: number | null = null;

  /** The current time, in seconds. */
  seconds(): number {
    return this.rightNow;
  }

  /** Records the request; nothing runs until {@link MemoryReactorClock.advance}. */
  protected scheduleWakeup(delaySeconds: number | null): void {
    this.wakeup = delaySeconds;
  }

  /**
   * Moves time forward by `seconds` (default 0) and iterates until nothing
   * more is due: every call due at or before the new time runs, including
   * those scheduled meanwhile that fall due, and a pending `stop()` completes.
   */
  advance(seconds = 0): void {
    this.rightNow += seconds;
    // `wakeup` is relative to when it was asked for, so it says "now" only when 0 (a pending
    // stop); due calls are found by asking the heap against the new time.
    while (!this.shutDown && (this.wakeup === 0 || this.timeout() === 0)) {
      this.iterate();
    }
  }

  /** Advances by each amount in turn. */
  pump(timings: Iterable<number>): void {
    for (const amount of timings) this.advance(amount);
  }
}
