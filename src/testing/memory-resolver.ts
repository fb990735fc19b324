/**
 * `MemoryResolver`: a name resolver with a table instead of DNS, for tests.
 *
 * @module
 */
import type { IPv4Address, IPv6Address } from '../core/address.js';
import { DNSLookupError } from '../core/errors.js';
import type {
  AddressType,
  IHostnameResolver,
  IResolutionReceiver,
  TransportSemantics,
} from '../core/interfaces/resolver.js';
import { addressWanted, HostResolution, literalAddress } from '../core/resolver.js';

/** One `resolveHostName` call, as {@link MemoryResolver.requests} records it. */
export interface ResolutionRequest {
  /** The name asked for. */
  readonly name: string;
  /** The port asked for. */
  readonly port: number;
  /** The families asked for (null: both). */
  readonly addressTypes: readonly AddressType[] | null;
  /** The transport asked for. */
  readonly transportSemantics: TransportSemantics;
}

/**
 * A resolution of a held name ({@link MemoryResolver.hold}), waiting for the
 * test to answer it.
 */
export class PendingResolution {
  /** What was asked. */
  readonly request: ResolutionRequest;
  readonly #resolution: HostResolution;
  #cancelled = false;

  /** @internal */
  constructor(request: ResolutionRequest, receiver: IResolutionReceiver) {
    this.request = request;
    this.#resolution = new HostResolution(request.name, receiver, () => {
      this.#cancelled = true;
    });
  }

  /** Whether the resolver's user cancelled it. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Whether it has been answered or cancelled. */
  get done(): boolean {
    return this.#resolution.done;
  }

  /** Answers with `hosts` (IP literals; those of unwanted families are dropped). */
  resolve(hosts: readonly string[]): void {
    this.#resolution.complete(addressesFor(hosts, this.request));
  }

  /** Answers with a lookup failure carrying `code` (default `'ENOTFOUND'`). */
  fail(code = 'ENOTFOUND'): void {
    this.#resolution.fail(lookupFailed(this.request.name, code));
  }
}

function addressesFor(
  hosts: readonly string[],
  request: ResolutionRequest,
): (IPv4Address | IPv6Address)[] {
  const found: (IPv4Address | IPv6Address)[] = [];
  for (const host of hosts) {
    const address = literalAddress(host, request.port, request.transportSemantics);
    if (address === null) throw new RangeError(`Not an IP literal: ${JSON.stringify(host)}`);
    if (addressWanted(address, request.addressTypes)) found.push(address);
  }
  return found;
}

function lookupFailed(name: string, code: string): DNSLookupError {
  return new DNSLookupError(`DNS lookup failed: ${name}: ${code}`, { code });
}

/**
 * A name resolver answering from a table (Twisted's tests use
 * `deterministicResolvingReactor` for this). For tests; not for
 * implementation code.
 *
 * - An IP literal resolves to itself.
 * - A name in the table resolves to its addresses, in table order,
 *   before `resolveHostName` returns.
 * - A name given to {@link MemoryResolver.fail} fails with that code.
 * - A name given to {@link MemoryResolver.hold} waits in
 *   {@link MemoryResolver.pending} until the test answers it (or forever:
 *   the way to test timeouts and cancellation).
 * - Any other name fails with `DNSLookupError` code `'ENOTFOUND'`.
 *
 * Names are matched without regard to case. Every call is recorded in
 * {@link MemoryResolver.requests}.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactorClock();
 * reactor.installNameResolver(new MemoryResolver({ 'example.com': ['192.0.2.1', '2001:db8::1'] }));
 * const addresses = successResultOf(reactor.resolve('example.com', { port: 80 }));
 * console.log(addresses.map((a) => a.toString())); // IPv4Address(TCP, '192.0.2.1', 80), IPv6Address(...)
 * ```
 */
export class MemoryResolver implements IHostnameResolver {
  /** Every `resolveHostName` call, in order. */
  readonly requests: ResolutionRequest[] = [];
  /** Resolutions of held names, in order, answered or not. */
  readonly pending: PendingResolution[] = [];
  readonly #hosts = new Map<string, readonly string[]>();
  readonly #failures = new Map<string, string>();
  readonly #held = new Set<string>();

  /**
   * @param hosts - name → IP literals.
   * @throws {RangeError} if an address is not an IP literal.
   */
  constructor(hosts?: Readonly<Record<string, readonly string[]>>) {
    for (const [name, addresses] of Object.entries(hosts ?? {})) this.setHost(name, addresses);
  }

  /**
   * Makes `name` resolve to `addresses` (IP literals, in the order given).
   *
   * @throws {RangeError} if one is not an IP literal.
   */
  setHost(name: string, addresses: readonly string[]): void {
    for (const a of addresses) {
      if (literalAddress(a, 0) === null) {
        throw new RangeError(`Not an IP literal: ${JSON.stringify(a)}`);
      }
    }
    this.#hosts.set(name.toLowerCase(), [...addresses]);
  }

  /** Makes lookups of `name` fail with `code` (`'ENOTFOUND'`, `'EAI_AGAIN'`, ...). */
  fail(name: string, code: string): void {
    this.#failures.set(name.toLowerCase(), code);
  }

  /** Makes lookups of `name` wait in {@link MemoryResolver.pending} for the test to answer. */
  hold(name: string): void {
    this.#held.add(name.toLowerCase());
  }

  /** Answers from the table; see the class description. */
  resolveHostName<R extends IResolutionReceiver>(
    receiver: R,
    hostName: string,
    portNumber = 0,
    addressTypes: readonly AddressType[] | null = null,
    transportSemantics: TransportSemantics = 'TCP',
  ): R {
    const request: ResolutionRequest = {
      name: hostName,
      port: portNumber,
      addressTypes,
      transportSemantics,
    };
    this.requests.push(request);
    const key = hostName.toLowerCase();
    if (this.#held.has(key)) {
      this.pending.push(new PendingResolution(request, receiver));
      return receiver;
    }
    const resolution = new HostResolution(hostName, receiver);
    const literal = literalAddress(hostName, portNumber, transportSemantics);
    const hosts = literal === null ? this.#hosts.get(key) : [hostName];
    if (hosts !== undefined) {
      resolution.complete(addressesFor(hosts, request));
    } else {
      resolution.fail(lookupFailed(hostName, this.#failures.get(key) ?? 'ENOTFOUND'));
    }
    return receiver;
  }
}
