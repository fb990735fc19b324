/**
 * `StreamTransport`: the transport over one connected `net.Socket` (TCP or a
 * UNIX stream socket), with Twisted's ordering, close and flow-control rules
 * on top of Node's stream machinery.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionDone, InvalidStateError } from '../core/errors.js';
import type { IAddress } from '../core/address.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import type { IReactorTime } from '../core/interfaces/reactor.js';
import type { IStreamTransport } from '../core/interfaces/transport.js';
import { connectionLostFrom } from './errors.js';
import { DEFAULT_BUFFER_SIZE } from './socket-context.js';
import type { Selectable, SocketContext } from './socket-context.js';
import {
  abortConnection,
  attachSocket,
  callbackFailed,
  CLOSE_NONE,
  closeAfterWriteSide,
  closeAtShutdown,
  closeWith,
  detachSocket,
  loseConnection,
  loseWriteConnection,
  newCloseState,
  provideStreamTransportAccess,
  scheduleClose,
} from './stream-close.js';
import type { CloseState } from './stream-close.js';

export { DEFAULT_BUFFER_SIZE };
export type { Selectable, SocketBufferOptions, SocketContext } from './socket-context.js';

function nameOf(value: object): string {
  return value.constructor.name;
}

/**
 * A transport over a connected `net.Socket`, made by a port or a connector:
 * protocols see it as their `transport`.
 *
 * Lifecycle, as Twisted's:
 * - `makeConnection` (hence `connectionMade`) once; `dataReceived` only
 *   after it and before `connectionLost`; `connectionLost` exactly once, with
 *   `ConnectionDone` (clean close), `ConnectionLost` (reset, socket error,
 *   reactor shutdown), `ConnectionAborted` (`abortConnection()`), or the
 *   exception a callback of the protocol threw.
 * - An exception thrown by a protocol callback is logged and closes this
 *   connection at once (unsent data is dropped, the peer sees a clean close);
 *   it becomes the `connectionLost` reason. One thrown by `connectionLost`
 *   is logged.
 * - The peer closing its side (FIN): a protocol that implements
 *   `IHalfCloseableProtocol` gets `readConnectionLost()` and may keep writing;
 *   any other protocol's connection is closed at once, with `ConnectionDone`.
 *
 * Flow control: the transport is a push producer for what it reads (pausing
 * it stops reading from the socket) and a consumer for what is written: a
 * registered push producer is paused once {@link StreamTransport.bufferSize}
 * bytes are waiting to be sent and resumed when everything has been sent; a
 * pull producer is asked for more (`resumeProducing`) at registration and
 * each time everything has been sent, at most once per turn of the event
 * loop.
 *
 * This file holds the write and flow-control path; the socket listeners and
 * the close state machine are in `stream-close.ts`, which reaches the private
 * state below through the accessor handed over in the `static {}` block.
 */
export abstract class StreamTransport<S extends Duplex = Socket>
  implements IStreamTransport, Selectable
{
  /** The protocol this transport delivers to. */
  readonly protocol: IProtocol;
  #socket: S;
  readonly #context: SocketContext;
  readonly #onLost: ((reason: Failure) => void) | undefined;
  /** Connection and close state, owned by the close machine (stream-close.ts). */
  readonly #close: CloseState = newCloseState();
  #producer: IPushProducer | IPullProducer | null = null;
  #streaming = false;
  #producerPaused = false;
  #pullScheduled = false;
  #pullFlushed: ((err?: Error | null) => void) | undefined = undefined;
  /** Set once `socket.end()` was called or the socket is gone: later writes are dropped. */
  #writeClosed = false;
  /** Whether writes of this turn are being collected (socket corked, uncork queued). */
  #corked = false;
  /** Whether reading is paused by `pauseProducing()` (kept across a socket switch). */
  #readPaused = false;
  /** Writes held while the connection moves to a new socket (STARTTLS), in order; else null. */
  #held: (Uint8Array | string)[] | null = null;

  /**
   * @param socket - a connected socket (or any byte-mode Duplex), made with `allowHalfOpen: true`.
   * @param protocol - the protocol to deliver to; {@link StreamTransport.start} connects it.
   * @param context - the reactor's clock and open-things set.
   * @param onLost - called after `protocol.connectionLost` (a connector's hook).
   */
  protected constructor(
    socket: S,
    protocol: IProtocol,
    context: SocketContext,
    onLost?: (reason: Failure) => void,
  ) {
    this.#socket = socket;
    this.protocol = protocol;
    this.#context = context;
    this.#onLost = onLost;
  }

  static {
    provideStreamTransportAccess({
      close: (t) => t.#close,
      socket: (t) => t.#socket,
      context: (t) => t.#context,
      onLost: (t) => t.#onLost,
      producer: (t) => t.#producer,
      takeProducer: (t) => {
        const producer = t.#producer;
        t.#producer = null;
        return producer;
      },
      holding: (t) => t.#held !== null,
      closeWrites: (t) => {
        t.#writeClosed = true;
      },
      drained: (t) => {
        t.#drained();
      },
      lostReason: (t, err) => t.lostReason(err),
      endReason: (t) => t.endReason(),
      peerClosed: (t) => {
        t.peerClosed();
      },
      resetSocket: (t, socket) => {
        t.resetSocket(socket);
      },
      drainsBeforeClose: (t) => t.drainsBeforeClose(),
    });
  }

  static #uncorkTick(this: void, t: StreamTransport<Duplex>): void {
    t.#corked = false;
    t.#socket.uncork(); // harmless once ended or destroyed
  }

  static #pullTick(this: void, t: StreamTransport<Duplex>): void {
    t.#pullScheduled = false;
    const producer = t.#producer;
    if (producer === null || t.#streaming || t.#close.lost || t.#socket.writableLength > 0) return;
    try {
      producer.resumeProducing();
    } catch (e) {
      callbackFailed(t, e, producer, 'resumeProducing');
    }
  }

  /**
   * Attaches to the socket, counts the connection as open and calls
   * `protocol.makeConnection(this)`. Called once, by the port or connector
   * that made the transport.
   *
   * @internal
   */
  start(): void {
    // No data can arrive before this turn ends, so connectionMade (below) still comes first.
    attachSocket(this, this.#socket);
    this.#context.selectables.add(this);
    this.#close.connected = true;
    try {
      this.protocol.makeConnection(this);
    } catch (e) {
      callbackFailed(this, e, this.protocol, 'connectionMade');
    }
  }

  /** The reactor's clock (for timeouts of subclasses: a TLS handshake's). */
  protected get clock(): IReactorTime {
    return this.#context.reactor;
  }

  /** The socket underneath (Twisted's `getHandle()`): for options weft does not cover. */
  getHandle(): S {
    return this.#socket;
  }

  /** Whether the connection is up: from `makeConnection` until `connectionLost`. */
  get connected(): boolean {
    return this.#close.connected;
  }

  /** Whether `loseConnection()` or `abortConnection()` was called, or the connection is gone. */
  get disconnecting(): boolean {
    return this.#close.disconnecting;
  }

  /**
   * Bytes buffered for sending before a registered push producer is paused
   * (the socket's `writableHighWaterMark`, {@link DEFAULT_BUFFER_SIZE} unless
   * the socket was made otherwise).
   */
  get bufferSize(): number {
    return this.#socket.writableHighWaterMark;
  }

  // ----- ITransport

  /**
   * Queues `data` (a string is sent as UTF-8). Never blocks and never throws
   * for I/O reasons; failures arrive as `connectionLost`. Empty writes are
   * ignored.
   *
   * As in Twisted, writes are collected until the end of the current turn of
   * the event loop (or until {@link StreamTransport.bufferSize} bytes are
   * waiting), then handed to the socket together (one `writev`):
   * `abortConnection()`, and the close after an exception in a protocol
   * callback, drop what was not handed over yet, as Twisted drops its unsent
   * buffer. A registered push producer is paused when, even so, `bufferSize`
   * bytes are still waiting for the kernel.
   *
   * Writes are dropped once the socket's write side is closed. As in
   * Twisted, that is not at `loseConnection()` itself: writes made after
   * `loseConnection()` (or `loseWriteConnection()`) in the same turn of the
   * event loop, or while a registered producer holds the close back, are
   * still sent before the close; later ones are ignored.
   */
  write(data: Uint8Array | string): void {
    if (this.#writeClosed || data.length === 0) return;
    if (this.#held !== null) {
      this.#held.push(data);
      return;
    }
    const socket = this.#socket;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(StreamTransport.#uncorkTick, this);
    }
    const producer = this.#producer;
    if (socket.write(data, producer !== null && !this.#streaming ? this.#pullFlushed : undefined)) {
      return;
    }
    // This turn's writes reached bufferSize: hand them to the socket now, so that only what
    // the kernel does not take counts against the buffer (collecting goes on after).
    socket.uncork();
    socket.cork();
    if (
      producer !== null &&
      this.#streaming &&
      !this.#producerPaused &&
      socket.writableLength >= socket.writableHighWaterMark
    ) {
      // Still full: pause until 'drain' (everything sent), as Twisted.
      this.#producerPaused = true;
      try {
        (producer as IPushProducer).pauseProducing();
      } catch (e) {
        callbackFailed(this, e, producer, 'pauseProducing');
      }
    }
  }

  /** Writes each chunk in order, as `write` would (they go to the socket in one batch). */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    for (const chunk of data) this.write(chunk);
  }

  /**
   * Stops reading at once, sends everything written (waiting first for a
   * registered producer to unregister), then closes both directions; the
   * protocol gets `connectionLost(ConnectionDone)`. Idempotent.
   *
   * Any registered producer holds the close back until it unregisters.
   * (Twisted's own transport closes anyway once its buffer drains while a
   * push producer is registered but not paused; weft waits, as `ITransport`
   * documents, so a producer is never cut off mid-stream.)
   */
  loseConnection(): void {
    loseConnection(this);
  }

  /**
   * Closes the write side (TCP FIN) once everything written has been sent
   * (and a registered producer has unregistered), keeping the read side
   * open. A half-closeable protocol then gets `writeConnectionLost()`. Once
   * the peer has closed its side too, the connection closes and the
   * protocol gets `connectionLost(ConnectionDone)`.
   */
  loseWriteConnection(): void {
    loseWriteConnection(this);
  }

  /**
   * Closes at once, discarding unsent data (TCP: the peer gets a reset and
   * sees `ConnectionLost`). The protocol gets
   * `connectionLost(ConnectionAborted)` on a later turn. Idempotent; does
   * nothing once the connection is gone.
   */
  abortConnection(): void {
    abortConnection(this);
  }

  /** The remote end's address. */
  abstract getPeer(): IAddress;
  /** This end's address. */
  abstract getHost(): IAddress;

  /** Closes `socket` at once for `abortConnection` (TCP: with a reset). */
  protected abstract resetSocket(socket: S): void;

  // ----- IConsumer

  /**
   * Registers `producer` (push when `streaming`, else pull). A pull producer
   * is asked for data at once. On a connection that is already gone the
   * producer is stopped at once instead.
   *
   * @throws {InvalidStateError} if a producer is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.#producer !== null) {
      throw new InvalidStateError(
        `Cannot register producer ${nameOf(producer)}, because producer ` +
          `${nameOf(this.#producer)} was never unregistered.`,
      );
    }
    if (this.#close.lost) {
      producer.stopProducing();
      return;
    }
    this.#producer = producer;
    this.#streaming = streaming;
    this.#producerPaused = false;
    if (!streaming) {
      this.#pullFlushed ??= (err) => {
        if (err == null) this.#maybePull();
      };
      producer.resumeProducing();
    }
  }

  /** Unregisters the producer; a close that was waiting for it goes ahead. */
  unregisterProducer(): void {
    this.#producer = null;
    this.#producerPaused = false;
    if (this.#close.closeRequest !== CLOSE_NONE && !this.#close.lost) scheduleClose(this);
  }

  // ----- IPushProducer (for reading)

  /** Stops reading from the peer until {@link StreamTransport.resumeProducing}. */
  pauseProducing(): void {
    this.#readPaused = true;
    if (!this.#close.lost) this.#socket.pause();
  }

  /** Reads from the peer again (only while connected and not disconnecting). */
  resumeProducing(): void {
    this.#readPaused = false;
    const close = this.#close;
    if (close.connected && !close.disconnecting && this.#held === null) this.#socket.resume();
  }

  /** Closes the connection, as `loseConnection()`. */
  stopProducing(): void {
    this.loseConnection();
  }

  /**
   * Closes now for reactor shutdown: the protocol gets
   * `connectionLost(ConnectionLost)` before this returns.
   *
   * @internal
   */
  closeAtShutdown(): void {
    closeAtShutdown(this);
  }

  // ----- for subclasses: error mapping and moving onto a new socket (STARTTLS)

  /** The `connectionLost` reason for a socket error: `ConnectionLost` with its code, on TCP. */
  protected lostReason(err: Error): Error {
    return connectionLostFrom(err);
  }

  /**
   * The error to end the connection with if the peer closes its side now, or
   * `null` when that is an ordinary close (TLS: one mid-handshake is not).
   */
  protected endReason(): Error | null {
    return null;
  }

  /**
   * Whether a full close, once our side is shut, reads (and drops) what the
   * peer still sends until its end of stream before closing the socket, as
   * TLS needs (see `closeWhenWritten` in `stream-close.ts`); TCP: `false`.
   */
  protected drainsBeforeClose(): boolean {
    return false;
  }

  /**
   * The peer closed its side and the protocol is not half-closeable: closes
   * at once with `ConnectionDone` (TCP). TLS answers with its own close first.
   */
  protected peerClosed(): void {
    closeWith(this, new Failure(new ConnectionDone()));
  }

  /**
   * Closes after sending what this turn wrote and shutting the write side
   * (TLS: close_notify), without waiting for a producer; `ConnectionDone`.
   */
  protected closeAfterWriteSide(): void {
    closeAfterWriteSide(this);
  }

  /**
   * Starts a switch to a new socket: hands this turn's writes to the current
   * socket now, holds later ones (in order) until
   * {@link StreamTransport.replaceSocket}, and stops reading, so what the
   * peer sends next stays in the current socket's buffer. A close requested
   * meanwhile waits for the switch.
   */
  protected holdWrites(): void {
    this.#held ??= [];
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
    this.#socket.pause();
  }

  /**
   * Moves the connection onto `next`, a socket layered over the current one
   * (which it now owns), then writes what {@link StreamTransport.holdWrites}
   * held to it.
   */
  protected replaceSocket(next: S): void {
    detachSocket(this.#socket);
    this.#socket = next;
    attachSocket(this, next);
    if (this.#readPaused || this.#close.disconnecting) next.pause();
    const held = this.#held ?? [];
    this.#held = null;
    for (const chunk of held) this.write(chunk);
    if (this.#close.closeRequest !== CLOSE_NONE) scheduleClose(this);
  }

  /** Calls `fn`, a callback of the protocol; an exception closes the connection, as in `dataReceived`. */
  protected callProtocol(method: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      callbackFailed(this, e, this.protocol, method);
    }
  }

  /** Closes at once, dropping unsent data, with `reason` for `connectionLost` (unless one is known). */
  protected closeWithError(reason: Error): void {
    closeWith(this, new Failure(reason));
  }

  // ----- internals

  #drained(): void {
    const producer = this.#producer;
    if (producer === null || !this.#streaming || !this.#producerPaused) return;
    this.#producerPaused = false;
    try {
      producer.resumeProducing();
    } catch (e) {
      callbackFailed(this, e, producer, 'resumeProducing');
    }
  }

  /** After a pull-paced write is sent: once nothing is left, ask for more on the next turn. */
  #maybePull(): void {
    if (this.#pullScheduled || this.#producer === null || this.#streaming) return;
    if (this.#socket.writableLength > 0) return; // a later write's callback comes
    this.#pullScheduled = true;
    setImmediate(StreamTransport.#pullTick, this);
  }
}
