/**
 * Reading a Deferred's result synchronously in tests (Twisted trial's
 * `successResultOf`, `failureResultOf`, `assertNoResult`).
 *
 * @module
 */
import type { Deferred } from '../core/defer.js';
import { Failure, type ErrorType } from '../core/failure.js';

/** A result assertion did not hold; the message says what the Deferred held instead. */
export class ResultAssertionError extends Error {
  override name = 'ResultAssertionError';
}

const NO_RESULT: unique symbol = Symbol('no result');

function peek<T>(d: Deferred<T>): T | Failure | typeof NO_RESULT {
  let seen: T | Failure | typeof NO_RESULT = NO_RESULT;
  d.addBoth((r) => {
    seen = r;
    return r;
  });
  return seen;
}

function describe(result: unknown): string {
  return result instanceof Failure ? result.getTraceback() : String(result);
}

/**
 * The value `d` has already succeeded with. The Deferred keeps its result.
 *
 * @throws {ResultAssertionError} if `d` has no result yet or has failed (the
 *   failure is then consumed).
 */
export function successResultOf<T>(d: Deferred<T>): T {
  const result = peek(d);
  if (result === NO_RESULT)
    throw new ResultAssertionError(
      `Success result expected on ${String(d)}, found no result instead`,
    );
  if (result instanceof Failure) {
    d.addErrback(() => undefined);
    throw new ResultAssertionError(
      `Success result expected, found failure result instead:\n${describe(result)}`,
    );
  }
  return result;
}

/**
 * The Failure `d` has already failed with; with `types`, it must match one of
 * them. The failure is consumed (the Deferred continues with `undefined`), so
 * it is not reported as unhandled.
 *
 * @throws {ResultAssertionError} if `d` has no result, has succeeded, or
 *   failed with another type.
 */
export function failureResultOf(d: Deferred, ...types: ErrorType[]): Failure {
  const result = peek(d);
  if (result === NO_RESULT)
    throw new ResultAssertionError(
      `Failure result expected on ${String(d)}, found no result instead`,
    );
  if (!(result instanceof Failure)) {
    throw new ResultAssertionError(
      `Failure result expected, found success result (${describe(result)}) instead`,
    );
  }
  d.addErrback(() => undefined);
  if (types.length > 0 && result.check(...types) === null) {
    const names = types.map((t) => (typeof t === 'string' ? t : t.name)).join(', ');
    throw new ResultAssertionError(
      `Failure of type (${names}) expected, found:\n${describe(result)}`,
    );
  }
  return result;
}

/**
 * Asserts that `d` has no result yet.
 *
 * @throws {ResultAssertionError} if it has one (a failure is then consumed).
 */
export function assertNoResult(d: Deferred): void {
  const result = peek(d);
  if (result === NO_RESULT) return;
  if (result instanceof Failure) d.addErrback(() => undefined);
  throw new ResultAssertionError(
    `No result expected on ${String(d)}, found ${describe(result)} instead`,
  );
}
