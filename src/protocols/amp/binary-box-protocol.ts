/**
 * `BinaryBoxProtocol`: AMP boxes over a byte stream, handed to a
 * {@link BoxReceiver}; and the two interfaces that separate AMP's layers.
 *
 * @module
 */
import { ConnectionLost } from '../../core/errors.js';
import { Failure } from '../../core/failure.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { Logger } from '../../core/logger.js';
import { Protocol } from '../../core/protocol.js';
import { type AmpBox, BoxParser, type BoxParserOptions, QuitBox } from './box.js';

const log = new Logger('weft.protocols.amp');

/** Where a box receiver sends boxes (Twisted's `IBoxSender`). */
export interface BoxSender {
  /**
   * Sends `box` to the peer; a {@link QuitBox} closes the connection once
   * sent.
   *
   * @throws {ConnectionLost} once the connection is gone.
   * @throws {TooLong} if a key or value is too long (nothing is sent).
   */
  sendBox(box: AmpBox): void;
  /** An error nobody handled: log it and drop the connection. */
  unhandledError(failure: Failure): void;
}

/** What receives boxes from a connection (Twisted's `IBoxReceiver`). */
export interface BoxReceiver {
  /** Boxes are about to arrive; `sender` sends boxes back. Called once, first. */
  startReceivingBoxes(sender: BoxSender): void;
  /**
   * A box arrived. Throwing is a protocol error: it is logged and the
   * connection is closed, with the error as the reason.
   */
  ampBoxReceived(box: AmpBox): void;
  /** No more boxes will arrive; `reason` says why. Called once, last. */
  stopReceivingBoxes(reason: Failure): void;
}

/**
 * A protocol that parses AMP boxes from the stream and sends boxes
 * (Twisted's `BinaryBoxProtocol`), whatever receives them.
 *
 * Hostile input never escapes as an exception and never buffers without
 * bound: a key length over 255 ({@link TooLong}), a box over
 * `maxBoxLength` ({@link MalformedAmpBox}) or an error thrown by the
 * receiver is logged and closes the connection; the receiver's
 * `stopReceivingBoxes` then gets that error as the reason.
 *
 * @example
 * ```ts
 * // Print every box; answer nothing.
 * const printer: BoxReceiver = {
 *   startReceivingBoxes() {},
 *   ampBoxReceived(box) { console.log([...box.keys()]); },
 *   stopReceivingBoxes() {},
 * };
 * const proto = new BinaryBoxProtocol(printer);
 * ```
 */
export class BinaryBoxProtocol<T extends ITransport = ITransport>
  extends Protocol<T>
  implements BoxSender
{
  /** Who gets the boxes. */
  boxReceiver: BoxReceiver;
  readonly #parser: BoxParser;
  /** The protocol error that closed the connection; given to the receiver as the reason. */
  #failReason: Failure | null = null;
  #lost = false;
  /** Data that arrived while boxes were being delivered (a receiver made us re-enter). */
  #queued: Uint8Array[] | null = null;

  constructor(boxReceiver: BoxReceiver, options?: BoxParserOptions) {
    super();
    this.boxReceiver = boxReceiver;
    this.#parser = new BoxParser(options);
  }

  /** Attaches `transport`, starts the receiver, then calls `connectionMade`. */
  override makeConnection(transport: T): void {
    this.connected = true;
    this.transport = transport;
    this.boxReceiver.startReceivingBoxes(this);
    this.connectionMade();
  }

  /** Parses `data`, delivering each complete box, in order, to the receiver. */
  override dataReceived(data: Uint8Array): void {
    if (this.#failReason !== null) return;
    if (this.#queued !== null) {
      this.#queued.push(data);
      return;
    }
    this.#queued = [data];
    try {
      for (let chunk = this.#queued.shift(); chunk !== undefined; chunk = this.#queued.shift()) {
        if (!this.#deliver(chunk)) return;
      }
    } finally {
      this.#queued = null;
    }
  }

  /** Parses and delivers one chunk; false once a protocol error closed the connection. */
  #deliver(data: Uint8Array): boolean {
    try {
      for (const box of this.#parser.push(data)) {
        // A receiver that closed the connection (a fatal error answer) gets no more boxes.
        if (this.transport.disconnecting) return false;
        this.boxReceiver.ampBoxReceived(box);
      }
      return true;
    } catch (e) {
      this.#protocolError(e);
      return false;
    }
  }

  #protocolError(error: unknown): void {
    const failure = Failure.from(error);
    this.#failReason = failure;
    log.failure('AMP protocol error; dropping the connection', failure, {}, 'error');
    this.transport.loseConnection();
  }

  /** Tells the receiver the connection is gone: with the protocol error if one closed it. */
  override connectionLost(reason: Failure): void {
    this.#lost = true;
    if (this.#failReason === null && this.#parser.pending > 0) {
      log.warn('AMP connection lost in the middle of a box ({bytes} bytes)', {
        bytes: this.#parser.pending,
      });
    }
    this.boxReceiver.stopReceivingBoxes(this.#failReason ?? reason);
  }

  /**
   * Writes `box`; after a {@link QuitBox}, closes the connection.
   *
   * (StartTLS, when added, hooks in here: boxes sent between asking for TLS
   * and the peer's answer are held, then flushed after `transport.startTLS`.)
   *
   * @throws {ConnectionLost} if not connected, or no longer.
   * @throws {TooLong} if a key or value is too long (nothing is sent).
   */
  sendBox(box: AmpBox): void {
    if (this.#lost || !this.connected) throw new ConnectionLost('AMP connection is not open');
    this.transport.write(box.serialize());
    if (box instanceof QuitBox) this.transport.loseConnection();
  }

  /** Logs `failure` and drops the connection: an error reached the end of a chain unhandled. */
  unhandledError(failure: Failure): void {
    log.failure(
      'AMP server or network failure unhandled by client application; dropping connection. ' +
        'To avoid, add errbacks to all remote calls.',
      failure,
      {},
      'error',
    );
    if (!this.#lost && this.connected) this.transport.loseConnection();
  }
}
