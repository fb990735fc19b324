/**
 * `Connector`: a repeatable client connection attempt (Twisted's
 * `base.BaseConnector` with `tcp.BaseClient`'s connecting half), shared by
 * TCP and UNIX clients.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { IAddress } from '../core/address.js';
import {
  ConnectError,
  ConnectingTimeoutError,
  ConnectionLost,
  InvalidStateError,
  NotConnectingError,
  UserError,
  WeftError,
} from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { IDelayedCall } from '../core/interfaces/reactor.js';
import type { ConnectorState, IConnector } from '../core/interfaces/transport.js';
import { Logger } from '../core/logger.js';
import { Protocol } from '../core/protocol.js';
import type { IClientFactoryCallbacks } from '../core/protocol.js';
import { connectErrorFrom } from './errors.js';
import type { Selectable, SocketContext, StreamTransport } from './stream-transport.js';

const log = new Logger('weft.connector');

function noop(): void {
  // Swallows errors of sockets being discarded.
}

function discard(socket: Socket): void {
  socket.on('error', noop);
  socket.destroy();
}

/**
 * One attempt of a {@link Connector}: resolution, then a socket connecting.
 * The connector's `dial` reports through it.
 */
export class ConnectAttempt implements Selectable {
  #socket: Socket | null = null;
  #peer: IAddress | null = null;
  #finished = false;
  #dialing = true;
  #lookup: { readonly called: boolean; cancel(): void } | null = null;
  readonly #onConnected: (attempt: ConnectAttempt, socket: Socket, peer: IAddress) => void;
  readonly #onFailed: (attempt: ConnectAttempt, error: Error) => void;

  /** @internal */
  constructor(
    onConnected: (attempt: ConnectAttempt, socket: Socket, peer: IAddress) => void,
    onFailed: (attempt: ConnectAttempt, error: Error) => void,
  ) {
    this.#onConnected = onConnected;
    this.#onFailed = onFailed;
  }

  /** Whether the attempt is over (connected, failed or stopped): `dial` should stop. */
  get finished(): boolean {
    return this.#finished;
  }

  /** `dial` made `socket`, connecting to `peer` (only while not {@link ConnectAttempt.finished}). */
  opened(socket: Socket, peer: IAddress): void {
    this.#socket = socket;
    this.#peer = peer;
    socket.on('error', this.#socketError);
    socket.once('connect', this.#socketConnected);
  }

  /**
   * `dial` is resolving the host with `lookup`: ending the attempt before the
   * answer (stopConnecting, the connect timeout) cancels it, so the
   * resolution and its own timeout stop too.
   */
  resolving(lookup: { readonly called: boolean; cancel(): void }): void {
    this.#lookup = lookup;
  }

  /**
   * The attempt failed with `err` (a weft error is kept, a Node error is
   * mapped by `connectErrorFrom`). Reported on a later turn when called while
   * `connect()` is still running, so `startedConnecting` always comes first.
   */
  fail(err: unknown): void {
    if (this.#finished) return;
    const error = err instanceof WeftError ? err : connectErrorFrom(err);
    if (this.#dialing) {
      setImmediate(() => {
        this.#onFailed(this, error);
      });
    } else {
      this.#onFailed(this, error);
    }
  }

  /** @internal `connect()` has returned from `dial`. */
  dialed(): void {
    this.#dialing = false;
  }

  /** @internal Ends the attempt; returns its socket, detached, or closes it. */
  finish(keepSocket: boolean): Socket | null {
    this.#finished = true;
    const lookup = this.#lookup;
    this.#lookup = null;
    if (lookup !== null && !lookup.called) lookup.cancel();
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return null;
    socket.removeListener('error', this.#socketError);
    socket.removeListener('connect', this.#socketConnected);
    if (keepSocket) return socket;
    discard(socket);
    return null;
  }

  /** @internal Fails the attempt now: the reactor is shutting down. */
  closeAtShutdown(): void {
    this.#onFailed(
      this,
      new ConnectError('The reactor shut down while connecting', { cause: new ConnectionLost() }),
    );
  }

  readonly #socketError = (err: Error): void => {
    this.fail(err);
  };

  readonly #socketConnected = (): void => {
    const socket = this.#socket;
    const peer = this.#peer;
    if (socket !== null && peer !== null) this.#onConnected(this, socket, peer);
  };
}

/**
 * A client connection, attempted by `connectTCP`/`connectUNIX` and
 * repeatable with {@link Connector.connect} (Twisted's `IConnector`).
 *
 * The factory hears, in order (each callback optional, see
 * `IClientFactoryCallbacks`): `doStart()` on the first attempt;
 * `startedConnecting(connector)` (from inside `connect()`); then either
 * `buildProtocol(peerAddress)` with the protocol's `makeConnection` /
 * `connectionMade`, or `clientConnectionFailed(connector, reason)`; after a
 * connection, the protocol's `connectionLost` **then**
 * `clientConnectionLost(connector, reason)`; and `doStop()` once an attempt
 * fails or a connection ends, unless `connect()` was called again from
 * `clientConnectionFailed` or `clientConnectionLost` (which reconnects).
 *
 * Failure reasons: `ConnectionRefusedError`, `TCPTimedOutError` (the OS gave
 * up), `NoRouteError`, `DNSLookupError`, `ConnectBindError`, `BadFileError`,
 * `ConnectError` for other codes, `ConnectingTimeoutError` when the
 * `timeout` (on the reactor's clock) runs out, `UserError` after
 * {@link Connector.stopConnecting}. Exceptions thrown by the factory's
 * callbacks are logged; one thrown by `buildProtocol` fails the attempt with
 * a `ConnectError` whose `cause` is that exception. `buildProtocol`
 * returning `null` closes the connection at once (the factory then gets
 * `clientConnectionLost` with `ConnectionDone`), as in Twisted.
 */
export abstract class Connector implements IConnector {
  /** The factory told about every attempt. */
  readonly factory: IProtocolFactory & IClientFactoryCallbacks;
  /** Seconds each attempt may take, on the reactor's clock; `Infinity` for no limit. */
  readonly timeout: number;
  readonly #context: SocketContext;
  #state: ConnectorState = 'disconnected';
  #attempt: ConnectAttempt | null = null;
  #transport: StreamTransport | null = null;
  #timeoutCall: IDelayedCall | null = null;
  #factoryStarted = false;

  /** @throws {RangeError} if `timeout` is negative or not a number. */
  protected constructor(context: SocketContext, factory: IProtocolFactory, timeout: number) {
    if (!(timeout >= 0)) {
      throw new RangeError(`connect timeout must be >= 0 seconds, got ${String(timeout)}`);
    }
    this.#context = context;
    this.factory = factory;
    this.timeout = timeout;
  }

  /** Starts one attempt: resolve if needed, open a socket, report through `attempt`. */
  protected abstract dial(attempt: ConnectAttempt): void;

  /** A transport for a socket this connector connected. */
  protected abstract makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IAddress,
    onLost: (reason: Failure) => void,
  ): StreamTransport;

  /** The address being connected to. */
  abstract getDestination(): IAddress;

  /** `'disconnected'`, `'connecting'` or `'connected'`. */
  get state(): ConnectorState {
    return this.#state;
  }

  /** The connection's transport while connected, else `null`. */
  get transport(): StreamTransport | null {
    return this.#transport;
  }

  /**
   * Starts an attempt. `connectTCP`/`connectUNIX` call it once; call it again
   * (typically from `clientConnectionFailed` or `clientConnectionLost`) to
   * reconnect.
   *
   * @throws {InvalidStateError} if connecting or connected.
   */
  connect(): void {
    if (this.#state !== 'disconnected') {
      throw new InvalidStateError(`Can't connect in state ${this.#state}`);
    }
    this.#state = 'connecting';
    if (!this.#factoryStarted) {
      this.#factoryStarted = true;
      this.factory.doStart();
    }
    const attempt = new ConnectAttempt(this.#attemptConnected, this.#attemptFailed);
    this.#attempt = attempt;
    this.#context.selectables.add(attempt);
    try {
      this.dial(attempt);
    } catch (e) {
      attempt.fail(e);
    }
    attempt.dialed();
    if (Number.isFinite(this.timeout)) {
      this.#timeoutCall = this.#context.reactor.callLater(this.timeout, () => {
        this.#timeoutCall = null;
        this.#attemptFailed(attempt, new ConnectingTimeoutError());
      });
    }
    try {
      this.factory.startedConnecting?.(this);
    } catch (e) {
      this.#logFactoryError(e, 'startedConnecting');
    }
  }

  /**
   * Abandons the attempt in progress: the factory gets
   * `clientConnectionFailed` with a `UserError` before this returns.
   *
   * @throws {NotConnectingError} if not connecting.
   */
  stopConnecting(): void {
    const attempt = this.#attempt;
    if (this.#state !== 'connecting' || attempt === null) {
      throw new NotConnectingError("We're not trying to connect");
    }
    this.#attemptFailed(attempt, new UserError());
  }

  /** Stops connecting, or closes the connection (`loseConnection()`), whichever applies. */
  disconnect(): void {
    if (this.#state === 'connecting') this.stopConnecting();
    else if (this.#state === 'connected') this.#transport?.loseConnection();
  }

  readonly #attemptFailed = (attempt: ConnectAttempt, error: Error): void => {
    if (attempt !== this.#attempt || attempt.finished) return;
    attempt.finish(false);
    this.#endAttempt(attempt);
    this.#failed(error);
  };

  // Only the current attempt can report: finishing an attempt detaches it from its socket.
  readonly #attemptConnected = (attempt: ConnectAttempt, socket: Socket, peer: IAddress): void => {
    attempt.finish(true);
    this.#endAttempt(attempt);
    this.#state = 'connected';
    let protocol: IProtocol | null;
    try {
      protocol = this.factory.buildProtocol(peer);
    } catch (e) {
      log.failure('Unhandled error in {factory}.buildProtocol({peer}); connection closed', e, {
        factory: this.factory.constructor.name,
        peer: peer.toString(),
      });
      discard(socket);
      this.#failed(new ConnectError('buildProtocol failed', { cause: e }));
      return;
    }
    // As Twisted: with no protocol, a plain one stands in while the connection closes.
    const transport = this.makeTransport(
      socket,
      protocol ?? new Protocol(),
      this.#context,
      peer,
      this.#lost,
    );
    this.#transport = transport;
    transport.start();
    if (protocol === null) transport.loseConnection();
  };

  readonly #lost = (reason: Failure): void => {
    this.#transport = null;
    this.#state = 'disconnected';
    try {
      this.factory.clientConnectionLost?.(this, reason);
    } catch (e) {
      this.#logFactoryError(e, 'clientConnectionLost');
    }
    if (this.#isDisconnected()) this.#stopFactory();
  };

  #endAttempt(attempt: ConnectAttempt): void {
    this.#context.selectables.delete(attempt);
    this.#attempt = null;
    const call = this.#timeoutCall;
    this.#timeoutCall = null;
    if (call?.active() === true) call.cancel();
  }

  #failed(error: Error): void {
    this.#state = 'disconnected';
    try {
      this.factory.clientConnectionFailed?.(this, new Failure(error));
    } catch (e) {
      this.#logFactoryError(e, 'clientConnectionFailed');
    }
    // Unless the factory called connect() again, this connector is done with it.
    if (this.#isDisconnected()) this.#stopFactory();
  }

  /** The state, read afresh after a factory callback that may have called `connect()`. */
  #isDisconnected(): boolean {
    return this.#state === 'disconnected';
  }

  #stopFactory(): void {
    if (!this.#factoryStarted) return;
    this.#factoryStarted = false;
    try {
      this.factory.doStop();
    } catch (e) {
      this.#logFactoryError(e, 'doStop');
    }
  }

  #logFactoryError(e: unknown, method: string): void {
    log.failure('Unhandled error in {factory}.{method}', e, {
      factory: this.factory.constructor.name,
      method,
    });
  }
}
