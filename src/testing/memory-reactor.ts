/**
 * `MemoryReactor` and `MemoryReactorClock`: a whole reactor (time, lifecycle,
 * TCP and UNIX) that records listen and connect calls instead of touching
 * the network, and whose time moves only when a test says so.
 *
 * @module
 */
import { IPv4Address, IPv6Address, UNIXAddress, ipAddress } from '../core/address.js';
import { succeed, type Deferred } from '../core/defer.js';
import type { IProtocolFactory } from '../core/interfaces/protocol.js';
import type {
  ConnectTCPOptions,
  ConnectUNIXOptions,
  IReactorTCP,
  IReactorUNIX,
  ListenTCPOptions,
  ListenUNIXOptions,
} from '../core/interfaces/reactor.js';
import type { IClientFactoryCallbacks } from '../core/protocol.js';
import { ReactorBase } from '../core/reactor-base.js';
import { FakeConnector, FakePort } from './fake-port.js';

/** One `listenTCP` call, as {@link MemoryReactor.tcpServers} records it. */
export type TCPServerRecord = readonly [
  port: number,
  factory: IProtocolFactory,
  backlog: number,
  iface: string,
];

/** One `connectTCP` call (or a reconnection), as {@link MemoryReactor.tcpClients} records it. */
export type TCPClientRecord = readonly [
  host: string,
  port: number,
  factory: IProtocolFactory & IClientFactoryCallbacks,
  timeout: number,
  bindAddress: readonly [host: string, port: number] | null,
];

/** One `listenUNIX` call, as {@link MemoryReactor.unixServers} records it. */
export type UNIXServerRecord = readonly [
  path: string,
  factory: IProtocolFactory,
  backlog: number,
  mode: number,
];

/** One `connectUNIX` call (or a reconnection), as {@link MemoryReactor.unixClients} records it. */
export type UNIXClientRecord = readonly [
  path: string,
  factory: IProtocolFactory & IClientFactoryCallbacks,
  timeout: number,
];

/** The first port number handed out for `listenTCP(0, ...)` (the start of IANA's ephemeral range). */
const FIRST_FAKE_PORT = 49152;

/**
 * A reactor for tests: the full `ReactorBase` lifecycle (triggers, `run`,
 * `stop`, `callWhenRunning`) with the time of a `Clock`, and TCP and UNIX
 * methods that only record what they were asked (Twisted's `MemoryReactor`).
 * For tests; not for implementation code.
 *
 * Time starts at 0 and moves only through {@link MemoryReactor.advance},
 * which runs what falls due and completes a pending `stop()`; nothing
 * happens between a test's calls.
 *
 * - `listenTCP`/`listenUNIX` record the call in {@link MemoryReactor.tcpServers}
 *   / {@link MemoryReactor.unixServers}, call `factory.doStart()`, and return
 *   an already-fired Deferred of a {@link FakePort} (also kept in
 *   {@link MemoryReactor.ports}). For port 0 the port's address gets a fake
 *   port number, counting up from 49152.
 * - `connectTCP`/`connectUNIX` record the call in {@link MemoryReactor.tcpClients}
 *   / {@link MemoryReactor.unixClients} and return a {@link FakeConnector}
 *   (also kept in {@link MemoryReactor.connectors}) that has called
 *   `factory.doStart()` and `factory.startedConnecting(connector)`; the
 *   attempt then waits for the test: `connector.connectionFailed(reason)`,
 *   `connector.stopConnecting()`, or a `ConnectionCompleter`. A factory that
 *   reconnects (`connector.connect()`) is recorded again. The `timeout` is
 *   recorded, not enforced.
 * - When the reactor shuts down, ports still listening stop, as a real
 *   reactor closes its ports.
 *
 * {@link MemoryReactorClock} is the same reactor under the name a test that
 * moves time uses; Twisted splits them because its `MemoryReactor` has no
 * clock.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * const factory = Factory.forProtocol(Protocol);
 * const reactor = new MemoryReactor();
 * const port = successResultOf(reactor.listenTCP(8080, factory));
 * const [portNumber, recorded] = reactor.tcpServers[0]!;
 * assert.equal(portNumber, 8080);
 * assert.equal(recorded, factory);
 * assert.equal(port.getHost().port, 8080);
 * ```
 */
export class MemoryReactor extends ReactorBase implements IReactorTCP, IReactorUNIX {
  /** The current time, in seconds. */
  rightNow = 0;
  /**
   * What the reactor last asked for: seconds (counted from when it asked)
   * until it wants to iterate, or null when it waits for nothing.
   */
  wakeup: number | null = null;
  /** Every `listenTCP` call: `[port, factory, backlog, interface]`. */
  readonly tcpServers: TCPServerRecord[] = [];
  /** Every `connectTCP` attempt: `[host, port, factory, timeout, bindAddress]`. */
  readonly tcpClients: TCPClientRecord[] = [];
  /** Every `listenUNIX` call: `[path, factory, backlog, mode]`. */
  readonly unixServers: UNIXServerRecord[] = [];
  /** Every `connectUNIX` attempt: `[path, factory, timeout]`. */
  readonly unixClients: UNIXClientRecord[] = [];
  /**
   * The connector of each TCP or UNIX attempt, in the order the attempts
   * started (a connector that reconnects appears again).
   */
  readonly connectors: FakeConnector[] = [];
  /** Every port returned by `listenTCP` or `listenUNIX`, in order (stopped ones included). */
  readonly ports: FakePort[] = [];
  #nextFakePort = FIRST_FAKE_PORT;

  /** The current time, in seconds. */
  seconds(): number {
    return this.rightNow;
  }

  /** Records the request; nothing runs until {@link MemoryReactor.advance}. */
  protected scheduleWakeup(delaySeconds: number | null): void {
    this.wakeup = delaySeconds;
  }

  /**
   * Moves time forward by `seconds` (default 0) and iterates until nothing
   * more is due: every call due at or before the new time runs, including
   * those scheduled meanwhile that fall due, and a pending `stop()` completes.
   */
  advance(seconds = 0): void {
    this.rightNow += seconds;
    // `wakeup` is relative to when it was asked for, so it says "now" only when 0 (a pending
    // stop); due calls are found by asking the heap against the new time.
    while (!this.shutDown && (this.wakeup === 0 || this.timeout() === 0)) {
      this.iterate();
    }
  }

  /** Advances by each amount in turn. */
  pump(timings: Iterable<number>): void {
    for (const amount of timings) this.advance(amount);
  }

  /**
   * Records the call and returns an already-fired Deferred of a
   * {@link FakePort} whose address is `IPv4Address('TCP', '0.0.0.0', port)`
   * (`IPv6Address('TCP', iface, port)` for an IPv6 interface); port 0 gets a
   * fake port number. Calls `factory.doStart()`.
   */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    options?: ListenTCPOptions,
  ): Deferred<FakePort<IPv4Address | IPv6Address>> {
    const backlog = options?.backlog ?? 50;
    const iface = options?.interface ?? '';
    this.tcpServers.push([port, factory, backlog, iface]);
    const actual = port === 0 ? this.#nextFakePort++ : port;
    const address: IPv4Address | IPv6Address = iface.includes(':')
      ? new IPv6Address('TCP', iface, actual)
      : new IPv4Address('TCP', '0.0.0.0', actual);
    return succeed(this.#listen(new FakePort(address, factory)));
  }

  /**
   * Records the call and returns a {@link FakeConnector} whose attempt has
   * started (`factory.doStart()`, `factory.startedConnecting`).
   */
  connectTCP(
    host: string,
    port: number,
    factory: IProtocolFactory & IClientFactoryCallbacks,
    options?: ConnectTCPOptions,
  ): FakeConnector {
    const timeout = options?.timeout ?? 30;
    const bindAddress = options?.bindAddress ?? null;
    const connector = new FakeConnector(ipAddress('TCP', host, port), factory, (c) => {
      this.tcpClients.push([host, port, factory, timeout, bindAddress]);
      this.connectors.push(c);
    });
    connector.connect();
    return connector;
  }

  /**
   * Records the call and returns an already-fired Deferred of a
   * {@link FakePort} at `UNIXAddress(path)`. Calls `factory.doStart()`.
   */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    options?: ListenUNIXOptions,
  ): Deferred<FakePort<UNIXAddress>> {
    this.unixServers.push([path, factory, options?.backlog ?? 50, options?.mode ?? 0o666]);
    return succeed(this.#listen(new FakePort(new UNIXAddress(path), factory)));
  }

  /**
   * Records the call and returns a {@link FakeConnector} to `UNIXAddress(path)`
   * whose attempt has started.
   */
  connectUNIX(
    path: string,
    factory: IProtocolFactory & IClientFactoryCallbacks,
    options?: ConnectUNIXOptions,
  ): FakeConnector {
    const timeout = options?.timeout ?? 30;
    const connector = new FakeConnector(new UNIXAddress(path), factory, (c) => {
      this.unixClients.push([path, factory, timeout]);
      this.connectors.push(c);
    });
    connector.connect();
    return connector;
  }

  /** Stops every port still listening (the reactor's during-shutdown trigger). */
  protected override disconnectAll(): void {
    for (const port of this.ports) {
      if (port.listening) void port.stopListening();
    }
  }

  #listen<P extends FakePort>(port: P): P {
    this.ports.push(port);
    port.factory.doStart();
    return port;
  }
}

/**
 * A {@link MemoryReactor} (the same class, named for tests that move time):
 * every `IReactor` method, with time that moves only through
 * {@link MemoryReactor.advance}, and recorded TCP and UNIX calls. Twisted's
 * `MemoryReactorClock`. For tests; not for implementation code.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactorClock();
 * const done = reactor.run();
 * reactor.callLater(5, () => reactor.stop());
 * reactor.advance(5); // the call runs, then shutdown completes
 * successResultOf(done);
 * ```
 */
export class MemoryReactorClock extends MemoryReactor {}
