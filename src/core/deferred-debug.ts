/**
 * Debugging and unhandled-error reporting for `Deferred`: the record
 * kept per Deferred once it needs one, and the `FinalizationRegistry` that
 * reports a chain left on an unhandled Failure when it is collected.
 *
 * @module
 */
import { AlreadyCalledError } from './errors.js';
import { Failure } from './failure.js';
import { Logger } from './logger.js';

let debugging = false;
let onChange: ((on: boolean) => void) | null = null;

/**
 * Registers the one listener told of every {@link setDebugging}: `Deferred`,
 * which keeps its own copy of the flag to read it cheaply.
 */
export function onDebuggingChange(listener: (on: boolean) => void): void {
  onChange = listener;
}

/**
 * Turns on (or off) recording where each Deferred was created and first fired;
 * the stacks are added to `AlreadyCalledError` messages and to unhandled-error
 * reports. Costs a stack capture per Deferred: for debugging only.
 */
export function setDebugging(on: boolean): void {
  debugging = on;
  onChange?.(on);
}

/** Whether {@link setDebugging} is on. */
export function getDebugging(): boolean {
  return debugging;
}

/** The `weft.defer` logger: unhandled errors and misuse warnings. */
export const log: Logger = new Logger('weft.defer');

/**
 * What the unhandled-error report needs, held apart from the Deferred so that
 * the finalizer can read it after the Deferred is gone.
 */
export interface DebugInfo {
  /** The Failure the chain stopped at, or null once something handled it. */
  failure: Failure | null;
  registered: boolean;
  creator: string | undefined;
  invoker: string | undefined;
}

/** A fresh record: no failure, not registered, no stacks. */
export function newDebugInfo(): DebugInfo {
  return { failure: null, registered: false, creator: undefined, invoker: undefined };
}

/** The `(debug: ...)` suffix of messages: where the Deferred was created and first fired. */
export function debugText(info: DebugInfo): string {
  let text = '';
  if (info.creator !== undefined) text += `\n(debug: C: Deferred was created:\n${info.creator})`;
  if (info.invoker !== undefined) text += `\n(debug: I: First invoker was:\n${info.invoker})`;
  return text;
}

/**
 * Reports, once the Deferred is garbage-collected, a chain that ended on a
 * Failure nobody handled (as Twisted does at GC time, not at end of tick).
 */
export const unhandledErrors: FinalizationRegistry<DebugInfo> = new FinalizationRegistry<DebugInfo>(
  (info) => {
    if (info.failure === null) return;
    log.failure('Unhandled error in Deferred:{debug}', info.failure, { debug: debugText(info) });
  },
);

/** The caller's caller's stack, recorded as `creator` and `invoker`. */
export function stackHere(): string {
  return (new Error().stack ?? '').split('\n').slice(3).join('\n');
}

/** The error of a second fire, with the debug stacks when `info` has them. */
export function alreadyCalledError(info: DebugInfo | null): AlreadyCalledError {
  return new AlreadyCalledError(
    info === null ? undefined : `Deferred already called${debugText(info)}`,
  );
}

/**
 * Warns about, and gives the Failure for, a callback that returned the
 * Deferred it was attached to: it would wait on itself forever (Twisted hangs
 * here), so the chain fails instead.
 */
export function selfReturnFailure(): Failure {
  log.warn('A callback returned the Deferred it was attached to; this breaks the chain');
  return new Failure(new TypeError('A callback returned the Deferred it was attached to'));
}
