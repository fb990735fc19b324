/**
 * `ReactorBase`: what every reactor shares — delayed calls in one heap,
 * system event triggers, and the run/stop lifecycle. Concrete reactors
 * (Node's, the memory reactor, reactors hosted by foreign loops) differ only
 * in how they wait: they implement {@link ReactorBase.seconds} and
 * {@link ReactorBase.scheduleWakeup}, and call {@link ReactorBase.iterate}
 * when woken.
 *
 * @module
 */
import { Deferred } from './defer.js';
import { DelayedCall, type DelayedCallOwner, NO_ARGS } from './delayed-call.js';
import { ReactorAlreadyRunning, ReactorNotRestartable, ReactorNotRunning } from './errors.js';
import type { IPv4Address, IPv6Address } from './address.js';
import type {
  IHostnameResolver,
  IReactorPluggableNameResolver,
  ResolveOptions,
} from './interfaces/resolver.js';
import { IPLiteralResolver, resolveToDeferred } from './resolver.js';
import type {
  IDelayedCall,
  IReactor,
  SystemEventPhase,
  SystemEventType,
  TriggerId,
} from './interfaces/reactor.js';
import { Logger } from './logger.js';
import { checkPhase, ThreePhaseEvent } from './system-event.js';
import { TimerQueue } from './timer-queue.js';

/** Where a reactor is in its life. */
type Lifecycle = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Shared reactor machinery. Subclasses supply the clock and the wait.
 *
 * ```
 *  new ──run()──► starting ──(startup during)──► running ──stop()──► stopping ──(shutdown done)──► stopped
 *                     └────────────── stop() ────────────────────────────┘
 * ```
 */
export abstract class ReactorBase
  implements IReactor, IReactorPluggableNameResolver, DelayedCallOwner
{
  /**
   * Longest wait, in seconds, for the Deferreds returned by before-shutdown
   * triggers; after it, shutdown continues (with a warning logged).
   */
  shutdownGracePeriod = 30;
  /** Where the reactor logs trigger and delayed-call errors. */
  protected readonly log: Logger = new Logger('weft.reactor');

  readonly #queue = new TimerQueue();
  #seq = 0;
  readonly #events = new Map<string, ThreePhaseEvent>();
  #state: Lifecycle = 'new';
  #justStopped = false;
  #whenShutdown = new Deferred<void>();
  #running = false;
  #nameResolver: IHostnameResolver | null = null;

  constructor() {
    this.addSystemEventTrigger('during', 'startup', () => {
      this.#reallyStartRunning();
    });
    this.addSystemEventTrigger('during', 'shutdown', () => {
      this.#running = false;
      this.disconnectAll();
    });
  }

  /** Whether the reactor has started and not yet stopped. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether `stop()` would be accepted now: started and not yet stopping. */
  protected get stoppable(): boolean {
    return this.#state === 'starting' || this.#state === 'running';
  }

  /** Whether shutdown has completed: delayed calls no longer run. */
  protected get shutDown(): boolean {
    return this.#state === 'stopped';
  }

  // ----- time ---------------------------------------------------------------

  /** The current time in seconds (a float), monotonic. */
  abstract seconds(): number;

  /**
   * Asks the host to call {@link ReactorBase.iterate} after `delaySeconds`
   * (0: as soon as pending I/O has had its turn), or to stop waiting when
   * `null`. Called whenever the soonest deadline may have changed; waking
   * early is harmless, waking late is not.
   */
  protected abstract scheduleWakeup(delaySeconds: number | null): void;

  /**
   * Calls `fn(...args)` once, `delaySeconds` from now.
   *
   * @throws {RangeError} if `delaySeconds` is negative or not a number.
   */
  callLater<A extends unknown[]>(
    delaySeconds: number,
    fn: (...args: A) => unknown,
    ..._args: A
  ): IDelayedCall {
    if (!(delaySeconds >= 0)) {
      throw new RangeError(`callLater delay must be >= 0 seconds, got ${String(delaySeconds)}`);
    }
    // The extra arguments are read through `arguments` so that the common call without any
    // allocates no array: V8 drops a rest parameter that is never read.
    const args: unknown[] =
      // eslint-disable-next-line prefer-rest-params
      arguments.length > 2 ? Array.prototype.slice.call(arguments, 2) : NO_ARGS;
    const call = new DelayedCall(this, this.seconds() + delaySeconds, this.#seq++, fn, args);
    this.#queue.push(call, delaySeconds);
    // Only a call that starts its delay's list can be the soonest.
    if (call.prev === null && this.#queue.peek() === call) this.#rearm();
    return call;
  }

  /** Every pending delayed call (in no particular order). */
  getDelayedCalls(): readonly IDelayedCall[] {
    return this.#queue.toArray();
  }

  /** Seconds until the soonest delayed call is due (0 if overdue), or null if none. */
  timeout(): number | null {
    const top = this.#queue.peek();
    if (top === undefined) return null;
    return Math.max(0, top.time - this.seconds());
  }

  /** @internal */
  cancelled(call: DelayedCall): void {
    // Only the head of its delay list can be the soonest call.
    const wasTop = call.prev === null && this.#queue.peek() === call;
    this.#queue.remove(call);
    if (wasTop) this.#rearm();
  }

  /** @internal */
  rescheduled(call: DelayedCall): void {
    this.#queue.update(call, call.time - this.seconds());
    this.#rearm();
  }

  #rearm(): void {
    if (this.#state === 'stopped') return;
    this.scheduleWakeup(this.#justStopped ? 0 : this.timeout());
  }

  /**
   * Runs every delayed call that was due when it started and was scheduled
   * before it started: a call scheduled meanwhile, even with delay 0, waits
   * for the next iteration, so `callLater(0)` loops cannot starve I/O.
   * Errors thrown by calls are logged.
   */
  runUntilCurrent(): void {
    const now = this.seconds();
    const limit = this.#seq;
    const queue = this.#queue;
    for (let top = queue.popDue(now, limit); top !== undefined; top = queue.popDue(now, limit)) {
      try {
        top.run();
      } catch (e) {
        this.log.failure('Unhandled error in delayed call', e);
      }
    }
  }

  /**
   * One iteration, for hosts: runs due calls, then the shutdown event if
   * `stop()` was called, then re-arms the wakeup.
   */
  iterate(): void {
    if (this.#state === 'stopped') return;
    this.runUntilCurrent();
    if (this.#justStopped) {
      this.#justStopped = false;
      this.#shutdown();
    }
    this.#rearm();
  }

  // ----- lifecycle ----------------------------------------------------------

  /**
   * Fires startup and marks the reactor running; the returned Deferred fires
   * once shutdown has completed.
   *
   * @throws {ReactorAlreadyRunning} if already started.
   * @throws {ReactorNotRestartable} once stopped.
   */
  run(): Deferred<void> {
    if (this.#state === 'starting' || this.#state === 'running') throw new ReactorAlreadyRunning();
    if (this.#state !== 'new') throw new ReactorNotRestartable();
    this.#state = 'starting';
    this.startHost();
    this.fireSystemEvent('startup');
    return this.#whenShutdown;
  }

  #reallyStartRunning(): void {
    if (this.#state !== 'starting') return; // stop() came first
    this.#state = 'running';
    this.#running = true;
  }

  /**
   * Stops the reactor at the end of the current iteration.
   *
   * @throws {ReactorNotRunning} if not started, or already stopping.
   */
  stop(): void {
    if (this.#state !== 'starting' && this.#state !== 'running') throw new ReactorNotRunning();
    this.#state = 'stopping';
    this.#justStopped = true;
    this.scheduleWakeup(0);
  }

  #shutdown(): void {
    const event = this.#event('shutdown');
    event.fire({ seconds: this.shutdownGracePeriod, clock: this }).addCallback(() => {
      this.#finish();
    });
  }

  #finish(): void {
    // Once only: crash() may have finished while shutdown was still waiting on before-triggers.
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#running = false;
    this.scheduleWakeup(null);
    this.stopHost();
    this.#whenShutdown.callback(undefined);
  }

  /** Stops at once: no shutdown triggers run; `run()`'s Deferred fires. */
  crash(): void {
    if (this.#state === 'new' || this.#state === 'stopped') return;
    this.#justStopped = false;
    this.#finish();
  }

  /**
   * Called by the during-shutdown trigger: close every connection the
   * reactor owns. Nothing to close in the base.
   */
  protected disconnectAll(): void {
    // Reactors with transports override this.
  }

  /** Called by `run()` before the startup event: e.g. install signal handlers. */
  protected startHost(): void {
    // Hosts override this.
  }

  /** Called once shutdown has completed: release everything that keeps the host alive. */
  protected stopHost(): void {
    // Hosts override this.
  }

  /**
   * The resolver the reactor starts with, made on first use. This one knows
   * only IP literals; the Node reactor's looks names up with `getaddrinfo`.
   */
  protected createNameResolver(): IHostnameResolver {
    return new IPLiteralResolver();
  }

  /** The name resolver in use (see `IReactorPluggableNameResolver`). */
  get nameResolver(): IHostnameResolver {
    this.#nameResolver ??= this.createNameResolver();
    return this.#nameResolver;
  }

  /** Makes `resolver` the one `connectTCP` and `HostnameEndpoint` use; returns the previous one. */
  installNameResolver(resolver: IHostnameResolver): IHostnameResolver {
    const previous = this.nameResolver;
    this.#nameResolver = resolver;
    return previous;
  }

  /**
   * Every address of `name`, through {@link ReactorBase.nameResolver}; see
   * `IReactorPluggableNameResolver.resolve`. The `timeout` runs on this
   * reactor's clock.
   *
   * @example
   * ```ts
   * import { reactor } from 'weft';
   * const addresses = await reactor.resolve('localhost', { timeout: 5 });
   * console.log(addresses.map((a) => a.host));
   * ```
   */
  resolve(name: string, options?: ResolveOptions): Deferred<(IPv4Address | IPv6Address)[]> {
    return resolveToDeferred(this.nameResolver, this, name, options);
  }

  #event(name: string): ThreePhaseEvent {
    let event = this.#events.get(name);
    if (event === undefined) {
      event = new ThreePhaseEvent(name, this.log);
      this.#events.set(name, event);
    }
    return event;
  }

  /** Calls `fn(...args)` now if running, else once startup's during phase is over. */
  callWhenRunning<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): TriggerId | null {
    if (this.#running) {
      try {
        fn(...args);
      } catch (e) {
        this.log.failure('Error in callWhenRunning function', e);
      }
      return null;
    }
    return this.addSystemEventTrigger('after', 'startup', fn, ...args);
  }

  /** Registers `fn(...args)` for `phase` of `event`; see `IReactorCore`. */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEventType,
    fn: (...args: A) => unknown,
    ...args: A
  ): TriggerId {
    checkPhase(phase);
    return this.#event(event).add(phase, fn, args);
  }

  /** Removes a registered trigger. @throws {RangeError} if it is not registered. */
  removeSystemEventTrigger(id: TriggerId): void {
    const event = this.#events.get(id.event);
    if (event === undefined) throw new RangeError(`No triggers registered for ${id.event}`);
    event.remove(id);
  }

  /** Fires `event`'s triggers, before, during then after. */
  fireSystemEvent(event: SystemEventType): void {
    if (event === 'shutdown' && this.#state === 'stopping') {
      this.#justStopped = false;
      this.#shutdown();
      return;
    }
    this.#event(event).fire();
  }
}
