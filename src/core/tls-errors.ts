/**
 * TLS errors: what a TLS connection's `connectionLost` gets when TLS itself
 * failed, and what TLS options that cannot be used fail with.
 *
 * Each keeps the platform's `code` (OpenSSL's `'ERR_SSL_...'`, a
 * certificate verification code such as `'DEPTH_ZERO_SELF_SIGNED_CERT'`, or
 * Node's `'ERR_TLS_CERT_ALTNAME_INVALID'`) and chains the platform error as
 * `cause`.
 *
 * @module
 */
import { nameError } from './brand.js';
import type { WeftErrorOptions } from './errors.js';
import { ConnectionLost, TimeoutError, WeftError } from './errors.js';

/**
 * The TLS layer failed on an established connection: a bad record, an alert
 * from the peer, a protocol violation. A {@link ConnectionLost}, so code that
 * handles unclean closes handles it too.
 */
export class TLSError extends ConnectionLost {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The TLS connection failed', options);
  }
}
nameError(TLSError, 'TLSError');

/**
 * The TLS handshake failed: no common protocol version or cipher, an alert
 * from the peer (it rejected our certificate, say), or the connection closed
 * before the handshake completed.
 */
export class TLSHandshakeError extends TLSError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The TLS handshake failed', options);
  }
}
nameError(TLSHandshakeError, 'TLSHandshakeError');

/**
 * The TLS handshake did not complete within the handshake timeout
 * (`handshakeTimeout` in the TLS options, 30 seconds by default): the peer
 * connected but never spoke TLS, or stalled mid-handshake. `code` is
 * `'ERR_TLS_HANDSHAKE_TIMEOUT'` (Node's own code for this) and `timeout` the
 * limit in seconds. Also `instanceof` {@link TimeoutError}.
 */
export class TLSHandshakeTimeoutError extends TLSHandshakeError {
  /** The limit that expired, in seconds. */
  readonly timeout: number;
  constructor(timeout: number, options?: WeftErrorOptions) {
    super(`The TLS handshake did not complete within ${String(timeout)} seconds`, {
      code: 'ERR_TLS_HANDSHAKE_TIMEOUT',
      ...options,
    });
    this.timeout = timeout;
  }
}
nameError(TLSHandshakeTimeoutError, 'TLSHandshakeTimeoutError', TimeoutError);

/**
 * The peer's certificate was rejected: it does not chain to a trusted
 * authority (`code` `'DEPTH_ZERO_SELF_SIGNED_CERT'`,
 * `'SELF_SIGNED_CERT_IN_CHAIN'`, `'UNABLE_TO_VERIFY_LEAF_SIGNATURE'`, ...),
 * it has expired (`'CERT_HAS_EXPIRED'`), it is not valid for the host name
 * (`'ERR_TLS_CERT_ALTNAME_INVALID'`), or a required client certificate was
 * missing.
 */
export class CertificateVerificationError extends TLSHandshakeError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? "The peer's certificate could not be verified", options);
  }
}
nameError(CertificateVerificationError, 'CertificateVerificationError');

/**
 * TLS options could not be used: a certificate, key or CA file could not be
 * read (`code` `'ENOENT'`, ...) or parsed (`'ERR_OSSL_PEM_NO_START_LINE'`,
 * ...), a key does not match its certificate, or a passphrase is wrong.
 * `listenSSL` fails with it; `connectSSL` reports it to
 * `clientConnectionFailed`.
 */
export class TLSOptionsError extends WeftError {
  constructor(message?: string, options?: WeftErrorOptions) {
    super(message ?? 'The TLS options could not be used', options);
  }
}
nameError(TLSOptionsError, 'TLSOptionsError');
