/**
 * A Node `Readable` as a weft push producer (Twisted's `FileSender`, with
 * backpressure both ways).
 *
 * @module
 */
import type { Readable } from 'node:stream';

import { Deferred } from '../../src/core/defer.js';
import type { IConsumer, IPushProducer } from '../../src/core/interfaces/producer.js';
import { ConsumerStoppedError } from './errors.js';

/**
 * Sends a `Readable` to an `IConsumer` (a transport, or anything else) as
 * a registered push producer. Made by {@link sendReadable}.
 *
 * The consumer pausing it pauses the stream (`readable.pause()`), so at
 * most the stream's own buffer (its `readableHighWaterMark`) plus what the
 * consumer buffers is held; `resumeProducing` resumes the stream;
 * `stopProducing` destroys it.
 */
export class ReadableProducer implements IPushProducer {
  /** The stream being sent. */
  readonly readable: Readable;
  /** The consumer it is sent to. */
  readonly consumer: IConsumer;
  /** Bytes (or string characters, for a stream with an encoding) written to the consumer. */
  sent = 0;
  /** Fires with {@link ReadableProducer.sent} at the end, or fails (see {@link sendReadable}). */
  readonly done: Deferred<number> = new Deferred<number>();

  /** Made by {@link sendReadable}. @internal */
  constructor(readable: Readable, consumer: IConsumer) {
    this.readable = readable;
    this.consumer = consumer;
  }

  /** Registers on the consumer and starts the stream. @internal */
  start(): void {
    const { readable, consumer } = this;
    consumer.registerProducer(this, true);
    if (this.done.called) return; // the consumer was already closed: stopProducing ran
    readable.on('data', (chunk: Uint8Array | string) => {
      this.sent += chunk.length;
      consumer.write(chunk);
    });
    readable.once('end', () => {
      this.#finish(null);
    });
    readable.once('error', (err) => {
      this.#finish(err);
    });
    readable.once('close', () => {
      // Destroyed without an error and without 'end': the stream was cut short.
      if (!this.done.called)
        this.#finish(new ConsumerStoppedError('The stream closed before it ended'));
    });
  }

  /** Pauses the stream (the consumer's buffer is full). */
  pauseProducing(): void {
    this.readable.pause();
  }

  /** Resumes the stream. */
  resumeProducing(): void {
    if (!this.done.called) this.readable.resume();
  }

  /** Destroys the stream; {@link ReadableProducer.done} fails with {@link ConsumerStoppedError}. */
  stopProducing(): void {
    if (this.done.called) return;
    this.done.errback(new ConsumerStoppedError());
    this.readable.destroy();
  }

  #finish(err: Error | null): void {
    if (this.done.called) return;
    this.consumer.unregisterProducer();
    if (err === null) this.done.callback(this.sent);
    else this.done.errback(err);
  }
}

/**
 * Sends everything `readable` produces to `consumer` (a transport, or a
 * `WritableConsumer`), registered as a push producer: backpressure
 * from the consumer pauses the stream. The Deferred fires with the number
 * of bytes sent once the stream ends (the producer is unregistered, so a
 * pending `loseConnection()` goes ahead); it fails with the stream's error,
 * or with {@link ConsumerStoppedError} if the consumer stops it first (the
 * connection closed). The consumer is not closed: call
 * `transport.loseConnection()` when done.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { Protocol } from 'weft';
 * import { sendReadable } from 'weft/adapters/node';
 *
 * class SendFile extends Protocol {
 *   override connectionMade(): void {
 *     sendReadable(createReadStream('/etc/hostname'), this.transport).addBoth(() => {
 *       this.transport.loseConnection();
 *     });
 *   }
 * }
 * ```
 */
export function sendReadable(readable: Readable, consumer: IConsumer): Deferred<number> {
  const producer = new ReadableProducer(readable, consumer);
  producer.start();
  return producer.done;
}
