/**
 * An async iterable (an async generator, a Node Readable, a WHATWG
 * ReadableStream) written into a transport with backpressure, as Twisted's
 * `FileSender` writes a file: a push producer registered on the consumer
 * that stops pulling while the consumer is paused.
 *
 * @module
 */
import { Deferred } from '../../src/core/defer.js';
import { CancelledError } from '../../src/core/errors.js';
import type { IConsumer, IPushProducer } from '../../src/core/interfaces/producer.js';

/** What {@link writeIterable} accepts as chunks. */
export type Chunk = Uint8Array | string;

/**
 * Writes every chunk of `source` to `consumer` (a transport, or any
 * `IConsumer`) and fires with the number of bytes written (strings counted
 * as their UTF-8 length) when the source is exhausted.
 *
 * While it runs it is the consumer's registered push producer: when the
 * consumer pauses it (its write buffer is full), no further chunk is pulled
 * from the source until it is resumed, so a fast source never outruns a slow
 * peer. The producer is unregistered when it ends, however it ends.
 *
 * Ending early: cancelling the returned Deferred, or the consumer calling
 * `stopProducing` (the connection closed), stops pulling, calls the
 * source's `return()` (closing a file, releasing a stream's lock) and fails
 * with `CancelledError`. An error thrown by the source fails the Deferred
 * with it, and the consumer is left open (close it as your protocol needs).
 *
 * @throws {Error} (synchronously, as the consumer's `registerProducer` does)
 *   if the consumer already has a producer.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import type { ITransport } from 'weft';
 * import { writeIterable } from 'weft/adapters/promise';
 *
 * function sendFile(transport: ITransport, path: string): void {
 *   writeIterable(transport, createReadStream(path)).addCallback((bytes) => {
 *     console.log(`sent ${bytes} bytes`);
 *     transport.loseConnection();
 *   });
 * }
 * ```
 */
export function writeIterable(
  consumer: IConsumer,
  source: AsyncIterable<Chunk> | Iterable<Chunk>,
): Deferred<number> {
  const iterator: AsyncIterator<Chunk> | Iterator<Chunk> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const encoder = new TextEncoder();
  let written = 0;
  // Changed by the producer methods while the pump awaits the source.
  const state = { paused: false, pulling: false, finished: false };

  // A function, so the checker does not carry the loop condition's narrowing across the await.
  const isFinished = (): boolean => state.finished;
  const finish = (): void => {
    state.finished = true;
    consumer.unregisterProducer();
  };

  const stop = (reason: unknown): void => {
    if (state.finished) return;
    finish();
    // Let the source release what it holds; its own errors here are not ours to report.
    try {
      const closing = iterator.return?.();
      if (closing !== undefined && 'then' in closing) closing.then(undefined, () => undefined);
    } catch {
      // A source whose return() throws has nothing left to release.
    }
    if (!d.called) d.errback(reason instanceof CancelledError ? reason : new CancelledError());
  };

  const d = new Deferred<number>((_, reason) => {
    stop(new CancelledError('writeIterable was cancelled', { cause: reason }));
  });

  const pump = async (): Promise<void> => {
    if (state.pulling) return;
    state.pulling = true;
    try {
      while (!state.paused && !state.finished) {
        const step = await iterator.next();
        if (isFinished()) return; // stopped while waiting for the source
        if (step.done === true) {
          finish();
          d.callback(written);
          return;
        }
        const chunk = step.value;
        written += typeof chunk === 'string' ? encoder.encode(chunk).length : chunk.length;
        consumer.write(chunk); // may pause us synchronously
      }
    } catch (e) {
      if (!state.finished) {
        finish();
        d.errback(e);
      }
    } finally {
      state.pulling = false;
    }
  };

  const producer: IPushProducer = {
    pauseProducing(): void {
      state.paused = true;
    },
    resumeProducing(): void {
      if (!state.paused) return;
      state.paused = false;
      void pump();
    },
    stopProducing(): void {
      stop(new CancelledError('The consumer stopped the producer'));
    },
  };

  consumer.registerProducer(producer, true);
  void pump();
  return d;
}
