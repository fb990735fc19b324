/**
 * TLS over a connected TCP socket: Node's `TLSSocket` layered on the
 * socket's own handle (no copy through JavaScript streams), for both roles,
 * with the handshake watched and client certificates checked.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { ConnectionOptions, PeerCertificate, TLSSocketOptions } from 'node:tls';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { ClientAuthenticationMode, TLSPeerCertificate } from '../core/interfaces/tls.js';
import { CertificateVerificationError } from '../core/tls-errors.js';
import type { ClientTLSContext, ServerTLSContext } from './tls-options.js';
import { sniContext } from './tls-options.js';
import type { SocketBufferOptions } from './stream-transport.js';
import { DEFAULT_BUFFER_SIZE } from './stream-transport.js';
import { tlsErrorFrom } from './tls-errors.js';

/**
 * What Node's own `tls.Server` uses on the sockets it makes, which a server
 * socket made directly needs too: releasing control (so TLS errors after the
 * handshake are emitted as `'error'`, not swallowed) and the verification
 * result of the client's certificate.
 */
interface ServerSocketInternals {
  _releaseControl?: () => boolean;
  _handle?: { verifyError?: () => Error | null } | null;
}

/**
 * Wraps the connected `raw` socket as a TLS client: the ClientHello is sent
 * at once. Verification (chain and host name) is Node's, done before
 * `'secureConnect'`; a rejected certificate destroys the socket with the
 * verification error. `defaultHost` is the name to verify when the options
 * give none.
 */
export function wrapClient(
  raw: Socket,
  loaded: ClientTLSContext,
  defaultHost: string | undefined,
): TLSSocket {
  const options = loaded.options;
  const hostname = options.hostname ?? defaultHost;
  const protocols = options.acceptableProtocols;
  const connectOptions: ConnectionOptions & SocketBufferOptions = {
    socket: raw,
    secureContext: loaded.context,
    // Node checks the certificate against `host` when no servername is set (IP literals).
    // No host name at all happens only without verification (a UNIX socket, verify: false).
    ...(hostname === undefined
      ? {}
      : { host: hostname, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) }),
    rejectUnauthorized: options.verify !== false,
    ...(protocols === undefined ? {} : { ALPNProtocols: [...protocols] }),
    highWaterMark: DEFAULT_BUFFER_SIZE,
  };
  return tlsConnect(connectOptions);
}

/** Wraps the connected `raw` socket as a TLS server; it waits for the ClientHello. */
export function wrapServer(raw: Socket, loaded: ServerTLSContext): TLSSocket {
  const options = loaded.options;
  const mode = options.clientAuthentication ?? 'none';
  const protocols = options.acceptableProtocols;
  const socketOptions: TLSSocketOptions & SocketBufferOptions = {
    isServer: true,
    secureContext: loaded.context,
    requestCert: mode !== 'none',
    // OpenSSL then fails a handshake without a client certificate itself.
    rejectUnauthorized: mode === 'require',
    ...(protocols === undefined ? {} : { ALPNProtocols: [...protocols] }),
    ...(loaded.sni.size === 0
      ? {}
      : {
          SNICallback: (servername, done) => {
            done(null, sniContext(loaded, servername));
          },
        }),
    highWaterMark: DEFAULT_BUFFER_SIZE,
  };
  const socket = new TLSSocket(raw, socketOptions);
  (socket as unknown as ServerSocketInternals)._releaseControl?.();
  return socket;
}

/**
 * Why the client's certificate on a server socket is not acceptable, or
 * `null`: checked once the handshake is done, as Node's `tls.Server` does
 * (its OpenSSL callback accepts every chain and leaves the verdict to this
 * check). Fails closed if the verdict cannot be read.
 */
export function clientCertificateError(
  socket: TLSSocket,
  mode: ClientAuthenticationMode,
): Error | null {
  if (mode === 'none') return null;
  if (socket.getPeerX509Certificate() === undefined) {
    return mode === 'require'
      ? new CertificateVerificationError('The client sent no certificate', {
          code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
        })
      : null;
  }
  const handle = (socket as unknown as ServerSocketInternals)._handle;
  if (typeof handle?.verifyError !== 'function') {
    return new CertificateVerificationError('Cannot verify the client certificate');
  }
  const err = handle.verifyError();
  return err === null ? null : tlsErrorFrom(err, false);
}

/** The native handles under a `TLSSocket` that a reset needs (Node internals, checked before use). */
interface TLSHandleInternals {
  _handle?: { _parent?: unknown } | null;
}

/** A native TCP handle (`TCPWrap`): `reset` closes it with an RST, returning a libuv error code. */
interface TCPHandle {
  reset(callback: () => void): number;
  close(callback?: () => void): void;
}

function noop(): void {
  // nothing to do once the handle is closed
}

function isTCPHandle(value: unknown): value is TCPHandle {
  const handle = value as Partial<TCPHandle> | null;
  return (
    typeof handle === 'object' &&
    handle !== null &&
    typeof handle.reset === 'function' &&
    typeof handle.close === 'function'
  );
}

/**
 * Makes the close of the TCP connection under `socket` a reset (RST): the
 * close that follows `socket.destroy()`, whether the TLS socket owns the
 * TCP handle (`tls.connect` without a socket) or runs over a `net.Socket`
 * (a `tls.Server`'s sockets, `new TLSSocket(raw)`). Returns `false`, doing
 * nothing, when there is no TCP handle under it (a UNIX socket, a
 * JavaScript stream). Where the reset is refused (libuv refuses while a
 * TCP shutdown is pending), the connection is closed normally.
 *
 * Abort a TLS connection with this and then `socket.destroy()`, never by
 * destroying the socket underneath first: the TLS socket would then free
 * its OpenSSL state at once, and when that happens within OpenSSL's own
 * call (an abort from a handshake-completed callback, which Node runs
 * inside `SSL_read`) the process crashes. Destroying the TLS socket first
 * frees that state only once the TCP handle has closed, on a later turn.
 */
export function resetOnClose(socket: TLSSocket): boolean {
  const tcp = (socket as unknown as TLSHandleInternals)._handle?._parent;
  if (!isTCPHandle(tcp)) return false;
  const reset = tcp.reset.bind(tcp);
  const close = tcp.close.bind(tcp);
  tcp.close = (callback) => {
    if (reset(callback ?? noop) !== 0) close(callback);
  };
  return true;
}

type NameFields = Readonly<Record<string, string | readonly string[]>>;

function fieldsOf(fields: object | undefined): NameFields {
  return { ...(fields as NameFields | undefined) };
}

/** The peer certificate of `socket` as weft reports it, or `null` when there is none. */
export function peerCertificateOf(socket: TLSSocket): TLSPeerCertificate | null {
  const cert: PeerCertificate | Record<string, never> = socket.getPeerCertificate();
  if (!('raw' in cert)) return null;
  return {
    subject: fieldsOf(cert.subject),
    issuer: fieldsOf(cert.issuer),
    subjectAltName: cert.subjectaltname,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    raw: new Uint8Array(cert.raw),
  };
}
