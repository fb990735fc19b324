/**
 * Log events as JSON Lines, to save and to read back.
 *
 * @module
 */
import { Failure } from './failure.js';
import type { ILogObserver, LogEvent } from './log-event.js';
import { flattenEvent, showValue } from './log-format.js';
import { Logger } from './logger.js';

const log = new Logger('weft.logger');

/** How a `Failure` (or any `Error`) is saved: its type's name, its message and its traceback. */
export interface FailureJSON {
  /** The error's class name, e.g. `'ConnectionLost'`. */
  readonly type: string;
  /** The error's message. */
  readonly message: string;
  /** The full traceback text, as `Failure.getTraceback()` gives it. */
  readonly traceback: string;
}

function failureAsJSON(failure: Failure): FailureJSON {
  const { value, type } = failure;
  return {
    type: value instanceof Error ? value.name : typeof type === 'string' ? type : type.name,
    message: failure.getErrorMessage(),
    traceback: failure.getTraceback(),
  };
}

function isFailureJSON(value: unknown): value is FailureJSON {
  if (typeof value !== 'object' || value === null) return false;
  const { type, message, traceback } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof message === 'string' && typeof traceback === 'string';
}

/**
 * A Failure standing for a saved one: its value is an `Error` of a class named
 * like the original (so `check('ConnectionLost')` and the brief traceback
 * agree), with the saved message, and the saved traceback as its stack.
 */
function failureFromJSON(saved: FailureJSON): Failure {
  const Saved = class extends Error {};
  Object.defineProperty(Saved, 'name', { value: saved.type });
  const error = new Saved(saved.message);
  error.name = saved.type;
  error.stack = saved.traceback;
  return new Failure(error);
}

/** JSON.stringify's replacer: failures and errors as {@link FailureJSON}, other non-JSON values as text. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Failure) return failureAsJSON(value);
  if (value instanceof Error) return failureAsJSON(new Failure(value));
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') {
    return showValue(value);
  }
  return value;
}

/** `JSON.stringify`, typed as it behaves: `undefined` for an undefined value. */
const stringify = JSON.stringify as (
  value: unknown,
  replacer: (key: string, value: unknown) => unknown,
) => string | undefined;

/**
 * The event as one line of JSON, with no newline in it (Twisted's
 * `eventAsJSON`). Placeholders are first rendered into `log_flattened` (see
 * {@link flattenEvent}), so the event formats the same when read back;
 * failures and errors become {@link FailureJSON}; a field that cannot be
 * serialised (a cycle, a bigint, a function, a throwing `toJSON`) is saved as
 * its text instead. Fields whose value is `undefined` are left out. Never throws.
 */
export function eventAsJSON(event: LogEvent): string {
  const flat = flattenEvent(event);
  const members: string[] = [];
  for (const key of Object.keys(flat)) {
    let json: string | undefined;
    try {
      json = stringify(flat[key], replacer);
    } catch {
      try {
        json = JSON.stringify(showValue(flat[key]));
      } catch {
        json = JSON.stringify(`<unserialisable ${typeof flat[key]}>`);
      }
    }
    if (json !== undefined) members.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * The event saved as `text` by {@link eventAsJSON}; a saved `log_failure` comes
 * back as a `Failure` (see {@link FailureJSON}). Other values come back as
 * JSON gives them.
 *
 * @throws {SyntaxError} when `text` is not JSON.
 * @throws {TypeError} when it is not a JSON object.
 */
export function eventFromJSON(text: string): LogEvent {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError('a log event must be a JSON object');
  }
  const event = parsed as Record<string, unknown>;
  if (isFailureJSON(event.log_failure)) event.log_failure = failureFromJSON(event.log_failure);
  return event as LogEvent;
}

/**
 * An observer writing each event as JSON (see {@link eventAsJSON}): one
 * `recordSeparator + json + "\n"` per call to `write`.
 *
 * The default separator `''` gives JSON Lines (one object per line, as log
 * shippers and `jq` read them); `'\x1e'` gives RFC 7464 JSON text sequences,
 * the default of Twisted's `jsonFileLogObserver`, whose files this then matches.
 */
export function jsonLogObserver(write: (text: string) => void, recordSeparator = ''): ILogObserver {
  return function jsonLogObserver(event: LogEvent): void {
    write(`${recordSeparator}${eventAsJSON(event)}\n`);
  };
}

/**
 * The events in `text`, as written by {@link jsonLogObserver} (Twisted's
 * `eventsFromJSONLogFile`).
 *
 * With no `recordSeparator`, text starting with `'\x1e'` is read as RFC 7464
 * records and anything else as JSON Lines. Blank lines are skipped; a record
 * that is not a JSON object, or (with a separator) does not end in a newline
 * because it was truncated, is skipped and reported as an `error` event in the
 * `weft.logger` namespace.
 */
export function eventsFromJSONLines(text: string, recordSeparator?: string): LogEvent[] {
  const separator = recordSeparator ?? (text.startsWith('\x1e') ? '\x1e' : '');
  const records = separator === '' ? text.split('\n') : text.split(separator);
  const events: LogEvent[] = [];
  for (const record of records) {
    if (record.trim() === '') continue;
    if (separator !== '' && !record.endsWith('\n')) {
      log.error('Unable to read truncated JSON record: {record!r}', { record });
      continue;
    }
    try {
      events.push(eventFromJSON(record));
    } catch (e) {
      log.error('Unable to read JSON record: {record!r} ({reason})', { record, reason: e });
    }
  }
  return events;
}
