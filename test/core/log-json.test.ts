import { describe, expect, it } from 'vitest';

import {
  ConnectionLost,
  eventAsJSON,
  eventFromJSON,
  eventsFromJSONLines,
  Failure,
  formatEvent,
  formatEventAsClassicLogText,
  jsonLogObserver,
  Logger,
  LogPublisher,
} from '../../src/core/index.js';
import type { LogEvent } from '../../src/core/index.js';
import { capturedLogs } from '../../src/testing/index.js';

function event(format: string | null, fields: Record<string, unknown> = {}): LogEvent {
  return { log_namespace: 'app', log_level: 'warn', log_time: 12.5, log_format: format, ...fields };
}

describe('eventAsJSON', () => {
  it('writes one line of JSON that reads back as the same event, with log_flattened added', () => {
    const original = event('{user} logged in from {addr.host}', {
      user: 'ann\nsmith',
      addr: { host: '10.0.0.1', port: 22 },
    });
    const text = eventAsJSON(original);
    expect(text).not.toContain('\n');
    expect(eventFromJSON(text)).toEqual({
      ...original,
      log_flattened: { user: 'ann\nsmith', 'addr.host': '10.0.0.1' },
    });
  });

  it('saves a failure as {type, message, traceback} and reads it back as a Failure', () => {
    const error = new ConnectionLost('peer reset');
    const text = eventAsJSON(event('lost', { log_failure: new Failure(error) }));
    const saved = JSON.parse(text) as { log_failure: unknown };
    expect(saved.log_failure).toEqual({
      type: 'ConnectionLost',
      message: 'peer reset',
      traceback: new Failure(error).getTraceback(),
    });
    const back = eventFromJSON(text);
    expect(back.log_failure).toBeInstanceOf(Failure);
    expect(back.log_failure?.getErrorMessage()).toBe('peer reset');
    expect(back.log_failure?.getBriefTraceback()).toBe('ConnectionLost: peer reset');
    expect(back.log_failure?.check('ConnectionLost')).toBe('ConnectionLost');
    expect(back.log_failure?.getTraceback()).toBe(new Failure(error).getTraceback());
  });

  it('replaces unserialisable fields with their text, keeping the rest', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const back = eventFromJSON(
      eventAsJSON(
        event(null, {
          big: 2n ** 70n,
          fn: function onData() {
            return 0;
          },
          cyclic,
          nested: { err: new TypeError('bad'), ok: true },
          gone: undefined,
        }),
      ),
    );
    expect(back.big).toBe('1180591620717411303424');
    expect(back.fn).toBe('[function onData]');
    expect(back.cyclic).toBe('[object Object]');
    expect(back.nested).toMatchObject({ err: { type: 'TypeError', message: 'bad' }, ok: true });
    expect('gone' in back).toBe(false);
  });

  it('keeps the message when a field did not survive, through log_flattened', () => {
    const original = event('got {data}', { data: 10n });
    const back = eventFromJSON(eventAsJSON(original));
    expect(formatEvent(back)).toBe(formatEvent(original));
  });
});

describe('eventFromJSON', () => {
  it('throws SyntaxError for text that is not JSON and TypeError for non-objects', () => {
    expect(() => eventFromJSON('{nope')).toThrow(SyntaxError);
    expect(() => eventFromJSON('[1]')).toThrow(TypeError);
  });
});

describe('jsonLogObserver and eventsFromJSONLines', () => {
  it('round-trips events written as JSON Lines', () => {
    let file = '';
    const publisher = new LogPublisher(jsonLogObserver((text) => (file += text)));
    const log = new Logger('app.json', undefined, publisher, { seconds: () => 100 });
    log.info('one {n}', { n: 1 });
    log.failure('two', new Error('oops'));
    expect(file.split('\n')).toHaveLength(3);
    expect(file.endsWith('\n')).toBe(true);
    const events = eventsFromJSONLines(file);
    expect(events.map(formatEvent)).toEqual(['one 1', 'two']);
    expect(events.map((e) => [e.log_namespace, e.log_level, e.log_time])).toEqual([
      ['app.json', 'info', 100],
      ['app.json', 'critical', 100],
    ]);
    expect(events[1]?.log_failure?.getErrorMessage()).toBe('oops');
    expect(formatEventAsClassicLogText(events[1]!)).toContain('\tError: oops');
  });

  it('writes and detects RFC 7464 record separators', () => {
    let file = '';
    const observer = jsonLogObserver((text) => (file += text), '\x1e');
    observer(event('a'));
    observer(event('b'));
    expect(file.startsWith('\x1e{')).toBe(true);
    expect(eventsFromJSONLines(file).map((e) => e.log_format)).toEqual(['a', 'b']);
  });

  it('skips blank lines, and skips and logs unreadable or truncated records', () => {
    const good = eventAsJSON(event('ok'));
    const events = capturedLogs(() => {
      expect(
        eventsFromJSONLines(`${good}\n\nnot json\n${good}\n`).map((e) => e.log_format),
      ).toEqual(['ok', 'ok']);
      expect(eventsFromJSONLines(`\x1e${good}\n\x1e{"log_format":"cut`)).toHaveLength(1);
    });
    expect(events.map((e) => [e.log_namespace, e.log_level])).toEqual([
      ['weft.logger', 'error'],
      ['weft.logger', 'error'],
    ]);
    expect(formatEvent(events[0]!)).toMatch(
      /^Unable to read JSON record: "not json" \(SyntaxError/,
    );
    expect(formatEvent(events[1]!)).toMatch(/^Unable to read truncated JSON record/);
  });
});
