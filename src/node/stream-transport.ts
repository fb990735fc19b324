/**
 * `StreamTransport`: the transport over one connected `net.Socket` (TCP or a
 * UNIX stream socket), with Twisted's ordering, close and flow-control rules
 * on top of Node's stream machinery.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
} from '../core/errors.js';
import type { IAddress } from '../core/address.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { isHalfCloseableProtocol } from '../core/interfaces/protocol.js';
import type { IStreamTransport } from '../core/interfaces/transport.js';
import { Logger } from '../core/logger.js';
import { connectionLostFrom } from './errors.js';
import { DEFAULT_BUFFER_SIZE } from './socket-context.js';
import type { Selectable, SocketContext } from './socket-context.js';

export { DEFAULT_BUFFER_SIZE };
export type { Selectable, SocketBufferOptions, SocketContext } from './socket-context.js';

const log = new Logger('weft.transport');

/** Where the transport owning a socket is kept, so one set of listeners serves every socket. */
const kTransport: unique symbol = Symbol('weft.transport');
type OwnedSocket = Duplex & { [kTransport]: StreamTransport<Duplex> };

/** What a close request asks for, in increasing order. */
const CLOSE_NONE = 0;
const CLOSE_WRITE = 1;
const CLOSE_FULL = 2;
type CloseRequest = typeof CLOSE_NONE | typeof CLOSE_WRITE | typeof CLOSE_FULL;

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
 */
export abstract class StreamTransport<S extends Duplex = Socket>
  implements IStreamTransport, Selectable
{
  /** The protocol this transport delivers to. */
  readonly protocol: IProtocol;
  #socket: S;
  readonly #context: SocketContext;
  readonly #onLost: ((reason: Failure) => void) | undefined;
  /** Why the connection ended, once known: the first cause wins. */
  #reason: Failure | null = null;
  #producer: IPushProducer | IPullProducer | null = null;
  #streaming = false;
  #producerPaused = false;
  #pullScheduled = false;
  #pullFlushed: ((err?: Error | null) => void) | undefined = undefined;
  #connected = false;
  #lost = false;
  #disconnecting = false;
  #aborting = false;
  /** Set once `socket.end()` was called or the socket is gone: later writes are dropped. */
  #writeClosed = false;
  #closeRequest: CloseRequest = CLOSE_NONE;
  #closeScheduled = false;
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

  // ----- socket events: one listener set for all sockets, finding the transport via kTransport

  static #onData(this: Duplex, chunk: Buffer): void {
    const t = (this as OwnedSocket)[kTransport];
    try {
      t.protocol.dataReceived(chunk);
    } catch (e) {
      t.#callbackFailed(e, t.protocol, 'dataReceived');
    }
  }

  static #onEnd(this: Duplex): void {
    (this as OwnedSocket)[kTransport].#readEnded();
  }

  static #onFinish(this: Duplex): void {
    (this as OwnedSocket)[kTransport].#writeFinished();
  }

  static #onDrain(this: Duplex): void {
    (this as OwnedSocket)[kTransport].#drained();
  }

  static #onError(this: Duplex, err: Error): void {
    const t = (this as OwnedSocket)[kTransport];
    // Node destroys the socket after an error; 'close' follows and reports this reason.
    if (t.#reason === null) t.#reason = new Failure(t.lostReason(err));
  }

  static #onClose(this: Duplex): void {
    const t = (this as OwnedSocket)[kTransport];
    t.#connectionLost(t.#reason ?? new Failure(new ConnectionDone()));
  }

  static #uncorkTick(this: void, t: StreamTransport<Duplex>): void {
    t.#corked = false;
    t.#socket.uncork(); // harmless once ended or destroyed
  }

  static #closeTick(this: void, t: StreamTransport<Duplex>): void {
    t.#closeScheduled = false;
    t.#applyCloseRequest();
  }

  static #pullTick(this: void, t: StreamTransport<Duplex>): void {
    t.#pullScheduled = false;
    const producer = t.#producer;
    if (producer === null || t.#streaming || t.#lost || t.#socket.writableLength > 0) return;
    try {
      producer.resumeProducing();
    } catch (e) {
      t.#callbackFailed(e, producer, 'resumeProducing');
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
    this.#attach(this.#socket);
    this.#context.selectables.add(this);
    this.#connected = true;
    try {
      this.protocol.makeConnection(this);
    } catch (e) {
      this.#callbackFailed(e, this.protocol, 'connectionMade');
    }
  }

  #attach(socket: Duplex): void {
    (socket as OwnedSocket)[kTransport] = this;
    // Listeners stay attached for the socket's whole life, so no late 'error' goes unhandled.
    socket.on('error', StreamTransport.#onError);
    socket.on('close', StreamTransport.#onClose);
    socket.on('end', StreamTransport.#onEnd);
    socket.on('finish', StreamTransport.#onFinish);
    socket.on('drain', StreamTransport.#onDrain);
    socket.on('data', StreamTransport.#onData);
  }

  /** The socket underneath (Twisted's `getHandle()`): for options weft does not cover. */
  getHandle(): S {
    return this.#socket;
  }

  /** Whether the connection is up: from `makeConnection` until `connectionLost`. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Whether `loseConnection()` or `abortConnection()` was called, or the connection is gone. */
  get disconnecting(): boolean {
    return this.#disconnecting;
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
        this.#callbackFailed(e, producer, 'pauseProducing');
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
    if (this.#disconnecting) return;
    this.#disconnecting = true;
    this.#socket.pause();
    this.#closeRequest = CLOSE_FULL;
    this.#scheduleClose();
  }

  /**
   * Closes the write side (TCP FIN) once everything written has been sent
   * (and a registered producer has unregistered), keeping the read side
   * open. A half-closeable protocol then gets `writeConnectionLost()`. Once
   * the peer has closed its side too, the connection closes and the
   * protocol gets `connectionLost(ConnectionDone)`.
   */
  loseWriteConnection(): void {
    if (this.#disconnecting || this.#closeRequest !== CLOSE_NONE) return;
    this.#closeRequest = CLOSE_WRITE;
    this.#scheduleClose();
  }

  /**
   * Closes at once, discarding unsent data (TCP: the peer gets a reset and
   * sees `ConnectionLost`). The protocol gets
   * `connectionLost(ConnectionAborted)` on a later turn. Idempotent; does
   * nothing once the connection is gone.
   */
  abortConnection(): void {
    if (this.#lost || this.#aborting) return;
    this.#aborting = true;
    this.#disconnecting = true;
    this.#writeClosed = true;
    const socket = this.#socket;
    if (socket.destroyed) return; // already closing, with its own reason
    this.#reason = new Failure(new ConnectionAborted());
    socket.pause();
    this.resetSocket(socket);
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
    if (this.#lost) {
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
    if (this.#closeRequest !== CLOSE_NONE && !this.#lost) this.#scheduleClose();
  }

  // ----- IPushProducer (for reading)

  /** Stops reading from the peer until {@link StreamTransport.resumeProducing}. */
  pauseProducing(): void {
    this.#readPaused = true;
    if (!this.#lost) this.#socket.pause();
  }

  /** Reads from the peer again (only while connected and not disconnecting). */
  resumeProducing(): void {
    this.#readPaused = false;
    if (this.#connected && !this.#disconnecting && this.#held === null) this.#socket.resume();
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
    this.#disconnecting = true;
    this.#writeClosed = true;
    this.#socket.pause();
    this.#socket.destroy();
    this.#connectionLost(new Failure(new ConnectionLost()));
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
   * The peer closed its side and the protocol is not half-closeable: closes
   * at once with `ConnectionDone` (TCP). TLS answers with its own close first.
   */
  protected peerClosed(): void {
    this.#closeWith(new Failure(new ConnectionDone()));
  }

  /**
   * Closes after sending what this turn wrote and shutting the write side
   * (TLS: close_notify), without waiting for a producer; `ConnectionDone`.
   */
  protected closeAfterWriteSide(): void {
    const socket = this.#socket;
    if (this.#lost || socket.destroyed) return;
    this.#disconnecting = true;
    this.#writeClosed = true;
    this.#closeRequest = CLOSE_FULL;
    socket.pause();
    // 'finish' then destroys (CLOSE_FULL); a write side already shut is not shut again.
    if (socket.writableFinished) socket.destroy();
    else socket.end();
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
    const old = this.#socket;
    old.removeListener('error', StreamTransport.#onError);
    old.removeListener('close', StreamTransport.#onClose);
    old.removeListener('end', StreamTransport.#onEnd);
    old.removeListener('finish', StreamTransport.#onFinish);
    old.removeListener('drain', StreamTransport.#onDrain);
    old.removeListener('data', StreamTransport.#onData);
    this.#socket = next;
    this.#attach(next);
    if (this.#readPaused || this.#disconnecting) next.pause();
    const held = this.#held ?? [];
    this.#held = null;
    for (const chunk of held) this.write(chunk);
    if (this.#closeRequest !== CLOSE_NONE) this.#scheduleClose();
  }

  /** Calls `fn`, a callback of the protocol; an exception closes the connection, as in `dataReceived`. */
  protected callProtocol(method: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#callbackFailed(e, this.protocol, method);
    }
  }

  /** Closes at once, dropping unsent data, with `reason` for `connectionLost` (unless one is known). */
  protected closeWithError(reason: Error): void {
    this.#closeWith(new Failure(reason));
  }

  // ----- internals

  #scheduleClose(): void {
    // Deferred to the end of this turn, so writes made right after loseConnection() still go out.
    if (this.#producer !== null || this.#held !== null || this.#closeScheduled) return;
    this.#closeScheduled = true;
    process.nextTick(StreamTransport.#closeTick, this);
  }

  #applyCloseRequest(): void {
    const socket = this.#socket;
    if (this.#lost || this.#producer !== null || this.#held !== null || socket.destroyed) return;
    this.#writeClosed = true;
    if (this.#closeRequest === CLOSE_FULL && socket.writableFinished) {
      socket.destroy(); // the write side was already shut by loseWriteConnection
    } else if (!socket.writableEnded) {
      socket.end(); // FIN after the buffer; 'finish' then destroys (full) or reports (half)
    }
  }

  #writeFinished(): void {
    // 'finish' always comes before 'close', so the connection is not lost yet.
    if (this.#closeRequest === CLOSE_FULL) {
      this.#socket.destroy();
      return;
    }
    const protocol = this.protocol;
    if (isHalfCloseableProtocol(protocol)) {
      try {
        protocol.writeConnectionLost();
      } catch (e) {
        this.#callbackFailed(e, protocol, 'writeConnectionLost');
      }
    }
  }

  #readEnded(): void {
    if (this.#disconnecting) return;
    const early = this.endReason();
    if (early !== null) {
      this.#closeWith(new Failure(early));
      return;
    }
    const protocol = this.protocol;
    if (isHalfCloseableProtocol(protocol)) {
      try {
        protocol.readConnectionLost();
      } catch (e) {
        this.#callbackFailed(e, protocol, 'readConnectionLost');
      }
    } else {
      this.peerClosed();
    }
  }

  #drained(): void {
    const producer = this.#producer;
    if (producer === null || !this.#streaming || !this.#producerPaused) return;
    this.#producerPaused = false;
    try {
      producer.resumeProducing();
    } catch (e) {
      this.#callbackFailed(e, producer, 'resumeProducing');
    }
  }

  /** After a pull-paced write is sent: once nothing is left, ask for more on the next turn. */
  #maybePull(): void {
    if (this.#pullScheduled || this.#producer === null || this.#streaming) return;
    if (this.#socket.writableLength > 0) return; // a later write's callback comes
    this.#pullScheduled = true;
    setImmediate(StreamTransport.#pullTick, this);
  }

  #callbackFailed(e: unknown, source: object, method: string): void {
    log.failure('Unhandled error in {source}.{method}; closing the connection', e, {
      source: nameOf(source),
      method,
    });
    this.#closeWith(Failure.from(e));
  }

  /** Closes at once, dropping unsent data; `reason` goes to `connectionLost` unless one is known. */
  #closeWith(reason: Failure): void {
    const socket = this.#socket;
    if (this.#lost || socket.destroyed) return;
    this.#reason = reason;
    this.#disconnecting = true;
    this.#writeClosed = true;
    socket.pause();
    socket.destroy();
  }

  #connectionLost(reason: Failure): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#connected = false;
    this.#disconnecting = true;
    this.#writeClosed = true;
    this.#context.selectables.delete(this);
    const producer = this.#producer;
    if (producer !== null) {
      this.#producer = null;
      try {
        producer.stopProducing();
      } catch (e) {
        log.failure('Unhandled error in {source}.stopProducing', e, { source: nameOf(producer) });
      }
    }
    try {
      this.protocol.connectionLost(reason);
    } catch (e) {
      log.failure('Unhandled error in {source}.connectionLost', e, {
        source: nameOf(this.protocol),
      });
    }
    this.#onLost?.(reason);
  }
}
