/**
 * `NodeResolver`: host names to addresses with `dns.lookup`, the system
 * resolver (Twisted's `GAIResolver`).
 *
 * @module
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { IPv4Address, IPv6Address } from '../core/address.js';
import { DNSLookupTimeoutError } from '../core/endpoint-errors.js';
import type { IDelayedCall, IReactorTime } from '../core/interfaces/reactor.js';
import type {
  AddressType,
  IHostnameResolver,
  IResolutionReceiver,
  TransportSemantics,
} from '../core/interfaces/resolver.js';
import { addressWanted, HostResolution, literalAddress } from '../core/resolver.js';
import { dnsLookupErrorFrom } from './errors.js';

/** The shape of `dns.lookup` with `{ all: true }`; tests pass a fake. */
export type LookupFunction = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Options of {@link NodeResolver}. */
export interface NodeResolverOptions {
  /**
   * Seconds a lookup may take, on the clock, before the receiver gets
   * `DNSLookupTimeoutError` (code `'ETIMEOUT'`). Default 30, the same as a
   * connection attempt's; `Infinity` for no limit.
   */
  readonly timeout?: number;
  /** The lookup function. Default `dns.lookup`. For tests. */
  readonly lookup?: LookupFunction;
}

function lookupFamily(types: readonly AddressType[] | null | undefined): 0 | 4 | 6 {
  if (types === null || types === undefined) return 0;
  const v4 = types.includes(IPv4Address);
  const v6 = types.includes(IPv6Address);
  return v4 === v6 ? 0 : v4 ? 4 : 6;
}

/**
 * Resolves names with `dns.lookup(name, { all: true })`: the system's
 * `getaddrinfo`, so `/etc/hosts`, `nsswitch.conf` and search domains apply,
 * as for every other program on the machine. Node runs `getaddrinfo` on
 * libuv's thread pool (4 threads unless `UV_THREADPOOL_SIZE` says
 * otherwise), so the event loop never blocks; a slow lookup holds one pool
 * thread, and lookups beyond the pool's size queue behind it (as file
 * system calls and `zlib` do).
 *
 * Addresses come in the order the system gives them (Node's `verbatim`
 * order). An IP literal resolves at once, without a lookup. A failed lookup
 * reaches the receiver's `resolutionFailed` as a `DNSLookupError` carrying
 * the code (`'ENOTFOUND'`, `'EAI_AGAIN'`, `'ENODATA'`, ...) and the Node
 * error as `cause`; one past `timeout` as `DNSLookupTimeoutError`.
 * Cancelling (or timing out) cannot stop `getaddrinfo` itself: its answer is
 * dropped when it comes.
 *
 * The Node reactor starts with one of these on its own clock; tests install
 * a `MemoryResolver` instead (`reactor.installNameResolver(...)`).
 */
export class NodeResolver implements IHostnameResolver {
  /** Seconds a lookup may take. */
  readonly timeout: number;
  readonly #clock: Pick<IReactorTime, 'callLater'>;
  readonly #lookup: LookupFunction;

  /**
   * @param clock - where the timeout runs (the reactor).
   * @throws {RangeError} if `timeout` is negative or not a number.
   */
  constructor(clock: Pick<IReactorTime, 'callLater'>, options?: NodeResolverOptions) {
    const timeout = options?.timeout ?? 30;
    if (!(timeout >= 0)) {
      throw new RangeError(`lookup timeout must be >= 0 seconds, got ${String(timeout)}`);
    }
    this.timeout = timeout;
    this.#clock = clock;
    this.#lookup = options?.lookup ?? dnsLookup;
  }

  /** Starts a lookup of `hostName`; see `IHostnameResolver.resolveHostName`. */
  resolveHostName<R extends IResolutionReceiver>(
    receiver: R,
    hostName: string,
    portNumber = 0,
    addressTypes?: readonly AddressType[] | null,
    transportSemantics: TransportSemantics = 'TCP',
  ): R {
    const literal = literalAddress(hostName, portNumber, transportSemantics);
    if (literal !== null) {
      new HostResolution(hostName, receiver).complete(
        addressWanted(literal, addressTypes) ? [literal] : [],
      );
      return receiver;
    }
    let timer: IDelayedCall | null = null;
    const stopTimer = (): void => {
      if (timer?.active() === true) timer.cancel();
    };
    const resolution = new HostResolution(hostName, receiver, stopTimer);
    if (resolution.done) return receiver; // cancelled from resolutionBegan
    if (Number.isFinite(this.timeout)) {
      timer = this.#clock.callLater(this.timeout, () => {
        resolution.fail(new DNSLookupTimeoutError(hostName, this.timeout));
      });
    }
    const family = lookupFamily(addressTypes);
    try {
      this.#lookup(hostName, { all: true, family }, (err, found) => {
        stopTimer();
        if (err !== null) {
          resolution.fail(dnsLookupErrorFrom(hostName, err));
          return;
        }
        const addresses = found.map((a) =>
          a.family === 6
            ? new IPv6Address(transportSemantics, a.address, portNumber)
            : new IPv4Address(transportSemantics, a.address, portNumber),
        );
        resolution.complete(addresses.filter((a) => addressWanted(a, addressTypes)));
      });
    } catch (e) {
      // dns.lookup throws synchronously on an argument it rejects (a name that is not a string).
      stopTimer();
      resolution.fail(dnsLookupErrorFrom(hostName, e));
    }
    return receiver;
  }
}
