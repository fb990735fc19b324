/**
 * A connection's incoming bytes as an async iterable, with backpressure:
 * `for await (const chunk of protocol)` pauses the transport while the loop
 * is slow, and ends when the connection does.
 *
 * @module
 */
import type { IAddress } from '../../src/core/address.js';
import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { ITransport } from '../../src/core/interfaces/transport.js';
import { Logger } from '../../src/core/logger.js';
import { Factory, Protocol } from '../../src/core/protocol.js';

const log = new Logger('weft.adapters.promise');

/** Options of {@link IterableProtocol}. */
export interface IterableProtocolOptions {
  /**
   * Bytes buffered (received but not yet taken by the loop) at which the
   * transport is paused. Default 65,536. The buffer can exceed it by at most
   * one chunk: the one that crossed it.
   */
  readonly highWaterMark?: number;
  /** Buffered bytes at or below which a paused transport is resumed. Default `highWaterMark / 4`. */
  readonly lowWaterMark?: number;
  /**
   * Whether leaving the loop early (`break`, `return`, a throw inside the
   * loop) closes the connection. Default true: nobody would read what comes
   * next. With false the transport stays open and resumed.
   */
  readonly closeOnReturn?: boolean;
  /**
   * Half-close: when the peer finishes sending, the loop ends but the
   * connection stays open for writing until `loseConnection()`. Default
   * false (the peer's end closes the connection, as for any protocol).
   */
  readonly halfClose?: boolean;
}

interface Waiter {
  resolve(result: IteratorResult<Uint8Array>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<Uint8Array> = { value: undefined, done: true };

/**
 * A protocol whose received data is read with `for await`.
 *
 * The loop gets each chunk as the transport delivered it. While more than
 * `highWaterMark` bytes wait unread, the transport is paused
 * (`pauseProducing`), and resumed once the loop has brought them down to
 * `lowWaterMark` — so a slow consumer slows the peer instead of growing
 * memory. The loop ends normally when the connection closes cleanly
 * (`ConnectionDone`) and throws the reason (`ConnectionLost`, ...) when it
 * does not; chunks that arrived before either are delivered first.
 *
 * One loop per connection: the protocol is its own iterator. Write with
 * `protocol.transport` as usual.
 *
 * @example
 * ```ts
 * import { reactor } from 'weft';
 * import { IterableProtocol, asyncHandlerFactory } from 'weft/adapters/promise';
 *
 * // An echo server written as a loop.
 * const factory = asyncHandlerFactory(async (conn: IterableProtocol) => {
 *   for await (const chunk of conn) conn.transport.write(chunk);
 * });
 * await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
 * ```
 */
export class IterableProtocol<T extends ITransport = ITransport>
  extends Protocol<T>
  implements AsyncIterableIterator<Uint8Array>
{
  /** See {@link IterableProtocolOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** See {@link IterableProtocolOptions.lowWaterMark}. */
  readonly lowWaterMark: number;
  readonly #closeOnReturn: boolean;
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;
  #paused = false;
  #waiter: Waiter | null = null;
  /** Whether input is still flowing, ended by the peer (half-close), or the connection is gone. */
  #input: 'flowing' | 'eof' | 'lost' = 'flowing';
  /** Why the connection was lost, once it was. */
  #reason: Failure | null = null;
  #returned = false;
  /**
   * Present only with `halfClose` (with {@link IterableProtocol.writeConnectionLost}:
   * transports treat a protocol as half-closeable only when it has both).
   */
  readonly readConnectionLost?: () => void;
  /** Present only with `halfClose`: our write side was closed; nothing to do. */
  readonly writeConnectionLost?: () => void;

  constructor(options: IterableProtocolOptions = {}) {
    super();
    this.highWaterMark = options.highWaterMark ?? 65_536;
    this.lowWaterMark = options.lowWaterMark ?? Math.floor(this.highWaterMark / 4);
    this.#closeOnReturn = options.closeOnReturn ?? true;
    if (options.halfClose === true) {
      this.readConnectionLost = (): void => {
        this.#end(null);
      };
      this.writeConnectionLost = (): void => undefined;
    }
  }

  /** Bytes received and not yet taken by the loop. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Buffers `data` for the loop; pauses the transport past the high-water mark. */
  override dataReceived(data: Uint8Array): void {
    if (this.#returned) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve({ value: data, done: false });
      return;
    }
    this.#chunks.push(data);
    this.#buffered += data.length;
    if (!this.#paused && this.#buffered > this.highWaterMark) {
      this.#paused = true;
      this.transport.pauseProducing();
    }
  }

  /** Ends the loop: normally for `ConnectionDone`, by throwing the reason otherwise. */
  override connectionLost(reason: Failure): void {
    this.#end(reason);
  }

  /** The next chunk, waiting for one if none is buffered. */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#head < this.#chunks.length) {
      const value = this.#chunks[this.#head] as Uint8Array;
      this.#chunks[this.#head] = EMPTY;
      this.#head += 1;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      }
      this.#buffered -= value.length;
      if (this.#paused && this.#buffered <= this.lowWaterMark && this.#input === 'flowing') {
        this.#paused = false;
        this.transport.resumeProducing();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#returned) return Promise.resolve(DONE);
    if (this.#input !== 'flowing') return this.#finish();
    if (this.#waiter !== null) {
      return Promise.reject(new TypeError('IterableProtocol: one next() at a time (one loop)'));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * Leaves the loop (called by `break`, `return` or a throw inside
   * `for await`): drops what is buffered and, unless `closeOnReturn` is
   * false, closes the connection.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#returned) {
      this.#returned = true;
      this.#chunks.length = 0;
      this.#head = 0;
      this.#buffered = 0;
      // `transport` is unset only if the loop ends before the connection was made.
      if (this.#input !== 'lost' && (this.transport as T | undefined) !== undefined) {
        if (this.#paused) {
          this.#paused = false;
          this.transport.resumeProducing();
        }
        if (this.#closeOnReturn) this.transport.loseConnection();
      }
    }
    return Promise.resolve(DONE);
  }

  /** The protocol is its own iterator: one loop per connection. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(reason: Failure | null): void {
    this.#input = reason === null ? 'eof' : 'lost';
    this.#reason = reason;
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    this.#finish().then(
      (result) => {
        waiter.resolve(result);
      },
      (e: unknown) => {
        waiter.reject(e);
      },
    );
  }

  #finish(): Promise<IteratorResult<Uint8Array>> {
    const reason = this.#reason;
    if (reason === null) return Promise.resolve(DONE); // half-closed: the peer finished sending
    if (reason.check(ConnectionDone) !== null) return Promise.resolve(DONE);
    return Promise.reject(reason.value);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A factory that runs `handler` once per connection with an
 * {@link IterableProtocol}, from `connectionMade` on: a server written as an
 * async function. When the handler settles, the connection is closed (if it
 * is still open); a handler that throws aborts it and the error is logged.
 *
 * @example
 * ```ts
 * import { asyncHandlerFactory } from 'weft/adapters/promise';
 *
 * const upper = asyncHandlerFactory(async (conn) => {
 *   for await (const chunk of conn) {
 *     conn.transport.write(new TextDecoder().decode(chunk).toUpperCase());
 *   }
 * });
 * ```
 */
export function asyncHandlerFactory(
  handler: (conn: IterableProtocol) => Promise<void> | void,
  options: IterableProtocolOptions = {},
): Factory<IterableProtocol> {
  class HandlerFactory extends Factory<IterableProtocol> {
    override buildProtocol(_addr: IAddress): IterableProtocol {
      const run = (conn: IterableProtocol): void => {
        this.#run(conn);
      };
      const protocol = new (class extends IterableProtocol {
        override connectionMade(): void {
          run(this);
        }
      })(options);
      protocol.factory = this;
      return protocol;
    }

    #run(conn: IterableProtocol): void {
      const close = (): void => {
        if (!conn.transport.disconnecting) conn.transport.loseConnection();
      };
      let result: Promise<void> | void;
      try {
        result = handler(conn);
      } catch (e) {
        this.#failed(conn, e);
        return;
      }
      Promise.resolve(result).then(close, (e: unknown) => {
        this.#failed(conn, e);
      });
    }

    #failed(conn: IterableProtocol, e: unknown): void {
      log.failure('Unhandled error in asyncHandlerFactory handler', e);
      const transport = conn.transport as ITransport & { abortConnection?: () => void };
      if (typeof transport.abortConnection === 'function') transport.abortConnection();
      else transport.loseConnection();
    }
  }
  return new HandlerFactory();
}
