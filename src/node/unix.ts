/**
 * UNIX-domain stream sockets on the Node reactor (Twisted's
 * `twisted.internet.unix`): transport, listening port and connector.
 *
 * @module
 */
import { chmodSync } from 'node:fs';
import type { IpcNetConnectOpts, Server, Socket } from 'node:net';
import { connect as netConnect } from 'node:net';
import { UNIXAddress } from '../core/address.js';
import type { Deferred } from '../core/defer.js';
import type { Failure } from '../core/failure.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { ConnectUNIXOptions, ListenUNIXOptions } from '../core/interfaces/reactor.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import type { ConnectAttempt } from './connector.js';
import { Connector } from './connector.js';
import { StreamServerPort } from './port.js';
import type { SocketBufferOptions, SocketContext } from './stream-transport.js';
import { DEFAULT_BUFFER_SIZE } from './stream-transport.js';
import { TLSStreamTransport } from './tls-stream-transport.js';

/** Whether `path` names a socket in Linux's abstract namespace (no file, no mode). */
function isAbstract(path: string): boolean {
  return path.startsWith('\0');
}

/**
 * A UNIX stream connection's transport. See {@link StreamTransport} for the
 * lifecycle and flow-control rules. UNIX sockets have no reset:
 * `abortConnection()` closes at once, discarding unsent data, and the peer
 * sees an ordinary close (`ConnectionDone`).
 *
 * TLS: {@link UNIXTransport.startTLS} layers TLS over the connection, as
 * on TCP (see `TCPTransport`), which is how `wrapClientTLS` and
 * `wrapServerTLS` run TLS over UNIX endpoints.
 */
export class UNIXTransport extends TLSStreamTransport {
  readonly #host: UNIXAddress;
  readonly #peer: UNIXAddress;

  /**
   * Made by a UNIX port or connector, not by applications.
   *
   * @internal
   */
  constructor(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    host: UNIXAddress,
    peer: UNIXAddress,
    onLost?: (reason: Failure) => void,
  ) {
    super(socket, protocol, context, onLost);
    this.#host = host;
    this.#peer = peer;
  }

  /** The peer's address: the socket path for a client, unnamed (`null`) for an accepted connection. */
  getPeer(): UNIXAddress {
    return this.#peer;
  }

  /** This end's address: the socket path for an accepted connection, unnamed for a client. */
  getHost(): UNIXAddress {
    return this.#host;
  }

  protected tlsPeerName(): undefined {
    return undefined;
  }

  protected resetRaw(raw: Socket): void {
    raw.destroy();
  }
}

/**
 * A listening UNIX socket, made by `reactor.listenUNIX`. See
 * {@link StreamServerPort} for what it does per connection and on errors.
 * The socket file is removed when the port closes; an existing file at the
 * path makes listening fail with `EADDRINUSE`, as in Twisted.
 */
export class UNIXPort extends StreamServerPort {
  protected readonly kind = 'UNIX';
  readonly #path: string;
  readonly #address: UNIXAddress;
  readonly #mode: number;

  /** @internal */
  constructor(path: string, factory: IProtocolFactory, context: SocketContext, mode: number) {
    super(factory, context);
    this.#path = path;
    this.#address = new UNIXAddress(path);
    this.#mode = mode;
  }

  /** The socket's path. */
  getHost(): UNIXAddress {
    return this.#address;
  }

  protected describe(): [iface: string, port: number | string] {
    return ['', this.#path];
  }

  protected listened(_server: Server): void {
    if (!isAbstract(this.#path)) chmodSync(this.#path, this.#mode);
  }

  protected peerAddress(_socket: Socket): UNIXAddress {
    return new UNIXAddress(null);
  }

  protected makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: UNIXAddress,
  ): UNIXTransport {
    return new UNIXTransport(socket, protocol, context, this.#address, peer);
  }
}

/**
 * Listens on the UNIX socket at `path`; see `IReactorUNIX.listenUNIX`. The
 * file gets `mode` (default `0o666`) before the Deferred fires.
 *
 * @internal
 */
export function listenUNIX(
  context: SocketContext,
  path: string,
  factory: IProtocolFactory,
  options?: ListenUNIXOptions,
): Deferred<IListeningPort> {
  const port = new UNIXPort(path, factory, context, options?.mode ?? 0o666);
  return port.listen({ path, backlog: options?.backlog ?? 50 });
}

/** A UNIX socket connector, made by `reactor.connectUNIX`. */
export class UNIXConnector extends Connector {
  /** The socket path connected to. */
  readonly path: string;

  /** @internal */
  constructor(
    context: SocketContext,
    path: string,
    factory: IProtocolFactory,
    options?: ConnectUNIXOptions,
  ) {
    super(context, factory, options?.timeout ?? 30);
    this.path = path;
  }

  /** The socket path, as a {@link UNIXAddress}. */
  getDestination(): UNIXAddress {
    return new UNIXAddress(this.path);
  }

  protected dial(attempt: ConnectAttempt): void {
    const options: IpcNetConnectOpts & SocketBufferOptions = {
      path: this.path,
      allowHalfOpen: true,
      highWaterMark: DEFAULT_BUFFER_SIZE,
    };
    const socket = netConnect(options);
    attempt.opened(socket, new UNIXAddress(this.path));
  }

  protected makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: UNIXAddress,
    onLost: (reason: Failure) => void,
  ): UNIXTransport {
    return new UNIXTransport(socket, protocol, context, new UNIXAddress(null), peer, onLost);
  }
}
