/**
 * TLS over other endpoints' connections (Twisted's `wrapClientTLS`, and its
 * server-side counterpart `wrapServerTLS`, a weft addition): the wrapped
 * endpoint makes the connection, then TLS is started on it with
 * `startTLS`, so TLS runs over TCP, `HostnameEndpoint` and UNIX sockets
 * alike.
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import { ConnectingCancelledError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type {
  IStreamClientEndpoint,
  IStreamServerEndpoint,
  ProtocolFactoryOf,
} from '../core/interfaces/endpoint.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import { isHalfCloseableProtocol, isHandshakeListener } from '../core/interfaces/protocol.js';
import type { ClientTLSOptions, ServerTLSOptions } from '../core/interfaces/tls.js';
import { isStartTLSTransport } from '../core/interfaces/tls.js';
import type { IListeningPort, ITransport } from '../core/interfaces/transport.js';

/** Where a protocol under TLS stands. */
type Stage = 'handshaking' | 'connected' | 'failed';

/**
 * The protocol the wrapped endpoint connects: it starts TLS on the new
 * connection, and connects the user's protocol once the handshake is done
 * (client side) or at once (server side); then it passes everything through.
 */
class TLSStartingProtocol implements IProtocol {
  /** The user's protocol. */
  readonly wrappedProtocol: IProtocol;
  readonly #start: (transport: ITransport) => void;
  readonly #handshook: ((protocol: IProtocol) => void) | null;
  readonly #failed: ((reason: Failure) => void) | null;
  #transport: ITransport | null = null;
  #stage: Stage = 'handshaking';

  /**
   * @param start - starts TLS on the transport (throws if it cannot).
   * @param handshook - for a client: called with the user's protocol once it is connected,
   *   after the handshake; `null` for a server, whose protocol is connected at once.
   * @param failed - for a client: the connection ended before the handshake completed.
   */
  constructor(
    wrapped: IProtocol,
    start: (transport: ITransport) => void,
    handshook: ((protocol: IProtocol) => void) | null,
    failed: ((reason: Failure) => void) | null,
  ) {
    this.wrappedProtocol = wrapped;
    this.#start = start;
    this.#handshook = handshook;
    this.#failed = failed;
  }

  makeConnection(transport: ITransport): void {
    this.#transport = transport;
    this.connectionMade();
  }

  connectionMade(): void {
    const transport = this.#transport;
    if (transport === null) return;
    this.#start(transport); // a throw closes the connection with it as the reason
    if (this.#handshook === null) {
      this.#stage = 'connected';
      this.wrappedProtocol.makeConnection(transport);
    }
  }

  /** The handshake completed: a client's protocol is connected now; then it is told. */
  handshakeCompleted(): void {
    const transport = this.#transport;
    if (this.#stage === 'handshaking' && transport !== null) {
      this.#stage = 'connected';
      try {
        this.wrappedProtocol.makeConnection(transport);
      } catch (e) {
        this.#failed?.(Failure.from(e));
        throw e; // the transport logs it and closes the connection
      }
      this.#handshook?.(this.wrappedProtocol);
    }
    const wrapped = this.wrappedProtocol;
    if (this.#stage === 'connected' && isHandshakeListener(wrapped)) wrapped.handshakeCompleted();
  }

  /** Cancelled mid-handshake: the user's protocol is never connected. */
  abort(): void {
    this.#stage = 'failed';
    const transport = this.#transport;
    // Only a transport that could start TLS gets this far.
    if (isStartTLSTransport(transport)) transport.abortConnection();
  }

  dataReceived(data: Uint8Array): void {
    if (this.#stage === 'connected') this.wrappedProtocol.dataReceived(data);
  }

  connectionLost(reason: Failure): void {
    if (this.#stage === 'connected') {
      this.wrappedProtocol.connectionLost(reason);
    } else if (this.#stage === 'handshaking') {
      this.#stage = 'failed';
      this.#failed?.(reason);
    }
  }
}

/** The same, for a user protocol that handles half-close: the transport must see that it does. */
class HalfCloseableTLSStartingProtocol extends TLSStartingProtocol {
  readConnectionLost(): void {
    (this.wrappedProtocol as IProtocol & { readConnectionLost(): void }).readConnectionLost();
  }

  writeConnectionLost(): void {
    (this.wrappedProtocol as IProtocol & { writeConnectionLost(): void }).writeConnectionLost();
  }
}

function startingProtocol(
  wrapped: IProtocol,
  start: (transport: ITransport) => void,
  handshook: ((protocol: IProtocol) => void) | null,
  failed: ((reason: Failure) => void) | null,
): TLSStartingProtocol {
  return isHalfCloseableProtocol(wrapped)
    ? new HalfCloseableTLSStartingProtocol(wrapped, start, handshook, failed)
    : new TLSStartingProtocol(wrapped, start, handshook, failed);
}

function startTLS(
  transport: ITransport,
  options: ClientTLSOptions | ServerTLSOptions,
  server: boolean,
): void {
  if (!isStartTLSTransport(transport)) {
    throw new TypeError(
      `Cannot start TLS on a ${transport.constructor.name}: it has no startTLS (TCP and UNIX ` +
        'stream transports have)',
    );
  }
  transport.startTLS(options, { server });
}

/** The factory handed to the wrapped client endpoint: builds the user's protocol, wrapped. */
class ClientStartingFactory implements IProtocolFactory {
  readonly #wrapped: IProtocolFactory;
  readonly #options: ClientTLSOptions;
  readonly #handshook: (protocol: IProtocol) => void;
  readonly #failed: (reason: Failure) => void;

  constructor(
    wrapped: IProtocolFactory,
    options: ClientTLSOptions,
    handshook: (protocol: IProtocol) => void,
    failed: (reason: Failure) => void,
  ) {
    this.#wrapped = wrapped;
    this.#options = options;
    this.#handshook = handshook;
    this.#failed = failed;
  }

  doStart(): void {
    this.#wrapped.doStart();
  }

  doStop(): void {
    this.#wrapped.doStop();
  }

  buildProtocol(addr: IAddress): IProtocol | null {
    const built = this.#wrapped.buildProtocol(addr);
    if (built === null) return null;
    const options = this.#options;
    return startingProtocol(
      built,
      (transport) => {
        startTLS(transport, options, false);
      },
      this.#handshook,
      this.#failed,
    );
  }
}

/** The host a wrapped endpoint connects to, when it names one (TCP, HostnameEndpoint, TLS). */
function hostOf(endpoint: IStreamClientEndpoint): string | undefined {
  const host = (endpoint as { host?: unknown }).host;
  return typeof host === 'string' ? host : undefined;
}

/** What {@link wrapClientTLS} returns. */
class TLSWrapperClientEndpoint implements IStreamClientEndpoint {
  readonly #options: ClientTLSOptions;
  readonly #endpoint: IStreamClientEndpoint;

  constructor(options: ClientTLSOptions, endpoint: IStreamClientEndpoint) {
    this.#options = options;
    this.#endpoint = endpoint;
  }

  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    let starting: TLSStartingProtocol | null = null;
    let inner: Deferred<TLSStartingProtocol> | null = null;
    const result = new Deferred<P>((d) => {
      d.errback(new ConnectingCancelledError(this.#endpoint));
      if (inner !== null && !inner.called) inner.cancel();
      starting?.abort();
    });
    const handshook = (protocol: IProtocol): void => {
      if (!result.called) result.callback(protocol as P);
    };
    const failed = (reason: Failure): void => {
      if (!result.called) result.errback(reason);
    };
    const wrapping = new ClientStartingFactory(factory, this.#options, handshook, failed);
    inner = this.#endpoint.connect(wrapping as ProtocolFactoryOf<TLSStartingProtocol>);
    inner.addCallbacks(
      (protocol) => {
        starting = protocol;
        if (result.called) protocol.abort(); // cancelled on the way
      },
      (failure) => {
        if (!result.called) result.errback(failure);
      },
    );
    return result;
  }
}

/**
 * An endpoint that connects with `endpoint`, then speaks TLS as the client
 * over that connection (Twisted's `wrapClientTLS`). Works over any endpoint
 * whose transports can start TLS: `TCP4ClientEndpoint`,
 * `TCP6ClientEndpoint`, `HostnameEndpoint`, `UNIXClientEndpoint`.
 *
 * Unlike `SSL4ClientEndpoint`, the TLS handshake completes before the
 * protocol's `connectionMade`, and `connect`'s Deferred fires only then. It
 * fails with the wrapped endpoint's error (refused, DNS, ...), or with the
 * handshake's: `CertificateVerificationError` (a certificate that does not
 * verify for the host name), `TLSHandshakeError`, or
 * `TLSHandshakeTimeoutError` after `options.handshakeTimeout` seconds (30 by
 * default). Cancelling it stops the connection attempt, or aborts the
 * connection mid-handshake, and fails it with `ConnectingCancelledError`;
 * the protocol is then never connected.
 *
 * The server's certificate is verified for `options.hostname`, else for the
 * wrapped endpoint's `host` (TCP and hostname endpoints have one). A UNIX
 * endpoint has none: give `hostname` (or `verify: false`).
 *
 * @example
 * ```ts
 * import { HostnameEndpoint, Protocol, Factory, reactor, wrapClientTLS } from 'weft';
 * const endpoint = wrapClientTLS(
 *   { hostname: 'example.com' },
 *   new HostnameEndpoint(reactor, 'example.com', 443),
 * );
 * endpoint.connect(Factory.forProtocol(Protocol)).addCallbacks(
 *   (proto) => proto.transport.loseConnection(),
 *   (failure) => console.log(failure.getErrorMessage()),
 * );
 * ```
 */
export function wrapClientTLS(
  options: ClientTLSOptions,
  endpoint: IStreamClientEndpoint,
): IStreamClientEndpoint {
  const host = hostOf(endpoint);
  const withHost = options.hostname === undefined && host !== undefined;
  return new TLSWrapperClientEndpoint(
    withHost ? { ...options, hostname: host } : options,
    endpoint,
  );
}

/** The factory handed to the wrapped server endpoint. */
class ServerStartingFactory implements IProtocolFactory {
  readonly #wrapped: IProtocolFactory;
  readonly #options: ServerTLSOptions;

  constructor(wrapped: IProtocolFactory, options: ServerTLSOptions) {
    this.#wrapped = wrapped;
    this.#options = options;
  }

  doStart(): void {
    this.#wrapped.doStart();
  }

  doStop(): void {
    this.#wrapped.doStop();
  }

  buildProtocol(addr: IAddress): IProtocol | null {
    const built = this.#wrapped.buildProtocol(addr);
    if (built === null) return null;
    const options = this.#options;
    const start = (transport: ITransport): void => {
      startTLS(transport, options, true);
    };
    return startingProtocol(built, start, null, null);
  }
}

/**
 * An endpoint that listens with `endpoint` and speaks TLS as the server on
 * every connection it accepts: the server-side counterpart of
 * {@link wrapClientTLS} (Twisted composes `TLSMemoryBIOFactory` by hand for
 * this). Works over `TCP4ServerEndpoint`, `TCP6ServerEndpoint` and
 * `UNIXServerEndpoint`.
 *
 * As with `listenSSL`, each connection's protocol is connected at once,
 * what it writes is sent once the handshake completes, and a failed or
 * timed-out handshake reaches its `connectionLost` as a `TLSHandshakeError`.
 * Certificate files are read when the first connection arrives; if they
 * cannot be used, each connection ends with `TLSOptionsError`.
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor, UNIXServerEndpoint, wrapServerTLS } from 'weft';
 * const endpoint = wrapServerTLS(
 *   { certificate: 'cert.pem', privateKey: 'key.pem' },
 *   new UNIXServerEndpoint(reactor, '/tmp/weft-tls.sock'),
 * );
 * const port = await endpoint.listen(Factory.forProtocol(Protocol));
 * console.log(port.getHost().toString());
 * ```
 */
export function wrapServerTLS(
  options: ServerTLSOptions,
  endpoint: IStreamServerEndpoint,
): IStreamServerEndpoint {
  return {
    listen(factory: IProtocolFactory): Deferred<IListeningPort> {
      return endpoint.listen(new ServerStartingFactory(factory, options));
    },
  };
}
