/**
 * Log levels, as in `twisted.logger.LogLevel`: five names in increasing order
 * of severity.
 *
 * @module
 */
import { InvalidLogLevelError } from './errors.js';

/** Severity of an event, in increasing order: `debug < info < warn < error < critical`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';

/**
 * The levels by name, for code that reads like Twisted's (`LogLevel.warn`).
 * Each value is just the level's string.
 */
export const LogLevel: {
  readonly debug: 'debug';
  readonly info: 'info';
  readonly warn: 'warn';
  readonly error: 'error';
  readonly critical: 'critical';
} = Object.freeze({
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  critical: 'critical',
});

/** The levels in increasing order of severity. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze([
  'debug',
  'info',
  'warn',
  'error',
  'critical',
]);

/** Whether `value` is one of the five level names. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The level called `name` (Twisted's `LogLevel.levelWithName`), for levels read
 * from configuration or the command line.
 *
 * @throws {InvalidLogLevelError} when `name` is not a level's name.
 */
export function levelWithName(name: string): LogLevel {
  if (!isLogLevel(name)) throw new InvalidLogLevelError(name);
  return name;
}

/**
 * Compares two levels by severity: negative when `a` is less severe than `b`,
 * zero when equal, positive when more severe (a comparator for `sort`).
 *
 * @example
 * ```ts
 * compareLogLevels('warn', 'info') > 0; // true: warn is more severe
 * ```
 */
export function compareLogLevels(a: LogLevel, b: LogLevel): number {
  return LOG_LEVELS.indexOf(a) - LOG_LEVELS.indexOf(b);
}
