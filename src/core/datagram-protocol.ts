/**
 * `DatagramProtocol`: the base class for UDP protocols (Twisted's
 * `AbstractDatagramProtocol` and `DatagramProtocol`).
 *
 * @module
 */
import type { Failure } from './failure.js';
import type { DatagramAddress, IDatagramProtocol, IUDPTransport } from './interfaces/udp.js';
import { Logger } from './logger.js';

const log = new Logger('weft.udp');

/**
 * The base class for datagram protocols: override the callbacks you need.
 *
 * Unlike a connection `Protocol`, one instance serves a whole port (every
 * peer), and may serve several ports: `doStart`/`doStop` count them in
 * `numPorts`, so {@link DatagramProtocol.startProtocol} runs when the first
 * port opens and {@link DatagramProtocol.stopProtocol} when the last closes.
 *
 * @typeParam T - the transport type, e.g. `IMulticastTransport` for the
 *   multicast controls.
 *
 * @example
 * ```ts
 * class Echo extends DatagramProtocol {
 *   override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
 *     this.transport?.write(data, addr);
 *   }
 * }
 * const port = await reactor.listenUDP(0, new Echo(), { interface: '127.0.0.1' });
 * console.log(port.getHost().toString());
 * ```
 */
export class DatagramProtocol<
  T extends IUDPTransport = IUDPTransport,
> implements IDatagramProtocol {
  /** The port serving this protocol, set by `makeConnection`; `null` once it stopped. */
  transport: T | null = null;
  /** How many ports currently serve this protocol. */
  numPorts = 0;
  /** Whether starting and stopping are logged (at `info`). */
  noisy = true;

  /**
   * Attaches `transport` and counts it (see {@link DatagramProtocol.doStart}).
   * Called by the port once bound.
   */
  makeConnection(transport: T): void {
    this.transport = transport;
    this.doStart();
  }

  /** Counts a port; on the first, calls {@link DatagramProtocol.startProtocol}. */
  doStart(): void {
    if (this.numPorts === 0) {
      if (this.noisy) log.info('Starting protocol {protocol}', { protocol: this.logPrefix() });
      this.startProtocol();
    }
    this.numPorts += 1;
  }

  /**
   * Uncounts a port and drops `transport`; on the last, calls
   * {@link DatagramProtocol.stopProtocol}. Extra calls do nothing.
   */
  doStop(): void {
    if (this.numPorts === 0) return;
    this.numPorts -= 1;
    this.transport = null;
    if (this.numPorts === 0) {
      if (this.noisy) log.info('Stopping protocol {protocol}', { protocol: this.logPrefix() });
      this.stopProtocol();
    }
  }

  /** The first port is bound (`transport` is set). Override to join groups, send a first datagram... */
  startProtocol(): void {
    // Override.
  }

  /** The last port has closed. Override to release resources. */
  stopProtocol(): void {
    // Override.
  }

  /** One datagram of at most the port's `maxPacketSize` bytes arrived from `addr`. Override. */
  datagramReceived(_data: Uint8Array, _addr: DatagramAddress): void {
    // Override.
  }

  /**
   * Connected UDP only: the peer refused a datagram (nothing listens on its
   * port). Override to react; the port stays open.
   */
  connectionRefused(): void {
    // Override.
  }

  /**
   * A datagram to `addr` (`null`: the connected peer) was not sent; the port
   * stays open. By default logs `reason` at `warn`. Override to count or
   * retry.
   */
  writeFailed(reason: Failure, addr: DatagramAddress | null): void {
    log.failure(
      '{protocol} could not send a datagram to {addr}',
      reason,
      { protocol: this.logPrefix(), addr: addr === null ? 'the connected peer' : addr.join(':') },
      'warn',
    );
  }

  /** A name for logs: the class name. */
  logPrefix(): string {
    return this.constructor.name;
  }
}
