/**
 * Reactor interfaces: time, lifecycle, TCP and UNIX sockets.
 *
 * @module
 */
import type { Deferred } from '../defer.js';
import type { IProtocolFactory } from './protocol.js';
import type { IConnector, IListeningPort } from './transport.js';

/**
 * A call scheduled by {@link IReactorTime.callLater}.
 *
 * `cancel`, `delay` and `reset` throw `AlreadyCalledError` once the call has
 * run and `AlreadyCancelledError` once it was cancelled.
 */
export interface IDelayedCall {
  /** When the call is due, in the reactor's seconds (see {@link IReactorTime.seconds}). */
  getTime(): number;
  /** Cancels the call; it will not run. */
  cancel(): void;
  /** Postpones the call by `secondsLater` from its current due time. */
  delay(secondsLater: number): void;
  /** Reschedules the call to run `secondsFromNow` seconds from now. */
  reset(secondsFromNow: number): void;
  /** Whether the call has neither run nor been cancelled. */
  active(): boolean;
  /** Cancels the call if still active (for `using`). */
  [Symbol.dispose](): void;
}

/**
 * Time as a reactor keeps it: a monotonic clock in seconds, and calls
 * scheduled on it. Everything in weft that waits takes one, so tests can pass
 * a `Clock` instead.
 */
export interface IReactorTime {
  /** The current time in seconds (a float), monotonic. */
  seconds(): number;
  /**
   * Calls `fn(...args)` once, `delaySeconds` from now. A call that throws is
   * logged; it never stops the reactor.
   */
  callLater<A extends unknown[]>(
    delaySeconds: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): IDelayedCall;
  /** Every call that is still scheduled. */
  getDelayedCalls(): readonly IDelayedCall[];
}

/** When a system event trigger runs relative to the event: before, during or after it. */
export type SystemEventPhase = 'before' | 'during' | 'after';

/**
 * A system event: `'startup'` and `'shutdown'` are fired by the reactor
 * itself; any other name can be fired with `fireSystemEvent`.
 */
export type SystemEventType = 'startup' | 'shutdown' | (string & {});

/** Identifies a registered trigger, for {@link IReactorCore.removeSystemEventTrigger}. */
export interface TriggerId {
  /** The event the trigger is registered for. */
  readonly event: SystemEventType;
  /** The phase it runs in. */
  readonly phase: SystemEventPhase;
}

/**
 * The reactor's lifecycle: running, stopping, and the triggers that run
 * around its startup and shutdown (Twisted's `IReactorCore`).
 *
 * Order: `startup` before-triggers (with `running` still false; any Deferreds
 * they return are waited for), then during-triggers (the reactor's own sets
 * `running`), then after-triggers (where `callWhenRunning` calls go).
 * `shutdown` runs the same three phases: before-triggers may return Deferreds
 * that delay the rest; `running` becomes false during it.
 */
export interface IReactorCore {
  /** Whether the reactor has started and not yet stopped. */
  readonly running: boolean;
  /**
   * Fires the startup event and marks the reactor running. The returned
   * Deferred fires once shutdown has completed.
   *
   * @throws {ReactorAlreadyRunning} if already started.
   * @throws {ReactorNotRestartable} if it has already been stopped.
   */
  run(): Deferred<void>;
  /**
   * Stops the reactor: the shutdown event fires at the end of the current
   * iteration (never re-entrantly inside the caller).
   *
   * @throws {ReactorNotRunning} if it is not running (or already stopping).
   */
  stop(): void;
  /** Stops at once, without firing shutdown triggers. For emergencies and tests. */
  crash(): void;
  /**
   * Calls `fn(...args)` once the reactor is running: now if it already is,
   * else as an after-startup trigger (whose id is returned).
   */
  callWhenRunning<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): TriggerId | null;
  /**
   * Registers `fn(...args)` to run in `phase` of `event`. A before-trigger
   * may return a Deferred or promise; the during phase waits for it. Errors
   * thrown by triggers are logged, never propagated.
   */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEventType,
    fn: (...args: A) => unknown,
    ...args: A
  ): TriggerId;
  /**
   * Removes a trigger registered by {@link IReactorCore.addSystemEventTrigger}.
   *
   * @throws {RangeError} if it is not registered (or already ran).
   */
  removeSystemEventTrigger(id: TriggerId): void;
  /** Fires `event`: its before, during and after triggers, in that order. */
  fireSystemEvent(event: SystemEventType): void;
}

/** A reactor's time and lifecycle together: what `LoopingCall`, `react` and protocols rely on. */
export interface IReactor extends IReactorTime, IReactorCore {}

/** Options of {@link IReactorTCP.listenTCP}. */
export interface ListenTCPOptions {
  /** Length of the accept queue. Default 50. */
  readonly backlog?: number;
  /**
   * The address to bind: `''` (the default) for every IPv4 interface, an
   * IPv4 or IPv6 literal (`'127.0.0.1'`, `'::1'`, `'::'`) otherwise.
   */
  readonly interface?: string;
}

/** Options of {@link IReactorTCP.connectTCP}. */
export interface ConnectTCPOptions {
  /** Seconds to wait for the connection before failing with a timeout. Default 30. */
  readonly timeout?: number;
  /** Local `[host, port]` to bind before connecting. */
  readonly bindAddress?: readonly [host: string, port: number];
}

/** TCP on a reactor. */
export interface IReactorTCP {
  /**
   * Listens on `port` (0: any free port) and builds a protocol from `factory`
   * for each connection. The Deferred fires once listening, or fails with
   * `CannotListenError` carrying the platform code (`EADDRINUSE`, ...).
   */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    options?: ListenTCPOptions,
  ): Deferred<IListeningPort>;
  /**
   * Connects to `host` (a name, resolved asynchronously, or an IP literal)
   * at `port`. Progress is reported to `factory` (`startedConnecting`,
   * `clientConnectionFailed`, `clientConnectionLost` when it has them).
   */
  connectTCP(
    host: string,
    port: number,
    factory: IProtocolFactory,
    options?: ConnectTCPOptions,
  ): IConnector;
}

/** Options of {@link IReactorUNIX.listenUNIX}. */
export interface ListenUNIXOptions {
  /** Length of the accept queue. Default 50. */
  readonly backlog?: number;
  /** File mode of the socket, e.g. `0o660`. Default `0o666`. */
  readonly mode?: number;
}

/** Options of {@link IReactorUNIX.connectUNIX}. */
export interface ConnectUNIXOptions {
  /** Seconds to wait before failing with a timeout. Default 30. */
  readonly timeout?: number;
}

/** UNIX-domain stream sockets on a reactor. */
export interface IReactorUNIX {
  /** Listens on the socket at `path`; as {@link IReactorTCP.listenTCP}. */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    options?: ListenUNIXOptions,
  ): Deferred<IListeningPort>;
  /** Connects to the socket at `path`; as {@link IReactorTCP.connectTCP}. */
  connectUNIX(path: string, factory: IProtocolFactory, options?: ConnectUNIXOptions): IConnector;
}
