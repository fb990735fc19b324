/**
 * `IntNStringReceiver` and Twisted's `Int8`/`Int16`/`Int32StringReceiver`:
 * protocols for strings prefixed by their length.
 *
 * @module
 */
import type { ITransport } from '../../core/interfaces/transport.js';
import { asBytes } from './bytes.js';
import { LengthLimitExceededError } from './errors.js';
import { encodeIntN, IntNFramer } from './int-n-framer.js';
import { PausableReceiver } from './pausable-receiver.js';

/**
 * A protocol for strings prefixed by their length as a big-endian unsigned
 * integer of {@link IntNStringReceiver.prefixLength} bytes (Twisted's
 * `IntNStringReceiver`). Use {@link Int8StringReceiver},
 * {@link Int16StringReceiver} or {@link Int32StringReceiver}, or set
 * `prefixLength` to any size from 1 to 6 bytes (3 for a 24-bit prefix, say);
 * other encodings of the length need a framer of their own (see
 * {@link IntNFramer}).
 *
 * Each string goes to {@link IntNStringReceiver.stringReceived}. A prefix
 * over {@link IntNStringReceiver.MAX_LENGTH} calls
 * {@link IntNStringReceiver.lengthLimitExceeded} (by default dropping the
 * connection) before any of the string is buffered; strings earlier in the
 * same chunk are delivered first, and nothing after it is. So the receiver
 * holds at most `prefixLength + MAX_LENGTH` bytes of an unfinished string.
 *
 * Delivery stops as soon as the transport is `disconnecting` and while the
 * receiver is paused ({@link IntNStringReceiver.pauseProducing}); resuming
 * delivers the held strings first. (Twisted's legacy `recvd` attribute is not
 * carried over.)
 *
 * @example
 * ```ts
 * class Int24Echo extends IntNStringReceiver {
 *   readonly prefixLength = 3;
 *   override stringReceived(payload: Uint8Array): void {
 *     this.sendString(payload);
 *   }
 * }
 * ```
 */
export abstract class IntNStringReceiver<
  T extends ITransport = ITransport,
> extends PausableReceiver<T> {
  /** Bytes in the length prefix (1 to 6). */
  abstract readonly prefixLength: number;
  /** The longest string accepted, in bytes. Default 99999. */
  MAX_LENGTH = 99999;
  #framer: IntNFramer | null = null;
  #busyReceiving = false;

  /** Splits `data` into strings for {@link IntNStringReceiver.stringReceived}. */
  override dataReceived(data: Uint8Array): void {
    const framer = (this.#framer ??= new IntNFramer({ prefixLength: this.prefixLength }));
    framer.maxLength = this.MAX_LENGTH;
    framer.feed(data);
    if (this.#busyReceiving) return;
    this.#busyReceiving = true;
    try {
      while (!this.paused && !this.transport.disconnecting) {
        let payload: Uint8Array | undefined;
        try {
          payload = framer.next();
        } catch (e) {
          if (!(e instanceof LengthLimitExceededError)) throw e;
          this.lengthLimitExceeded(e.length);
          return;
        }
        if (payload === undefined) return;
        this.stringReceived(payload);
      }
    } finally {
      this.#busyReceiving = false;
    }
  }

  /**
   * A string arrived, without its prefix: a plain `Uint8Array`, possibly a
   * view sharing the memory of the chunk it arrived in; do not write to it.
   */
  abstract stringReceived(payload: Uint8Array): void;

  /**
   * A prefix announced `length` bytes, over {@link IntNStringReceiver.MAX_LENGTH}.
   * By default drops the connection (`loseConnection()`), as Twisted; no more
   * strings are delivered either way (the stream cannot be resynchronised).
   */
  lengthLimitExceeded(_length: number): void {
    this.transport.loseConnection();
  }

  /**
   * Writes `payload` with its length prefix, in one write; a string is sent
   * as UTF-8.
   *
   * @throws {StringTooLongError} if its length does not fit in the prefix
   *   (nothing is written).
   */
  sendString(payload: Uint8Array | string): void {
    this.transport.write(encodeIntN(asBytes(payload), this.prefixLength));
  }
}

/**
 * Strings prefixed by a 32-bit big-endian length (Twisted's
 * `Int32StringReceiver`, struct format `!I`).
 *
 * @example
 * ```ts
 * class Echo extends Int32StringReceiver {
 *   override stringReceived(payload: Uint8Array): void {
 *     this.sendString(payload);
 *   }
 * }
 * ```
 */
export abstract class Int32StringReceiver<
  T extends ITransport = ITransport,
> extends IntNStringReceiver<T> {
  /** Always 4. */
  readonly prefixLength: number = 4;
}

/** Strings prefixed by a 16-bit big-endian length (Twisted's `Int16StringReceiver`, `!H`). */
export abstract class Int16StringReceiver<
  T extends ITransport = ITransport,
> extends IntNStringReceiver<T> {
  /** Always 2. */
  readonly prefixLength: number = 2;
}

/** Strings prefixed by an 8-bit length (Twisted's `Int8StringReceiver`, `!B`): at most 255 bytes. */
export abstract class Int8StringReceiver<
  T extends ITransport = ITransport,
> extends IntNStringReceiver<T> {
  /** Always 1. */
  readonly prefixLength: number = 1;
}
