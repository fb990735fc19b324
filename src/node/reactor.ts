/**
 * `NodeReactor`: the reactor on Node's own event loop (libuv).
 *
 * weft does not run a loop of its own: Node's loop is the loop. The reactor
 * keeps its delayed calls in one heap and arms a single host timer for the
 * soonest one (as Twisted's asyncio reactor does), so a million pending
 * `callLater`s cost one libuv timer.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Deferred } from '../core/defer.js';
import { installReactor } from '../core/global-reactor.js';
import type { IProtocolFactory } from '../core/interfaces/protocol.js';
import type {
  ConnectTCPOptions,
  ConnectUNIXOptions,
  IReactorTCP,
  IReactorUNIX,
  ListenTCPOptions,
  ListenUNIXOptions,
} from '../core/interfaces/reactor.js';
import type { ClientTLSOptions, IReactorSSL, ServerTLSOptions } from '../core/interfaces/tls.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import type {
  IProcessProtocol,
  IReactorProcess,
  SpawnProcessOptions,
} from '../core/interfaces/process.js';
import type { IHostnameResolver } from '../core/interfaces/resolver.js';
import type {
  IDatagramProtocol,
  IReactorMulticast,
  IReactorUDP,
  ListenMulticastOptions,
  ListenUDPOptions,
} from '../core/interfaces/udp.js';
import type { IReactorThreads } from '../core/interfaces/threads.js';
import { ReactorBase } from '../core/reactor-base.js';
import { Process } from './process.js';
import { NodeResolver } from './resolver.js';
import type { Selectable, SocketContext } from './stream-transport.js';
import { listenTCP, TCPConnector } from './tcp.js';
import { listenSSL, TLSConnector } from './tls.js';
import { listenUNIX, UNIXConnector } from './unix.js';
import { listenMulticast, type MulticastPort } from './multicast.js';
import { listenUDP, type UDPPort } from './udp.js';
import { WorkerPool } from './worker-pool.js';

/** Longest single host wait Node allows (2^31-1 ms); longer waits re-arm on waking. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function noop(): void {
  // Holds the event loop open while the reactor runs.
}

/** Options of {@link NodeReactor.run}. */
export interface RunOptions {
  /**
   * Install SIGINT and SIGTERM handlers that call `stop()` (removed again at
   * shutdown). Default true.
   */
  readonly installSignalHandlers?: boolean;
}

/**
 * The reactor on Node's event loop.
 *
 * Delayed calls run whenever Node's loop runs — `run()` is not needed for
 * time to pass. `run()` is the lifecycle: it fires the startup triggers,
 * installs SIGINT/SIGTERM handlers that call `stop()`, keeps the process
 * alive (as Twisted's blocking `run()` does) and returns a Deferred that fires
 * once shutdown has finished, after which nothing the reactor owns keeps the
 * process alive.
 *
 * @example
 * ```ts
 * import { reactor } from 'weft';
 * reactor.callLater(1.5, () => console.log('a second and a half later'));
 * ```
 */
export class NodeReactor
  extends ReactorBase
  implements
    IReactorTCP,
    IReactorUNIX,
    IReactorSSL,
    IReactorProcess,
    IReactorUDP,
    IReactorMulticast,
    IReactorThreads
{
  /** Every open connection, port and connection attempt, closed by `disconnectAll` at shutdown. */
  readonly #sockets: SocketContext = { reactor: this, selectables: new Set<Selectable>() };
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  /** Host time (ms, `performance.now()`) the armed timer is due at. */
  #armedAt = Infinity;
  #signalHandler: (() => void) | null = null;
  #keepAlive: NodeJS.Timeout | null = null;
  #installSignals = true;
  #threadPool: WorkerPool | null = null;
  /** `callFromThread` calls waiting for the next iteration, FIFO. */
  #threadCalls: (() => void)[] = [];
  #threadCallsArmed = false;

  readonly #wake = (): void => {
    this.#timer = null;
    this.#immediate = null;
    this.#armedAt = Infinity;
    this.iterate();
  };

  /** Monotonic seconds since the process started (`performance.now() / 1000`). */
  seconds(): number {
    return performance.now() / 1000;
  }

  /**
   * Fires startup, marks the reactor running, and returns a Deferred that
   * fires once shutdown is complete.
   */
  override run(options?: RunOptions): Deferred<void> {
    this.#installSignals = options?.installSignalHandlers ?? true;
    return super.run();
  }

  protected scheduleWakeup(delaySeconds: number | null): void {
    if (delaySeconds === null) {
      this.#disarm();
      return;
    }
    if (delaySeconds <= 0) {
      // Due now: run after pending I/O callbacks (the check phase), never before them.
      if (this.#immediate !== null) return;
      this.#clearTimer();
      this.#immediate = setImmediate(this.#wake);
      return;
    }
    if (this.#immediate !== null) return; // waking at once anyway
    const dueAt = performance.now() + delaySeconds * 1000;
    if (this.#timer !== null && this.#armedAt <= dueAt) return; // an earlier wakeup re-arms
    this.#clearTimer();
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(delaySeconds * 1000)));
    this.#armedAt = performance.now() + ms;
    this.#timer = setTimeout(this.#wake, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#armedAt = Infinity;
    }
  }

  #disarm(): void {
    this.#clearTimer();
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
  }

  /** The Node reactor's resolver: a {@link NodeResolver} (`dns.lookup`) on this reactor's clock. */
  protected override createNameResolver(): IHostnameResolver {
    return new NodeResolver(this);
  }

  // ----- TCP and UNIX sockets

  /**
   * Listens on TCP `port` (0: any free port) with `factory` building a
   * protocol per connection. `interface` `''` (the default) is every IPv4
   * interface; an IPv6 literal (`'::1'`, `'::'`) makes an IPv6 port. The
   * Deferred fires with the port once listening (after `factory.doStart()`),
   * or fails with `CannotListenError` carrying the platform code.
   *
   * @example
   * ```ts
   * class Echo extends Protocol {
   *   override dataReceived(data: Uint8Array): void {
   *     this.transport.write(data);
   *   }
   * }
   * const port = await reactor.listenTCP(0, Factory.forProtocol(Echo), { interface: '127.0.0.1' });
   * console.log(port.getHost().toString());
   * ```
   */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    options?: ListenTCPOptions,
  ): Deferred<IListeningPort> {
    return listenTCP(this.#sockets, port, factory, options);
  }

  /**
   * Connects to `host` (an IP literal, or a name resolved asynchronously by
   * {@link NodeReactor.nameResolver}, first address only) at `port`, reporting to `factory` as a `ClientFactory` (see
   * {@link TCPConnector}). The attempt fails with `ConnectingTimeoutError`
   * after `timeout` seconds (default 30) on this reactor's clock.
   */
  connectTCP(
    host: string,
    port: number,
    factory: IProtocolFactory,
    options?: ConnectTCPOptions,
  ): TCPConnector {
    const connector = new TCPConnector(this.#sockets, host, port, factory, options, this);
    connector.connect();
    return connector;
  }

  /** Listens on the UNIX socket at `path`; as {@link NodeReactor.listenTCP}, with the file's `mode`. */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    options?: ListenUNIXOptions,
  ): Deferred<IListeningPort> {
    return listenUNIX(this.#sockets, path, factory, options);
  }

  /** Connects to the UNIX socket at `path`; as {@link NodeReactor.connectTCP}. */
  connectUNIX(
    path: string,
    factory: IProtocolFactory,
    options?: ConnectUNIXOptions,
  ): UNIXConnector {
    const connector = new UNIXConnector(this.#sockets, path, factory, options);
    connector.connect();
    return connector;
  }

  // ----- UDP

  /**
   * Binds UDP `port` (0: any free port) and serves `protocol` on it (see
   * {@link UDPPort}). `interface` `''` (the default) is every IPv4
   * interface; an IPv6 literal makes an IPv6 port. The Deferred fires with
   * the port after `protocol.makeConnection(port)`, or fails with
   * `CannotListenError` carrying the platform code.
   *
   * @example
   * ```ts
   * class Echo extends DatagramProtocol {
   *   override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
   *     this.transport?.write(data, addr);
   *   }
   * }
   * const port = await reactor.listenUDP(0, new Echo(), { interface: '127.0.0.1' });
   * ```
   */
  listenUDP(
    port: number,
    protocol: IDatagramProtocol,
    options?: ListenUDPOptions,
  ): Deferred<UDPPort> {
    return listenUDP(this.#sockets, port, protocol, options);
  }

  /** As {@link NodeReactor.listenUDP}, with multicast controls (see {@link MulticastPort}). */
  listenMulticast(
    port: number,
    protocol: IDatagramProtocol,
    options?: ListenMulticastOptions,
  ): Deferred<MulticastPort> {
    return listenMulticast(this.#sockets, port, protocol, options);
  }

  // ----- worker threads

  /**
   * This reactor's default {@link WorkerPool} (Twisted's `getThreadPool`),
   * made on first use with `min` 0 and `max` `os.availableParallelism()`.
   * Shutdown waits for its work in flight (a before-shutdown trigger stops
   * it); until then idle workers never keep the process alive.
   */
  getThreadPool(): WorkerPool {
    this.#threadPool ??= new WorkerPool({ reactor: this });
    return this.#threadPool;
  }

  /** Sets the default pool's `max` to `size` (Twisted's `suggestThreadPoolSize`). */
  suggestThreadPoolSize(size: number): void {
    const pool = this.getThreadPool();
    pool.adjustPoolsize(Math.min(pool.min, size), size);
  }

  /**
   * Runs `exportName` of `module` with `args` in this reactor's pool: a
   * Deferred of the result; see `WorkerPool.deferToWorker` for the rules
   * and errors.
   */
  deferToWorker<R = unknown>(
    module: string | URL,
    exportName: string,
    ...args: unknown[]
  ): Deferred<R> {
    return this.getThreadPool().deferToWorker<R>(module, exportName, ...args);
  }

  /**
   * Runs `exportName` of `module` with `args` in this reactor's pool and
   * drops the result (Twisted's `callInThread`); a failure is logged.
   */
  callInThread(module: string | URL, exportName: string, ...args: unknown[]): void {
    this.deferToWorker(module, exportName, ...args).addErrback((failure) => {
      this.log.failure('Unhandled error in callInThread({exportName})', failure, { exportName });
    });
  }

  /**
   * Runs `fn(...args)` at the reactor's next turn, after every call queued
   * before it (Twisted's `callFromThread`): from a signal handler, a promise
   * continuation or a foreign callback, never inside the caller. Code in a
   * worker uses the worker-side `callFromThread(name, ...args)` instead.
   */
  callFromThread<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    this.#threadCalls.push(() => fn(...args));
    if (this.#threadCallsArmed) return;
    this.#threadCallsArmed = true;
    setImmediate(() => {
      this.#threadCallsArmed = false;
      // Only the calls queued before this turn run now (as Twisted's threadCallQueue).
      const calls = this.#threadCalls;
      this.#threadCalls = [];
      for (const call of calls) {
        try {
          call();
        } catch (e) {
          this.log.failure('Unhandled error in callFromThread', e);
        }
      }
    });
  }

  /**
   * Starts `executable` with `args` (starting with its `argv[0]`) connected
   * to `processProtocol`; see docs/processes.md. Omitted `env` means an
   * empty environment (`env: null`: this process's). Never throws for a
   * child that cannot start: the protocol gets `ProcessSpawnError`.
   */
  spawnProcess(
    processProtocol: IProcessProtocol,
    executable: string,
    args: readonly string[] = [],
    options: SpawnProcessOptions = {},
  ): Process {
    return new Process(this.#sockets, processProtocol, executable, args, options);
  }

  /**
   * Listens on TCP `port` with TLS (see docs/tls.md): as
   * {@link NodeReactor.listenTCP}, each connection speaking TLS as the
   * server with `tlsOptions`' certificate. Fails with `TLSOptionsError` when
   * a certificate or key cannot be read or used.
   */
  listenSSL(
    port: number,
    factory: IProtocolFactory,
    tlsOptions: ServerTLSOptions,
    options?: ListenTCPOptions,
  ): Deferred<IListeningPort> {
    return listenSSL(this.#sockets, port, factory, tlsOptions, options);
  }

  /**
   * Connects to `host` at `port` with TLS (see docs/tls.md): as
   * {@link NodeReactor.connectTCP}; the server's certificate is verified
   * for `tlsOptions.hostname ?? host` unless `tlsOptions.verify` is `false`.
   */
  connectSSL(
    host: string,
    port: number,
    factory: IProtocolFactory,
    tlsOptions: ClientTLSOptions,
    options?: ConnectTCPOptions,
  ): TLSConnector {
    const connector = new TLSConnector(
      this.#sockets,
      host,
      port,
      factory,
      tlsOptions,
      options,
      this,
    );
    connector.connect();
    return connector;
  }

  /**
   * At shutdown, as Twisted's `disconnectAll`: every open connection gets
   * `connectionLost(ConnectionLost)`, every listening port stops (its
   * factory's `doStop()` runs), every connection attempt fails; all before
   * this returns.
   */
  protected override disconnectAll(): void {
    const open = [...this.#sockets.selectables];
    this.#sockets.selectables.clear();
    for (const selectable of open) {
      try {
        selectable.closeAtShutdown();
      } catch (e) {
        this.log.failure('Error closing {selectable} at shutdown', e, {
          selectable: selectable.constructor.name,
        });
      }
    }
  }

  protected override startHost(): void {
    // Like Twisted's run(), a running reactor keeps the process alive until
    // stopped, even with nothing scheduled; shutdown releases it.
    this.#keepAlive = setInterval(noop, MAX_TIMER_MS);
    if (!this.#installSignals) return;
    const handler = (): void => {
      // A second signal while stopping is ignored: shutdown is already under way.
      if (this.stoppable) this.stop();
    };
    this.#signalHandler = handler;
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }

  protected override stopHost(): void {
    this.#disarm();
    if (this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
    const handler = this.#signalHandler;
    if (handler !== null) {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
      this.#signalHandler = null;
    }
  }
}

/**
 * The default reactor: the one `weft`'s functions use when none is given, and
 * the global reactor (see `installReactor`) once `weft` is imported.
 * Creating it arms nothing; it costs nothing until used.
 */
export const reactor: NodeReactor = new NodeReactor();
installReactor(reactor);
