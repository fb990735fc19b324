/**
 * Observing the "Unhandled error in Deferred" reports that weft logs when a
 * Deferred whose chain ended on a Failure is garbage-collected.
 */
import type { Failure } from '../../src/core/index.js';
import { fail } from '../../src/core/index.js';
import { LogCapture } from '../../src/testing/index.js';

const UNHANDLED = 'Unhandled error in Deferred';

/** Lets queued tasks (such as FinalizationRegistry cleanups) run: one macrotask turn, not a timer. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** `globalThis.gc`, which vitest.config.ts exposes with `--expose-gc`. */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc (vitest.config.ts does)');
  gc();
}

/** Fails a Deferred and drops it, unhandled. */
function failAndDrop(error: Error): void {
  fail(error);
}

/**
 * The failures reported as "Unhandled error in Deferred" once the Deferreds
 * made by `setUp` (which must drop every reference to them) are
 * garbage-collected.
 *
 * The report comes asynchronously after a collection, so a sentinel Deferred
 * is failed and left unhandled as well: once its report is seen, the others
 * would have been too. The sentinel's report is left out of the result.
 * Reports of Deferreds dropped by earlier tests may be included: look for
 * the errors of interest rather than asserting the list is empty.
 */
export async function unhandledFailuresAfterGC(
  setUp: () => void | Promise<void>,
): Promise<Failure[]> {
  const sentinel = new Error('sentinel: left unhandled on purpose');
  const capture = new LogCapture();
  const reports = (): Failure[] =>
    capture.events
      .filter((event) => event.log_format?.startsWith(UNHANDLED) === true)
      .flatMap((event) => (event.log_failure === undefined ? [] : [event.log_failure]));
  try {
    await setUp();
    failAndDrop(sentinel);
    for (let turn = 0; turn < 50; turn++) {
      collectGarbage();
      await nextTurn();
      if (reports().some((f) => f.value === sentinel)) {
        return reports().filter((f) => f.value !== sentinel);
      }
    }
  } finally {
    capture.stop();
  }
  throw new Error('the sentinel Deferred was never reported: garbage collection did not run');
}
