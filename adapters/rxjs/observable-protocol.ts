/**
 * A connection's input as an RxJS Observable — raw chunks, or frames cut by
 * one of the pure framers of `weft/protocols/basic` — with a bounded buffer
 * and an explicit overflow policy, since RxJS has no backpressure.
 *
 * @module
 */
import { map, Observable, type OperatorFunction, type Subscriber } from 'rxjs';

import { ConnectionDone, InvalidStateError } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IStreamTransport, ITransport } from '../../src/core/interfaces/transport.js';
import { Protocol } from '../../src/core/protocol.js';
import { FramingError } from '../../src/protocols/basic/errors.js';
import type { Framer } from '../../src/protocols/basic/framer.js';
import { BufferOverflowError } from './errors.js';
import { TransportObserver, type TransportObserverOptions } from './transport-observer.js';

/**
 * What happens when more than `highWaterMark` is buffered (see
 * {@link ObservableProtocolOptions.overflow}).
 */
export type OverflowPolicy = 'pause' | 'error' | 'drop-oldest' | 'drop-newest';

/** Options of {@link ObservableProtocol}. */
export interface ObservableProtocolOptions {
  /**
   * Makes the framer that cuts the input into frames — one per connection,
   * e.g. `() => new LineFramer({ delimiter: '\n' })`. Without it `input$`
   * emits the chunks as the transport delivered them.
   */
  readonly framer?: (() => Framer) | undefined;
  /**
   * How much may wait in the buffer (received, not yet taken by a
   * subscriber) before `overflow` applies: bytes for raw chunks (default
   * 65,536), frames when there is a framer (default 1,024).
   */
  readonly highWaterMark?: number;
  /** With `'pause'`: where a paused transport is resumed. Default `highWaterMark / 4`. */
  readonly lowWaterMark?: number;
  /**
   * Past the high-water mark: `'pause'` (default) pauses the transport
   * (`pauseProducing`: the peer is slowed down, nothing is lost) until the
   * buffer is down to the low-water mark; `'error'` errors `input$` with a
   * {@link BufferOverflowError} and aborts the connection; `'drop-oldest'`
   * and `'drop-newest'` discard buffered or arriving items (counted in
   * {@link ObservableProtocol.dropped}). The buffer always accepts one item,
   * whatever its size.
   */
  readonly overflow?: OverflowPolicy;
  /**
   * `'push'` (default): a subscriber gets every item as soon as it arrives.
   * `'pull'`: it gets items only as it asks for them with
   * {@link ObservableProtocol.request}; the rest wait in the buffer.
   */
  readonly demand?: 'push' | 'pull';
  /**
   * Whether unsubscribing from `input$` before it ends closes the
   * connection. Default true: nobody would read what comes next. With false
   * the subscriber detaches and later input is buffered for the next one.
   */
  readonly closeOnUnsubscribe?: boolean;
  /**
   * Half-close: when the peer finishes sending, `input$` completes but the
   * connection stays open for writing. Default false.
   */
  readonly halfClose?: boolean;
}

/** `input$`'s ending: not yet (undefined), completion (null) or an error. */
type Terminal = { readonly error: unknown } | null | undefined;

/**
 * A protocol whose input is the hot Observable {@link ObservableProtocol.input$}.
 *
 * Hot: the connection delivers whether anybody is subscribed or not. What
 * arrives with no subscriber is buffered, so a subscriber arriving after
 * `connectionMade` misses nothing; one subscriber at a time (use `share()`
 * to multicast). The buffer is bounded by `highWaterMark` and the
 * `overflow` policy; by default the transport is paused while it is full,
 * which in push mode happens only while nobody is subscribed, and in pull
 * mode whenever the subscriber asks for less than arrives.
 *
 * `input$` completes when the connection closes cleanly (`ConnectionDone`,
 * or the peer's half-close with `halfClose`) and errors with the reason's
 * error otherwise, with a framer's `FramingError` (the connection is then
 * aborted), or with a {@link BufferOverflowError}; what was buffered before
 * a close or a framing error is delivered first. Unsubscribing closes the
 * connection unless `closeOnUnsubscribe` is false.
 *
 * @example
 * ```ts
 * import { filter } from 'rxjs';
 * import { Factory } from 'weft';
 * import { LineFramer } from 'weft/protocols/basic';
 * import { decodeUtf8, ObservableProtocol } from 'weft/adapters/rxjs';
 *
 * // Echo every non-empty line, upper-cased.
 * const factory = new Factory<ObservableProtocol>();
 * factory.buildProtocol = () => {
 *   const conn = new ObservableProtocol({ framer: () => new LineFramer({ delimiter: '\n' }) });
 *   conn.input$
 *     .pipe(decodeUtf8(), filter((line) => line !== ''))
 *     .subscribe((line) => conn.transport.write(`${line.toUpperCase()}\n`));
 *   return conn;
 * };
 * ```
 */
export class ObservableProtocol<T extends ITransport = ITransport> extends Protocol<T> {
  /** See {@link ObservableProtocolOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** See {@link ObservableProtocolOptions.lowWaterMark}. */
  readonly lowWaterMark: number;
  /** See {@link ObservableProtocolOptions.overflow}. */
  readonly overflow: OverflowPolicy;
  /**
   * The connection's input: chunks, or frames with a `framer` (views into
   * the received bytes: copy one to keep it past the next item). Hot, one
   * subscriber at a time (a second one gets an `InvalidStateError`); after
   * the end, a new subscriber gets the end again.
   */
  readonly input$: Observable<Uint8Array>;
  /**
   * Present only with `halfClose` (with {@link ObservableProtocol.writeConnectionLost}:
   * a transport treats a protocol as half-closeable when it has both).
   */
  readonly readConnectionLost?: () => void;
  /** Present only with `halfClose`: our write side was closed; nothing to do. */
  readonly writeConnectionLost?: () => void;
  readonly #framer: Framer | null;
  readonly #pull: boolean;
  readonly #closeOnUnsubscribe: boolean;
  /** The buffer: items from `#head` on, `#size` bytes or items in all. */
  #queue: Uint8Array[] = [];
  #head = 0;
  #size = 0;
  #dropped = 0;
  #credits = 0;
  #paused = false;
  #draining = false;
  #terminal: Terminal = undefined;
  #subscriber: Subscriber<Uint8Array> | null = null;
  /** Unsubscribed (closing) before the connection was made: close as soon as it is. */
  #closeWhenMade = false;

  constructor(options: ObservableProtocolOptions = {}) {
    super();
    this.#framer = options.framer?.() ?? null;
    this.highWaterMark = options.highWaterMark ?? (this.#framer === null ? 65_536 : 1024);
    this.lowWaterMark = options.lowWaterMark ?? Math.floor(this.highWaterMark / 4);
    this.overflow = options.overflow ?? 'pause';
    this.#pull = options.demand === 'pull';
    this.#closeOnUnsubscribe = options.closeOnUnsubscribe ?? true;
    if (options.halfClose === true) {
      this.readConnectionLost = (): void => {
        this.#end(null);
      };
      this.writeConnectionLost = (): void => undefined;
    }
    this.input$ = new Observable<Uint8Array>((subscriber) => {
      if (this.#subscriber !== null) {
        subscriber.error(new InvalidStateError('input$ takes one subscriber at a time'));
        return undefined;
      }
      this.#subscriber = subscriber;
      this.#drain();
      return () => {
        if (this.#subscriber !== subscriber) return; // it ended: nothing to undo
        this.#subscriber = null;
        this.#unsubscribed();
      };
    });
  }

  /** What is buffered now: bytes for raw chunks, frames with a framer. */
  get bufferedSize(): number {
    return this.#size;
  }

  /** How many items the `'drop-oldest'` or `'drop-newest'` policy discarded. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * With `demand: 'pull'`, asks for `n` more items (Reactive Streams'
   * `request(n)`): they are delivered now if buffered, else as they arrive.
   * Requests add up, and may be made from inside the subscriber's `next`.
   * Does nothing in push mode.
   */
  request(n: number): void {
    if (!this.#pull) return;
    this.#credits += n;
    this.#drain();
  }

  /**
   * A new {@link TransportObserver} writing into this connection: subscribe
   * it to an Observable of chunks to send them (see its options).
   *
   * @throws {InvalidStateError} when the transport already has a producer
   *   (another writer is still subscribed).
   */
  writer(options?: TransportObserverOptions): TransportObserver {
    return new TransportObserver(this.transport, options);
  }

  /** Connects the transport; closes it at once if `input$` was unsubscribed before. */
  override makeConnection(transport: T): void {
    super.makeConnection(transport);
    if (this.#closeWhenMade) transport.loseConnection();
  }

  /** Buffers the chunk (or its frames) and delivers what the subscriber can take. */
  override dataReceived(data: Uint8Array): void {
    if (this.#terminal !== undefined) return;
    const framer = this.#framer;
    if (framer === null) {
      this.#offer(data, data.length);
      return;
    }
    framer.feed(data);
    // Stop between frames once input$ ended (an overflow, or an unsubscribe that closed).
    while (!this.#ended()) {
      let frame: Uint8Array | undefined;
      try {
        frame = framer.next();
      } catch (e) {
        if (!(e instanceof FramingError)) throw e;
        this.#end({ error: e });
        this.#abort();
        return;
      }
      if (frame === undefined) return;
      this.#offer(frame, 1);
    }
  }

  /** Ends `input$`: completion for `ConnectionDone`, else the reason's error (after the buffer). */
  override connectionLost(reason: Failure): void {
    this.#paused = false; // a closed transport is neither paused nor resumable
    this.#end(reason.check(ConnectionDone) === null ? { error: reason.value } : null);
  }

  #offer(item: Uint8Array, size: number): void {
    this.#queue.push(item);
    this.#size += size;
    this.#drain();
    if (this.#size <= this.highWaterMark) return;
    if (this.overflow === 'pause') {
      if (!this.#paused && this.#terminal === undefined && !this.transport.disconnecting) {
        this.#paused = true;
        this.transport.pauseProducing();
      }
      return;
    }
    if (this.#queue.length - this.#head <= 1) return; // one item is always accepted
    switch (this.overflow) {
      case 'error': {
        const unit = this.#framer === null ? 'bytes' : 'items';
        this.#clear();
        this.#end({ error: new BufferOverflowError('input', this.highWaterMark, unit) });
        this.#abort();
        return;
      }
      case 'drop-newest':
        this.#queue.pop();
        this.#size -= size;
        this.#dropped += 1;
        return;
      case 'drop-oldest':
        while (this.#size > this.highWaterMark && this.#queue.length - this.#head > 1) {
          this.#size -= this.#sizeOf(this.#shift());
          this.#dropped += 1;
        }
        return;
    }
  }

  /**
   * Delivers buffered items while the subscriber can take them, then the
   * end once the buffer is empty, then resumes a paused transport below the
   * low-water mark. Re-entrant calls (a `request` or an item arriving from
   * inside `next`) return at once: the running loop picks their work up.
   */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#head < this.#queue.length && this.#subscriber !== null) {
        if (this.#pull) {
          if (this.#credits <= 0) break;
          this.#credits -= 1;
        }
        const item = this.#shift();
        this.#size -= this.#sizeOf(item);
        this.#subscriber.next(item);
      }
      const subscriber = this.#subscriber;
      if (
        subscriber !== null &&
        this.#terminal !== undefined &&
        this.#head === this.#queue.length
      ) {
        this.#subscriber = null; // before notifying, so the teardown that follows knows it ended
        const terminal = this.#terminal;
        if (terminal === null) subscriber.complete();
        else subscriber.error(terminal.error);
      }
      if (
        this.#paused &&
        this.#size <= this.lowWaterMark &&
        this.#terminal === undefined &&
        !this.transport.disconnecting
      ) {
        this.#paused = false;
        this.transport.resumeProducing();
      }
    } finally {
      this.#draining = false;
    }
  }

  /** A method, so the checker does not carry a narrowing of `#terminal` across calls that change it. */
  #ended(): boolean {
    return this.#terminal !== undefined;
  }

  #shift(): Uint8Array {
    const item = this.#queue[this.#head] as Uint8Array;
    this.#queue[this.#head] = EMPTY;
    this.#head += 1;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    return item;
  }

  #sizeOf(item: Uint8Array): number {
    return this.#framer === null ? item.length : 1;
  }

  #clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#size = 0;
  }

  #end(terminal: Terminal): void {
    if (this.#terminal !== undefined) return;
    this.#terminal = terminal;
    this.#drain();
  }

  #unsubscribed(): void {
    if (this.#terminal !== undefined || !this.#closeOnUnsubscribe) return;
    this.#clear();
    this.#end(null);
    if ((this.transport as T | undefined) === undefined) {
      this.#closeWhenMade = true;
      return;
    }
    if (this.#paused) {
      this.#paused = false;
      this.transport.resumeProducing();
    }
    this.transport.loseConnection();
  }

  /** Aborts the connection (a framing error or an overflow): `abortConnection` where there is one. */
  #abort(): void {
    const transport = this.transport as ITransport & Partial<IStreamTransport>;
    if (typeof transport.abortConnection === 'function') transport.abortConnection();
    else transport.loseConnection();
  }
}

const EMPTY = new Uint8Array(0);

/**
 * An operator decoding each chunk or frame as UTF-8 (invalid sequences
 * become U+FFFD). Use it on frames — lines, netstrings — that hold whole
 * characters; raw chunks may split a character in two.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { decodeUtf8 } from 'weft/adapters/rxjs';
 *
 * of(new TextEncoder().encode('héllo')).pipe(decodeUtf8()).subscribe(console.log); // héllo
 * ```
 */
export function decodeUtf8(): OperatorFunction<Uint8Array, string> {
  const decoder = new TextDecoder();
  return map((bytes) => decoder.decode(bytes));
}
