/**
 * Time-based helpers (Twisted's `twisted.internet.task`): {@link LoopingCall}
 * runs a function every interval; {@link deferLater} runs one after a delay.
 * The cooperative scheduler lives in `cooperator.ts`.
 *
 * @module
 */
import { Deferred, maybeDeferred } from './defer.js';
import { InvalidStateError } from './errors.js';
import type { Failure } from './failure.js';
import { getGlobalReactor } from './global-reactor.js';
import type { IDelayedCall, IReactorTime } from './interfaces/reactor.js';

/**
 * Calls a function every `interval` seconds, as Twisted's `LoopingCall`.
 *
 * - Calls are phase-locked to the start time: they are due at `start`,
 *   `start + interval`, `start + 2 * interval`, ... A call that runs late does
 *   not make later calls late, and intervals missed while late are skipped,
 *   never run in a burst ({@link LoopingCall.withCount} reports how many
 *   passed).
 * - If the function returns a Deferred or a promise, the next call is
 *   scheduled only once it has settled.
 * - The Deferred returned by {@link LoopingCall.start} fires with the
 *   LoopingCall after {@link LoopingCall.stop}, or fails with what the function
 *   threw (or what its Deferred failed with); the loop then stops.
 *
 * Time comes from {@link LoopingCall.clock}; when it is unset, `start()` uses
 * the global reactor (see `installReactor`). Tests set it to a `Clock`.
 *
 * @typeParam A - the arguments passed to the function on every call.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const ticks: number[] = [];
 * const loop = new LoopingCall(() => ticks.push(clock.seconds()));
 * loop.clock = clock;
 * loop.start(1); // calls now, at 0
 * clock.advance(3.2); // one call, at 3.2 (the ones due at 1, 2 and 3 are skipped)
 * clock.advance(0.8); // the next call is on the grid: at 4
 * loop.stop();
 * ```
 */
export class LoopingCall<A extends unknown[] = unknown[]> {
  /** The function called every interval. */
  readonly f: (...args: A) => unknown;
  /** The arguments passed to {@link LoopingCall.f}. */
  readonly a: A;
  /**
   * Where time comes from. Set it before {@link LoopingCall.start}; if it is
   * unset then, `start()` sets it to the global reactor.
   */
  clock: IReactorTime | undefined = undefined;
  /** The next scheduled call, or `null` while the function runs or after `stop()`. */
  call: IDelayedCall | null = null;
  /**
   * Whether the loop is started: true from `start()` until `stop()`, or until
   * the function fails. It is false by the time the `start()` Deferred fires.
   */
  running = false;
  /**
   * Seconds between calls, as given to `start()` (`undefined` before). May be
   * changed while running: the next call is scheduled with the new value.
   */
  interval: number | undefined = undefined;
  /** The clock's time at `start()` (or at the last `reset()`): the phase of the grid. */
  starttime: number | undefined = undefined;

  /** Fired by the loop started last; `null` once fired or before `start()`. */
  #deferred: Deferred<this> | null = null;
  /** Bumped by each `start()` and `stop()`, so a call outliving its loop cannot reschedule it. */
  #generation = 0;
  #runAtStart = false;
  /** For {@link LoopingCall.withCount}: when the counted function last ran. */
  #realLastTime: number | undefined = undefined;

  /**
   * @param f - called every interval with `args`. May return a Deferred or a
   *   promise; its value is ignored.
   */
  constructor(f: (...args: A) => unknown, ...args: A) {
    this.f = f;
    this.a = args;
  }

  /**
   * A LoopingCall that passes `countCallable` the number of intervals that
   * have elapsed since it last ran: usually 1, more when calls were skipped
   * (the reactor was busy, the function's Deferred took longer than an
   * interval, ...). Never 0; always 1 when the interval is 0.
   *
   * @example
   * ```ts
   * const animation = { frame: 0, advance(frames: number) { this.frame += frames; } };
   * const loop = LoopingCall.withCount((frames) => animation.advance(frames));
   * ```
   */
  static withCount(countCallable: (count: number) => unknown): LoopingCall<[]> {
    const loop = new LoopingCall<[]>((): unknown => loop.#counted(countCallable));
    return loop;
  }

  #counted(countCallable: (count: number) => unknown): unknown {
    const now = (this.clock as IReactorTime).seconds();
    const interval = this.interval as number;
    if (interval === 0) {
      this.#realLastTime = now;
      return countCallable(1);
    }
    let lastTime = this.#realLastTime;
    if (lastTime === undefined) {
      lastTime = this.starttime ?? now;
      // Started with `now`: the first call stands for the interval that ends at the start.
      if (this.#runAtStart) lastTime -= interval;
    }
    const count = this.#intervalOf(now) - this.#intervalOf(lastTime);
    if (count > 0) {
      this.#realLastTime = now;
      return countCallable(count);
    }
    // Still inside the interval of the previous call (float rounding near a boundary).
    return undefined;
  }

  /** Whole intervals between the start time and `t` (truncated, as Python's `int()`). */
  #intervalOf(t: number): number {
    return Math.trunc((t - (this.starttime as number)) / (this.interval as number));
  }

  /**
   * Starts calling the function every `interval` seconds.
   *
   * @param interval - seconds between calls, at least 0. With 0 the function
   *   is called again as soon as possible (`callLater(0)`) after each call.
   * @param now - call the function at once (the default), or only after the
   *   first interval.
   * @returns a Deferred that fires with this LoopingCall when
   *   {@link LoopingCall.stop} is called (once any Deferred the function
   *   returned has settled), or fails with the function's error.
   * @throws {InvalidStateError} if already running.
   * @throws {RangeError} if `interval` is negative or not a number.
   * @throws {ReactorNotInstalledError} if `clock` is unset and no global
   *   reactor is installed.
   */
  start(interval: number, now = true): Deferred<this> {
    if (this.running) {
      throw new InvalidStateError('Tried to start an already running LoopingCall');
    }
    if (!(interval >= 0)) {
      throw new RangeError(`interval must be >= 0, got ${String(interval)}`);
    }
    const clock = (this.clock ??= getGlobalReactor());
    this.running = true;
    this.#generation += 1;
    // Local as well as field: a failing first call clears the field before we return.
    const deferred = new Deferred<this>();
    this.#deferred = deferred;
    this.starttime = clock.seconds();
    this.interval = interval;
    this.#runAtStart = now;
    this.#realLastTime = undefined;
    if (now) this.#call();
    else this.#scheduleFrom(this.starttime);
    return deferred;
  }

  /**
   * Stops the loop. If a call is scheduled, it is cancelled and the `start()`
   * Deferred fires now; if the function is running or its Deferred is
   * pending, the `start()` Deferred fires when it settles.
   *
   * @throws {InvalidStateError} if not running.
   */
  stop(): void {
    if (!this.running) {
      throw new InvalidStateError('Tried to stop a LoopingCall that was not running');
    }
    this.running = false;
    this.#generation += 1;
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      const d = this.#deferred as Deferred<this>;
      this.#deferred = null;
      d.callback(this);
    }
  }

  /**
   * Skips the next call and restarts the grid from now: the next call is one
   * interval from now. While the function's Deferred is pending it does
   * nothing (the next call is scheduled from when that settles).
   *
   * @throws {InvalidStateError} if not running.
   */
  reset(): void {
    if (!this.running) {
      throw new InvalidStateError('Tried to reset a LoopingCall that was not running');
    }
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      this.starttime = (this.clock as IReactorTime).seconds();
      this.#scheduleFrom(this.starttime);
    }
  }

  /** Calls the function once and, when its outcome is known, schedules the next call or ends. */
  readonly #call = (): void => {
    this.call = null;
    const generation = this.#generation;
    const deferred = this.#deferred as Deferred<this>;
    const finish = (): void => {
      if (this.#deferred === deferred) this.#deferred = null;
    };
    const outcome = maybeDeferred(this.f, ...this.a);
    // Errback after callback (not a pair), so a failure to reschedule also ends the loop.
    outcome.addCallback(() => {
      if (this.running && generation === this.#generation) {
        this.#scheduleFrom((this.clock as IReactorTime).seconds());
      } else {
        // stop() ran while the function was running or pending: fire now.
        finish();
        deferred.callback(this);
      }
    });
    outcome.addErrback((failure: Failure) => {
      if (generation === this.#generation) this.running = false;
      finish();
      deferred.errback(failure);
    });
  };

  /** Schedules the next call on the grid: the first multiple of `interval` after `when`. */
  #scheduleFrom(when: number): void {
    const clock = this.clock as IReactorTime;
    this.call = clock.callLater(this.#delayFrom(when), this.#call);
  }

  #delayFrom(when: number): number {
    const interval = this.interval as number;
    if (interval === 0) return 0;
    const runningFor = when - (this.starttime as number);
    const untilNext = interval - (runningFor % interval);
    // So small beside `when` that adding it changes nothing: we are on a boundary
    // already, and the call due now has just run; wait for the following one.
    if (when === when + untilNext) return interval;
    return untilNext;
  }

  /** `LoopingCall<1>(tick, 1, 2)`: the interval, the function's name and the arguments. */
  toString(): string {
    const name = this.f.name === '' ? '<anonymous>' : this.f.name;
    const args = this.a.map((arg) => String(arg)).join(', ');
    return `LoopingCall<${String(this.interval)}>(${name}${args === '' ? '' : `, ${args}`})`;
  }
}

/**
 * A Deferred that fires `delaySeconds` from now, on `clock`, with the result
 * of `fn(...args)` (or with `undefined` when no function is given).
 *
 * A Deferred or promise returned by `fn` is followed; an error thrown by `fn`
 * fails the Deferred. Cancelling the Deferred before the delay has passed
 * cancels the delayed call, so `fn` never runs, and fails it with
 * `CancelledError`; cancelling it while it waits on `fn`'s Deferred cancels
 * that one.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const d = deferLater(clock, 5, (a: number, b: number) => a + b, 1, 2);
 * clock.advance(5); // d fires with 3
 * ```
 */
export function deferLater(
  clock: Pick<IReactorTime, 'callLater'>,
  delaySeconds: number,
): Deferred<undefined>;
export function deferLater<R, A extends unknown[]>(
  clock: Pick<IReactorTime, 'callLater'>,
  delaySeconds: number,
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Deferred<Awaited<R>>;
export function deferLater<R, A extends unknown[]>(
  clock: Pick<IReactorTime, 'callLater'>,
  delaySeconds: number,
  fn?: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Deferred<Awaited<R> | undefined> {
  const d = new Deferred<undefined>(() => {
    // The call cannot have run (the Deferred would have fired), but
    // someone else may have cancelled it through the clock.
    if (call.active()) call.cancel();
  });
  const call = clock.callLater(delaySeconds, () => {
    d.callback(undefined);
  });
  if (fn === undefined) return d;
  return d.addCallback(() => fn(...args)) as unknown as Deferred<Awaited<R>>;
}
