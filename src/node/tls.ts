/**
 * TLS on the Node reactor: listening ports and connectors that speak TLS
 * from the first byte (Twisted's `twisted.internet.ssl` with
 * `TLSMemoryBIOProtocol`), built on the TCP ones: same lifecycle, same
 * ordering, same flow control, with Node's `TLSSocket` layered over each
 * connected socket.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { IPv4Address, IPv6Address } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import type { Failure } from '../core/failure.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { ConnectTCPOptions, ListenTCPOptions } from '../core/interfaces/reactor.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type { ClientTLSOptions, ServerTLSOptions } from '../core/interfaces/tls.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import type { ConnectAttempt } from './connector.js';
import type { SocketContext } from './stream-transport.js';
import { TCPConnector, TCPPort, TCPTransport } from './tcp.js';
import type { ClientTLSContext, ServerTLSContext } from './tls-options.js';
import { clientContext, serverContext } from './tls-options.js';
import { wrapClient, wrapServer } from './tls-socket.js';

/**
 * A listening TLS port, made by `reactor.listenSSL`: a TCP port whose
 * connections speak TLS as the server. Each connection's protocol is
 * connected at once; see {@link TCPTransport} for TLS's part.
 */
export class TLSPort extends TCPPort {
  readonly #tls: ServerTLSContext;

  /** @internal */
  constructor(
    port: number,
    factory: IProtocolFactory,
    context: SocketContext,
    iface: string,
    tls: ServerTLSContext,
  ) {
    super(port, factory, context, iface);
    this.#tls = tls;
  }

  protected override makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IPv4Address | IPv6Address,
  ): TCPTransport {
    const secure = wrapServer(socket, this.#tls);
    const transport = super.makeTransport(secure, protocol, context, peer);
    transport.useTLS(socket, secure, true, this.#tls.options);
    return transport;
  }
}

/**
 * Listens on TCP `port` with TLS; see `IReactorSSL.listenSSL`. Certificate
 * files are read (asynchronously) before listening starts.
 *
 * @internal
 */
export function listenSSL(
  context: SocketContext,
  port: number,
  factory: IProtocolFactory,
  options: ServerTLSOptions,
  listenOptions?: ListenTCPOptions,
): Deferred<IListeningPort> {
  const iface = listenOptions?.interface ?? '';
  const listen = (tls: ServerTLSContext): Deferred<IListeningPort> =>
    new TLSPort(port, factory, context, iface, tls).listen({
      port,
      host: iface === '' ? '0.0.0.0' : iface,
      backlog: listenOptions?.backlog ?? 50,
    });
  let loading: ServerTLSContext | Promise<ServerTLSContext>;
  try {
    loading = serverContext(options);
  } catch (e) {
    const failed = new Deferred<IListeningPort>();
    failed.errback(e);
    return failed;
  }
  if (!(loading instanceof Promise)) return listen(loading);
  const d = new Deferred<IListeningPort>();
  loading.then(
    (tls) => {
      listen(tls).chainDeferred(d);
    },
    (e: unknown) => {
      d.errback(e);
    },
  );
  return d;
}

/**
 * A TLS connector, made by `reactor.connectSSL`: a TCP connector whose
 * connection speaks TLS as the client, verifying the server against
 * `hostname` (default: the host connected to). Certificate files are read
 * (asynchronously) on the first attempt; if they cannot be used the attempt
 * fails with `TLSOptionsError`.
 */
export class TLSConnector extends TCPConnector {
  /** The TLS options every attempt uses. */
  readonly tlsOptions: ClientTLSOptions;
  #tls: ClientTLSContext | null = null;

  /** @internal */
  constructor(
    context: SocketContext,
    host: string,
    port: number,
    factory: IProtocolFactory,
    tlsOptions: ClientTLSOptions,
    options: ConnectTCPOptions | undefined,
    resolver: Pick<IReactorPluggableNameResolver, 'resolve'>,
  ) {
    super(context, host, port, factory, options, resolver);
    this.tlsOptions = tlsOptions;
  }

  protected override dial(attempt: ConnectAttempt): void {
    const loading = clientContext(this.tlsOptions); // throws: the connector fails the attempt
    if (!(loading instanceof Promise)) {
      this.#tls = loading;
      super.dial(attempt);
      return;
    }
    loading.then(
      (tls) => {
        this.#tls = tls;
        if (!attempt.finished) super.dial(attempt);
      },
      (e: unknown) => {
        attempt.fail(e);
      },
    );
  }

  protected override makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IPv4Address | IPv6Address,
    onLost: (reason: Failure) => void,
  ): TCPTransport {
    // dial() set the context before it made the socket.
    const secure = wrapClient(socket, this.#tls as ClientTLSContext, this.host);
    const transport = super.makeTransport(secure, protocol, context, peer, onLost);
    transport.useTLS(socket, secure, false, this.tlsOptions);
    return transport;
  }
}
