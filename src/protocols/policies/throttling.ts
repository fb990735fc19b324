/**
 * `ThrottlingFactory` and `ThrottlingProtocol`: limits on the number of
 * connections and on the bytes read and written per second, shared by every
 * connection of one factory.
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import type { Failure } from '../../core/failure.js';
import { getGlobalReactor } from '../../core/global-reactor.js';
import type { IPullProducer, IPushProducer } from '../../core/interfaces/producer.js';
import type { IProtocol } from '../../core/interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from '../../core/interfaces/reactor.js';
import { Logger } from '../../core/logger.js';
import { ConnectionLimitError } from './errors.js';
import { ThrottledProducer } from './throttled-producer.js';
import { ProtocolWrapper, WrappingFactory, type WrappableFactory } from './wrapper.js';

const log = new Logger('weft.protocols.policies');
const encoder = new TextEncoder();

function asBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/**
 * The wrapper {@link ThrottlingFactory} puts around each protocol: it counts
 * the bytes going each way and pauses reading or writing when told to.
 *
 * Read throttling pauses the real transport. It is kept apart from the
 * wrapped protocol's own `pauseProducing()`/`resumeProducing()` calls: the
 * transport reads again only once neither the protocol nor the throttle
 * holds it paused (Twisted lets either side undo the other's pause).
 *
 * Write throttling pauses the producer registered through this wrapper
 * (see `ThrottledProducer`); bytes written without a producer are counted
 * but cannot be held back, as in Twisted.
 */
export class ThrottlingProtocol extends ProtocolWrapper {
  /** The producer registered by the wrapped protocol, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;

  readonly #throttling: ThrottlingFactory;
  #gate: ThrottledProducer | null = null;
  #pausedByProtocol = false;
  #readsThrottled = false;
  #writesThrottled = false;
  #lost = false;

  constructor(factory: ThrottlingFactory, wrappedProtocol: IProtocol) {
    super(factory, wrappedProtocol);
    this.#throttling = factory;
  }

  /** Whether reads are throttled on this connection. */
  get readsThrottled(): boolean {
    return this.#readsThrottled;
  }

  /** Whether writes are throttled on this connection. */
  get writesThrottled(): boolean {
    return this.#writesThrottled;
  }

  /** Counts `data` against the write limit, then writes it. */
  override write(data: Uint8Array | string): void {
    const bytes = asBytes(data);
    this.#throttling.registerWritten(bytes.byteLength);
    super.write(bytes);
  }

  /** Counts every element against the write limit, then writes them. */
  override writeSequence(data: Iterable<Uint8Array | string>): void {
    const chunks = Array.from(data, asBytes);
    let total = 0;
    for (const chunk of chunks) total += chunk.byteLength;
    this.#throttling.registerWritten(total);
    super.writeSequence(chunks);
  }

  /** Counts `data` against the read limit, then delivers it. */
  override dataReceived(data: Uint8Array): void {
    this.#throttling.registerRead(data.byteLength);
    super.dataReceived(data);
  }

  /** Marks the connection gone (throttling no longer touches it), then passes it on. */
  override connectionLost(reason: Failure): void {
    this.#lost = true;
    super.connectionLost(reason);
  }

  /**
   * Registers `producer` with the real transport behind a
   * `ThrottledProducer`, throttled at once if writes are.
   */
  override registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    const gate = new ThrottledProducer(producer, streaming);
    if (this.#writesThrottled) gate.throttle();
    super.registerProducer(gate, streaming);
    this.producer = producer;
    this.#gate = gate;
  }

  /** Unregisters the producer. */
  override unregisterProducer(): void {
    super.unregisterProducer();
    this.producer = null;
    this.#gate = null;
  }

  /** The wrapped protocol stops reading; the transport stays paused until it resumes. */
  override pauseProducing(): void {
    this.#pausedByProtocol = true;
    if (!this.#readsThrottled) super.pauseProducing();
  }

  /** The wrapped protocol resumes reading; the transport stays paused while reads are throttled. */
  override resumeProducing(): void {
    this.#pausedByProtocol = false;
    if (!this.#readsThrottled) super.resumeProducing();
  }

  /** Stops reading (pauses the real transport), unless the connection is closing. */
  throttleReads(): void {
    if (this.#readsThrottled) return;
    this.#readsThrottled = true;
    // A closing transport reads nothing more anyway (and a StringTransport would object).
    if (!this.#pausedByProtocol && this.#live()) this.transport.pauseProducing();
  }

  /** Reads again, unless the wrapped protocol has paused reading itself. */
  unthrottleReads(): void {
    if (!this.#readsThrottled) return;
    this.#readsThrottled = false;
    if (!this.#pausedByProtocol && this.#live()) this.transport.resumeProducing();
  }

  /** Pauses the registered producer (and any registered later). */
  throttleWrites(): void {
    this.#writesThrottled = true;
    this.#gate?.throttle();
  }

  /** Lets the registered producer produce again, unless the transport's buffer is full. */
  unthrottleWrites(): void {
    this.#writesThrottled = false;
    this.#gate?.unthrottle();
  }

  #live(): boolean {
    return this.connected && !this.#lost && !this.disconnecting;
  }
}

/** Options of {@link ThrottlingFactory}. */
export interface ThrottlingFactoryOptions {
  /** How many connections may be open at once; more are refused. Default: no limit. */
  readonly maxConnectionCount?: number;
  /** Bytes per second that may be read, over all connections. Default `null`: no limit. */
  readonly readLimit?: number | null;
  /** Bytes per second that may be written, over all connections. Default `null`: no limit. */
  readonly writeLimit?: number | null;
  /** The clock the per-second checks run on. Default: the global reactor, looked up when first needed. */
  readonly reactor?: IReactorTime;
}

function checkLimit(name: string, value: number | null): number | null {
  if (value !== null && !(value > 0)) {
    throw new RangeError(
      `${name} must be a positive number of bytes per second, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Throttles the bandwidth and number of connections of a wrapped factory
 * (Twisted's `ThrottlingFactory`).
 *
 * - Connections beyond `maxConnectionCount` are refused: `buildProtocol`
 *   returns `null` (the port closes the connection at once) after passing a
 *   {@link ConnectionLimitError} to {@link ThrottlingFactory.limitReached}.
 * - Bandwidth is checked once a second, as Twisted does, while at least one
 *   connection is open: when the bytes read in the last second exceed
 *   `readLimit`, every connection stops reading for
 *   `read / readLimit - 1` seconds, so the average over the second and the
 *   pause is `readLimit`. Writes likewise against `writeLimit`, by pausing
 *   registered producers. The limit is an average: within one second any
 *   amount may pass; over longer spans the rate converges on the limit.
 *
 * @example
 * ```ts
 * import { Clock } from 'weft/testing';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const clock = new Clock(); // in a program: leave `reactor` out for the global reactor
 * const throttled = new ThrottlingFactory(Factory.forProtocol(Echo), {
 *   maxConnectionCount: 100,
 *   readLimit: 64 * 1024, // bytes per second, all connections together
 *   reactor: clock,
 * });
 * ```
 */
export class ThrottlingFactory extends WrappingFactory<ThrottlingProtocol> {
  /** How many wrappers have been built and not yet lost. */
  connectionCount = 0;
  /** How many connections may be open at once. */
  maxConnectionCount: number;
  /** Bytes per second that may be read, or `null`. Read at each check, so it may be changed. */
  readLimit: number | null;
  /** Bytes per second that may be written, or `null`. Read at each check, so it may be changed. */
  writeLimit: number | null;
  /** Bytes read since the last check. */
  readThisSecond = 0;
  /** Bytes written since the last check. */
  writtenThisSecond = 0;

  #reactor: IReactorTime | undefined;
  #checkReadsCall: IDelayedCall | null = null;
  #unthrottleReadsCall: IDelayedCall | null = null;
  #checkWritesCall: IDelayedCall | null = null;
  #unthrottleWritesCall: IDelayedCall | null = null;
  #readsThrottled = false;
  #writesThrottled = false;

  /**
   * @param wrappedFactory - the factory whose protocols to throttle.
   * @throws {RangeError} if a limit is not a positive number.
   */
  constructor(wrappedFactory: WrappableFactory, options: ThrottlingFactoryOptions = {}) {
    super(wrappedFactory);
    this.maxConnectionCount = options.maxConnectionCount ?? Infinity;
    if (!(this.maxConnectionCount >= 0)) {
      throw new RangeError(
        `maxConnectionCount must be >= 0, got ${String(this.maxConnectionCount)}`,
      );
    }
    this.readLimit = checkLimit('readLimit', options.readLimit ?? null);
    this.writeLimit = checkLimit('writeLimit', options.writeLimit ?? null);
    this.#reactor = options.reactor;
  }

  /** The clock the checks run on: the one given, else the global reactor. */
  get reactor(): IReactorTime {
    this.#reactor ??= getGlobalReactor();
    return this.#reactor;
  }

  /** Whether reads are throttled now. */
  get readsThrottled(): boolean {
    return this.#readsThrottled;
  }

  /** Whether writes are throttled now. */
  get writesThrottled(): boolean {
    return this.#writesThrottled;
  }

  /** Called by a wrapper: `length` more bytes were written. */
  registerWritten(length: number): void {
    this.writtenThisSecond += length;
  }

  /** Called by a wrapper: `length` more bytes were read. */
  registerRead(length: number): void {
    this.readThisSecond += length;
  }

  /**
   * The read check, run every second while connections are open: throttles
   * reads if the last second's bytes passed `readLimit`, then starts a new
   * second.
   */
  checkReadBandwidth(): void {
    const limit = this.readLimit;
    if (limit !== null && this.readThisSecond > limit) {
      this.throttleReads();
      this.#unthrottleReadsCall = this.#unthrottleAfter(
        this.#unthrottleReadsCall,
        this.readThisSecond / limit - 1,
        () => {
          this.unthrottleReads();
        },
      );
    }
    this.readThisSecond = 0;
    this.#checkReadsCall = this.reactor.callLater(1, () => {
      this.checkReadBandwidth();
    });
  }

  /** The write check; as {@link ThrottlingFactory.checkReadBandwidth}, against `writeLimit`. */
  checkWriteBandwidth(): void {
    const limit = this.writeLimit;
    if (limit !== null && this.writtenThisSecond > limit) {
      this.throttleWrites();
      this.#unthrottleWritesCall = this.#unthrottleAfter(
        this.#unthrottleWritesCall,
        this.writtenThisSecond / limit - 1,
        () => {
          this.unthrottleWrites();
        },
      );
    }
    this.writtenThisSecond = 0;
    this.#checkWritesCall = this.reactor.callLater(1, () => {
      this.checkWriteBandwidth();
    });
  }

  /** Stops reading on every connection (and on new ones until {@link ThrottlingFactory.unthrottleReads}). */
  throttleReads(): void {
    log.debug('Throttling reads on {factory}', { factory: this.logPrefix() });
    this.#readsThrottled = true;
    for (const p of this.protocols) p.throttleReads();
  }

  /** Reads again on every connection. */
  unthrottleReads(): void {
    log.debug('Stopped throttling reads on {factory}', { factory: this.logPrefix() });
    this.#unthrottleReadsCall = null;
    this.#readsThrottled = false;
    for (const p of this.protocols) p.unthrottleReads();
  }

  /** Pauses the producers of every connection (and of new ones until {@link ThrottlingFactory.unthrottleWrites}). */
  throttleWrites(): void {
    log.debug('Throttling writes on {factory}', { factory: this.logPrefix() });
    this.#writesThrottled = true;
    for (const p of this.protocols) p.throttleWrites();
  }

  /** Lets the producers of every connection produce again. */
  unthrottleWrites(): void {
    log.debug('Stopped throttling writes on {factory}', { factory: this.logPrefix() });
    this.#unthrottleWritesCall = null;
    this.#writesThrottled = false;
    for (const p of this.protocols) p.unthrottleWrites();
  }

  /**
   * A throttled wrapper for the wrapped factory's protocol, or `null` when
   * `maxConnectionCount` connections are open (or the wrapped factory
   * refuses). The first connection starts the per-second checks.
   */
  override buildProtocol(addr: IAddress): ThrottlingProtocol | null {
    if (this.connectionCount >= this.maxConnectionCount) {
      this.limitReached(addr, new ConnectionLimitError(this.maxConnectionCount, addr));
      return null;
    }
    const wrapper = super.buildProtocol(addr);
    if (wrapper === null) return null;
    if (this.connectionCount === 0) {
      if (this.readLimit !== null) this.checkReadBandwidth();
      if (this.writeLimit !== null) this.checkWriteBandwidth();
    }
    this.connectionCount += 1;
    return wrapper;
  }

  /** A {@link ThrottlingProtocol} around `wrapped`. */
  override wrapProtocol(wrapped: IProtocol): ThrottlingProtocol {
    return new ThrottlingProtocol(this, wrapped);
  }

  /** Registers `p`, throttling it at once if reads or writes are throttled now. */
  override registerProtocol(p: ThrottlingProtocol): void {
    super.registerProtocol(p);
    if (this.#readsThrottled) p.throttleReads();
    if (this.#writesThrottled) p.throttleWrites();
  }

  /** Unregisters `p`; after the last connection, the checks stop and the counters reset. */
  override unregisterProtocol(p: ThrottlingProtocol): void {
    super.unregisterProtocol(p);
    this.connectionCount -= 1;
    if (this.connectionCount > 0) return;
    for (const call of [
      this.#checkReadsCall,
      this.#unthrottleReadsCall,
      this.#checkWritesCall,
      this.#unthrottleWritesCall,
    ]) {
      if (call?.active() === true) call.cancel();
    }
    this.#checkReadsCall = this.#unthrottleReadsCall = null;
    this.#checkWritesCall = this.#unthrottleWritesCall = null;
    this.#readsThrottled = this.#writesThrottled = false;
    this.readThisSecond = this.writtenThisSecond = 0;
  }

  /**
   * A connection from `addr` was refused because `error.limit` connections
   * were open. Logs it at `info`; override to count or report refusals.
   */
  limitReached(addr: IAddress, error: ConnectionLimitError): void {
    log.info('{factory} refused {peer}: {message}', {
      factory: this.logPrefix(),
      peer: addr.toString(),
      message: error.message,
    });
  }

  /**
   * Schedules `fn` in `seconds`, or, when an unthrottle is still pending
   * (a throttle longer than a second), keeps the later of the two times,
   * so an earlier throttle's end never cuts a later one short.
   */
  #unthrottleAfter(pending: IDelayedCall | null, seconds: number, fn: () => void): IDelayedCall {
    if (pending?.active() === true) {
      const remaining = pending.getTime() - this.reactor.seconds();
      if (seconds > remaining) pending.reset(seconds);
      return pending;
    }
    return this.reactor.callLater(seconds, fn);
  }
}
