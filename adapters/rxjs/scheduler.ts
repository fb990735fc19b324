/**
 * The reactor as an RxJS `SchedulerLike`: `interval`, `timer`, `delay`,
 * `timeout`, `debounceTime`, `retry({ delay })` and friends run on weft's
 * time — and so deterministically under a `Clock`.
 *
 * @module
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';

/**
 * One scheduled unit of work (RxJS's `SchedulerAction`): a subscription
 * whose `schedule(state, delay)` (re)arms a delayed call on the reactor.
 */
class ReactorAction<T> extends Subscription implements SchedulerAction<T> {
  readonly #time: IReactorTime;
  readonly #work: (this: SchedulerAction<T>, state?: T) => void;
  #call: IDelayedCall | null = null;
  #state: T | undefined;
  /** Whether `work` is running now, and whether it re-armed the action while it ran. */
  #running = false;
  #rescheduled = false;

  constructor(time: IReactorTime, work: (this: SchedulerAction<T>, state?: T) => void) {
    super();
    this.#time = time;
    this.#work = work;
    // Unsubscribing (by the consumer, or after a run that did not re-arm) cancels the call.
    this.add(() => {
      this.#cancel();
    });
  }

  /** Arms (or re-arms) the action `delay` milliseconds from now. No-op once closed (rule 3). */
  schedule(state?: T, delay: number = 0): Subscription {
    if (this.closed) return this;
    this.#state = state;
    this.#cancel();
    if (this.#running) this.#rescheduled = true;
    const seconds = Math.max(0, delay) / 1000;
    this.#call = this.#time.callLater(seconds, () => {
      this.#run();
    });
    return this;
  }

  #run(): void {
    this.#call = null;
    this.#running = true;
    this.#rescheduled = false;
    try {
      this.#work.call(this, this.#state);
    } catch (e) {
      // Rule 5: dispose and rethrow (the reactor logs it, as any delayed call's error).
      this.#running = false;
      this.unsubscribe();
      throw e;
    }
    this.#running = false;
    // Rule 2: done unless the work re-armed itself (periodic operators do).
    if (!this.#reArmed()) this.unsubscribe();
  }

  /** Whether the work that just ran called `schedule()` again (read after it ran). */
  #reArmed(): boolean {
    return this.#rescheduled;
  }

  #cancel(): void {
    const call = this.#call;
    this.#call = null;
    if (call?.active() === true) call.cancel();
  }
}

/**
 * An RxJS scheduler on an `IReactorTime`: `now()` is `time.seconds()` in
 * milliseconds, and each scheduled action is one `callLater` (delays in
 * milliseconds become seconds). Actions due at the same time run in the
 * order they were scheduled; an action unsubscribed before it runs leaves no
 * delayed call behind; an error thrown by an action disposes it and is
 * reported by the reactor.
 *
 * Pass it wherever an operator takes a scheduler. Under a `Clock`, the
 * timings are exactly those `TestScheduler` gives in marble tests.
 *
 * @example
 * ```ts
 * import { interval, take } from 'rxjs';
 * import { ReactorScheduler } from 'weft/adapters/rxjs';
 * import { Clock } from 'weft/testing';
 *
 * const clock = new Clock();
 * const seen: number[] = [];
 * interval(1000, new ReactorScheduler(clock)).pipe(take(3)).subscribe((n) => seen.push(n));
 * clock.advance(3);
 * console.log(seen); // [0, 1, 2]
 * ```
 */
export class ReactorScheduler implements SchedulerLike {
  /** The time the scheduler runs on. */
  readonly time: IReactorTime;

  constructor(time: IReactorTime) {
    this.time = time;
  }

  /** The reactor's current time, in milliseconds. */
  now(): number {
    return this.time.seconds() * 1000;
  }

  /** Runs `work(state)` after `delay` milliseconds of reactor time (default 0). */
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay: number = 0,
    state?: T,
  ): Subscription {
    return new ReactorAction<T>(this.time, work).schedule(state, delay);
  }
}
