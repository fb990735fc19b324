/**
 * `NetstringReceiver`: Twisted's netstring protocol base class.
 *
 * @module
 */
import type { ITransport } from '../../core/interfaces/transport.js';
import { asBytes } from './bytes.js';
import { NetstringParseError } from './errors.js';
import { formatNetstring, NetstringFramer } from './netstring-framer.js';
import { PausableReceiver } from './pausable-receiver.js';

/**
 * A protocol that sends and receives netstrings (Twisted's
 * `NetstringReceiver`): `<decimal length>:<payload>,`, see
 * https://cr.yp.to/proto/netstrings.txt.
 *
 * Each payload goes to {@link NetstringReceiver.stringReceived}. Bytes that
 * are not a netstring (no length, a leading zero, a length over
 * {@link NetstringReceiver.MAX_LENGTH}, no comma after the payload) call
 * {@link NetstringReceiver.handleParseError}, which by default drops the
 * connection; {@link NetstringReceiver.brokenPeer} and
 * {@link NetstringReceiver.parseError} then say why, and nothing more is
 * delivered. A length over the limit is refused from its digits, before any
 * of the payload is buffered: the receiver holds at most `MAX_LENGTH + 1`
 * bytes of an unfinished netstring.
 *
 * Delivery stops as soon as the transport is `disconnecting` and while the
 * receiver is paused (an addition to Twisted, whose `NetstringReceiver` cannot
 * pause); resuming delivers the held strings first.
 *
 * @example
 * ```ts
 * class Echo extends NetstringReceiver {
 *   override stringReceived(payload: Uint8Array): void {
 *     this.sendString(payload);
 *   }
 * }
 * ```
 */
export abstract class NetstringReceiver<
  T extends ITransport = ITransport,
> extends PausableReceiver<T> {
  /** The longest payload accepted, in bytes. Default 99999. */
  MAX_LENGTH = 99999;
  /** Whether the peer sent something that is not a netstring. */
  brokenPeer = false;
  /** What the peer got wrong, once {@link NetstringReceiver.brokenPeer} is set. */
  parseError: NetstringParseError | null = null;
  #framer: NetstringFramer | null = null;
  #busyReceiving = false;

  /** Parses `data` into payloads for {@link NetstringReceiver.stringReceived}. */
  override dataReceived(data: Uint8Array): void {
    const framer = (this.#framer ??= new NetstringFramer());
    framer.maxLength = this.MAX_LENGTH;
    framer.feed(data);
    if (this.#busyReceiving) return;
    this.#busyReceiving = true;
    try {
      while (!this.paused && !this.transport.disconnecting) {
        let payload: Uint8Array | undefined;
        try {
          payload = framer.next();
        } catch (e) {
          if (!(e instanceof NetstringParseError)) throw e;
          this.brokenPeer = true;
          this.parseError = e;
          this.handleParseError(e);
          return;
        }
        if (payload === undefined) return;
        this.stringReceived(payload);
      }
    } finally {
      this.#busyReceiving = false;
    }
  }

  /**
   * A netstring arrived; `payload` is its content: a plain `Uint8Array`,
   * possibly a view sharing the memory of the chunk it arrived in; do not
   * write to it.
   */
  abstract stringReceived(payload: Uint8Array): void;

  /** Writes `payload` as one netstring; a string is sent as UTF-8. */
  sendString(payload: Uint8Array | string): void {
    this.transport.write(formatNetstring(asBytes(payload)));
  }

  /**
   * The peer sent bytes that are not a netstring (`error.reason` says how).
   * By default drops the connection (`loseConnection()`), as Twisted; no
   * more strings are delivered either way.
   */
  handleParseError(_error: NetstringParseError): void {
    this.transport.loseConnection();
  }
}
