/**
 * `LineOnlyReceiver`: Twisted's fast path for protocols that only ever
 * receive lines.
 *
 * @module
 */
import { Protocol } from '../../core/protocol.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { asBytes } from './bytes.js';
import { LineTooLongError } from './errors.js';
import { LineFramer } from './line-framer.js';

/**
 * A protocol that receives only lines (Twisted's `LineOnlyReceiver`): a
 * {@link LineReceiver} without raw mode, pausing or re-entrancy guard, for
 * the cases known not to need them.
 *
 * Each line (without its {@link LineOnlyReceiver.delimiter}) goes to
 * {@link LineOnlyReceiver.lineReceived}; delivery stops as soon as the
 * transport is `disconnecting`. A line over
 * {@link LineOnlyReceiver.MAX_LENGTH} calls
 * {@link LineOnlyReceiver.lineLengthExceeded} with that line (by default
 * dropping the connection), and the rest of the chunk is discarded.
 *
 * Unlike Twisted, an unfinished line is refused only at `MAX_LENGTH` plus the
 * delimiter's length (as `LineReceiver` does), so a line of exactly
 * `MAX_LENGTH` bytes whose delimiter is split across chunks is accepted.
 *
 * @example
 * ```ts
 * class Count extends LineOnlyReceiver {
 *   lines = 0;
 *   override lineReceived(_line: Uint8Array): void {
 *     this.lines += 1;
 *   }
 * }
 * ```
 */
export abstract class LineOnlyReceiver<T extends ITransport = ITransport> extends Protocol<T> {
  /** What ends a line; a string is sent and matched as UTF-8. Default `'\r\n'`. */
  delimiter: Uint8Array | string = '\r\n';
  /** The longest line accepted, in bytes, without the delimiter. Default 16384. */
  MAX_LENGTH = 16384;
  #framer: LineFramer | null = null;

  /** Splits `data` into lines for {@link LineOnlyReceiver.lineReceived}. */
  override dataReceived(data: Uint8Array): void {
    const framer = this.#framerNow();
    framer.feed(data);
    const transport = this.transport;
    for (;;) {
      if (transport.disconnecting) return;
      let line: Uint8Array | undefined;
      try {
        line = framer.next();
      } catch (e) {
        if (!(e instanceof LineTooLongError)) throw e;
        this.lineLengthExceeded(e.line);
        return;
      }
      if (line === undefined) return;
      this.lineReceived(line);
    }
  }

  /**
   * A line arrived, without its delimiter; possibly empty. A plain
   * `Uint8Array`, often a view sharing the memory of the chunk it arrived in
   * (weft's transports never reuse a chunk's memory, so it stays valid);
   * do not write to it.
   */
  abstract lineReceived(line: Uint8Array): void;

  /** Writes `line` then the delimiter (`writeSequence`); a string is sent as UTF-8. */
  sendLine(line: Uint8Array | string): void {
    this.transport.writeSequence([asBytes(line), this.#framerNow().delimiter]);
  }

  /**
   * A line passed {@link LineOnlyReceiver.MAX_LENGTH}: `line` is that line,
   * or the unfinished bytes when no delimiter came. By default drops the
   * connection (`loseConnection()`).
   */
  lineLengthExceeded(_line: Uint8Array): void {
    this.transport.loseConnection();
  }

  #framerNow(): LineFramer {
    this.#framer ??= new LineFramer({ delimiter: this.delimiter, maxLength: this.MAX_LENGTH });
    return this.#framer.follow(this.delimiter, this.MAX_LENGTH);
  }
}
