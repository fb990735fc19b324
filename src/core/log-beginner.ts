/**
 * `LogBeginner`: what happens to events before the program has chosen where
 * logs go, and the switch to the chosen observers.
 *
 * @module
 */
import type { ILogObserver, LogEvent } from './log-event.js';
import { consoleErrorObserver, LimitedHistoryLogObserver } from './log-observers.js';
import { removeBrokenObserver } from './log-publisher.js';
import type { LogPublisher } from './log-publisher.js';

/** Options for {@link LogBeginner}. */
export interface LogBeginnerOptions {
  /** How many events to keep until logging begins; 200 (as Twisted) by default. */
  readonly initialBufferSize?: number;
  /**
   * Shows events while nobody else is listening, before logging begins;
   * {@link consoleErrorObserver} (errors and criticals to `console.error`) by default.
   */
  readonly fallbackObserver?: ILogObserver;
}

/** Options for {@link LogBeginner.beginLoggingTo}. */
export interface BeginLoggingOptions {
  /** Drop the events kept so far instead of replaying them to the new observers. Default `false`. */
  readonly discardBuffer?: boolean;
}

/**
 * Holds a publisher's events until the program says where logs go, then hands
 * over (Twisted's `LogBeginner`; the global one is {@link globalLogBeginner}).
 *
 * Until {@link LogBeginner.beginLoggingTo} is called, it observes the
 * publisher, keeping the last `initialBufferSize` events, and passes each to
 * the fallback observer while no other observer is registered, so errors
 * are never silently lost. (Twisted prints only criticals, and keeps printing
 * after other observers are added; weft stops as soon as someone else listens,
 * so a test capturing the log does not also print what it captures.)
 */
export class LogBeginner {
  readonly #publisher: LogPublisher;
  readonly #buffer: LimitedHistoryLogObserver;
  readonly #fallback: ILogObserver;
  readonly #temporary: ILogObserver;
  #begun = false;

  constructor(publisher: LogPublisher, options: LogBeginnerOptions = {}) {
    this.#publisher = publisher;
    this.#buffer = new LimitedHistoryLogObserver(options.initialBufferSize ?? 200);
    this.#fallback = options.fallbackObserver ?? consoleErrorObserver;
    const temporary = (event: LogEvent): void => {
      this.#buffer(event);
      const observers = publisher.observers;
      if (observers.length === 1 && observers[0] === temporary) this.#fallback(event);
    };
    this.#temporary = temporary;
    publisher.addObserver(temporary);
  }

  /** Whether {@link LogBeginner.beginLoggingTo} has been called. */
  get begun(): boolean {
    return this.#begun;
  }

  /**
   * Starts logging to `observers`: adds them to the publisher, stops buffering
   * and the fallback, and replays the kept events, oldest first, to those of
   * `observers` that were not already registered (unless `discardBuffer`).
   * Meant to be called once, by the program's main entry; a second call still
   * adds the observers, and logs a warning.
   *
   * A replayed-to observer that throws is removed and reported, as by the
   * publisher.
   *
   * @example
   * ```ts
   * globalLogBeginner.beginLoggingTo([textLogObserver((text) => process.stderr.write(text))]);
   * ```
   */
  beginLoggingTo(observers: Iterable<ILogObserver>, options: BeginLoggingOptions = {}): void {
    const publisher = this.#publisher;
    const already = new Set(publisher.observers);
    const added = [...new Set(observers)].filter((o) => !already.has(o));
    for (const observer of added) publisher.addObserver(observer);
    if (this.#begun) {
      publisher.publish({
        log_namespace: 'weft.logger',
        log_level: 'warn',
        log_format: 'beginLoggingTo was called more than once; observers were added anyway',
        log_time: publisher.clock.seconds(),
      });
      return;
    }
    this.#begun = true;
    publisher.removeObserver(this.#temporary);
    const kept = this.#buffer.events();
    this.#buffer.clear();
    if (options.discardBuffer === true) return;
    const live = new Set(added);
    for (const event of kept) {
      const broken: [ILogObserver, unknown][] = [];
      for (const observer of live) {
        try {
          observer(event);
        } catch (e) {
          broken.push([observer, e]);
        }
      }
      // As in LogPublisher.publish: report once everyone has had the event.
      for (const [observer, error] of broken) {
        live.delete(observer);
        removeBrokenObserver(publisher, observer, error);
      }
    }
  }
}
