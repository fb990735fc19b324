/**
 * Errors of the process pool: a full queue, a child that died during a
 * call, and a call that ran past its time limit.
 *
 * ```
 * WeftError
 * ├─ QueueOverflow ─ ProcessPoolFullError       the bounded queue is full
 * ├─ ConnectionClosed ─ ConnectionLost
 * │                       └─ PoolChildCrashError the child died during the call
 * └─ TimeoutError ─ PoolCallTimeoutError        the call took too long; its child was killed
 * ```
 *
 * @module
 */
import { nameError } from '../core/brand.js';
import {
  ConnectionLost,
  QueueOverflow,
  TimeoutError,
  type WeftErrorOptions,
} from '../core/errors.js';

/**
 * `ProcessPool.callRemote` found every child busy and `maxQueued` calls
 * already waiting: the call was refused without being queued.
 */
export class ProcessPoolFullError extends QueueOverflow {
  /** The queue's bound. */
  readonly maxQueued: number;
  constructor(maxQueued: number) {
    super(`Process pool is full: every child is busy and ${String(maxQueued)} calls are queued`);
    this.maxQueued = maxQueued;
  }
}
nameError(ProcessPoolFullError, 'ProcessPoolFullError');

/**
 * The child running a call ended before answering: it crashed, called
 * `process.exit()`, was killed by a signal, or never started. `exitCode`
 * and `signal` say how it ended; `cause` is the process's own reason
 * (`ProcessTerminated`, `ProcessDone` or `ProcessSpawnError`). The pool
 * replaces the child.
 */
export class PoolChildCrashError extends ConnectionLost {
  /** The child's exit status, or `null` when a signal ended it (or it never started). */
  readonly exitCode: number | null;
  /** The signal that ended the child (`'SIGKILL'`, ...), or `null`. */
  readonly signal: string | null;
  constructor(exitCode: number | null, signal: string | null, options?: WeftErrorOptions) {
    const how =
      signal !== null
        ? `was killed by ${signal}`
        : exitCode !== null
          ? `exited with code ${String(exitCode)}`
          : 'could not be started';
    super(`The pool's child process ${how} while running a call`, options);
    this.exitCode = exitCode;
    this.signal = signal;
  }
}
nameError(PoolChildCrashError, 'PoolChildCrashError');

/**
 * A call ran longer than the pool's `timeout`: its child was killed
 * (SIGKILL) and is replaced. `timeout` is the limit, in seconds.
 */
export class PoolCallTimeoutError extends TimeoutError {
  /** The command that timed out. */
  readonly commandName: string;
  constructor(timeout: number, commandName: string, options?: WeftErrorOptions) {
    super(
      timeout,
      `${commandName} did not answer within ${String(timeout)} seconds; its child process was killed`,
      options,
    );
    this.commandName = commandName;
  }
}
nameError(PoolCallTimeoutError, 'PoolCallTimeoutError');
