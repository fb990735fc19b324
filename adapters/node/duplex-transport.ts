/**
 * Node streams → weft: any byte-mode `Duplex` (a socket accepted by an
 * existing `net`/`tls` server, an HTTP upgrade socket, a child's stdio
 * pair, `ws`'s `createWebSocketStream`, one end of `stream.duplexPair()`)
 * as an `IStreamTransport` driving an `IProtocol`.
 *
 * @module
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';

import type { IAddress } from '../../src/core/address.js';
import { ipAddress } from '../../src/core/address.js';
import { ConnectionAborted } from '../../src/core/errors.js';
import type { IProtocol } from '../../src/core/interfaces/protocol.js';
import type { IReactorCore, IReactorTime } from '../../src/core/interfaces/reactor.js';
import type { Selectable, SocketContext } from '../../src/node/stream-transport.js';
import { StreamTransport } from '../../src/node/stream-transport.js';
import { reactor as defaultReactor } from '../../src/node/reactor.js';
import { resetOnClose } from '../../src/node/tls-socket.js';

/**
 * The address of one end of a stream that has none of its own (a pipe, an
 * in-memory pair, a WebSocket stream): only a label, compared by value.
 */
export class StreamAddress implements IAddress {
  /** What the stream is, e.g. `'duplex'` or `'stdio'`. */
  readonly label: string;

  constructor(label: string) {
    this.label = label;
  }

  equals(other: unknown): boolean {
    return other instanceof StreamAddress && other.label === this.label;
  }

  toString(): string {
    return `StreamAddress('${this.label}')`;
  }
}

/** Options of {@link transportFromStream}. */
export interface TransportFromStreamOptions {
  /**
   * The reactor whose shutdown closes the connection (with `ConnectionLost`,
   * as the reactor's own connections). Default: weft's global `reactor`.
   */
  readonly reactor?: IReactorTime & Partial<Pick<IReactorCore, 'addSystemEventTrigger'>>;
  /** What `getPeer()` returns. Default: the socket's remote address, else `StreamAddress('duplex')`. */
  readonly peer?: IAddress;
  /** What `getHost()` returns. Default: the socket's local address, else `StreamAddress('duplex')`. */
  readonly host?: IAddress;
  /**
   * Bytes already read from the stream that belong to the protocol (the
   * `head` of an HTTP upgrade): delivered before anything else the stream
   * reads.
   */
  readonly head?: Uint8Array;
}

/** One open-connections set per reactor, closed before the reactor shuts down. */
const contexts = new WeakMap<object, SocketContext>();

function contextFor(reactor: TransportFromStreamOptions['reactor']): SocketContext {
  const r = reactor ?? defaultReactor;
  let context = contexts.get(r);
  if (context === undefined) {
    const selectables = new Set<Selectable>();
    context = { reactor: r, selectables };
    contexts.set(r, context);
    r.addSystemEventTrigger?.('before', 'shutdown', () => {
      const open = [...selectables];
      selectables.clear();
      for (const s of open) s.closeAtShutdown();
    });
  }
  return context;
}

/** The address a socket-like stream (`net.Socket`, `TLSSocket`, `WeftSocket`) reports, if any. */
function socketAddress(host: unknown, port: unknown): IAddress | null {
  return typeof host === 'string' && typeof port === 'number' ? ipAddress('TCP', host, port) : null;
}

/** The `remoteAddress`-style properties of a socket-like stream. */
interface SocketLike {
  readonly remoteAddress?: unknown;
  readonly remotePort?: unknown;
  readonly localAddress?: unknown;
  readonly localPort?: unknown;
}

/**
 * The transport {@link transportFromStream} makes: the same lifecycle,
 * ordering, half-close and flow-control rules as weft's TCP transport (see
 * `StreamTransport`), over a Node `Duplex`.
 *
 * - Reading: the transport is a push producer of what the stream reads;
 *   `pauseProducing()` pauses the stream (`readable.pause()`).
 * - Writing: writes go to `duplex.write()`; once `write()` returns false
 *   (the stream's `writableHighWaterMark` is reached, its `bufferSize`), a
 *   registered push producer is paused until `'drain'`.
 * - Closing: `loseConnection()` → `duplex.end()` after the buffer, then
 *   `destroy()`; `loseWriteConnection()` → `end()` alone;
 *   `abortConnection()` → `destroy()` (`resetAndDestroy()` on a TCP socket;
 *   on a `TLSSocket`, a reset of the TCP connection under it, without
 *   close_notify, whether it is a `tls.Server`'s or `tls.connect`'s).
 * - The stream ending → `readConnectionLost()` (half-closeable protocols) or
 *   a clean close; `'error'` → `connectionLost(ConnectionLost)` with the
 *   stream error's `code` and the error as `cause`; `'close'` →
 *   `connectionLost` exactly once.
 */
export class DuplexTransport<D extends Duplex = Duplex> extends StreamTransport<D> {
  readonly #peer: IAddress;
  readonly #host: IAddress;

  /**
   * Made by {@link transportFromStream}.
   *
   * @internal
   */
  constructor(duplex: D, protocol: IProtocol, options: TransportFromStreamOptions) {
    super(duplex, protocol, contextFor(options.reactor));
    const socket = duplex as SocketLike;
    this.#peer =
      options.peer ??
      socketAddress(socket.remoteAddress, socket.remotePort) ??
      new StreamAddress('duplex');
    this.#host =
      options.host ??
      socketAddress(socket.localAddress, socket.localPort) ??
      new StreamAddress('duplex');
  }

  /** The remote end's address (see {@link TransportFromStreamOptions.peer}). */
  getPeer(): IAddress {
    return this.#peer;
  }

  /** This end's address (see {@link TransportFromStreamOptions.host}). */
  getHost(): IAddress {
    return this.#host;
  }

  /** Over TLS, a close waits for the peer's end of stream, reading, so as not to reset it. */
  protected override drainsBeforeClose(): boolean {
    return this.getHandle() instanceof TLSSocket;
  }

  protected resetSocket(duplex: D): void {
    // A TLS socket cannot reset (its handle is not TCP: Node throws ERR_INVALID_HANDLE_TYPE), but
    // closing the TCP connection under it can be made a reset. Its 'close' comes on a later turn.
    if (duplex instanceof TLSSocket) {
      if (resetOnClose(duplex)) duplex.destroy();
      else duplex.destroy(new ConnectionAborted());
      return;
    }
    // A TCP socket (or a WeftSocket) can reset; any other stream is destroyed with an error, so
    // that a stream that links two ends (a pipe pair) can tell an abort from a close.
    const reset = (duplex as { resetAndDestroy?: () => unknown }).resetAndDestroy;
    if (
      typeof reset === 'function' &&
      !(duplex instanceof Socket && duplex.readyState === 'closed')
    ) {
      reset.call(duplex);
    } else {
      duplex.destroy(new ConnectionAborted());
    }
  }
}

/**
 * Makes `duplex` the transport of `protocol` and connects it
 * (`protocol.makeConnection` runs before this returns; no data is
 * delivered before that).
 *
 * The stream must be in byte mode (no `objectMode`, no `setEncoding`). It is
 * switched to `allowHalfOpen`, so the protocol decides what the peer's end
 * of stream means: a half-closeable protocol gets `readConnectionLost()`,
 * any other is closed cleanly. The stream must emit `'close'` (Node's
 * default `emitClose`): that is when the protocol gets `connectionLost`.
 *
 * @throws {TypeError} for an object-mode stream or one with an encoding set.
 * @example
 * ```ts
 * import { createServer } from 'node:net';
 * import { Protocol } from 'weft';
 * import { transportFromStream } from 'weft/adapters/node';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const server = createServer((socket) => transportFromStream(socket, new Echo()));
 * ```
 */
export function transportFromStream<D extends Duplex>(
  duplex: D,
  protocol: IProtocol,
  options: TransportFromStreamOptions = {},
): DuplexTransport<D> {
  if (duplex.readableObjectMode || duplex.writableObjectMode) {
    throw new TypeError('transportFromStream needs a byte stream, not an object-mode one');
  }
  if (duplex.readableEncoding !== null) {
    throw new TypeError('transportFromStream needs a byte stream: do not call setEncoding on it');
  }
  duplex.allowHalfOpen = true;
  if (options.head !== undefined && options.head.length > 0) duplex.unshift(options.head);
  const transport = new DuplexTransport(duplex, protocol, options);
  transport.start();
  return transport;
}
