/**
 * Name resolution interfaces (Twisted's `IHostnameResolver`,
 * `IResolutionReceiver`, `IHostResolution`, `IReactorPluggableNameResolver`).
 *
 * @module
 */
import type { IPv4Address, IPv6Address } from '../address.js';
import type { Deferred } from '../defer.js';
import type { DNSLookupError } from '../errors.js';

/** The address classes a resolution may be limited to: `IPv4Address`, `IPv6Address`, or both. */
export type AddressType = typeof IPv4Address | typeof IPv6Address;

/** The transport a resolution is for: addresses come back with this `type`. */
export type TransportSemantics = 'TCP' | 'UDP';

/** One resolution in progress, handed to {@link IResolutionReceiver.resolutionBegan}. */
export interface IHostResolution {
  /** The name being resolved, as given. */
  readonly name: string;
  /**
   * Abandons the resolution: the receiver hears nothing more. A lookup
   * already running on the platform (a `getaddrinfo` call on libuv's thread
   * pool) cannot be interrupted; its answer is dropped. Calling it again, or
   * after completion, does nothing.
   */
  cancel(): void;
}

/**
 * Receives the results of one resolution, in this order:
 * `resolutionBegan` (once, before `resolveHostName` returns), then
 * `addressResolved` for each address, in the resolver's order, then
 * `resolutionComplete` (once). Nothing is called after `cancel()`.
 *
 * weft adds `resolutionFailed`: when the lookup failed (rather than found
 * nothing) it is called with the typed error just before
 * `resolutionComplete`, so the platform's code (`'ENOTFOUND'`,
 * `'EAI_AGAIN'`, ...) is not lost. Twisted's receivers, which lack it, see
 * an empty result, as in Twisted.
 */
export interface IResolutionReceiver {
  /** The resolution started; `resolution` can cancel it. */
  resolutionBegan(resolution: IHostResolution): void;
  /** One address the name resolved to, with the requested port. */
  addressResolved(address: IPv4Address | IPv6Address): void;
  /** The lookup failed; `resolutionComplete()` follows at once. */
  resolutionFailed?(reason: DNSLookupError): void;
  /** No more addresses will come. */
  resolutionComplete(): void;
}

/**
 * Resolves host names to every IPv4 and IPv6 address they have
 * (Twisted's `IHostnameResolver`). Never blocks the caller: answers arrive
 * through the receiver, possibly before `resolveHostName` returns (an IP
 * literal, an in-memory table) or on a later turn (a real lookup).
 */
export interface IHostnameResolver {
  /**
   * Starts resolving `hostName`; results go to `receiver`.
   *
   * @param portNumber - the port the resolved addresses carry (default 0).
   * @param addressTypes - the families wanted (default both).
   * @param transportSemantics - the `type` of the addresses (default `'TCP'`).
   * @returns `receiver` (as Twisted's resolvers return it).
   */
  resolveHostName<R extends IResolutionReceiver>(
    receiver: R,
    hostName: string,
    portNumber?: number,
    addressTypes?: readonly AddressType[] | null,
    transportSemantics?: TransportSemantics,
  ): R;
}

/** Options of {@link IReactorPluggableNameResolver.resolve}. */
export interface ResolveOptions {
  /**
   * Seconds to wait, on the reactor's clock, before failing with
   * `DNSLookupTimeoutError`. Default: no limit beyond the resolver's own
   * (the Node resolver gives up after its `timeout`, 30 s by default).
   */
  readonly timeout?: number;
  /** The port the addresses carry. Default 0. */
  readonly port?: number;
  /** The families wanted. Default both. */
  readonly addressTypes?: readonly AddressType[];
}

/**
 * A reactor whose name resolver can be replaced (Twisted's
 * `IReactorPluggableNameResolver`): what `connectTCP` to a name and
 * `HostnameEndpoint` resolve with, so tests can install an in-memory one.
 */
export interface IReactorPluggableNameResolver {
  /** The resolver in use. */
  readonly nameResolver: IHostnameResolver;
  /** Makes `resolver` the one in use; returns the one it replaces. */
  installNameResolver(resolver: IHostnameResolver): IHostnameResolver;
  /**
   * Every address of `name` through {@link IReactorPluggableNameResolver.nameResolver},
   * as a Deferred: it fails with `DNSLookupError` (keeping the resolver's
   * `code`) when the lookup fails or finds nothing, with
   * `DNSLookupTimeoutError` after `options.timeout` seconds, and cancelling
   * it abandons the lookup.
   */
  resolve(name: string, options?: ResolveOptions): Deferred<(IPv4Address | IPv6Address)[]>;
}
