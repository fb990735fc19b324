/**
 * The other direction from {@link ReactorScheduler}: weft's time hosted by an
 * RxJS scheduler, so weft protocols, `LoopingCall`s and timeouts run inside
 * RxJS marble tests (`testScheduler.run(...)`) on virtual frames.
 *
 * @module
 */
import type { SchedulerLike, Subscription } from 'rxjs';

import { DelayedCall, type DelayedCallOwner, NO_ARGS } from '../../src/core/delayed-call.js';
import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';
import { Logger } from '../../src/core/logger.js';
import { TimerQueue } from '../../src/core/timer-queue.js';

/**
 * How far, in seconds, a wake-up may land before the call it was armed for
 * and still count as on time. Converting seconds to milliseconds and back
 * (`frame + (due * 1000 - frame)`) can round a hair below `due`; without
 * this slack such a call would be re-armed for a delay that rounds to
 * nothing, forever.
 */
const ROUNDING_SLACK = 1e-9;

/**
 * An `IReactorTime` whose clock and wake-ups are an RxJS scheduler's:
 * `seconds()` is `scheduler.now() / 1000`, and the delayed calls wait in
 * weft's own queue while one scheduler action at a time is armed for the
 * soonest of them.
 *
 * Units: RxJS counts milliseconds (in `TestScheduler.run`, one frame is one
 * millisecond); weft counts seconds. So `callLater(0.01, f)` runs `f` at
 * frame 10, `callLater(1, f)` at frame 1000 (marble `1s`), and a
 * `LoopingCall` started with an interval of 0.005 ticks every 5 frames.
 *
 * The calls keep weft's `DelayedCall` semantics — `cancel`, `reset`, `delay`,
 * `active`, `AlreadyCalledError`/`AlreadyCancelledError` — and its order:
 * by due time, then first scheduled first. A wake-up runs the calls that were
 * due and scheduled when it began; a call scheduled meanwhile for "now" gets
 * a new wake-up at the same frame, as a reactor's next iteration. An error
 * thrown by a call is logged (namespace `weft.adapters.rxjs`) and the other
 * calls go on: it never reaches the scheduler, whose `flush()` would
 * otherwise drop every pending action.
 *
 * No scheduler action is left behind once no call is pending, so a
 * `TestScheduler` flush ends as soon as the weft side is idle — and never
 * ends while a `LoopingCall` keeps running: stop it inside the test.
 *
 * Calls that fall due at the same frame as RxJS's own actions run in the
 * order their wake-up was scheduled relative to those actions, as two RxJS
 * actions would.
 *
 * Works with any `SchedulerLike` (`asyncScheduler` gives real time); the
 * queue is weft's reactor queue, so many pending calls cost what they cost
 * on a reactor.
 *
 * @example
 * ```ts
 * import { Observable } from 'rxjs';
 * import { TestScheduler } from 'rxjs/testing';
 * import { LoopingCall } from 'weft';
 * import { SchedulerTime } from 'weft/adapters/rxjs';
 *
 * const testScheduler = new TestScheduler((actual, expected) => {
 *   if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error('marbles differ');
 * });
 * testScheduler.run(({ expectObservable }) => {
 *   const time = new SchedulerTime(testScheduler);
 *   const ticks = new Observable<number>((subscriber) => {
 *     let n = 0;
 *     const loop = new LoopingCall(() => {
 *       subscriber.next(n++);
 *       if (n === 3) subscriber.complete();
 *     });
 *     loop.clock = time;
 *     void loop.start(0.01, false); // every 10 ms of virtual time
 *     return () => {
 *       if (loop.running) loop.stop();
 *     };
 *   });
 *   expectObservable(ticks).toBe('10ms a 9ms b 9ms (c|)', { a: 0, b: 1, c: 2 });
 * });
 * ```
 */
export class SchedulerTime implements IReactorTime, DelayedCallOwner {
  /** The scheduler whose clock and actions this time runs on. */
  readonly scheduler: SchedulerLike;
  readonly #queue = new TimerQueue();
  readonly #log = new Logger('weft.adapters.rxjs');
  #seq = 0;
  /** The latest time handed out, in seconds: `seconds()` never goes below it. */
  #floor = -Infinity;
  /** The armed scheduler action, and the due time (seconds) it was armed for. */
  #wake: Subscription | null = null;
  #wakeAt = 0;
  /** Whether a wake-up is running its calls: re-arming waits until it is done. */
  #running = false;

  constructor(scheduler: SchedulerLike) {
    this.scheduler = scheduler;
  }

  /**
   * The scheduler's `now()` in seconds. Monotonic: never below a time
   * already returned, nor below the due time of a call that is running.
   */
  seconds(): number {
    const now = this.scheduler.now() / 1000;
    if (now > this.#floor) this.#floor = now;
    return this.#floor;
  }

  /**
   * Calls `fn(...args)` once, `delaySeconds` from now (a scheduler action
   * `delaySeconds * 1000` milliseconds away wakes it).
   *
   * @throws {RangeError} if `delaySeconds` is negative or not a number.
   */
  callLater<A extends unknown[]>(
    delaySeconds: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): IDelayedCall {
    if (!(delaySeconds >= 0)) {
      throw new RangeError(`callLater delay must be >= 0 seconds, got ${String(delaySeconds)}`);
    }
    const call = new DelayedCall(
      this,
      this.seconds() + delaySeconds,
      this.#seq++,
      fn,
      args.length === 0 ? NO_ARGS : args,
    );
    this.#queue.push(call, delaySeconds);
    this.#arm();
    return call;
  }

  /** Every pending call (in no particular order). */
  getDelayedCalls(): readonly IDelayedCall[] {
    return this.#queue.toArray();
  }

  /** @internal */
  cancelled(call: DelayedCall): void {
    this.#queue.remove(call);
    this.#arm();
  }

  /** @internal */
  rescheduled(call: DelayedCall): void {
    this.#queue.update(call, call.time - this.seconds());
    this.#arm();
  }

  /**
   * Keeps exactly one scheduler action armed for the soonest call, or none
   * when nothing is pending.
   */
  #arm(): void {
    if (this.#running) return; // the running wake-up re-arms once its calls are done
    const top = this.#queue.peek();
    if (top === undefined) {
      this.#disarm();
      return;
    }
    if (this.#wake !== null && this.#wakeAt === top.time) return;
    this.#disarm();
    const delayMs = Math.max(0, (top.time - this.seconds()) * 1000);
    this.#wakeAt = top.time;
    this.#wake = this.scheduler.schedule(() => {
      this.#fire();
    }, delayMs);
  }

  #disarm(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.unsubscribe();
  }

  /** The armed action ran: run every call due and scheduled by now, then re-arm. */
  #fire(): void {
    this.#wake = null;
    let now = this.seconds();
    if (this.#wakeAt - now <= ROUNDING_SLACK && this.#wakeAt > now) {
      this.#floor = this.#wakeAt; // on time, give or take a rounding error
      now = this.#wakeAt;
    }
    const limit = this.#seq;
    const queue = this.#queue;
    this.#running = true;
    for (let top = queue.popDue(now, limit); top !== undefined; top = queue.popDue(now, limit)) {
      try {
        top.run();
      } catch (e) {
        this.#log.failure('Unhandled error in delayed call', e);
      }
    }
    this.#running = false;
    this.#arm();
  }
}
