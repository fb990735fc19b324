import { describe, expect, it } from 'vitest';

import {
  FilteringLogObserver,
  InvalidLogLevelError,
  LogLevelFilterPredicate,
  PredicateResult,
  shouldLogEvent,
} from '../../src/core/index.js';
import type { ILogFilterPredicate, LogEvent, LogLevel } from '../../src/core/index.js';

function event(namespace: string, level: LogLevel, format = 'x'): LogEvent {
  return { log_namespace: namespace, log_level: level, log_format: format, log_time: 0 };
}

describe('shouldLogEvent', () => {
  const yes: ILogFilterPredicate = () => PredicateResult.yes;
  const no: ILogFilterPredicate = () => PredicateResult.no;
  const maybe: ILogFilterPredicate = () => PredicateResult.maybe;
  const e = event('a', 'info');

  it('logs when there are no predicates, or all say maybe', () => {
    expect(shouldLogEvent([], e)).toBe(true);
    expect(shouldLogEvent([maybe, maybe], e)).toBe(true);
  });

  it('lets the first yes or no decide, without asking later predicates', () => {
    let asked = false;
    const spy: ILogFilterPredicate = () => {
      asked = true;
      return 'maybe';
    };
    expect(shouldLogEvent([maybe, yes, no, spy], e)).toBe(true);
    expect(shouldLogEvent([maybe, no, yes, spy], e)).toBe(false);
    expect(asked).toBe(false);
  });

  it('throws a TypeError for a result that is not yes, no or maybe', () => {
    expect(() => shouldLogEvent([() => 'perhaps' as PredicateResult], e)).toThrow(TypeError);
  });
});

describe('FilteringLogObserver', () => {
  it('forwards passing events to the observer and the rest to the negative observer', () => {
    const kept: LogEvent[] = [];
    const dropped: LogEvent[] = [];
    const filter = new FilteringLogObserver(
      (ev) => kept.push(ev),
      [(ev) => (ev.log_level === 'debug' ? 'no' : 'maybe')],
      (ev) => dropped.push(ev),
    );
    filter(event('a', 'debug', 'd'));
    filter(event('a', 'info', 'i'));
    expect(kept.map((ev) => ev.log_format)).toEqual(['i']);
    expect(dropped.map((ev) => ev.log_format)).toEqual(['d']);
  });

  it('drops failing events silently when no negative observer is given', () => {
    const kept: LogEvent[] = [];
    const filter = new FilteringLogObserver((ev) => kept.push(ev), [() => 'no']);
    expect(() => {
      filter(event('a', 'critical'));
    }).not.toThrow();
    expect(kept).toEqual([]);
  });
});

describe('LogLevelFilterPredicate', () => {
  it("drops events below the default level, 'info' unless given", () => {
    const predicate = new LogLevelFilterPredicate();
    expect(predicate.defaultLogLevel).toBe('info');
    expect(predicate(event('a', 'debug'))).toBe('no');
    expect(predicate(event('a', 'info'))).toBe('maybe');
    expect(new LogLevelFilterPredicate('error')(event('a', 'warn'))).toBe('no');
  });

  it('applies a namespace’s level to its dotted descendants but not to look-alike siblings', () => {
    const predicate = new LogLevelFilterPredicate('info');
    predicate.setLogLevelForNamespace('app.db', 'debug');
    predicate.setLogLevelForNamespace('app.db.pool', 'error');
    expect(predicate.logLevelForNamespace('app.db')).toBe('debug');
    expect(predicate.logLevelForNamespace('app.db.query')).toBe('debug');
    expect(predicate.logLevelForNamespace('app.db.pool.conn')).toBe('error');
    expect(predicate.logLevelForNamespace('app.dbx')).toBe('info');
    expect(predicate.logLevelForNamespace('app')).toBe('info');
    expect(predicate(event('app.db.query', 'debug'))).toBe('maybe');
    expect(predicate(event('app.db.pool.conn', 'warn'))).toBe('no');
  });

  it("sets the default for every namespace through ''", () => {
    const predicate = new LogLevelFilterPredicate('info');
    predicate.setLogLevelForNamespace('', 'critical');
    expect(predicate.logLevelForNamespace('anything.at.all')).toBe('critical');
  });

  it('forgets every level set, back to the default, on clearLogLevels', () => {
    const predicate = new LogLevelFilterPredicate('warn');
    predicate.setLogLevelForNamespace('', 'debug');
    predicate.setLogLevelForNamespace('a', 'critical');
    predicate.clearLogLevels();
    expect(predicate.logLevelForNamespace('a')).toBe('warn');
    expect(predicate.logLevelForNamespace('b')).toBe('warn');
  });

  it('rejects an invalid level with InvalidLogLevelError', () => {
    const predicate = new LogLevelFilterPredicate();
    expect(() => {
      predicate.setLogLevelForNamespace('a', 'loud' as LogLevel);
    }).toThrow(InvalidLogLevelError);
    expect(() => new LogLevelFilterPredicate('loud' as LogLevel)).toThrow(InvalidLogLevelError);
  });

  it('drops events with no namespace or no valid level', () => {
    const predicate = new LogLevelFilterPredicate('debug');
    expect(predicate(event('', 'critical'))).toBe('no');
    expect(predicate({ ...event('a', 'info'), log_level: 'loud' } as unknown as LogEvent)).toBe(
      'no',
    );
  });

  it('composes with FilteringLogObserver', () => {
    const levels = new LogLevelFilterPredicate('warn');
    levels.setLogLevelForNamespace('chatty', 'debug');
    const kept: string[] = [];
    const filter = new FilteringLogObserver((ev) => kept.push(ev.log_namespace), [levels]);
    filter(event('quiet', 'info'));
    filter(event('chatty.sub', 'debug'));
    filter(event('quiet', 'error'));
    expect(kept).toEqual(['chatty.sub', 'quiet']);
  });
});
