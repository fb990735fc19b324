/**
 * `LogPublisher`: fans events out to observers, and isolates the emitter from
 * observers that fail.
 *
 * @module
 */
import { Callable } from './callable.js';
import { Failure } from './failure.js';
import { wallClock } from './log-event.js';
import type { ILogObserver, LogClock, LogEvent } from './log-event.js';

function observerName(observer: ILogObserver): string {
  return observer.name === '' ? '<anonymous>' : observer.name;
}

/**
 * Removes `observer`, which threw `error` while observing, from `publisher`
 * and reports that as a `critical` event to the observers that remain.
 *
 * @internal
 */
export function removeBrokenObserver(
  publisher: LogPublisher,
  observer: ILogObserver,
  error: unknown,
): void {
  publisher.removeObserver(observer);
  publisher.publish({
    log_namespace: 'weft.logger',
    log_level: 'critical',
    log_format: 'Removed log observer {observer} after it threw',
    log_time: publisher.clock.seconds(),
    log_failure: Failure.from(error),
    observer: observerName(observer),
  });
}

/**
 * Fans events out to observers, in the order they were added (Twisted's
 * `LogPublisher`). A publisher is itself an {@link ILogObserver}: calling it
 * publishes, so publishers nest and a {@link Logger} can emit to one.
 *
 * An observer that throws never breaks the emitter or the other observers:
 * the others still receive the event, then the thrower is removed and a
 * `critical` event `Removed log observer {observer} after it threw` (with the
 * error as `log_failure`) is published to those that remain. (Twisted keeps
 * the observer; weft removes it, so a broken observer reports once rather
 * than on every event.)
 *
 * Observers may publish, add or remove observers while observing; each event
 * goes to the observers registered when its publication began.
 */
export class LogPublisher extends Callable<[event: LogEvent], void> {
  readonly #observers: ILogObserver[] = [];
  /**
   * Stamps `log_time` on the events this publisher makes itself; the global
   * publisher's clock is also the default clock of every {@link Logger}
   * (wall-clock time unless replaced, e.g. by a reactor's or a test's clock).
   */
  clock: LogClock = wallClock;

  constructor(...observers: ILogObserver[]) {
    super();
    for (const observer of observers) this.addObserver(observer);
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

  /** The observers, in the order they receive events (a copy). */
  get observers(): readonly ILogObserver[] {
    return [...this.#observers];
  }

  /** Publishes `event` to every observer; never throws. */
  publish(event: LogEvent): void {
    const broken: [ILogObserver, unknown][] = [];
    for (const observer of [...this.#observers]) {
      try {
        observer(event);
      } catch (e) {
        broken.push([observer, e]);
      }
    }
    // Report after everyone has seen the event, so the report follows it.
    for (const [observer, error] of broken) removeBrokenObserver(this, observer, error);
  }

  protected override invoke(event: LogEvent): void {
    this.publish(event);
  }
}
