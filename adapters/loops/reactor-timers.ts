/**
 * Running foreign timer-based code on a reactor's time: the global
 * `setTimeout`, `setInterval`, `setImmediate` and their `clear*` functions,
 * replaced for a scope by versions that schedule on an `IReactorTime`.
 *
 * This is for code weft does not own — a library that calls `setTimeout`
 * itself — so that it runs deterministically under a `Clock` in tests, or on
 * a hosted reactor's game time. weft's own code never needs it: it takes an
 * `IReactorTime`.
 *
 * @module
 */
import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';

type TimerFn = (...args: unknown[]) => unknown;

/**
 * The handle the replaced `setTimeout`/`setInterval`/`setImmediate` return,
 * shaped like Node's `Timeout` so code that calls `ref()`, `unref()`,
 * `hasRef()`, `refresh()` or turns it into a number keeps working.
 * (`ref`/`unref` only record the flag: what keeps the process alive is the
 * reactor's business.)
 */
export class ReactorTimer {
  /** The id `+handle` gives, accepted by the replaced `clear*` functions too. */
  readonly id: number;
  #call: IDelayedCall | null = null;
  #refed = true;
  readonly #schedule: (timer: ReactorTimer) => IDelayedCall | null;

  /** @internal */
  constructor(id: number, schedule: (timer: ReactorTimer) => IDelayedCall | null) {
    this.id = id;
    this.#schedule = schedule;
    this.#call = schedule(this);
  }

  /** @internal Called when the delayed call runs, with the next one for intervals. */
  setCall(call: IDelayedCall | null): void {
    this.#call = call;
  }

  /** Whether the timer is still scheduled. */
  get active(): boolean {
    return this.#call?.active() ?? false;
  }

  /** Cancels the timer; nothing happens if it already ran or was cleared. */
  clear(): void {
    const call = this.#call;
    this.#call = null;
    if (call?.active() === true) call.cancel();
  }

  /** Restarts the timer's full delay from now, as Node's `refresh()`. */
  refresh(): this {
    this.clear();
    this.#call = this.#schedule(this);
    return this;
  }

  /** Marks the timer as keeping the process alive (recorded only). */
  ref(): this {
    this.#refed = true;
    return this;
  }

  /** Marks the timer as not keeping the process alive (recorded only). */
  unref(): this {
    this.#refed = false;
    return this;
  }

  /** The flag `ref()`/`unref()` set. */
  hasRef(): boolean {
    return this.#refed;
  }

  /** `+timer` is its id. */
  [Symbol.toPrimitive](): number {
    return this.id;
  }

  /** Clears the timer (for `using`). */
  [Symbol.dispose](): void {
    this.clear();
  }
}

/** The global timer functions this module replaces, as found before replacing them. */
interface SavedTimers {
  setTimeout: unknown;
  clearTimeout: unknown;
  setInterval: unknown;
  clearInterval: unknown;
  setImmediate: unknown;
  clearImmediate: unknown;
}

const NAMES = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
] as const;

/** Milliseconds as Node reads them: not a finite number ≥ 1 → 1; above 2^31-1 → 1. */
function delayMs(ms: unknown): number {
  const n = Number(ms);
  if (!(n >= 1 && n <= 2 ** 31 - 1)) return 1;
  return n;
}

/**
 * Replaces the global timer functions with versions that schedule on `time`
 * (delays in milliseconds become `callLater` seconds) until the returned
 * handle is disposed; disposing restores exactly the functions found, even
 * if another installation happened meanwhile and was not yet undone (each
 * restores what it replaced, so undo them in reverse order).
 *
 * Semantics follow Node's: a delay that is not a number ≥ 1 ms (or is over
 * 2^31-1 ms) is 1 ms; an interval's next run is scheduled when its callback
 * starts; `clearTimeout` and `clearInterval` clear either kind; a handle
 * from the real timer functions (created before installing) is passed to
 * the real `clear*`. `setImmediate` is `callLater(0)`. A callback that
 * throws is reported by the reactor (logged), as any delayed call's error.
 * `process.nextTick` and `queueMicrotask` are not touched.
 *
 * Only install this around code that must run on `time`: while installed,
 * every caller in the process — other libraries, the test runner — gets the
 * replaced functions.
 *
 * @example
 * ```ts
 * import { installReactorTimers } from 'weft/adapters/loops';
 * import { Clock } from 'weft/testing';
 *
 * const clock = new Clock();
 * const timers = installReactorTimers(clock);
 * let fired = false;
 * try {
 *   setTimeout(() => { fired = true; }, 1500); // a library's own timer
 * } finally {
 *   timers[Symbol.dispose]();
 * }
 * clock.advance(1.5);
 * console.log(fired); // true
 * ```
 */
export function installReactorTimers(time: IReactorTime): Disposable {
  const g = globalThis as unknown as Record<(typeof NAMES)[number], unknown>;
  const saved = {} as SavedTimers;
  for (const name of NAMES) saved[name] = g[name];
  const timers = new Map<number, ReactorTimer>();
  let nextId = 1;

  const once = (delaySeconds: number, fn: TimerFn, args: unknown[]): ReactorTimer => {
    const id = nextId++;
    const timer = new ReactorTimer(id, (t) => {
      timers.set(id, t);
      return time.callLater(delaySeconds, () => {
        timers.delete(id);
        t.setCall(null);
        fn(...args);
      });
    });
    return timer;
  };

  const interval = (delaySeconds: number, fn: TimerFn, args: unknown[]): ReactorTimer => {
    const id = nextId++;
    const schedule = (t: ReactorTimer): IDelayedCall => {
      timers.set(id, t);
      return time.callLater(delaySeconds, () => {
        // Node schedules the next run when the callback starts.
        t.setCall(schedule(t));
        fn(...args);
      });
    };
    return new ReactorTimer(id, schedule);
  };

  const clear = (realClear: unknown) => (handle: unknown) => {
    if (handle instanceof ReactorTimer) {
      handle.clear();
      timers.delete(handle.id);
      return;
    }
    if (typeof handle === 'number' || typeof handle === 'string') {
      const timer = timers.get(Number(handle));
      if (timer !== undefined) {
        timer.clear();
        timers.delete(timer.id);
        return;
      }
    }
    if (handle !== undefined && handle !== null && typeof realClear === 'function') {
      (realClear as (h: unknown) => void)(handle);
    }
  };

  const replaced: Record<(typeof NAMES)[number], unknown> = {
    setTimeout: (fn: TimerFn, ms?: unknown, ...args: unknown[]) =>
      once(delayMs(ms) / 1000, fn, args),
    setInterval: (fn: TimerFn, ms?: unknown, ...args: unknown[]) =>
      interval(delayMs(ms) / 1000, fn, args),
    setImmediate: (fn: TimerFn, ...args: unknown[]) => once(0, fn, args),
    clearTimeout: clear(saved.clearTimeout),
    clearInterval: clear(saved.clearInterval),
    clearImmediate: clear(saved.clearImmediate),
  };
  for (const name of NAMES) g[name] = replaced[name];

  let disposed = false;
  return {
    [Symbol.dispose](): void {
      if (disposed) return;
      disposed = true;
      for (const name of NAMES) {
        // Restore only what is still ours: a later installation undone out of order keeps its own.
        if (g[name] === replaced[name]) g[name] = saved[name];
      }
    },
  };
}

/**
 * Runs `fn` with the global timer functions scheduling on `time` (see
 * {@link installReactorTimers}) and restores them afterwards — when `fn`
 * returns, throws, or, if it returns a promise or other thenable, when that
 * settles. Returns what `fn` returns.
 *
 * @example
 * ```ts
 * import { withReactorTimers } from 'weft/adapters/loops';
 * import { Clock } from 'weft/testing';
 *
 * const clock = new Clock();
 * const seen: number[] = [];
 * withReactorTimers(clock, () => {
 *   setInterval(() => seen.push(clock.seconds()), 1000);
 * });
 * clock.pump([1, 1, 1]);
 * console.log(seen); // [1, 2, 3]
 * ```
 */
export function withReactorTimers<T>(time: IReactorTime, fn: () => T): T {
  const installed = installReactorTimers(time);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    installed[Symbol.dispose]();
    throw e;
  }
  if (isThenable(result)) {
    const restore = (): void => {
      installed[Symbol.dispose]();
    };
    void result.then(restore, restore);
    return result;
  }
  installed[Symbol.dispose]();
  return result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
