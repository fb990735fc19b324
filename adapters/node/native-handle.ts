/**
 * The Node internals behind {@link WeftSocket.exposeHandle}: which weft
 * connections may let Node read straight from their socket's native handle,
 * and how such reads are stopped. Each internal is checked before use, so a
 * Node that differs gets `null` here and the ordinary `'data'` path.
 *
 * @module
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

import type { IProtocol } from '../../src/core/interfaces/protocol.js';
import type { ITransport } from '../../src/core/interfaces/transport.js';
import { StreamTransport } from '../../src/node/stream-transport.js';

/** The native handle of a `net.Socket` (`_handle`), as far as weft relies on it. */
export interface NativeHandle {
  readonly isStreamBase?: boolean;
  readonly _consumed?: boolean;
  reading?: boolean;
  readStop(): number;
}

/** `socket`'s native handle, or null (closed, or not a handle-backed socket). */
export function nativeHandleOf(socket: Socket): NativeHandle | null {
  return (socket as unknown as { readonly _handle?: NativeHandle | null })._handle ?? null;
}

/**
 * The `net.Socket` under `transport` whose handle Node code may read from in
 * place of `protocol`, or null: the transport is weft's own TCP or UNIX
 * connection (not TLS) with `protocol` directly on it (no wrapper that must
 * see every byte), and its handle is a stream nobody consumes yet.
 */
export function exposableSocket(transport: ITransport | null, protocol: IProtocol): Socket | null {
  if (!(transport instanceof StreamTransport) || transport.protocol !== protocol) return null;
  const socket: unknown = transport.getHandle();
  if (!(socket instanceof Socket) || socket instanceof TLSSocket) return null;
  const handle = nativeHandleOf(socket);
  return handle?.isStreamBase === true && handle._consumed !== true ? socket : null;
}

/**
 * Stops reads from `socket`'s handle: closing weft's transport stops its own
 * reads, not those of Node code that consumes the handle directly.
 */
export function stopHandleReads(socket: Socket): void {
  const handle = nativeHandleOf(socket);
  if (handle?.reading === true) {
    handle.reading = false;
    handle.readStop();
  }
}
