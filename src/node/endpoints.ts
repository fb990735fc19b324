/**
 * TCP and UNIX endpoints (Twisted's `TCP4ServerEndpoint`,
 * `TCP6ServerEndpoint`, `TCP4ClientEndpoint`, `TCP6ClientEndpoint`,
 * `UNIXServerEndpoint`, `UNIXClientEndpoint`).
 *
 * @module
 */
import { HostnameAddress, IPv6Address } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import { ConnectingCancelledError } from '../core/errors.js';
import type {
  IStreamClientEndpoint,
  IStreamServerEndpoint,
  ProtocolFactoryOf,
} from '../core/interfaces/endpoint.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { IReactorTCP, IReactorUNIX } from '../core/interfaces/reactor.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import { isIPv6Literal } from '../core/resolver.js';
import { WrappingFactory } from './endpoint-wrapping.js';

/** Options of {@link TCP4ServerEndpoint} and {@link TCP6ServerEndpoint}. */
export interface TCPServerEndpointOptions {
  /** Length of the accept queue. Default 50. */
  readonly backlog?: number;
  /** The address to bind. Default `''` (every IPv4 interface) for TCP4, `'::'` for TCP6. */
  readonly interface?: string;
}

/** Options of {@link TCP4ClientEndpoint}, {@link TCP6ClientEndpoint} and `HostnameEndpoint`. */
export interface TCPClientEndpointOptions {
  /** Seconds each connection attempt may take. Default 30. */
  readonly timeout?: number;
  /** Local `[host, port]` to bind before connecting. */
  readonly bindAddress?: readonly [host: string, port: number];
}

/** Options of {@link UNIXServerEndpoint}. */
export interface UNIXServerEndpointOptions {
  /** Length of the accept queue. Default 50. */
  readonly backlog?: number;
  /** File mode of the socket. Default `0o666`. */
  readonly mode?: number;
}

/** Options of {@link UNIXClientEndpoint}. */
export interface UNIXClientEndpointOptions {
  /** Seconds the connection attempt may take. Default 30. */
  readonly timeout?: number;
}

/**
 * Listens on an IPv4 TCP port: `listen(factory)` is `reactor.listenTCP(port,
 * factory, { backlog, interface })`.
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor, TCP4ServerEndpoint } from 'weft';
 * const endpoint = new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' });
 * const port = await endpoint.listen(Factory.forProtocol(Protocol));
 * console.log(port.getHost().toString());
 * ```
 */
export class TCP4ServerEndpoint implements IStreamServerEndpoint {
  /** The reactor listened on. */
  readonly reactor: IReactorTCP;
  /** The port number (0: any free port). */
  readonly port: number;
  /** Length of the accept queue. */
  readonly backlog: number;
  /** The address bound. */
  readonly interface: string;

  constructor(reactor: IReactorTCP, port: number, options?: TCPServerEndpointOptions) {
    this.reactor = reactor;
    this.port = port;
    this.backlog = options?.backlog ?? 50;
    this.interface = options?.interface ?? this.defaultInterface();
  }

  /** The interface used when none is given. */
  protected defaultInterface(): string {
    return '';
  }

  /** Listens; fails with `CannotListenError` carrying the platform code. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return this.reactor.listenTCP(this.port, factory, {
      backlog: this.backlog,
      interface: this.interface,
    });
  }
}

/** Listens on an IPv6 TCP port: as {@link TCP4ServerEndpoint}, on `'::'` by default. */
export class TCP6ServerEndpoint extends TCP4ServerEndpoint {
  protected override defaultInterface(): string {
    return '::';
  }
}

/** Connects with `reactor.connectTCP` and a wrapping factory; the shared body of the TCP clients. */
function connectTCPEndpoint<P extends IProtocol>(
  reactor: IReactorTCP,
  host: string,
  port: number,
  options: TCPClientEndpointOptions,
  factory: ProtocolFactoryOf<P>,
): Deferred<P> {
  const wrapping = new WrappingFactory(factory);
  try {
    reactor.connectTCP(host, port, wrapping, options);
  } catch (e) {
    wrapping.whenConnected.errback(e); // a bad argument (a negative timeout, ...)
  }
  return wrapping.whenConnected;
}

/** Copies the options that were given, leaving absent ones absent (`exactOptionalPropertyTypes`). */
function tcpClientOptions(options: TCPClientEndpointOptions | undefined): TCPClientEndpointOptions {
  return {
    timeout: options?.timeout ?? 30,
    ...(options?.bindAddress === undefined ? {} : { bindAddress: options.bindAddress }),
  };
}

/**
 * Connects over TCP to `host` and `port`: `connect(factory)` is
 * `reactor.connectTCP(host, port, ...)` with a factory that builds one
 * protocol from `factory` when connected. A host name is resolved by
 * `connectTCP` (first address only); use `HostnameEndpoint` to try every
 * address of a name.
 *
 * The Deferred fails with the connector's error: `ConnectionRefusedError`,
 * `ConnectingTimeoutError` after `timeout`, `NoRouteError`,
 * `DNSLookupError`, ...; cancelling it stops the attempt with
 * `ConnectingCancelledError`.
 */
export class TCP4ClientEndpoint implements IStreamClientEndpoint {
  /** The reactor connected with. */
  readonly reactor: IReactorTCP;
  /** The host: an IP literal or a name. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The options given to `connectTCP`. */
  readonly options: TCPClientEndpointOptions;

  constructor(
    reactor: IReactorTCP,
    host: string,
    port: number,
    options?: TCPClientEndpointOptions,
  ) {
    this.reactor = reactor;
    this.host = host;
    this.port = port;
    this.options = tcpClientOptions(options);
  }

  /** Connects once; see the class description. */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    return connectTCPEndpoint(this.reactor, this.host, this.port, this.options, factory);
  }
}

/**
 * Connects over IPv6 TCP: an IPv6 literal is connected to at once; a name is
 * first resolved to its IPv6 addresses with the reactor's resolver (the
 * first is used; `DNSLookupError` when it has none). Otherwise as
 * {@link TCP4ClientEndpoint}. Cancelling during the lookup abandons it.
 */
export class TCP6ClientEndpoint implements IStreamClientEndpoint {
  /** The reactor connected with. */
  readonly reactor: IReactorTCP & IReactorPluggableNameResolver;
  /** The host: an IPv6 literal or a name. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The options given to `connectTCP`. */
  readonly options: TCPClientEndpointOptions;

  constructor(
    reactor: IReactorTCP & IReactorPluggableNameResolver,
    host: string,
    port: number,
    options?: TCPClientEndpointOptions,
  ) {
    this.reactor = reactor;
    this.host = host;
    this.port = port;
    this.options = tcpClientOptions(options);
  }

  /** Resolves if needed, then connects once; see the class description. */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    if (isIPv6Literal(this.host)) {
      return connectTCPEndpoint(this.reactor, this.host, this.port, this.options, factory);
    }
    let inner: Deferred | null = null;
    const outer = new Deferred<P>((d) => {
      const current = inner;
      inner = null;
      d.errback(new ConnectingCancelledError(new HostnameAddress(this.host, this.port)));
      current?.cancel();
    });
    const lookup = this.reactor.resolve(this.host, { addressTypes: [IPv6Address] });
    inner = lookup;
    lookup.addCallbacks(
      (addresses) => {
        if (outer.called) return;
        const address = addresses[0]?.host ?? this.host;
        const attempt = connectTCPEndpoint(this.reactor, address, this.port, this.options, factory);
        inner = attempt;
        attempt.addCallbacks(
          (protocol) => {
            if (!outer.called) outer.callback(protocol);
          },
          (failure) => {
            if (!outer.called) outer.errback(failure);
          },
        );
      },
      (failure) => {
        if (!outer.called) outer.errback(failure);
      },
    );
    return outer;
  }
}

/**
 * Listens on a UNIX socket: `listen(factory)` is `reactor.listenUNIX(path,
 * factory, { backlog, mode })`. Twisted's `wantPID` lock files are not
 * supported.
 */
export class UNIXServerEndpoint implements IStreamServerEndpoint {
  /** The reactor listened on. */
  readonly reactor: IReactorUNIX;
  /** The socket's path. */
  readonly address: string;
  /** Length of the accept queue. */
  readonly backlog: number;
  /** File mode of the socket. */
  readonly mode: number;

  constructor(reactor: IReactorUNIX, address: string, options?: UNIXServerEndpointOptions) {
    this.reactor = reactor;
    this.address = address;
    this.backlog = options?.backlog ?? 50;
    this.mode = options?.mode ?? 0o666;
  }

  /** Listens; fails with `CannotListenError` carrying the platform code. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return this.reactor.listenUNIX(this.address, factory, {
      backlog: this.backlog,
      mode: this.mode,
    });
  }
}

/**
 * Connects to a UNIX socket: `connect(factory)` is `reactor.connectUNIX(path,
 * ...)` with a wrapping factory; errors and cancelling as
 * {@link TCP4ClientEndpoint} (a missing socket is `BadFileError`). Twisted's
 * `checkPID` lock files are not supported.
 */
export class UNIXClientEndpoint implements IStreamClientEndpoint {
  /** The reactor connected with. */
  readonly reactor: IReactorUNIX;
  /** The socket's path. */
  readonly path: string;
  /** Seconds the attempt may take. */
  readonly timeout: number;

  constructor(reactor: IReactorUNIX, path: string, options?: UNIXClientEndpointOptions) {
    this.reactor = reactor;
    this.path = path;
    this.timeout = options?.timeout ?? 30;
  }

  /** Connects once; see the class description. */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    const wrapping = new WrappingFactory(factory);
    try {
      this.reactor.connectUNIX(this.path, wrapping, { timeout: this.timeout });
    } catch (e) {
      wrapping.whenConnected.errback(e);
    }
    return wrapping.whenConnected;
  }
}
