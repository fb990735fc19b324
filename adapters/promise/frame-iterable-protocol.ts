/**
 * A connection's framed messages — lines, netstrings, length-prefixed
 * strings — read with `for await`, through the framers of
 * `weft/protocols/basic`, with the transport paused while the loop is slow.
 *
 * @module
 */
import { ConnectionDone } from '../../src/core/errors.js';
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

interface Waiter {
  resolve(result: IteratorResult<Uint8Array>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<Uint8Array> = { value: undefined, done: true };

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
  readonly #closeOnReturn: boolean;
  #paused = false;
  #waiter: Waiter | null = null;
  /** Whether input is still flowing, ended by the peer (half-close), or the connection is gone. */
  #input: 'flowing' | 'eof' | 'lost' = 'flowing';
  #reason: Failure | null = null;
  /** The loop is over: left early, or ended by a framing error already thrown. */
  #returned = false;
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
    if (this.#returned) return;
    this.framer.feed(data);
    const waiter = this.#waiter;
    if (waiter !== null) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.framer.next();
      } catch (e) {
        this.#waiter = null;
        this.#close();
        waiter.reject(e);
        return;
      }
      if (frame === undefined) return; // still waiting for the rest of the frame
      this.#waiter = null;
      waiter.resolve({ value: frame, done: false });
    }
    // The loop is busy with a frame: past the mark, stop the peer until it catches up.
    if (!this.#paused && this.framer.bufferedLength > this.highWaterMark) {
      this.#paused = true;
      this.transport.pauseProducing();
    }
  }

  /** Ends the loop once the frames received are read. */
  override connectionLost(reason: Failure): void {
    this.#end(reason);
  }

  /** The next frame, waiting for one if none is complete. */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#returned) return Promise.resolve(DONE);
    let frame: Uint8Array | undefined;
    try {
      frame = this.framer.next();
    } catch (e) {
      this.#close();
      return Promise.reject(e);
    }
    if (frame !== undefined) {
      if (this.#paused && this.framer.bufferedLength <= this.lowWaterMark) this.#resume();
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.#input !== 'flowing') return this.#finish();
    if (this.#waiter !== null) {
      return Promise.reject(
        new TypeError('FrameIterableProtocol: one next() at a time (one loop)'),
      );
    }
    if (this.#paused) {
      // Waiting for the rest of a frame: a paused transport would never send it. A transport
      // may deliver data from inside resumeProducing(), so look at the framer again.
      this.#resume();
      return this.next();
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
      this.#drop();
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter?.resolve(DONE);
      if (this.#connected()) {
        if (this.#paused) this.#resume();
        if (this.#closeOnReturn) this.transport.loseConnection();
      }
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
    this.#returned = true;
    if (this.#connected()) {
      if (this.#paused) this.#resume();
      this.transport.loseConnection();
    }
  }

  /** Whether there is a transport still worth talking to. */
  #connected(): boolean {
    // `transport` is unset only if the loop ends before the connection was made.
    return this.#input !== 'lost' && (this.transport as T | undefined) !== undefined;
  }

  #resume(): void {
    this.#paused = false;
    this.transport.resumeProducing();
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
    this.#returned = true;
    const reason = this.#reason;
    if (reason === null) return Promise.resolve(DONE); // half-closed: the peer finished sending
    if (reason.check(ConnectionDone) !== null) return Promise.resolve(DONE);
    return Promise.reject(reason.value);
  }
}
