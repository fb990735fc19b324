/**
 * TLS endpoints over TCP (Twisted's `SSL4ServerEndpoint` and
 * `SSL4ClientEndpoint`): `listenSSL` and `connectSSL` behind the endpoint
 * interfaces.
 *
 * @module
 */
import type { Deferred } from '../core/defer.js';
import type { ProtocolFactoryOf } from '../core/interfaces/endpoint.js';
import type { IStreamClientEndpoint, IStreamServerEndpoint } from '../core/interfaces/endpoint.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { ClientTLSOptions, IReactorSSL, ServerTLSOptions } from '../core/interfaces/tls.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import { WrappingFactory } from './endpoint-wrapping.js';
import type { TCPClientEndpointOptions, TCPServerEndpointOptions } from './endpoints.js';

/**
 * Listens on an IPv4 TCP port and speaks TLS as the server on every
 * connection: `listen(factory)` is `reactor.listenSSL(port, factory,
 * tlsOptions, { backlog, interface })`. Certificate and key files are read
 * (asynchronously) before listening starts; the Deferred fails with
 * `TLSOptionsError` when they cannot be read or used, or with
 * `CannotListenError`.
 *
 * Each connection's protocol is connected when the TCP connection is up,
 * before the handshake (as Twisted's): what it writes is sent once the
 * handshake completes, and a failed or timed-out handshake reaches its
 * `connectionLost` as a `TLSHandshakeError`.
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor, SSL4ServerEndpoint } from 'weft';
 * const endpoint = new SSL4ServerEndpoint(
 *   reactor,
 *   8443,
 *   { certificate: 'cert.pem', privateKey: 'key.pem' },
 *   { interface: '127.0.0.1' },
 * );
 * const port = await endpoint.listen(Factory.forProtocol(Protocol));
 * console.log(port.getHost().toString());
 * ```
 */
export class SSL4ServerEndpoint implements IStreamServerEndpoint {
  /** The reactor listened on. */
  readonly reactor: IReactorSSL;
  /** The port number (0: any free port). */
  readonly port: number;
  /** The server's certificate, key and TLS settings. */
  readonly tlsOptions: ServerTLSOptions;
  /** Length of the accept queue. */
  readonly backlog: number;
  /** The address bound (`''`: every IPv4 interface). */
  readonly interface: string;

  constructor(
    reactor: IReactorSSL,
    port: number,
    tlsOptions: ServerTLSOptions,
    options?: TCPServerEndpointOptions,
  ) {
    this.reactor = reactor;
    this.port = port;
    this.tlsOptions = tlsOptions;
    this.backlog = options?.backlog ?? 50;
    this.interface = options?.interface ?? '';
  }

  /** Listens; see the class description. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return this.reactor.listenSSL(this.port, factory, this.tlsOptions, {
      backlog: this.backlog,
      interface: this.interface,
    });
  }
}

/**
 * Connects over TCP to `host` and `port` and speaks TLS as the client:
 * `connect(factory)` is `reactor.connectSSL(host, port, ..., tlsOptions,
 * { timeout, bindAddress })` with a factory that builds one protocol from
 * `factory`. The server's certificate is verified for
 * `tlsOptions.hostname ?? host` unless `tlsOptions.verify` is `false`.
 *
 * As Twisted's, the Deferred fires once the TCP connection is up and the
 * protocol's `connectionMade` has run, before the handshake; a failed
 * handshake then reaches the protocol's `connectionLost`
 * (`CertificateVerificationError`, `TLSHandshakeError`,
 * `TLSHandshakeTimeoutError`). To have the Deferred wait for the handshake
 * and fail with its error, use `wrapClientTLS` over a TCP or
 * `HostnameEndpoint` (what `tls:` strings do).
 *
 * The Deferred fails with the connector's error (`ConnectionRefusedError`,
 * `ConnectingTimeoutError` after `timeout`, `DNSLookupError`,
 * `TLSOptionsError` for unusable certificate files, ...); cancelling it
 * while connecting stops the attempt with `ConnectingCancelledError`.
 */
export class SSL4ClientEndpoint implements IStreamClientEndpoint {
  /** The reactor connected with. */
  readonly reactor: IReactorSSL;
  /** The host: an IP literal or a name (resolved by `connectSSL`, first address only). */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The client's TLS settings (trust roots, host name to verify, client certificate, ...). */
  readonly tlsOptions: ClientTLSOptions;
  /** The options given to `connectSSL`. */
  readonly options: TCPClientEndpointOptions;

  constructor(
    reactor: IReactorSSL,
    host: string,
    port: number,
    tlsOptions: ClientTLSOptions,
    options?: TCPClientEndpointOptions,
  ) {
    this.reactor = reactor;
    this.host = host;
    this.port = port;
    this.tlsOptions = tlsOptions;
    this.options = {
      timeout: options?.timeout ?? 30,
      ...(options?.bindAddress === undefined ? {} : { bindAddress: options.bindAddress }),
    };
  }

  /** Connects once; see the class description. */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    const wrapping = new WrappingFactory(factory);
    try {
      this.reactor.connectSSL(this.host, this.port, wrapping, this.tlsOptions, this.options);
    } catch (e) {
      wrapping.whenConnected.errback(e); // a bad argument (a negative timeout, ...)
    }
    return wrapping.whenConnected;
  }
}
