/**
 * How a `Deferred` chain stores its steps: the step type, the
 * `passthru` placeholder, and the markers the chain loop recognises.
 *
 * @module
 */

/** Callbacks and errbacks as the chain stores them. */
export type Step = (result: unknown, ...args: unknown[]) => unknown;

/**
 * Returns its argument: the step used for the missing half of a pair. The
 * chain recognises it and skips the call.
 */
export function passthru<T>(value: T): T {
  return value;
}

/**
 * Marks the step a Deferred leaves on the Deferred it waits on: when reached,
 * the waited-on Deferred hands its result over. Never called.
 */
export const CONTINUE: Step = () => {
  throw new Error('CONTINUE is a marker, not a step');
};

/**
 * In a step's second slot: its first slot holds `[callback, errback,
 * callbackArgs, errbackArgs]` (see `Deferred#steps`).
 */
export const WITH_ARGS: unique symbol = Symbol('WITH_ARGS');
