/**
 * `HostnameEndpoint`: connect to a name by trying its addresses, IPv6 and
 * IPv4 interleaved, staggered in time ("Happy Eyeballs", RFC 8305).
 *
 * @module
 */
import type { IPv4Address } from '../core/address.js';
import { HostnameAddress, IPv6Address } from '../core/address.js';
import { Deferred, fail } from '../core/defer.js';
import { ConnectAttemptsFailedError } from '../core/endpoint-errors.js';
import type { FailedAttempt } from '../core/endpoint-errors.js';
import { ConnectingCancelledError, InvalidAddressError } from '../core/errors.js';
import type { Failure } from '../core/failure.js';
import type { IStreamClientEndpoint, ProtocolFactoryOf } from '../core/interfaces/endpoint.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import type { IDelayedCall, IReactorTCP, IReactorTime } from '../core/interfaces/reactor.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type { TCPClientEndpointOptions } from './endpoints.js';
import { TCP4ClientEndpoint, TCP6ClientEndpoint } from './endpoints.js';

/** Options of {@link HostnameEndpoint}. */
export interface HostnameEndpointOptions extends TCPClientEndpointOptions {
  /**
   * Seconds between the starts of successive attempts (RFC 8305's
   * "Connection Attempt Delay"). Default 0.3, as Twisted.
   */
  readonly attemptDelay?: number;
}

/** What a {@link HostnameEndpoint} needs of its reactor: TCP, time and a name resolver. */
export type HostnameEndpointReactor = IReactorTCP & IReactorTime & IReactorPluggableNameResolver;

/**
 * `addresses` reordered so the families alternate, starting with the family
 * of the resolver's first answer (RFC 8305 §4); within a family the
 * resolver's order is kept.
 */
export function interleaveFamilies(
  addresses: readonly (IPv4Address | IPv6Address)[],
): (IPv4Address | IPv6Address)[] {
  const firstIsV6 = addresses[0] instanceof IPv6Address;
  const first = addresses.filter((a) => a instanceof IPv6Address === firstIsV6);
  const second = addresses.filter((a) => a instanceof IPv6Address !== firstIsV6);
  const out: (IPv4Address | IPv6Address)[] = [];
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    const a = first[i];
    const b = second[i];
    if (a !== undefined) out.push(a);
    if (b !== undefined) out.push(b);
  }
  return out;
}

/**
 * Connects to a host name and port, trying every address it resolves to
 * (Twisted's `HostnameEndpoint`):
 *
 * 1. The name is resolved with the reactor's resolver
 *    (`reactor.nameResolver`, so tests can install a `MemoryResolver`). A
 *    failed lookup fails `connect` with its `DNSLookupError` (keeping the
 *    code); no addresses, with `DNSLookupError` code `'ENOTFOUND'`.
 * 2. The addresses are ordered with the families alternating, starting
 *    with the family the resolver gave first ({@link interleaveFamilies}).
 * 3. The first attempt starts at once, and another every `attemptDelay`
 *    seconds (0.3 by default) on the reactor's clock; when every started
 *    attempt has failed, the next starts at once instead of waiting.
 *    Each attempt is a `TCP4ClientEndpoint` or `TCP6ClientEndpoint` with
 *    this endpoint's `timeout` and `bindAddress`.
 * 4. The first to connect wins: the pending attempts are cancelled, no more
 *    start, and `connect` fires with the protocol (only the winner's
 *    `buildProtocol` is called).
 * 5. If every attempt fails, `connect` fails with one
 *    {@link ConnectAttemptsFailedError} listing each address and failure
 *    (Twisted reports only the last failure).
 *
 * Cancelling `connect`'s Deferred cancels the lookup or every pending
 * attempt and fails it with `ConnectingCancelledError` carrying a
 * {@link HostnameAddress}.
 *
 * @example
 * ```ts
 * import { HostnameEndpoint, Protocol, Factory, reactor } from 'weft';
 * const endpoint = new HostnameEndpoint(reactor, 'localhost', 8080, { timeout: 5 });
 * endpoint.connect(Factory.forProtocol(Protocol)).addCallbacks(
 *   (proto) => proto.transport.loseConnection(),
 *   (failure) => console.log(failure.getErrorMessage()),
 * );
 * ```
 */
export class HostnameEndpoint implements IStreamClientEndpoint {
  /** The reactor resolved, connected and timed with. */
  readonly reactor: HostnameEndpointReactor;
  /** The host name (or IP literal) as given. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** Seconds between attempt starts. */
  readonly attemptDelay: number;
  readonly #options: TCPClientEndpointOptions;

  /** @throws {RangeError} if `attemptDelay` is negative or not a number. */
  constructor(
    reactor: HostnameEndpointReactor,
    host: string,
    port: number,
    options?: HostnameEndpointOptions,
  ) {
    const attemptDelay = options?.attemptDelay ?? 0.3;
    if (!(attemptDelay >= 0)) {
      throw new RangeError(`attemptDelay must be >= 0 seconds, got ${String(attemptDelay)}`);
    }
    this.reactor = reactor;
    this.host = host;
    this.port = port;
    this.attemptDelay = attemptDelay;
    this.#options = {
      ...(options?.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options?.bindAddress === undefined ? {} : { bindAddress: options.bindAddress }),
    };
  }

  /** `HostnameEndpoint(host:port)`, with an IPv6 literal in brackets. */
  toString(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `HostnameEndpoint(${host}:${String(this.port)})`;
  }

  /**
   * Resolves and races the addresses; see the class description. Fails at
   * once with `InvalidAddressError` for an empty name or one containing
   * whitespace or control characters.
   */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (this.host === '' || /[\s\x00-\x1f\x7f]/.test(this.host)) {
      return fail(new InvalidAddressError(this.host, 'invalid hostname'));
    }
    return new HappyEyeballs(this, factory, this.#options).result;
  }
}

/** One `connect()` of a {@link HostnameEndpoint}: its lookup, queue, attempts and timer. */
class HappyEyeballs<P extends IProtocol> {
  readonly result: Deferred<P>;
  readonly #endpoint: HostnameEndpoint;
  readonly #factory: ProtocolFactoryOf<P>;
  readonly #options: TCPClientEndpointOptions;
  readonly #lookup: Deferred<(IPv4Address | IPv6Address)[]>;
  #queue: (IPv4Address | IPv6Address)[] = [];
  readonly #pending = new Set<Deferred<P>>();
  readonly #failures: FailedAttempt[] = [];
  #timer: IDelayedCall | null = null;
  #starting = false;
  /** Set before the result is settled, so attempts cancelled on the way out are ignored. */
  #settled = false;

  constructor(
    endpoint: HostnameEndpoint,
    factory: ProtocolFactoryOf<P>,
    options: TCPClientEndpointOptions,
  ) {
    this.#endpoint = endpoint;
    this.#factory = factory;
    this.#options = options;
    this.result = new Deferred<P>((d) => {
      this.#settled = true;
      d.errback(new ConnectingCancelledError(new HostnameAddress(endpoint.host, endpoint.port)));
      this.#stopEverything();
    });
    this.#lookup = endpoint.reactor.resolve(endpoint.host, { port: endpoint.port });
    this.#lookup.addCallbacks(
      (addresses) => {
        if (this.#settled) return;
        this.#queue = interleaveFamilies(addresses);
        this.#startNext();
      },
      (failure) => {
        if (this.#settled) return;
        this.#settled = true;
        this.result.errback(failure);
      },
    );
  }

  /** Starts the next attempt (and any after it, while every started one has already failed). */
  readonly #startNext = (): void => {
    this.#timer = null;
    for (;;) {
      const address = this.#queue.shift();
      if (address === undefined) break;
      this.#starting = true;
      this.#launch(address);
      this.#starting = false;
      if (this.#settled) return;
      if (this.#pending.size > 0) break;
    }
    if (this.#queue.length > 0) {
      this.#timer = this.#endpoint.reactor.callLater(this.#endpoint.attemptDelay, this.#startNext);
    } else {
      this.#checkAllFailed();
    }
  };

  #launch(address: IPv4Address | IPv6Address): void {
    const { reactor } = this.#endpoint;
    const endpoint =
      address instanceof IPv6Address
        ? new TCP6ClientEndpoint(reactor, address.host, address.port, this.#options)
        : new TCP4ClientEndpoint(reactor, address.host, address.port, this.#options);
    const attempt = endpoint.connect(this.#factory);
    this.#pending.add(attempt);
    attempt.addCallbacks(
      (protocol) => {
        this.#pending.delete(attempt);
        if (this.#settled) return;
        this.#settled = true;
        this.#stopEverything();
        this.result.callback(protocol);
      },
      (failure: Failure) => {
        this.#pending.delete(attempt);
        if (this.#settled) return; // a loser, cancelled: nothing to report
        this.#failures.push({ address: address.toString(), failure });
        if (this.#starting) return; // #startNext decides what comes next
        if (this.#pending.size === 0 && this.#queue.length > 0) {
          if (this.#timer?.active() === true) this.#timer.cancel();
          this.#startNext();
        } else {
          this.#checkAllFailed();
        }
      },
    );
  }

  #checkAllFailed(): void {
    if (this.#settled || this.#pending.size > 0 || this.#queue.length > 0) return;
    this.#settled = true;
    this.result.errback(new ConnectAttemptsFailedError(this.#endpoint.toString(), this.#failures));
  }

  /** Stops the timer and the lookup and cancels every pending attempt (the result is settled). */
  #stopEverything(): void {
    this.#queue = [];
    if (this.#timer?.active() === true) this.#timer.cancel();
    this.#timer = null;
    if (!this.#lookup.called) this.#lookup.cancel();
    for (const attempt of [...this.#pending]) attempt.cancel();
  }
}
