/**
 * `weft/testing`: fakes and helpers for deterministic tests. For tests; not
 * for implementation code.
 *
 * @module
 */
export { Clock } from './clock.js';
export { capturedLogs, LogCapture } from './log-capture.js';
export { MemoryReactorClock } from './memory-reactor.js';
export {
  assertNoResult,
  failureResultOf,
  ResultAssertionError,
  successResultOf,
} from './results.js';
