/**
 * A Node `Writable` as a weft `IConsumer`: producers registered on it are
 * paced by the stream's `write()`/`'drain'` backpressure.
 *
 * @module
 */
import type { Writable } from 'node:stream';

import { InvalidStateError } from '../../src/core/errors.js';
import type {
  IConsumer,
  IPullProducer,
  IPushProducer,
} from '../../src/core/interfaces/producer.js';

/**
 * A `Writable` as an {@link IConsumer}. Made by {@link consumerFromWritable}.
 *
 * - A push producer is paused when `write()` returns false (the stream's
 *   `writableHighWaterMark` is reached) and resumed on `'drain'`.
 * - A pull producer is asked for data at registration, and again each
 *   time everything written so far has been flushed by the stream.
 * - When the stream closes or fails, the producer gets `stopProducing()`.
 *
 * Writes after the stream ended or was destroyed are dropped (as writes to
 * a closed transport), and the stream's errors are its own: keep an
 * `'error'` listener on it.
 */
export class WritableConsumer implements IConsumer {
  /** The stream written to. */
  readonly writable: Writable;
  #producer: IPushProducer | IPullProducer | null = null;
  #streaming = false;
  #paused = false;
  #pullScheduled = false;

  /** Made by {@link consumerFromWritable}. @internal */
  constructor(writable: Writable) {
    this.writable = writable;
    writable.on('drain', () => {
      this.#drained();
    });
    writable.once('close', () => {
      this.#stop();
    });
  }

  /** Writes `data` to the stream (a string as UTF-8); dropped once the stream is ended or gone. */
  write(data: Uint8Array | string): void {
    const w = this.writable;
    if (w.writableEnded || w.destroyed || data.length === 0) return;
    const pull = this.#producer !== null && !this.#streaming;
    const ok = w.write(data, pull ? this.#flushed : undefined);
    if (!ok && this.#streaming && !this.#paused && this.#producer !== null) {
      this.#paused = true;
      (this.#producer as IPushProducer).pauseProducing();
    }
  }

  /**
   * Registers `producer` (push when `streaming`). A pull producer is asked
   * for data at once; on a stream already gone the producer is stopped at
   * once instead.
   *
   * @throws {InvalidStateError} if a producer is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.#producer !== null) {
      throw new InvalidStateError('A producer is already registered on this WritableConsumer');
    }
    if (this.writable.destroyed || this.writable.writableEnded) {
      producer.stopProducing();
      return;
    }
    this.#producer = producer;
    this.#streaming = streaming;
    this.#paused = false;
    if (!streaming) producer.resumeProducing();
    else if (this.writable.writableNeedDrain) {
      this.#paused = true;
      (producer as IPushProducer).pauseProducing();
    }
  }

  /** Unregisters the producer. */
  unregisterProducer(): void {
    this.#producer = null;
    this.#paused = false;
  }

  readonly #flushed = (err?: Error | null): void => {
    if (err != null || this.#pullScheduled || this.writable.writableLength > 0) return;
    this.#pullScheduled = true;
    setImmediate(() => {
      this.#pullScheduled = false;
      const p = this.#producer;
      if (p !== null && !this.#streaming && !this.writable.destroyed) p.resumeProducing();
    });
  };

  #drained(): void {
    const p = this.#producer;
    if (p === null || !this.#streaming || !this.#paused) return;
    this.#paused = false;
    (p as IPushProducer).resumeProducing();
  }

  #stop(): void {
    const p = this.#producer;
    this.#producer = null;
    p?.stopProducing();
  }
}

/**
 * `writable` as an {@link IConsumer}: register a producer on it (a
 * `ReadableProducer`, a weft transport relaying what it reads, a
 * `Cooperator` task ...) and writes are paced by the stream's backpressure.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { Protocol } from 'weft';
 * import { consumerFromWritable } from 'weft/adapters/node';
 *
 * // Save what a connection sends to a file, pausing the peer when the disk is slow.
 * class Saver extends Protocol {
 *   readonly out = consumerFromWritable(createWriteStream('/tmp/upload.bin'));
 *   override connectionMade(): void {
 *     this.out.registerProducer(this.transport, true);
 *   }
 *   override dataReceived(data: Uint8Array): void {
 *     this.out.write(data);
 *   }
 * }
 * ```
 */
export function consumerFromWritable(writable: Writable): WritableConsumer {
  return new WritableConsumer(writable);
}
