/**
 * `StandardIO`: this process's own stdin and stdout as a transport
 * (Twisted's `twisted.internet.stdio.StandardIO`), so a protocol can be run
 * by a parent process over pipes, or from a shell.
 *
 * @module
 */
import { createReadStream, createWriteStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { isatty, ReadStream, WriteStream } from 'node:tty';
import { ConnectionAborted, ConnectionDone, ConnectionLost } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { isHalfCloseableProtocol } from '../core/interfaces/protocol.js';
import type { IReactorCore, TriggerId } from '../core/interfaces/reactor.js';
import type { IStreamTransport } from '../core/interfaces/transport.js';
import { Logger } from '../core/logger.js';
import { PipeAddress } from '../core/process-protocol.js';
import { PipeReader, PipeWriter } from './pipe.js';
import { reactor as defaultReactor } from './reactor.js';

const log = new Logger('weft.stdio');

/** Options of {@link StandardIO}. */
export interface StandardIOOptions {
  /** The descriptor (default 0) or an already open stream to read. */
  readonly stdin?: number | Readable;
  /** The descriptor (default 1) or an already open stream to write. */
  readonly stdout?: number | Writable;
  /** The reactor whose shutdown closes the connection. Default: weft's `reactor`. */
  readonly reactor?: IReactorCore;
}

/**
 * A non-blocking stream on descriptor `fd`: a terminal, a pipe or socket
 * (libuv's own non-blocking I/O), or a file (read and written on libuv's
 * thread pool, so a slow disk never blocks the loop).
 */
function readableOn(fd: number): Readable {
  if (isatty(fd)) return new ReadStream(fd);
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd, autoClose: false });
}

function writableOn(fd: number): Writable {
  if (isatty(fd)) return new WriteStream(fd);
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) return new Socket({ fd, readable: false, writable: true });
  return createWriteStream('', { fd, autoClose: false });
}

/**
 * This process's standard input and output as the transport of `protocol`,
 * connected at once (`makeConnection` runs in the constructor).
 *
 * Works whatever stdin and stdout are: pipes, sockets, terminals or files
 * (`node child.js > out.txt`); reading and writing never block the event
 * loop. Flow control as any transport: pausing stops reading stdin, and a
 * registered producer is paced by stdout's buffer.
 *
 * Ending, as Twisted's:
 * - EOF on stdin: a protocol implementing `IHalfCloseableProtocol` gets
 *   `readConnectionLost()` and may keep writing; any other gets
 *   `connectionLost(ConnectionDone)` once what it wrote has been flushed.
 * - `loseConnection()`: stops reading, flushes stdout, then
 *   `connectionLost(ConnectionDone)`. `loseWriteConnection()` flushes and
 *   closes stdout only (`writeConnectionLost()` for a half-closeable
 *   protocol).
 * - stdout closed by the reader (EPIPE) or an I/O error:
 *   `connectionLost(ConnectionLost)`. Reactor shutdown: `ConnectionLost`.
 *
 * Descriptors given by number are owned by the transport: each is closed
 * once its direction has ended (so a reading peer sees EOF at once, where
 * Twisted leaves them open until the process exits). Do not use
 * `process.stdout` (`console.log`) or `process.stdin` alongside a
 * `StandardIO` that owns descriptor 1 or 0.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 *   override connectionLost(): void {
 *     reactor.stop();
 *   }
 * }
 * new StandardIO(new Echo());
 * reactor.run();
 * ```
 */
export class StandardIO implements IStreamTransport {
  /** The protocol connected to stdin and stdout. */
  readonly protocol: IProtocol;
  readonly #reactor: IReactorCore;
  #reader: PipeReader | null;
  #writer: PipeWriter | null;
  #disconnecting = false;
  #disconnected = false;
  #trigger: TriggerId | null;

  constructor(protocol: IProtocol, options: StandardIOOptions = {}) {
    this.protocol = protocol;
    this.#reactor = options.reactor ?? defaultReactor;
    const stdin = options.stdin ?? 0;
    const stdout = options.stdout ?? 1;
    this.#writer = new PipeWriter(typeof stdout === 'number' ? writableOn(stdout) : stdout, (r) => {
      this.#writerClosed(r);
    });
    this.#reader = new PipeReader(
      typeof stdin === 'number' ? readableOn(stdin) : stdin,
      (data) => {
        this.#dataReceived(data);
      },
      (r) => {
        this.#readerClosed(r);
      },
    );
    this.#trigger = this.#reactor.addSystemEventTrigger('during', 'shutdown', () => {
      this.#trigger = null;
      this.#connectionLost(new Failure(new ConnectionLost()));
    });
    try {
      protocol.makeConnection(this);
    } catch (e) {
      this.#callbackFailed(e, 'makeConnection');
    }
  }

  /** Whether `loseConnection()` was called or the connection is gone. */
  get disconnecting(): boolean {
    return this.#disconnecting || this.#disconnected;
  }

  /**
   * Bytes written to stdout and not yet taken by the operating system (0
   * once stdout is closed).
   */
  get bufferedBytes(): number {
    return this.#writer?.bufferedBytes ?? 0;
  }

  /** Queues `data` for stdout; ignored once stdout is closed. */
  write(data: Uint8Array | string): void {
    this.#writer?.write(data);
  }

  /** Writes each chunk to stdout, in order. */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    for (const chunk of data) this.write(chunk);
  }

  /** Stops reading, flushes stdout, then ends with `connectionLost(ConnectionDone)`. */
  loseConnection(): void {
    if (this.#disconnecting || this.#disconnected) return;
    this.#disconnecting = true;
    this.#reader?.pause();
    if (this.#writer !== null) {
      this.#writer.loseConnection();
    } else {
      // stdout is already closed (loseWriteConnection): nothing left to flush.
      setImmediate(() => {
        this.#connectionLost(new Failure(new ConnectionDone()));
      });
    }
  }

  /** Flushes and closes stdout, leaving stdin open. */
  loseWriteConnection(): void {
    this.#writer?.loseConnection();
  }

  /**
   * Closes both at once, dropping unsent output: `connectionLost(ConnectionAborted)` follows on a
   * later turn.
   */
  abortConnection(): void {
    if (this.#disconnected) return;
    this.#disconnecting = true;
    setImmediate(() => {
      this.#connectionLost(new Failure(new ConnectionAborted()));
    });
  }

  /** Registers `producer` on stdout; with stdout closed it is stopped at once. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.#writer === null) producer.stopProducing();
    else this.#writer.registerProducer(producer, streaming);
  }

  /** Unregisters stdout's producer. */
  unregisterProducer(): void {
    this.#writer?.unregisterProducer();
  }

  /** Stops reading stdin. */
  pauseProducing(): void {
    this.#reader?.pause();
  }

  /** Reads stdin again. */
  resumeProducing(): void {
    if (!this.#disconnecting) this.#reader?.resume();
  }

  /** As `loseConnection()`. */
  stopProducing(): void {
    this.loseConnection();
  }

  /** A {@link PipeAddress}. */
  getPeer(): PipeAddress {
    return new PipeAddress();
  }

  /** A {@link PipeAddress}. */
  getHost(): PipeAddress {
    return new PipeAddress();
  }

  // ----- events

  #dataReceived(data: Uint8Array): void {
    if (this.#disconnected) return;
    try {
      this.protocol.dataReceived(data);
    } catch (e) {
      this.#callbackFailed(e, 'dataReceived');
    }
  }

  #readerClosed(reason: Failure | null): void {
    this.#reader = null;
    if (this.#disconnected) return;
    if (reason !== null) {
      this.#connectionLost(reason);
      return;
    }
    const protocol = this.protocol;
    if (isHalfCloseableProtocol(protocol)) {
      try {
        protocol.readConnectionLost();
      } catch (e) {
        this.#callbackFailed(e, 'readConnectionLost');
      }
    } else {
      // As loseConnection(): what the protocol wrote (a file write may still be in flight on
      // the thread pool) is flushed before connectionLost(ConnectionDone). A registered producer
      // is stopped rather than waited for: the connection is ending (found by the transport
      // contract suite, test/node/stdio-contract.test.ts).
      this.#writer?.stopProducer();
      this.loseConnection();
    }
  }

  #writerClosed(reason: Failure | null): void {
    this.#writer = null;
    if (this.#disconnected) return;
    if (reason !== null || this.#disconnecting) {
      this.#connectionLost(reason ?? new Failure(new ConnectionDone()));
      return;
    }
    const protocol = this.protocol;
    if (isHalfCloseableProtocol(protocol)) {
      try {
        protocol.writeConnectionLost();
      } catch (e) {
        this.#callbackFailed(e, 'writeConnectionLost');
      }
    }
  }

  #callbackFailed(e: unknown, method: string): void {
    log.failure('Unhandled error in {protocol}.{method}; closing standard I/O', e, {
      protocol: this.protocol.constructor.name,
      method,
    });
    this.#connectionLost(Failure.from(e));
  }

  #connectionLost(reason: Failure): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    const reader = this.#reader;
    const writer = this.#writer;
    this.#reader = null;
    this.#writer = null;
    reader?.abortNow(reason);
    writer?.abortNow(reason);
    if (this.#trigger !== null) {
      this.#reactor.removeSystemEventTrigger(this.#trigger);
      this.#trigger = null;
    }
    try {
      this.protocol.connectionLost(reason);
    } catch (e) {
      log.failure('Unhandled error in {protocol}.connectionLost', e, {
        protocol: this.protocol.constructor.name,
      });
    }
  }
}
