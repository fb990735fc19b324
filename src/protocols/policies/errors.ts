/**
 * Errors of the connection policies: why a wrapping factory refused a
 * connection.
 *
 * A refusal is not thrown at anyone: the factory's `buildProtocol` returns
 * `null` (the port then closes the connection at once) and hands one of these
 * to the factory's `limitReached` hook, which logs it by default.
 *
 * @module
 */
import { nameError } from '../../core/brand.js';
import type { IAddress } from '../../core/address.js';
import { WeftError, type WeftErrorOptions } from '../../core/errors.js';

/**
 * A connection was refused because a connection limit was reached (the
 * `maxConnectionCount` of a `ThrottlingFactory`, say).
 */
export class ConnectionLimitError extends WeftError {
  /** The limit that was reached: how many connections were allowed. */
  readonly limit: number;
  /** The address of the refused peer. */
  readonly peer: IAddress;

  constructor(limit: number, peer: IAddress, message?: string, options?: WeftErrorOptions) {
    super(
      message ?? `Connection limit of ${String(limit)} reached; refused ${peer.toString()}`,
      options,
    );
    this.limit = limit;
    this.peer = peer;
  }
}
nameError(ConnectionLimitError, 'ConnectionLimitError');

/**
 * A connection was refused because its peer already had as many connections
 * as allowed (`LimitConnectionsByPeer.maxConnectionsPerPeer`).
 */
export class PeerConnectionLimitError extends ConnectionLimitError {
  /** The key the peer was counted under: its host address (see `LimitConnectionsByPeer.peerKey`). */
  readonly peerKey: string;

  constructor(limit: number, peer: IAddress, peerKey: string, options?: WeftErrorOptions) {
    super(
      limit,
      peer,
      `Peer ${peerKey} already has ${String(limit)} connections; refused ${peer.toString()}`,
      options,
    );
    this.peerKey = peerKey;
  }
}
nameError(PeerConnectionLimitError, 'PeerConnectionLimitError');
