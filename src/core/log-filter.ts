/**
 * Filtering events: predicates voting yes, no or maybe, and the usual one,
 * a minimum level per namespace.
 *
 * @module
 */
import { Callable } from './callable.js';
import { InvalidLogLevelError } from './errors.js';
import type { ILogObserver, LogEvent } from './log-event.js';
import { compareLogLevels, isLogLevel } from './log-levels.js';
import type { LogLevel } from './log-levels.js';

/**
 * A predicate's vote on an event (Twisted's `PredicateResult`): `'yes'` logs it
 * without asking later predicates, `'no'` drops it likewise, `'maybe'` leaves
 * it to the next predicate (and logs it when no predicate is left).
 */
export type PredicateResult = 'yes' | 'no' | 'maybe';

/** The three votes by name, for code that reads like Twisted's (`PredicateResult.no`). */
export const PredicateResult: {
  readonly yes: 'yes';
  readonly no: 'no';
  readonly maybe: 'maybe';
} = Object.freeze({ yes: 'yes', no: 'no', maybe: 'maybe' });

/** Decides whether an event should be logged; called once per event, synchronously. */
export type ILogFilterPredicate = (event: LogEvent) => PredicateResult;

/**
 * Whether `predicates` let `event` through: the first `'yes'` or `'no'`
 * decides; all `'maybe'` (or no predicates) means yes.
 *
 * @throws {TypeError} when a predicate returns something else.
 */
export function shouldLogEvent(
  predicates: Iterable<ILogFilterPredicate>,
  event: LogEvent,
): boolean {
  for (const predicate of predicates) {
    const result: unknown = predicate(event);
    if (result === 'yes') return true;
    if (result === 'no') return false;
    if (result !== 'maybe') throw new TypeError(`Invalid predicate result: ${String(result)}`);
  }
  return true;
}

/** An observer that ignores every event (Twisted's `bitbucketLogObserver`). */
function bitbucketLogObserver(_event: LogEvent): void {
  // Dropped on purpose.
}

/**
 * An observer that forwards the events `predicates` let through (see
 * {@link shouldLogEvent}) to `observer`, and the others to `negativeObserver`
 * (dropped, by default). Twisted's `FilteringLogObserver`.
 *
 * @example
 * ```ts
 * const levels = new LogLevelFilterPredicate('info');
 * levels.setLogLevelForNamespace('myapp.db', 'debug');
 * const write = (text: string) => process.stdout.write(text);
 * globalLogBeginner.beginLoggingTo([new FilteringLogObserver(textLogObserver(write), [levels])]);
 * ```
 */
export class FilteringLogObserver extends Callable<[event: LogEvent], void> {
  /** Receives the events that pass. */
  readonly observer: ILogObserver;
  /** The predicates, asked in order. */
  readonly predicates: readonly ILogFilterPredicate[];
  /** Receives the events that do not pass. */
  readonly negativeObserver: ILogObserver;

  constructor(
    observer: ILogObserver,
    predicates: Iterable<ILogFilterPredicate>,
    negativeObserver: ILogObserver = bitbucketLogObserver,
  ) {
    super();
    this.observer = observer;
    this.predicates = [...predicates];
    this.negativeObserver = negativeObserver;
  }

  protected override invoke(event: LogEvent): void {
    if (shouldLogEvent(this.predicates, event)) this.observer(event);
    else this.negativeObserver(event);
  }
}

/**
 * A predicate dropping events below a minimum level, set per namespace
 * (Twisted's `LogLevelFilterPredicate`). A namespace without its own level
 * takes that of its nearest dotted parent: a level set for `'a.b'` applies to
 * `'a.b.c'` but not to `'a.bc'`; the empty namespace `''` is the default.
 *
 * Votes `'no'` for an event below its namespace's level, or without a valid
 * level or a namespace, and `'maybe'` otherwise, so later predicates still get
 * a say.
 */
export class LogLevelFilterPredicate extends Callable<[event: LogEvent], PredicateResult> {
  /** The level for namespaces with none of their own, after {@link LogLevelFilterPredicate.clearLogLevels}. */
  readonly defaultLogLevel: LogLevel;
  readonly #levels = new Map<string, LogLevel>();

  /** @throws {InvalidLogLevelError} when `defaultLogLevel` is not a level. */
  constructor(defaultLogLevel: LogLevel = 'info') {
    super();
    if (!isLogLevel(defaultLogLevel)) throw new InvalidLogLevelError(defaultLogLevel);
    this.defaultLogLevel = defaultLogLevel;
    this.clearLogLevels();
  }

  /** The minimum level for `namespace`: its own, its nearest parent's, or the default. */
  logLevelForNamespace(namespace: string): LogLevel {
    for (let ns = namespace; ns !== ''; ns = ns.slice(0, Math.max(0, ns.lastIndexOf('.')))) {
      const level = this.#levels.get(ns);
      if (level !== undefined) return level;
    }
    return this.#levels.get('') ?? this.defaultLogLevel;
  }

  /**
   * Sets the minimum level for `namespace` and the namespaces under it;
   * `''` sets the default.
   *
   * @throws {InvalidLogLevelError} when `level` is not a level.
   */
  setLogLevelForNamespace(namespace: string, level: LogLevel): void {
    if (!isLogLevel(level)) throw new InvalidLogLevelError(level);
    this.#levels.set(namespace, level);
  }

  /** Forgets every namespace's level; the default becomes `defaultLogLevel` again. */
  clearLogLevels(): void {
    this.#levels.clear();
    this.#levels.set('', this.defaultLogLevel);
  }

  protected override invoke(event: LogEvent): PredicateResult {
    const level: unknown = event.log_level;
    const namespace: unknown = event.log_namespace;
    if (!isLogLevel(level) || typeof namespace !== 'string' || namespace === '') return 'no';
    return compareLogLevels(level, this.logLevelForNamespace(namespace)) < 0 ? 'no' : 'maybe';
  }
}
