/**
 * Structured logging, as in `twisted.logger`: a {@link Logger} emits events
 * (plain objects with `log_*` keys) to the global publisher, which hands them
 * to observers.
 *
 * The pieces live beside this file: levels in `log-levels.ts`, the event shape
 * in `log-event.ts`, formatting in `log-format.ts`, the publisher in
 * `log-publisher.ts`, observers in `log-observers.ts`, filtering in
 * `log-filter.ts`, JSON in `log-json.ts`, start-up buffering in
 * `log-beginner.ts`.
 *
 * @module
 */
import { InvalidLogLevelError } from './errors.js';
import { Failure } from './failure.js';
import { LogBeginner } from './log-beginner.js';
import type { ILogObserver, LogClock, LogEvent } from './log-event.js';
import { isLogLevel } from './log-levels.js';
import type { LogLevel } from './log-levels.js';
import { LogPublisher } from './log-publisher.js';

/**
 * The process-wide publisher every {@link Logger} emits to unless given
 * another observer. Add observers with `addObserver`, or, in a program's main
 * entry, through {@link globalLogBeginner}. Its `clock` stamps the events of
 * Loggers that have no clock of their own.
 */
export const globalLogPublisher: LogPublisher = new LogPublisher();

/**
 * Buffers the global publisher's events until the program chooses its
 * observers, reporting errors to the console meanwhile; see {@link LogBeginner}.
 */
export const globalLogBeginner: LogBeginner = new LogBeginner(globalLogPublisher);

/** Fields of an event beyond the `log_*` keys a Logger sets. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Emits structured events under a namespace (Twisted's `Logger`).
 *
 * Each call builds one event: the fields given, plus `log_namespace`,
 * `log_level`, `log_format`, `log_time` (from the Logger's clock, else the
 * global publisher's) and `log_source` (when the Logger has one), and passes
 * it to the Logger's observer, synchronously.
 *
 * @example
 * ```ts
 * const log = new Logger('myapp.server');
 * log.info('listening on {port}', { port: 8080 });
 * const request = { id: 7, body: '{"truncated' };
 * try {
 *   JSON.parse(request.body);
 * } catch (e) {
 *   log.failure('request {id} failed', e, { id: request.id });
 * }
 * ```
 */
export class Logger {
  /** Dotted namespace stamped on every event, e.g. `'myapp.server'`. */
  readonly namespace: string;
  /** Object stamped as `log_source`, if any. */
  readonly source: unknown;
  /** Where events go: the global publisher unless given. */
  readonly observer: ILogObserver;
  /** Stamps `log_time`; when `undefined`, the global publisher's clock at each emission. */
  readonly clock: LogClock | undefined;

  /**
   * @param namespace - dotted name for the events, `'weft'` by default.
   * @param source - the object emitting, stamped as `log_source`.
   * @param observer - where events go, {@link globalLogPublisher} by default.
   * @param clock - the time source, e.g. a reactor or a test `Clock`.
   */
  constructor(namespace = 'weft', source?: unknown, observer?: ILogObserver, clock?: LogClock) {
    this.namespace = namespace;
    this.source = source;
    this.observer = observer ?? globalLogPublisher;
    this.clock = clock;
  }

  /**
   * Emits an event at `level` with `format` and `fields`. An invalid `level`
   * (from untyped code) is not dropped: a critical event about it is emitted
   * instead, carrying the original fields.
   */
  emit(level: LogLevel, format: string | null, fields?: LogFields): void {
    if (!isLogLevel(level)) {
      this.failure('Got invalid log level {invalidLevel!r}.', new InvalidLogLevelError(level), {
        ...fields,
        invalidLevel: level,
        invalidFormat: format,
      });
      return;
    }
    const event: Record<string, unknown> = {
      ...fields,
      log_namespace: this.namespace,
      log_level: level,
      log_format: format,
      log_time: (this.clock ?? globalLogPublisher.clock).seconds(),
    };
    if (this.source !== undefined) event.log_source = this.source;
    this.observer(event as LogEvent);
  }

  /** Emits at `debug`: detail for whoever is debugging this component. */
  debug(format: string, fields?: LogFields): void {
    this.emit('debug', format, fields);
  }
  /** Emits at `info`: normal operation worth recording. */
  info(format: string, fields?: LogFields): void {
    this.emit('info', format, fields);
  }
  /** Emits at `warn`: something may be wrong. */
  warn(format: string, fields?: LogFields): void {
    this.emit('warn', format, fields);
  }
  /** Emits at `error`: something failed, and the program carries on. */
  error(format: string, fields?: LogFields): void {
    this.emit('error', format, fields);
  }
  /** Emits at `critical`: a failure nobody handled, or worse. */
  critical(format: string, fields?: LogFields): void {
    this.emit('critical', format, fields);
  }

  /**
   * Emits `failure` (a Failure, or any thrown value, which is wrapped) as
   * `log_failure`, at `level` (`critical` by default). JavaScript has no
   * "current exception", so, unlike Twisted, the failure is always passed.
   */
  failure(
    format: string,
    failure: unknown,
    fields?: LogFields,
    level: LogLevel = 'critical',
  ): void {
    this.emit(level, format, { ...fields, log_failure: Failure.from(failure) });
  }
}
