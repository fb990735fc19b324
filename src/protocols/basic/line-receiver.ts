/**
 * `LineReceiver`: Twisted's line-and-raw-data protocol base class.
 *
 * @module
 */
import type { ITransport } from '../../core/interfaces/transport.js';
import { concatBytes } from '../../core/bytes.js';
import { asBytes, EMPTY } from './bytes.js';
import { LineTooLongError } from './errors.js';
import { LineFramer } from './line-framer.js';
import { PausableReceiver } from './pausable-receiver.js';

/**
 * A protocol that receives lines and/or raw data, depending on its mode
 * (Twisted's `LineReceiver`): the base of line protocols such as IRC, SMTP,
 * POP3 or HTTP/1's head.
 *
 * In line mode every line (without its {@link LineReceiver.delimiter}) goes
 * to {@link LineReceiver.lineReceived}; in raw mode the bytes go to
 * {@link LineReceiver.rawDataReceived} as they come.
 * {@link LineReceiver.setRawMode} and {@link LineReceiver.setLineMode}
 * switch, also from inside those callbacks: what is already buffered goes to
 * the new mode, in order.
 *
 * Limits: a line longer than {@link LineReceiver.MAX_LENGTH} bytes, or that
 * many bytes plus the delimiter's length without a delimiter, calls
 * {@link LineReceiver.lineLengthExceeded}, which by default drops the
 * connection. Between chunks the receiver holds at most
 * `MAX_LENGTH + delimiter.length - 1` bytes of an unfinished line, plus, while
 * paused, what arrived after the pause.
 *
 * Delivery stops as soon as the transport is `disconnecting` (lines after a
 * `loseConnection()` in the same chunk are dropped) and while the receiver is
 * paused ({@link LineReceiver.pauseProducing}); resuming delivers the held
 * lines first. The receiver is a push producer, so it can be registered on a
 * transport it writes to.
 *
 * `delimiter` and `MAX_LENGTH` are overridable fields, as Twisted's class
 * attributes; they may also be changed between chunks.
 *
 * @example
 * ```ts
 * class Upper extends LineReceiver {
 *   override delimiter = '\n';
 *   override lineReceived(line: Uint8Array): void {
 *     this.sendLine(new TextDecoder().decode(line).toUpperCase());
 *   }
 * }
 * ```
 */
export abstract class LineReceiver<T extends ITransport = ITransport> extends PausableReceiver<T> {
  /** What ends a line; a string is sent and matched as UTF-8. Default `'\r\n'`. */
  delimiter: Uint8Array | string = '\r\n';
  /** The longest line accepted, in bytes, without the delimiter. Default 16384. */
  MAX_LENGTH = 16384;
  #lineMode = true;
  #busyReceiving = false;
  #framer: LineFramer | null = null;

  /** Whether the receiver is in line mode (`line_mode` in Twisted). */
  get lineMode(): boolean {
    return this.#lineMode;
  }

  /**
   * Splits `data` into lines for {@link LineReceiver.lineReceived} (or hands
   * it to {@link LineReceiver.rawDataReceived} in raw mode). Re-entrant: a
   * call from inside a callback only queues its bytes after the ones held.
   */
  override dataReceived(data: Uint8Array): void {
    const framer = this.#framerNow();
    framer.feed(data);
    if (this.#busyReceiving) return;
    this.#busyReceiving = true;
    try {
      // A real transport stops reading once disconnecting; a test double may not.
      while (!this.paused && !this.transport.disconnecting) {
        if (this.#lineMode) {
          let line: Uint8Array | undefined;
          try {
            line = framer.next();
          } catch (e) {
            if (!(e instanceof LineTooLongError)) throw e;
            this.lineLengthExceeded(e.discarded);
            continue;
          }
          if (line === undefined) return;
          this.lineReceived(line);
        } else {
          if (framer.bufferedLength === 0) return;
          this.rawDataReceived(framer.takeBuffered());
        }
      }
    } finally {
      this.#busyReceiving = false;
    }
  }

  /**
   * A line arrived, without its delimiter; possibly empty. A plain
   * `Uint8Array`, often a view sharing the memory of the chunk it arrived in
   * (weft's transports never reuse a chunk's memory, so it stays valid);
   * do not write to it.
   */
  abstract lineReceived(line: Uint8Array): void;

  /**
   * Raw bytes arrived in raw mode. Override it when using
   * {@link LineReceiver.setRawMode}.
   *
   * @throws {TypeError} by default: raw mode was set without overriding this.
   */
  rawDataReceived(_data: Uint8Array): void {
    throw new TypeError(
      `${this.constructor.name} is in raw mode but does not override rawDataReceived`,
    );
  }

  /**
   * Switches to line mode. `extra` (bytes a raw-mode callback did not use)
   * is parsed for lines first, before anything received later.
   */
  setLineMode(extra: Uint8Array = EMPTY): void {
    this.#lineMode = true;
    if (extra.length > 0) this.dataReceived(extra);
  }

  /**
   * Switches to raw mode: what is buffered, and everything received from now
   * on, goes to {@link LineReceiver.rawDataReceived}. Called from
   * `lineReceived`, the rest of the same chunk goes raw.
   */
  setRawMode(): void {
    this.#lineMode = false;
  }

  /** Removes and returns every byte buffered and not yet delivered. */
  clearLineBuffer(): Uint8Array {
    return this.#framer === null ? EMPTY : this.#framer.takeBuffered();
  }

  /** Writes `line` followed by the delimiter, in one write; a string is sent as UTF-8. */
  sendLine(line: Uint8Array | string): void {
    this.transport.write(concatBytes([asBytes(line), this.#framerNow().delimiter]));
  }

  /**
   * A line passed {@link LineReceiver.MAX_LENGTH}. `data` is everything that
   * was buffered from the start of that line on (the line, its delimiter if
   * it came, and what followed; or the unfinished line): the receiver has
   * discarded it. By default drops the connection (`loseConnection()`);
   * override to answer otherwise. Delivery goes on unless the transport is
   * disconnecting.
   */
  lineLengthExceeded(_data: Uint8Array): void {
    this.transport.loseConnection();
  }

  /** The framer, made or updated to the current `delimiter` and `MAX_LENGTH`. */
  #framerNow(): LineFramer {
    this.#framer ??= new LineFramer({ delimiter: this.delimiter, maxLength: this.MAX_LENGTH });
    return this.#framer.follow(this.delimiter, this.MAX_LENGTH);
  }
}
