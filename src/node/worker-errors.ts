/**
 * Errors of the worker pool: an exception raised inside a worker, and a
 * worker that died while running a call.
 *
 * @module
 */
import { nameError } from '../core/brand.js';
import { WeftError, type WeftErrorOptions } from '../core/errors.js';

/**
 * A function run in a worker threw (or its promise rejected). Errors cannot
 * cross threads as objects, so this carries what the worker reported: the
 * original class name, message, stack (the worker's traceback, as Twisted's
 * `Failure` carries the thread's) and `code`.
 *
 * @example
 * ```ts
 * reactor
 *   .getThreadPool()
 *   .deferToWorker(new URL('./work.js', import.meta.url), 'parse', 'bad input')
 *   .addErrback((f) => {
 *     f.trap(WorkerError);
 *     const e = f.value as WorkerError;
 *     console.log(e.remoteName, e.remoteMessage); // e.g. SyntaxError Unexpected token
 *   });
 * ```
 */
export class WorkerError extends WeftError {
  /** The class name of the error raised in the worker (`'TypeError'`, ...). */
  readonly remoteName: string;
  /** Its message. */
  readonly remoteMessage: string;
  /** Its stack, as the worker printed it. */
  readonly remoteStack: string;
  constructor(
    remote: { readonly name: string; readonly message: string; readonly stack: string },
    options?: WeftErrorOptions,
  ) {
    super(`${remote.name} in worker: ${remote.message}`, options);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    this.remoteStack = remote.stack;
    // The local stack says only where the answer was received: show the worker's too.
    this.stack = `${String(this.stack)}\nWorker traceback:\n${remote.stack}`;
  }
}
nameError(WorkerError, 'WorkerError');

/**
 * The worker running a call died before answering: it called
 * `process.exit()`, an error escaped the call (say, thrown from a timer), or
 * it ran out of memory. `exitCode` is the worker's; `cause` is the escaped
 * error, when there was one. The pool replaces the worker.
 */
export class WorkerCrashError extends WeftError {
  /** The worker's exit code. */
  readonly exitCode: number;
  constructor(exitCode: number, options?: WeftErrorOptions) {
    const cause = options?.cause;
    const why = cause instanceof Error ? `: ${cause.name}: ${cause.message}` : '';
    super(`Worker exited with code ${String(exitCode)} while running a call${why}`, options);
    this.exitCode = exitCode;
  }
}
nameError(WorkerCrashError, 'WorkerCrashError');
