/**
 * weft → Node streams: a weft connection seen as a Node `Duplex` that looks
 * enough like a `net.Socket` for Node's `http`/`net` servers, Express,
 * Fastify, `ws` and `http.request({ createConnection })`.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

import type { IAddress } from '../../src/core/address.js';
import { IPv4Address, IPv6Address, UNIXAddress } from '../../src/core/address.js';
import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IPushProducer } from '../../src/core/interfaces/producer.js';
import type {
  IHalfCloseableProtocol,
  IHandshakeListener,
  IProtocol,
} from '../../src/core/interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';
import type { IStreamTransport, ITransport } from '../../src/core/interfaces/transport.js';
import { reactor as defaultReactor } from '../../src/node/reactor.js';
import { exposableSocket, nativeHandleOf, stopHandleReads } from './native-handle.js';
import { SocketTimer } from './socket-timer.js';

/** Options of {@link WeftSocket}. */
export interface WeftSocketOptions {
  /** Clock for `setTimeout` (idle timeouts). Default: weft's global `reactor`. */
  readonly reactor?: IReactorTime;
  /** Whether the writable side stays open after the readable side ends. Default true, as `Duplex`. */
  readonly allowHalfOpen?: boolean;
  /** `highWaterMark` of both sides, in bytes. Default: Node's (16 KiB on Node 20). */
  readonly highWaterMark?: number;
  /**
   * Seconds `destroy(err)` lets what was already written go out before it
   * aborts the connection (see {@link WeftSocket}). Default 5; 0 aborts at
   * once.
   */
  readonly destroyGrace?: number;
}

/** What `socket.address()` returns, as `net.Socket`'s. */
export interface SocketAddressInfo {
  /** Host, e.g. `'127.0.0.1'`, or the UNIX socket path. */
  readonly address: string;
  /** `'IPv4'` or `'IPv6'` (`''` for a path). */
  readonly family: string;
  /** Port (0 for a path). */
  readonly port: number;
}

function ipOf(address: IAddress | undefined): IPv4Address | IPv6Address | undefined {
  return address instanceof IPv4Address || address instanceof IPv6Address ? address : undefined;
}

function familyOf(address: IAddress | undefined): string | undefined {
  if (address instanceof IPv4Address) return 'IPv4';
  if (address instanceof IPv6Address) return 'IPv6';
  return undefined;
}

/** A chunk Node's Writable gave us (strings are not decoded) as the transport takes it. */
function chunkOf(chunk: Uint8Array | string, encoding: BufferEncoding): Uint8Array | string {
  if (typeof chunk !== 'string' || encoding === 'utf8' || encoding === 'utf-8') return chunk;
  return Buffer.from(chunk, encoding);
}

/** The socket under a transport that has one (`getHandle()`), for TLS facts and ref/unref. */
interface Handle {
  readonly encrypted?: unknown;
  readonly alpnProtocol?: unknown;
  ref?(): unknown;
  unref?(): unknown;
}

function handleOf(transport: ITransport | null): Handle | undefined {
  const getHandle = (transport as { getHandle?: () => unknown } | null)?.getHandle;
  if (typeof getHandle !== 'function') return undefined;
  const handle: unknown = getHandle.call(transport);
  return typeof handle === 'object' && handle !== null ? handle : undefined;
}

function isStreamTransport(t: ITransport): t is IStreamTransport {
  return typeof (t as Partial<IStreamTransport>).loseWriteConnection === 'function';
}

/**
 * A weft connection as a Node `Duplex`: hand {@link WeftSocket.protocol} to
 * weft (a factory's `buildProtocol`, `transportFromStream`, an `IOPump`
 * pair), and the socket to Node code that wants a `net.Socket`.
 *
 * Mapping (both directions keep backpressure):
 * - Bytes the transport delivers are `push`ed; when the readable side is
 *   full, the transport is paused (`pauseProducing`, so weft stops reading
 *   from its peer) until Node reads again.
 * - Node's writes go to `transport.write`. The socket is registered on the
 *   transport as a push producer: while the transport pauses it (its
 *   buffer is full), write callbacks wait, so `write()` returns false and
 *   `'drain'` comes once the transport has sent its buffer.
 * - `end()` → `loseWriteConnection()` (`'finish'` once it is sent), or
 *   `loseConnection()` on a transport that cannot half-close; `destroy()`
 *   → `loseConnection()`; `resetAndDestroy()` → `abortConnection()`.
 *   `destroy(err)` → `loseConnection()` too, then `abortConnection()` if
 *   the connection is still not closed after `destroyGrace` seconds: as with
 *   a `net.Socket`, whose `destroy(err)` still lets the OS send what it was
 *   given, what was written before is sent. Node's HTTP server relies on
 *   this for its `400 Bad Request` and `408 Request Timeout` answers, which
 *   it writes just before `destroy(err)`.
 * - The peer's end of stream (`readConnectionLost`) → end of the readable
 *   side; with `allowHalfOpen: false` Node then ends the writable side too.
 * - `connectionLost(ConnectionDone)` → both sides end, then `'close'`;
 *   any other reason → `destroy(reason)` (`'error'`, then `'close'`).
 *   `'close'` comes exactly once, after `connectionLost`.
 *
 * `net.Socket` look-alikes: `remoteAddress`, `remotePort`, `remoteFamily`,
 * `localAddress`, `localPort`, `address()` (from `getPeer()`/`getHost()`);
 * `setTimeout` (idle timer on the reactor, emitting `'timeout'`), `setNoDelay`,
 * `setKeepAlive` (TCP transports), `ref`/`unref`, `encrypted` and
 * `alpnProtocol` (when the transport's handle is a TLS socket),
 * `destroySoon`, `connecting`, `bytesRead`, `bytesWritten`. Writes made
 * before the connection is up wait for it (as a connecting `net.Socket`'s).
 *
 * Events: `'connect'` and `'ready'` when the transport connects; over a weft
 * TLS connection (`listenSSL`, `connectSSL`, `startTLS`), `'secureConnect'`
 * once the TLS handshake has completed and the peer's certificate was
 * accepted (as a client `TLSSocket`'s, whichever end this is), after which
 * `alpnProtocol` tells the agreed protocol.
 */
export class WeftSocket extends Duplex {
  /** The protocol to connect to a weft transport; this socket is its face to Node. */
  readonly protocol: IProtocol & IHalfCloseableProtocol & IHandshakeListener & IPushProducer;
  /** Bytes handed to the transport. */
  bytesWritten = 0;
  /**
   * The server this connection was handed to, when a `NodeServerFactory`
   * hosts one (as `net.Socket#server` on accepted sockets; http2's HTTP/1.1
   * fallback needs it).
   */
  server: EventEmitter | undefined = undefined;
  #transport: ITransport | null = null;
  /** Bytes received from the transport. */
  #bytesRead = 0;
  /** The socket whose native handle {@link WeftSocket.exposeHandle} exposed, else null. */
  #exposed: Socket | null = null;
  #lost: Failure | null = null;
  /** Set when destroy() ran before the connection was made: it is aborted as soon as it is. */
  #destroyedEarly = false;
  #readPaused = false;
  #writePaused = false;
  /** Whether this socket is registered on the transport as its producer. */
  #registered = false;
  /** A write callback held while the transport has us paused. */
  #heldWrite: ((err?: Error | null) => void) | null = null;
  /** A write that came before the connection was up. */
  #early: { chunks: (Uint8Array | string)[]; cb: (err?: Error | null) => void } | null = null;
  #earlyFinal: ((err?: Error | null) => void) | null = null;
  #finalCb: ((err?: Error | null) => void) | null = null;
  #destroyCb: (() => void) | null = null;
  readonly #timer: SocketTimer;
  readonly #reactor: IReactorTime;
  readonly #destroyGrace: number;
  #graceCall: IDelayedCall | null = null;

  constructor(options: WeftSocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? true,
      // Strings go to the transport as they are (it sends them as UTF-8); chunkOf converts others.
      decodeStrings: false,
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    this.#reactor = options.reactor ?? defaultReactor;
    this.#destroyGrace = options.destroyGrace ?? 5;
    this.#timer = new SocketTimer(this.#reactor, () => this.emit('timeout'));
    this.protocol = {
      makeConnection: (transport) => {
        this.#connect(transport);
      },
      connectionMade: () => undefined,
      dataReceived: (data) => {
        this.#received(data);
      },
      readConnectionLost: () => {
        this.#endReadable();
      },
      writeConnectionLost: () => {
        this.#finished(null);
      },
      connectionLost: (reason) => {
        this.#connectionLost(reason);
      },
      handshakeCompleted: () => {
        this.emit('secureConnect');
      },
      pauseProducing: () => {
        this.#writePaused = true;
      },
      resumeProducing: () => {
        this.#writePaused = false;
        const held = this.#heldWrite;
        this.#heldWrite = null;
        held?.();
      },
      stopProducing: () => undefined,
    };
  }

  /** The transport, once connected (`null` before, and still set after the loss). */
  get transport(): ITransport | null {
    return this.#transport;
  }

  /** Bytes received (as `net.Socket#bytesRead`). */
  get bytesRead(): number {
    return this.#exposed?.bytesRead ?? this.#bytesRead;
  }

  /**
   * Lets Node code that reads from a socket's native handle (`_handle`) do
   * so, as it does with its own sockets: Node's `http.Server` then parses
   * requests in C++ straight from the connection's TCP (or UNIX) handle, with
   * no JavaScript `'data'` event per chunk. `NodeServerFactory` calls it for
   * hosted `http.Server`s (its `nativeRead` option); call it yourself only
   * when you hand the socket to such code at once.
   *
   * It does so only where that is the same connection weft would read: the
   * transport is weft's own TCP or UNIX connection (not TLS, not wrapped by
   * a policy or any other protocol, so every wrapper still sees every
   * byte), over a socket with a native handle nobody consumes yet, and
   * nothing has been read. Writes, timeouts and closing still go through
   * weft; reads no longer reach this socket's readable side while Node
   * consumes the handle (Node stops when it hands the connection on, e.g.
   * at an HTTP upgrade, and the bytes flow through weft again). Activity
   * Node reports through `_unrefTimer()` pushes `setTimeout`'s idle timer
   * back, and `bytesRead` counts the socket's.
   *
   * @returns whether the handle is now exposed (false: nothing changed).
   */
  exposeHandle(): boolean {
    if (this.#exposed !== null) return true;
    if (this.#lost !== null || this.#bytesRead > 0 || this.readableLength > 0) return false;
    const socket = exposableSocket(this.#transport, this.protocol);
    if (socket === null) return false;
    this.#exposed = socket;
    Object.defineProperty(this, '_handle', {
      configurable: true,
      get: (): unknown => (this.destroyed ? null : nativeHandleOf(socket)),
    });
    return true;
  }

  /**
   * Marks activity for `setTimeout`'s idle timer. Node's HTTP server calls
   * it (as on a `net.Socket`) when it has read from an exposed handle
   * ({@link WeftSocket.exposeHandle}), where no `'data'` event does.
   */
  _unrefTimer(): void {
    this.#timer.touch();
  }

  // ----- net.Socket look-alikes

  /** Whether the connection is not made yet (as `net.Socket#connecting`). */
  get connecting(): boolean {
    return this.#transport === null && !this.destroyed;
  }

  /** The peer's IP address, if the transport has one. */
  get remoteAddress(): string | undefined {
    return ipOf(this.#transport?.getPeer())?.host;
  }

  /** The peer's port, if the transport has one. */
  get remotePort(): number | undefined {
    return ipOf(this.#transport?.getPeer())?.port;
  }

  /** `'IPv4'` or `'IPv6'`, if the transport's peer is an IP address. */
  get remoteFamily(): string | undefined {
    return familyOf(this.#transport?.getPeer());
  }

  /** This end's IP address, if the transport has one. */
  get localAddress(): string | undefined {
    return ipOf(this.#transport?.getHost())?.host;
  }

  /** This end's port, if the transport has one. */
  get localPort(): number | undefined {
    return ipOf(this.#transport?.getHost())?.port;
  }

  /** `true` when the transport runs over TLS (its handle is a `TLSSocket`), else `undefined`. */
  get encrypted(): true | undefined {
    return handleOf(this.#transport)?.encrypted === true ? true : undefined;
  }

  /** The ALPN protocol TLS agreed on, `false` if none, `undefined` without TLS. */
  get alpnProtocol(): string | false | undefined {
    const value = handleOf(this.#transport)?.alpnProtocol;
    return typeof value === 'string' || value === false ? value : undefined;
  }

  /** The idle timeout in milliseconds, once set (as `net.Socket#timeout`). */
  get timeout(): number | undefined {
    const seconds = this.#timer.timeoutSeconds;
    return seconds === 0 ? undefined : seconds * 1000;
  }

  /** This end's address as `net.Socket#address()` gives it (`{}` when the transport has none). */
  address(): SocketAddressInfo | Record<string, never> {
    const host = this.#transport?.getHost();
    const ip = ipOf(host);
    if (ip !== undefined) return { address: ip.host, family: familyOf(ip) ?? '', port: ip.port };
    if (host instanceof UNIXAddress && host.name !== null) {
      return { address: host.name, family: '', port: 0 };
    }
    return {};
  }

  /**
   * Emits `'timeout'` after `ms` milliseconds without bytes in or out (0
   * turns it off), as `net.Socket#setTimeout`; `callback` is added as a
   * `'timeout'` listener (removed when `ms` is 0). The socket stays open:
   * the listener decides. Timed on the reactor given at construction.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#timer.set(this.destroyed ? 0 : ms / 1000);
    return this;
  }

  /** Turns Nagle's algorithm off (`true`) or on, on TCP transports; a no-op elsewhere. */
  setNoDelay(noDelay = true): this {
    const t = this.#transport as { setTcpNoDelay?: (enabled: boolean) => void } | null;
    t?.setTcpNoDelay?.(noDelay);
    return this;
  }

  /** Turns TCP keep-alive probes on or off, on TCP transports; a no-op elsewhere. */
  setKeepAlive(enable = false, _initialDelayMs?: number): this {
    const t = this.#transport as { setTcpKeepAlive?: (enabled: boolean) => void } | null;
    t?.setTcpKeepAlive?.(enable);
    return this;
  }

  /** Lets the socket under the transport keep the process alive (a no-op without one). */
  ref(): this {
    handleOf(this.#transport)?.ref?.();
    return this;
  }

  /** Lets the process exit while this connection is open (a no-op without a socket under it). */
  unref(): this {
    handleOf(this.#transport)?.unref?.();
    return this;
  }

  /** Ends the writable side, then destroys once it has finished (as `net.Socket#destroySoon`). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Closes at once, discarding what was not sent (`abortConnection()`). */
  resetAndDestroy(): this {
    const t = this.#transport;
    if (t !== null && isStreamTransport(t) && this.#lost === null) {
      this.#destroyCb ??= (): void => undefined;
      this.#unregister(t);
      t.abortConnection();
    }
    return this.destroy();
  }

  // ----- Duplex implementation

  override _read(): void {
    const t = this.#transport;
    if (this.#readPaused && t !== null && this.#lost === null) {
      this.#readPaused = false;
      t.resumeProducing();
    }
  }

  override _write(
    chunk: Uint8Array | string,
    encoding: BufferEncoding,
    cb: (err?: Error | null) => void,
  ): void {
    this.#send([chunkOf(chunk, encoding)], cb);
  }

  override _writev(
    chunks: { chunk: Uint8Array | string; encoding: BufferEncoding }[],
    cb: (err?: Error | null) => void,
  ): void {
    this.#send(
      chunks.map((c) => chunkOf(c.chunk, c.encoding)),
      cb,
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    const t = this.#transport;
    if (this.#lost !== null) {
      cb();
    } else if (t === null) {
      this.#earlyFinal = cb;
    } else {
      this.#finalCb = cb;
      this.#unregister(t);
      if (isStreamTransport(t)) t.loseWriteConnection();
      else t.loseConnection();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#timer.stop();
    // A destroyed socket reads no more, not even where Node consumes the handle.
    if (this.#exposed !== null) stopHandleReads(this.#exposed);
    const t = this.#transport;
    if (this.#lost !== null) {
      cb(err);
      return;
    }
    if (t === null) {
      this.#destroyedEarly = true;
      cb(err);
      return;
    }
    // 'close' (which follows cb) must come after connectionLost: hold cb until then.
    const previous = this.#destroyCb;
    this.#destroyCb = (): void => {
      previous?.();
      cb(err);
    };
    this.#unregister(t);
    if (err !== null && isStreamTransport(t)) {
      if (this.#destroyGrace <= 0) {
        t.abortConnection();
        return;
      }
      this.#graceCall = this.#reactor.callLater(this.#destroyGrace, () => {
        this.#graceCall = null;
        t.abortConnection();
      });
    }
    t.loseConnection();
  }

  // ----- protocol side

  #connect(transport: ITransport): void {
    this.#transport = transport;
    if (this.#destroyedEarly) {
      if (isStreamTransport(transport)) transport.abortConnection();
      else transport.loseConnection();
      return;
    }
    transport.registerProducer(this.protocol, true);
    this.#registered = true;
    const early = this.#early;
    this.#early = null;
    if (early !== null) this.#send(early.chunks, early.cb);
    const final = this.#earlyFinal;
    this.#earlyFinal = null;
    if (final !== null) this._final(final);
    this.#timer.touch();
    this.emit('connect');
    this.emit('ready');
  }

  #send(chunks: (Uint8Array | string)[], cb: (err?: Error | null) => void): void {
    const t = this.#transport;
    if (this.#lost !== null) {
      cb(); // the connection is gone: as a socket's, the bytes go nowhere ('close' follows)
      return;
    }
    if (t === null) {
      this.#early = { chunks, cb };
      return;
    }
    for (const c of chunks)
      this.bytesWritten += typeof c === 'string' ? Buffer.byteLength(c) : c.length;
    this.#timer.touch();
    if (chunks.length === 1) t.write(chunks[0] as Uint8Array);
    else t.writeSequence(chunks);
    if (this.#writePaused) this.#heldWrite = cb;
    else cb();
  }

  /** End of the readable side; 'end' comes at once if nothing is left unread (as net.Socket's). */
  #endReadable(): void {
    this.push(null);
    this.read(0);
  }

  #unregister(t: ITransport): void {
    if (!this.#registered) return;
    this.#registered = false;
    t.unregisterProducer();
  }

  #received(data: Uint8Array): void {
    this.#bytesRead += data.length;
    this.#timer.touch();
    if (!this.push(data) && !this.#readPaused) {
      this.#readPaused = true;
      this.#transport?.pauseProducing();
    }
  }

  #finished(err: Error | null): void {
    const cb = this.#finalCb;
    this.#finalCb = null;
    cb?.(err);
  }

  #connectionLost(reason: Failure): void {
    this.#lost = reason;
    const grace = this.#graceCall;
    this.#graceCall = null;
    if (grace?.active() === true) grace.cancel();
    this.#registered = false; // a transport drops its producer when the connection is lost
    this.#timer.stop();
    const held = this.#heldWrite;
    this.#heldWrite = null;
    held?.();
    this.#finished(null);
    const destroyCb = this.#destroyCb;
    if (destroyCb !== null) {
      this.#destroyCb = null;
      destroyCb();
      return;
    }
    if (reason.value instanceof ConnectionDone) {
      // Both directions are over: end both sides; autoDestroy then emits 'close' once read.
      this.#endReadable();
      if (!this.writableEnded) this.end();
    } else {
      this.destroy(reason.value instanceof Error ? reason.value : new Error(String(reason.value)));
    }
  }
}
