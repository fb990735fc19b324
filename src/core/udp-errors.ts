/**
 * Errors of datagram transports (Twisted's `MulticastJoinError`, and the
 * error a failed datagram send is reported with).
 *
 * @module
 */
import { nameError } from './brand.js';
import { WeftError, type WeftErrorOptions } from './errors.js';

/** Joining (or leaving) a multicast group failed; `code` is the platform's (`'EADDRINUSE'`, `'ENODEV'`, ...). */
export class MulticastJoinError extends WeftError {
  /** The group address asked for. */
  readonly group: string;
  /** The interface address asked for (`''`: the kernel's choice). */
  readonly interface: string;
  constructor(group: string, iface: string, options?: WeftErrorOptions) {
    const cause = options?.cause;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      `Couldn't join multicast group ${group} on ${iface === '' ? 'any' : iface}${why}`,
      options,
    );
    this.group = group;
    this.interface = iface;
  }
}
nameError(MulticastJoinError, 'MulticastJoinError');

/**
 * A datagram socket operation failed: a send, for a reason other than its
 * length (`MessageLengthError`) or a refusal (`connectionRefused`) — `EACCES`
 * for a broadcast without `setBroadcastAllowed(true)`, `ENETUNREACH`, ... —
 * or a socket option the platform rejected. `code` is the platform's.
 */
export class DatagramError extends WeftError {}
nameError(DatagramError, 'DatagramError');
