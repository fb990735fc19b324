/**
 * The shape of a log event, what observes events, and where their time comes
 * from.
 *
 * @module
 */
import type { Failure } from './failure.js';
import type { IReactorTime } from './interfaces/reactor.js';
import type { LogLevel } from './log-levels.js';

/**
 * A log event: a plain object with Twisted's `log_*` keys (so weft's and
 * Twisted's JSON logs read alike), plus the fields its format names and any
 * others the emitter added.
 *
 * Events are shared by every observer: treat them as read-only.
 */
export interface LogEvent {
  /** Dotted name of the emitting component, e.g. `'weft.defer'`. */
  readonly log_namespace: string;
  /** Severity. */
  readonly log_level: LogLevel;
  /**
   * Format string with `{field}` placeholders (see {@link formatEvent}), or
   * `null` for an event that carries only fields.
   */
  readonly log_format: string | null;
  /** When the event was emitted, in seconds from the emitting {@link LogClock}. */
  readonly log_time: number;
  /** The failure being reported, if any; text observers append its traceback. */
  readonly log_failure?: Failure;
  /** The object that emitted the event, if any. */
  readonly log_source?: unknown;
  /** Replaces `namespace#level` in text output, when set (Twisted's `log_system`). */
  readonly log_system?: string;
  /**
   * Each placeholder's text, as rendered when the event was saved as JSON, so
   * an event read back formats the same even when a field did not survive
   * serialisation (see {@link flattenEvent}).
   */
  readonly log_flattened?: Readonly<Record<string, string>>;
  /** Fields named by the format string, and anything else. */
  readonly [field: string]: unknown;
}

/**
 * Receives every event published to it, synchronously, in the emitter's call
 * stack. It should not throw: a {@link LogPublisher} removes an observer that
 * does and reports the error to its other observers as a `critical` event.
 */
export type ILogObserver = (event: LogEvent) => void;

/**
 * Where `log_time` comes from: anything with `seconds()`, such as a reactor or
 * a test `Clock` (any {@link IReactorTime}).
 *
 * Timestamps are read as seconds since the epoch by text observers; a `Clock`
 * starting at 0 therefore logs 1970 dates, which keeps test output stable.
 */
export type LogClock = Pick<IReactorTime, 'seconds'>;

/** The default {@link LogClock}: wall-clock time, `Date.now() / 1000`. */
export const wallClock: LogClock = Object.freeze({
  seconds: (): number => Date.now() / 1000,
});
