/**
 * `StringTransport` and `StringTransportWithDisconnection`: transports that
 * only record what is done to them (Twisted's `twisted.internet.testing`).
 *
 * @module
 */
import { IPv4Address, type IAddress, type IPv6Address } from '../core/address.js';
import { ConnectionAborted, ConnectionDone, InvalidStateError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { concatBytes } from '../core/bytes.js';
import { toBytes } from './bytes.js';

/** Options of {@link StringTransport}. */
export interface StringTransportOptions {
  /**
   * Allow `pauseProducing()`/`resumeProducing()` after `loseConnection()`
   * (by default they throw, so code that expects them to matter on a closing
   * connection is caught). Default false.
   */
  readonly lenient?: boolean;
}

/** Where a {@link StringTransport} stands as a push producer (pausing it means "stop reading"). */
export type ProducerState = 'producing' | 'paused' | 'stopped';

const decoder = new TextDecoder();

/**
 * A transport that keeps every byte written to it in memory and records its
 * other state without acting on it: `loseConnection()` only sets
 * `disconnecting`, nobody's `connectionLost` is called, nothing is sent.
 * For tests; not for implementation code.
 *
 * Hand it to a protocol with `protocol.makeConnection(transport)`, feed the
 * protocol with `dataReceived`, and assert on {@link StringTransport.value}.
 * The fields and methods not in `ITCPTransport` (`value`, `clear`,
 * `producer`, `producerState`, ...) are for tests: real transports have none
 * of them.
 *
 * With no arguments it is an `ITCPTransport` whose host is
 * `IPv4Address('TCP', '10.0.0.1', 12345)` and whose peer is
 * `IPv4Address('TCP', '192.168.1.1', 54321)`. Given other addresses (a
 * `UNIXAddress`, say), it is typed by them.
 *
 * @typeParam A - the type of the host and peer addresses.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const transport = new StringTransport();
 * const proto = new Echo();
 * proto.makeConnection(transport);
 * proto.dataReceived(new TextEncoder().encode('hello'));
 * assert.equal(transport.valueString(), 'hello');
 * ```
 */
export class StringTransport<A extends IAddress = IPv4Address | IPv6Address> {
  /** Whether `loseConnection()` (or `abortConnection()`) has been called. */
  disconnecting = false;
  /** Whether `abortConnection()` has been called. */
  disconnected = false;
  /** Whether `loseWriteConnection()` has been called. */
  writeDisconnected = false;
  /** True until the connection is lost (only {@link StringTransportWithDisconnection} clears it). */
  connected = true;
  /** The registered producer, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the registered producer is a push (streaming) producer; `null` when none is registered. */
  streaming: boolean | null = null;
  /** This transport's state as a push producer: what `pauseProducing` & co. last asked for. */
  producerState: ProducerState = 'producing';
  /** Whether pausing and resuming after `loseConnection()` are allowed (see {@link StringTransportOptions}). */
  readonly lenient: boolean;
  /** The address {@link StringTransport.getHost} returns. */
  hostAddress: A;
  /** The address {@link StringTransport.getPeer} returns. */
  peerAddress: A;

  #chunks: Uint8Array[] = [];
  #noDelay = false;
  #keepAlive = false;

  /**
   * @param hostAddress - what `getHost()` returns; default `IPv4Address('TCP', '10.0.0.1', 12345)`.
   * @param peerAddress - what `getPeer()` returns; default `IPv4Address('TCP', '192.168.1.1', 54321)`.
   */
  constructor(hostAddress?: A, peerAddress?: A, options?: StringTransportOptions) {
    this.hostAddress = hostAddress ?? (new IPv4Address('TCP', '10.0.0.1', 12345) as IAddress as A);
    this.peerAddress =
      peerAddress ?? (new IPv4Address('TCP', '192.168.1.1', 54321) as IAddress as A);
    this.lenient = options?.lenient ?? false;
  }

  /** Every byte written since construction or the last {@link StringTransport.clear}. */
  value(): Uint8Array {
    if (this.#chunks.length === 0) return new Uint8Array(0);
    // Join once and keep the result, so repeated calls stay linear.
    const joined = concatBytes(this.#chunks);
    this.#chunks = [joined];
    return joined.slice();
  }

  /** {@link StringTransport.value} decoded as UTF-8 (invalid sequences become U+FFFD). */
  valueString(): string {
    return decoder.decode(this.value());
  }

  /** Forgets everything written so far. */
  clear(): void {
    this.#chunks = [];
  }

  /**
   * Records `data` (a string as UTF-8). Unlike a real transport it keeps
   * recording after `loseConnection()`, so a test can see a late write.
   *
   * @throws {TypeError} if `data` is neither a `Uint8Array` nor a string.
   */
  write(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'StringTransport.write');
    if (bytes.length > 0) this.#chunks.push(bytes);
  }

  /**
   * Records each element of `data` in order.
   *
   * @throws {TypeError} if an element is neither a `Uint8Array` nor a string
   *   (nothing of `data` is recorded then).
   */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    const chunks = Array.from(data, (chunk) => toBytes(chunk, 'StringTransport.writeSequence'));
    for (const chunk of chunks) if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** Sets `disconnecting`. Nothing else happens: no `connectionLost`, as in Twisted. */
  loseConnection(): void {
    this.disconnecting = true;
  }

  /** Sets `disconnected` (and `disconnecting`, through `loseConnection()`). */
  abortConnection(): void {
    this.disconnected = true;
    this.loseConnection();
  }

  /** Sets `writeDisconnected`. Writes are still recorded. */
  loseWriteConnection(): void {
    this.writeDisconnected = true;
  }

  /** The host address given to the constructor, or `IPv4Address('TCP', '10.0.0.1', 12345)`. */
  getHost(): A {
    return this.hostAddress;
  }

  /** The peer address given to the constructor, or `IPv4Address('TCP', '192.168.1.1', 54321)`. */
  getPeer(): A {
    return this.peerAddress;
  }

  /** The value last given to `setTcpNoDelay` (false at first). */
  getTcpNoDelay(): boolean {
    return this.#noDelay;
  }

  /** Records `enabled`. */
  setTcpNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
  }

  /** The value last given to `setTcpKeepAlive` (false at first). */
  getTcpKeepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Records `enabled`. */
  setTcpKeepAlive(enabled: boolean): void {
    this.#keepAlive = enabled;
  }

  /**
   * Records `producer` and `streaming`. Unlike a real transport it never
   * calls the producer (not even a pull producer's first `resumeProducing`).
   *
   * @throws {InvalidStateError} if a producer is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) throw new InvalidStateError('Cannot register two producers');
    this.producer = producer;
    this.streaming = streaming;
  }

  /**
   * Forgets the registered producer.
   *
   * @throws {InvalidStateError} if none is registered.
   */
  unregisterProducer(): void {
    if (this.producer === null) {
      throw new InvalidStateError('Cannot unregister a producer unless one is registered');
    }
    this.producer = null;
    this.streaming = null;
  }

  /**
   * Sets `producerState` to `'paused'`.
   *
   * @throws {InvalidStateError} after `loseConnection()` (unless lenient) or
   *   `stopProducing()`.
   */
  pauseProducing(): void {
    this.#checkState('pause');
    this.producerState = 'paused';
  }

  /**
   * Sets `producerState` to `'producing'`.
   *
   * @throws {InvalidStateError} after `loseConnection()` (unless lenient) or
   *   `stopProducing()`.
   */
  resumeProducing(): void {
    this.#checkState('resume');
    this.producerState = 'producing';
  }

  /** Sets `producerState` to `'stopped'`. */
  stopProducing(): void {
    this.producerState = 'stopped';
  }

  #checkState(action: 'pause' | 'resume'): void {
    if (this.disconnecting && !this.lenient) {
      throw new InvalidStateError(`Cannot ${action} producing after loseConnection`);
    }
    if (this.producerState === 'stopped') {
      throw new InvalidStateError(`Cannot ${action} a stopped producer`);
    }
  }
}

/**
 * A {@link StringTransport} that tells its protocol when it is closed:
 * the first `loseConnection()` calls `protocol.connectionLost` with
 * `ConnectionDone("Bye.")`, synchronously; `abortConnection()` does so with
 * `ConnectionAborted`. Set {@link StringTransportWithDisconnection.protocol}
 * first. For tests; not for implementation code.
 *
 * Twisted reports `ConnectionDone` for an abort too (an accident of
 * inheritance there); weft reports what a real transport would.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * const transport = new StringTransportWithDisconnection();
 * const proto = new AccumulatingProtocol();
 * transport.protocol = proto;
 * proto.makeConnection(transport);
 * transport.loseConnection();
 * assert.isTrue(proto.closed);
 * ```
 */
export class StringTransportWithDisconnection<
  A extends IAddress = IPv4Address | IPv6Address,
> extends StringTransport<A> {
  /** The protocol told about the disconnection. */
  protocol: IProtocol | null = null;

  /**
   * Sets `disconnecting` and, the first time, clears `connected` and calls
   * the protocol's `connectionLost(ConnectionDone)`.
   *
   * @throws {InvalidStateError} if no protocol was set.
   */
  override loseConnection(): void {
    this.#disconnect(() => new ConnectionDone('Bye.'));
  }

  /** As `loseConnection()`, with `ConnectionAborted` as the reason; also sets `disconnected`. */
  override abortConnection(): void {
    this.disconnected = true;
    this.#disconnect(() => new ConnectionAborted());
  }

  #disconnect(reason: () => Error): void {
    this.disconnecting = true;
    if (!this.connected) return;
    const protocol = this.protocol;
    if (protocol === null) {
      throw new InvalidStateError('StringTransportWithDisconnection.protocol is not set');
    }
    this.connected = false;
    protocol.connectionLost(new Failure(reason()));
  }
}
