// The TLS error mapping of src/node/tls-errors.ts, and the TLS error classes of src/core.
import { describe, expect, it } from 'vitest';

import { ConnectionLost, WeftError } from '../../src/core/errors.js';
import {
  CertificateVerificationError,
  TLSError,
  TLSHandshakeError,
  TLSOptionsError,
} from '../../src/core/tls-errors.js';
import { tlsErrorFrom } from '../../src/node/index.js';

/** An error shaped as Node's TLS and OpenSSL errors. */
function tlsError(code: string): Error {
  return Object.assign(new Error(`${code} happened`), { code });
}

describe('tlsErrorFrom', () => {
  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
  ])('makes CertificateVerificationError of %s, before or after the handshake', (code) => {
    for (const done of [false, true]) {
      const cause = tlsError(code);
      const error = tlsErrorFrom(cause, done);
      expect(error).toBeInstanceOf(CertificateVerificationError);
      expect(error).toMatchObject({ code, cause });
      expect(error.message).toContain(cause.message);
    }
  });

  it('makes TLSHandshakeError of anything before the handshake completed', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ECONNRESET']) {
      const error = tlsErrorFrom(tlsError(code), false);
      expect(error).toBeInstanceOf(TLSHandshakeError);
      expect(error).not.toBeInstanceOf(CertificateVerificationError);
      expect(error.code).toBe(code);
    }
  });

  it('makes TLSError of an OpenSSL or TLS error after the handshake', () => {
    for (const code of ['ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'ERR_TLS_INVALID_STATE']) {
      const error = tlsErrorFrom(tlsError(code), true);
      expect(error).toBeInstanceOf(TLSError);
      expect(error).not.toBeInstanceOf(TLSHandshakeError);
      expect(error.code).toBe(code);
    }
  });

  it('makes a plain ConnectionLost of a socket error after the handshake, as TCP does', () => {
    const error = tlsErrorFrom(tlsError('ECONNRESET'), true);
    expect(error).toBeInstanceOf(ConnectionLost);
    expect(error).not.toBeInstanceOf(TLSError);
    expect(error.code).toBe('ECONNRESET');
  });

  it('copes with something that is not an error', () => {
    const error = tlsErrorFrom('odd', false);
    expect(error).toBeInstanceOf(TLSHandshakeError);
    expect(error.code).toBeUndefined();
    expect(error.message).toContain('odd');
  });
});

describe('TLS error classes', () => {
  it('sit under ConnectionLost (or WeftError for options), with default messages and names', () => {
    const cases = [
      [new TLSError(), ConnectionLost, 'TLSError'],
      [new TLSHandshakeError(), TLSError, 'TLSHandshakeError'],
      [new CertificateVerificationError(), TLSHandshakeError, 'CertificateVerificationError'],
      [new TLSOptionsError(), WeftError, 'TLSOptionsError'],
    ] as const;
    for (const [error, parent, name] of cases) {
      expect(error).toBeInstanceOf(parent);
      expect(error.name).toBe(name);
      expect(error.message).not.toBe('');
      expect(error.code).toBeUndefined();
    }
  });
});
