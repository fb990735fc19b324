/**
 * Gives a protocol proxy the optional callbacks of the protocol it wraps,
 * shared by `ReconnectingProtocolProxy` and `ProtocolWrapper`. Internal: not
 * exported from `weft/core`.
 *
 * @module
 */
import type { IHandshakeListener, IProtocol } from './interfaces/protocol.js';
import { isHalfCloseableProtocol } from './interfaces/protocol.js';

/** The optional callbacks a transport looks for on a protocol. */
export interface OptionalProtocolHooks {
  /** The peer finished sending (half-close). */
  readConnectionLost?(): void;
  /** Our write side was closed (half-close). */
  writeConnectionLost?(): void;
  /** The TLS handshake completed. */
  handshakeCompleted?(): void;
}

/**
 * Sets on `proxy` the callbacks `wrapped` has, each forwarding to it:
 * `readConnectionLost`/`writeConnectionLost` when `wrapped` is
 * half-closeable, `handshakeCompleted` when it has one. A transport then sees
 * the same interfaces on the proxy as on the protocol itself. Call it from
 * the proxy's constructor.
 */
export function forwardOptionalHooks(proxy: OptionalProtocolHooks, wrapped: IProtocol): void {
  if (isHalfCloseableProtocol(wrapped)) {
    proxy.readConnectionLost = () => {
      wrapped.readConnectionLost();
    };
    proxy.writeConnectionLost = () => {
      wrapped.writeConnectionLost();
    };
  }
  const handshake = (wrapped as Partial<IHandshakeListener>).handshakeCompleted;
  if (typeof handshake === 'function') {
    proxy.handshakeCompleted = () => {
      handshake.call(wrapped);
    };
  }
}
