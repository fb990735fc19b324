/**
 * Logging to the process's standard error, for a program's main entry.
 *
 * @module
 */
import type { ILogObserver } from '../core/log-event.js';
import { textLogObserver } from '../core/log-observers.js';
import type { TextLogObserverOptions } from '../core/log-observers.js';

/**
 * An observer writing readable text (see {@link textLogObserver}) to
 * `process.stderr`. It observes every level: filter it, or pass it to
 * `globalLogBeginner.beginLoggingTo`, in the main entry.
 *
 * @example
 * ```ts
 * const levels = new LogLevelFilterPredicate('info');
 * globalLogBeginner.beginLoggingTo([new FilteringLogObserver(stderrLogObserver(), [levels])]);
 * ```
 */
export function stderrLogObserver(options?: TextLogObserverOptions): ILogObserver {
  return textLogObserver((text) => {
    process.stderr.write(text);
  }, options);
}
