/**
 * In-memory connections between two protocols, moved a step at a time by an
 * {@link IOPump} (Twisted's `twisted.test.iosim`).
 *
 * @module
 */
import { IPv4Address, type IAddress, type IPv6Address } from '../core/address.js';
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
  NoProtocol,
} from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import { isHalfCloseableProtocol, type IProtocol } from '../core/interfaces/protocol.js';
import { Logger } from '../core/logger.js';
import { concatBytes, toBytes } from './bytes.js';
import { Clock } from './clock.js';

const log = new Logger('weft.testing.iosim');

/** The address of the accepting side when none is given: `IPv4Address('TCP', '10.0.0.1', 12345)`. */
const SERVER_ADDRESS = new IPv4Address('TCP', '10.0.0.1', 12345);
/** The address of the connecting side when none is given: `IPv4Address('TCP', '192.168.1.1', 54321)`. */
const CLIENT_ADDRESS = new IPv4Address('TCP', '192.168.1.1', 54321);

/** The default write-buffer high-water mark, in bytes: Twisted's `FileDescriptor.bufferSize`. */
const DEFAULT_BUFFER_SIZE = 65536;

/** How many rounds {@link IOPump.flush} runs before deciding the protocols loop forever. */
const FLUSH_LIMIT = 1000;

let nextSerial = 0;

/** Options of {@link FakeTransport}. */
export interface FakeTransportOptions {
  /**
   * Write-buffer high-water mark in bytes: a registered push producer is
   * paused when more than this is waiting to be pumped, and resumed once
   * the pump has drained it all. Default 65536.
   */
  readonly bufferSize?: number;
  /** Called after the protocol's `connectionLost`, with the same reason. */
  readonly onConnectionLost?: (reason: Failure) => void;
}

/**
 * Module-private access to the pump machinery, set by FakeTransport's static
 * block: the IOPump drives transports through it, and it stays out of the
 * transport's public surface.
 */
let machinery!: {
  link(server: FakeTransport<IAddress>, client: FakeTransport<IAddress>): void;
  start(transport: FakeTransport<IAddress>, protocol: IProtocol): void;
  pump(server: FakeTransport<IAddress>, client: FakeTransport<IAddress>): boolean;
};

/**
 * One end of an in-memory TCP connection. Writes are queued in
 * {@link FakeTransport.stream} until an {@link IOPump} moves them to the other
 * end; every other rule of a real transport is kept, so what passes here
 * passes over a socket. For tests; not for implementation code.
 *
 * - `connectionMade` comes once, through `makeConnection` (made by
 *   {@link connect}); `dataReceived` only after it and never after
 *   `connectionLost`, which comes exactly once.
 * - `loseConnection()` stops reading at once (bytes still in flight to this
 *   end are dropped), sends everything already written, waits for a
 *   registered producer to unregister, then closes: the peer is told on one
 *   pump (`connectionLost(ConnectionDone)`, or `readConnectionLost()` if it
 *   is an `IHalfCloseableProtocol`), this end on the next. Writes after
 *   `loseConnection()` are ignored, except while a registered producer is
 *   still finishing.
 * - `abortConnection()` drops what is queued; the peer gets
 *   `connectionLost(ConnectionLost)` on the next pump and this end
 *   `connectionLost(ConnectionAborted)` on the one after.
 * - `loseWriteConnection()` sends what is queued, then half-closes: this
 *   protocol's `writeConnectionLost()` (if it is half-closeable) and the
 *   peer's `readConnectionLost()` (or `connectionLost` if it is not). Later
 *   writes are ignored, except while a registered producer is still finishing.
 * - As a consumer: a pull producer is asked for data at registration and on
 *   each pump that finds the buffer empty; a push producer is paused when
 *   more than `bufferSize` bytes wait, and resumed once a pump drains them.
 *   On connection loss the producer gets `stopProducing()`.
 * - As a producer: `pauseProducing()` stops reading, so the peer's bytes
 *   (and its close) wait in the peer's queue until `resumeProducing()`.
 * - An exception thrown by this end's protocol (or producer) when the pump
 *   calls it is logged, and this end closes at once with the exception as
 *   the `connectionLost` reason; the peer sees a clean close.
 *
 * TLS (`startTLS`) is not simulated.
 *
 * @typeParam A - the type of the host and peer addresses.
 */
export class FakeTransport<A extends IAddress = IPv4Address | IPv6Address> {
  /** The protocol this end delivers to. */
  readonly protocol: IProtocol;
  /** Whether this is the accepting end. */
  readonly isServer: boolean;
  /** A number unique to this transport, for telling transports apart in logs. */
  readonly serial: number = nextSerial++;
  /** The address {@link FakeTransport.getHost} returns. */
  hostAddress: A;
  /** The address {@link FakeTransport.getPeer} returns. */
  peerAddress: A;
  /** The write-buffer high-water mark, in bytes (see {@link FakeTransportOptions}). */
  readonly bufferSize: number;
  /** The registered producer, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the registered producer is a push (streaming) producer. */
  streamingProducer = false;
  /** Whether this transport has paused its push producer because its buffer is over `bufferSize`. */
  producerPaused = false;

  #stream: Uint8Array[] = [];
  #streamLength = 0;
  #peer: FakeTransport<IAddress> | null = null;
  readonly #onConnectionLost: ((reason: Failure) => void) | undefined;
  // Closing, for one end. Each step is one pump, and only on a pump that moved no bytes:
  //
  //   open ─ loseConnection() ─► closeRequested ─ stream empty, no producer ─► finSent ─► disconnected
  //    │   (stops reading)             ▲                 (peer told: FIN)        (own connectionLost)
  //    ├─ abortConnection() ───────────┘ stream dropped; the FIN is a reset, sent even to a paused peer
  //    ├─ peer's FIN arrives ─► disconnected (ConnectionDone), or readClosed if half-closeable
  //    └─ a callback throws ──► disconnected (that exception); a clean FIN is still owed to the peer
  //
  // closeRequested: this end no longer reads; finSent: its close was reported to the peer;
  // disconnected: its protocol has had connectionLost.
  #closeRequested = false;
  #aborted = false;
  #finSent = false;
  #disconnected = false;
  // Half-close state: writeShutRequested (loseWriteConnection) then writeDisconnected once the
  // peer was told; readClosed once the peer half-closed and readConnectionLost was delivered.
  #writeShutRequested = false;
  #writeDisconnected = false;
  #readClosed = false;
  #readPaused = false;
  #noDelay = false;
  #keepAlive = false;

  /**
   * @param protocol - where the bytes pumped to this end go.
   * @param isServer - whether this is the accepting end; it decides the
   *   default addresses.
   * @param hostAddress - what `getHost()` returns; default
   *   `IPv4Address('TCP', '10.0.0.1', 12345)` for a server end,
   *   `IPv4Address('TCP', '192.168.1.1', 54321)` for a client end.
   * @param peerAddress - what `getPeer()` returns; default the other one.
   */
  constructor(
    protocol: IProtocol,
    isServer: boolean,
    hostAddress?: A,
    peerAddress?: A,
    options?: FakeTransportOptions,
  ) {
    this.protocol = protocol;
    this.isServer = isServer;
    const [host, peer] = isServer
      ? [SERVER_ADDRESS, CLIENT_ADDRESS]
      : [CLIENT_ADDRESS, SERVER_ADDRESS];
    this.hostAddress = hostAddress ?? (host as IAddress as A);
    this.peerAddress = peerAddress ?? (peer as IAddress as A);
    this.bufferSize = options?.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.#onConnectionLost = options?.onConnectionLost;
  }

  /** The bytes written and not yet pumped, one array per write. */
  get stream(): readonly Uint8Array[] {
    return this.#stream;
  }

  /** Whether `loseConnection()` or `abortConnection()` was called, or the connection is gone. */
  get disconnecting(): boolean {
    return this.#closeRequested || this.#disconnected;
  }

  /** Whether the protocol has had `connectionLost`. */
  get disconnected(): boolean {
    return this.#disconnected;
  }

  /** Whether this end has paused reading (see {@link FakeTransport.pauseProducing}). */
  get readingPaused(): boolean {
    return this.#readPaused;
  }

  /**
   * Queues `data` (a string as UTF-8) for the next pump; ignored once closing
   * (see the class notes). May pause a registered push producer.
   *
   * @throws {TypeError} if `data` is neither a `Uint8Array` nor a string.
   */
  write(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'FakeTransport.write');
    if (bytes.length === 0 || !this.#acceptsWrites()) return;
    this.#stream.push(bytes);
    this.#streamLength += bytes.length;
    if (
      this.producer !== null &&
      this.streamingProducer &&
      !this.producerPaused &&
      this.#streamLength > this.bufferSize
    ) {
      this.producerPaused = true;
      (this.producer as IPushProducer).pauseProducing();
    }
  }

  /**
   * Writes each element of `data` in order.
   *
   * @throws {TypeError} if an element is neither a `Uint8Array` nor a string
   *   (nothing of `data` is written then).
   */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    const chunks = Array.from(data, (chunk) => toBytes(chunk, 'FakeTransport.writeSequence'));
    for (const chunk of chunks) this.write(chunk);
  }

  /**
   * Closes once everything written has been pumped and any producer has
   * unregistered. Idempotent. After `loseWriteConnection()` has completed,
   * the protocol gets `connectionLost(ConnectionDone)` at once, as on TCP.
   */
  loseConnection(): void {
    if (this.#closeRequested || this.#disconnected) return;
    this.#closeRequested = true;
    if (this.#writeDisconnected) {
      // The peer already had our FIN: nothing more to tell it.
      this.#finSent = true;
      this.#connectionLost(this.#ownReason());
    }
  }

  /** Drops what is queued and resets the connection (see the class notes). Idempotent. */
  abortConnection(): void {
    if (this.#disconnected || this.#aborted || this.#finSent) return;
    this.#aborted = true;
    this.#closeRequested = true;
    this.#clearStream();
  }

  /** Half-closes once everything written has been pumped (see the class notes). */
  loseWriteConnection(): void {
    if (this.#closeRequested || this.#disconnected) return;
    this.#writeShutRequested = true;
  }

  /** The host address given to the constructor (or the default for this end). */
  getHost(): A {
    return this.hostAddress;
  }

  /** The peer address given to the constructor (or the default for this end). */
  getPeer(): A {
    return this.peerAddress;
  }

  /** The value last given to `setTcpNoDelay` (false at first). */
  getTcpNoDelay(): boolean {
    return this.#noDelay;
  }

  /** Records `enabled`; it changes nothing in memory. */
  setTcpNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
  }

  /** The value last given to `setTcpKeepAlive` (false at first). */
  getTcpKeepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Records `enabled`; it changes nothing in memory. */
  setTcpKeepAlive(enabled: boolean): void {
    this.#keepAlive = enabled;
  }

  /**
   * Registers `producer`; a pull producer is asked for data at once. On a
   * closed transport the producer is stopped instead.
   *
   * @throws {InvalidStateError} if a producer is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) {
      throw new InvalidStateError(
        'Cannot register a producer: another one was registered and never unregistered',
      );
    }
    if (this.#disconnected) {
      producer.stopProducing();
      return;
    }
    this.producer = producer;
    this.streamingProducer = streaming;
    this.producerPaused = false;
    if (!streaming) producer.resumeProducing();
  }

  /** Unregisters the producer, if any; a close waiting for it may then proceed. */
  unregisterProducer(): void {
    this.producer = null;
    this.streamingProducer = false;
    this.producerPaused = false;
  }

  /** Stops reading: pumps leave the peer's bytes queued until `resumeProducing()`. */
  pauseProducing(): void {
    this.#readPaused = true;
  }

  /** Reads again after `pauseProducing()`. */
  resumeProducing(): void {
    this.#readPaused = false;
  }

  /** Closes the connection (`loseConnection()`). */
  stopProducing(): void {
    this.loseConnection();
  }

  /** `FakeTransport<S|C,serial,ProtocolClass>`, as in Twisted. */
  toString(): string {
    return `FakeTransport<${this.isServer ? 'S' : 'C'},${String(this.serial)},${this.protocol.constructor.name}>`;
  }

  static {
    machinery = {
      link(server, client) {
        if (server.#peer !== null || client.#peer !== null) {
          throw new InvalidStateError('A FakeTransport can be pumped to only one peer');
        }
        server.#peer = client;
        client.#peer = server;
      },
      start(transport, protocol) {
        transport.#guard('makeConnection', () => {
          protocol.makeConnection(transport);
        });
      },
      pump(server, client) {
        return FakeTransport.#pumpOnce(server, client);
      },
    };
  }

  /**
   * One round: bytes both ways (client's first) and producers' turns; if no
   * bytes moved, the first pending close event.
   */
  static #pumpOnce(server: FakeTransport<IAddress>, client: FakeTransport<IAddress>): boolean {
    const toServer = client.#takeOutgoing();
    const toClient = server.#takeOutgoing();
    const clientProduced = client.#serviceProducer();
    const serverProduced = server.#serviceProducer();
    if (toServer !== null) server.#receive(toServer);
    if (toClient !== null) client.#receive(toClient);
    if (toServer !== null || toClient !== null) return true;
    // Close events, one per round, so a test can watch them arrive: first a close reported to
    // a peer, then a closing end learning that its own close completed. They are not held back
    // by producer activity alone: a producer writing into a dead connection must hear of it.
    const closed =
      server.#sendFinIfDue() ||
      client.#sendFinIfDue() ||
      server.#finishCloseIfDue() ||
      client.#finishCloseIfDue();
    return closed || clientProduced || serverProduced;
  }

  #acceptsWrites(): boolean {
    if (this.#disconnected || this.#aborted || this.#writeDisconnected) return false;
    // While closing, a registered producer may still finish its output (the close waits for it).
    if (this.#closeRequested || this.#writeShutRequested) return this.producer !== null;
    return true;
  }

  #clearStream(): void {
    this.#stream = [];
    this.#streamLength = 0;
  }

  /** What the pump should move to the peer now: null if nothing, or if the peer is not reading. */
  #takeOutgoing(): Uint8Array | null {
    const peer = this.#peer;
    if (this.#stream.length === 0 || peer === null) return null;
    if (peer.#disconnected || peer.#closeRequested || peer.#readClosed) {
      // The peer stopped reading for good: what was in flight is lost, as on a socket.
      this.#clearStream();
      return null;
    }
    if (peer.#readPaused) return null;
    const data = concatBytes(this.#stream);
    this.#clearStream();
    return data;
  }

  /**
   * With the buffer drained, gives the producer its turn: resumes a push
   * producer this transport paused, or asks a pull producer for more.
   * Returns whether that changed anything.
   */
  #serviceProducer(): boolean {
    const producer = this.producer;
    if (producer === null || this.#disconnected || this.#stream.length > 0) return false;
    if (this.streamingProducer) {
      if (!this.producerPaused) return false;
      this.producerPaused = false;
      this.#guard('resumeProducing', () => {
        producer.resumeProducing();
      });
      return true;
    }
    this.#guard('resumeProducing', () => {
      producer.resumeProducing();
    });
    return this.#stream.length > 0 || this.producer !== producer;
  }

  #receive(data: Uint8Array): void {
    if (this.#disconnected || this.#closeRequested || this.#readClosed) return;
    this.#guard('dataReceived', () => {
      this.protocol.dataReceived(data);
    });
  }

  /** What is due to be reported to the peer: a full close, a half-close, or nothing. */
  #finDue(): 'full' | 'half' | null {
    const peer = this.#peer;
    if (this.#finSent || peer === null) return null;
    if (this.#aborted) return 'full';
    // A clean close travels behind the data, so it waits while the peer is not reading.
    if (peer.#readPaused && !peer.#closeRequested && !peer.#disconnected) return null;
    if (this.#disconnected) return 'full';
    if (this.#stream.length > 0 || this.producer !== null) return null;
    if (this.#closeRequested) return 'full';
    if (this.#writeShutRequested && !this.#writeDisconnected) return 'half';
    return null;
  }

  /** Reports a due close to the peer; returns whether any protocol was called. */
  #sendFinIfDue(): boolean {
    const due = this.#finDue();
    const peer = this.#peer;
    if (due === null || peer === null) return false;
    if (due === 'half') {
      this.#writeDisconnected = true;
      const protocol = this.protocol;
      if (isHalfCloseableProtocol(protocol)) {
        this.#guard('writeConnectionLost', () => {
          protocol.writeConnectionLost();
        });
      }
      peer.#receiveFin(false);
      return true;
    }
    this.#finSent = true;
    if (peer.#disconnected) return false;
    peer.#receiveFin(this.#aborted);
    return true;
  }

  /** The peer closed (`reset`: aborted). */
  #receiveFin(reset: boolean): void {
    if (this.#disconnected) return;
    if (this.#closeRequested) {
      // Both ends closing: this end's own close completes.
      this.#connectionLost(this.#ownReason());
    } else if (reset) {
      this.#connectionLost(new Failure(new ConnectionLost('Connection lost')));
    } else if (!this.#readClosed) {
      const protocol = this.protocol;
      if (isHalfCloseableProtocol(protocol)) {
        this.#readClosed = true;
        this.#guard('readConnectionLost', () => {
          protocol.readConnectionLost();
        });
      } else {
        this.#connectionLost(new Failure(new ConnectionDone('Connection done')));
      }
    }
  }

  /** A closing end whose close the peer has been told of now gets its own connectionLost. */
  #finishCloseIfDue(): boolean {
    if (!this.#finSent || this.#disconnected || !this.#closeRequested) return false;
    this.#connectionLost(this.#ownReason());
    return true;
  }

  #ownReason(): Failure {
    return new Failure(
      this.#aborted ? new ConnectionAborted() : new ConnectionDone('Connection done'),
    );
  }

  /** Runs a callback into this end's protocol or producer; if it throws, this end closes with it. */
  #guard(callback: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      log.failure('Unhandled error in {callback} of {transport}; closing the connection', e, {
        callback,
        transport: this.toString(),
      });
      this.#connectionLost(Failure.from(e));
    }
  }

  /** The connection is gone for this end: stop the producer, then tell the protocol (once). */
  #connectionLost(reason: Failure): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#closeRequested = true;
    this.#clearStream();
    const producer = this.producer;
    this.unregisterProducer();
    if (producer !== null) {
      try {
        producer.stopProducing();
      } catch (e) {
        log.failure('Error in stopProducing of the producer of {transport}', e, {
          transport: this.toString(),
        });
      }
    }
    try {
      this.protocol.connectionLost(reason);
    } catch (e) {
      log.failure('Error in connectionLost of {transport}', e, { transport: this.toString() });
    }
    this.#onConnectionLost?.(reason);
  }
}

/** What an {@link IOPump} advances by 0 on each pump: a `Clock` or a `MemoryReactorClock`. */
export interface PumpClock {
  /** Moves time forward by `seconds`, running what falls due. */
  advance(seconds: number): void;
}

/** Options of {@link IOPump}. */
export interface IOPumpOptions {
  /**
   * Advanced by 0 at the start of each pump, so calls the protocols
   * scheduled with `callLater(0, ...)` run between rounds. Default: a new
   * `Clock` of the pump's own.
   */
  readonly clock?: PumpClock;
}

/**
 * Moves bytes and close events between the two ends of an in-memory
 * connection, one round per {@link IOPump.pump}. For tests; not for
 * implementation code.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const { client, pump } = connectedServerAndClient(Echo, AccumulatingProtocol);
 * client.transport.write('ping');
 * pump.flush();
 * assert.equal(client.dataString(), 'ping');
 * ```
 */
export class IOPump {
  /** The connecting end's protocol. */
  readonly client: IProtocol;
  /** The accepting end's protocol. */
  readonly server: IProtocol;
  /** The connecting end's transport. */
  readonly clientIO: FakeTransport<IAddress>;
  /** The accepting end's transport. */
  readonly serverIO: FakeTransport<IAddress>;
  /** The clock advanced by 0 on each pump. */
  readonly clock: PumpClock;

  /**
   * Links the two transports (each may belong to one pump only). Does not
   * call `makeConnection`: {@link connect} does.
   *
   * @throws {InvalidStateError} if either transport is already linked.
   */
  constructor(
    client: IProtocol,
    server: IProtocol,
    clientIO: FakeTransport<IAddress>,
    serverIO: FakeTransport<IAddress>,
    options?: IOPumpOptions,
  ) {
    machinery.link(serverIO, clientIO);
    this.client = client;
    this.server = server;
    this.clientIO = clientIO;
    this.serverIO = serverIO;
    this.clock = options?.clock ?? new Clock();
  }

  /**
   * One round: advances the clock by 0 (unless `advanceClock` is false);
   * moves everything written so far each way in one `dataReceived` per
   * direction (client to server first), except to an end that paused
   * reading; gives drained producers their turn. If no bytes moved,
   * delivers the next close event instead. Returns whether anything
   * happened.
   */
  pump(advanceClock = true): boolean {
    if (advanceClock) this.clock.advance(0);
    return machinery.pump(this.serverIO, this.clientIO);
  }

  /**
   * Pumps until a round does nothing; returns whether anything happened.
   *
   * @throws {InvalidStateError} if still busy after 1000 rounds (the
   *   protocols probably answer each other forever).
   */
  flush(advanceClock = true): boolean {
    let moved = false;
    for (let round = 0; round < FLUSH_LIMIT; round++) {
      if (!this.pump(advanceClock)) return moved;
      moved = true;
    }
    throw new InvalidStateError(
      `IOPump.flush: still busy after ${String(FLUSH_LIMIT)} rounds; do the protocols loop?`,
    );
  }
}

/** Options of {@link connect} and {@link connectedServerAndClient}. */
export interface ConnectOptions extends IOPumpOptions {
  /**
   * Flush once after both `connectionMade`s, so the protocols start in their
   * post-greeting state. Default true.
   */
  readonly greet?: boolean;
}

/**
 * Connects two protocols through their transports: the server's
 * `makeConnection` first, then the client's, then (unless `greet` is false)
 * a flush. Returns the pump. For tests; not for implementation code.
 *
 * An exception from either `makeConnection` closes that end, as any other
 * protocol callback's does.
 */
export function connect(
  serverProtocol: IProtocol,
  serverTransport: FakeTransport<IAddress>,
  clientProtocol: IProtocol,
  clientTransport: FakeTransport<IAddress>,
  options?: ConnectOptions,
): IOPump {
  const pump = new IOPump(
    clientProtocol,
    serverProtocol,
    clientTransport,
    serverTransport,
    options,
  );
  machinery.start(serverTransport, serverProtocol);
  machinery.start(clientTransport, clientProtocol);
  if (options?.greet ?? true) pump.flush();
  return pump;
}

/** A protocol class (constructed with no arguments) or a factory whose `buildProtocol` makes one. */
export type ProtocolSource<P extends IProtocol> =
  (new () => P) | { buildProtocol(addr: IAddress): P | null };

/** Options of {@link connectedServerAndClient}. */
export interface ConnectedServerAndClientOptions extends ConnectOptions {
  /** Makes the client's transport. Default `new FakeTransport(protocol, false)`. */
  readonly clientTransportFactory?: (protocol: IProtocol) => FakeTransport<IAddress>;
  /** Makes the server's transport. Default `new FakeTransport(protocol, true)`. */
  readonly serverTransportFactory?: (protocol: IProtocol) => FakeTransport<IAddress>;
}

/** What {@link connectedServerAndClient} returns. */
export interface ConnectedServerAndClient<S extends IProtocol, C extends IProtocol> {
  /** The connecting end's protocol. */
  readonly client: C;
  /** The accepting end's protocol. */
  readonly server: S;
  /** The pump between them. */
  readonly pump: IOPump;
}

function build<P extends IProtocol>(source: ProtocolSource<P>, peer: IAddress): P {
  if (typeof source === 'function') return new source();
  const protocol = source.buildProtocol(peer);
  if (protocol === null) throw new NoProtocol();
  return protocol;
}

/**
 * Makes a server and a client protocol (from classes, or from factories
 * whose `buildProtocol` gets the other end's address) and connects them
 * with {@link connect}. For tests; not for implementation code.
 *
 * @throws {NoProtocol} if a factory's `buildProtocol` returns null.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const { client, server, pump } = connectedServerAndClient(
 *   Factory.forProtocol(Echo),
 *   AccumulatingProtocol,
 * );
 * client.transport.write('hello');
 * pump.flush();
 * assert.equal(client.dataString(), 'hello');
 * assert.instanceOf(server, Echo);
 * ```
 */
export function connectedServerAndClient<S extends IProtocol, C extends IProtocol>(
  server: ProtocolSource<S>,
  client: ProtocolSource<C>,
  options?: ConnectedServerAndClientOptions,
): ConnectedServerAndClient<S, C> {
  const clientProtocol = build(client, SERVER_ADDRESS);
  const serverProtocol = build(server, CLIENT_ADDRESS);
  const makeClient = options?.clientTransportFactory ?? ((p) => new FakeTransport(p, false));
  const makeServer = options?.serverTransportFactory ?? ((p) => new FakeTransport(p, true));
  const pump = connect(
    serverProtocol,
    makeServer(serverProtocol),
    clientProtocol,
    makeClient(clientProtocol),
    options,
  );
  return { client: clientProtocol, server: serverProtocol, pump };
}
