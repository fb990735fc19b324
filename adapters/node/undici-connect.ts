/**
 * weft connections as the sockets of undici's `Agent`, `Client` and `Pool`
 * (and so of `fetch(url, { dispatcher })`), through their `connect` option.
 *
 * @module
 */
import type { Socket } from 'node:net';

import type { IReactorTCP } from '../../src/core/interfaces/reactor.js';
import type { IReactorTime } from '../../src/core/interfaces/reactor.js';
import type { ClientTLSOptions, IReactorSSL } from '../../src/core/interfaces/tls.js';
import { reactor as defaultReactor } from '../../src/node/reactor.js';
import { socketFactory } from './create-connection.js';
import { WeftSocket } from './weft-socket.js';

/**
 * What undici asks its `connect` function for (undici's
 * `buildConnector.Options`): the origin's parts, as strings.
 */
export interface UndiciConnectOptions {
  /** Host name or IP address to connect to (IPv6 without brackets). */
  readonly hostname: string;
  /** `hostname[:port]`, as in the URL. */
  readonly host?: string | undefined;
  /** `'http:'` or `'https:'`. */
  readonly protocol: string;
  /** Port, `''` for the protocol's default (80 or 443). */
  readonly port: string;
  /** The name for SNI and certificate verification, when the request sets one. */
  readonly servername?: string | undefined;
  /** Local IP address to bind before connecting, when the dispatcher sets one. */
  readonly localAddress?: string | null | undefined;
  /** A connection to upgrade to TLS (a proxy tunnel): not supported, see {@link weftUndiciConnect}. */
  readonly httpSocket?: unknown;
}

/**
 * The callback undici gives its `connect` function: an error, or the
 * connected socket. The socket is typed `net.Socket` as undici's types
 * ask; it is a {@link WeftSocket}, which undici uses as one.
 */
export type UndiciConnectCallback = (...args: [null, Socket] | [Error, null]) => void;

/** Options of {@link weftUndiciConnect}. */
export interface WeftUndiciConnectOptions {
  /**
   * The reactor that connects (`connectTCP`, `connectSSL`) and times socket
   * timeouts. Default: weft's global `reactor`.
   */
  readonly reactor?: IReactorTCP & Pick<IReactorSSL, 'connectSSL'> & IReactorTime;
  /** Seconds to wait for the TCP connection before failing it. Default the reactor's (30). */
  readonly connectTimeout?: number;
  /**
   * TLS options for `https:` origins: `trustRoot` (default the platform's
   * trust store), `clientCertificate`, `verify`, versions,
   * `handshakeTimeout`. The name verified and sent as SNI is, in order:
   * `tls.hostname`, the request's `servername`, the origin's host name.
   */
  readonly tls?: ClientTLSOptions;
  /**
   * Offer HTTP/2 by ALPN on `https:` origins (`['h2', 'http/1.1']`); undici
   * then speaks HTTP/2 when the server picks it. undici does not pass its
   * own `allowH2` to a custom `connect`, so it is set here. Default false
   * (`['http/1.1']`).
   */
  readonly allowH2?: boolean;
}

/** How many host names a connector keeps TLS options (and so secure contexts) for. */
const MAX_TLS_HOSTS = 100;

/**
 * A `connect` function for undici's `Agent`, `Client` and `Pool` that
 * connects with a weft reactor: `connectTCP` for `http:` origins,
 * `connectSSL` (verification on, SNI, ALPN) for `https:` ones. It calls
 * back with a {@link WeftSocket} once connected, and for TLS once the
 * handshake has completed, so a refused certificate fails the connection
 * attempt; or with the weft error: `ConnectionRefusedError`,
 * `DNSLookupError`, `TCPTimedOutError`, `CertificateVerificationError`,
 * `TLSHandshakeError`, `TLSOptionsError` ...
 *
 * undici keeps each socket alive across requests as it does its own, and
 * takes care of backpressure through the socket (`write()` returns false
 * while the weft transport's buffer is full).
 *
 * A tunnel to upgrade (`httpSocket`, which undici's `ProxyAgent` passes
 * for `https:` through a proxy) is refused with a `TypeError`: use undici's
 * own connector there.
 *
 * @example
 * ```ts
 * import { Agent, fetch, request } from 'undici';
 * import { weftUndiciConnect } from 'weft/adapters/node';
 *
 * const dispatcher = new Agent({ connect: weftUndiciConnect() });
 * const { statusCode, body } = await request('http://127.0.0.1:8080/', { dispatcher });
 * console.log(statusCode, await body.text());
 * const res = await fetch('http://127.0.0.1:8080/', { dispatcher });
 * console.log(res.status);
 * ```
 */
export function weftUndiciConnect(
  options: WeftUndiciConnectOptions = {},
): (target: UndiciConnectOptions, callback: UndiciConnectCallback) => void {
  const reactor = options.reactor ?? defaultReactor;
  const timeout = options.connectTimeout;
  const alpn = options.allowH2 === true ? ['h2', 'http/1.1'] : ['http/1.1'];
  // One options object per host name: weft caches secure contexts per options object.
  const tlsByHost = new Map<string, ClientTLSOptions>();
  const tlsFor = (name: string): ClientTLSOptions => {
    let tls = tlsByHost.get(name);
    if (tls === undefined) {
      tls = { acceptableProtocols: alpn, hostname: name, ...options.tls };
      if (tlsByHost.size >= MAX_TLS_HOSTS) {
        tlsByHost.delete(tlsByHost.keys().next().value as string);
      }
      tlsByHost.set(name, tls);
    }
    return tls;
  };

  return (target, callback) => {
    const secure = target.protocol === 'https:';
    if (target.httpSocket !== undefined && target.httpSocket !== null) {
      callback(
        new TypeError('weftUndiciConnect cannot upgrade an existing socket (httpSocket)'),
        null,
      );
      return;
    }
    // Not half-open, as net.connect's sockets.
    const socket = new WeftSocket({ reactor, allowHalfOpen: false });
    const ready = secure ? 'secureConnect' : 'connect';
    const onReady = (): void => {
      socket.removeListener('error', onError);
      callback(null, socket as unknown as Socket);
    };
    const onError = (err: Error): void => {
      socket.removeListener(ready, onReady);
      callback(err, null);
    };
    socket.once(ready, onReady);
    socket.once('error', onError);

    const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
    const localAddress = target.localAddress ?? undefined;
    const connectOptions = {
      ...(timeout === undefined ? {} : { timeout }),
      ...(localAddress === undefined ? {} : { bindAddress: [localAddress, 0] as const }),
    };
    const factory = socketFactory(socket);
    if (secure) {
      const name = target.servername ?? target.hostname;
      reactor.connectSSL(target.hostname, port, factory, tlsFor(name), connectOptions);
    } else {
      reactor.connectTCP(target.hostname, port, factory, connectOptions);
    }
  };
}
