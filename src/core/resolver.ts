/**
 * Name resolution helpers that need no platform: IP-literal checks, the
 * resolution handle resolvers share, the literal-only resolver a reactor
 * starts with, and the Deferred form of a resolution.
 *
 * @module
 */
import { IPv4Address, IPv6Address } from './address.js';
import { Deferred } from './defer.js';
import { DNSLookupTimeoutError } from './endpoint-errors.js';
import { DNSLookupError } from './errors.js';
import type {
  AddressType,
  IHostResolution,
  IHostnameResolver,
  IResolutionReceiver,
  ResolveOptions,
  TransportSemantics,
} from './interfaces/resolver.js';
import type { IReactorTime } from './interfaces/reactor.js';

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Whether `host` is an IPv4 dotted quad (`'127.0.0.1'`). */
export function isIPv4Literal(host: string): boolean {
  return IPV4.test(host);
}

/** Whether `host` is an IPv6 literal (`'::1'`, `'fe80::1%eth0'`, `'::ffff:1.2.3.4'`). */
export function isIPv6Literal(host: string): boolean {
  const zone = host.indexOf('%');
  const addr = zone === -1 ? host : host.slice(0, zone);
  if (zone !== -1 && zone === host.length - 1) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => {
    if (part === '') return [];
    const parts = part.split(':');
    const last = parts.at(-1) ?? '';
    // An embedded IPv4 address counts as two groups, and only at the end.
    const tail = isIPv4Literal(last) ? ['0', '0'] : null;
    const hex = tail === null ? parts : parts.slice(0, -1);
    if (!hex.every((g) => HEX_GROUP.test(g))) return null;
    return tail === null ? hex : [...hex, ...tail];
  };
  const head = groups(halves[0] ?? '');
  if (head === null) return false;
  if (halves.length === 1) return head.length === 8;
  const rest = groups(halves[1] ?? '');
  if (rest === null) return false;
  if (head.length > 0 && (halves[0] ?? '').split(':').some((g) => isIPv4Literal(g))) return false;
  return head.length + rest.length <= 7;
}

/** The address `host` (an IP literal) and `port` make, or `null` when `host` is not a literal. */
export function literalAddress(
  host: string,
  port: number,
  type: TransportSemantics = 'TCP',
): IPv4Address | IPv6Address | null {
  if (isIPv4Literal(host)) return new IPv4Address(type, host, port);
  if (isIPv6Literal(host)) return new IPv6Address(type, host, port);
  return null;
}

/** Whether `address` is of one of `types` (every address is, when `types` is null or absent). */
export function addressWanted(
  address: IPv4Address | IPv6Address,
  types: readonly AddressType[] | null | undefined,
): boolean {
  if (types === null || types === undefined) return true;
  return types.some((t) => address instanceof t);
}

/**
 * The handle of one resolution, shared by weft's resolvers: it delivers to
 * the receiver until cancelled or complete, and drops anything after.
 */
export class HostResolution implements IHostResolution {
  /** The name being resolved. */
  readonly name: string;
  readonly #receiver: IResolutionReceiver;
  readonly #onCancel: (() => void) | undefined;
  #done = false;

  /** Tells `receiver` the resolution began. `onCancel` runs once if it is cancelled. */
  constructor(name: string, receiver: IResolutionReceiver, onCancel?: () => void) {
    this.name = name;
    this.#receiver = receiver;
    this.#onCancel = onCancel;
    receiver.resolutionBegan(this);
  }

  /** Whether the receiver has heard the end (or the resolution was cancelled). */
  get done(): boolean {
    return this.#done;
  }

  /** Abandons the resolution; the receiver hears nothing more. */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onCancel?.();
  }

  /** Delivers `addresses` then completion (nothing once done). */
  complete(addresses: readonly (IPv4Address | IPv6Address)[]): void {
    if (this.#done) return;
    this.#done = true;
    for (const address of addresses) this.#receiver.addressResolved(address);
    this.#receiver.resolutionComplete();
  }

  /** Delivers `reason` then completion (nothing once done). */
  fail(reason: DNSLookupError): void {
    if (this.#done) return;
    this.#done = true;
    this.#receiver.resolutionFailed?.(reason);
    this.#receiver.resolutionComplete();
  }
}

/**
 * A resolver that knows only IP literals: a literal resolves to itself, any
 * name fails with `DNSLookupError` (code `'ENOTFOUND'`). What a reactor
 * without a platform resolver (`MemoryReactor`) starts with.
 */
export class IPLiteralResolver implements IHostnameResolver {
  /** Resolves a literal at once (before returning); fails a name at once. */
  resolveHostName<R extends IResolutionReceiver>(
    receiver: R,
    hostName: string,
    portNumber = 0,
    addressTypes?: readonly AddressType[] | null,
    transportSemantics: TransportSemantics = 'TCP',
  ): R {
    const resolution = new HostResolution(hostName, receiver);
    const literal = literalAddress(hostName, portNumber, transportSemantics);
    if (literal === null) {
      resolution.fail(
        new DNSLookupError(`DNS lookup failed: ${hostName}: no name resolver installed`, {
          code: 'ENOTFOUND',
        }),
      );
    } else {
      resolution.complete(addressWanted(literal, addressTypes) ? [literal] : []);
    }
    return receiver;
  }
}

/**
 * Resolves `name` with `resolver` into a Deferred of every address (see
 * `IReactorPluggableNameResolver.resolve`): a failed lookup fails it with
 * the resolver's `DNSLookupError`, an empty answer with `DNSLookupError`
 * code `'ENOTFOUND'`, the `timeout` (on `clock`) with
 * {@link DNSLookupTimeoutError}; cancelling it cancels the resolution.
 */
export function resolveToDeferred(
  resolver: IHostnameResolver,
  clock: Pick<IReactorTime, 'callLater'>,
  name: string,
  options?: ResolveOptions,
): Deferred<(IPv4Address | IPv6Address)[]> {
  let resolution: IHostResolution | null = null;
  const d = new Deferred<(IPv4Address | IPv6Address)[]>(() => {
    resolution?.cancel();
  });
  const addresses: (IPv4Address | IPv6Address)[] = [];
  let failure: DNSLookupError | null = null;
  const timeout = options?.timeout;
  const timer =
    timeout === undefined
      ? null
      : clock.callLater(timeout, () => {
          resolution?.cancel();
          d.errback(new DNSLookupTimeoutError(name, timeout));
        });
  resolver.resolveHostName(
    {
      resolutionBegan(r) {
        resolution = r;
      },
      addressResolved(address) {
        addresses.push(address);
      },
      resolutionFailed(reason) {
        failure = reason;
      },
      resolutionComplete() {
        if (timer?.active() === true) timer.cancel();
        if (d.called) return;
        if (failure !== null) d.errback(failure);
        else if (addresses.length === 0) {
          d.errback(
            new DNSLookupError(`DNS lookup failed: ${name}: no addresses`, { code: 'ENOTFOUND' }),
          );
        } else d.callback(addresses);
      },
    },
    name,
    options?.port ?? 0,
    options?.addressTypes ?? null,
  );
  d.addBoth((value) => {
    if (timer?.active() === true) timer.cancel();
    return value;
  });
  return d;
}
