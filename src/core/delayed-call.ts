/**
 * `DelayedCall`: one call scheduled on a reactor's time, shared by every
 * `IReactorTime` implementation (reactors and `Clock`).
 *
 * @module
 */
import { AlreadyCalledError, AlreadyCancelledError } from './errors.js';
import type { IDelayedCall } from './interfaces/reactor.js';

/** Shared by every call without arguments, so none allocates an array. */
export const NO_ARGS: unknown[] = [];

/** What a DelayedCall tells the scheduler that owns it. */
export interface DelayedCallOwner {
  /** The scheduler's current time, in seconds. */
  seconds(): number;
  /** `call` was cancelled: drop it. */
  cancelled(call: DelayedCall): void;
  /** `call`'s due time changed: re-order it. */
  rescheduled(call: DelayedCall): void;
}

/**
 * A call scheduled by `callLater`. The owner runs it by calling
 * {@link DelayedCall.run}; `cancel`, `delay` and `reset` keep Twisted's rules
 * (`AlreadyCalledError` once run, `AlreadyCancelledError` once cancelled).
 */
export class DelayedCall implements IDelayedCall {
  /** Due time, in the owner's seconds. */
  time: number;
  /** Order of scheduling, so calls due at the same time run first-in first-out. */
  seq: number;
  /** The owner's bookkeeping: -1 when not queued, 0 or more while queued. @internal */
  index = -1;
  /** The owner's queue links (see `TimerQueue`). @internal */
  prev: DelayedCall | null = null;
  /** @internal */
  next: DelayedCall | null = null;
  /** @internal */
  list: object | null = null;
  #fn: ((...args: never[]) => unknown) | null;
  #args: unknown[];
  #state: 'pending' | 'called' | 'cancelled' = 'pending';
  readonly #owner: DelayedCallOwner;

  constructor(
    owner: DelayedCallOwner,
    time: number,
    seq: number,
    fn: (...args: never[]) => unknown,
    args: unknown[],
  ) {
    this.#owner = owner;
    this.time = time;
    this.seq = seq;
    this.#fn = fn;
    this.#args = args.length === 0 ? NO_ARGS : args;
  }

  /** When the call is due, in the owner's seconds. */
  getTime(): number {
    return this.time;
  }

  /** Whether the call has neither run nor been cancelled. */
  active(): boolean {
    return this.#state === 'pending';
  }

  /** Whether the call has run (or is running). */
  get called(): boolean {
    return this.#state === 'called';
  }

  /** Whether the call was cancelled. */
  get cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  #check(): void {
    if (this.#state === 'called') throw new AlreadyCalledError('The delayed call has already run');
    if (this.#state === 'cancelled') {
      throw new AlreadyCancelledError('The delayed call was cancelled');
    }
  }

  /** Cancels the call so it never runs. */
  cancel(): void {
    this.#check();
    this.#state = 'cancelled';
    this.#fn = null;
    this.#args = NO_ARGS;
    this.#owner.cancelled(this);
  }

  /** Pushes the due time `secondsLater` seconds later. */
  delay(secondsLater: number): void {
    this.#check();
    this.time += secondsLater;
    this.#owner.rescheduled(this);
  }

  /** Makes the call due `secondsFromNow` seconds after the owner's current time. */
  reset(secondsFromNow: number): void {
    this.#check();
    this.time = this.#owner.seconds() + secondsFromNow;
    this.#owner.rescheduled(this);
  }

  /** Cancels the call if it is still pending (for `using`). */
  [Symbol.dispose](): void {
    if (this.#state === 'pending') this.cancel();
  }

  /**
   * Runs the call (for the owner): marks it called, then calls the function.
   * Whatever the function throws propagates to the owner.
   */
  run(): void {
    const fn = this.#fn;
    const args = this.#args;
    this.#state = 'called';
    this.#fn = null;
    this.#args = NO_ARGS;
    if (fn === null) return;
    if (args === NO_ARGS) fn();
    else (fn as (...a: unknown[]) => unknown)(...args);
  }

  /** `<DelayedCall due at 1.5s (pending)>`. */
  toString(): string {
    return `<DelayedCall due at ${String(this.time)}s (${this.#state})>`;
  }
}
