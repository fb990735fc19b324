// fast-check properties of the three framers: valid streams decode identically under any
// chunking (and any interleaving of feed and next); random garbage ends in frames and, at most,
// a clean typed error, never another exception, never holding more than the limit plus one
// frame header. 100,000 generated inputs per framer (numRuns summed over its properties).
import fc from 'fast-check';
import { assert, describe, it } from 'vitest';

import {
  encodeIntN,
  formatNetstring,
  IntNFramer,
  LengthLimitExceededError,
  LineFramer,
  LineTooLongError,
  NetstringFramer,
  NetstringParseError,
  type Framer,
} from '../../../src/protocols/basic/index.js';
import { join } from './helpers.js';

const RUNS = 50_000;
/** Generous: the machine running the suite may be loaded; each property takes seconds alone. */
const TIMEOUT_MS = 120_000;

/** `data` cut at the (sorted, deduplicated) offsets in `cuts`. */
function cut(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, data.length]) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** Feeds `chunks`, pulling after each one `pulls[i]` times at most (the rest at the end). */
function decode(
  framer: Framer,
  chunks: readonly Uint8Array[],
  pulls: readonly number[],
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  chunks.forEach((chunk, i) => {
    framer.feed(chunk);
    for (let n = pulls[i % Math.max(1, pulls.length)] ?? 1; n > 0; n--) {
      const frame = framer.next();
      if (frame === undefined) break;
      frames.push(frame.slice());
    }
  });
  for (let frame = framer.next(); frame !== undefined; frame = framer.next()) frames.push(frame);
  return frames;
}

interface GarbageOutcome {
  readonly frames: Uint8Array[];
  readonly error: unknown;
}

/** Pushes `chunks` until an error, checking the bound after each push; never lets another error out. */
function pushAll(framer: Framer, chunks: readonly Uint8Array[], bound: number): GarbageOutcome {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    try {
      frames.push(...framer.push(chunk));
    } catch (error) {
      return { frames, error };
    }
    if (framer.bufferedLength > bound) {
      throw new Error(`holds ${String(framer.bufferedLength)} bytes, over ${String(bound)}`);
    }
  }
  return { frames, error: undefined };
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });
const pulls = fc.array(fc.nat({ max: 3 }), { maxLength: 6 });
/** The characters framing formats care about: a quarter of the random bytes become one of them. */
const SPECIAL = [0x0d, 0x0a, 0x3a, 0x2c, 0x30, 0x31, 0x39, 0x00, 0x2d, 0x61, 0x62, 0x63];
const garbage = fc
  .uint8Array({ maxLength: 80 })
  .map((a) => a.map((b) => (b < 64 ? (SPECIAL[b % SPECIAL.length] as number) : b)));

/** Throws unless `actual` and `expected` hold the same frames (cheaper than a deep equal). */
function sameFrames(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  if (actual.length !== expected.length) {
    throw new Error(`got ${String(actual.length)} frames, expected ${String(expected.length)}`);
  }
  actual.forEach((frame, i) => {
    if (!sameBytes(frame, expected[i] as Uint8Array)) throw new Error(`frame ${String(i)} differs`);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('LineFramer (property)', () => {
  const delimiter = fc.constantFrom('\r\n', '\n', '--', 'abc', '\r\n\r\n');
  const enc = new TextEncoder();

  /** Splits like the spec: every delimiter ends a line; the rest is unfinished. */
  function reference(data: Uint8Array, delim: Uint8Array): Uint8Array[] {
    const lines: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i + delim.length <= data.length;) {
      let j = 0;
      while (j < delim.length && data[i + j] === delim[j]) j++;
      if (j === delim.length) {
        lines.push(data.subarray(from, i));
        i += delim.length;
        from = i;
      } else {
        i++;
      }
    }
    return lines;
  }

  it(
    'decodes random valid line streams identically under random chunking and pulling',
    () => {
      fc.assert(
        fc.property(
          delimiter,
          fc.array(garbage, { maxLength: 6 }),
          cuts,
          pulls,
          (d, raw, cs, ps) => {
            const delim = enc.encode(d);
            // Lines are whatever the reference finds in the joined stream: valid by construction.
            const wire = join(raw.flatMap((line) => [line, delim]));
            const expected = reference(wire, delim);
            const framer = new LineFramer({ delimiter: d, maxLength: 1 << 20 });
            assert.deepEqual(
              decode(framer, cut(wire, cs), ps),
              expected.map((l) => l.slice()),
            );
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in lines and at most a LineTooLongError, holding no more than the limit',
    () => {
      fc.assert(
        fc.property(
          delimiter,
          garbage,
          cuts,
          fc.integer({ min: 0, max: 12 }),
          (d, data, cs, max) => {
            const delim = enc.encode(d);
            const framer = new LineFramer({ delimiter: d, maxLength: max });
            const { frames, error } = pushAll(framer, cut(data, cs), max + delim.length - 1);
            const expected = reference(data, delim);
            if (error === undefined) {
              sameFrames(frames, expected);
            } else {
              assert.instanceOf(error, LineTooLongError);
              sameFrames(frames, expected.slice(0, frames.length));
              assert.isTrue(frames.every((l) => l.length <= max));
            }
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('NetstringFramer (property)', () => {
  it(
    'decodes random valid netstring streams identically under random chunking and pulling',
    () => {
      fc.assert(
        fc.property(fc.array(garbage, { maxLength: 6 }), cuts, pulls, (payloads, cs, ps) => {
          const wire = join(payloads.map(formatNetstring));
          sameFrames(decode(new NetstringFramer(), cut(wire, cs), ps), payloads);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in payloads and at most a NetstringParseError, holding no more than the limit',
    () => {
      const prefixed = fc
        .tuple(fc.array(garbage, { maxLength: 3 }), garbage)
        .map(([ok, tail]) => join([...ok.map(formatNetstring), tail]));
      fc.assert(
        fc.property(
          fc.oneof(garbage, prefixed),
          cuts,
          fc.integer({ min: 0, max: 40 }),
          (data, cs, max) => {
            const framer = new NetstringFramer({ maxLength: max });
            const { frames, error } = pushAll(
              framer,
              cut(data, cs),
              max + 1 + String(max).length + 1,
            );
            if (error !== undefined) {
              assert.instanceOf(error, NetstringParseError);
              assert.equal(framer.bufferedLength, 0);
            }
            assert.isTrue(frames.every((f) => f.length <= max));
            // What was decoded is a prefix of the input, re-encoded.
            const reencoded = join(frames.map(formatNetstring));
            assert.isTrue(sameBytes(data.subarray(0, reencoded.length), reencoded));
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('IntNFramer (property)', () => {
  const prefix = fc.constantFrom(1, 2, 3, 4);

  it(
    'decodes random valid length-prefixed streams identically under random chunking and pulling',
    () => {
      fc.assert(
        fc.property(
          prefix,
          fc.array(garbage, { maxLength: 6 }),
          cuts,
          pulls,
          (p, payloads, cs, ps) => {
            const wire = join(payloads.map((s) => encodeIntN(s, p)));
            assert.deepEqual(
              decode(new IntNFramer({ prefixLength: p }), cut(wire, cs), ps),
              payloads,
            );
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in strings and at most a LengthLimitExceededError, holding no more than the limit',
    () => {
      fc.assert(
        fc.property(prefix, garbage, cuts, fc.integer({ min: 0, max: 60 }), (p, data, cs, max) => {
          const framer = new IntNFramer({ prefixLength: p, maxLength: max });
          const { frames, error } = pushAll(framer, cut(data, cs), max + p);
          if (error !== undefined) {
            assert.instanceOf(error, LengthLimitExceededError);
            assert.isAbove(error.length, max);
          }
          const reencoded = join(frames.map((f) => encodeIntN(f, p)));
          assert.isTrue(sameBytes(data.subarray(0, reencoded.length), reencoded));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
