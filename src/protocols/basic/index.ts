/**
 * `weft/protocols/basic`: framing protocols (Twisted's
 * `twisted.protocols.basic`): lines, netstrings and length-prefixed strings,
 * each a `Protocol` base class over a pure framer.
 *
 * @module
 */
export {
  FramingError,
  LengthLimitExceededError,
  LineTooLongError,
  NetstringParseError,
  StringTooLongError,
} from './errors.js';
export type { NetstringParseErrorReason } from './errors.js';
export type { Framer } from './framer.js';
export { encodeIntN, IntNFramer } from './int-n-framer.js';
export type { IntNFramerOptions } from './int-n-framer.js';
export {
  Int16StringReceiver,
  Int32StringReceiver,
  Int8StringReceiver,
  IntNStringReceiver,
} from './int-string-receiver.js';
export { LineFramer } from './line-framer.js';
export type { LineFramerOptions } from './line-framer.js';
export { LineOnlyReceiver } from './line-only-receiver.js';
export { LineReceiver } from './line-receiver.js';
export { formatNetstring, NetstringFramer } from './netstring-framer.js';
export type { NetstringFramerOptions } from './netstring-framer.js';
export { NetstringReceiver } from './netstring-receiver.js';
export { PausableReceiver } from './pausable-receiver.js';
