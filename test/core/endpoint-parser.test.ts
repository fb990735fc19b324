// The endpoint description grammar (Twisted's endpoints._tokenize/_parse), with Twisted's own
// examples and fast-check properties: round trips through quoting, and garbage giving typed errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  bindEndpointArguments,
  EndpointArgumentError,
  EndpointStringError,
  parseEndpointDescription,
  parseFlagArgument,
  parseIntegerArgument,
  parseOctalArgument,
  parsePortArgument,
  parseSecondsArgument,
  quoteStringArgument,
  requireEndpointArgument,
} from '../../src/core/index.js';

function parsed(description: string): [string[], Record<string, string>] {
  const { args, kwargs } = parseEndpointDescription(description);
  return [args, { ...kwargs }];
}

/** Quoting for a positional argument: `=` escaped as well. */
function quotePositional(value: string): string {
  return quoteStringArgument(value).replaceAll('=', '\\=');
}

describe('parseEndpointDescription', () => {
  it('splits on colons into positional arguments', () => {
    expect(parsed('tcp:8080')).toEqual([['tcp', '8080'], {}]);
    expect(parsed('a:b:c')).toEqual([['a', 'b', 'c'], {}]);
  });

  it('makes key=value segments keyword arguments, splitting on the first = only', () => {
    expect(parsed('tcp:80:interface=127.0.0.1')).toEqual([
      ['tcp', '80'],
      { interface: '127.0.0.1' },
    ]);
    expect(parsed('a:b=c=d')).toEqual([['a'], { b: 'c=d' }]);
  });

  it('takes a backslash to mean the next character literally', () => {
    expect(parsed('tcp6:80:interface=\\:\\:1')).toEqual([['tcp6', '80'], { interface: '::1' }]);
    expect(parsed('unix:a\\\\b')).toEqual([['unix', 'a\\b'], {}]);
    expect(parsed('x:a\\=b')).toEqual([['x', 'a=b'], {}]);
  });

  it('keeps empty segments and the last of a repeated keyword', () => {
    expect(parsed('')).toEqual([[''], {}]);
    expect(parsed('a::b:')).toEqual([['a', '', 'b', ''], {}]);
    expect(parsed('a:k=1:k=2')).toEqual([['a'], { k: '2' }]);
    expect(parsed('a:=v')).toEqual([['a'], { '': 'v' }]);
  });

  it('gives keywords no prototype, so __proto__ is an ordinary key', () => {
    const { kwargs } = parseEndpointDescription('a:__proto__=x:constructor=y');
    expect(Object.getPrototypeOf(kwargs)).toBeNull();
    expect(Object.entries(kwargs)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('refuses a trailing unpaired backslash with EndpointStringError', () => {
    expect(() => parseEndpointDescription('tcp:80\\')).toThrow(EndpointStringError);
    expect(() => parseEndpointDescription('tcp:80\\')).toThrow(/Unpaired backslash/);
  });

  it('round-trips any positional and keyword values through quoting (5,000 runs)', () => {
    const key = fc.string({ minLength: 1 }).filter((k) => !/[:=\\]/.test(k));
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
        fc.dictionary(key, fc.string(), { maxKeys: 5 }),
        (args, kwargs) => {
          const description = [
            ...args.map(quotePositional),
            ...Object.entries(kwargs).map(([k, v]) => `${k}=${quoteStringArgument(v)}`),
          ].join(':');
          const out = parseEndpointDescription(description);
          expect(out.args).toEqual(args);
          expect({ ...out.kwargs }).toEqual({ ...kwargs });
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('either parses any string or throws EndpointStringError, never anything else (5,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(':', '=', '\\', 'a', 'b', '1', ' ') }), (s) => {
        try {
          const { args, kwargs } = parseEndpointDescription(s);
          const segments = s.replace(/\\./g, 'x').split(':').length; // escapes removed first
          expect(args.length + Object.keys(kwargs).length).toBeLessThanOrEqual(segments);
          expect(args.length + Object.keys(kwargs).length).toBeGreaterThanOrEqual(1);
        } catch (e) {
          expect(e).toBeInstanceOf(EndpointStringError);
          expect(s.endsWith('\\')).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('quoteStringArgument', () => {
  it('escapes backslashes and colons, as Twisted', () => {
    expect(quoteStringArgument('C:\\x')).toBe('C\\:\\\\x');
    expect(quoteStringArgument('a=b')).toBe('a=b');
  });
});

describe('argument values', () => {
  it('parses decimal integers and ports, refusing signs, spaces and out-of-range values', () => {
    expect(parseIntegerArgument('d', 'backlog', '50')).toBe(50);
    expect(parsePortArgument('d', 'port', '65535')).toBe(65535);
    for (const bad of ['', '-1', '+1', ' 1', '1.5', '0x10', '65536', 'http']) {
      expect(() => parsePortArgument('d', 'port', bad)).toThrow(EndpointArgumentError);
    }
  });

  it('parses seconds as non-negative decimals', () => {
    expect(parseSecondsArgument('d', 'timeout', '2.5')).toBe(2.5);
    expect(parseSecondsArgument('d', 'timeout', '.5')).toBe(0.5);
    expect(parseSecondsArgument('d', 'timeout', '30')).toBe(30);
    for (const bad of ['', '-1', '1e3', 'NaN', 'Infinity', '1.2.3']) {
      expect(() => parseSecondsArgument('d', 'timeout', bad)).toThrow(EndpointArgumentError);
    }
  });

  it('parses octal modes and 0/1 flags', () => {
    expect(parseOctalArgument('d', 'mode', '660')).toBe(0o660);
    expect(() => parseOctalArgument('d', 'mode', '8')).toThrow(EndpointArgumentError);
    expect(parseFlagArgument('d', 'lockfile', '0')).toBe(false);
    expect(parseFlagArgument('d', 'lockfile', '2')).toBe(true);
    expect(() => parseFlagArgument('d', 'lockfile', 'yes')).toThrow(EndpointArgumentError);
  });

  it('names the argument and the description in the error', () => {
    try {
      parsePortArgument('tcp:http', 'port', 'http');
      expect.unreachable();
    } catch (e) {
      const err = e as EndpointArgumentError;
      expect(err.argument).toBe('port');
      expect(err.description).toBe('tcp:http');
      expect(err.message).toBe(
        'port must be an integer from 0 to 65535, got "http" in endpoint description "tcp:http"',
      );
    }
  });
});

describe('bindEndpointArguments', () => {
  const bind = (args: string[], kwargs: Record<string, string>): Map<string, string> =>
    bindEndpointArguments('d', args, kwargs, ['host', 'port'], ['host', 'port', 'timeout']);

  it('binds positional arguments by position, then keywords', () => {
    expect([...bind(['h', '80'], { timeout: '5' })]).toEqual([
      ['host', 'h'],
      ['port', '80'],
      ['timeout', '5'],
    ]);
  });

  it('refuses too many positional arguments, unknown keywords and duplicates', () => {
    expect(() => bind(['h', '80', 'x'], {})).toThrow(/Too many positional/);
    expect(() => bind([], { colour: 'red' })).toThrow(/Unknown argument "colour"/);
    expect(() => bind(['h'], { host: 'h2' })).toThrow(/both by position and by name/);
  });

  it('reports a missing argument by name', () => {
    expect(() => requireEndpointArgument('d', bind(['h'], {}), 'port')).toThrow(
      /Missing argument "port"/,
    );
  });
});
