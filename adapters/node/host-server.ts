/**
 * Node servers hosted on weft: each weft connection (TCP, UNIX, an
 * in-memory pair) handed to an `http.Server`, `net.Server`, `tls.Server`,
 * Express, Fastify or `ws` as a {@link WeftSocket}.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import { Server as TLSServer, type TLSSocket } from 'node:tls';

import type { IAddress } from '../../src/core/address.js';
import { Deferred } from '../../src/core/defer.js';
import type { IReactorTime } from '../../src/core/interfaces/reactor.js';
import { Factory } from '../../src/core/protocol.js';
import { reactor as defaultReactor } from '../../src/node/reactor.js';
import { WeftSocket } from './weft-socket.js';

/** Options of {@link NodeServerFactory}. */
export interface NodeServerFactoryOptions {
  /** Clock for socket timeouts and `close`'s grace period. Default: weft's global `reactor`. */
  readonly reactor?: IReactorTime;
  /** `highWaterMark` of each socket's two sides, in bytes. Default Node's. */
  readonly highWaterMark?: number;
  /**
   * Make an `http.Server` that is not listening track its connections, so
   * that `headersTimeout`, `requestTimeout`, `closeIdleConnections()` and
   * the idle part of `close()` apply (Node starts tracking on
   * `'listening'`, so this emits `'listening'` on it once). Default true.
   */
  readonly trackConnections?: boolean;
  /**
   * Turn Nagle's algorithm off on each TCP connection (`TCP_NODELAY`), as
   * `http.Server` does for its own sockets (its `noDelay` option, default
   * true): small responses then go out at once instead of waiting for the
   * peer's delayed ACK. Default true.
   */
  readonly noDelay?: boolean;
}

/** Options of {@link NodeServerFactory.close}. */
export interface HostedCloseOptions {
  /** Seconds to wait for open connections before aborting them. Default: wait for ever. */
  readonly timeout?: number;
}

interface ClosableServer extends EventEmitter {
  close?(): unknown;
  closeIdleConnections?(): void;
  readonly listening?: boolean;
}

/**
 * A protocol factory that hosts a Node server on weft: each connection
 * becomes a {@link WeftSocket}, given to the server with
 * `server.emit('connection', socket)` once connected. Listen with it like
 * any weft factory (`reactor.listenTCP(8080, factory)`), or connect it to a
 * test client in memory (`connectedServerAndClient`, `loopbackAsync`).
 *
 * Request timeouts and keep-alive work (the sockets implement
 * `setTimeout`), `req.socket.remoteAddress` is the weft peer, and
 * {@link NodeServerFactory.close} closes gracefully: the server stops
 * (idle keep-alive connections close at once), new connections are
 * refused, and the Deferred fires once every hosted connection is gone.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { reactor } from 'weft';
 * import { NodeServerFactory } from 'weft/adapters/node';
 *
 * const server = createServer((_req, res) => res.end('hello from weft\n'));
 * const port = await reactor.listenTCP(0, new NodeServerFactory(server));
 * ```
 */
export class NodeServerFactory extends Factory<WeftSocket['protocol']> {
  /** The hosted server: connections are emitted on it as `'connection'`. */
  readonly server: EventEmitter;
  readonly #options: NodeServerFactoryOptions;
  readonly #sockets = new Set<WeftSocket>();
  #closing = false;
  #closed: Deferred<void> | null = null;

  constructor(server: EventEmitter, options: NodeServerFactoryOptions = {}) {
    super();
    this.noisy = false;
    this.server = server;
    this.#options = options;
    const s = server as ClosableServer;
    if (
      (options.trackConnections ?? true) &&
      typeof s.closeIdleConnections === 'function' &&
      s.listening !== true
    ) {
      // Node's http.Server starts tracking connections in a 'listening' listener.
      server.emit('listening');
    }
    if (server instanceof TLSServer) {
      server.prependListener('secureConnection', showAddresses);
    }
  }

  /** The hosted connections still open. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** A protocol for a new connection, or `null` once {@link NodeServerFactory.close} was called. */
  override buildProtocol(_addr: IAddress): WeftSocket['protocol'] | null {
    if (this.#closing) return null;
    const options = this.#options;
    const socket = new WeftSocket({
      ...(options.reactor === undefined ? {} : { reactor: options.reactor }),
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#maybeClosed();
    });
    const noDelay = options.noDelay ?? true;
    socket.once('connect', () => {
      if (noDelay) socket.setNoDelay(true);
      this.server.emit('connection', socket);
    });
    return socket.protocol;
  }

  /**
   * Stops the hosted server gracefully: new connections are refused, the
   * server's `close()` runs (an `http.Server` closes its idle connections),
   * and the Deferred fires once every hosted connection has closed. With
   * `timeout`, connections still open after that many seconds are
   * destroyed. Calling it again returns a Deferred that fires at the same
   * point.
   */
  close(options: HostedCloseOptions = {}): Deferred<void> {
    const d = new Deferred<void>();
    if (this.#closed === null) {
      this.#closed = new Deferred<void>();
      this.#closing = true;
      const server = this.server as ClosableServer;
      server.close?.();
      if (options.timeout !== undefined) {
        const reactor = this.#options.reactor ?? defaultReactor;
        const call = reactor.callLater(options.timeout, () => {
          for (const s of [...this.#sockets]) s.destroy();
        });
        this.#closed.addBoth(() => {
          if (call.active()) call.cancel();
        });
      }
      this.#maybeClosed();
    }
    this.#closed.addBoth(() => {
      d.callback(undefined);
    });
    return d;
  }

  #maybeClosed(): void {
    const closed = this.#closed;
    if (closed !== null && !closed.called && this.#sockets.size === 0) closed.callback(undefined);
  }
}

/** The Node internals a `TLSSocket` over a JavaScript stream keeps its addresses in. */
interface TLSSocketInternals {
  _peername?: object | null;
  _sockname?: object | null;
  readonly _handle?: { readonly _parentWrap?: { readonly stream?: unknown } } | null;
}

/**
 * Gives a `TLSSocket` that Node layered over a hosted {@link WeftSocket}
 * (an `https.Server` or `tls.Server` hosted on a plain weft port) the weft
 * socket's addresses. Node's `TLSSocket` over a JavaScript stream has no
 * handle that knows them, so `remoteAddress` (Express's `req.ip`) would be
 * undefined; it reads them from `_peername`/`_sockname` when set. Nothing
 * happens where Node's internals differ (the addresses stay unknown).
 */
function showAddresses(tlsSocket: TLSSocket): void {
  const internals = tlsSocket as unknown as TLSSocketInternals;
  const raw = internals._handle?._parentWrap?.stream;
  if (!(raw instanceof WeftSocket)) return;
  const peer = raw.remoteAddress;
  if (peer !== undefined) {
    internals._peername = { address: peer, family: raw.remoteFamily, port: raw.remotePort };
  }
  const host = raw.address();
  if ('address' in host) internals._sockname = host;
}
