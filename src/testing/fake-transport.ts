/**
 * One end of an in-memory connection: the transport a protocol sees when an
 * `IOPump` connects it (Twisted's `twisted.test.iosim.FakeTransport`).
 *
 * @module
 */
import { IPv4Address, type IAddress, type IPv6Address } from '../core/address.js';
import { InvalidStateError } from '../core/errors.js';
import type { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { toBytes } from './bytes.js';
import { FakeTransportState } from './fake-transport-state.js';

/**
 * The address of the accepting side when none is given: `IPv4Address('TCP', '10.0.0.1', 12345)`.
 *
 * @internal
 */
export const SERVER_ADDRESS: IPv4Address = new IPv4Address('TCP', '10.0.0.1', 12345);
/**
 * The address of the connecting side when none is given: `IPv4Address('TCP', '192.168.1.1', 54321)`.
 *
 * @internal
 */
export const CLIENT_ADDRESS: IPv4Address = new IPv4Address('TCP', '192.168.1.1', 54321);

/** The default write-buffer high-water mark, in bytes: Twisted's `FileDescriptor.bufferSize`. */
const DEFAULT_BUFFER_SIZE = 65536;

let nextSerial = 0;

/** Options of {@link FakeTransport}. */
export interface FakeTransportOptions {
  /**
   * Write-buffer high-water mark in bytes: a registered push producer is
   * paused when more than this is waiting to be pumped, and resumed once
   * the pump has drained it all. Default 65536.
   */
  readonly bufferSize?: number;
  /** Called after the protocol's `connectionLost`, with the same reason. */
  readonly onConnectionLost?: (reason: Failure) => void;
}

/**
 * One end of an in-memory TCP connection. Writes are queued in
 * {@link FakeTransport.stream} until an {@link IOPump} moves them to the other
 * end; every other rule of a real transport is kept, so what passes here
 * passes over a socket. For tests; not for implementation code.
 *
 * - `connectionMade` comes once, through `makeConnection` (made by
 *   {@link connect}); `dataReceived` only after it and never after
 *   `connectionLost`, which comes exactly once.
 * - `loseConnection()` stops reading at once (bytes still in flight to this
 *   end are dropped), sends everything already written, waits for a
 *   registered producer to unregister, then closes: the peer is told on one
 *   pump (`connectionLost(ConnectionDone)`, or `readConnectionLost()` if it
 *   is an `IHalfCloseableProtocol`), this end on the next. Writes after
 *   `loseConnection()` are ignored, except while a registered producer is
 *   still finishing.
 * - `abortConnection()` drops what is queued; the peer gets
 *   `connectionLost(ConnectionLost)` on the next pump and this end
 *   `connectionLost(ConnectionAborted)` on the one after.
 * - `loseWriteConnection()` sends what is queued, then half-closes: this
 *   protocol's `writeConnectionLost()` (if it is half-closeable) and the
 *   peer's `readConnectionLost()` (or `connectionLost` if it is not). Later
 *   writes are ignored, except while a registered producer is still finishing.
 * - As a consumer: a pull producer is asked for data at registration and on
 *   each pump that finds the buffer empty; a push producer is paused when
 *   more than `bufferSize` bytes wait, and resumed once a pump drains them.
 *   On connection loss the producer gets `stopProducing()`.
 * - As a producer: `pauseProducing()` stops reading, so the peer's bytes
 *   (and its close) wait in the peer's queue until `resumeProducing()`.
 * - An exception thrown by this end's protocol (or producer) when the pump
 *   calls it is logged, and this end closes at once with the exception as
 *   the `connectionLost` reason; the peer sees a clean close.
 *
 * TLS (`startTLS`) is not simulated.
 *
 * @typeParam A - the type of the host and peer addresses.
 */
export class FakeTransport<A extends IAddress = IPv4Address | IPv6Address> {
  /** The protocol this end delivers to. */
  readonly protocol: IProtocol;
  /** Whether this is the accepting end. */
  readonly isServer: boolean;
  /** A number unique to this transport, for telling transports apart in logs. */
  readonly serial: number = nextSerial++;
  /** The address {@link FakeTransport.getHost} returns. */
  hostAddress: A;
  /** The address {@link FakeTransport.getPeer} returns. */
  peerAddress: A;
  /** The write-buffer high-water mark, in bytes (see {@link FakeTransportOptions}). */
  readonly bufferSize: number;
  /** The registered producer, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the registered producer is a push (streaming) producer. */
  streamingProducer = false;
  /** Whether this transport has paused its push producer because its buffer is over `bufferSize`. */
  producerPaused = false;

  // The queue and the close/half-close state machine, shared with the pump (see
  // fake-transport-state.ts).
  readonly #state: FakeTransportState;
  #noDelay = false;
  #keepAlive = false;

  /**
   * @param protocol - where the bytes pumped to this end go.
   * @param isServer - whether this is the accepting end; it decides the
   *   default addresses.
   * @param hostAddress - what `getHost()` returns; default
   *   `IPv4Address('TCP', '10.0.0.1', 12345)` for a server end,
   *   `IPv4Address('TCP', '192.168.1.1', 54321)` for a client end.
   * @param peerAddress - what `getPeer()` returns; default the other one.
   */
  constructor(
    protocol: IProtocol,
    isServer: boolean,
    hostAddress?: A,
    peerAddress?: A,
    options?: FakeTransportOptions,
  ) {
    this.protocol = protocol;
    this.isServer = isServer;
    const [host, peer] = isServer
      ? [SERVER_ADDRESS, CLIENT_ADDRESS]
      : [CLIENT_ADDRESS, SERVER_ADDRESS];
    this.hostAddress = hostAddress ?? (host as IAddress as A);
    this.peerAddress = peerAddress ?? (peer as IAddress as A);
    this.bufferSize = options?.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.#state = new FakeTransportState(this, options?.onConnectionLost);
  }

  /** The bytes written and not yet pumped, one array per write. */
  get stream(): readonly Uint8Array[] {
    return this.#state.stream;
  }

  /** Whether `loseConnection()` or `abortConnection()` was called, or the connection is gone. */
  get disconnecting(): boolean {
    return this.#state.closeRequested || this.#state.disconnected;
  }

  /** Whether the protocol has had `connectionLost`. */
  get disconnected(): boolean {
    return this.#state.disconnected;
  }

  /** Whether this end has paused reading (see {@link FakeTransport.pauseProducing}). */
  get readingPaused(): boolean {
    return this.#state.readPaused;
  }

  /**
   * Queues `data` (a string as UTF-8) for the next pump; ignored once closing
   * (see the class notes). May pause a registered push producer.
   *
   * @throws {TypeError} if `data` is neither a `Uint8Array` nor a string.
   */
  write(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'FakeTransport.write');
    const state = this.#state;
    if (bytes.length === 0 || !state.acceptsWrites()) return;
    state.stream.push(bytes);
    state.streamLength += bytes.length;
    if (
      this.producer !== null &&
      this.streamingProducer &&
      !this.producerPaused &&
      state.streamLength > this.bufferSize
    ) {
      this.producerPaused = true;
      (this.producer as IPushProducer).pauseProducing();
    }
  }

  /**
   * Writes each element of `data` in order.
   *
   * @throws {TypeError} if an element is neither a `Uint8Array` nor a string
   *   (nothing of `data` is written then).
   */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    const chunks = Array.from(data, (chunk) => toBytes(chunk, 'FakeTransport.writeSequence'));
    for (const chunk of chunks) this.write(chunk);
  }

  /**
   * Closes once everything written has been pumped and any producer has
   * unregistered. Idempotent. After `loseWriteConnection()` has completed,
   * the protocol gets `connectionLost(ConnectionDone)` at once, as on TCP.
   */
  loseConnection(): void {
    const state = this.#state;
    if (state.closeRequested || state.disconnected) return;
    state.closeRequested = true;
    if (state.writeDisconnected) {
      // The peer already had our FIN: nothing more to tell it.
      state.finSent = true;
      state.connectionLost(state.ownReason());
    }
  }

  /** Drops what is queued and resets the connection (see the class notes). Idempotent. */
  abortConnection(): void {
    const state = this.#state;
    if (state.disconnected || state.aborted || state.finSent) return;
    state.aborted = true;
    state.closeRequested = true;
    state.clearStream();
  }

  /** Half-closes once everything written has been pumped (see the class notes). */
  loseWriteConnection(): void {
    const state = this.#state;
    if (state.closeRequested || state.disconnected) return;
    state.writeShutRequested = true;
  }

  /** The host address given to the constructor (or the default for this end). */
  getHost(): A {
    return this.hostAddress;
  }

  /** The peer address given to the constructor (or the default for this end). */
  getPeer(): A {
    return this.peerAddress;
  }

  /** The value last given to `setTcpNoDelay` (false at first). */
  getTcpNoDelay(): boolean {
    return this.#noDelay;
  }

  /** Records `enabled`; it changes nothing in memory. */
  setTcpNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
  }

  /** The value last given to `setTcpKeepAlive` (false at first). */
  getTcpKeepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Records `enabled`; it changes nothing in memory. */
  setTcpKeepAlive(enabled: boolean): void {
    this.#keepAlive = enabled;
  }

  /**
   * Registers `producer`; a pull producer is asked for data at once. On a
   * closed transport the producer is stopped instead.
   *
   * @throws {InvalidStateError} if a producer is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) {
      throw new InvalidStateError(
        'Cannot register a producer: another one was registered and never unregistered',
      );
    }
    if (this.#state.disconnected) {
      producer.stopProducing();
      return;
    }
    this.producer = producer;
    this.streamingProducer = streaming;
    this.producerPaused = false;
    if (!streaming) producer.resumeProducing();
  }

  /** Unregisters the producer, if any; a close waiting for it may then proceed. */
  unregisterProducer(): void {
    this.producer = null;
    this.streamingProducer = false;
    this.producerPaused = false;
  }

  /** Stops reading: pumps leave the peer's bytes queued until `resumeProducing()`. */
  pauseProducing(): void {
    this.#state.readPaused = true;
  }

  /** Reads again after `pauseProducing()`. */
  resumeProducing(): void {
    this.#state.readPaused = false;
  }

  /** Closes the connection (`loseConnection()`). */
  stopProducing(): void {
    this.loseConnection();
  }

  /** `FakeTransport<S|C,serial,ProtocolClass>`, as in Twisted. */
  toString(): string {
    return `FakeTransport<${this.isServer ? 'S' : 'C'},${String(this.serial)},${this.protocol.constructor.name}>`;
  }

  /**
   * Links this end and `peer` as the two ends of one connection: what the
   * `IOPump` constructor does.
   *
   * @throws {InvalidStateError} if either end is already linked.
   * @internal
   */
  linkPeer(peer: FakeTransport<IAddress>): void {
    if (this.#state.peer !== null || peer.#state.peer !== null) {
      throw new InvalidStateError('A FakeTransport can be pumped to only one peer');
    }
    this.#state.peer = peer.#state;
    peer.#state.peer = this.#state;
  }

  /**
   * Calls `protocol.makeConnection(this)`; if it throws, this end closes
   * with the exception, as for any other protocol callback. What `connect`
   * does for each end.
   *
   * @internal
   */
  startProtocol(protocol: IProtocol): void {
    this.#state.guard('makeConnection', () => {
      protocol.makeConnection(this);
    });
  }

  /**
   * One pump round between two linked ends: bytes both ways (the client's
   * first) and producers' turns; if no bytes moved, the first pending close
   * event. Returns whether anything happened. What `IOPump.pump` does after
   * advancing its clock.
   *
   * @internal
   */
  static pumpPair(server: FakeTransport<IAddress>, client: FakeTransport<IAddress>): boolean {
    return FakeTransportState.pumpOnce(server.#state, client.#state);
  }
}
