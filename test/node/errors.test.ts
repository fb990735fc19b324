// The platform-code → error-class mapping of src/node/errors.ts.
import { describe, expect, it } from 'vitest';

import {
  BadFileError,
  CannotListenError,
  ConnectBindError,
  ConnectError,
  ConnectionLost,
  ConnectionRefusedError,
  DNSLookupError,
  NoRouteError,
  TCPTimedOutError,
} from '../../src/core/errors.js';
import { cannotListenFrom, errorCode } from '../../src/node/errors.js';
import { connectErrorFrom, connectionLostFrom } from '../../src/node/index.js';

/** An error shaped as Node's system errors. */
function systemError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 127.0.0.1:1`), { code, syscall, errno: -1 });
}

describe('connectErrorFrom', () => {
  it.each([
    ['ECONNREFUSED', ConnectionRefusedError],
    ['ETIMEDOUT', TCPTimedOutError],
    ['EHOSTUNREACH', NoRouteError],
    ['ENETUNREACH', NoRouteError],
    ['EHOSTDOWN', NoRouteError],
    ['ENETDOWN', NoRouteError],
    ['ENOENT', BadFileError],
    ['ENOTSOCK', BadFileError],
    ['ENOTFOUND', DNSLookupError],
    ['EAI_AGAIN', DNSLookupError],
    ['EAI_FAIL', DNSLookupError],
    ['EPROTO', ConnectError],
  ] as const)('maps %s to %o, keeping the code and the cause', (code, cls) => {
    const cause = systemError(code);
    const error = connectErrorFrom(cause);
    expect(error).toBeInstanceOf(cls);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(cause.message);
  });

  it('maps any failure of bind to ConnectBindError', () => {
    const error = connectErrorFrom(systemError('EADDRINUSE', 'bind'));
    expect(error).toBeInstanceOf(ConnectBindError);
    expect(error.code).toBe('EADDRINUSE');
  });

  it('makes a plain ConnectError of something that is not an error', () => {
    const error = connectErrorFrom('weird');
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.code).toBeUndefined();
    expect(error.message).toContain('weird');
  });
});

describe('connectionLostFrom', () => {
  it.each(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])(
    'makes ConnectionLost of %s, keeping the code and the cause',
    (code) => {
      const cause = systemError(code, 'read');
      const error = connectionLostFrom(cause);
      expect(error).toBeInstanceOf(ConnectionLost);
      expect(error.code).toBe(code);
      expect(error.cause).toBe(cause);
    },
  );
});

describe('cannotListenFrom', () => {
  it('keeps the interface, the port, the code and the cause', () => {
    const cause = systemError('EACCES', 'listen');
    const error = cannotListenFrom('127.0.0.1', 80, cause);
    expect(error).toBeInstanceOf(CannotListenError);
    expect(error).toMatchObject({ interface: '127.0.0.1', port: 80, code: 'EACCES', cause });
  });
});

describe('errorCode', () => {
  it('is the string code of an error-like object, else undefined', () => {
    expect(errorCode(systemError('EPIPE'))).toBe('EPIPE');
    expect(errorCode({ code: 42 })).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode('EPIPE')).toBeUndefined();
  });
});
