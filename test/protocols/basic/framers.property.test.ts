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

/**
 * Inputs are drawn from a seed with xorshift32 (cheap, where fast-check's nested arbitraries cost
 * most of each run); fast-check draws the seed and the sizes, so a failure reports a seed that
 * replays it.
 */
class Draw {
  #x: number;
  constructor(seed: number) {
    this.#x = seed | 1;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x;
    return (x >>> 0) % n;
  }
  /** Up to `max` bytes, a quarter of them the characters framing formats care about. */
  bytes(max: number): Uint8Array {
    const out = new Uint8Array(this.below(max + 1));
    for (let i = 0; i < out.length; i++) {
      const b = this.below(256);
      out[i] = b < 64 ? (SPECIAL[b % SPECIAL.length] as number) : b;
    }
    return out;
  }
  /** Up to `max` byte strings of up to 48 bytes. */
  frames(max: number): Uint8Array[] {
    return Array.from({ length: this.below(max + 1) }, () => this.bytes(48));
  }
  /** Up to 8 cut points. */
  cuts(): number[] {
    return Array.from({ length: this.below(9) }, () => this.below(1 << 16));
  }
  /** How many frames to pull after each chunk (0-3), for up to 6 chunks (then cycled). */
  pulls(): number[] {
    return Array.from({ length: this.below(7) }, () => this.below(4));
  }
}

/**
 * Runs `fn` with stack traces off: most garbage runs end in a thrown framing error, and capturing
 * its stack costs more than the parsing. A failing property still reports its counterexample.
 */
function withoutStacks(fn: () => void): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const SPECIAL = [0x0d, 0x0a, 0x3a, 0x2c, 0x30, 0x31, 0x39, 0x00, 0x2d, 0x61, 0x62, 0x63];
const seed = fc.integer();

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
        fc.property(delimiter, seed, (d, sd) => {
          const draw = new Draw(sd);
          const delim = enc.encode(d);
          // Lines are whatever the reference finds in the joined stream: valid by construction.
          const wire = join(draw.frames(6).flatMap((line) => [line, delim]));
          const framer = new LineFramer({ delimiter: d, maxLength: 1 << 20 });
          sameFrames(decode(framer, cut(wire, draw.cuts()), draw.pulls()), reference(wire, delim));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in lines and at most a LineTooLongError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(delimiter, seed, fc.integer({ min: 0, max: 12 }), (d, sd, max) => {
            const draw = new Draw(sd);
            const delim = enc.encode(d);
            const data = draw.bytes(48);
            const framer = new LineFramer({ delimiter: d, maxLength: max });
            const { frames, error } = pushAll(
              framer,
              cut(data, draw.cuts()),
              max + delim.length - 1,
            );
            const expected = reference(data, delim);
            if (error === undefined) {
              sameFrames(frames, expected);
            } else {
              assert.instanceOf(error, LineTooLongError);
              sameFrames(frames, expected.slice(0, frames.length));
              assert.isTrue(frames.every((l) => l.length <= max));
            }
          }),
          { numRuns: RUNS },
        );
      });
    },
    TIMEOUT_MS,
  );
});

describe('NetstringFramer (property)', () => {
  it(
    'decodes random valid netstring streams identically under random chunking and pulling',
    () => {
      fc.assert(
        fc.property(seed, (sd) => {
          const draw = new Draw(sd);
          const payloads = draw.frames(6);
          const wire = join(payloads.map(formatNetstring));
          sameFrames(decode(new NetstringFramer(), cut(wire, draw.cuts()), draw.pulls()), payloads);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in payloads and at most a NetstringParseError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(seed, fc.boolean(), fc.integer({ min: 0, max: 40 }), (sd, prefixed, max) => {
            const draw = new Draw(sd);
            // Garbage alone, or after a few valid netstrings.
            const data = prefixed
              ? join([...draw.frames(3).map(formatNetstring), draw.bytes(48)])
              : draw.bytes(48);
            const framer = new NetstringFramer({ maxLength: max });
            const bound = max + 1 + String(max).length + 1;
            const { frames, error } = pushAll(framer, cut(data, draw.cuts()), bound);
            if (error !== undefined) {
              assert.instanceOf(error, NetstringParseError);
              assert.equal(framer.bufferedLength, 0);
            }
            assert.isTrue(frames.every((f) => f.length <= max));
            // What was decoded is a prefix of the input, re-encoded.
            const reencoded = join(frames.map(formatNetstring));
            assert.isTrue(sameBytes(data.subarray(0, reencoded.length), reencoded));
          }),
          { numRuns: RUNS },
        );
      });
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
        fc.property(prefix, seed, (p, sd) => {
          const draw = new Draw(sd);
          const payloads = draw.frames(6);
          const wire = join(payloads.map((s) => encodeIntN(s, p)));
          const framer = new IntNFramer({ prefixLength: p });
          sameFrames(decode(framer, cut(wire, draw.cuts()), draw.pulls()), payloads);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in strings and at most a LengthLimitExceededError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(prefix, seed, fc.integer({ min: 0, max: 60 }), (p, sd, max) => {
            const draw = new Draw(sd);
            const data = draw.bytes(48);
            const framer = new IntNFramer({ prefixLength: p, maxLength: max });
            const { frames, error } = pushAll(framer, cut(data, draw.cuts()), max + p);
            if (error !== undefined) {
              assert.instanceOf(error, LengthLimitExceededError);
              assert.isAbove(error.length, max);
            }
            const reencoded = join(frames.map((f) => encodeIntN(f, p)));
            assert.isTrue(sameBytes(data.subarray(0, reencoded.length), reencoded));
          }),
          { numRuns: RUNS },
        );
      });
    },
    TIMEOUT_MS,
  );
});
