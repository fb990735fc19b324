/**
 * AMP's `DateTime` argument: a date and time with a fixed UTC offset,
 * microsecond precision, exactly 32 ASCII characters on the wire.
 *
 * @module
 */
import { Argument } from './arguments.js';

const encoder = new TextEncoder();
const asciiDecoder = new TextDecoder('latin1');

/**
 * A date and time with its UTC offset, as Python's aware `datetime` carries
 * it (a JavaScript `Date` holds neither microseconds nor an offset). Fields
 * are those of the local time at that offset.
 *
 * @example
 * ```ts
 * // 2026-11-22 03:15:00.000001 in Paris (UTC+1)
 * const t: AmpDateTime = {
 *   year: 2026, month: 11, day: 22, hour: 3, minute: 15, second: 0,
 *   microsecond: 1, offsetMinutes: 60,
 * };
 * ```
 */
export interface AmpDateTime {
  /** 1..9999. */
  readonly year: number;
  /** 1..12. */
  readonly month: number;
  /** 1..31, valid for the month. */
  readonly day: number;
  /** 0..23. */
  readonly hour: number;
  /** 0..59. */
  readonly minute: number;
  /** 0..59. */
  readonly second: number;
  /** 0..999,999. */
  readonly microsecond: number;
  /** Minutes east of UTC, strictly between -1440 and 1440 (UTC+01:00 is 60). */
  readonly offsetMinutes: number;
}

/**
 * The {@link AmpDateTime} for the instant `date`, seen at `offsetMinutes`
 * east of UTC (default 0, UTC).
 */
export function dateTimeFromDate(date: Date, offsetMinutes: number = 0): AmpDateTime {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    microsecond: shifted.getUTCMilliseconds() * 1000,
    offsetMinutes,
  };
}

/** The instant `t` stands for, as a `Date` (microseconds are truncated to milliseconds). */
export function dateTimeToDate(t: AmpDateTime): Date {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, Math.floor(t.microsecond / 1000));
  return new Date(d.getTime() - t.offsetMinutes * 60_000);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function inRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be an integer in ${String(min)}..${String(max)}, got ${String(value)}`,
    );
  }
}

/** @throws {RangeError} naming the first field out of range. */
function validate(t: AmpDateTime): void {
  inRange('year', t.year, 1, 9999);
  inRange('month', t.month, 1, 12);
  inRange('day', t.day, 1, daysIn(t.year, t.month));
  inRange('hour', t.hour, 0, 23);
  inRange('minute', t.minute, 0, 59);
  inRange('second', t.second, 0, 59);
  inRange('microsecond', t.microsecond, 0, 999_999);
  inRange('offsetMinutes', t.offsetMinutes, -1439, 1439);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const WIRE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})([+-])(\d{2}):(\d{2})$/;

/**
 * An {@link AmpDateTime}, written `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM` as
 * Twisted writes it: a zero offset is written `-00:00`, and `+` only for
 * offsets east of UTC.
 */
export class DateTime<const O extends boolean = false> extends Argument<AmpDateTime, O> {
  /** @throws {RangeError} if a field is out of range. */
  toWire(t: AmpDateTime): Uint8Array {
    validate(t);
    const sign = t.offsetMinutes > 0 ? '+' : '-';
    const off = Math.abs(t.offsetMinutes);
    return encoder.encode(
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:` +
        `${pad(t.second, 2)}.${pad(t.microsecond, 6)}${sign}${pad(Math.floor(off / 60), 2)}:${pad(off % 60, 2)}`,
    );
  }

  /** @throws {SyntaxError} if not in the 32-character format; `RangeError` if a field is out of range. */
  fromWire(bytes: Uint8Array): AmpDateTime {
    const text = asciiDecoder.decode(bytes);
    const m = WIRE.exec(text);
    if (m === null) throw new SyntaxError(`invalid date format ${JSON.stringify(text)}`);
    const f = m.slice(1).map(Number);
    const offset = (f[8] as number) * 60 + (f[9] as number);
    const t: AmpDateTime = {
      year: f[0] as number,
      month: f[1] as number,
      day: f[2] as number,
      hour: f[3] as number,
      minute: f[4] as number,
      second: f[5] as number,
      microsecond: f[6] as number,
      offsetMinutes: m[8] === '-' && offset !== 0 ? -offset : offset,
    };
    validate(t);
    return t;
  }
}
