/**
 * Adapters: lines/s delivered through an async iterator (`for await` over
 * `FrameIterableProtocol.lines`, with its pause/resume flow control) and
 * through RxJS Observables (a `new Observable` fed by `lineReceived`, and a
 * `Subject`), each against the same lines delivered to `LineReceiver.lineReceived`
 * directly — the overhead of leaving callback style.
 *
 * 20 MiB of 64-byte lines (62 bytes + CRLF) in 64 KiB chunks, over a `StringTransport`. The
 * async-iterator side is fed by an async producer that stops while the transport is paused and
 * goes on when the protocol resumes it, as a socket would; the other sides get every chunk at
 * once. Every side counts the lines and their bytes.
 */
import { Observable, Subject } from 'rxjs';

import { FrameIterableProtocol } from '../adapters/promise/index.js';
import { ConnectionDone } from '../src/core/errors.js';
import { Failure } from '../src/core/failure.js';
import { LineReceiver } from '../src/protocols/basic/index.js';
import { StringTransport } from '../src/testing/index.js';

import { compare, type Result } from './harness.js';

const TOTAL = 20 * 1024 * 1024;
const CHUNK = 64 * 1024;
const LINE = 64;

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
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  return { chunks, lines };
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

/** A LineReceiver that hands each line to a callback (what an Observable adapter does). */
class ForwardingLines extends LineReceiver {
  onLine: (line: Uint8Array) => void = () => undefined;
  override lineReceived(line: Uint8Array): void {
    this.onLine(line);
  }
}

/** A StringTransport that tells a waiting producer when it is resumed. */
class ResumableTransport extends StringTransport {
  #resumed: (() => void) | null = null;
  /** Resolves at the next resumeProducing(). */
  whenResumed(): Promise<void> {
    return new Promise((resolve) => {
      this.#resumed = resolve;
    });
  }
  override resumeProducing(): void {
    super.resumeProducing();
    const resumed = this.#resumed;
    this.#resumed = null;
    resumed?.();
  }
}

/** Kept alive for the whole run, so their hidden classes stay (see docs/performance.md). */
export const residents: readonly unknown[] = [
  new CountingLines(),
  new ForwardingLines(),
  FrameIterableProtocol.lines(),
];

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Lines per second straight into lineReceived. */
function direct(chunks: readonly Buffer[], lines: number): () => number {
  return () => {
    const proto = new CountingLines();
    proto.makeConnection(new StringTransport());
    const start = process.hrtime.bigint();
    for (const chunk of chunks) proto.dataReceived(chunk);
    const s = seconds(start);
    check('direct lines', proto.count, lines);
    check('direct bytes', proto.bytes, lines * (LINE - 2));
    return lines / s;
  };
}

/** Lines per second through `for await` over FrameIterableProtocol.lines. */
function asyncIterator(chunks: readonly Buffer[], lines: number): () => Promise<number> {
  return async () => {
    const proto = FrameIterableProtocol.lines<ResumableTransport>({ maxLength: 1024 });
    const transport = new ResumableTransport();
    proto.makeConnection(transport);
    const start = process.hrtime.bigint();
    const produce = async (): Promise<void> => {
      for (const chunk of chunks) {
        proto.dataReceived(chunk);
        if (transport.producerState === 'paused') await transport.whenResumed();
      }
      proto.connectionLost(new Failure(new ConnectionDone()));
    };
    const producing = produce();
    let count = 0;
    let bytes = 0;
    for await (const line of proto) {
      count += 1;
      bytes += line.length;
    }
    await producing;
    const s = seconds(start);
    check('iterator lines', count, lines);
    check('iterator bytes', bytes, lines * (LINE - 2));
    return lines / s;
  };
}

/** Lines per second to an Observable's subscriber, fed by lineReceived. */
function observable(chunks: readonly Buffer[], lines: number): () => number {
  return () => {
    const proto = new ForwardingLines();
    proto.makeConnection(new StringTransport());
    const lines$ = new Observable<Uint8Array>((subscriber) => {
      proto.onLine = (line) => {
        subscriber.next(line);
      };
      return () => {
        proto.onLine = () => undefined;
      };
    });
    let count = 0;
    let bytes = 0;
    const start = process.hrtime.bigint();
    const subscription = lines$.subscribe((line) => {
      count += 1;
      bytes += line.length;
    });
    for (const chunk of chunks) proto.dataReceived(chunk);
    subscription.unsubscribe();
    const s = seconds(start);
    check('observable lines', count, lines);
    check('observable bytes', bytes, lines * (LINE - 2));
    return lines / s;
  };
}

/** Lines per second to a Subject's subscriber, fed by lineReceived. */
function subject(chunks: readonly Buffer[], lines: number): () => number {
  return () => {
    const proto = new ForwardingLines();
    proto.makeConnection(new StringTransport());
    const lines$ = new Subject<Uint8Array>();
    proto.onLine = (line) => {
      lines$.next(line);
    };
    let count = 0;
    let bytes = 0;
    const start = process.hrtime.bigint();
    const subscription = lines$.subscribe((line) => {
      count += 1;
      bytes += line.length;
    });
    for (const chunk of chunks) proto.dataReceived(chunk);
    subscription.unsubscribe();
    const s = seconds(start);
    check('subject lines', count, lines);
    check('subject bytes', bytes, lines * (LINE - 2));
    return lines / s;
  };
}

export async function run(): Promise<Result[]> {
  const { chunks, lines } = lineData();
  const common = {
    unit: 'lines/s',
    kind: 'throughput',
    rawLabel: 'lineReceived',
    raw: direct(chunks, lines),
    rounds: 5,
    warmup: 1,
  } as const;
  return [
    await compare({
      ...common,
      name: 'for await over FrameIterableProtocol.lines, 20 MiB of 64 B lines',
      weft: asyncIterator(chunks, lines),
    }),
    await compare({
      ...common,
      name: 'Observable fed by lineReceived, 20 MiB of 64 B lines',
      weft: observable(chunks, lines),
    }),
    await compare({
      ...common,
      name: 'Subject fed by lineReceived, 20 MiB of 64 B lines',
      weft: subject(chunks, lines),
    }),
  ];
}
