/**
 * The protocol side of a connection (Twisted's `IProtocol`,
 * `IProtocolFactory`, `IHalfCloseableProtocol`, `IHandshakeListener`).
 *
 * @module
 */
import type { IAddress } from '../address.js';
import type { Failure } from '../failure.js';
import type { ITransport } from './transport.js';

/**
 * What a connection does with its bytes. A protocol never touches a socket:
 * it receives bytes in {@link IProtocol.dataReceived} and writes to the
 * transport it was given.
 *
 * Lifecycle, in this order: `makeConnection` (once), which calls
 * `connectionMade` (once); `dataReceived` any number of times, never before
 * `connectionMade` and never after `connectionLost`; `connectionLost`
 * exactly once. An exception thrown by any of them is logged and closes this
 * connection only, with that exception as the `connectionLost` reason.
 */
export interface IProtocol {
  /** Attaches the transport and calls {@link IProtocol.connectionMade}. Called once. */
  makeConnection(transport: ITransport): void;
  /** The connection is up: `this.transport` may be written to. */
  connectionMade(): void;
  /**
   * Bytes arrived. Chunks are split and merged arbitrarily: a protocol must
   * not assume one write on the other side is one call here. The array is
   * the protocol's to keep.
   */
  dataReceived(data: Uint8Array): void;
  /**
   * The connection is gone. `reason` wraps `ConnectionDone` for a clean
   * close, `ConnectionLost` (or a subclass, such as `ConnectionAborted`)
   * otherwise, or the exception a callback of this protocol threw.
   */
  connectionLost(reason: Failure): void;
}

/**
 * A protocol that can live with half of the connection closed. On a
 * transport that supports half-close, the peer closing its write side calls
 * {@link IHalfCloseableProtocol.readConnectionLost} instead of
 * `connectionLost`; the protocol may keep writing, then calls
 * `loseConnection()`.
 */
export interface IHalfCloseableProtocol {
  /** The peer will send no more data (it half-closed, e.g. TCP FIN). */
  readConnectionLost(): void;
  /** Our own `loseWriteConnection()` has completed: everything written was sent. */
  writeConnectionLost(): void;
}

/** Whether `protocol` implements {@link IHalfCloseableProtocol}. */
export function isHalfCloseableProtocol(protocol: unknown): protocol is IHalfCloseableProtocol {
  return (
    typeof protocol === 'object' &&
    protocol !== null &&
    typeof (protocol as IHalfCloseableProtocol).readConnectionLost === 'function' &&
    typeof (protocol as IHalfCloseableProtocol).writeConnectionLost === 'function'
  );
}

/**
 * A protocol told when the TLS handshake of its connection completes. Not
 * called on connections without TLS.
 */
export interface IHandshakeListener {
  /**
   * The TLS handshake completed: the peer's certificate (verified, unless
   * verification was turned off) and the negotiated ALPN protocol can be
   * read from the transport. Called once per handshake. An exception thrown
   * here closes the connection, as one thrown by `dataReceived`.
   */
  handshakeCompleted(): void;
}

/** Whether `protocol` implements {@link IHandshakeListener}. */
export function isHandshakeListener(protocol: unknown): protocol is IHandshakeListener {
  return (
    typeof protocol === 'object' &&
    protocol !== null &&
    typeof (protocol as IHandshakeListener).handshakeCompleted === 'function'
  );
}

/** Makes a protocol for each connection. */
export interface IProtocolFactory {
  /**
   * A protocol for a new connection from/to `addr`, or `null` to refuse it
   * (the connection is then closed at once). Throwing refuses it too, and is
   * logged.
   */
  buildProtocol(addr: IAddress): IProtocol | null;
  /** A port or connector started using this factory. Counted: see `Factory`. */
  doStart(): void;
  /** A port or connector stopped using this factory. */
  doStop(): void;
}
