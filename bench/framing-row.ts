/**
 * One row of bench/framing.ts, measured in a child process of its own so that no row runs in the
 * JIT and heap state another row left (in one process, readline measured 3.83M lines/s in the
 * first row and 2.66M in the second). bench/framing.ts forks this file as
 * `node --expose-gc .build/bench/framing-row.js <row> <rounds> <warmup>`; it sends back, over
 * the IPC channel, the wall and CPU seconds of every measured run of every side.
 *
 * Sides are measured in interleaved rounds: each side `warmup` times unrecorded, then in every
 * round each side once, in the listed order in even rounds and the reverse order in odd ones, a
 * full GC before each run. Every run builds its own receiver, or its own `Readable` and readline
 * interface, and checks that it saw every line (or string) and every byte.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

import {
  Int32StringReceiver,
  LineOnlyReceiver,
  LineReceiver,
} from '../src/protocols/basic/index.js';
import { StringTransport } from '../src/testing/index.js';

import { collectGarbage } from './harness.js';

/** Total input per run, cut into CHUNK-byte chunks. */
const TOTAL = 100 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** A line: 62 bytes of ASCII and CRLF. */
const LINE = 64;
/** An Int32 string's payload (after its 4-byte prefix). */
const STRING = 256;

/** The rows bench/framing.ts asks for. */
export type Row = 'line-receiver' | 'line-receiver-text' | 'line-only-receiver' | 'int32';

/** Seconds one run took. */
export interface Timing {
  readonly wall: number;
  /** User + system CPU time of the whole process (all its threads, GC helpers included). */
  readonly cpu: number;
}

/** What the child sends: per side, the timings of the measured runs, in round order. */
export interface RowReport {
  readonly items: number;
  readonly sides: Record<string, readonly Timing[]>;
}

type Side = () => Timing | Promise<Timing>;

/** Times `work` (awaited when it returns a promise). */
async function timed(work: () => unknown): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const pending = work();
  if (pending instanceof Promise) await pending;
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

/** `data` cut into CHUNK-byte views. */
function chunked(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  return chunks;
}

/** 100 MiB of numbered 64-byte CRLF lines; 64 KiB chunks hold exactly 1024 lines each. */
function lineData(): { chunks: Buffer[]; lines: number } {
  const lines = Math.floor(TOTAL / LINE);
  const data = Buffer.alloc(lines * LINE);
  for (let i = 0; i < lines; i++) {
    const at = i * LINE;
    data.write(`line ${String(i).padStart(10, '0')} `, at, 'latin1');
    data.fill(0x61 + (i % 26), at + 16, at + LINE - 2);
    data[at + LINE - 2] = 0x0d;
    data[at + LINE - 1] = 0x0a;
  }
  return { chunks: chunked(data), lines };
}

function int32Data(): { chunks: Buffer[]; strings: number } {
  const frame = 4 + STRING;
  const strings = Math.floor(TOTAL / frame);
  const data = Buffer.alloc(strings * frame);
  for (let i = 0; i < strings; i++) {
    data.writeUInt32BE(STRING, i * frame);
    data.fill(i & 0xff, i * frame + 4, (i + 1) * frame);
  }
  return { chunks: chunked(data), strings };
}

function check(what: string, actual: number, expected: number): void {
  if (actual !== expected)
    throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

/** Counts lines and their bytes: what `LineReceiver` delivers, undecoded. */
class CountingLines extends LineReceiver {
  count = 0;
  length = 0;
  override lineReceived(line: Uint8Array): void {
    this.count += 1;
    this.length += line.length;
  }
}

/** Decodes every line to a string, as readline does, and counts them and their characters. */
class DecodingLines extends LineReceiver {
  readonly #decoder = new TextDecoder();
  count = 0;
  length = 0;
  override lineReceived(line: Uint8Array): void {
    const text = this.#decoder.decode(line);
    this.count += 1;
    this.length += text.length;
  }
}

class CountingLinesOnly extends LineOnlyReceiver {
  count = 0;
  length = 0;
  override lineReceived(line: Uint8Array): void {
    this.count += 1;
    this.length += line.length;
  }
}

class CountingStrings extends Int32StringReceiver {
  override MAX_LENGTH = 1 << 20;
  count = 0;
  override stringReceived(_payload: Uint8Array): void {
    this.count += 1;
  }
}

type Counter = CountingLines | DecodingLines | CountingLinesOnly | CountingStrings;

/**
 * Receivers kept alive for the whole run (see "Keep one Deferred alive" in docs/performance.md):
 * without them the GC before each run may collect these classes' hidden classes and deoptimise
 * the code specialised to them.
 */
export const residents: unknown[] = [];

/** A weft receiver made by `make`, fed every chunk through `dataReceived`. */
function weftSide<P extends Counter>(
  make: () => P,
  chunks: readonly Buffer[],
  check: (p: P) => void,
): Side {
  residents.push(make());
  return () => {
    const proto = make();
    proto.makeConnection(new StringTransport());
    return timed(() => {
      for (const chunk of chunks) proto.dataReceived(chunk);
      check(proto);
    });
  };
}

/** readline over a fresh `Readable` of the chunks, lines taken with `rl.on('line')`. */
function readlineOn(chunks: readonly Buffer[], lines: number): Side {
  return () =>
    timed(async () => {
      let count = 0;
      let length = 0;
      const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
      rl.on('line', (line: string) => {
        count += 1;
        length += line.length;
      });
      await new Promise<void>((resolve) => rl.once('close', resolve));
      check('readline lines', count, lines);
      check('readline line chars', length, lines * (LINE - 2));
    });
}

/** readline over a fresh `Readable` of the chunks, lines taken with `for await`. */
function readlineForAwait(chunks: readonly Buffer[], lines: number): Side {
  return () =>
    timed(async () => {
      let count = 0;
      let length = 0;
      const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
      for await (const line of rl) {
        count += 1;
        length += line.length;
      }
      check('readline (for await) lines', count, lines);
      check('readline (for await) line chars', length, lines * (LINE - 2));
    });
}

/** The usual hand-written Node splitter: `Buffer.concat` of the leftover, `readUInt32BE`. */
function bufferSplitter(chunks: readonly Buffer[], strings: number): Side {
  return () =>
    timed(() => {
      let count = 0;
      let pending: Buffer = Buffer.alloc(0);
      for (const chunk of chunks) {
        let buf: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (buf.length >= 4) {
          const length = buf.readUInt32BE(0);
          if (buf.length < 4 + length) break;
          const payload = buf.subarray(4, 4 + length);
          if (payload.length === length) count += 1;
          buf = buf.subarray(4 + length);
        }
        pending = buf;
      }
      check('raw strings', count, strings);
    });
}

function linesChecked(lines: number): (p: { count: number; length: number }) => void {
  return (p) => {
    check('weft lines', p.count, lines);
    check('weft line length', p.length, lines * (LINE - 2));
  };
}

/** The sides of `row`, weft first, and how many lines (strings) one run handles. */
function sidesOf(row: Row): { items: number; sides: Record<string, Side> } {
  if (row === 'int32') {
    const { chunks, strings } = int32Data();
    return {
      items: strings,
      sides: {
        weft: weftSide(
          () => new CountingStrings(),
          chunks,
          (p) => {
            check('weft strings', p.count, strings);
          },
        ),
        raw: bufferSplitter(chunks, strings),
      },
    };
  }
  const { chunks, lines } = lineData();
  const makers: Record<typeof row, () => CountingLines | DecodingLines | CountingLinesOnly> = {
    'line-receiver': () => new CountingLines(),
    'line-receiver-text': () => new DecodingLines(),
    'line-only-receiver': () => new CountingLinesOnly(),
  };
  const make = makers[row];
  return {
    items: lines,
    sides: {
      weft: weftSide(make, chunks, linesChecked(lines)),
      'readline-on': readlineOn(chunks, lines),
      'readline-for-await': readlineForAwait(chunks, lines),
    },
  };
}

/** Measures `row`: warm-up, then `rounds` interleaved rounds of every side. */
export async function measureRow(row: Row, rounds: number, warmup: number): Promise<RowReport> {
  const { items, sides } = sidesOf(row);
  const names = Object.keys(sides);
  const timings: Record<string, Timing[]> = {};
  for (const name of names) timings[name] = [];
  for (let i = 0; i < warmup; i++) {
    for (const name of names) {
      collectGarbage();
      await sides[name]!();
    }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      collectGarbage();
      timings[name]!.push(await sides[name]!());
    }
  }
  return { items, sides: timings };
}

const ROWS: readonly Row[] = ['line-receiver', 'line-receiver-text', 'line-only-receiver', 'int32'];

// Run as a child of bench/framing.ts (never when imported for its types).
if (process.send !== undefined && process.argv[2] !== undefined) {
  const [row, rounds, warmup] = process.argv.slice(2);
  if (!ROWS.includes(row as Row)) throw new Error(`unknown row ${String(row)}`);
  const report = await measureRow(row as Row, Number(rounds), Number(warmup));
  process.send(report, () => {
    process.disconnect();
  });
}
