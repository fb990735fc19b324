/**
 * The factory and protocol proxies `ClientService` connects with (Twisted's
 * `_DisconnectFactory` and `_ReconnectingProtocolProxy`): they pass
 * everything through to the application's factory and protocol and tell the
 * service when the connection is lost.
 *
 * @module
 */
import type { IAddress } from './address.js';
import type { Failure } from './failure.js';
import type { ProtocolFactoryOf } from './interfaces/endpoint.js';
import { forwardOptionalHooks } from './forward-hooks.js';
import type { IProtocol } from './interfaces/protocol.js';
import type { ITransport } from './interfaces/transport.js';

/**
 * Stands in front of an application protocol: every call is passed through,
 * and after `connectionLost` (even one that throws) the service is told.
 * It has `readConnectionLost`/`writeConnectionLost` and `handshakeCompleted`
 * exactly when the protocol it wraps has them, so a transport sees the same
 * interfaces it would see on the protocol itself.
 *
 * @internal
 */
export class ReconnectingProtocolProxy<P extends IProtocol> implements IProtocol {
  /** The application's protocol. */
  readonly wrappedProtocol: P;
  /** Forwards to the wrapped protocol; present when it is half-closeable. */
  readConnectionLost?(): void;
  /** Forwards to the wrapped protocol; present when it is half-closeable. */
  writeConnectionLost?(): void;
  /** Forwards to the wrapped protocol; present when it listens for TLS handshakes. */
  handshakeCompleted?(): void;
  readonly #lost: (reason: Failure) => void;

  constructor(wrappedProtocol: P, lost: (reason: Failure) => void) {
    this.wrappedProtocol = wrappedProtocol;
    this.#lost = lost;
    forwardOptionalHooks(this, wrappedProtocol);
  }

  /** The wrapped protocol's transport, once it has one. */
  get transport(): ITransport | undefined {
    return (this.wrappedProtocol as { transport?: ITransport }).transport;
  }

  makeConnection(transport: ITransport): void {
    this.wrappedProtocol.makeConnection(transport);
  }

  connectionMade(): void {
    this.wrappedProtocol.connectionMade();
  }

  dataReceived(data: Uint8Array): void {
    this.wrappedProtocol.dataReceived(data);
  }

  /** Passes the loss on, then (whatever the protocol did) tells the service. */
  connectionLost(reason: Failure): void {
    try {
      this.wrappedProtocol.connectionLost(reason);
    } finally {
      this.#lost(reason);
    }
  }
}

/**
 * Passes `doStart`/`doStop` through to the application's factory and wraps
 * each protocol it builds in a {@link ReconnectingProtocolProxy} reporting
 * to `lost`.
 *
 * @internal
 */
export class DisconnectFactory<P extends IProtocol> implements ProtocolFactoryOf<
  ReconnectingProtocolProxy<P>
> {
  /** The application's factory. */
  readonly wrappedFactory: ProtocolFactoryOf<P>;
  readonly #lost: (reason: Failure) => void;

  constructor(wrappedFactory: ProtocolFactoryOf<P>, lost: (reason: Failure) => void) {
    this.wrappedFactory = wrappedFactory;
    this.#lost = lost;
  }

  /** The application's protocol, wrapped; `null` when the application's factory refuses. */
  buildProtocol(addr: IAddress): ReconnectingProtocolProxy<P> | null {
    const built = this.wrappedFactory.buildProtocol(addr);
    return built === null ? null : new ReconnectingProtocolProxy(built, this.#lost);
  }

  doStart(): void {
    this.wrappedFactory.doStart();
  }

  doStop(): void {
    this.wrappedFactory.doStop();
  }
}
