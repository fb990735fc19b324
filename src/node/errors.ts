/**
 * Node's socket errors as weft's error classes: the one place where a
 * platform code (`'ECONNREFUSED'`, `'EPIPE'`, ...) chooses a class (Twisted's
 * `error.getConnectError` and `errnoMapping`).
 *
 * Every error made here keeps the platform's `code` and chains the platform
 * error as `cause`.
 *
 * @module
 */
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
} from '../core/errors.js';

/** The `code` of a Node system error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Resolver codes (besides `EAI_*`): `getaddrinfo` and c-ares failures as Node reports them. */
const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT']);

/**
 * The error a failed host-name lookup is reported with: a
 * {@link DNSLookupError} carrying the resolver's code (`'ENOTFOUND'`,
 * `'EAI_AGAIN'`, ...).
 */
export function dnsLookupErrorFrom(host: string, err: unknown): DNSLookupError {
  const code = errorCode(err);
  return new DNSLookupError(`DNS lookup failed: ${host}: ${messageOf(err)}`, { code, cause: err });
}

/**
 * The error a failed connection attempt is reported with, chosen by the
 * platform code:
 *
 * | code | class |
 * |---|---|
 * | `ECONNREFUSED` | {@link ConnectionRefusedError} |
 * | `ETIMEDOUT` (the OS gave up) | {@link TCPTimedOutError} |
 * | `EHOSTUNREACH`, `ENETUNREACH`, `EHOSTDOWN`, `ENETDOWN` | {@link NoRouteError} |
 * | `ENOTFOUND`, `EAI_*` (a lookup failed) | {@link DNSLookupError} |
 * | any code from `bind` (`EADDRINUSE`, `EADDRNOTAVAIL`, ...) | {@link ConnectBindError} |
 * | `ENOENT`, `ENOTSOCK` (a UNIX socket path) | {@link BadFileError} |
 * | anything else | {@link ConnectError} |
 */
export function connectErrorFrom(err: unknown): ConnectError | DNSLookupError {
  const code = errorCode(err);
  const options = { code, cause: err };
  const message = messageOf(err);
  if ((err as { syscall?: unknown } | null)?.syscall === 'bind') {
    return new ConnectBindError(`Couldn't bind the local address: ${message}`, options);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(
        `Connection was refused by other side: ${message}`,
        options,
      );
    case 'ETIMEDOUT':
      return new TCPTimedOutError(`TCP connection timed out: ${message}`, options);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return new NoRouteError(`No route to host: ${message}`, options);
    case 'ENOENT':
    case 'ENOTSOCK':
      return new BadFileError(`File used for UNIX socket is no good: ${message}`, options);
    default:
      if (code !== undefined && (DNS_CODES.has(code) || code.startsWith('EAI_'))) {
        return new DNSLookupError(`DNS lookup failed: ${message}`, options);
      }
      return new ConnectError(`An error occurred while connecting: ${message}`, options);
  }
}

/**
 * The reason an established connection ended on a socket error
 * (`ECONNRESET`, `EPIPE`, `ETIMEDOUT` from keep-alive, ...): always a
 * {@link ConnectionLost}, carrying the code.
 */
export function connectionLostFrom(err: unknown): ConnectionLost {
  return new ConnectionLost(
    `Connection to the other side was lost in a non-clean fashion: ${messageOf(err)}`,
    { code: errorCode(err), cause: err },
  );
}

/** The error a failed `listen` is reported with, carrying the code (`EADDRINUSE`, `EACCES`, ...). */
export function cannotListenFrom(
  iface: string,
  port: number | string,
  err: unknown,
): CannotListenError {
  return new CannotListenError(iface, port, { code: errorCode(err), cause: err });
}
