/**
 * The protocols and producers of the transport contract
 * (`transport-contract.ts`): each records what happens to it, checks the
 * lifecycle rules as it goes, and reports every callback to {@link poke}, so
 * tests over real sockets can wait on events rather than on time.
 */
import { expect } from 'vitest';

import type { Failure } from '../../src/core/failure.js';
import type {
  IHalfCloseableProtocol,
  IPullProducer,
  IPushProducer,
  IStreamTransport,
} from '../../src/core/interfaces/index.js';
import { Protocol } from '../../src/core/protocol.js';

// ----- activity: what an event-driven pair waits on

let pokes = 0;
const wakers = new Set<() => void>();

/**
 * Reports that a callback of the suite ran. Event-driven pairs
 * (`eventDrivenPair`) re-check what they wait for on each report.
 */
export function poke(): void {
  pokes++;
  for (const wake of [...wakers]) wake();
}

/** How many times {@link poke} has been called: unchanged across a wait means nothing ran. */
export function pokeCount(): number {
  return pokes;
}

/** Calls `wake` at each {@link poke} until the returned function is called. */
export function onPoke(wake: () => void): () => void {
  wakers.add(wake);
  return () => {
    wakers.delete(wake);
  };
}

/** One entry of the shared timeline: which protocol saw what, in the order it happened. */
interface TimelineEntry {
  readonly peer: Peer;
  readonly event: string;
}

let timeline: TimelineEntry[] = [];

/** Starts a new shared timeline (one per test). */
export function resetTimeline(): void {
  timeline = [];
}

/**
 * The shared timeline of `server` and `client` since the last reset, as
 * 'server:made', 'client:data', ..., keeping only the events `keep` accepts.
 */
export function timelineOf(
  server: Peer,
  client: Peer,
  keep?: (event: string) => boolean,
): string[] {
  return timeline
    .filter((entry) => entry.peer === server || entry.peer === client)
    .filter((entry) => keep === undefined || keep(entry.event))
    .map((entry) => `${entry.peer === server ? 'server' : 'client'}:${entry.event}`);
}

// ----- protocols

/** The name of the error class a Failure wraps. */
export function reasonName(reason: Failure | null): string {
  if (reason === null) return 'none';
  const value = reason.value;
  return value instanceof Error ? value.constructor.name : typeof value;
}

/**
 * A protocol recording its whole life: every callback, in order, in
 * `events` ('made', 'data', 'readLost', 'writeLost', 'lost'), and anything
 * that breaks the lifecycle rules in `violations`. Tests hang behaviour on
 * the `on*` hooks instead of subclassing.
 */
export class Peer extends Protocol<IStreamTransport> {
  /** The callbacks received, in order. */
  readonly events: string[] = [];
  /** Lifecycle rules broken (data before connectionMade or after connectionLost, repeats). */
  readonly violations: string[] = [];
  /** The chunks received (when `keepData`). */
  readonly chunks: Uint8Array[] = [];
  /** Whether to keep the chunks; counting is enough for large transfers. */
  keepData = true;
  /** Bytes received. */
  received = 0;
  /** How many times `makeConnection` was called. */
  makeConnectionCalls = 0;
  /** The `connectionLost` reason, once lost. */
  reason: Failure | null = null;
  /** Called from `dataReceived` after recording; a throw here is a throw from `dataReceived`. */
  onData: ((data: Uint8Array) => void) | undefined = undefined;
  /** Called from `connectionLost` after recording. */
  onLost: ((reason: Failure) => void) | undefined = undefined;

  override makeConnection(transport: IStreamTransport): void {
    this.makeConnectionCalls++;
    if (this.makeConnectionCalls > 1) this.violations.push('makeConnection called again');
    super.makeConnection(transport);
  }

  override connectionMade(): void {
    if (this.events.includes('made')) this.violations.push('connectionMade called again');
    this.record('made');
  }

  override dataReceived(data: Uint8Array): void {
    if (!this.events.includes('made')) this.violations.push('dataReceived before connectionMade');
    if (this.isLost) this.violations.push('dataReceived after connectionLost');
    if (this.keepData) this.chunks.push(data);
    this.received += data.byteLength;
    this.record('data');
    this.onData?.(data);
  }

  override connectionLost(reason: Failure): void {
    if (this.isLost) this.violations.push(`connectionLost called again (${reasonName(reason)})`);
    else this.reason = reason;
    this.record('lost');
    this.onLost?.(reason);
  }

  /** Whether `connectionLost` has been called. */
  get isLost(): boolean {
    return this.events.includes('lost');
  }

  /** How many times `callback` ('made', 'lost', ...) was received. */
  count(event: string): number {
    return this.events.filter((e) => e === event).length;
  }

  /** Everything received so far, in one array. */
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  /** Everything received so far, as UTF-8. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** The events, squeezed for messages: 'made data×3 lost(ConnectionDone)'. */
  summary(): string {
    const parts: string[] = [];
    for (const event of this.events) {
      const last = parts.at(-1);
      const label = event === 'lost' ? `lost(${reasonName(this.reason)})` : event;
      const match = last === undefined ? null : /^(.*?)(?:×(\d+))?$/.exec(last);
      if (match?.[1] === label)
        parts[parts.length - 1] = `${label}×${String(Number(match[2] ?? 1) + 1)}`;
      else parts.push(label);
    }
    return `${parts.join(' ') || 'nothing'}; ${String(this.received)} bytes`;
  }

  protected record(event: string): void {
    this.events.push(event);
    timeline.push({ peer: this, event });
    poke();
  }
}

/** A {@link Peer} that is an `IHalfCloseableProtocol`, with hooks for both half-closes. */
export class HalfCloseablePeer extends Peer implements IHalfCloseableProtocol {
  /** Called from `readConnectionLost` after recording. */
  onReadLost: (() => void) | undefined = undefined;

  readConnectionLost(): void {
    if (this.isLost) this.violations.push('readConnectionLost after connectionLost');
    this.record('readLost');
    this.onReadLost?.();
  }

  writeConnectionLost(): void {
    if (this.isLost) this.violations.push('writeConnectionLost after connectionLost');
    this.record('writeLost');
  }
}

// ----- producers

/**
 * A push producer writing `chunk` as fast as it is allowed to, until
 * `total` bytes; then `onFinished`. Records the consumer's buffered byte
 * count at each pause and resume.
 */
export class PushWriter implements IPushProducer {
  paused = false;
  stopped = false;
  finished = false;
  written = 0;
  pauses = 0;
  resumes = 0;
  stops = 0;
  /** Bytes to write in all; may be raised while running. */
  total: number;
  /** Bytes the transport held when it paused us. */
  readonly bufferedAtPause: number[] = [];
  /** Bytes the transport held when it resumed us. */
  readonly bufferedAtResume: number[] = [];
  /** Called once `total` bytes are written. */
  onFinished: (() => void) | undefined = undefined;
  /** Called from `stopProducing`. */
  onStop: (() => void) | undefined = undefined;
  readonly #transport: IStreamTransport;
  readonly #chunk: Uint8Array;
  readonly #buffered: (transport: IStreamTransport) => number;

  constructor(
    transport: IStreamTransport,
    chunk: Uint8Array,
    total: number,
    buffered: (transport: IStreamTransport) => number,
  ) {
    this.#transport = transport;
    this.#chunk = chunk;
    this.total = total;
    this.#buffered = buffered;
  }

  /** Writes until paused, stopped, or done. */
  produce(): void {
    while (!this.paused && !this.stopped && this.written < this.total) {
      this.written += this.#chunk.byteLength;
      this.#transport.write(this.#chunk);
    }
    if (!this.finished && this.written >= this.total) {
      this.finished = true;
      poke();
      this.onFinished?.();
    }
  }

  pauseProducing(): void {
    this.paused = true;
    this.pauses++;
    this.bufferedAtPause.push(this.#buffered(this.#transport));
    poke();
  }

  resumeProducing(): void {
    this.paused = false;
    this.resumes++;
    this.bufferedAtResume.push(this.#buffered(this.#transport));
    poke();
    this.produce();
  }

  stopProducing(): void {
    this.stopped = true;
    this.stops++;
    poke();
    this.onStop?.();
  }
}

/**
 * A pull producer writing one `chunk` per `resumeProducing`, until `total`
 * bytes; asked once more after that, it unregisters and calls `onFinished`.
 */
export class PullWriter implements IPullProducer {
  calls = 0;
  stops = 0;
  written = 0;
  finished = false;
  /** Whether `resumeProducing` was ever called from inside itself (through `write`). */
  reentered = false;
  /** Bytes to write in all; may be raised while running. */
  total: number;
  /** Bytes the transport held each time it asked for more. */
  readonly bufferedAtCall: number[] = [];
  /** Called once everything is written and the producer has unregistered. */
  onFinished: (() => void) | undefined = undefined;
  #inCall = false;
  readonly #transport: IStreamTransport;
  readonly #chunk: Uint8Array;
  readonly #buffered: (transport: IStreamTransport) => number;

  constructor(
    transport: IStreamTransport,
    chunk: Uint8Array,
    total: number,
    buffered: (transport: IStreamTransport) => number,
  ) {
    this.#transport = transport;
    this.#chunk = chunk;
    this.total = total;
    this.#buffered = buffered;
  }

  resumeProducing(): void {
    if (this.#inCall) this.reentered = true;
    this.#inCall = true;
    try {
      this.calls++;
      this.bufferedAtCall.push(this.#buffered(this.#transport));
      poke();
      if (this.written < this.total) {
        this.written += this.#chunk.byteLength;
        this.#transport.write(this.#chunk);
      } else if (!this.finished) {
        this.finished = true;
        this.#transport.unregisterProducer();
        this.onFinished?.();
      }
    } finally {
      this.#inCall = false;
    }
  }

  stopProducing(): void {
    this.stops++;
    poke();
  }
}

/** A push producer that writes nothing and records what it is told, into `log` if given. */
export class IdleProducer implements IPushProducer, IPullProducer {
  readonly calls: string[] = [];
  readonly #log: string[] | undefined;

  constructor(log?: string[]) {
    this.#log = log;
  }

  pauseProducing(): void {
    this.#note('pauseProducing');
  }

  resumeProducing(): void {
    this.#note('resumeProducing');
  }

  stopProducing(): void {
    this.#note('stopProducing');
  }

  #note(call: string): void {
    this.calls.push(call);
    this.#log?.push(call);
    poke();
  }
}

// ----- bytes

/** `n` bytes of a pattern that shows loss, duplication and reordering; `seed` shifts it. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >>> 8) * 13 + (i >>> 16) + seed) & 0xff;
  return out;
}

/** Asserts `actual` and `expected` hold the same bytes, reporting the first difference. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  expect.fail(
    `${what}: got ${String(actual.length)} bytes, expected ${String(expected.length)}; ` +
      `first difference at byte ${String(i)}`,
  );
}
