import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  consoleErrorObserver,
  Failure,
  LimitedHistoryLogObserver,
  LogPublisher,
  textLogObserver,
} from '../../src/core/index.js';
import type { LogEvent, LogLevel } from '../../src/core/index.js';

function event(format: string | null, fields: Partial<LogEvent> = {}): LogEvent {
  return { log_namespace: 'app', log_level: 'info', log_time: 0, log_format: format, ...fields };
}

function errorWithStack(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}\n    at handler (app.js:10:5)`;
  return error;
}

describe('textLogObserver', () => {
  it('writes one "<ISO time> [<namespace>#<level>] <text>" record per event', () => {
    const out: string[] = [];
    const observer = textLogObserver((text) => out.push(text));
    observer(event('listening on {port}', { port: 8080, log_time: 86400 }));
    expect(out).toEqual(['1970-01-02T00:00:00.000Z [app#info] listening on 8080\n']);
  });

  it('appends the traceback with every continuation line indented by a tab', () => {
    const out: string[] = [];
    const observer = textLogObserver((text) => out.push(text));
    observer(
      event('Unhandled error:\ndetails', {
        log_level: 'critical',
        log_failure: new Failure(errorWithStack('boom')),
      }),
    );
    expect(out).toEqual([
      '1970-01-01T00:00:00.000Z [app#critical] Unhandled error:\n\tdetails\n\tError: boom\n\t    at handler (app.js:10:5)\n',
    ]);
  });

  it('skips events with no message and no failure, and takes a time formatter', () => {
    const out: string[] = [];
    const observer = textLogObserver((text) => out.push(text), { formatTime: () => 'now' });
    observer(event(null));
    observer(event('x'));
    expect(out).toEqual(['now [app#info] x\n']);
  });
});

describe('consoleErrorObserver', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints only error and critical events, with their tracebacks, to console.error', () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: unknown) => {
      printed.push(text);
    });
    for (const level of ['debug', 'info', 'warn'] as LogLevel[]) {
      consoleErrorObserver(event('quiet', { log_level: level }));
    }
    consoleErrorObserver(
      event('loud', { log_level: 'error', log_failure: new Failure(errorWithStack('x')) }),
    );
    expect(printed).toEqual(['[app#error] loud\nError: x\n    at handler (app.js:10:5)']);
  });
});

describe('LimitedHistoryLogObserver', () => {
  it('replays the events it holds, oldest first', () => {
    const history = new LimitedHistoryLogObserver(5);
    for (let n = 0; n < 3; n++) history(event(`e${n}`));
    const replayed: string[] = [];
    history.replayTo((e) => replayed.push(String(e.log_format)));
    expect(replayed).toEqual(['e0', 'e1', 'e2']);
  });

  it('keeps only the last `size` events, in order, as more arrive', () => {
    const history = new LimitedHistoryLogObserver(3);
    for (let n = 0; n < 10; n++) history(event(`e${n}`));
    expect(history.events().map((e) => e.log_format)).toEqual(['e7', 'e8', 'e9']);
    history(event('e10'));
    expect(history.events().map((e) => e.log_format)).toEqual(['e8', 'e9', 'e10']);
  });

  it('keeps nothing with size 0, and empties on clear', () => {
    const none = new LimitedHistoryLogObserver(0);
    none(event('x'));
    expect(none.events()).toEqual([]);
    const some = new LimitedHistoryLogObserver(2);
    some(event('x'));
    some.clear();
    some(event('y'));
    expect(some.events().map((e) => e.log_format)).toEqual(['y']);
  });

  it('rejects a size that is negative or not an integer', () => {
    expect(() => new LimitedHistoryLogObserver(-1)).toThrow(RangeError);
    expect(() => new LimitedHistoryLogObserver(1.5)).toThrow(RangeError);
  });

  it('can be added to a publisher as an observer', () => {
    const history = new LimitedHistoryLogObserver(10);
    const publisher = new LogPublisher(history);
    publisher.publish(event('kept'));
    expect(history.size).toBe(10);
    expect(history.events().map((e) => e.log_format)).toEqual(['kept']);
  });
});
