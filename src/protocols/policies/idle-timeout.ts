/**
 * `IdleTimeout`: one resettable countdown, with the semantics of Twisted's
 * `TimeoutMixin`, as an object a protocol holds rather than a mixin it
 * inherits.
 *
 * @module
 */
import { getGlobalReactor } from '../../core/global-reactor.js';
import type { IDelayedCall, IReactorTime } from '../../core/interfaces/reactor.js';
import type { ITransport } from '../../core/interfaces/transport.js';

/** What {@link IdleTimeout.forProtocol} needs of a protocol. */
export interface TimeoutTarget {
  /** The connection to close when the countdown runs out. */
  readonly transport: ITransport;
  /** Called instead of the default (`transport.loseConnection()`) when present. */
  timeoutConnection?(): void;
}

/**
 * What a timed-out connection does by default, as Twisted's
 * `TimeoutMixin.timeoutConnection`: `transport.loseConnection()`, which
 * still sends what was written. Against peers that may stop reading, call
 * `abortConnection()` in your own `timeoutConnection` instead.
 */
export function timeoutConnection(transport: ITransport): void {
  transport.loseConnection();
}

/**
 * Throws a RangeError unless `period` is `null` or a finite number of seconds >= 0.
 *
 * @internal
 */
export function checkTimeoutPeriod(period: number | null): void {
  if (period !== null && !(period >= 0 && period < Infinity)) {
    throw new RangeError(
      `A timeout must be a finite number of seconds >= 0, got ${String(period)}`,
    );
  }
}

/**
 * A countdown that calls `onTimeout` once it runs out, restarted by
 * {@link IdleTimeout.resetTimeout} (call it on each sign of life) and
 * changed or stopped by {@link IdleTimeout.setTimeout}.
 *
 * It is Twisted's `TimeoutMixin` as a separate object, so a protocol
 * composes it (`readonly idle = IdleTimeout.forProtocol(this)`) instead of
 * inheriting it, can hold several (a handshake deadline and an idle limit),
 * and gets it from any base class, and the time source is injected instead
 * of patched through a `callLater` hook. The semantics are the mixin's:
 *
 * - `setTimeout(seconds)` returns the previous period; it starts the
 *   countdown if none is running, else restarts it with the new period;
 *   `setTimeout(null)` stops it.
 * - `resetTimeout()` restarts a running countdown from now; it does nothing
 *   when none is running: before the first `setTimeout`, after
 *   `setTimeout(null)`, and after the countdown ran out (the period is kept:
 *   `setTimeout(timeOut)` starts again).
 * - Nothing is stopped for you when the connection goes: call
 *   {@link IdleTimeout.cancel} in `connectionLost` (or `using` it).
 *
 * @example
 * ```ts
 * import { Clock } from 'weft/testing';
 *
 * const clock = new Clock(); // in a program: leave it out for the global reactor
 * class Session extends Protocol {
 *   readonly idle = IdleTimeout.forProtocol(this, clock);
 *   override connectionMade(): void {
 *     this.idle.setTimeout(30); // close after 30 s without input
 *   }
 *   override dataReceived(data: Uint8Array): void {
 *     this.idle.resetTimeout();
 *     this.transport.write(data);
 *   }
 *   override connectionLost(): void {
 *     this.idle.cancel();
 *   }
 * }
 * ```
 */
export class IdleTimeout implements Disposable {
  /** The clock the countdown runs on. */
  readonly reactor: IReactorTime;
  readonly #onTimeout: () => void;
  #timeOut: number | null = null;
  #call: IDelayedCall | null = null;

  /**
   * @param reactor - the clock to count on.
   * @param onTimeout - called (once per countdown) when it runs out.
   */
  constructor(reactor: IReactorTime, onTimeout: () => void) {
    this.reactor = reactor;
    this.#onTimeout = onTimeout;
  }

  /**
   * A countdown that times out `protocol`'s connection: it calls
   * `protocol.timeoutConnection()` when the protocol has one, else
   * {@link timeoutConnection} (`protocol.transport.loseConnection()`). The
   * transport is looked up only then, so this can initialise a field.
   *
   * @param reactor - the clock; default: the global reactor.
   */
  static forProtocol(protocol: TimeoutTarget, reactor?: IReactorTime): IdleTimeout {
    return new IdleTimeout(reactor ?? getGlobalReactor(), () => {
      if (typeof protocol.timeoutConnection === 'function') protocol.timeoutConnection();
      else timeoutConnection(protocol.transport);
    });
  }

  /** The period in seconds, or `null` when none is set. */
  get timeOut(): number | null {
    return this.#timeOut;
  }

  /** Whether a countdown is running. */
  get active(): boolean {
    return this.#call !== null;
  }

  /**
   * Sets the period to `period` seconds (`null`: none) and returns the
   * previous one. Starts the countdown, restarts it from now, or stops it.
   *
   * @throws {RangeError} if `period` is negative, infinite or NaN.
   */
  setTimeout(period: number | null): number | null {
    checkTimeoutPeriod(period);
    const previous = this.#timeOut;
    this.#timeOut = period;
    if (this.#call !== null) {
      if (period === null) {
        this.#call.cancel();
        this.#call = null;
      } else {
        this.#call.reset(period);
      }
    } else if (period !== null) {
      this.#call = this.reactor.callLater(period, () => {
        this.#timedOut();
      });
    }
    return previous;
  }

  /** Restarts a running countdown from now; does nothing when none is running. */
  resetTimeout(): void {
    if (this.#call !== null && this.#timeOut !== null) this.#call.reset(this.#timeOut);
  }

  /** Stops the countdown and clears the period: `setTimeout(null)`. */
  cancel(): void {
    this.setTimeout(null);
  }

  /** {@link IdleTimeout.cancel}, for `using`. */
  [Symbol.dispose](): void {
    this.cancel();
  }

  #timedOut(): void {
    this.#call = null;
    this.#onTimeout();
  }
}
