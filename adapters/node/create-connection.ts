/**
 * weft connections as the sockets of Node clients: `http.request`,
 * `http.Agent`, `ws`'s `WebSocket` (`createConnection` options).
 *
 * @module
 */
import type { IConnector, IReactorTCP, IReactorUNIX } from '../../src/core/interfaces/index.js';
import type { IReactorTime } from '../../src/core/interfaces/reactor.js';
import type { Failure } from '../../src/core/failure.js';
import type { IAddress } from '../../src/core/address.js';
import { ClientFactory } from '../../src/core/protocol.js';
import { reactor as defaultReactor } from '../../src/node/reactor.js';
import { WeftSocket } from './weft-socket.js';

/** Where a Node client asks to connect (the options `createConnection` is called with). */
export interface ConnectionTarget {
  /** Host name or address. Default `'localhost'`. */
  readonly host?: string | null | undefined;
  /** Port. Default 80. */
  readonly port?: number | string | null | undefined;
  /** A UNIX socket path (`socketPath` in `http.request`): used instead of host and port. */
  readonly path?: string | null | undefined;
  /** `http.request`'s name for {@link ConnectionTarget.path}. */
  readonly socketPath?: string | null | undefined;
}

/** Options of {@link weftConnector}. */
export interface WeftConnectorOptions {
  /** The reactor that connects (and times socket timeouts). Default: weft's global `reactor`. */
  readonly reactor?: IReactorTCP & IReactorUNIX & IReactorTime;
  /** Seconds to wait for each connection before failing it. Default the reactor's (30). */
  readonly connectTimeout?: number;
}

/**
 * A `createConnection` function for Node clients that connects with a
 * weft reactor (`connectTCP`, or `connectUNIX` for a socket path) and
 * returns a {@link WeftSocket} at once, as `net.createConnection` returns a
 * connecting socket: writes made before the connection is up are sent
 * once it is; a failed attempt destroys the socket with the weft
 * `ConnectError` (`ConnectionRefusedError`, `DNSLookupError`, ...).
 *
 * @example
 * ```ts
 * import { request } from 'node:http';
 * import { weftConnector } from 'weft/adapters/node';
 *
 * const req = request({ host: '127.0.0.1', port: 8080, createConnection: weftConnector() });
 * req.end();
 * ```
 */
export function weftConnector(
  options: WeftConnectorOptions = {},
): (target: ConnectionTarget) => WeftSocket {
  const reactor = options.reactor ?? defaultReactor;
  const connectOptions =
    options.connectTimeout === undefined ? {} : { timeout: options.connectTimeout };
  return (target) => {
    // Not half-open, as net.connect's sockets: Node's clients (http.Agent) rely on it.
    const socket = new WeftSocket({ reactor, allowHalfOpen: false });
    const factory = socketFactory(socket);
    const path = target.socketPath ?? target.path;
    if (path !== undefined && path !== null) {
      reactor.connectUNIX(path, factory, connectOptions);
    } else {
      const port = Number(target.port ?? 80);
      reactor.connectTCP(target.host ?? 'localhost', port, factory, connectOptions);
    }
    return socket;
  };
}

/**
 * A client factory that connects `socket` to the first connection made
 * (and refuses any later one, should a connector retry), and destroys it
 * with the weft `ConnectError` when the attempt fails.
 *
 * @internal
 */
export function socketFactory(socket: WeftSocket): ClientFactory<WeftSocket['protocol']> {
  let built = false;
  const factory = new (class extends ClientFactory<WeftSocket['protocol']> {
    override buildProtocol(_addr: IAddress): WeftSocket['protocol'] | null {
      if (built) return null;
      built = true;
      return socket.protocol;
    }

    override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
      const err = reason.value;
      socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  factory.noisy = false;
  return factory;
}
