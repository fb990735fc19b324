/**
 * Reactor interfaces: time and lifecycle. (I/O interfaces join them as the
 * reactor grows.)
 *
 * @module
 */
import type { Deferred } from '../defer.js';

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

/** When a system event trigger runs relative to the event: before, during or after it. */
export type SystemEventPhase = 'before' | 'during' | 'after';

/**
 * A system event: `'startup'` and `'shutdown'` are fired by the reactor
 * itself; any other name can be fired with `fireSystemEvent`.
 */
export type SystemEventType = 'startup' | 'shutdown' | (string & {});

/** Identifies a registered trigger, for {@link IReactorCore.removeSystemEventTrigger}. */
export interface TriggerId {
  /** The event the trigger is registered for. */
  readonly event: SystemEventType;
  /** The phase it runs in. */
  readonly phase: SystemEventPhase;
}

/**
 * The reactor's lifecycle: running, stopping, and the triggers that run
 * around its startup and shutdown (Twisted's `IReactorCore`).
 *
 * Order: `startup` before-triggers (with `running` still false; any Deferreds
 * they return are waited for), then during-triggers (the reactor's own sets
 * `running`), then after-triggers (where `callWhenRunning` calls go).
 * `shutdown` runs the same three phases: before-triggers may return Deferreds
 * that delay the rest; `running` becomes false during it.
 */
export interface IReactorCore {
  /** Whether the reactor has started and not yet stopped. */
  readonly running: boolean;
  /**
   * Fires the startup event and marks the reactor running. The returned
   * Deferred fires once shutdown has completed.
   *
   * @throws {ReactorAlreadyRunning} if already started.
   * @throws {ReactorNotRestartable} if it has already been stopped.
   */
  run(): Deferred<void>;
  /**
   * Stops the reactor: the shutdown event fires at the end of the current
   * iteration (never re-entrantly inside the caller).
   *
   * @throws {ReactorNotRunning} if it is not running (or already stopping).
   */
  stop(): void;
  /** Stops at once, without firing shutdown triggers. For emergencies and tests. */
  crash(): void;
  /**
   * Calls `fn(...args)` once the reactor is running: now if it already is,
   * else as an after-startup trigger (whose id is returned).
   */
  callWhenRunning<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): TriggerId | null;
  /**
   * Registers `fn(...args)` to run in `phase` of `event`. A before-trigger
   * may return a Deferred or promise; the during phase waits for it. Errors
   * thrown by triggers are logged, never propagated.
   */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEventType,
    fn: (...args: A) => unknown,
    ...args: A
  ): TriggerId;
  /**
   * Removes a trigger registered by {@link IReactorCore.addSystemEventTrigger}.
   *
   * @throws {RangeError} if it is not registered (or already ran).
   */
  removeSystemEventTrigger(id: TriggerId): void;
  /** Fires `event`: its before, during and after triggers, in that order. */
  fireSystemEvent(event: SystemEventType): void;
}

/** A reactor's time and lifecycle together: what `LoopingCall`, `react` and protocols rely on. */
export interface IReactor extends IReactorTime, IReactorCore {}
