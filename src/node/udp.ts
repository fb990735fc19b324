/**
 * UDP on the Node reactor (Twisted's `twisted.internet.udp.Port`), on
 * `node:dgram`.
 *
 * @module
 */
import type { RemoteInfo, Socket, SocketOptions } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { IPv4Address, IPv6Address } from '../core/address.js';
import { ipAddress } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import { InvalidAddressError, InvalidStateError, MessageLengthError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type {
  DatagramAddress,
  IDatagramProtocol,
  IUDPTransport,
  ListenUDPOptions,
} from '../core/interfaces/udp.js';
import { Logger } from '../core/logger.js';
import { DatagramError } from '../core/udp-errors.js';
import { cannotListenFrom, errorCode } from './errors.js';
import type { Selectable, SocketContext } from './stream-transport.js';

const log = new Logger('weft.udp');

/** Twisted's default `maxPacketSize`, in bytes. */
export const DEFAULT_MAX_PACKET_SIZE = 8192;

/** Where a port is in its life. */
type PortState = 'binding' | 'open' | 'closing' | 'closed';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The typed error a failed send is reported with: {@link MessageLengthError}
 * for `EMSGSIZE`, {@link DatagramError} otherwise; both keep the code and
 * chain the platform error.
 */
export function datagramErrorFrom(err: unknown): MessageLengthError | DatagramError {
  const options = { code: errorCode(err), cause: err };
  if (options.code === 'EMSGSIZE') {
    return new MessageLengthError(`Datagram too long: ${messageOf(err)}`, options);
  }
  return new DatagramError(`Datagram not sent: ${messageOf(err)}`, options);
}

/** Runs a protocol callback; a throw is logged and never reaches the socket. */
function guarded(what: string, protocol: IDatagramProtocol, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    log.failure('Unhandled error in {protocol}.{what}', e, {
      protocol: protocol.constructor.name,
      what,
    });
  }
}

/**
 * A bound UDP socket serving one {@link IDatagramProtocol}. Made by
 * `reactor.listenUDP`, which hands it out once bound.
 *
 * - Received datagrams go to `datagramReceived(data, [host, port])`, cut to
 *   `maxPacketSize` bytes as `recvfrom` would (Node itself reads up to 64 KiB
 *   per datagram). A throw from the protocol is logged; the port keeps going.
 * - `write` checks its address at once (throwing `InvalidAddressError`), then
 *   hands the datagram to libuv. Node reports the kernel's answer later, so
 *   failures reach the protocol asynchronously: `writeFailed(reason, addr)`
 *   with `MessageLengthError` (`EMSGSIZE`, e.g. more than 65507 bytes over
 *   IPv4) or `DatagramError`; on a connected port a refusal
 *   (`ECONNREFUSED`) calls `connectionRefused()` instead. The port stays
 *   open in every case.
 * - `stopListening()` closes the socket; the protocol's `doStop()` runs
 *   before its Deferred fires.
 */
export class UDPPort implements IUDPTransport, Selectable {
  /** The protocol datagrams are delivered to. */
  readonly protocol: IDatagramProtocol;
  /** Longest datagram delivered, in bytes; longer ones are truncated. */
  readonly maxPacketSize: number;
  /** The `dgram.Socket` underneath. */
  protected readonly socket: Socket;
  readonly #context: SocketContext;
  readonly #iface: string;
  readonly #port: number;
  readonly #family: 4 | 6;
  #host: IPv4Address | IPv6Address | null = null;
  #state: PortState = 'binding';
  #connected: DatagramAddress | null = null;
  /** Datagrams written between `connect()` and libuv finishing it; `null` when not connecting. */
  #held: (Uint8Array | string)[] | null = null;
  #broadcast = false;
  #bound: Deferred<this> | null = null;
  readonly #waiters: Deferred<void>[] = [];

  /**
   * Made by `listenUDP`/`listenMulticast`, not by applications.
   *
   * @internal
   */
  constructor(
    context: SocketContext,
    port: number,
    protocol: IDatagramProtocol,
    options: ListenUDPOptions & { readonly reuseAddr?: boolean },
  ) {
    this.#context = context;
    this.#port = port;
    this.protocol = protocol;
    this.#iface = options.interface ?? '';
    this.maxPacketSize = options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    // As Twisted: an IPv6 literal makes an IPv6 port; '' and IPv4 literals an IPv4 one.
    this.#family = isIP(this.#iface) === 6 ? 6 : 4;
    const socketOptions: SocketOptions = {
      type: this.#family === 6 ? 'udp6' : 'udp4',
      reuseAddr: options.reuseAddr ?? false,
    };
    this.socket = createSocket(socketOptions);
    this.socket.on('message', this.#onMessage);
    this.socket.on('error', this.#onError);
  }

  /**
   * Binds; the Deferred fires with this port once bound and the protocol's
   * `makeConnection` has run, or fails with `CannotListenError` (or
   * `InvalidAddressError` for an interface that is not an IP literal).
   *
   * @internal
   */
  listen(): Deferred<this> {
    const d = new Deferred<this>();
    if (this.#iface !== '' && isIP(this.#iface) === 0) {
      this.#refuse(d, new InvalidAddressError(this.#iface, 'not an IPv4 or IPv6 address'));
    } else if (!Number.isInteger(this.#port) || this.#port < 0 || this.#port > 65535) {
      // Node would take the port modulo 65536: refuse it, as listenTCP does.
      const err = new RangeError(`Port should be >= 0 and < 65536, got ${String(this.#port)}`);
      const bad = Object.assign(err, { code: 'ERR_SOCKET_BAD_PORT' });
      this.#refuse(d, cannotListenFrom(this.#iface, this.#port, bad));
    } else {
      this.#bound = d;
      const address = this.#iface === '' ? '0.0.0.0' : this.#iface;
      this.socket.bind({ port: this.#port, address }, this.#onBound);
    }
    return d;
  }

  /** Fails `d` with `err`, closing the socket: the port never opened. */
  #refuse(d: Deferred<this>, err: unknown): void {
    this.#bound = null;
    this.#state = 'closed';
    this.socket.close();
    d.errback(err);
  }

  readonly #onBound = (): void => {
    const d = this.#bound;
    this.#bound = null;
    if (d === null) return;
    const { address, port } = this.socket.address();
    this.#host = ipAddress('UDP', address, port);
    this.#state = 'open';
    try {
      this.protocol.makeConnection(this);
    } catch (e) {
      this.#refuse(d, e);
      return;
    }
    this.#context.selectables.add(this);
    log.info('{protocol} starting on {address}', {
      protocol: this.protocol.constructor.name,
      address: this.#host.toString(),
    });
    d.callback(this);
  };

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#state !== 'open') return;
    const data = msg.length > this.maxPacketSize ? msg.subarray(0, this.maxPacketSize) : msg;
    guarded('datagramReceived', this.protocol, () => {
      this.protocol.datagramReceived(data, [rinfo.address, rinfo.port]);
    });
  };

  readonly #onError = (err: Error): void => {
    if (this.#bound !== null) {
      this.#refuse(this.#bound, cannotListenFrom(this.#iface, this.#port, err));
      return;
    }
    if (errorCode(err) === 'ECONNREFUSED' && this.#connected !== null) {
      // The kernel reports an ICMP port unreachable on the next receive of a connected socket.
      guarded('connectionRefused', this.protocol, () => {
        this.protocol.connectionRefused();
      });
      return;
    }
    log.failure('Error on UDP port {address}', err, { address: String(this.#host) }, 'error');
  };

  /** @see IUDPTransport.write */
  write(data: Uint8Array | string, addr?: DatagramAddress): void {
    const connected = this.#connected;
    if (connected !== null) {
      if (addr !== undefined && (addr[0] !== connected[0] || addr[1] !== connected[1])) {
        throw new InvalidAddressError(addr.join(':'), `connected to ${connected.join(':')}`);
      }
    } else if (addr === undefined) {
      throw new InvalidAddressError(addr, 'an unconnected UDP port needs an address');
    }
    if (this.#state !== 'open') return; // closing or closed: dropped, as writes after loseConnection
    if (connected !== null) {
      if (this.#held !== null) this.#held.push(data);
      else this.socket.send(data, this.#connectedSent);
      return;
    }
    const [host, port] = addr as DatagramAddress;
    const target = this.#checkHost(host);
    this.socket.send(data, port, target, (err) => {
      if (err !== null) this.#sendFailed(err, addr as DatagramAddress);
    });
  }

  /** The literal to send to, or throws InvalidAddressError for the wrong family or a name. */
  #checkHost(host: string): string {
    if (this.#family === 4) {
      if (host === '<broadcast>') return '255.255.255.255';
      if (isIP(host) === 4) return host;
      throw new InvalidAddressError(host, 'write() only accepts IPv4 addresses on an IPv4 port');
    }
    if (isIP(host) === 6) return host;
    throw new InvalidAddressError(host, 'write() only accepts IPv6 addresses on an IPv6 port');
  }

  readonly #connectedSent = (err: Error | null): void => {
    if (err !== null) this.#sendFailed(err, null);
  };

  #sendFailed(err: Error, addr: DatagramAddress | null): void {
    if (this.#state !== 'open') return;
    if (addr === null && errorCode(err) === 'ECONNREFUSED') {
      guarded('connectionRefused', this.protocol, () => {
        this.protocol.connectionRefused();
      });
      return;
    }
    const reason = new Failure(datagramErrorFrom(err));
    guarded('writeFailed', this.protocol, () => {
      this.protocol.writeFailed(reason, addr);
    });
  }

  /** @see IUDPTransport.connect */
  connect(host: string, port: number): void {
    if (this.#connected !== null) {
      throw new InvalidStateError('already connected, reconnecting is not supported');
    }
    const family = isIP(host);
    if (family === 0) throw new InvalidAddressError(host, 'not an IPv4 or IPv6 address');
    if (this.#state !== 'open') throw new InvalidStateError('the port is not open');
    this.#connected = [host, port];
    // libuv connects asynchronously and Node refuses address-less sends until
    // it has: hold them, and send them in order once connected.
    this.#held = [];
    this.socket.connect(port, host, (err?: Error) => {
      const held = this.#held ?? [];
      this.#held = null;
      if (this.#state !== 'open') return;
      if (err !== undefined) {
        this.#sendFailed(err, null); // once for the held datagrams, none of which was sent
        return;
      }
      for (const data of held) this.socket.send(data, this.#connectedSent);
    });
  }

  /** @see IUDPTransport.stopListening */
  stopListening(): Deferred<void> {
    const d = new Deferred<void>();
    if (this.#state === 'closed') {
      d.callback(undefined);
      return d;
    }
    this.#waiters.push(d);
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#context.selectables.delete(this);
      this.socket.close(() => {
        this.#finishClosing();
      });
    }
    return d;
  }

  /** @see IUDPTransport.loseConnection */
  loseConnection(): Deferred<void> {
    return this.stopListening();
  }

  /** `await using port = ...`: stops listening. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopListening();
  }

  /**
   * Closes now for reactor shutdown: the protocol's `doStop()` runs before
   * this returns.
   *
   * @internal
   */
  closeAtShutdown(): void {
    this.#state = 'closing';
    this.#context.selectables.delete(this);
    this.socket.close();
    this.#finishClosing();
  }

  #finishClosing(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    log.info('(UDP Port {address} Closed)', { address: String(this.#host) });
    guarded('doStop', this.protocol, () => {
      this.protocol.doStop();
    });
    for (const d of this.#waiters.splice(0)) d.callback(undefined);
  }

  /** @see IUDPTransport.getHost */
  getHost(): IPv4Address | IPv6Address {
    if (this.#host === null) throw new InvalidStateError('the port is not bound yet');
    return this.#host;
  }

  /** @see IUDPTransport.setBroadcastAllowed */
  setBroadcastAllowed(enabled: boolean): void {
    this.option(() => {
      this.socket.setBroadcast(enabled);
    });
    this.#broadcast = enabled;
  }

  /** @see IUDPTransport.getBroadcastAllowed */
  getBroadcastAllowed(): boolean {
    return this.#broadcast;
  }

  /** The `dgram.Socket` underneath: for options weft does not cover. */
  getHandle(): Socket {
    return this.socket;
  }

  /** Runs a socket option call, turning a platform error into a {@link DatagramError}. */
  protected option(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      throw new DatagramError(`Socket option rejected: ${messageOf(e)}`, {
        code: errorCode(e),
        cause: e,
      });
    }
  }
}

/**
 * Binds a {@link UDPPort}: what `NodeReactor.listenUDP` does.
 *
 * @internal
 */
export function listenUDP(
  context: SocketContext,
  port: number,
  protocol: IDatagramProtocol,
  options: ListenUDPOptions = {},
): Deferred<UDPPort> {
  return new UDPPort(context, port, protocol, options).listen();
}
