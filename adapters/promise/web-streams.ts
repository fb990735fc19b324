/**
 * A connection as a pair of WHATWG streams — a `ReadableStream` of what
 * arrives and a `WritableStream` into the transport — with backpressure
 * carried both ways.
 *
 * @module
 */
import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IPushProducer } from '../../src/core/interfaces/producer.js';
import type { IStreamTransport, ITransport } from '../../src/core/interfaces/transport.js';
import { Protocol } from '../../src/core/protocol.js';

/** Options of {@link WebStreamProtocol}. */
export interface WebStreamProtocolOptions {
  /**
   * Bytes the readable side queues before the transport is paused (the
   * stream's `ByteLengthQueuingStrategy` high-water mark). Default 65,536.
   */
  readonly highWaterMark?: number;
}

function hasHalfClose(t: ITransport): t is IStreamTransport {
  return typeof (t as Partial<IStreamTransport>).loseWriteConnection === 'function';
}

/**
 * A protocol that exposes its connection as WHATWG streams.
 *
 * `readable`: each chunk received is enqueued; when the stream's queue is
 * full (`highWaterMark` bytes unread) the transport is paused, and resumed
 * when the reader pulls again. It closes when the connection closes cleanly
 * and errors with the reason otherwise. Cancelling it closes the connection.
 *
 * `writable`: each chunk is written to the transport. While the transport
 * has paused its producer (its write buffer is full), `write()` promises stay
 * pending — a `pipeTo` into it slows down instead of filling memory. (For the
 * length of each write the protocol is the transport's registered producer,
 * so do not register another one while using `writable`.)
 * `close()` half-closes when the transport can (`loseWriteConnection`), so
 * the readable side can still receive the reply, and closes the connection
 * otherwise; `abort()` aborts the connection.
 *
 * @example
 * ```ts
 * import { WebStreamProtocol } from 'weft/adapters/promise';
 *
 * async function shout(conn: WebStreamProtocol): Promise<void> {
 *   await conn.readable
 *     .pipeThrough(new TextDecoderStream())
 *     .pipeThrough(new TransformStream<string, string>({
 *       transform: (text, out) => { out.enqueue(text.toUpperCase()); },
 *     }))
 *     .pipeTo(conn.writable);
 * }
 * ```
 */
export class WebStreamProtocol extends Protocol implements IPushProducer {
  /** What arrives on the connection. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Writes into the connection. */
  readonly writable: WritableStream<Uint8Array | string>;
  #readController!: ReadableStreamDefaultController<Uint8Array>;
  #readPaused = false;
  #readDone = false;
  #writePaused = false;
  #resumeWriters: (() => void)[] = [];
  #registered = false;
  #lost = false;

  constructor(options: WebStreamProtocolOptions = {}) {
    super();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#readController = controller;
        },
        pull: () => {
          if (this.#readPaused && !this.#lost) {
            this.#readPaused = false;
            this.transport.resumeProducing();
          }
        },
        cancel: () => {
          this.#readDone = true;
          if (!this.#lost) this.transport.loseConnection();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: options.highWaterMark ?? 65_536 }),
    );
    this.writable = new WritableStream<Uint8Array | string>({
      write: async (chunk) => {
        if (this.#lost) throw new ConnectionDone('The connection is closed');
        // Registered only for the length of one write (the stream runs one at a time), so the
        // transport learns of our pauses without a registered producer holding up a
        // loseConnection() called elsewhere.
        this.#writePaused = false;
        this.transport.registerProducer(this, true);
        this.#registered = true;
        try {
          this.transport.write(chunk);
          // write() may have paused us synchronously, or closed the connection.
          if (this.#mustWait()) {
            await new Promise<void>((resolve) => this.#resumeWriters.push(resolve));
          }
        } finally {
          this.#unregister();
        }
      },
      close: () => {
        this.#unregister();
        if (this.#lost) return;
        if (hasHalfClose(this.transport)) this.transport.loseWriteConnection();
        else this.transport.loseConnection();
      },
      abort: () => {
        this.#unregister();
        if (this.#lost) return;
        const t = this.transport as Partial<IStreamTransport>;
        if (typeof t.abortConnection === 'function') t.abortConnection();
        else this.transport.loseConnection();
      },
    });
  }

  /** Enqueues `data` on `readable`; pauses the transport once its queue is full. */
  override dataReceived(data: Uint8Array): void {
    if (this.#readDone) return;
    const controller = this.#readController;
    controller.enqueue(data);
    if (!this.#readPaused && (controller.desiredSize ?? 0) <= 0) {
      this.#readPaused = true;
      this.transport.pauseProducing();
    }
  }

  /** Closes or errors `readable`, and fails pending and later writes. */
  override connectionLost(reason: Failure): void {
    this.#lost = true;
    this.#releaseWriters();
    if (this.#readDone) return;
    this.#readDone = true;
    if (reason.check(ConnectionDone) !== null) this.#readController.close();
    else this.#readController.error(reason.value);
  }

  /** @internal The transport's write buffer is full: hold `writable`'s writes. */
  pauseProducing(): void {
    this.#writePaused = true;
  }

  /** @internal The write buffer drained: release held writes. */
  resumeProducing(): void {
    this.#writePaused = false;
    this.#releaseWriters();
  }

  /** @internal The transport is going away: release held writes (they fail on the next write). */
  stopProducing(): void {
    this.#releaseWriters();
  }

  #mustWait(): boolean {
    return this.#writePaused && !this.#lost;
  }

  #unregister(): void {
    if (!this.#registered || this.#lost) return;
    this.#registered = false;
    this.transport.unregisterProducer();
  }

  #releaseWriters(): void {
    const waiting = this.#resumeWriters;
    this.#resumeWriters = [];
    for (const resolve of waiting) resolve();
  }
}
