/**
 * Multicast UDP on the Node reactor (Twisted's `udp.MulticastPort`).
 *
 * @module
 */
import { succeed, type Deferred } from '../core/defer.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type {
  IDatagramProtocol,
  IMulticastTransport,
  ListenMulticastOptions,
} from '../core/interfaces/udp.js';
import { MulticastJoinError } from '../core/udp-errors.js';
import { errorCode } from './errors.js';
import type { SocketContext } from './stream-transport.js';
import { UDPPort } from './udp.js';

/**
 * A UDP port with multicast controls. Made by `reactor.listenMulticast`.
 *
 * Node has setters but no getters for these options, so the getters report
 * what was last set here, or the kernel's default (loopback on, TTL 1, the
 * kernel's choice of interface) when nothing was.
 *
 * `listenMultiple: true` sets `SO_REUSEADDR` before binding, so several
 * sockets (in this or other processes) can bind the same group port, each
 * getting every datagram sent to the group.
 */
export class MulticastPort extends UDPPort implements IMulticastTransport {
  #loopback = true;
  #ttl = 1;
  #outgoing = '';

  /**
   * Made by `listenMulticast`, not by applications.
   *
   * @internal
   */
  constructor(
    context: SocketContext,
    port: number,
    protocol: IDatagramProtocol,
    options: ListenMulticastOptions,
  ) {
    super(context, port, protocol, { ...options, reuseAddr: options.listenMultiple ?? false });
    this.#reactor = context.reactor;
  }

  readonly #reactor: SocketContext['reactor'];

  /** `addr`'s first address through the reactor's resolver (a literal stays as it is). */
  #resolveFirst(addr: string): Deferred<string> {
    const reactor = this.#reactor as Partial<IReactorPluggableNameResolver>;
    if (typeof reactor.resolve !== 'function') return succeed(addr);
    return reactor.resolve(addr).addCallback((addresses) => addresses[0]?.host ?? addr);
  }

  /** @see IMulticastTransport.getLoopbackMode */
  getLoopbackMode(): boolean {
    return this.#loopback;
  }

  /** @see IMulticastTransport.setLoopbackMode */
  setLoopbackMode(mode: boolean): void {
    this.option(() => {
      this.socket.setMulticastLoopback(mode);
    });
    this.#loopback = mode;
  }

  /** @see IMulticastTransport.getTTL */
  getTTL(): number {
    return this.#ttl;
  }

  /** @see IMulticastTransport.setTTL */
  setTTL(ttl: number): void {
    this.option(() => {
      this.socket.setMulticastTTL(ttl);
    });
    this.#ttl = ttl;
  }

  /** @see IMulticastTransport.getOutgoingInterface */
  getOutgoingInterface(): string {
    return this.#outgoing;
  }

  /**
   * Sends multicast from the interface with address `addr` (a name is
   * resolved first, as Twisted does). Fails with `DatagramError` carrying
   * the platform code if the kernel refuses it.
   */
  setOutgoingInterface(addr: string): Deferred<void> {
    return this.#resolveFirst(addr).addCallback((address) => {
      this.option(() => {
        this.socket.setMulticastInterface(address);
      });
      this.#outgoing = address;
    });
  }

  /**
   * Joins the group `addr` (a name is resolved first) on the interface with
   * address `iface` (`''`: the kernel's choice). Fails with
   * {@link MulticastJoinError} carrying the platform code (`'EINVAL'` for an
   * address that is not a group, `'ENODEV'`, `'EADDRNOTAVAIL'`, ...).
   */
  joinGroup(addr: string, iface = ''): Deferred<void> {
    return this.#membership(addr, iface, true);
  }

  /** Leaves a group; fails with {@link MulticastJoinError} if not a member. */
  leaveGroup(addr: string, iface = ''): Deferred<void> {
    return this.#membership(addr, iface, false);
  }

  #membership(addr: string, iface: string, join: boolean): Deferred<void> {
    return this.#resolveFirst(addr).addCallback((group) => {
      try {
        const local = iface === '' ? undefined : iface;
        if (join) this.socket.addMembership(group, local);
        else this.socket.dropMembership(group, local);
      } catch (e) {
        throw new MulticastJoinError(group, iface, { code: errorCode(e), cause: e });
      }
    });
  }
}

/**
 * Binds a {@link MulticastPort}: what `NodeReactor.listenMulticast` does.
 *
 * @internal
 */
export function listenMulticast(
  context: SocketContext,
  port: number,
  protocol: IDatagramProtocol,
  options: ListenMulticastOptions = {},
): Deferred<MulticastPort> {
  return new MulticastPort(context, port, protocol, options).listen();
}
