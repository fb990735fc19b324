/**
 * Errors of name resolution, endpoints and endpoint strings.
 *
 * @module
 */
import { nameError } from './brand.js';
import { ConnectError, DNSLookupError, TimeoutError, WeftError } from './errors.js';
import type { WeftErrorOptions } from './errors.js';
import type { Failure } from './failure.js';

/**
 * A name lookup ran past its time limit: a {@link DNSLookupError} with code
 * `'ETIMEOUT'` that is also `instanceof` {@link TimeoutError}.
 */
export class DNSLookupTimeoutError extends DNSLookupError {
  /** The limit that expired, in seconds. */
  readonly timeout: number;
  constructor(name: string, timeout: number, options?: WeftErrorOptions) {
    super(`DNS lookup failed: ${name}: timed out after ${String(timeout)} seconds`, {
      code: 'ETIMEOUT',
      ...options,
    });
    this.timeout = timeout;
  }
}
nameError(DNSLookupTimeoutError, 'DNSLookupTimeoutError', TimeoutError);

/** One failed attempt of a {@link ConnectAttemptsFailedError}: where to, and why. */
export interface FailedAttempt {
  /** The address tried, e.g. `IPv6Address(TCP, '::1', 80)`. */
  readonly address: string;
  /** Why it failed (a `ConnectError`, usually). */
  readonly failure: Failure;
}

/**
 * Every address a `HostnameEndpoint` tried failed. `attempts` holds each
 * address with its failure, in the order they were tried; `code` and `cause`
 * are the last failure's (so `err.code === 'ECONNREFUSED'` works as with a
 * single attempt). Twisted fails with the last failure alone; weft keeps
 * them all.
 */
export class ConnectAttemptsFailedError extends ConnectError {
  /** Each attempt and its failure, in the order they were tried. */
  readonly attempts: readonly FailedAttempt[];
  constructor(hostname: string, attempts: readonly FailedAttempt[]) {
    const last = attempts.at(-1)?.failure.value;
    const code = (last as { code?: unknown } | undefined)?.code;
    super(
      `All ${String(attempts.length)} connection attempts to ${hostname} failed: ` +
        attempts.map((a) => `${a.address}: ${a.failure.getErrorMessage()}`).join('; '),
      { code: typeof code === 'string' ? code : undefined, cause: last },
    );
    this.attempts = attempts;
  }
}
nameError(ConnectAttemptsFailedError, 'ConnectAttemptsFailedError');

/**
 * An endpoint description string could not be used (Twisted raises
 * `ValueError` or `TypeError`). `description` is the string given. The
 * subclasses say why; this class itself is thrown for bad syntax (a
 * trailing backslash, no endpoint type).
 */
export class EndpointStringError extends WeftError {
  /** The endpoint description that was given. */
  readonly description: string;
  constructor(description: string, message: string, options?: WeftErrorOptions) {
    super(`${message} in endpoint description ${JSON.stringify(description)}`, options);
    this.description = description;
  }
}
nameError(EndpointStringError, 'EndpointStringError');

/** The endpoint type (the first segment) has no parser registered. */
export class UnknownEndpointTypeError extends EndpointStringError {
  /** The type asked for, as written. */
  readonly endpointType: string;
  constructor(description: string, endpointType: string) {
    super(description, `Unknown endpoint type: ${JSON.stringify(endpointType)}`);
    this.endpointType = endpointType;
  }
}
nameError(UnknownEndpointTypeError, 'UnknownEndpointTypeError');

/**
 * An argument is missing, unknown, repeated as positional and keyword, or
 * has a bad value (a port that is not a number, ...). `argument` names it.
 */
export class EndpointArgumentError extends EndpointStringError {
  /** The argument's name (`'port'`, `'timeout'`, ...), or `'#2'` for an unnamed positional one. */
  readonly argument: string;
  constructor(description: string, argument: string, message: string) {
    super(description, message);
    this.argument = argument;
  }
}
nameError(EndpointArgumentError, 'EndpointArgumentError');
