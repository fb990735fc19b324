/**
 * Node servers hosted on weft: each weft connection (TCP, TLS, UNIX, an
 * in-memory pair) handed to an `http.Server`, `https.Server`, `http2`
 * server, `net.Server`, `tls.Server`, Express, Koa, Fastify or `ws` as a
 * {@link WeftSocket}.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import { Server as HTTPServer } from 'node:http';
import type { Http2Session } from 'node:http2';
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
  /**
   * Let a hosted `http.Server` (Express, Koa, Fastify ...) parse requests
   * straight from the native handle of each weft TCP or UNIX connection, as
   * it does for the sockets it accepts itself, instead of from a JavaScript
   * `'data'` event per chunk ({@link WeftSocket.exposeHandle}: only where
   * no wrapper or TLS sits between weft's socket and the hosted one).
   * Writes, timeouts and closing still go through weft. It saves about a
   * tenth of the CPU time per small request (docs/performance.md). Default
   * true.
   */
  readonly nativeRead?: boolean;
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
 * `server.emit('connection', socket)` once connected. On a weft TLS port
 * (`listenSSL`), a `tls.Server` (`https.createServer`,
 * `http2.createSecureServer`) gets it from `'secureConnection'` instead,
 * once the handshake is done, as its own connections; any other server
 * (`http.createServer`, Express ...) gets it from `'connection'` at once.
 * `http2` servers (`http2.createServer` for h2c, `createSecureServer`)
 * work too: their sessions run over the socket, with
 * `req.socket.remoteAddress` the weft peer. Listen with it like
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
  /** The http2 sessions running over hosted connections, closed (GOAWAY) by close(). */
  readonly #sessions = new Set<Http2Session>();
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
      if (socket.encrypted === true && this.server instanceof TLSServer) {
        // weft did the TLS: a tls.Server (https, http2's secure server) takes such connections
        // from 'secureConnection', after the handshake, as it does its own.
        socket.once('secureConnect', () => {
          this.#hand(socket, 'secureConnection');
        });
      } else {
        this.#hand(socket, 'connection');
      }
    });
    return socket.protocol;
  }

  /** Emits `socket` on the server; an http2 server's session gets the socket's addresses. */
  #hand(socket: WeftSocket, event: 'connection' | 'secureConnection'): void {
    // http2 wraps a socket without a native handle in a JSStreamSocket (a net.Socket over a
    // JS stream), which has no addresses of its own: it reports the `_peername`/`_sockname` it
    // is given, so `req.socket.remoteAddress` (through the session's socket proxy) is the peer.
    const onSession = (session: Http2Session): void => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      lendAddresses(session.socket as unknown as AddressInternals, socket);
      lendTLSFacts(session, socket);
    };
    socket.server = this.server;
    if (event === 'connection' && this.server instanceof HTTPServer) {
      if (this.#options.nativeRead ?? true) socket.exposeHandle();
    }
    this.server.once('session', onSession);
    try {
      this.server.emit(event, socket);
    } finally {
      this.server.removeListener('session', onSession);
    }
  }

  /**
   * Stops the hosted server gracefully: new connections are refused, the
   * server's `close()` runs (an `http.Server` closes its idle connections),
   * each `http2` session is closed (`session.close()`: GOAWAY, open streams
   * finish), and the Deferred fires once every hosted connection has closed. With
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
      // Node 20's http2 servers leave their sessions open on close(): close them gracefully
      // (GOAWAY; streams already open finish, then the connection closes).
      for (const session of this.#sessions) session.close();
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

/** Where a Node socket with no handle of its own that knows them keeps its addresses. */
interface AddressInternals {
  _peername?: object | null;
  _sockname?: object | null;
}

/** The Node internals a `TLSSocket` over a JavaScript stream reaches that stream by. */
interface TLSSocketInternals extends AddressInternals {
  readonly _handle?: { readonly _parentWrap?: { readonly stream?: unknown } } | null;
}

/**
 * Gives a Node socket layered over a hosted {@link WeftSocket} (Node's
 * `JSStreamSocket`, or a `TLSSocket` over one) the weft socket's addresses:
 * such a socket has no handle that knows them, so `remoteAddress` (Express's
 * `req.ip`) would be undefined; Node reads them from `_peername`/`_sockname`
 * when set.
 */
function lendAddresses(target: AddressInternals, socket: WeftSocket): void {
  const peer = socket.remoteAddress;
  if (peer !== undefined) {
    target._peername = { address: peer, family: socket.remoteFamily, port: socket.remotePort };
  }
  const host = socket.address();
  if ('address' in host) target._sockname = host;
}

/**
 * An http2 session over a {@link WeftSocket} that weft made TLS (`listenSSL`)
 * reads `encrypted` and `alpnProtocol` from the `JSStreamSocket` Node wraps
 * the socket in, which knows nothing of TLS, so it would call itself an
 * unencrypted `'h2c'` session. This gives the wrapper (`req.socket`) the
 * weft socket's facts and corrects the session's own record, which Node
 * keeps under internal symbols (found by their description; left as it is
 * where Node's internals differ).
 */
function lendTLSFacts(session: Http2Session, socket: WeftSocket): void {
  if (socket.encrypted !== true) return;
  const alpn = socket.alpnProtocol ?? false;
  const wrapper = session.socket as unknown as { encrypted?: boolean; alpnProtocol?: unknown };
  wrapper.encrypted = true;
  wrapper.alpnProtocol = alpn;
  const record = session as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(session)) {
    if (key.description === 'encrypted' && record[key] === false) record[key] = true;
    if (key.description === 'alpnProtocol' && record[key] === 'h2c') record[key] = alpn;
  }
}

/**
 * `'secureConnection'` of a `tls.Server` (`https.Server`) hosted on a plain
 * weft port, where Node layered its `TLSSocket` over the {@link WeftSocket}:
 * lends it the weft socket's addresses. Nothing happens where Node's
 * internals differ (the addresses stay unknown) or weft did the TLS.
 */
function showAddresses(tlsSocket: TLSSocket): void {
  const internals = tlsSocket as unknown as TLSSocketInternals;
  const raw = internals._handle?._parentWrap?.stream;
  if (raw instanceof WeftSocket) lendAddresses(internals, raw);
}
