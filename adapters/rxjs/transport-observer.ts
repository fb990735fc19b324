/**
 * An RxJS Observer that writes into a transport, with the transport's
 * backpressure turned into a bounded buffer.
 *
 * @module
 */
import { Subscription, type Observer, type SubscriptionLike, type TeardownLogic } from 'rxjs';

import { Deferred } from '../../src/core/defer.js';
import { fail, succeed } from '../../src/core/deferred-functions.js';
import { CancelledError } from '../../src/core/errors.js';
import type { IConsumer, IPushProducer } from '../../src/core/interfaces/producer.js';
import type { IStreamTransport, ITransport } from '../../src/core/interfaces/transport.js';
import { BufferOverflowError } from './errors.js';

/** Options of {@link TransportObserver}. */
export interface TransportObserverOptions {
  /**
   * Bytes held while the transport is paused (its write buffer is full)
   * before the writer gives up: the connection is aborted, the source
   * unsubscribed, and {@link TransportObserver.notifyFinish} fails with a
   * {@link BufferOverflowError}. Default 1,048,576 (1 MiB).
   */
  readonly maxBuffered?: number;
  /**
   * What `complete` does once everything is written: `'close'`
   * (`loseConnection`, the default), `'half-close'` (`loseWriteConnection`
   * where the transport has it, else `loseConnection`) or `'none'`.
   */
  readonly onComplete?: 'close' | 'half-close' | 'none';
}

type Outcome = { readonly bytes: number } | { readonly error: unknown };

const encoder = new TextEncoder();

/**
 * Writes each value of the Observable it is subscribed to into a transport:
 * `next` → `write` (strings as UTF-8), `complete` → `loseConnection` once
 * everything is written (see `onComplete`), `error` → `abortConnection`.
 *
 * Backpressure: while it exists it is the transport's registered push
 * producer, so it learns when the transport's write buffer is full
 * (`pauseProducing`). RxJS cannot be asked to wait, so values that arrive
 * while the transport is paused are held here, in order, and written when
 * it resumes — up to `maxBuffered` bytes. A source that outruns the
 * transport past that is an error, never silent growth: the connection is
 * aborted, the source unsubscribed, and {@link TransportObserver.notifyFinish}
 * fails with a {@link BufferOverflowError}. Slow such a source down upstream
 * (`concatMap`, `bufferTime`, `throttleTime`, ...) or raise the limit.
 *
 * It is also the subscription: `source.subscribe(observer)` returns it, and
 * unsubscribing stops the source and detaches the writer (dropping what it
 * holds, unregistering the producer) without closing the connection. When
 * the connection closes first, the source is unsubscribed and
 * `notifyFinish` fails with `CancelledError`.
 *
 * @example
 * ```ts
 * import { interval, map, take } from 'rxjs';
 * import type { ITransport } from 'weft';
 * import { TransportObserver } from 'weft/adapters/rxjs';
 *
 * function countdown(transport: ITransport): void {
 *   const writer = new TransportObserver(transport);
 *   interval(1000)
 *     .pipe(
 *       take(3),
 *       map((n) => `${3 - n}\n`),
 *     )
 *     .subscribe(writer); // writes 3, 2, 1, then closes the connection
 *   writer.notifyFinish().addCallback((bytes) => console.log(bytes, 'bytes sent'));
 * }
 * ```
 */
export class TransportObserver
  implements Observer<Uint8Array | string>, SubscriptionLike, IPushProducer
{
  /** See {@link TransportObserverOptions.maxBuffered}. */
  readonly maxBuffered: number;
  readonly #transport: ITransport;
  readonly #onComplete: 'close' | 'half-close' | 'none';
  #queue: Uint8Array[] = [];
  #queued = 0;
  #written = 0;
  #paused = false;
  #completing = false;
  #outcome: Outcome | null = null;
  #waiters: Deferred<number>[] = [];
  /**
   * What makes it a subscription: RxJS takes an object with `next`/`error`/
   * `complete` and `closed`/`add`/`remove`/`unsubscribe` as the subscriber
   * itself, and adds the source's teardown to it.
   */
  readonly #subscription = new Subscription();

  /**
   * Registers itself as `transport`'s push producer (until it finishes).
   *
   * @throws {InvalidStateError} (from the transport) when another producer
   *   is registered.
   */
  constructor(transport: ITransport, options: TransportObserverOptions = {}) {
    this.#transport = transport;
    this.maxBuffered = options.maxBuffered ?? 1_048_576;
    this.#onComplete = options.onComplete ?? 'close';
    this.add(() => {
      this.#finish(
        { error: new CancelledError('The TransportObserver was unsubscribed') },
        'unregister',
      );
    });
    (transport satisfies IConsumer).registerProducer(this, true);
  }

  /** Whether it is unsubscribed: finished, or detached by {@link TransportObserver.unsubscribe}. */
  get closed(): boolean {
    return this.#subscription.closed;
  }

  /** Adds a teardown run on unsubscription (RxJS adds the source's here). */
  add(teardown: TeardownLogic): void {
    this.#subscription.add(teardown);
  }

  /** Removes a teardown added with {@link TransportObserver.add}. */
  remove(teardown: Exclude<TeardownLogic, void>): void {
    this.#subscription.remove(teardown);
  }

  /**
   * Stops the source and detaches: drops what is held, unregisters from
   * the transport (leaving the connection open), and fails pending
   * `notifyFinish` Deferreds with `CancelledError`. Idempotent.
   */
  unsubscribe(): void {
    this.#subscription.unsubscribe();
  }

  /** Bytes handed to the transport so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Bytes held while the transport is paused. */
  get bufferedBytes(): number {
    return this.#queued;
  }

  /**
   * A Deferred firing with {@link TransportObserver.bytesWritten} once the
   * source completed and everything was handed to the transport, or failing
   * with the source's error, a {@link BufferOverflowError}, or
   * `CancelledError` (unsubscribed, or the connection closed first). Each
   * call gets its own Deferred.
   */
  notifyFinish(): Deferred<number> {
    const outcome = this.#outcome;
    if (outcome === null) {
      const d = new Deferred<number>();
      this.#waiters.push(d);
      return d;
    }
    return 'bytes' in outcome ? succeed(outcome.bytes) : fail<number>(outcome.error);
  }

  /** Writes `chunk`, or holds it while the transport is paused. */
  next(chunk: Uint8Array | string): void {
    if (this.#outcome !== null || this.#completing) return;
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    if (!this.#paused) {
      this.#write(bytes);
      return;
    }
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (this.#queued > this.maxBuffered) {
      this.#finish(
        { error: new BufferOverflowError('output', this.maxBuffered, 'bytes') },
        'abort',
      );
    }
  }

  /** Aborts the connection and fails `notifyFinish` with `error`. */
  error(error: unknown): void {
    if (this.#completing) return;
    this.#finish({ error }, 'abort');
  }

  /** Closes as `onComplete` says once everything held is written. */
  complete(): void {
    if (this.#outcome !== null || this.#completing) return;
    this.#completing = true;
    if (!this.#paused) this.#finish({ bytes: this.#written }, 'complete');
  }

  /** The transport's write buffer is full: hold values from now on. */
  pauseProducing(): void {
    this.#paused = true;
  }

  /** The transport drained: write what is held, then finish a pending completion. */
  resumeProducing(): void {
    if (this.#outcome !== null) return;
    this.#paused = false;
    while (this.#queue.length > 0 && !this.#isPaused()) {
      const bytes = this.#queue.shift() as Uint8Array;
      this.#queued -= bytes.length;
      this.#write(bytes); // may pause us again, synchronously
    }
    if (this.#completing && this.#queue.length === 0 && !this.#isPaused()) {
      this.#finish({ bytes: this.#written }, 'complete');
    }
  }

  /** The connection closed: unsubscribe from the source. */
  stopProducing(): void {
    this.#finish(
      { error: new CancelledError('The connection closed before the Observable completed') },
      'none',
    );
  }

  /** A method, so the checker does not carry a narrowing of `#paused` across writes that change it. */
  #isPaused(): boolean {
    return this.#paused;
  }

  #write(bytes: Uint8Array): void {
    this.#written += bytes.length;
    this.#transport.write(bytes);
  }

  /**
   * Settles once: drops what is held, unregisters (unless the transport
   * already stopped us), does `action` to the connection, tells the waiters,
   * and unsubscribes from the source.
   */
  #finish(outcome: Outcome, action: 'complete' | 'abort' | 'unregister' | 'none'): void {
    if (this.#outcome !== null) return;
    this.#outcome = outcome;
    this.#queue = [];
    this.#queued = 0;
    const transport = this.#transport as ITransport & Partial<IStreamTransport>;
    if (action !== 'none') transport.unregisterProducer();
    if (action === 'abort') {
      if (typeof transport.abortConnection === 'function') transport.abortConnection();
      else transport.loseConnection();
    } else if (action === 'complete' && this.#onComplete !== 'none') {
      if (
        this.#onComplete === 'half-close' &&
        typeof transport.loseWriteConnection === 'function'
      ) {
        transport.loseWriteConnection();
      } else {
        transport.loseConnection();
      }
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const d of waiters) {
      if ('bytes' in outcome) d.callback(outcome.bytes);
      else d.errback(outcome.error);
    }
    this.unsubscribe();
  }
}
