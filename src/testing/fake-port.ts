/**
 * `FakePort` and `FakeConnector`: what `MemoryReactor`'s listen and connect
 * methods return (Twisted's `_FakePort` and `_FakeConnector`).
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { succeed, type Deferred } from '../core/defer.js';
import { InvalidStateError, NotConnectingError, UserError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type {
  ConnectorState,
  IConnector,
  IListeningPort,
  ITransport,
} from '../core/interfaces/transport.js';
import type { IClientFactoryCallbacks } from '../core/protocol.js';

/**
 * A listening port that listens to nothing: it reports its address and, on
 * `stopListening()`, calls its factory's `doStop()` (once) and returns a
 * Deferred that has already fired. For tests; not for implementation code.
 *
 * @typeParam A - the type of its address.
 */
export class FakePort<A extends IAddress = IAddress> implements IListeningPort {
  /** The factory given to `listenTCP`/`listenUNIX`. */
  readonly factory: IProtocolFactory;
  /** True until `stopListening()` is called. */
  listening = true;
  readonly #address: A;

  constructor(address: A, factory: IProtocolFactory) {
    this.#address = address;
    this.factory = factory;
  }

  /** The address given at construction (with the fake port number picked for port 0). */
  getHost(): A {
    return this.#address;
  }

  /** Stops "listening": the factory's `doStop()` runs the first time. Fires at once. */
  stopListening(): Deferred<void> {
    if (this.listening) {
      this.listening = false;
      this.factory.doStop();
    }
    return succeed(undefined);
  }

  /** Stops listening. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopListening();
  }
}

/**
 * A client connection attempt that never reaches the network: it sits in
 * `'connecting'` until the test (or a `ConnectionCompleter`) decides how it
 * ends. It keeps {@link IConnector}'s rules and a real connector's calls to
 * the factory: `doStart()` then `startedConnecting(connector)` when an
 * attempt starts; `clientConnectionFailed` or `clientConnectionLost` when it
 * ends, followed by `doStop()` unless the factory called `connect()` again
 * from them. For tests; not for implementation code.
 *
 * Twisted's `_FakeConnector` only records `stopConnecting()`; this one also
 * reports the `UserError` to the factory, as a real connector would.
 */
export class FakeConnector implements IConnector {
  /** The factory that gets the connection. */
  readonly factory: IProtocolFactory & IClientFactoryCallbacks;
  /** Whether `stopConnecting()` has been called. */
  stoppedConnecting = false;
  /** Whether `disconnect()` has been called. */
  disconnected = false;
  /** The connection's transport once connected (set by whoever completes the attempt), else `null`. */
  transport: ITransport | null = null;
  #state: ConnectorState = 'disconnected';
  #factoryStarted = false;
  readonly #destination: IAddress;
  readonly #onConnect: (connector: FakeConnector) => void;

  /**
   * Makes a connector in `'disconnected'` state; call {@link FakeConnector.connect}
   * to start the first attempt.
   *
   * @param onConnect - called at the start of each attempt, before the
   *   factory hears of it (the memory reactor records the attempt there).
   */
  constructor(
    destination: IAddress,
    factory: IProtocolFactory & IClientFactoryCallbacks,
    onConnect: (connector: FakeConnector) => void = () => undefined,
  ) {
    this.#destination = destination;
    this.factory = factory;
    this.#onConnect = onConnect;
  }

  /** Where the attempt stands. */
  get state(): ConnectorState {
    return this.#state;
  }

  /** The address being connected to. */
  getDestination(): IAddress {
    return this.#destination;
  }

  /**
   * Starts an attempt: state `'connecting'`, the factory started (once per
   * run of attempts), then `factory.startedConnecting(this)`.
   *
   * @throws {InvalidStateError} if not disconnected.
   */
  connect(): void {
    if (this.#state !== 'disconnected') {
      throw new InvalidStateError(`Can't connect in the '${this.#state}' state`);
    }
    this.#state = 'connecting';
    this.stoppedConnecting = false;
    this.#onConnect(this);
    if (!this.#factoryStarted) {
      this.factory.doStart();
      this.#factoryStarted = true;
    }
    this.factory.startedConnecting?.(this);
  }

  /**
   * Abandons the attempt: the factory gets `clientConnectionFailed` with a
   * `UserError`.
   *
   * @throws {NotConnectingError} if not connecting.
   */
  stopConnecting(): void {
    if (this.#state !== 'connecting') throw new NotConnectingError("we're not trying to connect");
    this.stoppedConnecting = true;
    this.connectionFailed(new Failure(new UserError()));
  }

  /** Stops connecting or closes the connection (`transport.loseConnection()`), whichever applies. */
  disconnect(): void {
    this.disconnected = true;
    if (this.#state === 'connecting') this.stopConnecting();
    else if (this.#state === 'connected') this.transport?.loseConnection();
  }

  /**
   * Ends the attempt in failure: `factory.clientConnectionFailed(this, reason)`,
   * then the factory's `doStop()` unless it reconnected.
   *
   * @throws {InvalidStateError} if not connecting.
   */
  connectionFailed(reason: Failure): void {
    if (this.#state !== 'connecting') {
      throw new InvalidStateError(`Can't fail a connection in the '${this.#state}' state`);
    }
    this.#state = 'disconnected';
    this.factory.clientConnectionFailed?.(this, reason);
    this.#maybeStopFactory();
  }

  /**
   * Ends the attempt in success: state `'connected'`, and the factory's
   * protocol for `addr` (a real connector's `buildProtocol`).
   *
   * @throws {InvalidStateError} if not connecting.
   */
  buildProtocol(addr: IAddress): IProtocol | null {
    if (this.#state !== 'connecting') {
      throw new InvalidStateError(`Can't connect in the '${this.#state}' state`);
    }
    this.#state = 'connected';
    return this.factory.buildProtocol(addr);
  }

  /**
   * The connection made by {@link FakeConnector.buildProtocol} ended (call it
   * after the protocol's `connectionLost`): `factory.clientConnectionLost(this, reason)`,
   * then the factory's `doStop()` unless it reconnected.
   *
   * @throws {InvalidStateError} if not connected.
   */
  connectionLost(reason: Failure): void {
    if (this.#state !== 'connected') {
      throw new InvalidStateError(`Can't lose a connection in the '${this.#state}' state`);
    }
    this.#state = 'disconnected';
    this.transport = null;
    this.factory.clientConnectionLost?.(this, reason);
    this.#maybeStopFactory();
  }

  #maybeStopFactory(): void {
    if (this.#state === 'disconnected' && this.#factoryStarted) {
      this.#factoryStarted = false;
      this.factory.doStop();
    }
  }
}
