/**
 * The errors of the framing protocols in `weft/protocols/basic`.
 *
 * Receiving errors ({@link LineTooLongError}, {@link NetstringParseError},
 * {@link LengthLimitExceededError}) derive from {@link FramingError}: the pure
 * framers throw them, and the receivers turn them into their Twisted hooks
 * (`lineLengthExceeded`, `handleParseError`, `lengthLimitExceeded`). The
 * sending error ({@link StringTooLongError}) is thrown by `sendString`.
 *
 * @module
 */
import { nameError } from '../../core/brand.js';
import { WeftError } from '../../core/errors.js';

/**
 * The peer sent bytes that do not frame: the base of the receiving errors of
 * `weft/protocols/basic`. Not thrown itself.
 */
export class FramingError extends WeftError {}
nameError(FramingError, 'FramingError');

/**
 * A line grew past its limit: a delimited line longer than `maxLength`, or
 * `maxLength + delimiter.length` bytes or more without a delimiter.
 *
 * The framer that throws it has discarded everything it held (as Twisted's
 * `LineReceiver` clears its buffer) and can go on with the next bytes fed.
 */
export class LineTooLongError extends FramingError {
  /**
   * The offending line without its delimiter, or, when no delimiter came,
   * every byte buffered (what Twisted's `LineOnlyReceiver` hands to
   * `lineLengthExceeded`).
   */
  readonly line: Uint8Array;
  /**
   * Everything the framer discarded: the line, its delimiter and whatever was
   * buffered after it (what Twisted's `LineReceiver` hands to
   * `lineLengthExceeded`).
   */
  readonly discarded: Uint8Array;
  /** The limit that was passed, in bytes. */
  readonly maxLength: number;

  constructor(line: Uint8Array, discarded: Uint8Array, maxLength: number) {
    super(`Line longer than the maximum of ${String(maxLength)} bytes`);
    this.line = line;
    this.discarded = discarded;
    this.maxLength = maxLength;
  }
}
nameError(LineTooLongError, 'LineTooLongError');

/** Why a netstring was refused (Twisted's four `NetstringParseError` messages). */
export type NetstringParseErrorReason = 'missing-length' | 'too-long' | 'missing-comma';

/**
 * The bytes received are not a valid netstring: no length (or one with a
 * leading zero), a length over the limit, or no comma after the payload.
 * The stream cannot be resynchronised after one: the framer stays failed.
 */
export class NetstringParseError extends FramingError {
  /** Which rule was broken. */
  readonly reason: NetstringParseErrorReason;

  constructor(reason: NetstringParseErrorReason, maxLength: number) {
    super(netstringMessage(reason, maxLength));
    this.reason = reason;
  }
}
nameError(NetstringParseError, 'NetstringParseError');

function netstringMessage(reason: NetstringParseErrorReason, maxLength: number): string {
  switch (reason) {
    case 'missing-length':
      return 'Netstring does not start with a length (decimal digits, no leading zero, then ":")';
    case 'too-long':
      return `Netstring length is over the maximum of ${String(maxLength)} bytes`;
    case 'missing-comma':
      return 'Netstring payload is not followed by ","';
  }
}

/**
 * A length prefix announced a string longer than the receiver accepts. The
 * string is not buffered; the stream cannot be resynchronised, so the framer
 * stays failed.
 */
export class LengthLimitExceededError extends FramingError {
  /** The length the prefix announced, in bytes. */
  readonly length: number;
  /** The limit, in bytes. */
  readonly maxLength: number;

  constructor(length: number, maxLength: number) {
    super(
      `Length prefix announces ${String(length)} bytes, over the maximum of ${String(maxLength)}`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}
nameError(LengthLimitExceededError, 'LengthLimitExceededError');

/**
 * `sendString` was given a string too long for the length prefix (256 bytes
 * or more for an 8-bit prefix, 65,536 for 16 bits, 2³² for 32 bits). Nothing
 * was written. Twisted raises an `AssertionError` subclass of the same name.
 */
export class StringTooLongError extends WeftError {
  /** The length of the string, in bytes. */
  readonly length: number;
  /** The largest length the prefix can carry, in bytes. */
  readonly maxLength: number;

  constructor(length: number, maxLength: number) {
    super(
      `Cannot send ${String(length)} bytes: the length prefix carries at most ${String(maxLength)}`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}
nameError(StringTooLongError, 'StringTooLongError');
