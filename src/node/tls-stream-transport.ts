/**
 * The TLS half shared by TCP and UNIX transports: STARTTLS, the TLS layer
 * `listenSSL`/`connectSSL` install, and how TLS changes resets, closes and
 * loss reasons.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { InvalidStateError } from '../core/errors.js';
import type { Failure } from '../core/failure.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import type {
  ClientTLSOptions,
  IStartTLSTransport,
  ServerTLSOptions,
  StartTLSOptions,
  TLSPeerCertificate,
} from '../core/interfaces/tls.js';
import type { SocketContext } from './stream-transport.js';
import { StreamTransport } from './stream-transport.js';
import type { TLSHost } from './tls-layer.js';
import { startTLSOn, TLSLayer } from './tls-layer.js';
import { handshakeTimeoutOf } from './tls-options.js';

/**
 * A socket transport that can run TLS: `TCPTransport` and `UNIXTransport`.
 * See {@link StreamTransport} for the lifecycle and flow-control rules.
 */
export abstract class TLSStreamTransport extends StreamTransport implements IStartTLSTransport {
  readonly #server: boolean;
  #tls: TLSLayer | null = null;
  #switching = false;

  /** @internal */
  constructor(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    onLost?: (reason: Failure) => void,
  ) {
    super(socket, protocol, context, onLost);
    this.#server = onLost === undefined; // connectors always watch their connection
  }

  /** The name a verifying client checks by default (TCP: the peer's IP), if any. */
  protected abstract tlsPeerName(): string | undefined;

  /** Ends `raw` at once, discarding unsent data (TCP: a reset; UNIX: a close). */
  protected abstract resetRaw(raw: Socket): void;

  protected resetSocket(socket: Socket): void {
    const tls = this.#tls;
    if (tls === null) this.resetRaw(socket);
    else tls.reset(); // a TLS socket cannot reset itself: TLSLayer resets the TCP connection under it
  }

  /** The ALPN protocol both ends agreed on, or `null` (none, no TLS, or the handshake is not done). */
  get negotiatedProtocol(): string | null {
    return this.#tls?.negotiatedProtocol ?? null;
  }

  /** The peer's certificate once the handshake is done, if it sent one; else `null`. */
  getPeerCertificate(): TLSPeerCertificate | null {
    return this.#tls?.peerCertificate ?? null;
  }

  /**
   * Starts TLS on this connection now (STARTTLS); see
   * `ITLSTransport.startTLS`. Bytes written before the call are sent in
   * clear first; later writes are held, then encrypted. The switch waits
   * for the clear bytes to reach the OS, and for certificate files to be
   * read; meanwhile reading is paused, so bytes the peer sends after its
   * own switch stay buffered and go to TLS, after `received`. The server
   * role is the accepting end unless `startOptions.server` says otherwise.
   * A client verifies the server against `options.hostname`, else (TCP)
   * the peer's IP address; a UNIX peer has no name, so a verifying client
   * needs `options.hostname`.
   *
   * @throws {InvalidStateError} if TLS is on or starting, or the connection is closing.
   * @throws {TypeError} for the server role without a certificate and key, or a verifying
   *   UNIX client without `hostname`.
   * @throws {TLSOptionsError} when PEM text in `options` cannot be used.
   */
  startTLS(options: ClientTLSOptions | ServerTLSOptions, startOptions?: StartTLSOptions): void {
    if (this.#tls !== null || this.#switching) {
      throw new InvalidStateError('TLS is already started on this connection');
    }
    const server = startOptions?.server ?? this.#server;
    this.#switching = true;
    try {
      startTLSOn(this.#tlsHost(), options, startOptions, server, this.tlsPeerName(), (layer) => {
        this.#tls = layer;
      });
    } catch (e) {
      this.#switching = false;
      throw e;
    }
  }

  /**
   * Marks `socket`, layered over `raw`, as this connection's TLS and watches
   * its handshake. Called by `listenSSL`/`connectSSL` before `start()`.
   *
   * @internal
   */
  useTLS(
    raw: Socket,
    socket: TLSSocket,
    server: boolean,
    options: ClientTLSOptions | ServerTLSOptions,
  ): void {
    const mode = server ? (options as ServerTLSOptions).clientAuthentication : undefined;
    const timeout = handshakeTimeoutOf(options);
    this.#tls = new TLSLayer(this.#tlsHost(), raw, socket, server, mode ?? 'none', timeout);
  }

  /** What the TLS layer may use of this transport (made only for TLS connections). */
  #tlsHost(): TLSHost {
    return {
      protocol: this.protocol,
      clock: this.clock,
      isConnected: () => this.connected,
      isDisconnecting: () => this.disconnecting,
      socket: () => this.getHandle(),
      holdWrites: () => {
        this.holdWrites();
      },
      replaceSocket: (next) => {
        this.#switching = false;
        this.replaceSocket(next);
      },
      closeWithError: (reason) => {
        this.closeWithError(reason);
      },
      callProtocol: (method, fn) => {
        this.callProtocol(method, fn);
      },
    };
  }

  protected override lostReason(err: Error): Error {
    const tls = this.#tls;
    return tls === null ? super.lostReason(err) : tls.lostReason(err);
  }

  protected override peerClosed(): void {
    // As Twisted's TLS: answer the peer's close_notify with ours, then close.
    if (this.#tls === null) super.peerClosed();
    else this.closeAfterWriteSide();
  }

  protected override drainsBeforeClose(): boolean {
    return this.#tls !== null;
  }

  protected override endReason(): Error | null {
    return this.#tls?.endReason() ?? null;
  }
}
