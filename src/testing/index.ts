/**
 * `weft/testing`: fakes and helpers for deterministic tests. For tests; not
 * for implementation code.
 *
 * @module
 */
export { Clock } from './clock.js';
export {
  assertNoResult,
  failureResultOf,
  ResultAssertionError,
  successResultOf,
} from './results.js';
