/**
 * Framing: `LineReceiver` and `LineOnlyReceiver` against `node:readline`, and
 * `Int32StringReceiver` against a hand-written Node length-prefix splitter.
 *
 * Lines: 100 MiB of 64-byte lines (62 bytes + CRLF) cut into 64 KiB chunks. The weft side feeds
 * the chunks to the receiver's `dataReceived` (over a `StringTransport`); the raw side is
 * `readline.createInterface` over a `Readable` yielding the same chunks. Both count lines and
 * their bytes. Goal (docs/performance.md): LineReceiver ≥ 1.5× readline's lines/s, aim 2×.
 *
 * Int32 strings: 100 MiB of 256-byte strings with 4-byte big-endian prefixes, 64 KiB chunks; the
 * raw side is the usual Node idiom (`Buffer.concat` of the leftover, `readUInt32BE`, `subarray`).
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

import {
  Int32StringReceiver,
  LineOnlyReceiver,
  LineReceiver,
} from '../src/protocols/basic/index.js';
import { StringTransport } from '../src/testing/index.js';

import { compare, type Result } from './harness.js';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = 64 * 1024;
const LINE = 64;
const STRING = 256;

/** `data` cut into CHUNK-byte views. */
function chunked(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  return chunks;
}

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

class CountingLines extends LineReceiver {
  count = 0;
  bytes = 0;
  override lineReceived(line: Uint8Array): void {
    this.count += 1;
    this.bytes += line.length;
  }
}

class CountingLinesOnly extends LineOnlyReceiver {
  count = 0;
  bytes = 0;
  override lineReceived(line: Uint8Array): void {
    this.count += 1;
    this.bytes += line.length;
  }
}

class CountingStrings extends Int32StringReceiver {
  override MAX_LENGTH = 1 << 20;
  count = 0;
  override stringReceived(_payload: Uint8Array): void {
    this.count += 1;
  }
}

/**
 * Receivers kept alive for the whole run (see "Keep one Deferred alive" in docs/performance.md):
 * without them the GC before each run may collect these classes' hidden classes and deoptimise
 * the code specialised to them.
 */
export const residents: readonly unknown[] = [
  new CountingLines(),
  new CountingLinesOnly(),
  new CountingStrings(),
];

/** Lines per second through a weft receiver. */
function weftLines(
  make: () => CountingLines | CountingLinesOnly,
  chunks: readonly Buffer[],
  lines: number,
): () => number {
  return () => {
    const proto = make();
    proto.makeConnection(new StringTransport());
    const start = process.hrtime.bigint();
    for (const chunk of chunks) proto.dataReceived(chunk);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check('weft lines', proto.count, lines);
    check('weft line bytes', proto.bytes, lines * (LINE - 2));
    return lines / seconds;
  };
}

/** Lines per second through readline over a Readable of the same chunks. */
function readlineLines(chunks: readonly Buffer[], lines: number): () => Promise<number> {
  return async () => {
    let count = 0;
    let length = 0;
    const start = process.hrtime.bigint();
    const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
    rl.on('line', (line: string) => {
      count += 1;
      length += line.length;
    });
    await new Promise<void>((resolve) => rl.once('close', resolve));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check('readline lines', count, lines);
    check('readline line chars', length, lines * (LINE - 2));
    return lines / seconds;
  };
}

/** MB/s of Int32 strings through a hand-written Node splitter. */
function rawInt32(chunks: readonly Buffer[], strings: number, total: number): () => number {
  return () => {
    let count = 0;
    let pending: Buffer = Buffer.alloc(0);
    const start = process.hrtime.bigint();
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
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check('raw strings', count, strings);
    return total / 1e6 / seconds;
  };
}

function weftInt32(chunks: readonly Buffer[], strings: number, total: number): () => number {
  return () => {
    const proto = new CountingStrings();
    proto.makeConnection(new StringTransport());
    const start = process.hrtime.bigint();
    for (const chunk of chunks) proto.dataReceived(chunk);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    check('weft strings', proto.count, strings);
    return total / 1e6 / seconds;
  };
}

export async function run(): Promise<Result[]> {
  const { chunks, lines } = lineData();
  const lineGoal = { op: '>=', value: 1.5, note: 'aim ≥ 2×' } as const;
  const results = [
    await compare({
      name: 'LineReceiver, 100 MiB of 64 B lines',
      unit: 'lines/s',
      kind: 'throughput',
      rawLabel: 'readline',
      weft: weftLines(() => new CountingLines(), chunks, lines),
      raw: readlineLines(chunks, lines),
      goal: lineGoal,
      rounds: 5,
      warmup: 1,
    }),
    await compare({
      name: 'LineOnlyReceiver, 100 MiB of 64 B lines',
      unit: 'lines/s',
      kind: 'throughput',
      rawLabel: 'readline',
      weft: weftLines(() => new CountingLinesOnly(), chunks, lines),
      raw: readlineLines(chunks, lines),
      goal: lineGoal,
      rounds: 5,
      warmup: 1,
    }),
  ];
  chunks.length = 0;
  const int32 = int32Data();
  const total = int32.strings * (4 + STRING);
  results.push(
    await compare({
      name: 'Int32StringReceiver, 100 MiB of 256 B strings',
      unit: 'MB/s',
      kind: 'throughput',
      rawLabel: 'Buffer splitter',
      weft: weftInt32(int32.chunks, int32.strings, total),
      raw: rawInt32(int32.chunks, int32.strings, total),
      rounds: 5,
      warmup: 1,
    }),
  );
  return results;
}
