/**
 * One-directional pipe ends with Twisted's flow control, shared by child
 * processes and standard I/O: `PipeReader` delivers what a `Readable` reads
 * (pausable), `PipeWriter` writes to a `Writable` and paces a registered
 * producer by its buffer.
 *
 * Each reports its end once, through `onClosed(reason)`: `null` for a clean
 * end (EOF read, or everything written and the write side closed), a
 * `Failure` otherwise.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { ConnectionLost, InvalidStateError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import { Logger } from '../core/logger.js';
import { connectionLostFrom } from './errors.js';

const log = new Logger('weft.pipe');

/** How a pipe end reports its end: `null` when clean, else why. Called once. */
export type PipeClosed = (reason: Failure | null) => void;

function nameOf(value: object): string {
  return value.constructor.name;
}

/**
 * A pipe end's close step: `close(stream)` (its `'close'` event then reports the end), or, for a
 * pipe that never opened or whose stream is already destroyed (it emits nothing more), `report`
 * on a microtask, so the end is never reported before the caller returns.
 */
function closeOrReport<S extends Readable | Writable>(
  stream: S | null,
  close: (stream: S) => void,
  report: () => void,
): void {
  if (stream === null || stream.destroyed) {
    queueMicrotask(report);
    return;
  }
  close(stream);
}

/**
 * The reading end of a pipe. Data goes to `onData`; pausing stops reading,
 * so the writer on the other side blocks once the pipe is full.
 *
 * @internal
 */
export class PipeReader {
  readonly #stream: Readable | null;
  readonly #onClosed: PipeClosed;
  #onData: (data: Uint8Array) => void = () => undefined;
  #closed = false;
  #closing = false;
  #paused = false;
  /** Chunks that arrived while paused (the stream was resumed behind our back), and its EOF. */
  readonly #held: Uint8Array[] = [];
  #endHeld = false;
  #closeHeld = false;
  #reason: Failure | null = null;

  /**
   * @param stream - the stream to read, or `null` for a pipe that never opened.
   * @param onData - gets each chunk; a throw is the owner's to handle.
   * @param onClosed - told once when the pipe has ended.
   */
  constructor(stream: Readable | null, onData: (data: Uint8Array) => void, onClosed: PipeClosed) {
    this.#stream = stream;
    this.#onClosed = onClosed;
    if (stream === null) return;
    this.#onData = onData;
    stream.on('data', (chunk: Uint8Array) => {
      if (this.#closing) return;
      if (this.#paused) {
        // Someone else resumed the stream (Node's child_process does, for a child's output
        // pipes, when the child exits): hold what comes until resume(); at most a pipe's worth.
        this.#held.push(chunk);
        stream.pause();
        return;
      }
      onData(chunk);
    });
    stream.on('error', (err: Error) => {
      this.#reason ??= new Failure(connectionLostFrom(err));
    });
    // EOF: release the descriptor now (a net.Socket would wait for its write side too);
    // the end is reported on 'close', once it is released.
    stream.on('end', () => {
      if (this.#paused) this.#endHeld = true;
      else stream.destroy();
    });
    stream.on('close', () => {
      // A socket closes itself after EOF: while held data waits for resume(), so does its end.
      if (this.#endHeld && !this.#closing) this.#closeHeld = true;
      else this.#report();
    });
  }

  /** Whether the pipe has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops reading (and delivering) until {@link PipeReader.resume}. */
  pause(): void {
    if (this.#closed) return;
    this.#paused = true;
    this.#stream?.pause();
  }

  /** Delivers what was held while paused, then reads again. */
  resume(): void {
    if (this.#closed || this.#closing) return;
    this.#paused = false;
    for (let chunk = this.#held.shift(); chunk !== undefined; chunk = this.#held.shift()) {
      this.#onData(chunk);
      if (!this.#flowing()) return; // onData paused or closed us
    }
    if (this.#closeHeld) this.#report();
    else if (this.#endHeld) this.#stream?.destroy();
    else this.#stream?.resume();
  }

  #flowing(): boolean {
    return !(this.#paused || this.#closing || this.#closed);
  }

  /** Stops delivering at once and closes the pipe; the end is reported when it has closed. */
  loseConnection(): void {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    closeOrReport(
      this.#stream,
      (stream) => {
        stream.pause();
        stream.destroy();
      },
      () => {
        this.#report();
      },
    );
  }

  /** Closes at once and reports the end (with `reason`) before returning. */
  abortNow(reason: Failure): void {
    if (this.#closed) return;
    this.#closing = true;
    this.#reason ??= reason;
    this.#stream?.destroy();
    this.#report();
  }

  #report(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClosed(this.#reason);
  }
}

/**
 * The writing end of a pipe: queues writes in order and, as a consumer,
 * paces one producer. A push producer is paused once the stream's buffer
 * reaches its high-water mark and resumed on `'drain'`; a pull producer is
 * asked for more (`resumeProducing`) at registration and each time the
 * buffer has emptied.
 *
 * @internal
 */
export class PipeWriter {
  readonly #stream: Writable | null;
  readonly #onClosed: PipeClosed;
  #producer: IPushProducer | IPullProducer | null = null;
  #streaming = false;
  #producerPaused = false;
  #pullScheduled = false;
  #closing = false;
  #ended = false;
  #closed = false;
  #reason: Failure | null = null;
  readonly #written = (): void => {
    this.#maybePull();
  };

  /**
   * @param stream - the stream to write, or `null` for a pipe that never opened.
   * @param onClosed - told once when the pipe has ended.
   */
  constructor(stream: Writable | null, onClosed: PipeClosed) {
    this.#stream = stream;
    this.#onClosed = onClosed;
    if (stream === null) return;
    stream.on('error', (err: Error) => {
      this.#reason ??= new Failure(connectionLostFrom(err));
    });
    stream.on('drain', () => {
      this.#drained();
    });
    // Everything was written and the write side shut: release the descriptor and report the end.
    stream.on('finish', () => {
      stream.destroy(); // closes the descriptor now (uv_close); 'close' follows a turn later
      this.#report();
    });
    stream.on('close', () => {
      this.#report();
    });
  }

  /** Whether the pipe has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued and not yet taken by the operating system. */
  get bufferedBytes(): number {
    return this.#stream?.writableLength ?? 0;
  }

  /** Queues `data`; ignored once closing. Never blocks, never throws for I/O reasons. */
  write(data: Uint8Array | string): void {
    const stream = this.#stream;
    if (stream === null || this.#ended || this.#closed || data.length === 0) return;
    const pull = this.#producer !== null && !this.#streaming;
    if (stream.write(data, pull ? this.#written : undefined)) return;
    const producer = this.#producer;
    if (producer !== null && this.#streaming && !this.#producerPaused) {
      this.#producerPaused = true;
      try {
        (producer as IPushProducer).pauseProducing();
      } catch (e) {
        log.failure('Unhandled error in {source}.pauseProducing', e, { source: nameOf(producer) });
      }
    }
  }

  /**
   * Registers `producer` (push when `streaming`). On a closed pipe it is
   * stopped at once instead.
   *
   * @throws {InvalidStateError} if one is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.#producer !== null) {
      throw new InvalidStateError(
        `Cannot register producer ${nameOf(producer)}, because producer ` +
          `${nameOf(this.#producer)} was never unregistered.`,
      );
    }
    if (this.#closed || this.#ended || this.#stream === null) {
      producer.stopProducing();
      return;
    }
    this.#producer = producer;
    this.#streaming = streaming;
    this.#producerPaused = false;
    if (!streaming) producer.resumeProducing();
  }

  /** Unregisters the producer; a close waiting for it goes ahead. */
  unregisterProducer(): void {
    this.#producer = null;
    this.#producerPaused = false;
    if (this.#closing) this.#end();
  }

  /**
   * Stops and drops the registered producer, if any (nobody will read what
   * it would write): a close waiting for it to unregister goes ahead.
   */
  stopProducer(): void {
    const producer = this.#producer;
    if (producer === null) return;
    this.#producer = null;
    this.#producerPaused = false;
    try {
      producer.stopProducing();
    } catch (e) {
      log.failure('Unhandled error in {source}.stopProducing', e, { source: nameOf(producer) });
    }
    if (this.#closing) this.#end();
  }

  /** Closes the pipe once everything written is sent and the producer (if any) unregistered. */
  loseConnection(): void {
    if (this.#closing || this.#closed) return;
    this.#closing = true;
    if (this.#producer === null) this.#end();
  }

  /** Closes at once, dropping unsent data; the end is reported when the stream has closed. */
  abort(): void {
    if (this.#closed) return;
    this.#ended = true;
    closeOrReport(
      this.#stream,
      (stream) => {
        stream.destroy();
      },
      () => {
        this.#report();
      },
    );
  }

  /** Closes at once and reports the end (with `reason`) before returning. */
  abortNow(reason: Failure): void {
    if (this.#closed) return;
    this.#ended = true;
    this.#reason ??= reason;
    this.#stream?.destroy();
    this.#report();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    closeOrReport(
      this.#stream,
      (stream) => {
        stream.end();
      },
      () => {
        this.#report();
      },
    );
  }

  #drained(): void {
    const producer = this.#producer;
    if (producer === null || !this.#streaming || !this.#producerPaused) return;
    this.#producerPaused = false;
    try {
      producer.resumeProducing();
    } catch (e) {
      log.failure('Unhandled error in {source}.resumeProducing', e, { source: nameOf(producer) });
    }
  }

  #maybePull(): void {
    if (this.#pullScheduled || this.#producer === null || this.#streaming) return;
    if (this.bufferedBytes > 0) return; // a later write's callback comes
    this.#pullScheduled = true;
    setImmediate(() => {
      this.#pullScheduled = false;
      const producer = this.#producer;
      if (producer === null || this.#streaming || this.#closed || this.#ended) return;
      try {
        producer.resumeProducing();
      } catch (e) {
        log.failure('Unhandled error in {source}.resumeProducing', e, {
          source: nameOf(producer),
        });
      }
    });
  }

  #report(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ended = true;
    const producer = this.#producer;
    this.#producer = null;
    if (producer !== null) {
      try {
        producer.stopProducing();
      } catch (e) {
        log.failure('Unhandled error in {source}.stopProducing', e, { source: nameOf(producer) });
      }
    }
    // Destroyed before everything written was sent: not a clean end.
    const clean = this.#closing && this.#reason === null;
    this.#onClosed(clean ? null : (this.#reason ?? new Failure(new ConnectionLost())));
  }
}
