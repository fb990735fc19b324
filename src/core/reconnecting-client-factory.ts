/**
 * `ReconnectingClientFactory`: a client factory that reconnects with
 * exponential backoff (Twisted's, with the same numbers).
 *
 * @module
 */
import type { Failure } from './failure.js';
import { getGlobalReactor } from './global-reactor.js';
import type { IProtocol } from './interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from './interfaces/reactor.js';
import type { IConnector } from './interfaces/transport.js';
import { NotConnectingError } from './errors.js';
import { Logger } from './logger.js';
import { ClientFactory } from './protocol.js';

const log = new Logger('weft.reconnecting');

/** 4·e^-0.5 / √2: the constant of the Kinderman–Monahan method Python's `normalvariate` uses. */
const NV_MAGICCONST = (4 * Math.exp(-0.5)) / Math.sqrt(2);

/**
 * A normally distributed number with mean `mu` and standard deviation
 * `sigma`, drawn from `random` (uniform in [0, 1)) exactly as Python's
 * `random.normalvariate` draws it: fed the same uniform numbers, it gives
 * the same result.
 */
export function normalVariate(mu: number, sigma: number, random: () => number): number {
  for (;;) {
    const u1 = random();
    const u2 = 1 - random();
    const z = (NV_MAGICCONST * (u1 - 0.5)) / u2;
    if ((z * z) / 4 <= -Math.log(u2)) return mu + z * sigma;
  }
}

/**
 * A `ClientFactory` that reconnects whenever a connection attempt fails or
 * a connection is lost, waiting longer each time (Twisted's
 * `ReconnectingClientFactory`, same fields, same arithmetic).
 *
 * On each retry: `retries` grows by one and, past `maxRetries`, it gives
 * up; else `delay = min(delay × factor, maxDelay)`, then, with `jitter`,
 * `delay` becomes a normal variate with mean `delay` and standard
 * deviation `delay × jitter` (so the first retry comes after about
 * `initialDelay × factor` ≈ 2.7 s, not 1 s); then `connector.connect()` is
 * called `delay` seconds later on {@link ReconnectingClientFactory.clock}.
 *
 * Call {@link ReconnectingClientFactory.resetDelay} once connected
 * (usually from the protocol's `connectionMade`) so the next loss starts
 * over from `initialDelay`; call {@link ReconnectingClientFactory.stopTrying}
 * to stop for good.
 *
 * @example
 * ```ts
 * import { Protocol, ReconnectingClientFactory } from 'weft/core';
 *
 * class Client extends Protocol {
 *   override connectionMade(): void {
 *     (this.factory as ReconnectingClientFactory).resetDelay();
 *   }
 * }
 * const factory = new ReconnectingClientFactory<Client>();
 * factory.protocol = Client;
 * factory.maxDelay = 60;
 * // reactor.connectTCP('example.com', 80, factory);
 * ```
 */
export class ReconnectingClientFactory<P extends IProtocol = IProtocol> extends ClientFactory<P> {
  /** The longest wait between attempts, in seconds. Default 3600. */
  maxDelay = 3600;
  /** The wait `delay` starts from (and returns to on `resetDelay`), in seconds. Default 1.0. */
  initialDelay = 1.0;
  /** How much the wait grows each retry: e (2.718281828459045). */
  factor = 2.718281828459045;
  /** The standard deviation of the wait, as a fraction of it; 0 for none. Default 0.119626565582 (Twisted 22.4). */
  jitter = 0.119626565582;
  /** The wait before the next attempt, in seconds. */
  delay = 1.0;
  /** How many retries since the last `resetDelay`. */
  retries = 0;
  /** Give up after this many retries; `null` (the default) never gives up. */
  maxRetries: number | null = null;
  /** Whether to keep retrying: cleared by `stopTrying`, set by `resetDelay`. */
  continueTrying = true;
  /**
   * Where retries are scheduled; `null` (the default) means the global
   * reactor, looked up at the first retry (as Twisted).
   */
  clock: IReactorTime | null = null;
  /** Uniform random numbers in [0, 1) for the jitter. Default `Math.random`; replace for tests. */
  random: () => number = Math.random;
  /** The connector of the last failed or lost connection. */
  connector: IConnector | null = null;
  #callID: IDelayedCall | null = null;

  /** The attempt failed: retry, if still trying. */
  override clientConnectionFailed(connector: IConnector, _reason: Failure): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry();
    }
  }

  /** The connection was lost: retry, if still trying. */
  override clientConnectionLost(connector: IConnector, _reason: Failure): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry();
    }
  }

  /**
   * Schedules `connector.connect()` after the next backoff delay (see the
   * class description); does nothing once stopped or past `maxRetries`.
   *
   * @throws {RangeError} with no `connector` given and none remembered.
   */
  retry(connector?: IConnector): void {
    if (!this.continueTrying) {
      if (this.noisy) log.info('Abandoning {connector} on explicit request', { connector });
      return;
    }
    const target = connector ?? this.connector;
    if (target === null) throw new RangeError('no connector to retry');
    this.retries += 1;
    if (this.maxRetries !== null && this.retries > this.maxRetries) {
      if (this.noisy) {
        log.info('Abandoning {connector} after {retries} retries.', {
          connector: target,
          retries: this.retries,
        });
      }
      return;
    }
    this.delay = Math.min(this.delay * this.factor, this.maxDelay);
    if (this.jitter !== 0) {
      this.delay = normalVariate(this.delay, this.delay * this.jitter, this.random);
    }
    if (this.noisy) {
      log.info('{connector} will retry in {delay} seconds', {
        connector: target,
        delay: Math.round(this.delay),
      });
    }
    this.clock ??= getGlobalReactor();
    this.#callID = this.clock.callLater(this.delay, () => {
      this.#callID = null;
      target.connect();
    });
  }

  /** Stops retrying: cancels a scheduled retry and stops an attempt in progress. */
  stopTrying(): void {
    const call = this.#callID;
    this.#callID = null;
    if (call?.active() === true) call.cancel();
    this.continueTrying = false;
    if (this.connector !== null) {
      try {
        this.connector.stopConnecting();
      } catch (e) {
        if (!(e instanceof NotConnectingError)) throw e;
      }
    }
  }

  /** Starts over: `delay` back to `initialDelay`, `retries` to 0, trying again. Call once connected. */
  resetDelay(): void {
    this.delay = this.initialDelay;
    this.retries = 0;
    this.#callID = null;
    this.continueTrying = true;
  }
}
