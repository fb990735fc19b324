/**
 * Structured logging, as in `twisted.logger`: events are plain objects with
 * `log_*` keys, published to observers.
 *
 * @module
 */
import { Failure } from './failure.js';

/** Severity of an event, in increasing order. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';

/** The levels in increasing order of severity. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'critical'];

/**
 * A log event: `log_*` keys as in Twisted (so JSON logs read alike), plus the
 * fields the format string names.
 */
export interface LogEvent {
  /** Dotted name of the emitting component, e.g. `'weft.defer'`. */
  readonly log_namespace: string;
  /** Severity. */
  readonly log_level: LogLevel;
  /** Format string with `{field}` placeholders, or `null` for a bare event. */
  readonly log_format: string | null;
  /** Wall-clock time of emission, in seconds since the epoch. */
  readonly log_time: number;
  /** The failure being reported, if any. */
  readonly log_failure?: Failure;
  /** The object that emitted the event, if any. */
  readonly log_source?: unknown;
  /** Fields named by the format string, and anything else. */
  readonly [field: string]: unknown;
}

/** Receives every published event. Must not throw; one that does is removed and reported. */
export type ILogObserver = (event: LogEvent) => void;

function lookup(event: LogEvent, path: string): unknown {
  let value: unknown = event;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

/**
 * The event's text: its format with each `{field}` (or `{field.sub}`)
 * replaced by the field's value; `{{` and `}}` are literal braces. Never throws:
 * a format that cannot be rendered yields `Unable to format event ...`.
 */
export function formatEvent(event: LogEvent): string {
  const format = event.log_format;
  if (format === null) return '';
  try {
    return format.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      return show(lookup(event, name ?? ''));
    });
  } catch (e) {
    return `Unable to format event ${show(format)}: ${show(e)}`;
  }
}

/**
 * Fans events out to observers. An observer that throws is removed, and the
 * error is reported to the remaining observers as a critical event.
 */
export class LogPublisher {
  readonly #observers: ILogObserver[] = [];

  constructor(...observers: ILogObserver[]) {
    this.#observers.push(...observers);
  }

  /** Adds `observer`; adding one already present does nothing. */
  addObserver(observer: ILogObserver): void {
    if (!this.#observers.includes(observer)) this.#observers.push(observer);
  }

  /** Removes `observer`; removing one not present does nothing. */
  removeObserver(observer: ILogObserver): void {
    const i = this.#observers.indexOf(observer);
    if (i >= 0) this.#observers.splice(i, 1);
  }

  /** The observers, in the order they receive events. */
  get observers(): readonly ILogObserver[] {
    return [...this.#observers];
  }

  /** Publishes `event` to every observer. */
  publish(event: LogEvent): void {
    const broken: [ILogObserver, unknown][] = [];
    for (const observer of [...this.#observers]) {
      try {
        observer(event);
      } catch (e) {
        broken.push([observer, e]);
      }
    }
    for (const [observer, error] of broken) {
      this.removeObserver(observer);
      this.publish({
        log_namespace: 'weft.logger',
        log_level: 'critical',
        log_format: 'Removed log observer {observer} after it threw',
        log_time: Date.now() / 1000,
        log_failure: Failure.from(error),
        observer: observer.name === '' ? '<anonymous>' : observer.name,
      });
    }
  }
}

/**
 * The default observer before any other is added: writes `error` and
 * `critical` events, with their tracebacks, to the console's error stream.
 */
export function consoleErrorObserver(event: LogEvent): void {
  if (event.log_level !== 'error' && event.log_level !== 'critical') return;
  let text = `[${event.log_namespace}#${event.log_level}] ${formatEvent(event)}`;
  if (event.log_failure !== undefined) text += `\n${event.log_failure.getTraceback()}`;
  console.error(text);
}

/**
 * The process-wide publisher every {@link Logger} emits to by default. Until
 * an observer is added it reports errors through {@link consoleErrorObserver};
 * adding the first observer removes that fallback.
 */
class GlobalLogPublisher extends LogPublisher {
  #fallback = true;
  constructor() {
    super(consoleErrorObserver);
  }
  override addObserver(observer: ILogObserver): void {
    if (this.#fallback) {
      this.#fallback = false;
      this.removeObserver(consoleErrorObserver);
    }
    super.addObserver(observer);
  }
}

/** The process-wide publisher; see {@link LogPublisher}. */
export const globalLogPublisher: LogPublisher = new GlobalLogPublisher();

/**
 * Emits structured events under a namespace.
 *
 * @example
 * ```ts
 * const log = new Logger('myapp.server');
 * log.info('listening on {port}', { port: 8080 });
 * log.failure('request failed', failure);
 * ```
 */
export class Logger {
  /** Dotted namespace stamped on every event. */
  readonly namespace: string;
  /** Object stamped as `log_source`, if any. */
  readonly source: unknown;
  /** Where events go; the global publisher unless given. */
  readonly observer: ILogObserver;

  constructor(namespace = 'weft', source?: unknown, observer?: ILogObserver) {
    this.namespace = namespace;
    this.source = source;
    this.observer =
      observer ??
      ((event) => {
        globalLogPublisher.publish(event);
      });
  }

  /** Emits an event at `level`, with `format` and `fields`. */
  emit(level: LogLevel, format: string | null, fields?: Readonly<Record<string, unknown>>): void {
    const event: LogEvent = {
      ...fields,
      log_namespace: this.namespace,
      log_level: level,
      log_format: format,
      log_time: Date.now() / 1000,
      log_source: this.source,
    };
    this.observer(event);
  }

  /** Emits at `debug`. */
  debug(format: string, fields?: Readonly<Record<string, unknown>>): void {
    this.emit('debug', format, fields);
  }
  /** Emits at `info`. */
  info(format: string, fields?: Readonly<Record<string, unknown>>): void {
    this.emit('info', format, fields);
  }
  /** Emits at `warn`. */
  warn(format: string, fields?: Readonly<Record<string, unknown>>): void {
    this.emit('warn', format, fields);
  }
  /** Emits at `error`. */
  error(format: string, fields?: Readonly<Record<string, unknown>>): void {
    this.emit('error', format, fields);
  }
  /** Emits at `critical`. */
  critical(format: string, fields?: Readonly<Record<string, unknown>>): void {
    this.emit('critical', format, fields);
  }
  /** Emits `failure` (a Failure or any thrown value) at `level`, `critical` by default. */
  failure(
    format: string,
    failure: unknown,
    fields?: Readonly<Record<string, unknown>>,
    level: LogLevel = 'critical',
  ): void {
    this.emit(level, format, { ...fields, log_failure: Failure.from(failure) });
  }
}
