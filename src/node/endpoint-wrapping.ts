/**
 * The factory and protocol a client endpoint connects with (Twisted's
 * `_WrappingFactory` and `_WrappingProtocol`), and `connectProtocol`.
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import { ConnectingCancelledError, NoProtocol } from '../core/errors.js';
import type { Failure } from '../core/failure.js';
import type { IStreamClientEndpoint, ProtocolFactoryOf } from '../core/interfaces/endpoint.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import { isHalfCloseableProtocol } from '../core/interfaces/protocol.js';
import type { IConnector, ITransport } from '../core/interfaces/transport.js';

/**
 * Stands between the transport and the user's protocol until the
 * connection is made, then passes everything through: `connectionMade`
 * connects the user's protocol and fires the endpoint's Deferred with it.
 */
class WrappingProtocol<P extends IProtocol> implements IProtocol {
  readonly #connected: Deferred<P>;
  /** The user's protocol. */
  readonly wrappedProtocol: P;
  #transport: ITransport | null = null;

  constructor(connected: Deferred<P>, wrapped: P) {
    this.#connected = connected;
    this.wrappedProtocol = wrapped;
  }

  makeConnection(transport: ITransport): void {
    this.#transport = transport;
    this.connectionMade();
  }

  connectionMade(): void {
    if (this.#transport === null) return;
    this.wrappedProtocol.makeConnection(this.#transport);
    this.#connected.callback(this.wrappedProtocol);
  }

  dataReceived(data: Uint8Array): void {
    this.wrappedProtocol.dataReceived(data);
  }

  connectionLost(reason: Failure): void {
    this.wrappedProtocol.connectionLost(reason);
  }

  /** Passed through to a protocol that listens for TLS handshakes. */
  handshakeCompleted(): void {
    (this.wrappedProtocol as { handshakeCompleted?: () => void }).handshakeCompleted?.();
  }
}

/** The same, for a user protocol that handles half-close: the transport must see that it does. */
class HalfCloseableWrappingProtocol<P extends IProtocol> extends WrappingProtocol<P> {
  readConnectionLost(): void {
    (this.wrappedProtocol as P & { readConnectionLost(): void }).readConnectionLost();
  }

  writeConnectionLost(): void {
    (this.wrappedProtocol as P & { writeConnectionLost(): void }).writeConnectionLost();
  }
}

/**
 * The factory a client endpoint hands to `connectTCP`/`connectUNIX`: it
 * builds the user's protocol once, when the connection is made, and settles
 * {@link WrappingFactory.whenConnected}: with the user's protocol after its
 * `connectionMade`, or with the connector's failure, or `NoProtocol` when
 * the user's `buildProtocol` returned null (or what it threw).
 * Cancelling `whenConnected` stops the connector and fails with
 * `ConnectingCancelledError` carrying the destination.
 *
 * @internal
 */
export class WrappingFactory<P extends IProtocol> implements IProtocolFactory {
  /** Fires with the user's protocol once connected. */
  readonly whenConnected: Deferred<P>;
  readonly #wrapped: ProtocolFactoryOf<P>;
  #connector: IConnector | null = null;

  constructor(wrapped: ProtocolFactoryOf<P>) {
    this.#wrapped = wrapped;
    this.whenConnected = new Deferred<P>((d) => {
      const connector = this.#connector;
      d.errback(new ConnectingCancelledError(connector?.getDestination()));
      if (connector?.state === 'connecting') connector.stopConnecting();
    });
  }

  /** Passed through to the user's factory. */
  doStart(): void {
    this.#wrapped.doStart();
  }

  /** Passed through to the user's factory. */
  doStop(): void {
    this.#wrapped.doStop();
  }

  /** Remembers the connector, so cancelling can stop it. */
  startedConnecting(connector: IConnector): void {
    this.#connector = connector;
  }

  /** Builds the user's protocol and wraps it; on null or a throw, fails the Deferred instead. */
  buildProtocol(addr: IAddress): IProtocol | null {
    let built: P | null;
    try {
      built = this.#wrapped.buildProtocol(addr);
    } catch (e) {
      this.whenConnected.errback(e); // as Twisted: the thrown error itself
      return null;
    }
    if (built === null) {
      this.whenConnected.errback(new NoProtocol());
      return null;
    }
    return isHalfCloseableProtocol(built)
      ? new HalfCloseableWrappingProtocol(this.whenConnected, built)
      : new WrappingProtocol(this.whenConnected, built);
  }

  /** The attempt failed: so does the Deferred (unless already settled). */
  clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    if (!this.whenConnected.called) this.whenConnected.errback(reason);
  }
}

/** A factory that hands out `protocol` once (what {@link connectProtocol} connects with). */
class OneShotFactory<P extends IProtocol> implements IProtocolFactory {
  readonly #protocol: P;
  constructor(protocol: P) {
    this.#protocol = protocol;
  }
  buildProtocol(): P {
    return this.#protocol;
  }
  doStart(): void {
    // Nothing to start.
  }
  doStop(): void {
    // Nothing to stop.
  }
}

/**
 * Connects `endpoint` with an already-made `protocol` instance instead of a
 * factory (Twisted's `connectProtocol`). Fires with `protocol` once its
 * `connectionMade` has run.
 *
 * @example
 * ```ts
 * import { clientFromString, connectProtocol, Protocol, reactor } from 'weft';
 * const endpoint = clientFromString(reactor, 'tcp:127.0.0.1:8080');
 * const proto = await connectProtocol(endpoint, new Protocol());
 * proto.transport.write('hello\n');
 * ```
 */
export function connectProtocol<P extends IProtocol>(
  endpoint: IStreamClientEndpoint,
  protocol: P,
): Deferred<P> {
  return endpoint.connect(new OneShotFactory(protocol));
}
