/**
 * What transports, ports and connectors share with the reactor that made
 * them: the {@link SocketContext} (clock and open-things set), the
 * {@link Selectable} contract for shutdown, and socket buffer sizing.
 *
 * @module
 */
import type { IReactorTime } from '../core/interfaces/reactor.js';

/**
 * Bytes a transport buffers before it pauses a registered push producer:
 * 64 KiB, as Twisted's `FileDescriptor.bufferSize`. Sockets are made with
 * this as their `highWaterMark`.
 */
export const DEFAULT_BUFFER_SIZE = 65536;

/**
 * `highWaterMark` for `net.connect`: Node passes it to the socket's streams
 * (both directions), but its typings leave it out.
 *
 * @internal
 */
export interface SocketBufferOptions {
  /** Bytes buffered before `write()` returns false (and a paused socket stops reading). */
  readonly highWaterMark?: number;
}

/**
 * Something open that a reactor closes when it shuts down: a connection, a
 * listening port or a connection attempt (Twisted's selectables, which
 * `disconnectAll` hands `connectionLost(ConnectionLost)`). For implementers
 * of transports.
 */
export interface Selectable {
  /** Closes now and reports the loss synchronously. */
  closeAtShutdown(): void;
}

/**
 * What ports, connectors and transports need from the reactor that made
 * them: its clock (for connect timeouts) and the set it tracks open things
 * in, for shutdown. For implementers of transports.
 */
export interface SocketContext {
  /** The reactor's clock. */
  readonly reactor: IReactorTime;
  /** Everything open; each adds itself when opened and removes itself when closed. */
  readonly selectables: Set<Selectable>;
}
