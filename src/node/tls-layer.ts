/**
 * TLS on a stream connection, shared by the TCP and UNIX transports: the
 * TLS socket layered over the connection's socket, its handshake (watched,
 * and timed on the reactor's clock), and STARTTLS.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { InvalidStateError } from '../core/errors.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { isHandshakeListener } from '../core/interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from '../core/interfaces/reactor.js';
import type {
  ClientAuthenticationMode,
  ClientTLSOptions,
  ServerTLSOptions,
  StartTLSOptions,
  TLSPeerCertificate,
} from '../core/interfaces/tls.js';
import { TLSHandshakeError, TLSHandshakeTimeoutError } from '../core/tls-errors.js';
import { tlsErrorFrom } from './tls-errors.js';
import type { ClientTLSContext, ServerTLSContext } from './tls-options.js';
import { clientContext, handshakeTimeoutOf, serverContext } from './tls-options.js';
import {
  clientCertificateError,
  peerCertificateOf,
  resetOnClose,
  wrapClient,
  wrapServer,
} from './tls-socket.js';

/**
 * What a transport lends its TLS layer: its protocol and state, and its
 * protected socket-switching and closing methods, as closures.
 */
export interface TLSHost {
  readonly protocol: IProtocol;
  isConnected(): boolean;
  isDisconnecting(): boolean;
  /** The reactor's clock, for the handshake timeout. */
  readonly clock: IReactorTime;
  /** The socket the connection runs on now. */
  socket(): Socket;
  holdWrites(): void;
  replaceSocket(socket: TLSSocket): void;
  closeWithError(reason: Error): void;
  callProtocol(method: string, fn: () => void): void;
}

const EMPTY = new Uint8Array(0);

/** Calls `then` once everything written to `socket` so far has been handed to the OS. */
function afterFlush(socket: Socket, then: () => void): void {
  if (socket.writableLength === 0) then();
  else socket.write(EMPTY, then); // writes complete in order: this one comes last
}

/** TLS on one connection: the socket underneath, the TLS socket over it, the handshake's state. */
export class TLSLayer {
  /** The connection's own socket, under TLS. */
  readonly raw: Socket;
  /** The TLS socket the transport now reads and writes. */
  readonly socket: TLSSocket;
  /** Whether the handshake completed (and the peer's certificate was accepted). */
  handshakeDone = false;
  /** The peer's certificate, read at the handshake (the socket forgets it once closed). */
  peerCertificate: TLSPeerCertificate | null = null;
  #timer: IDelayedCall | null = null;

  /**
   * Watches the handshake of `socket`, layered over `raw`: on completion the
   * protocol, if an `IHandshakeListener`, gets `handshakeCompleted()`; if it
   * is still running after `timeout` seconds the connection ends with
   * `TLSHandshakeTimeoutError`.
   */
  constructor(
    host: TLSHost,
    raw: Socket,
    socket: TLSSocket,
    server: boolean,
    clientAuthentication: ClientAuthenticationMode,
    timeout: number,
  ) {
    this.raw = raw;
    this.socket = socket;
    const done = (): void => {
      this.#stopTimer();
      const rejected = clientCertificateError(socket, clientAuthentication);
      if (rejected !== null) {
        host.closeWithError(rejected);
        return;
      }
      this.handshakeDone = true;
      this.peerCertificate = peerCertificateOf(socket);
      const protocol = host.protocol;
      if (host.isConnected() && isHandshakeListener(protocol)) {
        host.callProtocol('handshakeCompleted', () => {
          protocol.handshakeCompleted();
        });
      }
    };
    // A client's 'secureConnect' comes after Node verified the server; a server's 'secure' before.
    socket.once(server ? 'secure' : 'secureConnect', done);
    if (Number.isFinite(timeout)) {
      this.#timer = host.clock.callLater(timeout, () => {
        this.#timer = null;
        if (!this.handshakeDone) host.closeWithError(new TLSHandshakeTimeoutError(timeout));
      });
      socket.once('close', () => {
        this.#stopTimer();
      });
    }
  }

  #stopTimer(): void {
    if (this.#timer?.active() === true) this.#timer.cancel();
    this.#timer = null;
  }

  /** The ALPN protocol both ends agreed on, or `null` (none, or the handshake is not done). */
  get negotiatedProtocol(): string | null {
    if (!this.handshakeDone) return null;
    const protocol = this.socket.alpnProtocol;
    return typeof protocol === 'string' ? protocol : null;
  }

  /** The `connectionLost` reason for a socket error: a TLS error class when TLS failed. */
  lostReason(err: Error): Error {
    return tlsErrorFrom(err, this.handshakeDone);
  }

  /** The error for a peer that closes now: one mid-handshake is a failed handshake. */
  endReason(): Error | null {
    if (this.handshakeDone) return null;
    return new TLSHandshakeError(
      'The peer closed the connection before the TLS handshake completed',
      { code: 'ECONNRESET' },
    );
  }

  /**
   * Closes at once for `abortConnection`: the TCP connection under TLS with
   * a reset (see {@link resetOnClose}; other sockets are closed), without
   * close_notify. The socket's `'close'`, hence `connectionLost`, comes on a
   * later turn.
   */
  reset(): void {
    resetOnClose(this.socket);
    this.socket.destroy();
  }
}

/** Whether `options` carry what the server role needs. */
function isServerOptions(
  options: ClientTLSOptions | ServerTLSOptions,
): options is ServerTLSOptions {
  return 'certificate' in options && 'privateKey' in options;
}

/**
 * Starts TLS on `host`'s connection (STARTTLS; see `ITLSTransport.startTLS`):
 * holds later writes, waits for the clear bytes already written to reach
 * the OS and for certificate files to be read, then layers a TLS socket over
 * the connection's socket and calls `started` with its {@link TLSLayer}
 * before the transport moves onto it.
 *
 * @param server - the role: the TCP role unless `startOptions.server` says otherwise.
 * @param peerHost - the name a client checks the server's certificate against unless
 *   `options.hostname` is given; `undefined` when the peer has no host name (UNIX).
 * @throws {TypeError} for the server role without a certificate and key, or a client that
 *   verifies without a host name to verify.
 * @throws {TLSOptionsError} when PEM text in `options` cannot be used.
 */
export function startTLSOn(
  host: TLSHost,
  options: ClientTLSOptions | ServerTLSOptions,
  startOptions: StartTLSOptions | undefined,
  server: boolean,
  peerHost: string | undefined,
  started: (layer: TLSLayer) => void,
): void {
  if (host.isDisconnecting())
    throw new InvalidStateError('Cannot start TLS on a closing connection');
  let loading: ServerTLSContext | ClientTLSContext | Promise<ServerTLSContext | ClientTLSContext>;
  if (server) {
    if (!isServerOptions(options)) {
      throw new TypeError('startTLS as the server needs a certificate and a privateKey');
    }
    loading = serverContext(options);
  } else {
    const client = options as ClientTLSOptions;
    if (client.hostname === undefined && peerHost === undefined && client.verify !== false) {
      throw new TypeError(
        'startTLS as a client on a connection without a host name needs options.hostname ' +
          '(or verify: false)',
      );
    }
    loading = clientContext(client);
  }
  const timeout = handshakeTimeoutOf(options);
  host.holdWrites();
  const raw = host.socket();
  const received = startOptions?.received;
  const wrap = (loaded: ServerTLSContext | ClientTLSContext): void => {
    afterFlush(raw, () => {
      if (raw.destroyed || !host.isConnected()) return;
      let socket: TLSSocket;
      try {
        // Throws once the peer's close was already read (nothing can follow it).
        if (received !== undefined && received.length > 0) raw.unshift(received);
        socket = server
          ? wrapServer(raw, loaded as ServerTLSContext)
          : wrapClient(raw, loaded, peerHost);
      } catch (e) {
        host.closeWithError(tlsErrorFrom(e, false));
        return;
      }
      const mode = server ? (options as ServerTLSOptions).clientAuthentication : undefined;
      started(new TLSLayer(host, raw, socket, server, mode ?? 'none', timeout));
      host.replaceSocket(socket);
    });
  };
  if (loading instanceof Promise) {
    loading.then(wrap, (e: unknown) => {
      host.closeWithError(e as Error);
    });
  } else {
    wrap(loading);
  }
}
