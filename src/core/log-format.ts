/**
 * Turning log events into text: the `{field}` format language, and the
 * one-line "classic" layout text observers write.
 *
 * @module
 */
import { Failure } from './failure.js';
import type { LogEvent } from './log-event.js';

/** `{{`, `}}`, or one placeholder (group 1 is what is between the braces). */
const PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** A placeholder split into its parts: `a.b`, `f()`, `x!r`. */
interface FieldSpec {
  /** The top-level key. */
  readonly key: string;
  /** Properties to read from it in turn. */
  readonly path: readonly string[];
  /** `{f()}`: call the top-level value. */
  readonly call: boolean;
  /** `{x!r}`: quote strings, as Python's `repr`. */
  readonly repr: boolean;
}

function parseSpec(spec: string): FieldSpec {
  let rest = spec;
  const repr = rest.endsWith('!r');
  if (repr || rest.endsWith('!s')) rest = rest.slice(0, -2);
  const [first = '', ...path] = rest.split('.');
  const call = first.endsWith('()');
  return { key: call ? first.slice(0, -2) : first, path, call, repr };
}

/** Result of looking a placeholder up: found with a value, or the reason it was not. */
type Lookup = { readonly value: unknown } | { readonly missing: string };

function lookupField(event: LogEvent, spec: FieldSpec): Lookup {
  if (!Object.hasOwn(event, spec.key)) return { missing: `no field ${JSON.stringify(spec.key)}` };
  let value = event[spec.key];
  if (spec.call) {
    if (typeof value !== 'function') {
      return { missing: `field ${JSON.stringify(spec.key)} is not callable` };
    }
    value = (value as () => unknown)();
  }
  for (const part of spec.path) {
    if (value === null || value === undefined || !(part in Object(value))) {
      return { missing: `no attribute ${JSON.stringify(part)} on ${typeof value}` };
    }
    value = (value as Record<string, unknown>)[part];
  }
  return { value };
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value as JSON (bigints as digits), or `undefined` for a cycle or a throwing `toJSON`. */
function toJSON(value: object): string | undefined {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return undefined;
  }
}

/**
 * A value as text, for a `{field}` placeholder: strings as they are, errors
 * and failures as `Name: message`, plain objects and arrays as JSON, other
 * objects through their own `toString` when they have one. May throw (a
 * throwing `toString`); {@link formatEvent} catches that.
 *
 * @internal
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') {
    return `[function ${value.name === '' ? '<anonymous>' : value.name}]`;
  }
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof Failure) return value.getBriefTraceback();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (Array.isArray(value)) return toJSON(value) ?? Object.prototype.toString.call(value);
  // A toString of its own (a class's, or a plain object's) says how it wants to be shown.
  const toString = (value as { toString?: unknown }).toString;
  if (typeof toString === 'function' && toString !== Object.prototype.toString) {
    const text: unknown = toString.call(value);
    if (typeof text === 'string') return text;
  }
  if (isPlainObject(value)) return toJSON(value) ?? Object.prototype.toString.call(value);
  const json = toJSON(value);
  return json === undefined || json === '{}' ? Object.prototype.toString.call(value) : json;
}

/** {@link showValue}, never throwing; with `quote`, strings are quoted (Python's `repr`). */
function safeShow(value: unknown, quote = true): string {
  try {
    return quote && typeof value === 'string' ? JSON.stringify(value) : showValue(value);
  } catch {
    return `<unprintable ${typeof value}>`;
  }
}

/** Renders one placeholder, or says why it cannot be rendered. */
function renderSpec(event: LogEvent, spec: string): Lookup {
  // Untyped: an event read back from JSON may hold anything here.
  const flat: unknown = event.log_flattened;
  if (typeof flat === 'object' && flat !== null && Object.hasOwn(flat, spec)) {
    const text = (flat as Record<string, unknown>)[spec];
    if (typeof text === 'string') return { value: text };
  }
  const parsed = parseSpec(spec);
  const found = lookupField(event, parsed);
  if ('missing' in found) return found;
  return { value: parsed.repr ? safeShow(found.value) : showValue(found.value) };
}

/**
 * Describes an event that could not be formatted: every field, each printed
 * on its own so one bad value spoils only itself. Never throws.
 */
function formatUnformattableEvent(event: LogEvent, reason: unknown): string {
  try {
    const fields = Object.keys(event).map((key) => `${key}: ${safeShow(event[key])}`);
    return `Unable to format event {${fields.join(', ')}}: ${safeShow(reason, false)}`;
  } catch (e) {
    return `MESSAGE LOST: unformattable event: ${safeShow(e, false)}`;
  }
}

/**
 * The event's message: its `log_format` with each placeholder replaced.
 *
 * Placeholders: `{name}` (a field), `{a.b}` (a property of a field), `{f()}`
 * (calls a top-level field), `{name!r}` (strings quoted); `{{` and `}}` are
 * literal braces, and a lone `{` or `}` is kept as it is. A `null` format gives
 * `''`.
 *
 * Never throws. When a placeholder names a missing field or property, or a
 * value's `toString` throws, the result is `Unable to format event {...}:
 * <reason>`, listing every field so nothing logged is lost (as Twisted).
 *
 * @example
 * ```ts
 * const event = { log_namespace: 'shop', log_level: 'info', log_time: 0 } as const;
 * formatEvent({ ...event, log_format: '{user.name} has {n} {{items}}', user: { name: 'ann' }, n: 2 });
 * // 'ann has 2 {items}'
 * ```
 */
export function formatEvent(event: LogEvent): string {
  try {
    const format: unknown = event.log_format;
    if (format === null || format === undefined) return '';
    if (typeof format !== 'string') {
      return formatUnformattableEvent(event, `log_format must be a string, not ${typeof format}`);
    }
    let problem: string | undefined;
    const text = format.replace(PLACEHOLDER, (match, spec: string | undefined) => {
      if (spec === undefined) return match === '{{' ? '{' : '}';
      const rendered = renderSpec(event, spec);
      if ('missing' in rendered) {
        problem ??= rendered.missing;
        return '';
      }
      return rendered.value as string;
    });
    return problem === undefined ? text : formatUnformattableEvent(event, problem);
  } catch (e) {
    return formatUnformattableEvent(event, e);
  }
}

/**
 * A copy of `event` with `log_flattened` holding each placeholder's rendered
 * text, so it still formats the same after fields are lost to serialisation
 * (Twisted's `flattenEvent`). Placeholders that cannot be rendered are left
 * out. Never throws.
 */
export function flattenEvent(event: LogEvent): LogEvent {
  const flat: Record<string, string> = {};
  const format: unknown = event.log_format;
  if (typeof format === 'string') {
    for (const [, spec] of format.matchAll(PLACEHOLDER)) {
      if (spec === undefined || Object.hasOwn(flat, spec)) continue;
      try {
        const rendered = renderSpec(event, spec);
        if (!('missing' in rendered)) flat[spec] = rendered.value as string;
      } catch {
        // Unrenderable now, unrenderable later: formatEvent will say so.
      }
    }
  }
  return { ...event, log_flattened: flat };
}

/**
 * `seconds` (since the epoch) as an ISO 8601 UTC timestamp,
 * `2024-05-01T12:00:00.000Z`; `'-'` when it is missing or out of range.
 */
export function formatTime(seconds: number | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '-';
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? '-' : date.toISOString();
}

/** Options for {@link eventAsText}. */
export interface EventAsTextOptions {
  /** Append the traceback of `log_failure`, on the lines after the message. Default `true`. */
  readonly includeTraceback?: boolean;
  /** Start with the formatted `log_time`. Default `true`. */
  readonly includeTimestamp?: boolean;
  /** Then `[log_system]`, or `[namespace#level]`. Default `true`. */
  readonly includeSystem?: boolean;
  /** Formats `log_time`; {@link formatTime} by default. */
  readonly formatTime?: (seconds: number | undefined) => string;
}

function tracebackOf(failure: unknown): string {
  try {
    if (failure instanceof Failure) return failure.getTraceback();
    const traceback = (failure as { traceback?: unknown } | null)?.traceback;
    return typeof traceback === 'string' ? traceback : showValue(failure);
  } catch {
    return '(unable to obtain traceback from event)';
  }
}

/**
 * The event as text: `<time> [<system>] <message>`, then the failure's
 * traceback on the following lines (Twisted's `eventAsText`). An event with
 * neither a message nor a failure gives `''`, whatever the options. Never throws.
 */
export function eventAsText(event: LogEvent, options: EventAsTextOptions = {}): string {
  let text = formatEvent(event);
  if (options.includeTraceback !== false && event.log_failure !== undefined) {
    text = `${text}\n${tracebackOf(event.log_failure)}`;
  }
  if (text === '') return '';
  let prefix = '';
  if (options.includeTimestamp !== false) {
    let time: string;
    try {
      time = (options.formatTime ?? formatTime)(event.log_time);
    } catch {
      time = '-';
    }
    prefix = `${time} `;
  }
  if (options.includeSystem !== false) {
    const system =
      typeof event.log_system === 'string'
        ? event.log_system
        : `${reprOrDash(event.log_namespace)}#${reprOrDash(event.log_level)}`;
    prefix += `[${system}] `;
  }
  return prefix + text;
}

function reprOrDash(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '-';
}

/**
 * The event as one record of a classic text log:
 * `"<time> [<namespace>#<level>] <message>\n"`, the traceback (if any) on
 * continuation lines, each continuation line indented with a tab. `null` for
 * an event with nothing to show (Twisted's `formatEventAsClassicLogText`).
 */
export function formatEventAsClassicLogText(
  event: LogEvent,
  format: (seconds: number | undefined) => string = formatTime,
): string | null {
  const text = eventAsText(event, { formatTime: format });
  if (text === '') return null;
  return `${text.replaceAll('\n', '\n\t')}\n`;
}
