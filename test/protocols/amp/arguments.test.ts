import fc from 'fast-check';
import { assert, describe, it } from 'vitest';

import {
  AmpBox,
  AmpDecimal,
  AmpList,
  BigInteger,
  Boolean as AmpBoolean,
  boxToValues,
  DateTime,
  dateTimeFromDate,
  dateTimeToDate,
  Decimal,
  Float,
  Integer,
  ListOf,
  MalformedAmpBox,
  String as AmpString,
  TooLong,
  Unicode,
  valuesToBox,
  type AmpDateTime,
} from '../../../src/protocols/amp/index.js';
import { hex, toHex, utf8 } from './fixtures.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('Integer', () => {
  it('writes decimal ASCII as Twisted does', () => {
    const cases: [number, string][] = [
      [0, '30'],
      [-1, '2d31'],
      [Number.MAX_SAFE_INTEGER, toHex(utf8('9007199254740991'))],
    ];
    for (const [value, wire] of cases) assert.equal(toHex(new Integer().toWire(value)), wire);
  });

  it("reads what Python's int() reads: sign, underscores between digits, surrounding spaces", () => {
    const i = new Integer();
    assert.equal(i.fromWire(utf8('1_000')), 1000);
    assert.equal(i.fromWire(utf8(' 12 ')), 12);
    assert.equal(i.fromWire(utf8('+5')), 5);
    for (const bad of ['1__0', '0x10', '', '1.0', '_1']) {
      assert.throws(() => i.fromWire(utf8(bad)), SyntaxError, undefined, bad);
    }
  });

  it('throws RangeError for values beyond the safe integers, either way', () => {
    assert.throws(() => new Integer().toWire(2 ** 53), RangeError);
    assert.throws(() => new Integer().toWire(1.5), RangeError);
    assert.throws(() => new Integer().fromWire(utf8('9007199254740992')), RangeError);
  });

  it('round-trips every safe integer', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        (n) => new Integer().fromWire(new Integer().toWire(n)) === n,
      ),
    );
  });
});

describe('BigInteger', () => {
  it('writes integers of any size as Twisted does', () => {
    assert.equal(
      toHex(new BigInteger().toWire(2n ** 64n)),
      '3138343436373434303733373039353531363136',
    );
    assert.equal(
      toHex(new BigInteger().toWire(-(10n ** 40n))),
      '2d3130303030303030303030303030303030303030303030303030303030303030303030303030303030',
    );
  });

  it('round-trips any bigint', () => {
    fc.assert(
      fc.property(fc.bigInt(), (n) => new BigInteger().fromWire(new BigInteger().toWire(n)) === n),
    );
  });
});

describe('Float', () => {
  it("writes Python's str(float) for every case Twisted showed", () => {
    const cases: [number, string][] = [
      [1.0, '1.0'],
      [0.1, '0.1'],
      [1e100, '1e+100'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-0.0, '-0.0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [123456789.125, '123456789.125'],
    ];
    for (const [value, wire] of cases) assert.equal(text(new Float().toWire(value)), wire);
  });

  it('reads inf, -Infinity and nan in any case', () => {
    const f = new Float();
    assert.equal(f.fromWire(utf8('INF')), Infinity);
    assert.equal(f.fromWire(utf8('-Infinity')), -Infinity);
    assert.isNaN(f.fromWire(utf8('nan')));
    assert.equal(f.fromWire(utf8(' 1_0.5e1 ')), 105);
    assert.throws(() => f.fromWire(utf8('1.0.0')), SyntaxError);
    assert.throws(() => f.toWire('1' as unknown as number), TypeError);
  });

  it('round-trips every double, -0 and NaN included', () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(new Float().fromWire(new Float().toWire(x)), x)),
      { numRuns: 2000 },
    );
  });
});

describe('Boolean', () => {
  it('writes True and False, and rejects anything else', () => {
    const b = new AmpBoolean();
    assert.equal(toHex(b.toWire(true)), '54727565');
    assert.equal(toHex(b.toWire(false)), '46616c7365');
    assert.isTrue(b.fromWire(utf8('True')));
    assert.isFalse(b.fromWire(utf8('False')));
    assert.throws(() => b.fromWire(utf8('true')), TypeError);
  });
});

describe('String and Unicode', () => {
  it('sends bytes as they are and text as UTF-8', () => {
    const bytes = hex('00ff10');
    assert.equal(new AmpString().toWire(bytes), bytes);
    assert.equal(new AmpString().fromWire(bytes), bytes);
    assert.equal(
      toHex(new Unicode().toWire('καλημέρα 🌍')),
      'cebaceb1cebbceb7cebcceadcf81ceb120f09f8c8d',
    );
  });

  it('rejects invalid UTF-8', () => {
    assert.throws(() => new Unicode().fromWire(hex('ff')), TypeError);
  });

  it('round-trips any well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        return new Unicode().fromWire(new Unicode().toWire(s)) === s;
      }),
    );
  });
});

describe('ListOf', () => {
  it('writes each element length-prefixed, as Twisted does', () => {
    assert.equal(toHex(new ListOf(new Integer()).toWire([1, 2, 300])), '0001310001320003333030');
  });

  it('ignores bytes after the last complete element, as Twisted does', () => {
    assert.deepEqual(new ListOf(new Integer()).fromWire(hex('0001 31 0005 3232')), [1]);
  });

  it('throws TooLong for an element over 65,535 bytes', () => {
    assert.throws(() => new ListOf(new AmpString()).toWire([new Uint8Array(65_536)]), TooLong);
  });

  it('round-trips lists of text', () => {
    const list = new ListOf(new Unicode());
    fc.assert(
      fc.property(fc.array(fc.string()), (xs) => {
        assert.deepEqual(list.fromWire(list.toWire(xs)), xs);
      }),
    );
  });
});

describe('AmpList', () => {
  const people = new AmpList({ a: new Integer(), b: new Unicode() });

  it('writes each record as a sorted box, as Twisted does', () => {
    assert.equal(
      toHex(
        people.toWire([
          { a: 7, b: 'hi' },
          { a: 9, b: 'goodbye' },
        ]),
      ),
      '0001610001370001620002686900000001610001390001620007676f6f646279650000',
    );
  });

  it('round-trips records, optional fields included', () => {
    const list = new AmpList({ n: new BigInteger(), note: new Unicode({ optional: true }) });
    fc.assert(
      fc.property(
        fc.array(
          fc
            .record({ n: fc.bigInt() }, { requiredKeys: ['n'] })
            .chain((r) =>
              fc
                .option(fc.string(), { nil: undefined })
                .map((note) => (note === undefined ? r : { ...r, note })),
            ),
        ),
        (records) => {
          assert.deepEqual(list.fromWire(list.toWire(records)), records);
        },
      ),
    );
  });
});

describe('DateTime', () => {
  const d = new DateTime();

  it('writes 32 characters, UTC as -00:00, as Twisted does', () => {
    const cases: [AmpDateTime, string][] = [
      [
        {
          year: 2026,
          month: 11,
          day: 22,
          hour: 3,
          minute: 15,
          second: 0,
          microsecond: 1,
          offsetMinutes: 0,
        },
        '2026-11-22T03:15:00.000001-00:00',
      ],
      [
        {
          year: 1,
          month: 1,
          day: 1,
          hour: 0,
          minute: 0,
          second: 0,
          microsecond: 0,
          offsetMinutes: 330,
        },
        '0001-01-01T00:00:00.000000+05:30',
      ],
      [
        {
          year: 9999,
          month: 12,
          day: 31,
          hour: 23,
          minute: 59,
          second: 59,
          microsecond: 999_999,
          offsetMinutes: -1439,
        },
        '9999-12-31T23:59:59.999999-23:59',
      ],
    ];
    for (const [value, wire] of cases) {
      assert.equal(text(d.toWire(value)), wire);
      assert.deepEqual(d.fromWire(utf8(wire)), value);
    }
  });

  it('reads +00:00 as UTC too, and rejects bad formats and fields', () => {
    assert.equal(d.fromWire(utf8('2026-11-22T03:15:00.000001+00:00')).offsetMinutes, 0);
    assert.throws(() => d.fromWire(utf8('2026-11-22T03:15:00Z')), SyntaxError);
    assert.throws(() => d.fromWire(utf8('2026-02-29T03:15:00.000000-00:00')), RangeError);
    assert.throws(() => d.fromWire(utf8('2026-11-22T24:15:00.000000-00:00')), RangeError);
    assert.throws(
      () => d.toWire({ ...dateTimeFromDate(new Date(0)), offsetMinutes: 1440 }),
      RangeError,
    );
  });

  it('converts to and from Date at an offset', () => {
    const date = new Date(Date.UTC(2024, 1, 29, 23, 30, 0, 123));
    const paris = dateTimeFromDate(date, 60);
    assert.deepEqual(paris, {
      year: 2024,
      month: 3,
      day: 1,
      hour: 0,
      minute: 30,
      second: 0,
      microsecond: 123_000,
      offsetMinutes: 60,
    });
    assert.equal(dateTimeToDate(paris).getTime(), date.getTime());
  });

  it('round-trips every valid date and time', () => {
    const arb = fc.record({
      year: fc.integer({ min: 1, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
      microsecond: fc.integer({ min: 0, max: 999_999 }),
      offsetMinutes: fc.integer({ min: -1439, max: 1439 }),
    });
    fc.assert(
      fc.property(arb, (t) => {
        assert.deepEqual(d.fromWire(d.toWire(t)), t);
      }),
    );
  });
});

describe('Decimal', () => {
  it("canonicalizes as Python's str(Decimal(text))", () => {
    const cases: [string, string][] = [
      ['1.50', '1.50'],
      ['1e2', '1E+2'],
      ['.5', '0.5'],
      ['inf', 'Infinity'],
      ['-Infinity', '-Infinity'],
      ['nan', 'NaN'],
      ['-NaN', '-NaN'],
      ['sNaN', 'sNaN'],
      ['NaN012', 'NaN12'],
      ['0E-7', '0E-7'],
      ['1e-7', '1E-7'],
      ['-0', '-0'],
      ['123.456e-10', '1.23456E-8'],
      ['1_000.5', '1000.5'],
      [' 7 ', '7'],
      ['0.000001', '0.000001'],
      ['1E+3', '1E+3'],
      ['100', '100'],
    ];
    for (const [input, canonical] of cases) {
      assert.equal(new AmpDecimal(input).text, canonical, input);
      assert.equal(text(new Decimal().toWire(new Decimal().fromWire(utf8(input)))), canonical);
    }
  });

  it('rejects what Decimal() rejects, and converts to number', () => {
    for (const bad of ['', '1.2.3', 'e5', '1e', 'infinit']) {
      assert.throws(() => new AmpDecimal(bad), SyntaxError, undefined, bad);
    }
    assert.equal(new AmpDecimal('1.5E+2').toNumber(), 150);
    assert.equal(new AmpDecimal('-Infinity').toNumber(), -Infinity);
    assert.isNaN(new AmpDecimal('sNaN').toNumber());
    assert.equal(String(new AmpDecimal('1e2')), '1E+2');
  });

  it('is idempotent: canonical text reads back as itself', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.integer({ min: -30, max: 30 }), (c, e) => {
        const once = new AmpDecimal(`${c.toString()}E${String(e)}`).text;
        return new AmpDecimal(once).text === once;
      }),
    );
  });
});

describe('valuesToBox and boxToValues', () => {
  const schema = { a: new Integer(), b: new Unicode({ optional: true }) };

  it('leaves out an undefined optional value, and reads a missing one as absent', () => {
    const box = valuesToBox(schema, { a: 1 });
    assert.deepEqual([...box.keys()], ['a']);
    assert.deepEqual(boxToValues(schema, box), { a: 1 });
  });

  it('ignores keys the schema does not name, and rejects a missing required one', () => {
    assert.deepEqual(boxToValues(schema, AmpBox.of({ a: '2', c: '3' })), { a: 2 });
    assert.throws(() => boxToValues(schema, AmpBox.of({ b: 'x' })), MalformedAmpBox);
    assert.throws(() => valuesToBox(schema, { b: 'x' }), MalformedAmpBox);
  });
});
