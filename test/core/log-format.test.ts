import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  eventAsText,
  Failure,
  flattenEvent,
  formatEvent,
  formatEventAsClassicLogText,
  formatTime,
} from '../../src/core/index.js';
import type { LogEvent } from '../../src/core/index.js';

function event(format: string | null, fields: Record<string, unknown> = {}): LogEvent {
  return {
    log_namespace: 'app.test',
    log_level: 'info',
    log_time: 0,
    ...fields,
    log_format: format,
  };
}

/** An error with a fixed stack, so tracebacks are predictable. */
function errorWithStack(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}\n    at first (a.js:1:1)\n    at second (b.js:2:2)`;
  return error;
}

describe('formatEvent', () => {
  it('replaces each {field} with the field as text', () => {
    expect(formatEvent(event('{who} sent {n} bytes', { who: 'ann', n: 12 }))).toBe(
      'ann sent 12 bytes',
    );
  });

  it('reads properties along a dotted path, {a.b.c}', () => {
    expect(formatEvent(event('{peer.host}:{peer.port}', { peer: { host: 'h', port: 80 } }))).toBe(
      'h:80',
    );
    expect(formatEvent(event('{name.length}', { name: 'abcd' }))).toBe('4');
  });

  it('turns {{ and }} into literal braces and keeps a lone brace as it is', () => {
    expect(formatEvent(event('{{x}} = {x}', { x: 1 }))).toBe('{x} = 1');
    expect(formatEvent(event('x } y {', {}))).toBe('x } y {');
  });

  it('calls a top-level field for {f()} and quotes strings for {x!r}', () => {
    expect(
      formatEvent(event('{count()} / {name!r} / {n!r}', { count: () => 3, name: 'a"b', n: 5 })),
    ).toBe('3 / "a\\"b" / 5');
  });

  it('shows errors, failures, plain objects, arrays and objects with toString readably', () => {
    class Point {
      readonly x: number;
      readonly y: number;
      constructor(x: number, y: number) {
        this.x = x;
        this.y = y;
      }
      toString(): string {
        return `(${this.x}, ${this.y})`;
      }
    }
    const text = formatEvent(
      event('{e} | {f} | {o} | {a} | {p} | {u} | {z} | {fn}', {
        e: new RangeError('too big'),
        f: new Failure(new TypeError('bad')),
        o: { k: [1, 2] },
        a: ['x', null],
        p: new Point(1, 2),
        u: undefined,
        z: 10n,
        fn: function handler() {
          return 1;
        },
      }),
    );
    expect(text).toBe(
      'RangeError: too big | TypeError: bad | {"k":[1,2]} | ["x",null] | (1, 2) | undefined | 10 | [function handler]',
    );
  });

  it('shows a cyclic object by its class instead of failing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(formatEvent(event('{c} {m}', { c: cyclic, m: new Map([[1, 2]]) }))).toBe(
      '[object Object] [object Map]',
    );
  });

  it('gives an empty string for a null format', () => {
    expect(formatEvent(event(null, { x: 1 }))).toBe('');
  });

  it('reports a missing field as "Unable to format event", listing every field', () => {
    const text = formatEvent(event('hello {who}', { other: 'value' }));
    expect(text).toMatch(/^Unable to format event \{/);
    expect(text).toContain('other: "value"');
    expect(text).toContain('log_format: "hello {who}"');
    expect(text).toMatch(/: no field "who"$/);
  });

  it('reports a missing property on a path, but renders a field whose value is undefined', () => {
    expect(formatEvent(event('{a.b}', { a: {} }))).toMatch(
      /^Unable to format event .*no attribute "b"/,
    );
    expect(formatEvent(event('{a.b}', { a: null }))).toMatch(/^Unable to format event/);
    expect(formatEvent(event('[{a}]', { a: undefined }))).toBe('[undefined]');
  });

  it('never throws when a field’s toString throws, and names the error', () => {
    const hostile = {
      toString(): string {
        throw new Error('toString exploded');
      },
    };
    let text = '';
    expect(() => {
      text = formatEvent(event('value: {v}', { v: hostile }));
    }).not.toThrow();
    expect(text).toMatch(
      /^Unable to format event \{.*v: <unprintable object>.*\}: Error: toString exploded$/,
    );
  });

  it('never throws for a non-string format or a getter that throws', () => {
    expect(formatEvent({ ...event(null), log_format: 42 } as unknown as LogEvent)).toMatch(
      /^Unable to format event .*log_format must be a string/,
    );
    const trap = event('{bad}');
    Object.defineProperty(trap, 'bad', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(formatEvent(trap)).toMatch(/^(Unable to format event|MESSAGE LOST)/);
  });

  it('never throws, whatever the format string and fields (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^([a-z.{}!()r]|\{[a-z.]*\})*$/)),
        fc.dictionary(
          fc.constantFrom('a', 'b', 'toString', '__proto__', 'log_flattened'),
          fc.anything(),
        ),
        (format, fields) => {
          const text = formatEvent({ ...event(format), ...fields });
          expect(typeof text).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores a log_flattened that is not an object of strings', () => {
    expect(formatEvent(event('{x}', { x: 1, log_flattened: null }))).toBe('1');
    expect(formatEvent(event('{x}', { x: 1, log_flattened: { x: 2 } }))).toBe('1');
  });

  it('prefers the text saved in log_flattened, so an event read back formats the same', () => {
    const flat = flattenEvent(event('{who.name} {n!r}', { who: { name: 'ann' }, n: 'x' }));
    expect(flat.log_flattened).toEqual({ 'who.name': 'ann', 'n!r': '"x"' });
    const { who: _who, n: _n, ...rest } = flat;
    expect(formatEvent(rest)).toBe('ann "x"');
  });
});

describe('formatTime', () => {
  it('formats seconds since the epoch as ISO 8601 UTC', () => {
    expect(formatTime(1_700_000_000.25)).toBe('2023-11-14T22:13:20.250Z');
  });

  it("gives '-' for a missing or unrepresentable time", () => {
    expect(formatTime(undefined)).toBe('-');
    expect(formatTime(Number.NaN)).toBe('-');
    expect(formatTime(1e300)).toBe('-');
  });
});

describe('eventAsText', () => {
  it('lays an event out as "<time> [<namespace>#<level>] <message>"', () => {
    expect(eventAsText(event('hi {x}', { x: 1, log_time: 0 }))).toBe(
      '1970-01-01T00:00:00.000Z [app.test#info] hi 1',
    );
  });

  it('uses log_system in place of namespace#level when set, and leaves parts out on request', () => {
    const e = event('hi', { log_system: 'tcp,3,127.0.0.1' });
    expect(eventAsText(e, { includeTimestamp: false })).toBe('[tcp,3,127.0.0.1] hi');
    expect(eventAsText(e, { includeTimestamp: false, includeSystem: false })).toBe('hi');
  });

  it('appends the failure traceback on the lines after the message', () => {
    const e = event('request failed', { log_failure: new Failure(errorWithStack('boom')) });
    expect(eventAsText(e, { includeTimestamp: false })).toBe(
      '[app.test#info] request failed\nError: boom\n    at first (a.js:1:1)\n    at second (b.js:2:2)',
    );
  });

  it('gives an empty string for an event with no message and no failure', () => {
    expect(eventAsText(event(null))).toBe('');
  });
});

describe('formatEventAsClassicLogText', () => {
  it('ends each record with a newline and indents continuation lines with a tab', () => {
    const e = event('two\nlines', {
      log_failure: new Failure(errorWithStack('boom')),
      log_time: 1,
    });
    expect(formatEventAsClassicLogText(e)).toBe(
      '1970-01-01T00:00:01.000Z [app.test#info] two\n\tlines\n\tError: boom\n\t    at first (a.js:1:1)\n\t    at second (b.js:2:2)\n',
    );
  });

  it('returns null for an event with nothing to show', () => {
    expect(formatEventAsClassicLogText(event(null))).toBeNull();
  });

  it('takes a time formatter', () => {
    expect(formatEventAsClassicLogText(event('x'), () => 'T')).toBe('T [app.test#info] x\n');
  });
});
