// Helpers for the real-socket tests in test/node: protocols and factories that record what
// happens to them and expose promises fired by their own callbacks, so tests wait on events
// (bounded by vitest's test timeout), never on sleeps.
import { onTestFinished } from 'vitest';

import type { IAddress, IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { Failure } from '../../src/core/failure.js';
import type { IConnector, IListeningPort, ITCPTransport } from '../../src/core/interfaces/index.js';
import { ClientFactory, Factory, Protocol } from '../../src/core/protocol.js';
import { StreamServerPort, TCPTransport } from '../../src/node/index.js';
import { NodeReactor } from '../../src/node/reactor.js';

/** A promise with its resolve function outside (Node 20 has no Promise.withResolvers). */
export interface Later<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

export function later<T = undefined>(): Later<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  const out = {
    promise,
    settled: false,
    resolve(value: T): void {
      out.settled = true;
      resolve(value);
    },
  };
  return out;
}

/** A promise resolved on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/**
 * A protocol recording its lifecycle: `events` holds 'made', 'data' (one per chunk) and
 * 'lost', in order; `made`/`lost` resolve when those happen; `bytes(n)` when n bytes arrived.
 */
export class Recorder<T extends ITCPTransport = ITCPTransport> extends Protocol<T> {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  received = 0;
  /** Whether to keep the chunks (for `data()`); counting is enough for multi-MiB transfers. */
  keepData = true;
  readonly #made = later();
  readonly #lost = later<Failure>();
  #byteWaiters: { n: number; done: Later<Buffer> }[] = [];

  get made(): Promise<undefined> {
    return this.#made.promise;
  }

  get lost(): Promise<Failure> {
    return this.#lost.promise;
  }

  get isLost(): boolean {
    return this.#lost.settled;
  }

  override connectionMade(): void {
    this.events.push('made');
    this.#made.resolve(undefined);
  }

  override dataReceived(data: Uint8Array): void {
    this.events.push('data');
    if (this.keepData) this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.received += data.byteLength;
    this.#checkBytes();
  }

  override connectionLost(reason: Failure): void {
    this.events.push('lost');
    this.#lost.resolve(reason);
    for (const w of this.#byteWaiters) w.done.resolve(this.data());
    this.#byteWaiters = [];
  }

  /** Everything received so far. */
  data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves with everything received once at least `n` bytes have arrived (or the connection is lost). */
  bytes(n: number): Promise<Buffer> {
    const done = later<Buffer>();
    this.#byteWaiters.push({ n, done });
    this.#checkBytes();
    return done.promise;
  }

  #checkBytes(): void {
    this.#byteWaiters = this.#byteWaiters.filter((w) => {
      if (this.received < w.n && !this.isLost) return true;
      w.done.resolve(this.data());
      return false;
    });
  }
}

/** Echoes what it receives. */
export class Echo extends Recorder {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport.write(data);
  }
}

/** A server factory remembering the protocols it built; `connection(i)` resolves once the i-th is made. */
export class RecordingFactory<P extends Recorder = Recorder> extends Factory<P> {
  readonly built: P[] = [];
  readonly addresses: IAddress[] = [];
  starts = 0;
  stops = 0;
  #waiters = new Map<number, Later<P>>();

  constructor(protocol: new () => P) {
    super();
    this.protocol = protocol;
    this.noisy = false;
  }

  override buildProtocol(addr: IAddress): P | null {
    const p = super.buildProtocol(addr);
    if (p === null) return p;
    const index = this.built.length;
    this.built.push(p);
    this.addresses.push(addr);
    void p.made.then(() => {
      this.#waiter(index).resolve(p);
    });
    return p;
  }

  override startFactory(): void {
    this.starts++;
  }

  override stopFactory(): void {
    this.stops++;
  }

  /** The i-th protocol built, once its connectionMade has run. */
  connection(i = 0): Promise<P> {
    return this.#waiter(i).promise;
  }

  #waiter(i: number): Later<P> {
    let w = this.#waiters.get(i);
    if (w === undefined) {
      w = later<P>();
      this.#waiters.set(i, w);
    }
    return w;
  }
}

/** A client factory recording its callbacks in `events`, with promises for the outcomes. */
export class RecordingClientFactory<P extends Recorder = Recorder> extends ClientFactory<P> {
  readonly events: string[] = [];
  readonly built: P[] = [];
  readonly failures: Failure[] = [];
  #failed = later<Failure>();
  #lost = later<Failure>();
  #made = later<P>();
  #stopped = later();

  constructor(protocol: new () => P) {
    super();
    this.protocol = protocol;
    this.noisy = false;
  }

  /** The first protocol, once connected. */
  get made(): Promise<P> {
    return this.#made.promise;
  }

  /** The first clientConnectionFailed reason. */
  get failed(): Promise<Failure> {
    return this.#failed.promise;
  }

  /** The first clientConnectionLost reason. */
  get lost(): Promise<Failure> {
    return this.#lost.promise;
  }

  /** Resolves at stopFactory. */
  get stopped(): Promise<undefined> {
    return this.#stopped.promise;
  }

  override startFactory(): void {
    this.events.push('startFactory');
  }

  override stopFactory(): void {
    this.events.push('stopFactory');
    this.#stopped.resolve(undefined);
  }

  override startedConnecting(connector: IConnector): void {
    this.events.push(`startedConnecting:${connector.state}`);
  }

  override buildProtocol(addr: IAddress): P | null {
    this.events.push('buildProtocol');
    const p = super.buildProtocol(addr);
    if (p !== null) {
      this.built.push(p);
      const made = this.#made;
      void p.made.then(() => {
        made.resolve(p);
      });
    }
    return p;
  }

  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    this.events.push(`failed:${(reason.value as Error).name}`);
    this.failures.push(reason);
    this.#failed.resolve(reason);
  }

  override clientConnectionLost(_connector: IConnector, reason: Failure): void {
    this.events.push(`lost:${(reason.value as Error).name}`);
    this.#lost.resolve(reason);
  }
}

/** The name of a Failure's error class. */
export function errorName(reason: Failure): string {
  return (reason.value as Error).name;
}

/** A listening port's number. */
export function portNumber(port: IListeningPort): number {
  return (port.getHost() as IPv4Address | IPv6Address).port;
}

const shutDownReactors = new WeakSet<NodeReactor>();

/** Stops `reactor` through its full shutdown (closing everything it owns). */
export async function shutDown(reactor: NodeReactor): Promise<void> {
  shutDownReactors.add(reactor);
  const done = reactor.run({ installSignalHandlers: false });
  reactor.stop();
  await done;
}

/** A reactor that is shut down (closing every socket it owns) when the test ends. */
export function freshReactor(): NodeReactor {
  const reactor = new NodeReactor();
  onTestFinished(async () => {
    if (!shutDownReactors.has(reactor)) await shutDown(reactor);
  });
  return reactor;
}

/** A server listening on 127.0.0.1 and a client connected to it, both made. */
export async function connectedPair<S extends Recorder = Recorder, C extends Recorder = Recorder>(
  reactor: NodeReactor,
  server: new () => S = Recorder as unknown as new () => S,
  client: new () => C = Recorder as unknown as new () => C,
): Promise<{
  port: IListeningPort;
  server: S;
  client: C;
  serverFactory: RecordingFactory<S>;
  clientFactory: RecordingClientFactory<C>;
  connector: IConnector;
}> {
  const serverFactory = new RecordingFactory(server);
  const port = await reactor.listenTCP(0, serverFactory, { interface: '127.0.0.1' });
  const clientFactory = new RecordingClientFactory(client);
  const connector = reactor.connectTCP('127.0.0.1', portNumber(port), clientFactory);
  const [s, c] = await Promise.all([serverFactory.connection(0), clientFactory.made]);
  return { port, server: s, client: c, serverFactory, clientFactory, connector };
}

/** `n` bytes of a repeating pattern, so reordering or loss shows. */
export function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
  return out;
}

/** `transport` as the TCPTransport it is (for getHandle() and bufferSize). */
export function tcpTransport(transport: unknown): TCPTransport {
  if (transport instanceof TCPTransport) return transport;
  throw new TypeError('not a TCPTransport');
}

/** `port` as the StreamServerPort it is (for getHandle()). */
export function serverPort(port: unknown): StreamServerPort {
  if (port instanceof StreamServerPort) return port;
  throw new TypeError('not a StreamServerPort');
}
