/**
 * The idle timer behind `WeftSocket#setTimeout`: fires once after a period
 * without activity, on an injected reactor clock.
 *
 * @module
 */
import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';

/**
 * An idle timer (`net.Socket#setTimeout` semantics): `touch()` marks
 * activity; after `timeoutSeconds` with none, `onTimeout` runs once, and
 * the next `touch()` arms it again.
 *
 * Activity only records the time: the scheduled call, when it comes early,
 * re-schedules itself for the rest of the period, so busy connections cost
 * no timer churn per chunk. Changing the period does not cancel a call that
 * is due no later than the new period would end either (it re-schedules or
 * drops itself when it comes), so a keep-alive HTTP connection, whose server
 * turns the timeout on after each response and off at each request, costs no
 * timer churn per request. {@link SocketTimer.stop} cancels at once.
 *
 * @internal
 */
export class SocketTimer {
  readonly #reactor: IReactorTime;
  readonly #onTimeout: () => void;
  #timeout = 0;
  #last = 0;
  #call: IDelayedCall | null = null;

  constructor(reactor: IReactorTime, onTimeout: () => void) {
    this.#reactor = reactor;
    this.#onTimeout = onTimeout;
  }

  /** The idle period in seconds; 0 when off. */
  get timeoutSeconds(): number {
    return this.#timeout;
  }

  /** Sets the idle period (0 turns the timer off) and restarts it. */
  set(seconds: number): void {
    this.#timeout = seconds;
    if (seconds === 0) return; // an armed call finds the timer off when it comes, and drops
    const call = this.#call;
    if (call !== null && call.getTime() > this.#reactor.seconds() + seconds) this.#cancel();
    this.touch();
  }

  /** Turns the timer off and cancels its scheduled call now (the socket is closing). */
  stop(): void {
    this.#timeout = 0;
    this.#cancel();
  }

  /** Records activity now, arming the timer if it is set and not armed. */
  touch(): void {
    if (this.#timeout === 0) return;
    this.#last = this.#reactor.seconds();
    this.#call ??= this.#reactor.callLater(this.#timeout, () => {
      this.#fire();
    });
  }

  #fire(): void {
    this.#call = null;
    if (this.#timeout === 0) return;
    const idle = this.#reactor.seconds() - this.#last;
    if (idle < this.#timeout) {
      this.#call = this.#reactor.callLater(this.#timeout - idle, () => {
        this.#fire();
      });
      return;
    }
    this.#onTimeout();
  }

  #cancel(): void {
    const call = this.#call;
    this.#call = null;
    if (call?.active() === true) call.cancel();
  }
}
