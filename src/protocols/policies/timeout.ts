/**
 * `TimeoutFactory` and `TimeoutProtocol`: close connections that stay idle,
 * in both directions, for too long.
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import type { Failure } from '../../core/failure.js';
import { getGlobalReactor } from '../../core/global-reactor.js';
import type { IProtocol } from '../../core/interfaces/protocol.js';
import type { IReactorTime } from '../../core/interfaces/reactor.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { checkTimeoutPeriod, IdleTimeout } from './idle-timeout.js';
import { ProtocolWrapper, WrappingFactory, type WrappableFactory } from './wrapper.js';

/**
 * The wrapper {@link TimeoutFactory} puts around each protocol: it closes
 * the connection when neither side has sent anything for its period
 * (Twisted's `TimeoutProtocol`). Every byte received and every write made
 * by the wrapped protocol restarts the countdown.
 *
 * The countdown starts when the connection is made (Twisted starts it when
 * the wrapper is built, before there is a transport to close).
 */
export class TimeoutProtocol extends ProtocolWrapper {
  readonly #idle: IdleTimeout;
  #initialPeriod: number | null;

  /**
   * @param timeoutPeriod - seconds without traffic before the connection is
   *   closed, or `null` for none (then only {@link TimeoutProtocol.setTimeout} starts one).
   */
  constructor(factory: TimeoutFactory, wrappedProtocol: IProtocol, timeoutPeriod: number | null) {
    super(factory, wrappedProtocol);
    this.#idle = new IdleTimeout(factory.reactor, () => {
      this.timeoutFunc();
    });
    this.#initialPeriod = timeoutPeriod;
  }

  /** The period in seconds, or `null` when no countdown is set. */
  get timeoutPeriod(): number | null {
    return this.connected ? this.#idle.timeOut : this.#initialPeriod;
  }

  /** Starts the countdown, then connects as any wrapper does. */
  override makeConnection(transport: ITransport): void {
    this.#idle.setTimeout(this.#initialPeriod);
    super.makeConnection(transport);
  }

  /**
   * Replaces the period and starts the countdown afresh (`null`: stops it),
   * as Twisted's `TimeoutProtocol.setTimeout`. Before the connection is
   * made, only sets the period it will start with.
   *
   * @throws {RangeError} if `period` is negative, infinite or NaN.
   */
  setTimeout(period: number | null = null): void {
    if (!this.connected) {
      checkTimeoutPeriod(period);
      this.#initialPeriod = period;
      return;
    }
    this.#idle.cancel();
    this.#idle.setTimeout(period);
  }

  /** Stops the countdown; traffic no longer restarts it. */
  cancelTimeout(): void {
    this.#initialPeriod = null;
    this.#idle.cancel();
  }

  /** Restarts the countdown from now, if one is running. */
  resetTimeout(): void {
    this.#idle.resetTimeout();
  }

  /** Restarts the countdown, then writes. */
  override write(data: Uint8Array | string): void {
    this.resetTimeout();
    super.write(data);
  }

  /** Restarts the countdown, then writes. */
  override writeSequence(data: Iterable<Uint8Array | string>): void {
    this.resetTimeout();
    super.writeSequence(data);
  }

  /** Restarts the countdown, then delivers. */
  override dataReceived(data: Uint8Array): void {
    this.resetTimeout();
    super.dataReceived(data);
  }

  /** Stops the countdown, then passes the loss on. */
  override connectionLost(reason: Failure): void {
    this.cancelTimeout();
    super.connectionLost(reason);
  }

  /**
   * The countdown ran out: closes the connection with `loseConnection()`
   * (what was written is still sent). Override to do something else, e.g.
   * `this.abortConnection?.()` against peers that may stop reading.
   */
  timeoutFunc(): void {
    this.loseConnection();
  }
}

/** Options of {@link TimeoutFactory}. */
export interface TimeoutFactoryOptions {
  /** Seconds without traffic before a connection is closed. Default 1800 (30 minutes), as Twisted. */
  readonly timeoutPeriod?: number | null;
  /** The clock the countdowns run on. Default: the global reactor, looked up when first needed. */
  readonly reactor?: IReactorTime;
}

/**
 * Closes the wrapped factory's connections once they have been idle (no
 * byte read, no write) for `timeoutPeriod` seconds (Twisted's
 * `TimeoutFactory`). For a timeout a protocol manages itself (one that
 * only input resets, or a deadline per request), use {@link IdleTimeout}.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * // Closes each connection after 60 s without traffic either way.
 * const timed = new TimeoutFactory(Factory.forProtocol(Echo), { timeoutPeriod: 60 });
 * ```
 */
export class TimeoutFactory extends WrappingFactory<TimeoutProtocol> {
  /** The period given to each new connection, in seconds (`null`: none). */
  timeoutPeriod: number | null;
  #reactor: IReactorTime | undefined;

  /**
   * @param wrappedFactory - the factory whose connections to time out.
   * @throws {RangeError} if `timeoutPeriod` is negative, infinite or NaN.
   */
  constructor(wrappedFactory: WrappableFactory, options: TimeoutFactoryOptions = {}) {
    super(wrappedFactory);
    this.timeoutPeriod = options.timeoutPeriod === undefined ? 30 * 60 : options.timeoutPeriod;
    checkTimeoutPeriod(this.timeoutPeriod);
    this.#reactor = options.reactor;
  }

  /** The clock the countdowns run on: the one given, else the global reactor. */
  get reactor(): IReactorTime {
    this.#reactor ??= getGlobalReactor();
    return this.#reactor;
  }

  /** A {@link TimeoutProtocol} around `wrapped`, with this factory's period. */
  override wrapProtocol(wrapped: IProtocol, _addr: IAddress): TimeoutProtocol {
    return new TimeoutProtocol(this, wrapped, this.timeoutPeriod);
  }
}
