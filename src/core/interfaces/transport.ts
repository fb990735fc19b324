/**
 * The transport side of a connection (Twisted's `ITransport`,
 * `ITCPTransport`, `IListeningPort`, `IConnector`).
 *
 * @module
 */
import type { IAddress, IPv4Address, IPv6Address } from '../address.js';
import type { Deferred } from '../defer.js';
import type { IConsumer, IPushProducer } from './producer.js';

/**
 * One ordered, reliable byte stream to a peer.
 *
 * Calls are "thrown over the wall": they never block and never throw for I/O
 * reasons; failures arrive later as `connectionLost` on the protocol. Every
 * transport is also an {@link IConsumer} (producers can pace writes to it)
 * and an {@link IPushProducer} (pausing it stops reading from the peer).
 */
export interface ITransport extends IConsumer, IPushProducer {
  /**
   * Whether `loseConnection()` or `abortConnection()` has been called or the
   * connection is gone. Parsers stop delivering when it is set.
   */
  readonly disconnecting: boolean;
  /**
   * Queues `data` to be sent, in order; a string is sent as UTF-8. Nothing is
   * dropped while the connection is open, whatever the size; writes after
   * `loseConnection()` are ignored.
   */
  write(data: Uint8Array | string): void;
  /** Writes each element of `data` in order, as `write` would. */
  writeSequence(data: Iterable<Uint8Array | string>): void;
  /**
   * Closes the connection once everything written has been sent (and once a
   * registered producer has unregistered). Stops reading at once. Idempotent.
   * The protocol then gets `connectionLost(ConnectionDone)`.
   */
  loseConnection(): void;
  /** The remote end's address. */
  getPeer(): IAddress;
  /** This end's address. */
  getHost(): IAddress;
}

/** A transport that can half-close and abort (TCP, UNIX stream sockets, TLS). */
export interface IStreamTransport extends ITransport {
  /**
   * Closes the write side once everything written has been sent (TCP FIN),
   * keeping the read side open. A half-closeable protocol then gets
   * `writeConnectionLost()`.
   */
  loseWriteConnection(): void;
  /**
   * Closes at once, discarding anything not yet sent (TCP RST). The protocol
   * gets `connectionLost(ConnectionAborted)` on a later tick. Idempotent.
   */
  abortConnection(): void;
}

/** A TCP connection. */
export interface ITCPTransport extends IStreamTransport {
  /** Whether Nagle's algorithm is off (`TCP_NODELAY`). */
  getTcpNoDelay(): boolean;
  /** Turns Nagle's algorithm off (true) or on. */
  setTcpNoDelay(enabled: boolean): void;
  /** Whether TCP keep-alive probes are on. */
  getTcpKeepAlive(): boolean;
  /** Turns TCP keep-alive probes on or off. */
  setTcpKeepAlive(enabled: boolean): void;
  getPeer(): IPv4Address | IPv6Address;
  getHost(): IPv4Address | IPv6Address;
}

/** A listening port: accepts connections and builds a protocol for each. */
export interface IListeningPort {
  /**
   * Stops accepting. Connections already accepted stay open. The Deferred
   * fires once the port is closed (and the factory's `doStop` has run).
   */
  stopListening(): Deferred<void>;
  /** The address listened on (with the real port when 0 was asked for). */
  getHost(): IAddress;
  /** `await using port = ...`: stops listening. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Where a client connection attempt stands. */
export type ConnectorState = 'disconnected' | 'connecting' | 'connected';

/**
 * A client connection attempt and its connection, which can be repeated:
 * calling `connect()` from `clientConnectionFailed` or
 * `clientConnectionLost` reconnects.
 */
export interface IConnector {
  /** Current state. */
  readonly state: ConnectorState;
  /**
   * Abandons the attempt in progress; the factory gets
   * `clientConnectionFailed` with a `UserError`.
   *
   * @throws {NotConnectingError} if not connecting.
   */
  stopConnecting(): void;
  /** Stops connecting, or closes the connection (`loseConnection`), whichever applies. */
  disconnect(): void;
  /**
   * Starts a new attempt.
   *
   * @throws {InvalidStateError} if not disconnected.
   */
  connect(): void;
  /** The address being connected to. */
  getDestination(): IAddress;
}
