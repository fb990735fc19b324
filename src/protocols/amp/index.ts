/**
 * `weft/protocols/amp`: the Asynchronous Messaging Protocol, wire-compatible
 * with Twisted's AMP. Layered as Twisted's: {@link BoxParser} (the framer),
 * {@link BinaryBoxProtocol} (boxes over a transport), {@link BoxDispatcher}
 * (calls and answers) and {@link AMP} (both, with typed responders).
 *
 * @module
 */
export { AMP } from './amp.js';
export type { AMPOptions } from './amp.js';
export {
  AmpList,
  Argument,
  BigInteger,
  Boolean,
  boxToValues,
  Float,
  Integer,
  ListOf,
  LocalArgument,
  String,
  Unicode,
  valuesToBox,
} from './arguments.js';
export type {
  ArgumentMap,
  ArgumentOptions,
  ArgumentValues,
  IArgumentType,
  ValueOf,
} from './arguments.js';
export { BinaryBoxProtocol } from './binary-box-protocol.js';
export type { BoxReceiver, BoxSender } from './binary-box-protocol.js';
export {
  AmpBox,
  ANSWER,
  ASK,
  BoxParser,
  COMMAND,
  ERROR,
  ERROR_CODE,
  ERROR_DESCRIPTION,
  parseBoxes,
  QuitBox,
} from './box.js';
export type { BoxParserOptions } from './box.js';
export { command } from './command.js';
export type {
  AmpErrorClass,
  ArgumentsOf,
  Command,
  CommandKind,
  CommandSpec,
  ErrorMap,
  NoArguments,
  ResponseOf,
  WithLocal,
} from './command.js';
export { CommandLocator } from './command-locator.js';
export type { TypedResponder } from './command-locator.js';
export { locateStringResponder, SimpleStringLocator } from './string-locator.js';
export type { BoxResponderMethod } from './string-locator.js';
export { dateTimeFromDate, dateTimeToDate, DateTime } from './date-time.js';
export type { AmpDateTime } from './date-time.js';
export { AmpDecimal, Decimal } from './decimal.js';
export { Descriptor, Path } from './path.js';
export { BoxDispatcher } from './dispatcher.js';
export type { CallResult, Responder, ResponderLocator } from './dispatcher.js';
export {
  AmpError,
  BadLocalReturn,
  InvalidSignature,
  MalformedAmpBox,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  NoEmptyBoxes,
  OnlyOneTLS,
  ProtocolSwitched,
  RemoteAmpError,
  TLS_ERROR_CODE,
  TLSNotAvailable,
  TooLong,
  UNHANDLED_ERROR_CODE,
  UnhandledCommand,
  UNKNOWN_ERROR_CODE,
  UnknownRemoteError,
  UnsupportedArgument,
} from './errors.js';
export { protocolSwitchCommand, SwitchBox } from './protocol-switch.js';
export type {
  ProtocolSwitchArguments,
  ProtocolSwitchCommand,
  ProtocolSwitchResponse,
  SwitchProtocolFactory,
} from './protocol-switch.js';
export { StartTLS, startTLSCommand, TLSBox, tlsOptions } from './start-tls.js';
export type { StartTLSArguments, StartTLSCommand, StartTLSValues } from './start-tls.js';
