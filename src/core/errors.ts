/**
 * weft's error classes: Twisted's `defer` and `internet.error` trees.
 *
 * Every class extends {@link WeftError}, keeps the platform's `code` (when
 * there was one) and chains the platform error as `cause`. `instanceof` works
 * across two copies of weft in one process (see {@link WeftError}).
 *
 * @module
 */
import { BRANDS, brandsFor, hasBrand, nameError } from './brand.js';
import type { Failure } from './failure.js';

/** Options every weft error accepts: the platform's `code` and the `cause` being wrapped. */
export interface WeftErrorOptions {
  /** The platform's error code (`'ECONNREFUSED'`, `'ABORT_ERR'`, ...), when there was one. */
  readonly code?: string | undefined;
  /** The error being wrapped or explained. */
  readonly cause?: unknown;
}

/**
 * Base of every error weft raises.
 *
 * `instanceof` on weft errors works across two copies of the package in one
 * process: each instance carries global brands, and each class tests them.
 *
 * @example
 * ```ts
 * const d = new Deferred<string>();
 * d.addErrback((f) => {
 *   if (f.value instanceof CancelledError) return 'gave up';
 *   return f;
 * });
 * ```
 */
export class WeftError extends Error {
  /** Brand test, so `instanceof` agrees across copies of weft. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(this, value);
  }
  /** The platform's error code (`'ECONNREFUSED'`, ...), or `undefined` when the OS gave none. */
  readonly code: string | undefined;

  constructor(message?: string, options?: WeftErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRANDS, { value: brandsFor(new.target) });
    this.code = options?.code;
  }
}
nameError(WeftError, 'WeftError');

function described(base: string, detail: string | undefined): string {
  return detail === undefined || detail === '' ? base : `${base}: ${detail}`;
}

// ---------------------------------------------------------------------------
// Deferred

/**
 * A {@link Deferred} was cancelled.
 *
 * Its `code` is `'ABORT_ERR'`, as Node's `AbortError`, so code that checks
 * `err.code === 'ABORT_ERR'` treats both alike; its `cause` is the reason given
 * to `cancel(reason)` or the abort reason of the signal that cancelled it.
 */
export class CancelledError extends WeftError {
  /** Always `'ABORT_ERR'`, as Node's `AbortError`. */
  declare readonly code: 'ABORT_ERR';
  /** @param options - its `cause` is kept; its `code` is ignored (always `'ABORT_ERR'`). */
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The operation was cancelled', { ...options, code: 'ABORT_ERR' });
  }
}
nameError(CancelledError, 'CancelledError');

/**
 * A Deferred was fired twice, or a delayed call was cancelled, reset or
 * delayed after it ran.
 */
export class AlreadyCalledError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Already called', options);
  }
}
nameError(AlreadyCalledError, 'AlreadyCalledError');

/** A delayed call was cancelled, reset or delayed after it had been cancelled. */
export class AlreadyCancelledError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Already cancelled', options);
  }
}
nameError(AlreadyCancelledError, 'AlreadyCancelledError');

/**
 * An operation did not finish in time: {@link Deferred.addTimeout} expired, or
 * a connection attempt timed out.
 *
 * Its `name` is `'TimeoutError'`, as the `DOMException` of
 * `AbortSignal.timeout()`, so checks by name treat both alike.
 */
export class TimeoutError extends WeftError {
  /** The limit that expired, in seconds, when known. */
  readonly timeout: number | undefined;
  constructor(timeout?: number, message?: string, options?: WeftErrorOptions) {
    super(
      message ??
        (timeout === undefined ? 'Timed out' : `Timed out after ${String(timeout)} seconds`),
      options,
    );
    this.timeout = timeout;
  }
}
nameError(TimeoutError, 'TimeoutError');

/**
 * The first failure among several Deferreds: what {@link gatherResults} and
 * `DeferredList` with `fireOnOneErrback` fail with.
 */
export class FirstError extends WeftError {
  /** The failure of the input Deferred that failed first. */
  readonly subFailure: Failure;
  /** Its position in the input list. */
  readonly index: number;
  constructor(subFailure: Failure, index: number) {
    super(`FirstError[#${String(index)}, ${subFailure.getErrorMessage()}]`, {
      cause: subFailure.value,
    });
    this.subFailure = subFailure;
    this.index = index;
  }
}
nameError(FirstError, 'FirstError');

/** Every input of {@link race} failed; `failures` holds them in input order. */
export class FailureGroup extends WeftError {
  /** One failure per input, in input order. */
  readonly failures: readonly Failure[];
  constructor(failures: readonly Failure[]) {
    super(`All ${String(failures.length)} inputs failed`);
    this.failures = failures;
  }
}
nameError(FailureGroup, 'FailureGroup');

/** `DeferredQueue.put` on a queue already holding `size` items. */
export class QueueOverflow extends WeftError {
  constructor(message?: string) {
    super(message ?? 'Queue is full');
  }
}
nameError(QueueOverflow, 'QueueOverflow');

/** `DeferredQueue.get` with `backlog` getters already waiting. */
export class QueueUnderflow extends WeftError {
  constructor(message?: string) {
    super(message ?? 'Too many waiting getters');
  }
}
nameError(QueueUnderflow, 'QueueUnderflow');

/** A value that is neither a promise, an async function nor a Deferred was given to `ensureDeferred`. */
export class NotACoroutineError extends WeftError {}
nameError(NotACoroutineError, 'NotACoroutineError');

/**
 * A Failure was built without a value, as `new Failure()` in Twisted would take
 * "the current exception", which JavaScript does not have.
 */
export class NoCurrentExceptionError extends WeftError {
  constructor() {
    super('Failure constructed with no exception value');
  }
}
nameError(NoCurrentExceptionError, 'NoCurrentExceptionError');

// ---------------------------------------------------------------------------
// Connections (Twisted's internet.error)

/** Binding a listening port failed. */
export class BindError extends WeftError {}
nameError(BindError, 'BindError');

/** A listening port could not be opened; `code` is the platform's (`'EADDRINUSE'`, `'EACCES'`, ...). */
export class CannotListenError extends BindError {
  /** The interface that was asked for (`''` for all). */
  readonly interface: string;
  /** The port number, or the UNIX socket path. */
  readonly port: number | string;
  constructor(iface: string, port: number | string, options?: WeftErrorOptions) {
    const cause = options?.cause;
    const why = cause instanceof Error ? cause.message : undefined;
    super(
      described(`Couldn't listen on ${iface === '' ? 'any' : iface}:${String(port)}`, why),
      options,
    );
    this.interface = iface;
    this.port = port;
  }
}
nameError(CannotListenError, 'CannotListenError');

/** Resolving a host name failed; `code` is the resolver's (`'ENOTFOUND'`, `'EAI_AGAIN'`, ...). */
export class DNSLookupError extends WeftError {}
nameError(DNSLookupError, 'DNSLookupError');

/** A connection attempt failed before the connection was made. */
export class ConnectError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'An error occurred while connecting', options);
  }
}
nameError(ConnectError, 'ConnectError');

/** Could not bind the local address of an outgoing connection. */
export class ConnectBindError extends ConnectError {}
nameError(ConnectBindError, 'ConnectBindError');
/** The destination host name is unknown. */
export class UnknownHostError extends ConnectError {}
nameError(UnknownHostError, 'UnknownHostError');
/** No route to the destination (`ENETUNREACH`, `EHOSTUNREACH`). */
export class NoRouteError extends ConnectError {}
nameError(NoRouteError, 'NoRouteError');
/** The other side refused the connection (`ECONNREFUSED`). */
export class ConnectionRefusedError extends ConnectError {}
nameError(ConnectionRefusedError, 'ConnectionRefusedError');
/** The operating system timed the connection attempt out (`ETIMEDOUT`). */
export class TCPTimedOutError extends ConnectError {}
nameError(TCPTimedOutError, 'TCPTimedOutError');
/** A file descriptor or socket path was not usable. */
export class BadFileError extends ConnectError {}
nameError(BadFileError, 'BadFileError');
/** A TLS failure during connecting. */
export class SSLError extends ConnectError {}
nameError(SSLError, 'SSLError');
/** The connection attempt was stopped by the user (`stopConnecting`). */
export class UserError extends ConnectError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'User aborted connection', options);
  }
}
nameError(UserError, 'UserError');

/**
 * A connection attempt ran past its `timeout`: a {@link UserError} that is also
 * `instanceof` {@link TimeoutError}, so one check catches every timeout.
 */
export class ConnectingTimeoutError extends UserError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'User timeout caused connection failure', options);
  }
}
nameError(ConnectingTimeoutError, 'ConnectingTimeoutError', TimeoutError);

/** An endpoint's `connect()` was cancelled before the connection was made. */
export class ConnectingCancelledError extends CancelledError {
  /** The address that was being connected to. */
  readonly address: unknown;
  constructor(address: unknown, options?: WeftErrorOptions) {
    super('Connecting was cancelled', options);
    this.address = address;
  }
}
nameError(ConnectingCancelledError, 'ConnectingCancelledError');

/** The factory's `buildProtocol` returned `null`, so the connection was closed. */
export class NoProtocol extends ConnectError {
  constructor(message?: string) {
    super(message ?? 'Factory built no protocol');
  }
}
nameError(NoProtocol, 'NoProtocol');

/** A connection ended; see the two kinds below. */
export class ConnectionClosed extends WeftError {}
nameError(ConnectionClosed, 'ConnectionClosed');

/** The connection was lost in a non-clean fashion (reset, error, abort). */
export class ConnectionLost extends ConnectionClosed {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Connection to the other side was lost in a non-clean fashion', options);
  }
}
nameError(ConnectionLost, 'ConnectionLost');

/** The connection was closed by `abortConnection()`. */
export class ConnectionAborted extends ConnectionLost {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Connection was aborted locally', options);
  }
}
nameError(ConnectionAborted, 'ConnectionAborted');

/** The connection was closed cleanly. */
export class ConnectionDone extends ConnectionClosed {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Connection was closed cleanly', options);
  }
}
nameError(ConnectionDone, 'ConnectionDone');

/** `stopConnecting()` on a connector that is not connecting. */
export class NotConnectingError extends WeftError {}
nameError(NotConnectingError, 'NotConnectingError');
/** `stopListening()` on a port that is not listening. */
export class NotListeningError extends WeftError {}
nameError(NotListeningError, 'NotListeningError');
/** `stop()` on a reactor that is not running. */
export class ReactorNotRunning extends WeftError {
  constructor(message?: string) {
    super(message ?? "Can't stop reactor that isn't running.");
  }
}
nameError(ReactorNotRunning, 'ReactorNotRunning');
/** `run()` on a reactor that is already running. */
export class ReactorAlreadyRunning extends WeftError {
  constructor(message?: string) {
    super(message ?? 'Reactor already running');
  }
}
nameError(ReactorAlreadyRunning, 'ReactorAlreadyRunning');
/** `run()` on a reactor that has already been stopped. */
export class ReactorNotRestartable extends WeftError {
  constructor(message?: string) {
    super(message ?? "Can't restart a stopped reactor");
  }
}
nameError(ReactorNotRestartable, 'ReactorNotRestartable');
/** An address was not valid for the call it was given to. */
export class InvalidAddressError extends WeftError {
  /** The address given. */
  readonly address: unknown;
  constructor(address: unknown, message: string) {
    super(`Invalid address ${String(address)}: ${message}`);
    this.address = address;
  }
}
nameError(InvalidAddressError, 'InvalidAddressError');
/** A datagram was too long for the transport. */
export class MessageLengthError extends WeftError {}
nameError(MessageLengthError, 'MessageLengthError');

// ---------------------------------------------------------------------------
// Scheduling (Twisted's internet.task) and the global reactor

/**
 * An operation was called in a state that does not allow it: starting a
 * `LoopingCall` that is already running, stopping or resetting one that is
 * not (Twisted asserts these).
 *
 * Its `name` is `'InvalidStateError'`, as the `DOMException` raised for the
 * same kind of misuse, and its `code` is `'ERR_INVALID_STATE'`, as Node's.
 */
export class InvalidStateError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Invalid state for this operation', {
      code: 'ERR_INVALID_STATE',
      ...options,
    });
  }
}
nameError(InvalidStateError, 'InvalidStateError');

/**
 * A {@link Cooperator} or one of its tasks was in a state that does not allow
 * the operation. Not raised itself: the base of the scheduler errors below.
 */
export class SchedulerError extends WeftError {}
nameError(SchedulerError, 'SchedulerError');

/** The {@link Cooperator} was stopped while the task ran, or before it was added. */
export class SchedulerStopped extends SchedulerError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The cooperator was stopped', options);
  }
}
nameError(SchedulerStopped, 'SchedulerStopped');

/**
 * The cooperative task has already finished: completed, stopped, or failed.
 * Not raised itself; see its three subclasses.
 */
export class TaskFinished extends SchedulerError {}
nameError(TaskFinished, 'TaskFinished');

/** The cooperative task had already run its iterator to the end. */
export class TaskDone extends TaskFinished {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The task has already completed', options);
  }
}
nameError(TaskDone, 'TaskDone');

/** The cooperative task was stopped with `stop()`. */
export class TaskStopped extends TaskFinished {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The task was stopped', options);
  }
}
nameError(TaskStopped, 'TaskStopped');

/** The cooperative task ended with an error from its iterator or from a Deferred it yielded. */
export class TaskFailed extends TaskFinished {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The task failed with an unhandled error', options);
  }
}
nameError(TaskFailed, 'TaskFailed');

/** `resume()` on a cooperative task that was not paused. */
export class NotPaused extends SchedulerError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The task is not paused', options);
  }
}
nameError(NotPaused, 'NotPaused');

/** `installReactor()` while a different reactor is already installed. */
export class ReactorAlreadyInstalledError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'Could not install reactor because one is already installed', options);
  }
}
nameError(ReactorAlreadyInstalledError, 'ReactorAlreadyInstalledError');

/**
 * Something needed the global reactor (a `LoopingCall` with no `clock`, the
 * global `coiterate`, ...) and none is installed.
 */
export class ReactorNotInstalledError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(
      message ??
        "No reactor installed: import 'weft' (which installs the Node reactor), " +
          'call installReactor(), or pass a clock explicitly (for example set LoopingCall.clock)',
      options,
    );
  }
}
nameError(ReactorNotInstalledError, 'ReactorNotInstalledError');

/**
 * Ends a `react()` main function with a chosen exit status (Python's
 * `SystemExit`): thrown or failed with, the process exits with `exitCode`
 * and nothing is logged.
 */
export class SystemExit extends WeftError {
  /** The process exit status to use. */
  readonly exitCode: number;
  constructor(exitCode: number, message?: string) {
    super(message ?? `Exit with status ${String(exitCode)}`);
    this.exitCode = exitCode;
  }
}
nameError(SystemExit, 'SystemExit');

// ---------------------------------------------------------------------------
// Logging

/**
 * A value given as a log level is not one of `'debug'`, `'info'`, `'warn'`,
 * `'error'`, `'critical'` (Twisted's `InvalidLogLevelError`).
 */
export class InvalidLogLevelError extends WeftError {
  /** The value that was given as a level. */
  readonly level: unknown;
  constructor(level: unknown, options?: WeftErrorOptions) {
    super(`Invalid log level: ${showLevel(level)}`, options);
    this.level = level;
  }
}
nameError(InvalidLogLevelError, 'InvalidLogLevelError');

function showLevel(level: unknown): string {
  try {
    return typeof level === 'string' ? JSON.stringify(level) : String(level);
  } catch {
    return `<${typeof level}>`;
  }
}
