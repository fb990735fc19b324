/**
 * Datagram interfaces: UDP ports, multicast, and the reactor methods that
 * open them (Twisted's `IUDPTransport`, `IMulticastTransport`, `IReactorUDP`,
 * `IReactorMulticast`).
 *
 * @module
 */
import type { IPv4Address, IPv6Address } from '../address.js';
import type { Deferred } from '../defer.js';
import type { Failure } from '../failure.js';

/**
 * Where a datagram came from or goes to: an IP literal and a port, as
 * Twisted's `(host, port)` tuple, so `transport.write(data, addr)` answers
 * the sender of `datagramReceived(data, addr)`.
 */
export type DatagramAddress = readonly [host: string, port: number];

/**
 * What a UDP port needs from the protocol it serves; `DatagramProtocol`
 * implements it all.
 */
export interface IDatagramProtocol {
  /**
   * The port is bound: attach `transport` and start (`doStart`, then
   * `startProtocol` on the first port). Called once per port.
   */
  makeConnection(transport: IUDPTransport): void;
  /** The port has closed: count it off (`stopProtocol` after the last port). */
  doStop(): void;
  /**
   * One datagram arrived from `addr`. Never split or merged; at most the
   * port's `maxPacketSize` bytes. A throw is logged and the port keeps going.
   */
  datagramReceived(data: Uint8Array, addr: DatagramAddress): void;
  /**
   * Connected UDP only: the peer refused a datagram (ICMP port unreachable,
   * reported by the kernel as `ECONNREFUSED` on a later send or receive).
   */
  connectionRefused(): void;
  /**
   * A datagram written to `addr` (`null`: the connected peer) was not sent.
   * `reason` wraps a typed error: `MessageLengthError` for `EMSGSIZE`,
   * a `WeftError` with the platform `code` (`EACCES`, `ENETUNREACH`, ...)
   * otherwise. The port stays open.
   */
  writeFailed(reason: Failure, addr: DatagramAddress | null): void;
}

/**
 * A bound UDP socket, as the protocol sees it (its `transport`).
 *
 * `write` never blocks and never throws for I/O reasons: the kernel's answer
 * comes later, through the protocol's `writeFailed` or `connectionRefused`.
 */
export interface IUDPTransport {
  /**
   * Sends one datagram of `data` (a string as UTF-8) to `addr`, or to the
   * connected peer when `addr` is omitted.
   *
   * @throws {InvalidAddressError} if `addr` is missing on an unconnected
   *   port, differs from the connected peer, or is not an IP literal (or
   *   `'<broadcast>'`).
   */
  write(data: Uint8Array | string, addr?: DatagramAddress): void;
  /**
   * Connects the port to one peer: only its datagrams are delivered, `write`
   * needs no address, and refusals reach `connectionRefused`.
   *
   * @throws {InvalidStateError} if already connected (reconnecting is not
   *   supported, as in Twisted).
   * @throws {InvalidAddressError} if `host` is not an IP literal.
   */
  connect(host: string, port: number): void;
  /** Closes the port; the Deferred fires once closed and the protocol's `doStop` has run. */
  stopListening(): Deferred<void>;
  /** Same as {@link IUDPTransport.stopListening}, Twisted's other name for it. */
  loseConnection(): Deferred<void>;
  /** The address bound (with the real port when 0 was asked for). */
  getHost(): IPv4Address | IPv6Address;
  /** Allows (true) or forbids sending to broadcast addresses (`SO_BROADCAST`). */
  setBroadcastAllowed(enabled: boolean): void;
  /** Whether sending to broadcast addresses is allowed; false until set. */
  getBroadcastAllowed(): boolean;
  /** `await using port = ...`: stops listening. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A UDP port that can send to and receive from multicast groups. */
export interface IMulticastTransport extends IUDPTransport {
  /** The interface multicast is sent from (`''` until set: the kernel's choice). */
  getOutgoingInterface(): string;
  /** Sends multicast from the interface with address `addr`; fails with the platform error. */
  setOutgoingInterface(addr: string): Deferred<void>;
  /** Whether this host's own multicast comes back to it; true until set (the kernel default). */
  getLoopbackMode(): boolean;
  /** Turns delivery of this host's own multicast back to it on or off. */
  setLoopbackMode(mode: boolean): void;
  /** The time-to-live of outgoing multicast; 1 until set (the kernel default). */
  getTTL(): number;
  /** Sets the time-to-live (hops, 0-255) of outgoing multicast. */
  setTTL(ttl: number): void;
  /**
   * Joins the group at `addr` on the interface with address `iface` (`''`:
   * the kernel's choice). Fails with `MulticastJoinError` carrying the code.
   */
  joinGroup(addr: string, iface?: string): Deferred<void>;
  /** Leaves a group joined with {@link IMulticastTransport.joinGroup}. */
  leaveGroup(addr: string, iface?: string): Deferred<void>;
}

/** Options of {@link IReactorUDP.listenUDP}. */
export interface ListenUDPOptions {
  /**
   * The address to bind: `''` (the default) for every IPv4 interface, an
   * IPv4 or IPv6 literal otherwise (an IPv6 literal makes an IPv6 port).
   */
  readonly interface?: string;
  /**
   * Longest datagram delivered, in bytes; longer ones are truncated to it,
   * as `recvfrom` does. Default 8192, as Twisted.
   */
  readonly maxPacketSize?: number;
}

/** Options of {@link IReactorMulticast.listenMulticast}. */
export interface ListenMulticastOptions extends ListenUDPOptions {
  /** Let several sockets bind the same port (`SO_REUSEADDR`). Default false. */
  readonly listenMultiple?: boolean;
}

/** UDP on a reactor. */
export interface IReactorUDP {
  /**
   * Binds `port` (0: any free port) and serves `protocol` on it: its
   * `makeConnection(port)` runs before the Deferred fires with the port.
   * Fails with `CannotListenError` carrying the platform code.
   */
  listenUDP(
    port: number,
    protocol: IDatagramProtocol,
    options?: ListenUDPOptions,
  ): Deferred<IUDPTransport>;
}

/** Multicast UDP on a reactor. */
export interface IReactorMulticast {
  /** As {@link IReactorUDP.listenUDP}, with the multicast controls. */
  listenMulticast(
    port: number,
    protocol: IDatagramProtocol,
    options?: ListenMulticastOptions,
  ): Deferred<IMulticastTransport>;
}
