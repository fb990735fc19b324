import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  globalLogBeginner,
  globalLogPublisher,
  LogBeginner,
  Logger,
  LogPublisher,
} from '../../src/core/index.js';
import type { ILogObserver, LogEvent } from '../../src/core/index.js';

/** A publisher with a beginner whose fallback records into `fallback`. */
function setUp(initialBufferSize?: number): {
  publisher: LogPublisher;
  beginner: LogBeginner;
  log: Logger;
  fallback: LogEvent[];
} {
  const publisher = new LogPublisher();
  const fallback: LogEvent[] = [];
  const beginner = new LogBeginner(publisher, {
    fallbackObserver: (e) => fallback.push(e),
    ...(initialBufferSize === undefined ? {} : { initialBufferSize }),
  });
  return { publisher, beginner, log: new Logger('app', undefined, publisher), fallback };
}

function formats(events: readonly LogEvent[]): unknown[] {
  return events.map((e) => e.log_format);
}

describe('LogBeginner', () => {
  it('replays the events logged before beginLoggingTo to the new observers, then live ones', () => {
    const { beginner, log } = setUp();
    log.info('early 1');
    log.debug('early 2');
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => seen.push(e)]);
    log.info('live');
    expect(formats(seen)).toEqual(['early 1', 'early 2', 'live']);
    expect(beginner.begun).toBe(true);
  });

  it('keeps only the last initialBufferSize events', () => {
    const { beginner, log } = setUp(2);
    for (const n of [1, 2, 3]) log.info(`e${n}`);
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => seen.push(e)]);
    expect(formats(seen)).toEqual(['e2', 'e3']);
  });

  it('drops the kept events instead of replaying them with discardBuffer', () => {
    const { beginner, log } = setUp();
    log.info('early');
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => seen.push(e)], { discardBuffer: true });
    log.info('live');
    expect(formats(seen)).toEqual(['live']);
  });

  it('passes events to the fallback only while no other observer listens, and never after beginning', () => {
    const { publisher, beginner, log, fallback } = setUp();
    log.error('alone');
    const other: ILogObserver = () => undefined;
    publisher.addObserver(other);
    log.error('with company');
    publisher.removeObserver(other);
    log.error('alone again');
    beginner.beginLoggingTo([() => undefined]);
    log.critical('after beginning');
    expect(formats(fallback)).toEqual(['alone', 'alone again']);
  });

  it('does not replay to an observer that was already registered, which saw the events live', () => {
    const { publisher, beginner, log } = setUp();
    const seen: LogEvent[] = [];
    const observer: ILogObserver = (e) => seen.push(e);
    publisher.addObserver(observer);
    log.info('once');
    beginner.beginLoggingTo([observer]);
    expect(formats(seen)).toEqual(['once']);
  });

  it('removes and reports an observer that throws during the replay', () => {
    const { publisher, beginner, log } = setUp();
    log.info('early 1');
    log.info('early 2');
    const seen: LogEvent[] = [];
    let calls = 0;
    const broken: ILogObserver = () => {
      calls++;
      throw new Error('cannot replay');
    };
    beginner.beginLoggingTo([broken, (e) => seen.push(e)]);
    expect(calls).toBe(1);
    expect(publisher.observers).not.toContain(broken);
    expect(formats(seen)).toEqual([
      'early 1',
      'Removed log observer {observer} after it threw',
      'early 2',
    ]);
  });

  it('warns, and still adds the observers, when beginLoggingTo is called twice', () => {
    const { beginner, log } = setUp();
    const first: LogEvent[] = [];
    const second: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => first.push(e)]);
    beginner.beginLoggingTo([(e) => second.push(e)]);
    log.info('to both');
    expect(first.map((e) => [e.log_level, e.log_namespace])).toEqual([
      ['warn', 'weft.logger'],
      ['info', 'app'],
    ]);
    expect(formats(second)).toEqual([first[0]?.log_format, 'to both']);
  });
});

describe('globalLogBeginner', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports errors to the console before logging begins, then replays them to the chosen observers', () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: unknown) => {
      printed.push(text);
    });
    const log = new Logger('app.startup');
    log.info('starting');
    log.error('config missing {key}', { key: 'port' });
    expect(printed).toEqual(['[app.startup#error] config missing port']);

    const seen: LogEvent[] = [];
    const observer: ILogObserver = (e) => seen.push(e);
    globalLogBeginner.beginLoggingTo([observer]);
    log.error('after');
    globalLogPublisher.removeObserver(observer);
    log.error('nobody listening now');

    expect(formats(seen.filter((e) => e.log_namespace === 'app.startup'))).toEqual([
      'starting',
      'config missing {key}',
      'after',
    ]);
    expect(printed).toHaveLength(1);
  });
});
