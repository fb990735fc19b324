/**
 * TCP on the Node reactor: the connection transport, the listening port,
 * and the connector (Twisted's `twisted.internet.tcp`).
 *
 * @module
 */
import type { AddressInfo, Server, Socket, TcpNetConnectOpts } from 'node:net';
import { connect as netConnect } from 'node:net';
import type { IPv4Address } from '../core/address.js';
import { IPv6Address, ipAddress } from '../core/address.js';
import type { Deferred } from '../core/defer.js';
import type { Failure } from '../core/failure.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { ConnectTCPOptions, ListenTCPOptions } from '../core/interfaces/reactor.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type { ITLSTransport } from '../core/interfaces/tls.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import type { ConnectAttempt } from './connector.js';
import { Connector } from './connector.js';
import type { SocketBufferOptions, SocketContext } from './stream-transport.js';
import { DEFAULT_BUFFER_SIZE } from './stream-transport.js';
import { StreamServerPort } from './port.js';
import { TLSStreamTransport } from './tls-stream-transport.js';

/** An address from Node's `address`/`port` pair, or `null` when Node has none (socket gone). */
function addressFrom(
  host: string | undefined,
  port: number | undefined,
): IPv4Address | IPv6Address | null {
  if (host === undefined || port === undefined) return null;
  // A dual-stack (`'::'`) port reports IPv4 peers as '::ffff:a.b.c.d': an IPv6Address, as in Twisted.
  return ipAddress('TCP', host, port);
}

/**
 * A TCP connection's transport (Twisted's `tcp.Server`/`tcp.Client`), with
 * or without TLS. See {@link StreamTransport} for the lifecycle and
 * flow-control rules. `abortConnection()` resets the connection (RST): the
 * peer sees `ConnectionLost`.
 *
 * TLS (from `listenSSL`/`connectSSL`, or {@link TCPTransport.startTLS}):
 * the protocol is connected when the TCP connection is up, and what it
 * writes before the handshake completes is sent once it has; an
 * `IHandshakeListener` protocol then gets `handshakeCompleted()`. A failed
 * handshake ends the connection with `connectionLost(TLSHandshakeError)` or
 * `CertificateVerificationError`; later TLS failures with `TLSError`.
 * `loseConnection()` sends TLS's close_notify, then closes the TCP
 * connection; `loseWriteConnection()` sends close_notify and shuts the TCP
 * write side, and the peer's close_notify is a half-close (TLS 1.3 allows
 * both; Twisted's TLS does not half-close).
 */
export class TCPTransport extends TLSStreamTransport implements ITLSTransport {
  readonly #peer: IPv4Address | IPv6Address;
  readonly #host: IPv4Address | IPv6Address;
  #noDelay = false;
  #keepAlive = false;

  /**
   * Made by a TCP port or connector, not by applications.
   *
   * @internal
   */
  constructor(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IPv4Address | IPv6Address,
    onLost?: (reason: Failure) => void,
    host?: IPv4Address | IPv6Address,
  ) {
    super(socket, protocol, context, onLost);
    this.#peer = peer;
    // A port bound to one interface shares its address with every connection
    // (no per-connection allocation); otherwise read it now, as Node cannot
    // tell once the socket is closed.
    this.#host =
      host ??
      addressFrom(socket.localAddress, socket.localPort) ??
      ipAddress('TCP', peer.host.includes(':') ? '::' : '0.0.0.0', 0);
  }

  /** The peer's address. */
  getPeer(): IPv4Address | IPv6Address {
    return this.#peer;
  }

  /** This end's address. */
  getHost(): IPv4Address | IPv6Address {
    return this.#host;
  }

  /** Whether Nagle's algorithm is off (`TCP_NODELAY`); off by default, as in Twisted. */
  getTcpNoDelay(): boolean {
    return this.#noDelay;
  }

  /** Turns Nagle's algorithm off (`true`: send small writes at once) or on. */
  setTcpNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
    this.getHandle().setNoDelay(enabled);
  }

  /** Whether TCP keep-alive probes are on; off by default. */
  getTcpKeepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Turns TCP keep-alive probes (`SO_KEEPALIVE`) on or off. */
  setTcpKeepAlive(enabled: boolean): void {
    this.#keepAlive = enabled;
    this.getHandle().setKeepAlive(enabled);
  }

  protected tlsPeerName(): string {
    return this.#peer.host;
  }

  protected resetRaw(raw: Socket): void {
    raw.resetAndDestroy();
  }
}

/**
 * A listening TCP port, made by `reactor.listenTCP`. See
 * {@link StreamServerPort} for what it does per connection and on errors.
 */
export class TCPPort extends StreamServerPort {
  protected readonly kind = 'TCP';
  readonly #interface: string;
  readonly #port: number;
  #address: IPv4Address | IPv6Address;

  /** @internal */
  constructor(port: number, factory: IProtocolFactory, context: SocketContext, iface: string) {
    super(factory, context);
    this.#port = port;
    this.#interface = iface;
    // What was asked for, until listening tells the real address.
    this.#address = ipAddress('TCP', iface === '' ? '0.0.0.0' : iface, port);
  }

  /** The address listened on, with the real port number when 0 was asked for. */
  getHost(): IPv4Address | IPv6Address {
    return this.#address;
  }

  protected describe(): [iface: string, port: number | string] {
    return [this.#interface, this.#port];
  }

  protected listened(server: Server): void {
    const info = server.address() as AddressInfo; // a TCP server's address is never a path
    this.#address = ipAddress('TCP', info.address, info.port);
  }

  protected peerAddress(socket: Socket): IPv4Address | IPv6Address | null {
    return addressFrom(socket.remoteAddress, socket.remotePort);
  }

  protected makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IPv4Address | IPv6Address,
  ): TCPTransport {
    const iface = this.#interface;
    const specific = iface !== '' && iface !== '0.0.0.0' && iface !== '::';
    return new TCPTransport(
      socket,
      protocol,
      context,
      peer,
      undefined,
      specific ? this.#address : undefined,
    );
  }
}

/**
 * Listens on TCP `port` (0: any free port); see `IReactorTCP.listenTCP`.
 * `interface` `''` (the default) listens on every IPv4 interface, as in
 * Twisted; give `'::'` for every interface, IPv6 and IPv4.
 *
 * @internal
 */
export function listenTCP(
  context: SocketContext,
  port: number,
  factory: IProtocolFactory,
  options?: ListenTCPOptions,
): Deferred<IListeningPort> {
  const iface = options?.interface ?? '';
  const listening = new TCPPort(port, factory, context, iface);
  return listening.listen({
    port,
    host: iface === '' ? '0.0.0.0' : iface,
    backlog: options?.backlog ?? 50,
  });
}

/**
 * A TCP connector, made by `reactor.connectTCP`: resolves the host (if it is
 * a name) on every attempt with the reactor's name resolver, then connects
 * to the first address, as Twisted's `connectTCP` does (`HostnameEndpoint`
 * tries them all).
 */
export class TCPConnector extends Connector {
  /** The host as given: a name or an IP literal. */
  readonly host: string;
  /** The port to connect to. */
  readonly port: number;
  readonly #bindAddress: readonly [host: string, port: number] | undefined;
  readonly #resolver: Pick<IReactorPluggableNameResolver, 'resolve'>;

  /** @internal */
  constructor(
    context: SocketContext,
    host: string,
    port: number,
    factory: IProtocolFactory,
    options: ConnectTCPOptions | undefined,
    resolver: Pick<IReactorPluggableNameResolver, 'resolve'>,
  ) {
    super(context, factory, options?.timeout ?? 30);
    this.host = host;
    this.port = port;
    this.#bindAddress = options?.bindAddress;
    this.#resolver = resolver;
  }

  /** The address being connected to, as given (as Twisted's, the host may be a name). */
  getDestination(): IPv4Address | IPv6Address {
    return ipAddress('TCP', this.host, this.port);
  }

  protected dial(attempt: ConnectAttempt): void {
    const lookup = this.#resolver.resolve(this.host);
    // Kept by the attempt: ending it before the answer cancels the lookup (and its timeout).
    attempt.resolving(lookup);
    lookup.addCallbacks(
      (addresses) => {
        const target = addresses[0];
        if (attempt.finished || target === undefined) return;
        const bind = this.#bindAddress;
        let socket: Socket;
        try {
          const options: TcpNetConnectOpts & SocketBufferOptions = {
            host: target.host,
            port: this.port,
            family: target instanceof IPv6Address ? 6 : 4,
            allowHalfOpen: true,
            highWaterMark: DEFAULT_BUFFER_SIZE,
            ...(bind === undefined ? {} : { localAddress: bind[0], localPort: bind[1] }),
          };
          socket = netConnect(options);
        } catch (e) {
          attempt.fail(e); // a bad port or bind address: reported on a later turn
          return;
        }
        attempt.opened(socket, ipAddress('TCP', target.host, this.port));
      },
      (failure) => {
        attempt.fail(failure.value);
      },
    );
  }

  protected makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IPv4Address | IPv6Address,
    onLost: (reason: Failure) => void,
  ): TCPTransport {
    return new TCPTransport(socket, protocol, context, peer, onLost);
  }
}
