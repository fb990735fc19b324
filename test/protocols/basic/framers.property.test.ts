// fast-check properties of the three framers: valid streams decode identically under any
// chunking (and any interleaving of feed and next); random garbage ends in frames and, at most,
// a clean typed error, never another exception, never holding more than the limit plus one
// frame header. 100,000 generated inputs per framer: each framer has two properties, each of
// RUNS fast-check runs checking BATCH inputs drawn from the run's seed.
import fc from 'fast-check';
import { describe, it } from 'vitest';

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

/**
 * fast-check runs per property, and inputs checked per run: 2 × RUNS × BATCH = 100,000 inputs
 * per framer. Batching keeps fast-check's own per-run cost (drawing and recording arguments) off
 * most inputs; a failure reports the run's seed, which replays its whole batch, and the failing
 * input's index in it.
 */
const RUNS = 5_000;
const BATCH = 10;
/** The suite is deterministic: the same seeds every run (change it locally to explore). */
const PARAMETERS = { numRuns: RUNS, seed: 0x5eed_f4a3 } as const;
/** Generous: the machine running the suite may be loaded; each property takes about a second alone. */
const TIMEOUT_MS = 120_000;

/** Checks `BATCH` inputs made from `seed` by `check`, naming the failing one. */
function batch(seed: number, check: (draw: Draw) => void): void {
  const draw = new Draw(seed);
  for (let i = 0; i < BATCH; i++) {
    try {
      check(draw);
    } catch (e) {
      throw new Error(`input ${String(i)} of the batch of seed ${String(seed)}: ${String(e)}`, {
        cause: e,
      });
    }
  }
}

/**
 * `data` cut at up to 8 random offsets (sorted; a repeated offset, or one at either end, makes an
 * empty chunk, which framers must take too).
 */
function cut(data: Uint8Array, draw: Draw): Uint8Array[] {
  const points: number[] = [];
  for (let k = draw.below(9); k > 0; k--) {
    const p = draw.below(data.length + 1);
    let i = points.length;
    points.push(p);
    for (; i > 0 && (points[i - 1] as number) > p; i--) points[i] = points[i - 1] as number;
    points[i] = p;
  }
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

/**
 * Feeds `chunks`, pulling after each one 0-3 frames (drawn), the rest at the end. Frames are kept
 * as delivered (views, not copies), so the comparison also checks that later feeding never
 * changes a frame already handed out.
 */
function decode(framer: Framer, chunks: readonly Uint8Array[], draw: Draw): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    framer.feed(chunk);
    for (let n = draw.below(4); n > 0; n--) {
      const frame = framer.next();
      if (frame === undefined) break;
      frames.push(frame);
    }
  }
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
 * most of each run); fast-check draws the seed, so a failure reports a seed that replays it.
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
    const frames: Uint8Array[] = [];
    for (let n = this.below(max + 1); n > 0; n--) frames.push(this.bytes(48));
    return frames;
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

/** Throws `message` unless `condition` (cheaper than an assertion library in a 100,000-input loop). */
function ensure(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

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
  const enc = new TextEncoder();
  const delimiters = ['\r\n', '\n', '--', 'abc', '\r\n\r\n'].map((d) => enc.encode(d));

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
        fc.property(seed, (sd) => {
          batch(sd, (draw) => {
            const delim = delimiters[draw.below(delimiters.length)] as Uint8Array;
            // Lines are whatever the reference finds in the joined stream: valid by construction.
            const wire = join(draw.frames(6).flatMap((line) => [line, delim]));
            const framer = new LineFramer({ delimiter: delim, maxLength: 1 << 20 });
            sameFrames(decode(framer, cut(wire, draw), draw), reference(wire, delim));
          });
        }),
        PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in lines and at most a LineTooLongError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(seed, (sd) => {
            batch(sd, (draw) => {
              const delim = delimiters[draw.below(delimiters.length)] as Uint8Array;
              const max = draw.below(13);
              const data = draw.bytes(48);
              const framer = new LineFramer({ delimiter: delim, maxLength: max });
              const { frames, error } = pushAll(framer, cut(data, draw), max + delim.length - 1);
              const expected = reference(data, delim);
              if (error === undefined) {
                sameFrames(frames, expected);
              } else {
                if (!(error instanceof LineTooLongError))
                  throw new Error('not a LineTooLongError', { cause: error });
                sameFrames(frames, expected.slice(0, frames.length));
                ensure(
                  frames.every((l) => l.length <= max),
                  'a line over the limit was delivered',
                );
              }
            });
          }),
          PARAMETERS,
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
          batch(sd, (draw) => {
            const payloads = draw.frames(6);
            const wire = join(payloads.map(formatNetstring));
            sameFrames(decode(new NetstringFramer(), cut(wire, draw), draw), payloads);
          });
        }),
        PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in payloads and at most a NetstringParseError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(seed, (sd) => {
            batch(sd, (draw) => {
              const max = draw.below(41);
              // Garbage alone, or after a few valid netstrings.
              const data =
                draw.below(2) === 1
                  ? join([...draw.frames(3).map(formatNetstring), draw.bytes(48)])
                  : draw.bytes(48);
              const framer = new NetstringFramer({ maxLength: max });
              const bound = max + 1 + String(max).length + 1;
              const { frames, error } = pushAll(framer, cut(data, draw), bound);
              if (error !== undefined) {
                if (!(error instanceof NetstringParseError))
                  throw new Error('not a NetstringParseError', { cause: error });
                ensure(framer.bufferedLength === 0, 'bytes held after a parse error');
              }
              ensure(
                frames.every((f) => f.length <= max),
                'a payload over the limit was delivered',
              );
              // What was decoded is a prefix of the input, re-encoded.
              const reencoded = join(frames.map(formatNetstring));
              ensure(
                sameBytes(data.subarray(0, reencoded.length), reencoded),
                'the payloads are not a prefix of the input',
              );
            });
          }),
          PARAMETERS,
        );
      });
    },
    TIMEOUT_MS,
  );
});

describe('IntNFramer (property)', () => {
  it(
    'decodes random valid length-prefixed streams identically under random chunking and pulling',
    () => {
      fc.assert(
        fc.property(seed, (sd) => {
          batch(sd, (draw) => {
            const p = 1 + draw.below(4);
            const payloads = draw.frames(6);
            const wire = join(payloads.map((s) => encodeIntN(s, p)));
            const framer = new IntNFramer({ prefixLength: p });
            sameFrames(decode(framer, cut(wire, draw), draw), payloads);
          });
        }),
        PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends random garbage in strings and at most a LengthLimitExceededError, holding no more than the limit',
    () => {
      withoutStacks(() => {
        fc.assert(
          fc.property(seed, (sd) => {
            batch(sd, (draw) => {
              const p = 1 + draw.below(4);
              const max = draw.below(61);
              const data = draw.bytes(48);
              const framer = new IntNFramer({ prefixLength: p, maxLength: max });
              const { frames, error } = pushAll(framer, cut(data, draw), max + p);
              if (error !== undefined) {
                if (!(error instanceof LengthLimitExceededError))
                  throw new Error('not a LengthLimitExceededError', { cause: error });
                ensure(error.length > max, 'refused a length within the limit');
              }
              const reencoded = join(frames.map((f) => encodeIntN(f, p)));
              ensure(
                sameBytes(data.subarray(0, reencoded.length), reencoded),
                'the strings are not a prefix of the input',
              );
            });
          }),
          PARAMETERS,
        );
      });
    },
    TIMEOUT_MS,
  );
});
