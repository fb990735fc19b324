/**
 * A connection's incoming bytes as an async iterable, with backpressure:
 * `for await (const chunk of protocol)` pauses the transport while the loop
 * is slow, and ends when the connection does.
 *
 * @module
 */
import type { IAddress } from '../../src/core/address.js';
import type { Failure } from '../../src/core/failure.js';
import type { ITransport } from '../../src/core/interfaces/transport.js';
import { Logger } from '../../src/core/logger.js';
import { Factory, Protocol } from '../../src/core/protocol.js';
import { DONE, LoopFlow } from './loop-flow.js';

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
  readonly #flow: LoopFlow;
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;
  /**
   * Present only with `halfClose` (with {@link IterableProtocol.writeConnectionLost}:
   * transports treat a protocol as half-closeable only when it has both).
   */
  readonly readConnectionLost?: () => void;
  /** Present only with `halfClose`: our write side was closed; nothing to do. */
  readonly writeConnectionLost?: () => void;

  constructor(options: IterableProtocolOptions = {}) {
    super();
    this.#flow = new LoopFlow(this, 'IterableProtocol', options, false);
    this.highWaterMark = this.#flow.highWaterMark;
    this.lowWaterMark = this.#flow.lowWaterMark;
    if (options.halfClose === true) {
      this.readConnectionLost = (): void => {
        this.#flow.end(null);
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
    const flow = this.#flow;
    if (flow.returned) return;
    const waiter = flow.waiter;
    if (waiter !== null) {
      flow.waiter = null;
      waiter.resolve({ value: data, done: false });
      return;
    }
    this.#chunks.push(data);
    this.#buffered += data.length;
    flow.pauseAbove(this.#buffered);
  }

  /** Ends the loop: normally for `ConnectionDone`, by throwing the reason otherwise. */
  override connectionLost(reason: Failure): void {
    this.#flow.end(reason);
  }

  /** The next chunk, waiting for one if none is buffered. */
  next(): Promise<IteratorResult<Uint8Array>> {
    const flow = this.#flow;
    if (this.#head < this.#chunks.length) {
      const value = this.#chunks[this.#head] as Uint8Array;
      this.#chunks[this.#head] = EMPTY;
      this.#head += 1;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      }
      this.#buffered -= value.length;
      if (flow.paused && this.#buffered <= flow.lowWaterMark && flow.input === 'flowing') {
        flow.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (flow.returned) return Promise.resolve(DONE);
    if (flow.input !== 'flowing') return flow.finish();
    return flow.wait();
  }

  /**
   * Leaves the loop (called by `break`, `return` or a throw inside
   * `for await`): drops what is buffered and, unless `closeOnReturn` is
   * false, closes the connection.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    const flow = this.#flow;
    if (!flow.returned) {
      flow.returned = true;
      this.#chunks.length = 0;
      this.#head = 0;
      this.#buffered = 0;
      flow.leave(flow.closeOnReturn);
    }
    return Promise.resolve(DONE);
  }

  /** The protocol is its own iterator: one loop per connection. */
  [Symbol.asyncIterator](): this {
    return this;
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
