/**
 * `ClientService`: keeps one connection to an endpoint up, reconnecting on
 * a backoff policy (Twisted's `twisted.application.internet.ClientService`),
 * and `backoffPolicy`, the policy it uses by default.
 *
 * @module
 */
import { ClientMachine } from './client-machine.js';
import type { ClientState } from './client-machine.js';
import type { Deferred } from './defer.js';
import { getGlobalReactor } from './global-reactor.js';
import type { IStreamClientEndpoint, ProtocolFactoryOf } from './interfaces/endpoint.js';
import type { IProtocol } from './interfaces/protocol.js';
import type { IReactorTime } from './interfaces/reactor.js';
import { Logger } from './logger.js';

/**
 * How long to wait before the next connection attempt, in seconds, given
 * how many attempts in a row have failed so far (1 after the first failure
 * or after a connection is lost; back to 0 once a connection is made).
 */
export type RetryPolicy = (failedAttempts: number) => number;

/** Options of {@link backoffPolicy}; the defaults are Twisted's. */
export interface BackoffPolicyOptions {
  /** The delay the growth starts from, in seconds. Default 1.0. */
  readonly initialDelay?: number;
  /**
   * The longest delay, in seconds, before jitter is added (so the actual
   * longest wait is `maxDelay` plus the largest `jitter()`). Default 60.
   */
  readonly maxDelay?: number;
  /** How much the delay grows with each failed attempt. Default 1.5. */
  readonly factor?: number;
  /**
   * Noise added to every delay, in seconds. Default `Math.random` (as
   * Twisted's `random.random`: uniform in [0, 1)). Pass `() => 0` for none.
   */
  readonly jitter?: () => number;
}

/**
 * An exponential backoff {@link RetryPolicy} (Twisted's `backoffPolicy`):
 * after `n` failed attempts it waits
 * `min(initialDelay × factor^min(n, 100), maxDelay) + jitter()` seconds.
 * With the defaults: about 1.5 s, 2.25 s, 3.4 s, 5.1 s, ... up to 60 s, each
 * plus up to 1 s of jitter. An overflowing power gives `maxDelay`.
 *
 * @example
 * ```ts
 * import { backoffPolicy } from 'weft/core';
 *
 * const policy = backoffPolicy({ initialDelay: 0.5, maxDelay: 30, jitter: () => 0 });
 * console.log([1, 2, 3].map(policy)); // [0.75, 1.125, 1.6875]
 * ```
 */
export function backoffPolicy(options?: BackoffPolicyOptions): RetryPolicy {
  const initialDelay = options?.initialDelay ?? 1.0;
  const maxDelay = options?.maxDelay ?? 60.0;
  const factor = options?.factor ?? 1.5;
  const jitter = options?.jitter ?? Math.random;
  return (attempt) => {
    const growth = factor ** Math.min(100, attempt);
    // Python raises OverflowError where JavaScript gives Infinity (or NaN for 0 × Infinity).
    const delay = Number.isFinite(growth) ? Math.min(initialDelay * growth, maxDelay) : maxDelay;
    return delay + jitter();
  };
}

const defaultPolicy: RetryPolicy = backoffPolicy();

/** Options of {@link ClientService}. */
export interface ClientServiceOptions<P extends IProtocol> {
  /** The wait between attempts. Default `backoffPolicy()` (Twisted's numbers). */
  readonly retryPolicy?: RetryPolicy;
  /**
   * Where retries are scheduled. Default: the global reactor, looked up at
   * the first retry (`getGlobalReactor()`).
   */
  readonly clock?: IReactorTime;
  /**
   * Called with the application's protocol each time a connection is made,
   * before it is handed to `whenConnected` waiters: to log in, subscribe,
   * check the connection's health. It may return a Deferred or a promise;
   * `whenConnected` waits for it. Its value is ignored. If it throws or
   * fails, the connection is dropped (`loseConnection()`) and counts as a
   * failed attempt; if the connection is lost while it runs, the attempt
   * fails with the loss and what it returned is cancelled.
   */
  readonly prepareConnection?: (protocol: P) => unknown;
}

/** Options of {@link ClientService.whenConnected}. */
export interface WhenConnectedOptions {
  /**
   * Fail after this many failed attempts in a row (1: the first failure
   * fails it) with that attempt's error (`ConnectionRefusedError`,
   * `DNSLookupError`, ...). Default `null`: wait however many attempts it
   * takes, failing only when the service stops.
   */
  readonly failAfterFailures?: number | null;
}

/**
 * Keeps one connection to `endpoint` up, with protocols from `factory`:
 * connects on {@link ClientService.startService}, and whenever an attempt
 * fails or the connection is lost, connects again after the
 * {@link ClientServiceOptions.retryPolicy}'s delay; stops on
 * {@link ClientService.stopService}. Twisted's modern replacement for
 * `ReconnectingClientFactory`, with the same states and transitions as its
 * `ClientService`.
 *
 * weft has no `twisted.application` (no `IService`, `MultiService` or
 * `Application`): a `ClientService` is started and stopped by hand, and has
 * Twisted's `running` flag, `startService` and `stopService`, so it can join
 * such a tree if one comes.
 *
 * The application gets at the connection with
 * {@link ClientService.whenConnected} (now, if connected, else at the next
 * connection). Protocols built by `factory` reach the endpoint wrapped in a
 * proxy that reports the loss of the connection; `whenConnected` and
 * `prepareConnection` see the application's own protocol.
 *
 * @example
 * ```ts
 * import { ClientService, Factory, Protocol } from 'weft/core';
 * import { clientFromString, reactor } from 'weft';
 *
 * const service = new ClientService(
 *   clientFromString(reactor, 'tcp:127.0.0.1:6379'),
 *   Factory.forProtocol(Protocol),
 *   { clock: reactor },
 * );
 * service.startService();
 * const proto = await service.whenConnected({ failAfterFailures: 3 });
 * proto.transport.write('PING\r\n');
 * await service.stopService(); // disconnected, not retrying
 * ```
 */
export class ClientService<P extends IProtocol = IProtocol> {
  /** Whether {@link ClientService.startService} has been called and `stopService` not since. */
  running = false;
  readonly #machine: ClientMachine<P>;
  readonly #log = new Logger('weft.client-service', this);

  /**
   * @param endpoint - where to connect, each attempt (`connect(factory)`).
   * @param factory - builds the protocol of each connection.
   */
  constructor(
    endpoint: IStreamClientEndpoint,
    factory: ProtocolFactoryOf<P>,
    options?: ClientServiceOptions<P>,
  ) {
    const clock = options?.clock;
    this.#machine = new ClientMachine({
      endpoint,
      factory,
      retryPolicy: options?.retryPolicy ?? defaultPolicy,
      clock: clock === undefined ? getGlobalReactor : () => clock,
      prepareConnection: options?.prepareConnection ?? null,
      log: this.#log,
    });
  }

  /**
   * Where the service is: `'init'` (never started), `'connecting'`,
   * `'waiting'` (to retry), `'connected'`, `'disconnecting'` (stopping),
   * `'restarting'` (started again while stopping: it connects once the old
   * connection is gone) or `'stopped'`.
   */
  get state(): ClientState {
    return this.#machine.state;
  }

  /**
   * The connected protocol, or the next one to connect (after its
   * `prepareConnection`). Fails with `CancelledError` when the service is
   * stopped (at once if it is stopped already, including stopped before it
   * was started), or with an attempt's error once
   * {@link WhenConnectedOptions.failAfterFailures} attempts in a row have
   * failed. Asked before `startService`, it waits for the service to start
   * and connect.
   */
  whenConnected(options?: WhenConnectedOptions): Deferred<P> {
    return this.#machine.whenConnected(options?.failAfterFailures ?? null);
  }

  /**
   * Starts connecting, then keeps connecting after every failure or loss.
   * Called while stopping (the `stopService` Deferred has not fired), it
   * connects again once the old connection is lost. Called while running,
   * it logs a warning and does nothing else.
   */
  startService(): void {
    if (this.running) {
      this.#log.warn('Duplicate ClientService.startService {log_source}');
      return;
    }
    this.running = true;
    this.#machine.start();
  }

  /**
   * Stops retrying and disconnects: a pending retry is cancelled, an attempt
   * in progress is cancelled (the endpoint's `connect` Deferred, which
   * aborts the connection attempt), the connection is closed with
   * `loseConnection()`, and pending `whenConnected` Deferreds fail with
   * `CancelledError` once stopped.
   *
   * @returns a Deferred that fires (with `undefined`) once the connection is
   *   lost and no attempt is running: at once when there was none.
   */
  stopService(): Deferred<void> {
    this.running = false;
    return this.#machine.stop();
  }
}
