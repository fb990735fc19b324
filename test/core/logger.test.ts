import { describe, expect, it } from 'vitest';

import {
  compareLogLevels,
  Failure,
  globalLogPublisher,
  InvalidLogLevelError,
  isLogLevel,
  levelWithName,
  LOG_LEVELS,
  Logger,
  LogLevel,
  LogPublisher,
  wallClock,
  WeftError,
} from '../../src/core/index.js';
import type { ILogObserver, LogEvent } from '../../src/core/index.js';
import { Clock } from '../../src/testing/index.js';

/** A Logger whose events land in the returned array, stamped by a Clock at 5s. */
function recording(namespace?: string, source?: unknown): [Logger, LogEvent[], Clock] {
  const events: LogEvent[] = [];
  const clock = new Clock();
  clock.advance(5);
  const log = new Logger(namespace, source, (e) => events.push(e), clock);
  return [log, events, clock];
}

describe('log levels', () => {
  it('orders the five levels from debug to critical', () => {
    expect(LOG_LEVELS).toEqual(['debug', 'info', 'warn', 'error', 'critical']);
    expect([...LOG_LEVELS].reverse().sort(compareLogLevels)).toEqual(LOG_LEVELS);
  });

  it('compares levels by severity', () => {
    expect(compareLogLevels('warn', 'info')).toBeGreaterThan(0);
    expect(compareLogLevels('debug', 'critical')).toBeLessThan(0);
    expect(compareLogLevels('error', 'error')).toBe(0);
  });

  it('names each level as Twisted does, as its own string', () => {
    expect(LogLevel.warn).toBe('warn');
    expect(Object.values(LogLevel)).toEqual(LOG_LEVELS);
  });

  describe('levelWithName', () => {
    it('returns the level with that name', () => {
      expect(levelWithName('error')).toBe('error');
    });

    it('throws InvalidLogLevelError, a WeftError carrying the name, for an unknown name', () => {
      const err = (() => {
        try {
          levelWithName('verbose');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(InvalidLogLevelError);
      expect(err).toBeInstanceOf(WeftError);
      expect((err as InvalidLogLevelError).level).toBe('verbose');
      expect((err as Error).message).toBe('Invalid log level: "verbose"');
      expect((err as Error).name).toBe('InvalidLogLevelError');
    });

    it('is case-sensitive, as level names are', () => {
      expect(() => levelWithName('INFO')).toThrow(InvalidLogLevelError);
    });
  });

  it('recognises only the five level names as levels', () => {
    expect(LOG_LEVELS.every(isLogLevel)).toBe(true);
    expect([0, null, 'warning', 'Info', {}].some(isLogLevel)).toBe(false);
  });
});

describe('Logger', () => {
  describe('emit', () => {
    it('builds an event from the fields plus namespace, level, format and the clock time', () => {
      const [log, events] = recording('app.db');
      log.emit('info', 'opened {path}', { path: '/tmp/x' });
      expect(events).toEqual([
        {
          path: '/tmp/x',
          log_namespace: 'app.db',
          log_level: 'info',
          log_format: 'opened {path}',
          log_time: 5,
        },
      ]);
    });

    it('stamps the source when the Logger has one', () => {
      const source = { id: 1 };
      const [log, events] = recording('app', source);
      log.info('hi');
      expect(events[0]?.log_source).toBe(source);
    });

    it("lets the Logger's keys win over fields of the same name", () => {
      const [log, events] = recording('app');
      log.info('x', { log_namespace: 'other', log_time: 99 });
      expect(events[0]).toMatchObject({ log_namespace: 'app', log_time: 5 });
    });

    it('emits a critical failure about an invalid level instead of dropping the event', () => {
      const [log, events] = recording('app');
      log.emit('loud' as LogLevel, 'hello {x}', { x: 1 });
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(event.log_level).toBe('critical');
      expect(event.log_failure?.value).toBeInstanceOf(InvalidLogLevelError);
      expect(event).toMatchObject({ invalidLevel: 'loud', invalidFormat: 'hello {x}', x: 1 });
    });
  });

  it('emits at the level each method is named after', () => {
    const [log, events] = recording();
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.critical('c');
    expect(events.map((e) => [e.log_level, e.log_format])).toEqual([
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
      ['critical', 'c'],
    ]);
  });

  it("defaults to the 'weft' namespace", () => {
    const [log, events] = recording();
    log.info('x');
    expect(events[0]?.log_namespace).toBe('weft');
  });

  describe('failure', () => {
    it('wraps a thrown value as log_failure, at critical by default', () => {
      const [log, events] = recording();
      const error = new Error('boom');
      log.failure('it failed', error, { attempt: 2 });
      expect(events[0]?.log_level).toBe('critical');
      expect(events[0]?.log_failure).toBeInstanceOf(Failure);
      expect(events[0]?.log_failure?.value).toBe(error);
      expect(events[0]?.attempt).toBe(2);
    });

    it('keeps a Failure as it is and honours the level given', () => {
      const [log, events] = recording();
      const failure = new Failure(new Error('x'));
      log.failure('meh', failure, undefined, 'warn');
      expect(events[0]?.log_failure).toBe(failure);
      expect(events[0]?.log_level).toBe('warn');
    });
  });

  describe('clock', () => {
    it('reads its own clock at each emission, so the time follows the clock', () => {
      const [log, events, clock] = recording();
      log.info('a');
      clock.advance(1.5);
      log.info('b');
      expect(events.map((e) => e.log_time)).toEqual([5, 6.5]);
    });

    it("uses the global publisher's clock when it has none, wall-clock time by default", () => {
      const events: LogEvent[] = [];
      const log = new Logger('app', undefined, (e) => events.push(e));
      const before = Date.now() / 1000;
      log.info('now');
      expect(globalLogPublisher.clock).toBe(wallClock);
      expect(events[0]!.log_time).toBeGreaterThanOrEqual(before);
      expect(events[0]!.log_time).toBeLessThanOrEqual(Date.now() / 1000);

      const clock = new Clock();
      clock.advance(42);
      globalLogPublisher.clock = clock;
      try {
        log.info('then');
      } finally {
        globalLogPublisher.clock = wallClock;
      }
      expect(events[1]?.log_time).toBe(42);
    });
  });

  it('emits to the global publisher by default', () => {
    const events: LogEvent[] = [];
    const observer: ILogObserver = (e) => events.push(e);
    globalLogPublisher.addObserver(observer);
    try {
      new Logger('app.global').warn('to everyone');
    } finally {
      globalLogPublisher.removeObserver(observer);
    }
    expect(events.map((e) => e.log_namespace)).toEqual(['app.global']);
  });
});

describe('LogPublisher', () => {
  it('delivers each event to every observer, in the order they were added', () => {
    const seen: string[] = [];
    const publisher = new LogPublisher((e) => seen.push(`a:${String(e.log_format)}`));
    publisher.addObserver((e) => seen.push(`b:${String(e.log_format)}`));
    new Logger('x', undefined, publisher).info('hi');
    expect(seen).toEqual(['a:hi', 'b:hi']);
  });

  it('ignores adding an observer twice and removing one it does not have', () => {
    const seen: LogEvent[] = [];
    const observer: ILogObserver = (e) => seen.push(e);
    const publisher = new LogPublisher();
    publisher.addObserver(observer);
    publisher.addObserver(observer);
    publisher.removeObserver(() => undefined);
    expect(publisher.observers).toEqual([observer]);
    publisher.removeObserver(observer);
    expect(publisher.observers).toEqual([]);
  });

  it('is itself an observer, so publishers nest', () => {
    const seen: LogEvent[] = [];
    const inner = new LogPublisher((e) => seen.push(e));
    const outer = new LogPublisher(inner);
    new Logger('x', undefined, outer).info('nested');
    expect(seen).toHaveLength(1);
    expect(inner).toBeInstanceOf(LogPublisher);
    expect(typeof inner).toBe('function');
  });

  it('removes an observer that throws and reports it, while the others still get the event', () => {
    const seen: LogEvent[] = [];
    const later: LogEvent[] = [];
    function brokenObserver(): void {
      throw new TypeError('observer bug');
    }
    const publisher = new LogPublisher(
      (e) => seen.push(e),
      brokenObserver,
      (e) => later.push(e),
    );
    const clock = new Clock();
    clock.advance(3);
    publisher.clock = clock;

    expect(() => {
      new Logger('app', undefined, publisher).info('first');
    }).not.toThrow();

    expect(publisher.observers).not.toContain(brokenObserver);
    expect(later.map((e) => e.log_format)).toEqual([
      'first',
      'Removed log observer {observer} after it threw',
    ]);
    const report = seen[1]!;
    expect(report).toMatchObject({
      log_namespace: 'weft.logger',
      log_level: 'critical',
      observer: 'brokenObserver',
      log_time: 3,
    });
    expect(report.log_failure?.value).toBeInstanceOf(TypeError);

    new Logger('app', undefined, publisher).info('second');
    expect(seen.map((e) => e.log_format)).toEqual([
      'first',
      'Removed log observer {observer} after it threw',
      'second',
    ]);
  });

  it('stops after removing observers that throw even on the report of their own removal', () => {
    const publisher = new LogPublisher(
      () => {
        throw new Error('one');
      },
      () => {
        throw new Error('two');
      },
    );
    expect(() => {
      publisher.publish({ log_namespace: 'x', log_level: 'info', log_format: 'x', log_time: 0 });
    }).not.toThrow();
    expect(publisher.observers).toEqual([]);
  });

  it('sends an event published during observation to every observer, after the current one', () => {
    const order: string[] = [];
    const publisher = new LogPublisher();
    const log = new Logger('x', undefined, publisher);
    publisher.addObserver((e) => {
      order.push(`1:${String(e.log_format)}`);
      if (e.log_format === 'outer') log.info('inner');
    });
    publisher.addObserver((e) => order.push(`2:${String(e.log_format)}`));
    log.info('outer');
    expect(order).toEqual(['1:outer', '1:inner', '2:inner', '2:outer']);
  });
});
