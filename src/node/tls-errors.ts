/**
 * Node's TLS errors as weft's TLS error classes: the one place where an
 * OpenSSL or certificate-verification code chooses a class.
 *
 * @module
 */
import type { ConnectionLost } from '../core/errors.js';
import { CertificateVerificationError, TLSError, TLSHandshakeError } from '../core/tls-errors.js';
import { connectionLostFrom, errorCode } from './errors.js';

/**
 * Codes of a rejected peer certificate: OpenSSL's verification results as
 * Node names them, Node's host-name check, and a required client
 * certificate that never came.
 */
const VERIFICATION_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether `code` is OpenSSL's or Node's TLS layer's. */
function isTLSCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/**
 * The reason a TLS connection ended on `err`:
 *
 * | when | class |
 * |---|---|
 * | the peer's certificate was rejected (a verification code) | {@link CertificateVerificationError} |
 * | anything before the handshake completed (an alert, no common version, the peer closing) | {@link TLSHandshakeError} |
 * | an OpenSSL or TLS error after it (`'ERR_SSL_...'`) | {@link TLSError} |
 * | a socket error after it (`'ECONNRESET'`, ...) | `ConnectionLost`, as on TCP |
 *
 * The platform's `code` is kept and the error chained as `cause`.
 */
export function tlsErrorFrom(err: unknown, handshakeDone: boolean): ConnectionLost {
  const code = errorCode(err);
  const options = { code, cause: err };
  if (code !== undefined && VERIFICATION_CODES.has(code)) {
    return new CertificateVerificationError(
      `The peer's certificate was rejected: ${messageOf(err)}`,
      options,
    );
  }
  if (!handshakeDone) {
    return new TLSHandshakeError(`The TLS handshake failed: ${messageOf(err)}`, options);
  }
  if (isTLSCode(code)) {
    return new TLSError(`The TLS connection failed: ${messageOf(err)}`, options);
  }
  return connectionLostFrom(err);
}
