/**
 * Capturing what is logged, for tests (Twisted's `capturedLogs`).
 *
 * @module
 */
import type { Failure } from '../core/failure.js';
import type { ILogObserver, LogEvent } from '../core/log-event.js';
import { formatEvent } from '../core/log-format.js';
import type { LogPublisher } from '../core/log-publisher.js';
import { globalLogPublisher } from '../core/logger.js';

/**
 * Records every event published to a publisher (the global one by default)
 * from construction until {@link LogCapture.stop}. For tests; not for
 * implementation code.
 *
 * While a capture is active the global publisher has an observer, so the
 * console fallback stays quiet: what a test captures is not also printed.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * const log = new Logger('myapp.framing');
 * const dataReceived = (data: Uint8Array) => {
 *   if (data[0] !== 0x7e) log.warn('dropped a malformed frame');
 * };
 * using logs = new LogCapture();
 * dataReceived(new Uint8Array([0x00, 0x01]));
 * assert.deepEqual(logs.messages, ['dropped a malformed frame']);
 * ```
 */
export class LogCapture implements Disposable {
  readonly #events: LogEvent[] = [];
  readonly #publisher: LogPublisher;
  readonly #observer: ILogObserver;

  constructor(publisher: LogPublisher = globalLogPublisher) {
    this.#publisher = publisher;
    this.#observer = (event) => {
      this.#events.push(event);
    };
    publisher.addObserver(this.#observer);
  }

  /** The events captured so far, in order (a live view; cleared by {@link LogCapture.clear}). */
  get events(): readonly LogEvent[] {
    return this.#events;
  }

  /** Each captured event's message, as {@link formatEvent} renders it. */
  get messages(): string[] {
    return this.#events.map(formatEvent);
  }

  /** The `log_failure` of each captured event that has one, in order. */
  get failures(): Failure[] {
    return this.#events.flatMap((event) =>
      event.log_failure === undefined ? [] : [event.log_failure],
    );
  }

  /** Forgets the events captured so far; capturing goes on. */
  clear(): void {
    this.#events.length = 0;
  }

  /** Stops capturing; the events stay readable. Calling it again does nothing. */
  stop(): void {
    this.#publisher.removeObserver(this.#observer);
  }

  /** {@link LogCapture.stop}, for `using`. */
  [Symbol.dispose](): void {
    this.stop();
  }
}

/**
 * Captures the global log: with no argument, returns an active
 * {@link LogCapture} (for `using`); with `fn`, captures while calling it and
 * returns the events, once `fn`'s promise settles when it returns one. The
 * capture stops even when `fn` throws or rejects (the error propagates).
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * const events = capturedLogs(() => {
 *   new Logger('test').warn('careful');
 * });
 * assert.equal(events[0]?.log_level, 'warn');
 * ```
 */
export function capturedLogs(): LogCapture;
export function capturedLogs(fn: () => PromiseLike<unknown>): Promise<LogEvent[]>;
export function capturedLogs(fn: () => unknown): LogEvent[];
export function capturedLogs(fn?: () => unknown): LogCapture | LogEvent[] | Promise<LogEvent[]> {
  const capture = new LogCapture();
  if (fn === undefined) return capture;
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    capture.stop();
    throw e;
  }
  if (!isPromiseLike(result)) {
    capture.stop();
    return [...capture.events];
  }
  return Promise.resolve(result).then(
    () => {
      capture.stop();
      return [...capture.events];
    },
    (error: unknown) => {
      capture.stop();
      throw error;
    },
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
