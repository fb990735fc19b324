/**
 * `loopbackAsync`: runs two protocols against each other until one closes
 * (Twisted's `twisted.protocols.loopback`).
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { Deferred, fail, succeed } from '../core/defer.js';
import { ConnectionDone, InvalidStateError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import type { IReactorTime } from '../core/interfaces/reactor.js';
import { deferLater } from '../core/task.js';
import { concatBytes } from '../core/bytes.js';
import { toBytes } from './bytes.js';

/**
 * What one end wrote and the other has not yet been given, in order: byte
 * chunks, then `null` once the writer called `loseConnection()`. A
 * {@link PumpPolicy} empties it. For tests; not for implementation code.
 */
export class LoopbackQueue {
  /** Whether the writer has called `loseConnection()`. */
  disconnect = false;
  readonly #items: (Uint8Array | null)[] = [];
  #notify: (() => void) | null = null;

  /** How many items (chunks and the final `null`) are waiting. */
  get length(): number {
    return this.#items.length;
  }

  /** Appends an item and wakes a loop waiting for one. */
  put(item: Uint8Array | null): void {
    this.#items.push(item);
    this.wake();
  }

  /**
   * Takes the oldest item: a chunk, or `null` for the writer's close.
   *
   * @throws {InvalidStateError} if the queue is empty.
   */
  get(): Uint8Array | null {
    if (this.#items.length === 0) throw new InvalidStateError('LoopbackQueue is empty');
    return this.#items.shift() as Uint8Array | null;
  }

  /** @internal Runs (once) the waiting loop's wake-up, if any. */
  wake(): void {
    const notify = this.#notify;
    this.#notify = null;
    notify?.();
  }

  /** @internal Sets the wake-up for the loop waiting on this queue. */
  onNextPut(notify: (() => void) | null): void {
    this.#notify = notify;
  }
}

/**
 * How queued chunks are handed over: called with the queue of what one end
 * wrote and the other end's protocol, it should take items with
 * `queue.get()` (stopping at `null`) and pass them to `target.dataReceived`.
 */
export type PumpPolicy = (queue: LoopbackQueue, target: IProtocol) => void;

/**
 * Delivers each chunk as it was written: one `dataReceived` per `write`.
 * (Real transports merge and split chunks; see {@link collapsingPumpPolicy}.)
 * For tests; not for implementation code.
 */
export const identityPumpPolicy: PumpPolicy = (queue, target) => {
  while (queue.length > 0) {
    const chunk = queue.get();
    if (chunk === null) break;
    target.dataReceived(chunk);
  }
};

/**
 * Delivers everything queued in one `dataReceived`. For tests; not for
 * implementation code.
 */
export const collapsingPumpPolicy: PumpPolicy = (queue, target) => {
  const chunks: Uint8Array[] = [];
  while (queue.length > 0) {
    const chunk = queue.get();
    if (chunk === null) break;
    chunks.push(chunk);
  }
  if (chunks.length > 0) target.dataReceived(concatBytes(chunks));
};

class LoopbackAddress implements IAddress {
  equals(other: unknown): boolean {
    return other instanceof LoopbackAddress;
  }
  toString(): string {
    return 'LoopbackAddress()';
  }
}

/** One end's transport: writes go to `outgoing`; `incoming` is what the peer wrote to it. */
class LoopbackTransport {
  disconnecting = false;
  producer: IPushProducer | IPullProducer | null = null;
  streamingProducer = false;
  readingPaused = false;
  readonly #outgoing: LoopbackQueue;
  readonly #incoming: LoopbackQueue;

  constructor(outgoing: LoopbackQueue, incoming: LoopbackQueue) {
    this.#outgoing = outgoing;
    this.#incoming = incoming;
  }

  write(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'loopback transport write');
    if (!this.disconnecting && bytes.length > 0) this.#outgoing.put(bytes);
  }

  writeSequence(data: Iterable<Uint8Array | string>): void {
    const chunks = Array.from(data, (chunk) => toBytes(chunk, 'loopback transport writeSequence'));
    if (!this.disconnecting) this.#outgoing.put(concatBytes(chunks));
  }

  loseConnection(): void {
    if (this.disconnecting) return;
    this.disconnecting = true;
    this.#outgoing.disconnect = true;
    this.#outgoing.put(null);
  }

  abortConnection(): void {
    this.loseConnection();
  }

  getPeer(): IAddress {
    return new LoopbackAddress();
  }

  getHost(): IAddress {
    return new LoopbackAddress();
  }

  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) throw new InvalidStateError('Cannot register two producers');
    this.producer = producer;
    this.streamingProducer = streaming;
    this.pollProducer();
  }

  unregisterProducer(): void {
    if (this.producer === null) {
      throw new InvalidStateError('Cannot unregister a producer unless one is registered');
    }
    this.producer = null;
  }

  /** Asks a pull producer for more (its consumer's buffer is empty). */
  pollProducer(): void {
    if (this.producer !== null && !this.streamingProducer) this.producer.resumeProducing();
  }

  pauseProducing(): void {
    this.readingPaused = true;
  }

  resumeProducing(): void {
    this.readingPaused = false;
    // Deliveries held back while paused can go now.
    this.#incoming.wake();
  }

  stopProducing(): void {
    this.loseConnection();
  }
}

/** Options of {@link loopbackAsync}. */
export interface LoopbackOptions {
  /** How queued chunks are handed over. Default {@link identityPumpPolicy}. */
  readonly pumpPolicy?: PumpPolicy;
  /**
   * Where to wait when neither end has anything to deliver: with a clock,
   * the next round runs from `callLater(0)` on it (so `clock.advance(0)`
   * drives the loop, synchronously); without one, from a microtask (so
   * `await` the result).
   */
  readonly clock?: Pick<IReactorTime, 'callLater'>;
}

interface End {
  readonly protocol: IProtocol;
  readonly transport: LoopbackTransport;
  /** What this end wrote. */
  readonly queue: LoopbackQueue;
}

/**
 * Connects `server` and `client` with in-memory transports and moves bytes
 * between them until one calls `loseConnection()`. The result fires once
 * both have had `connectionLost(ConnectionDone)`. For tests; not for
 * implementation code.
 *
 * Each round delivers what the server wrote, then what the client wrote
 * (through `pumpPolicy`), and asks a pull producer for more once its end's
 * queue is empty. When neither end wrote anything, the loop waits for a
 * write: never inside that `write()` (no real transport calls `dataReceived`
 * from within `write`), but on the next microtask, or on `callLater(0)` of
 * `options.clock`. When an end has closed, what it still had queued is
 * delivered, then the server gets `connectionLost`, then the client.
 * Bytes for an end that paused reading wait until it resumes.
 *
 * An exception from a protocol or the policy fails the result; the protocols
 * are then not told of any disconnection.
 *
 * @example
 * ```ts
 * class Greeter extends Protocol {
 *   override connectionMade(): void {
 *     this.transport.write('hello');
 *     this.transport.loseConnection();
 *   }
 * }
 * const client = new AccumulatingProtocol();
 * const clock = new Clock();
 * const done = loopbackAsync(new Greeter(), client, { clock });
 * clock.advance(0);
 * successResultOf(done); // client.dataString() === 'hello', client.closed
 * ```
 */
export function loopbackAsync(
  server: IProtocol,
  client: IProtocol,
  options?: LoopbackOptions,
): Deferred<void> {
  const toClient = new LoopbackQueue();
  const toServer = new LoopbackQueue();
  const serverEnd: End = {
    protocol: server,
    transport: new LoopbackTransport(toClient, toServer),
    queue: toClient,
  };
  const clientEnd: End = {
    protocol: client,
    transport: new LoopbackTransport(toServer, toClient),
    queue: toServer,
  };
  const policy = options?.pumpPolicy ?? identityPumpPolicy;
  const clock = options?.clock;
  const later = (): Deferred<undefined> => {
    if (clock !== undefined) return deferLater(clock, 0);
    const d = new Deferred<undefined>();
    queueMicrotask(() => {
      d.callback(undefined);
    });
    return d;
  };
  try {
    server.makeConnection(serverEnd.transport);
    client.makeConnection(clientEnd.transport);
    return run(serverEnd, clientEnd, policy, later);
  } catch (e) {
    return fail(e);
  }
}

/** Delivers what `source` wrote to `target`; returns whether anything was queued. */
function deliver(source: End, target: End, policy: PumpPolicy): boolean {
  if (source.queue.length === 0 || target.transport.readingPaused) return false;
  policy(source.queue, target.protocol);
  // The writer's buffer is now empty: a pull producer may write more.
  if (source.queue.length === 0) source.transport.pollProducer();
  return true;
}

function run(
  server: End,
  client: End,
  policy: PumpPolicy,
  later: () => Deferred<undefined>,
): Deferred<void> {
  for (;;) {
    const serverSent = deliver(server, client, policy);
    const clientSent = deliver(client, server, policy);
    if (!serverSent && !clientSent) {
      // Idle: wait for a write (or a resume), then continue outside of it.
      const d = new Deferred<void>();
      const wake = (): void => {
        server.queue.onNextPut(null);
        client.queue.onNextPut(null);
        d.callback(undefined);
      };
      server.queue.onNextPut(wake);
      client.queue.onNextPut(wake);
      return d.addCallback(later).addCallback(() => run(server, client, policy, later));
    }
    let closer: End | null = null;
    if (server.queue.disconnect) closer = server;
    else if (client.queue.disconnect) closer = client;
    if (closer !== null) {
      // Flush what the closing end still had queued, then report the close to both ends.
      deliver(closer, closer === server ? client : server, policy);
      server.protocol.connectionLost(new Failure(new ConnectionDone('Connection done')));
      client.protocol.connectionLost(new Failure(new ConnectionDone('Connection done')));
      return succeed(undefined);
    }
  }
}
