/**
 * Ready-made observers: readable text, a bounded history, and the console
 * fallback used before logging begins.
 *
 * @module
 */
import { Callable } from './callable.js';
import type { ILogObserver, LogEvent } from './log-event.js';
import { eventAsText, formatEventAsClassicLogText, formatTime } from './log-format.js';

/** Options for {@link textLogObserver}. */
export interface TextLogObserverOptions {
  /**
   * Formats `log_time` (seconds since the epoch, or `undefined`); by default
   * {@link formatTime}, an ISO 8601 UTC timestamp.
   */
  readonly formatTime?: (seconds: number | undefined) => string;
}

/**
 * An observer writing each event as one record of readable text (Twisted's
 * `textFileLogObserver`):
 *
 * ```text
 * 2024-05-01T12:00:00.000Z [myapp.server#info] listening on 8080
 * 2024-05-01T12:00:01.000Z [weft.defer#critical] Unhandled error in Deferred:
 * 	Error: boom
 * 	    at ...
 * ```
 *
 * The failure's traceback follows the message; every line after the first
 * starts with a tab, so each record starts at column 0. `write` gets one
 * string per event, ending in `"\n"`; events with no message and no failure
 * are skipped. Observes every level: wrap it in a {@link FilteringLogObserver}
 * to drop some.
 */
export function textLogObserver(
  write: (text: string) => void,
  options: TextLogObserverOptions = {},
): ILogObserver {
  const format = options.formatTime ?? formatTime;
  return function textLogObserver(event: LogEvent): void {
    const text = formatEventAsClassicLogText(event, format);
    if (text !== null) write(text);
  };
}

/**
 * The fallback observer: writes `error` and `critical` events, with their
 * tracebacks, to `console.error` as `[namespace#level] message`. The global
 * publisher uses it until logging begins (see {@link LogBeginner}).
 */
export function consoleErrorObserver(event: LogEvent): void {
  if (event.log_level !== 'error' && event.log_level !== 'critical') return;
  const text = eventAsText(event, { includeTimestamp: false });
  if (text !== '') console.error(text);
}

/**
 * An observer keeping the last `size` events, to replay them later (Twisted's
 * `LimitedHistoryLogObserver`). Memory is bounded by `size`: older events are
 * dropped as new ones arrive.
 *
 * @example
 * ```ts
 * const output: string[] = [];
 * const history = new LimitedHistoryLogObserver(100);
 * globalLogPublisher.addObserver(history);
 * // ... later, show what happened:
 * history.replayTo(textLogObserver((text) => output.push(text)));
 * ```
 */
export class LimitedHistoryLogObserver extends Callable<[event: LogEvent], void> {
  /** How many events are kept at most. */
  readonly size: number;
  /**
   * A ring: the oldest kept event is at `#start`; once full, each new event
   * overwrites the oldest and moves `#start` on.
   */
  readonly #ring: LogEvent[] = [];
  #start = 0;

  /**
   * @param size - the most events kept (Twisted's default, 65536, unless
   *   given); 0 keeps none.
   * @throws {RangeError} when `size` is not a non-negative integer.
   */
  constructor(size = 65536) {
    super();
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`history size must be a non-negative integer, not ${String(size)}`);
    }
    this.size = size;
  }

  /** Passes every kept event, oldest first, to `observer`. */
  replayTo(observer: ILogObserver): void {
    for (const event of this.events()) observer(event);
  }

  /** The kept events, oldest first (a copy). */
  events(): LogEvent[] {
    return [...this.#ring.slice(this.#start), ...this.#ring.slice(0, this.#start)];
  }

  /** Drops every kept event. */
  clear(): void {
    this.#ring.length = 0;
    this.#start = 0;
  }

  protected override invoke(event: LogEvent): void {
    if (this.size === 0) return;
    if (this.#ring.length < this.size) {
      this.#ring.push(event);
      return;
    }
    this.#ring[this.#start] = event;
    this.#start = (this.#start + 1) % this.size;
  }
}
