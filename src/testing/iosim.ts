/**
 * In-memory connections between two protocols, moved a step at a time by an
 * {@link IOPump} (Twisted's `twisted.test.iosim`). The transports are
 * {@link FakeTransport}s, re-exported here from `fake-transport.js`.
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { InvalidStateError, NoProtocol } from '../core/errors.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { Clock } from './clock.js';
import { CLIENT_ADDRESS, FakeTransport, SERVER_ADDRESS } from './fake-transport.js';

export { FakeTransport } from './fake-transport.js';
export type { FakeTransportOptions } from './fake-transport.js';

/** How many rounds {@link IOPump.flush} runs before deciding the protocols loop forever. */
const FLUSH_LIMIT = 1000;

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
    serverIO.linkPeer(clientIO);
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
    return FakeTransport.pumpPair(this.serverIO, this.clientIO);
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
  serverTransport.startProtocol(serverProtocol);
  clientTransport.startProtocol(clientProtocol);
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
