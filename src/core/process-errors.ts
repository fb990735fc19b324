/**
 * How a child process ended, and what can go wrong driving one (Twisted's
 * `ProcessDone`, `ProcessTerminated` and `ProcessExitedAlready` from
 * `internet.error`, plus weft's `ProcessSpawnError`, `UnexpectedErrorOutput`
 * and `ProcessSignalledError`).
 *
 * ```
 * WeftError
 * ├─ ConnectionClosed
 * │   ├─ ConnectionDone ─ ProcessDone                 exit status 0
 * │   └─ ConnectionLost ─ ProcessTerminated           non-zero status, or a signal
 * │                          └─ ProcessSpawnError     the child never started (ENOENT, ...)
 * ├─ ProcessExitedAlready                             signalProcess() after the exit
 * ├─ UnexpectedErrorOutput                            getProcessOutput() saw stderr
 * └─ ProcessSignalledError                            getProcessOutputAndValue(): killed by a signal
 * ```
 *
 * @module
 */
import { nameError } from './brand.js';
import type { Deferred } from './defer.js';
import { ConnectionDone, ConnectionLost, WeftError, type WeftErrorOptions } from './errors.js';

/**
 * A child process exited with status 0 (the reason given to `processExited`
 * and `processEnded`).
 */
export class ProcessDone extends ConnectionDone {
  /** Always 0. */
  readonly exitCode = 0;
  /** Always `null`. */
  readonly signal = null;
  /** The raw wait status, as `waitpid` reports it: 0 for a plain exit with status 0. */
  readonly status: number;
  /** @param status - the raw wait status (default 0). */
  constructor(status = 0) {
    super('A process has ended without apparent errors: process finished with exit code 0.');
    this.status = status;
  }
}
nameError(ProcessDone, 'ProcessDone');

/**
 * A child process exited with a non-zero status or was killed by a signal.
 *
 * `signal` is the signal's name as Node reports it (`'SIGTERM'`), where
 * Twisted gives its number; the number is in `status`, the raw wait status
 * (`exitCode << 8` for an exit, the signal number for a signal), as Twisted's.
 */
export class ProcessTerminated extends ConnectionLost {
  /** The exit status, or `null` when a signal ended the process. */
  readonly exitCode: number | null;
  /** The signal's name (`'SIGTERM'`, ...), or `null` when the process exited. */
  readonly signal: string | null;
  /** The raw wait status (see the class comment), or `null` when unknown. */
  readonly status: number | null;
  /**
   * @param exitCode - the exit status, or `null` for a signal.
   * @param signal - the signal's name, or `null` for an exit.
   * @param status - the raw wait status, when known.
   * @param message - replaces the message describing the end.
   */
  constructor(
    exitCode: number | null,
    signal: string | null,
    status: number | null = null,
    message?: string,
    options?: WeftErrorOptions,
  ) {
    const how =
      signal === null
        ? `process ended with exit code ${String(exitCode)}`
        : `process ended by signal ${signal}`;
    super(message ?? `A process has ended with a probable error condition: ${how}.`, options);
    this.exitCode = exitCode;
    this.signal = signal;
    this.status = status;
  }
}
nameError(ProcessTerminated, 'ProcessTerminated');

/**
 * The child process could not be started: the executable is missing
 * (`code` `'ENOENT'`) or not executable (`'EACCES'`), the working directory
 * does not exist, or the system is out of processes or descriptors
 * (`'EAGAIN'`, `'EMFILE'`). Its `cause` is Node's error.
 *
 * Twisted on POSIX forks first, so an exec failure shows there as a child
 * exiting with status 1 after printing a traceback. Node reports the failure
 * itself, so weft delivers this instead, as the reason of both
 * `processExited` and `processEnded`; it is a {@link ProcessTerminated}
 * (with `exitCode` and `signal` `null`), so code that treats any
 * non-{@link ProcessDone} end as a failure keeps working.
 */
export class ProcessSpawnError extends ProcessTerminated {
  /** The executable that could not be started. */
  readonly executable: string;
  /**
   * @param executable - what was to be run.
   * @param options - the platform `code` and Node's error as `cause`.
   */
  constructor(executable: string, options?: WeftErrorOptions) {
    const code = options?.code ?? 'unknown error';
    super(null, null, null, `Could not start ${JSON.stringify(executable)}: ${code}`, options);
    this.executable = executable;
  }
}
nameError(ProcessSpawnError, 'ProcessSpawnError');

/** `signalProcess` on a process that has already exited (or never started). */
export class ProcessExitedAlready extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The process has already exited', options);
  }
}
nameError(ProcessExitedAlready, 'ProcessExitedAlready');

/**
 * `getProcessOutput` (without `errortoo`) saw the child write to stderr
 * (Twisted's `_UnexpectedErrorOutput`). The child's stdin, stdout and stderr
 * are closed at once; {@link UnexpectedErrorOutput.processEnded} tells when
 * the child has ended.
 */
export class UnexpectedErrorOutput extends WeftError {
  /** The first bytes the child wrote to stderr. */
  readonly data: Uint8Array;
  /**
   * Fails with the child's end reason once it has ended (exited and every
   * pipe closed) — always a failure, as in Twisted, even for exit status 0.
   */
  readonly processEnded: Deferred<never>;
  constructor(data: Uint8Array, processEnded: Deferred<never>, options?: WeftErrorOptions) {
    super(`got stderr: ${JSON.stringify(new TextDecoder().decode(data))}`, options);
    this.data = data;
    this.processEnded = processEnded;
  }
}
nameError(UnexpectedErrorOutput, 'UnexpectedErrorOutput');

/**
 * `getProcessOutputAndValue`: the child was killed by a signal. Twisted
 * fails its Deferred with the tuple `(out, err, signalNumber)`; weft with
 * this error carrying the same three, and the `ProcessTerminated` as `cause`.
 */
export class ProcessSignalledError extends WeftError {
  /** Everything the child wrote to stdout. */
  readonly out: Uint8Array;
  /** Everything the child wrote to stderr. */
  readonly err: Uint8Array;
  /** The signal's name (`'SIGKILL'`, ...). */
  readonly signal: string;
  constructor(out: Uint8Array, err: Uint8Array, signal: string, options?: WeftErrorOptions) {
    super(`The process was killed by signal ${signal}`, options);
    this.out = out;
    this.err = err;
    this.signal = signal;
  }
}
nameError(ProcessSignalledError, 'ProcessSignalledError');
