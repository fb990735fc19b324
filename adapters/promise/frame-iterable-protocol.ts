/**
 * A connection's framed messages — lines, netstrings, length-prefixed
 * strings — read with `for await`, through the framers of
 * `weft/protocols/basic`, with the transport paused while the loop is slow.
 *
 * @module
 */
import type { Failure } from '../../src/core/failure.js';
import type { ITransport } from '../../src/core/interfaces/transport.js';
import { Protocol } from '../../src/core/protocol.js';
import type { Framer } from '../../src/protocols/basic/framer.js';
import { IntNFramer, type IntNFramerOptions } from '../../src/protocols/basic/int-n-framer.js';
import { LineFramer, type LineFramerOptions } from '../../src/protocols/basic/line-framer.js';
import {
  NetstringFramer,
  type NetstringFramerOptions,
} from '../../src/protocols/basic/netstring-framer.js';
import type { IterableProtocolOptions } from './iterable-protocol.js';
import { DONE, LoopFlow } from './loop-flow.js';

/**
 * A protocol whose received frames are read with `for await`: each value is
 * one frame (a line without its delimiter, a netstring's payload, a
 * length-prefixed string), split by a {@link Framer} from
 * `weft/protocols/basic` — the same parsers `LineReceiver`,
 * `NetstringReceiver` and `Int32StringReceiver` use.
 *
 * Frames are parsed when the loop asks for them, so the framer holds what
 * the loop has not read yet. Flow control is {@link IterableProtocol}'s:
 * once more than `highWaterMark` bytes wait unread while the loop is busy,
 * the transport is paused (`pauseProducing`); it is resumed when the loop
 * has brought them down to `lowWaterMark`, or whenever the loop waits for
 * the rest of a frame (a paused transport would never bring it).
 *
 * Limits end the loop: a frame over the framer's `maxLength`, or bytes that
 * do not frame, make the `next()` that reaches them reject with the framer's
 * typed error (`LineTooLongError`, `NetstringParseError`,
 * `LengthLimitExceededError`, all `FramingError`s) after every frame before
 * them was delivered, and close the connection (`loseConnection`, as
 * Twisted's `lineLengthExceeded` does). When the connection closes, the
 * frames already received are delivered, then the loop ends — normally for
 * `ConnectionDone`, by throwing the reason otherwise; an unfinished frame at
 * the end is dropped. Leaving the loop early (`break`) closes the
 * connection unless `closeOnReturn` is false.
 *
 * Frames lying within one received chunk are views into it (no copy): keep
 * a copy (`frame.slice()`) if the chunk's buffer may be reused.
 *
 * @example
 * ```ts
 * import { FrameIterableProtocol } from 'weft/adapters/promise';
 * import { StringTransport } from 'weft/testing';
 *
 * const conn = FrameIterableProtocol.lines({ delimiter: '\n', maxLength: 1024 });
 * conn.makeConnection(new StringTransport());
 * conn.dataReceived(new TextEncoder().encode('hello\nwor'));
 * conn.dataReceived(new TextEncoder().encode('ld\n'));
 * conn.transport.loseConnection();
 * for await (const line of conn) console.log(new TextDecoder().decode(line)); // hello, world
 * ```
 */
export class FrameIterableProtocol<T extends ITransport = ITransport>
  extends Protocol<T>
  implements AsyncIterableIterator<Uint8Array>
{
  /** The parser the frames come from. */
  readonly framer: Framer;
  /** See {@link IterableProtocolOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** See {@link IterableProtocolOptions.lowWaterMark}. */
  readonly lowWaterMark: number;
  readonly #flow: LoopFlow;
  /**
   * Present only with `halfClose` (with {@link FrameIterableProtocol.writeConnectionLost}:
   * transports treat a protocol as half-closeable only when it has both).
   */
  readonly readConnectionLost?: () => void;
  /** Present only with `halfClose`: our write side was closed; nothing to do. */
  readonly writeConnectionLost?: () => void;

  constructor(framer: Framer, options: IterableProtocolOptions = {}) {
    super();
    this.framer = framer;
    this.#flow = new LoopFlow(this, 'FrameIterableProtocol', options, true);
    this.highWaterMark = this.#flow.highWaterMark;
    this.lowWaterMark = this.#flow.lowWaterMark;
    if (options.halfClose === true) {
      this.readConnectionLost = (): void => {
        this.#flow.end(null);
      };
      this.writeConnectionLost = (): void => undefined;
    }
  }

  /** Lines (a {@link LineFramer}; default delimiter `'\r\n'`, `maxLength` 16384 bytes). */
  static lines<T extends ITransport = ITransport>(
    options: LineFramerOptions & IterableProtocolOptions = {},
  ): FrameIterableProtocol<T> {
    return new FrameIterableProtocol<T>(new LineFramer(options), options);
  }

  /** Netstrings' payloads (a {@link NetstringFramer}; default `maxLength` 99999 bytes). */
  static netstrings<T extends ITransport = ITransport>(
    options: NetstringFramerOptions & IterableProtocolOptions = {},
  ): FrameIterableProtocol<T> {
    return new FrameIterableProtocol<T>(new NetstringFramer(options), options);
  }

  /**
   * Length-prefixed strings (an {@link IntNFramer}; default a 4-byte
   * big-endian prefix, as `Int32StringReceiver`, and `maxLength` 99999 bytes).
   */
  static intN<T extends ITransport = ITransport>(
    options: IntNFramerOptions & IterableProtocolOptions = {},
  ): FrameIterableProtocol<T> {
    return new FrameIterableProtocol<T>(new IntNFramer(options), options);
  }

  /** Bytes received and not yet taken by the loop (the framer's `bufferedLength`). */
  get bufferedBytes(): number {
    return this.framer.bufferedLength;
  }

  /** Queues `data` in the framer; hands a frame to a waiting loop; pauses past the high-water mark. */
  override dataReceived(data: Uint8Array): void {
    const flow = this.#flow;
    if (flow.returned) return;
    this.framer.feed(data);
    const waiter = flow.waiter;
    if (waiter !== null) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.framer.next();
      } catch (e) {
        flow.waiter = null;
        this.#close();
        waiter.reject(e);
        return;
      }
      if (frame === undefined) return; // still waiting for the rest of the frame
      flow.waiter = null;
      waiter.resolve({ value: frame, done: false });
    }
    // The loop is busy with a frame: past the mark, stop the peer until it catches up.
    flow.pauseAbove(this.framer.bufferedLength);
  }

  /** Ends the loop once the frames received are read. */
  override connectionLost(reason: Failure): void {
    this.#flow.end(reason);
  }

  /** The next frame, waiting for one if none is complete. */
  next(): Promise<IteratorResult<Uint8Array>> {
    const flow = this.#flow;
    if (flow.returned) return Promise.resolve(DONE);
    let frame: Uint8Array | undefined;
    try {
      frame = this.framer.next();
    } catch (e) {
      this.#close();
      return Promise.reject(e);
    }
    if (frame !== undefined) {
      if (flow.paused && this.framer.bufferedLength <= flow.lowWaterMark) flow.resume();
      return Promise.resolve({ value: frame, done: false });
    }
    if (flow.input !== 'flowing') return flow.finish();
    if (flow.paused && flow.waiter === null) {
      // Waiting for the rest of a frame: a paused transport would never send it. A transport
      // may deliver data from inside resumeProducing(), so look at the framer again.
      flow.resume();
      return this.next();
    }
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
      this.#drop();
      const waiter = flow.waiter;
      flow.waiter = null;
      waiter?.resolve(DONE);
      flow.leave(flow.closeOnReturn);
    }
    return Promise.resolve(DONE);
  }

  /** The protocol is its own iterator: one loop per connection. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Empties the framer: what nobody will read is not kept. */
  #drop(): void {
    try {
      while (this.framer.next() !== undefined) {
        // discarded
      }
    } catch {
      // a framing error in what is dropped does not matter
    }
  }

  /** A framing error ended the loop: nobody reads the rest, so close. */
  #close(): void {
    this.#flow.returned = true;
    this.#flow.leave(true);
  }
}
