/**
 * The state machine behind `ClientService` (Twisted's `_ClientMachine`):
 * one outgoing connection kept up, retried on a policy, stopped on demand.
 *
 * @module
 */
import { DisconnectFactory } from './client-connection-proxy.js';
import type { ReconnectingProtocolProxy } from './client-connection-proxy.js';
import { Deferred } from './defer.js';
import { fail, maybeDeferred, succeed } from './deferred-functions.js';
import { CancelledError } from './errors.js';
import { Failure } from './failure.js';
import type { IStreamClientEndpoint, ProtocolFactoryOf } from './interfaces/endpoint.js';
import type { IProtocol } from './interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from './interfaces/reactor.js';
import type { ITransport } from './interfaces/transport.js';
import type { Logger } from './logger.js';

/**
 * Where a `ClientService` is (Twisted's state names, without the
 * underscore).
 *
 * ```
 *            start                 connected (+ prepareConnection)
 *   init ──────────► connecting ───────────────────────► connected
 *    │                 │   ▲   \ failed                      │
 *    │ stop            │   │    ▼                  lost      │
 *    │                 │   └── waiting ◄─────────────────────┘
 *    │          stop   │ retry   │ stop (cancels the retry)  │ stop (loseConnection)
 *    ▼    (cancels the │         ▼                           ▼
 *  stopped ◄───────────┴───── stopped ◄──── lost ──── disconnecting ◄──┐
 *    │                                                  │ start  ▲ stop │
 *    └── start ──► connecting ◄──── lost ──── restarting ◄┘       └──────┘
 * ```
 *
 * Cancelling the attempt in `connecting` fails it at once, so `stop` there
 * passes through `disconnecting` to `stopped` before it returns (unless the
 * endpoint had connected and `prepareConnection` was still running: that
 * connection is dropped and `stopped` comes once it is lost).
 */
export type ClientState =
  'init' | 'connecting' | 'waiting' | 'connected' | 'disconnecting' | 'restarting' | 'stopped';

/** A `whenConnected` Deferred and how many more failures it waits through (null: all). */
interface Waiter<P> {
  readonly deferred: Deferred<P>;
  remaining: number | null;
}

/** One `endpoint.connect`, from the call until it fails or its connection is lost. */
class Attempt<P> {
  /** The application's protocol, once the endpoint connected. */
  protocol: P | null = null;
  /** How the connection was lost, if it was lost before the attempt succeeded. */
  lostReason: Failure | null = null;
  /** What the attempt waits on while `prepareConnection` runs; failed if the connection is lost. */
  preparing: Deferred<P> | null = null;
  /** What `prepareConnection` returned (as a Deferred), while it runs. */
  running: Deferred | null = null;
}

/** What {@link ClientMachine} is built with. */
export interface ClientMachineOptions<P extends IProtocol> {
  readonly endpoint: IStreamClientEndpoint;
  readonly factory: ProtocolFactoryOf<P>;
  readonly retryPolicy: (failedAttempts: number) => number;
  readonly clock: () => IReactorTime;
  readonly prepareConnection: ((protocol: P) => unknown) | null;
  readonly log: Logger;
}

function transportOf(protocol: IProtocol): ITransport | undefined {
  return (protocol as { transport?: ITransport }).transport;
}

/** @internal The state machine; `ClientService` is its public face. */
export class ClientMachine<P extends IProtocol> {
  #state: ClientState = 'init';
  #failedAttempts = 0;
  #attempt: Attempt<P> | null = null;
  #connectionInProgress: Deferred | null = null;
  #retryCall: IDelayedCall | null = null;
  #current: P | null = null;
  #awaiting: Waiter<P>[] = [];
  #stopWaiters: Deferred<void>[] = [];
  readonly #options: ClientMachineOptions<P>;

  constructor(options: ClientMachineOptions<P>) {
    this.#options = options;
  }

  /** The current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Input `start`: begin connecting (or, while disconnecting, connect again once disconnected). */
  start(): void {
    switch (this.#state) {
      case 'init':
      case 'stopped':
        this.#state = 'connecting';
        this.#connect();
        return;
      case 'disconnecting':
        this.#state = 'restarting';
        this.#failedAttempts = 0;
        return;
      default:
        return; // connecting, waiting, connected, restarting: already on the way
    }
  }

  /** Input `stop`: a Deferred that fires once no connection is left and no attempt is running. */
  stop(): Deferred<void> {
    switch (this.#state) {
      case 'init':
      case 'stopped':
        this.#state = 'stopped';
        return succeed(undefined);
      case 'connecting': {
        this.#state = 'disconnecting';
        const stopped = this.#waitForStop();
        // Fails the attempt at once: #connectionFailed runs now, in `disconnecting`.
        this.#connectionInProgress?.cancel();
        return stopped;
      }
      case 'waiting': {
        this.#state = 'stopped';
        const stopped = this.#waitForStop();
        this.#cancelConnectWaiters();
        this.#retryCall?.cancel();
        this.#retryCall = null;
        this.#finishStopping();
        return stopped;
      }
      case 'connected': {
        this.#state = 'disconnecting';
        const stopped = this.#waitForStop();
        if (this.#current !== null) transportOf(this.#current)?.loseConnection();
        return stopped;
      }
      case 'disconnecting':
      case 'restarting':
        this.#state = 'disconnecting';
        return this.#waitForStop();
    }
  }

  /** Input `whenConnected`: the current connection's protocol, or the next one's. */
  whenConnected(failAfterFailures: number | null): Deferred<P> {
    switch (this.#state) {
      case 'connected':
        return succeed(this.#current as P);
      case 'stopped':
        return fail(new CancelledError());
      default: {
        const deferred = new Deferred<P>();
        this.#awaiting.push({ deferred, remaining: failAfterFailures });
        return deferred;
      }
    }
  }

  // ----- outputs and internal inputs --------------------------------------------------------------

  #connect(): void {
    const attempt = new Attempt<P>();
    this.#attempt = attempt;
    const factory = new DisconnectFactory(this.#options.factory, (reason) => {
      this.#lost(attempt, reason);
    });
    let connecting: Deferred<ReconnectingProtocolProxy<P>>;
    try {
      connecting = this.#options.endpoint.connect(factory);
    } catch (e) {
      connecting = fail(e); // an endpoint that throws fails the attempt like one that errbacks
    }
    this.#connectionInProgress = connecting
      .addCallback((proxy) => this.#prepare(attempt, proxy.wrappedProtocol))
      .addCallbacks(
        (protocol) => {
          this.#connectionMade(attempt, protocol);
        },
        (failure) => {
          this.#connectionFailed(attempt, failure);
        },
      );
  }

  /**
   * Runs `prepareConnection`; its result is ignored, its failure fails the
   * attempt. A connection lost meanwhile fails the attempt with the loss.
   */
  #prepare(attempt: Attempt<P>, protocol: P): P | Failure | Deferred<P> {
    attempt.protocol = protocol;
    if (attempt.lostReason !== null) return attempt.lostReason;
    const prepare = this.#options.prepareConnection;
    if (prepare === null) return protocol;
    const running = maybeDeferred(prepare, protocol);
    // The attempt waits on `preparing` rather than on `running` itself, so a
    // lost connection can fail it whatever the application's Deferred does.
    const preparing = new Deferred<P>(() => {
      running.cancel();
    });
    attempt.preparing = preparing;
    attempt.running = running;
    running.addCallbacks(
      () => {
        if (!preparing.called) preparing.callback(protocol);
      },
      (failure) => {
        if (!preparing.called) preparing.errback(failure);
      },
    );
    return preparing;
  }

  /** Input `_connectionMade`. */
  #connectionMade(attempt: Attempt<P>, protocol: P): void {
    attempt.preparing = null;
    attempt.running = null;
    if (this.#state !== 'connecting') {
      // stop() cancelled the attempt but a canceller connected anyway: drop it, and
      // let `disconnecting` end when it is lost.
      this.#current = protocol;
      transportOf(protocol)?.loseConnection();
      return;
    }
    this.#state = 'connected';
    this.#failedAttempts = 0;
    this.#current = protocol;
    this.#unawait(protocol);
  }

  /** Input `_connectionFailed`: the endpoint failed, or prepareConnection did, or stop() cancelled. */
  #connectionFailed(attempt: Attempt<P>, failure: Failure): void {
    attempt.preparing = null;
    attempt.running = null;
    // A connection made but rejected by prepareConnection is dropped, not left open.
    const live = attempt.protocol !== null && attempt.lostReason === null ? attempt.protocol : null;
    if (live !== null) transportOf(live)?.loseConnection();
    if (this.#state === 'connecting') {
      this.#state = 'waiting';
      this.#wait();
      this.#deliverConnectionFailure(failure);
    } else if (live !== null) {
      this.#current = live; // `disconnecting` ends when the dropped connection is lost
    } else {
      this.#state = 'stopped';
      this.#cancelConnectWaiters();
      this.#finishStopping();
    }
  }

  /** A connection of `attempt` was lost. */
  #lost(attempt: Attempt<P>, reason: Failure): void {
    if (attempt !== this.#attempt) return; // an earlier attempt's connection, given up on already
    if (this.#current !== null && this.#current === attempt.protocol) {
      this.#clientDisconnected();
      return;
    }
    if (attempt.lostReason !== null) return;
    // Lost before the attempt succeeded (while prepareConnection ran, or before
    // the endpoint fired): the attempt fails with the loss.
    attempt.lostReason = reason;
    const { preparing, running } = attempt;
    if (preparing !== null && !preparing.called) {
      preparing.errback(reason);
      running?.cancel(); // the application's preparation has no connection left to use
    }
  }

  /** Input `_clientDisconnected`: the current connection was lost. */
  #clientDisconnected(): void {
    this.#current = null;
    switch (this.#state) {
      case 'connected':
        this.#state = 'waiting';
        this.#wait();
        return;
      case 'disconnecting':
        this.#state = 'stopped';
        this.#cancelConnectWaiters();
        this.#finishStopping();
        return;
      default:
        // `restarting` (no other state has a current connection): connect again.
        this.#state = 'connecting';
        this.#finishStopping();
        this.#connect();
    }
  }

  /** Output `_wait`: one more failed attempt; the next one after the policy's delay. */
  #wait(): void {
    this.#failedAttempts += 1;
    const delay = this.#options.retryPolicy(this.#failedAttempts);
    this.#options.log.info('Scheduling retry {attempt} to connect {endpoint} in {delay} seconds.', {
      attempt: this.#failedAttempts,
      endpoint: this.#options.endpoint,
      delay,
    });
    this.#retryCall = this.#options.clock().callLater(delay, () => {
      this.#retryCall = null;
      // Input `_reconnect`: only reachable in `waiting` (stop() cancels this call).
      this.#state = 'connecting';
      this.#connect();
    });
  }

  #waitForStop(): Deferred<void> {
    const stopped = new Deferred<void>();
    this.#stopWaiters.push(stopped);
    return stopped;
  }

  #finishStopping(): void {
    const waiting = this.#stopWaiters;
    this.#stopWaiters = [];
    for (const stopped of waiting) stopped.callback(undefined);
  }

  #cancelConnectWaiters(): void {
    this.#unawait(new Failure(new CancelledError()));
  }

  /** Fires every `whenConnected` Deferred with `value`. */
  #unawait(value: P | Failure): void {
    const waiting = this.#awaiting;
    this.#awaiting = [];
    for (const { deferred } of waiting) deferred.callback(value);
  }

  /** Fails the `whenConnected` Deferreds whose `failAfterFailures` this failure reaches. */
  #deliverConnectionFailure(failure: Failure): void {
    const ready: Deferred<P>[] = [];
    const notReady: Waiter<P>[] = [];
    for (const waiter of this.#awaiting) {
      if (waiter.remaining === null) notReady.push(waiter);
      else if (waiter.remaining <= 1) ready.push(waiter.deferred);
      else notReady.push({ deferred: waiter.deferred, remaining: waiter.remaining - 1 });
    }
    this.#awaiting = notReady;
    for (const deferred of ready) deferred.callback(failure);
  }
}
