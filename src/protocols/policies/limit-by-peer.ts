/**
 * `LimitConnectionsByPeer`: at most so many connections from one peer host.
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import { Logger } from '../../core/logger.js';
import { PeerConnectionLimitError } from './errors.js';
import { WrappingFactory, type ProtocolWrapper, type WrappableFactory } from './wrapper.js';

const log = new Logger('weft.protocols.policies');

/** Options of {@link LimitConnectionsByPeer}. */
export interface LimitConnectionsByPeerOptions {
  /** How many connections one peer host may have open at once. Default 5, as in Twisted. */
  readonly maxConnectionsPerPeer?: number;
}

/**
 * Refuses a connection when its peer host already has
 * `maxConnectionsPerPeer` connections open (Twisted's
 * `LimitConnectionsByPeer`).
 *
 * Peers are counted by {@link LimitConnectionsByPeer.peerKey}: the host of
 * an IP address (every port of `10.0.0.7` counts together), the whole
 * address otherwise (so all unnamed UNIX-socket clients share one count).
 * A refused connection gets `null` from `buildProtocol` (the port closes it
 * at once) and {@link LimitConnectionsByPeer.limitReached} gets a
 * {@link PeerConnectionLimitError}.
 *
 * Unlike Twisted 22.4, which looks the peer up again when a connection goes
 * (with the wrong index, so its counts never went down), each wrapper
 * remembers the key it was counted under; and the counts live as long as
 * the factory, not from `startFactory`, since connections outlive the port
 * that accepted them.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const limited = new LimitConnectionsByPeer(Factory.forProtocol(Echo), {
 *   maxConnectionsPerPeer: 2,
 * });
 * ```
 */
export class LimitConnectionsByPeer extends WrappingFactory {
  /** How many connections one peer may have open at once. */
  maxConnectionsPerPeer: number;
  /** Open connections per peer key; peers with none are absent. */
  readonly peerConnections: Map<string, number>;

  readonly #keys = new Map<ProtocolWrapper, string>();

  /**
   * @param wrappedFactory - the factory whose protocols to limit.
   * @throws {RangeError} if `maxConnectionsPerPeer` is negative or not a number.
   */
  constructor(wrappedFactory: WrappableFactory, options: LimitConnectionsByPeerOptions = {}) {
    super(wrappedFactory);
    this.peerConnections = new Map();
    this.maxConnectionsPerPeer = options.maxConnectionsPerPeer ?? 5;
    if (!(this.maxConnectionsPerPeer >= 0)) {
      throw new RangeError(
        `maxConnectionsPerPeer must be >= 0, got ${String(this.maxConnectionsPerPeer)}`,
      );
    }
  }

  /** The key `addr` is counted under: its `host` when it has one, else its string form. */
  peerKey(addr: IAddress): string {
    const host = (addr as { host?: unknown }).host;
    return typeof host === 'string' ? host : addr.toString();
  }

  /**
   * A wrapper for the wrapped factory's protocol, or `null` when the peer
   * is at its limit (or the wrapped factory refuses).
   */
  override buildProtocol(addr: IAddress): ProtocolWrapper | null {
    const key = this.peerKey(addr);
    const count = this.peerConnections.get(key) ?? 0;
    if (count >= this.maxConnectionsPerPeer) {
      this.limitReached(addr, new PeerConnectionLimitError(this.maxConnectionsPerPeer, addr, key));
      return null;
    }
    const wrapper = super.buildProtocol(addr);
    if (wrapper === null) return null;
    this.peerConnections.set(key, count + 1);
    this.#keys.set(wrapper, key);
    return wrapper;
  }

  /** Unregisters `p` and uncounts it from its peer. */
  override unregisterProtocol(p: ProtocolWrapper): void {
    super.unregisterProtocol(p);
    const key = this.#keys.get(p);
    if (key === undefined) return;
    this.#keys.delete(p);
    const left = (this.peerConnections.get(key) ?? 1) - 1;
    if (left > 0) this.peerConnections.set(key, left);
    else this.peerConnections.delete(key);
  }

  /**
   * A connection from `addr` was refused because its peer was at the limit.
   * Logs it at `info`; override to count or report refusals.
   */
  limitReached(addr: IAddress, error: PeerConnectionLimitError): void {
    log.info('{factory} refused {peer}: {message}', {
      factory: this.logPrefix(),
      peer: addr.toString(),
      message: error.message,
    });
  }
}
