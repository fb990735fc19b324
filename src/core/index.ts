/**
 * `weft/core`: the environment-agnostic core (no `node:` imports): Deferreds,
 * Failure, errors, the logger and the interfaces.
 *
 * @module
 */
export {
  Deferred,
  fail,
  getDebugging,
  maybeDeferred,
  passthru,
  setDebugging,
  succeed,
} from './defer.js';
export type { AddCallbacksOptions, AsPromiseOptions, Canceller } from './defer.js';
export { DeferredList, gatherResults, race } from './deferred-list.js';
export type { DeferredListEntry, DeferredListOptions, ResultsOf } from './deferred-list.js';
export { DeferredLock, DeferredQueue, DeferredSemaphore } from './deferred-queue.js';
export { ensureDeferred, inlineCallbacks } from './inline-callbacks.js';
export type { InlineGenerator } from './inline-callbacks.js';
export { Failure } from './failure.js';
export type { ErrorType } from './failure.js';
export { DelayedCall } from './delayed-call.js';
export type { DelayedCallOwner } from './delayed-call.js';
export {
  consoleErrorObserver,
  formatEvent,
  globalLogPublisher,
  LOG_LEVELS,
  Logger,
  LogPublisher,
} from './logger.js';
export type { ILogObserver, LogEvent, LogLevel } from './logger.js';
export type { IDelayedCall, IReactorTime } from './interfaces/reactor.js';
export {
  AlreadyCalledError,
  AlreadyCancelledError,
  BadFileError,
  BindError,
  CancelledError,
  CannotListenError,
  ConnectBindError,
  ConnectError,
  ConnectingCancelledError,
  ConnectingTimeoutError,
  ConnectionAborted,
  ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  DNSLookupError,
  FailureGroup,
  FirstError,
  InvalidAddressError,
  MessageLengthError,
  NoCurrentExceptionError,
  NoProtocol,
  NoRouteError,
  NotACoroutineError,
  NotConnectingError,
  NotListeningError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessTerminated,
  QueueOverflow,
  QueueUnderflow,
  ReactorAlreadyRunning,
  ReactorNotRestartable,
  ReactorNotRunning,
  SSLError,
  TCPTimedOutError,
  TimeoutError,
  UnknownHostError,
  UserError,
  WeftError,
} from './errors.js';
export type { WeftErrorOptions } from './errors.js';
