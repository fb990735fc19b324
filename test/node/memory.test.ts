// The one slow test: 1 GiB through a real TCP connection (127.0.0.1) to a reader that pauses
// often, with the writer paced by a push producer. Flow control must keep memory flat: the process
// (writer and reader both live in it) may not grow by more than 64 MiB, measured after a full GC at
// every 32 MiB written. Every wait is on the protocols' own callbacks, bounded by the test timeout.
// Measured on this 2-core machine: 4-13 s for the whole transfer (the higher figures with other
// test files running beside it), peak growth under 1 MiB.
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';

import { expect, it } from 'vitest';

import { IPv4Address } from '../../src/core/address.js';
import type { IAddress } from '../../src/core/address.js';
import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IPushProducer, ITCPTransport } from '../../src/core/interfaces/index.js';
import { ClientFactory, Factory, Protocol } from '../../src/core/protocol.js';
import { NodeReactor } from '../../src/node/reactor.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const TOTAL = 1024 * MiB;
const CHUNK = 64 * KiB;
/** The reader pauses each time this many more bytes have arrived... */
const PAUSE_EVERY = 4 * MiB;
/** ...for this long, in seconds, on the reactor's clock. */
const PAUSE_FOR = 0.001;
/** Memory is sampled each time this many more bytes have been written. */
const SAMPLE_EVERY = 32 * MiB;
const LIMIT = 64 * MiB;

/** `globalThis.gc`, which vitest.config.ts exposes with `--expose-gc`. */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc (vitest.config.ts does)');
  gc();
}

/**
 * Memory in use after full collections: `heapUsed + external + arrayBuffers` (`arrayBuffers` is
 * part of `external`, so it counts twice: a stricter bound). V8 frees dead ArrayBuffers'
 * memory on a background sweeper after a collection, so right after one `gc()` the counts still
 * include buffers already found dead (spikes of 20-30 MiB were seen); a second `gc()` waits for
 * that sweep, leaving only what is live.
 */
function memoryInUse(): number {
  collectGarbage();
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

/** A promise with its resolve function outside. */
function later<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Chunk `index` of the stream: a fixed 64 KiB pattern with the index stamped on its first bytes. */
function chunk(base: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(base);
  new DataView(out.buffer).setUint32(0, index, true);
  return out;
}

/** Writes TOTAL bytes as a push producer on its own transport, then closes. */
class Writer extends Protocol<ITCPTransport> implements IPushProducer {
  readonly base = Uint8Array.from({ length: CHUNK }, (_, i) => (i * 31 + (i >>> 7)) & 0xff);
  readonly done = later<Failure>();
  readonly samples: number[] = [];
  baseline = 0;
  written = 0;
  crc = 0;
  pauses = 0;
  stopped = false;
  #paused = false;
  #index = 0;

  override connectionMade(): void {
    this.baseline = memoryInUse();
    this.transport.registerProducer(this, true);
    this.produce();
  }

  produce(): void {
    while (!this.#paused && !this.stopped && this.written < TOTAL) {
      const data = chunk(this.base, this.#index++);
      this.crc = crc32(data, this.crc);
      this.written += data.byteLength;
      this.transport.write(data);
      if (this.written % SAMPLE_EVERY === 0) this.samples.push(memoryInUse() - this.baseline);
    }
    if (this.written === TOTAL && !this.transport.disconnecting) {
      this.transport.unregisterProducer();
      this.transport.loseConnection();
    }
  }

  pauseProducing(): void {
    this.#paused = true;
    this.pauses++;
  }

  resumeProducing(): void {
    this.#paused = false;
    this.produce();
  }

  stopProducing(): void {
    this.stopped = true;
  }

  override connectionLost(reason: Failure): void {
    this.done.resolve(reason);
  }
}

/** Checksums what arrives, pausing its transport every few MiB for a moment. */
class Reader extends Protocol<ITCPTransport> {
  readonly done = later<Failure>();
  reactor!: NodeReactor;
  received = 0;
  crc = 0;
  pauses = 0;
  #nextPause = PAUSE_EVERY;

  override dataReceived(data: Uint8Array): void {
    this.crc = crc32(data, this.crc);
    this.received += data.byteLength;
    if (this.received >= this.#nextPause) {
      this.#nextPause += PAUSE_EVERY;
      this.pauses++;
      this.transport.pauseProducing();
      this.reactor.callLater(PAUSE_FOR, () => {
        this.transport.resumeProducing();
      });
    }
  }

  override connectionLost(reason: Failure): void {
    this.done.resolve(reason);
  }
}

it('carries 1 GiB to a reader pausing every 4 MiB, intact, with memory growing less than 64 MiB', async ({
  annotate,
}) => {
  const reactor = new NodeReactor();
  const reader = new Reader();
  reader.reactor = reactor;
  const writer = new Writer();
  const serverFactory = new (class extends Factory<Reader> {
    override buildProtocol(_addr: IAddress): Reader {
      return reader;
    }
  })();
  const clientFactory = new (class extends ClientFactory<Writer> {
    override buildProtocol(_addr: IAddress): Writer {
      return writer;
    }
  })();
  serverFactory.noisy = clientFactory.noisy = false;
  const port = await reactor.listenTCP(0, serverFactory, { interface: '127.0.0.1' });
  try {
    const started = performance.now();
    const host = port.getHost();
    if (!(host instanceof IPv4Address)) throw new TypeError('not an IPv4 port');
    reactor.connectTCP('127.0.0.1', host.port, clientFactory);
    const [readerReason, writerReason] = await Promise.all([
      reader.done.promise,
      writer.done.promise,
    ]);
    const seconds = (performance.now() - started) / 1000;
    const peak = Math.max(...writer.samples);
    await annotate(
      `1 GiB in ${seconds.toFixed(1)} s; peak growth ${(peak / MiB).toFixed(1)} MiB over ` +
        `${String(writer.samples.length)} samples; writer paused ${String(writer.pauses)} times, ` +
        `reader ${String(reader.pauses)} times`,
    );
    expect(writerReason.value).toBeInstanceOf(ConnectionDone);
    expect(readerReason.value).toBeInstanceOf(ConnectionDone);
    expect(writer.stopped).toBe(false);
    expect(reader.received).toBe(TOTAL);
    expect(reader.crc).toBe(writer.crc);
    expect(writer.samples).toHaveLength(TOTAL / SAMPLE_EVERY);
    expect(writer.pauses).toBeGreaterThan(0);
    expect(reader.pauses).toBe(TOTAL / PAUSE_EVERY);
    expect(peak, `peak growth ${(peak / MiB).toFixed(1)} MiB`).toBeLessThan(LIMIT);
  } finally {
    await port.stopListening();
    const done = reactor.run({ installSignalHandlers: false });
    reactor.stop();
    await done;
  }
}, 60_000);
