/**
 * The socket listeners and the close state machine of {@link StreamTransport}, kept apart
 * from its write and flow-control path. They reach the transport's private state through a
 * {@link StreamTransportAccess} that the class hands over from its `static {}` block, so
 * that state stays private to everything else.
 *
 * ```
 *   loseConnection() ──────► CLOSE_FULL ─┐
 *   loseWriteConnection() ─► CLOSE_WRITE ┴─► end of turn, once no producer is registered and
 *                                          no write is held: socket.end()
 *                                            └─► 'finish' ─► destroy() (FULL; over TLS, once the
 *                                                          peer's end is read: closeWhenWritten)
 *                                                          or writeConnectionLost() (WRITE)
 *   abortConnection(), closeWith() ─────────► destroy()
 *   every path ─► 'close' ─► connectionLost(first reason known), exactly once
 * ```
 *
 * @module
 * @internal
 */
import type { Duplex } from 'node:stream';
import { ConnectionAborted, ConnectionDone, ConnectionLost } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import type { IDelayedCall } from '../core/interfaces/reactor.js';
import { isHalfCloseableProtocol } from '../core/interfaces/protocol.js';
import { Logger } from '../core/logger.js';
import type { SocketContext } from './socket-context.js';
import type { StreamTransport } from './stream-transport.js';

const log = new Logger('weft.transport');

/** What a close request asks for, in increasing order. */
export const CLOSE_NONE = 0;
/** Close the write side only (`loseWriteConnection`). */
export const CLOSE_WRITE = 1;
/** Close both sides (`loseConnection`). */
export const CLOSE_FULL = 2;
/** One of {@link CLOSE_NONE}, {@link CLOSE_WRITE}, {@link CLOSE_FULL}. */
export type CloseRequest = typeof CLOSE_NONE | typeof CLOSE_WRITE | typeof CLOSE_FULL;

/** The part of a transport's state that only the close machine changes (never read by `write`). */
export interface CloseState {
  /** Why the connection ended, once known: the first cause wins. */
  reason: Failure | null;
  /** From `makeConnection` until `connectionLost`. */
  connected: boolean;
  /** Set once `connectionLost` was called. */
  lost: boolean;
  /** Set by `loseConnection()`, `abortConnection()` or any close. */
  disconnecting: boolean;
  aborting: boolean;
  closeRequest: CloseRequest;
  /** Whether a close is queued for the end of this turn. */
  closeScheduled: boolean;
  /**
   * TLS: our side is closed (close_notify sent) and what the peer still sends is read and dropped
   * until its end of stream, so that closing does not reset the connection (see
   * {@link closeWhenWritten}); the bound on that wait, while it runs.
   */
  draining: IDelayedCall | null;
}

/** A fresh {@link CloseState}: not connected yet, nothing asked. */
export function newCloseState(): CloseState {
  return {
    reason: null,
    connected: false,
    lost: false,
    disconnecting: false,
    aborting: false,
    closeRequest: CLOSE_NONE,
    closeScheduled: false,
    draining: null,
  };
}

type AnyTransport = StreamTransport<Duplex>;

/** The private state and protected hooks of a transport, as its class hands them over. */
export interface StreamTransportAccess {
  close(t: AnyTransport): CloseState;
  socket(t: AnyTransport): Duplex;
  context(t: AnyTransport): SocketContext;
  onLost(t: AnyTransport): ((reason: Failure) => void) | undefined;
  producer(t: AnyTransport): IPushProducer | IPullProducer | null;
  /** Unregisters the producer without side effects and returns it. */
  takeProducer(t: AnyTransport): IPushProducer | IPullProducer | null;
  /** Whether writes are held for a socket switch. */
  holding(t: AnyTransport): boolean;
  /** Drops every later write. */
  closeWrites(t: AnyTransport): void;
  /** Resumes a push producer paused for a full buffer. */
  drained(t: AnyTransport): void;
  lostReason(t: AnyTransport, err: Error): Error;
  endReason(t: AnyTransport): Error | null;
  peerClosed(t: AnyTransport): void;
  resetSocket(t: AnyTransport, socket: Duplex): void;
  /** Whether a full close waits for the peer's end of stream, reading (TLS). */
  drainsBeforeClose(t: AnyTransport): boolean;
}

let access!: StreamTransportAccess;

/** Called once, by `StreamTransport`'s static block. */
export function provideStreamTransportAccess(a: StreamTransportAccess): void {
  access = a;
}

// ----- socket events: one listener set for all sockets, finding the transport via kTransport

/** Where the transport owning a socket is kept, so one set of listeners serves every socket. */
const kTransport: unique symbol = Symbol('weft.transport');
type OwnedSocket = Duplex & { [kTransport]: AnyTransport };

function onData(this: Duplex, chunk: Buffer): void {
  const t = (this as OwnedSocket)[kTransport];
  if (access.close(t).draining !== null) return; // closed on our side: dropped, unread by the protocol
  try {
    t.protocol.dataReceived(chunk);
  } catch (e) {
    callbackFailed(t, e, t.protocol, 'dataReceived');
  }
}

function onEnd(this: Duplex): void {
  readEnded((this as OwnedSocket)[kTransport]);
}

function onFinish(this: Duplex): void {
  writeFinished((this as OwnedSocket)[kTransport]);
}

function onDrain(this: Duplex): void {
  access.drained((this as OwnedSocket)[kTransport]);
}

function onError(this: Duplex, err: Error): void {
  const t = (this as OwnedSocket)[kTransport];
  const state = access.close(t);
  // Node destroys the socket after an error; 'close' follows and reports this reason.
  state.reason ??= new Failure(access.lostReason(t, err));
}

function onClose(this: Duplex): void {
  const t = (this as OwnedSocket)[kTransport];
  connectionLost(t, access.close(t).reason ?? new Failure(new ConnectionDone()));
}

/** Makes `t` the owner of `socket`'s events. */
export function attachSocket(t: AnyTransport, socket: Duplex): void {
  (socket as OwnedSocket)[kTransport] = t;
  // Listeners stay attached for the socket's whole life, so no late 'error' goes unhandled.
  socket.on('error', onError);
  socket.on('close', onClose);
  socket.on('end', onEnd);
  socket.on('finish', onFinish);
  socket.on('drain', onDrain);
  socket.on('data', onData);
}

/** Stops delivering `socket`'s events (it is being layered under a new socket). */
export function detachSocket(socket: Duplex): void {
  socket.removeListener('error', onError);
  socket.removeListener('close', onClose);
  socket.removeListener('end', onEnd);
  socket.removeListener('finish', onFinish);
  socket.removeListener('drain', onDrain);
  socket.removeListener('data', onData);
}

function nameOf(value: object): string {
  return value.constructor.name;
}

/** Logs an exception from a callback of `source` and closes the connection with it. */
export function callbackFailed(t: AnyTransport, e: unknown, source: object, method: string): void {
  log.failure('Unhandled error in {source}.{method}; closing the connection', e, {
    source: nameOf(source),
    method,
  });
  closeWith(t, Failure.from(e));
}

// ----- close requests

/** `loseConnection()`: stop reading, then close both sides at the end of this turn. */
export function loseConnection(t: AnyTransport): void {
  const state = access.close(t);
  if (state.disconnecting) return;
  state.disconnecting = true;
  access.socket(t).pause();
  state.closeRequest = CLOSE_FULL;
  scheduleClose(t);
}

/** `loseWriteConnection()`: close the write side at the end of this turn. */
export function loseWriteConnection(t: AnyTransport): void {
  const state = access.close(t);
  if (state.disconnecting || state.closeRequest !== CLOSE_NONE) return;
  state.closeRequest = CLOSE_WRITE;
  scheduleClose(t);
}

/** `abortConnection()`: reset now, `ConnectionAborted` unless the socket is already going. */
export function abortConnection(t: AnyTransport): void {
  const state = access.close(t);
  if (state.lost || state.aborting) return;
  state.aborting = true;
  state.disconnecting = true;
  access.closeWrites(t);
  const socket = access.socket(t);
  if (socket.destroyed) return; // already closing, with its own reason
  state.reason = new Failure(new ConnectionAborted());
  socket.pause();
  access.resetSocket(t, socket);
}

/** Reactor shutdown: destroy now and report `ConnectionLost` before returning. */
export function closeAtShutdown(t: AnyTransport): void {
  access.close(t).disconnecting = true;
  access.closeWrites(t);
  const socket = access.socket(t);
  socket.pause();
  socket.destroy();
  connectionLost(t, new Failure(new ConnectionLost()));
}

/** Send this turn's writes, shut the write side, then close, ignoring any producer. */
export function closeAfterWriteSide(t: AnyTransport): void {
  const state = access.close(t);
  const socket = access.socket(t);
  if (state.lost || socket.destroyed) return;
  state.disconnecting = true;
  access.closeWrites(t);
  state.closeRequest = CLOSE_FULL;
  socket.pause();
  // 'finish' then closes (CLOSE_FULL); a write side already shut is not shut again.
  if (socket.writableFinished) closeWhenWritten(t);
  else socket.end();
}

/** Closes at once, dropping unsent data; `reason` goes to `connectionLost` unless one is known. */
export function closeWith(t: AnyTransport, reason: Failure): void {
  const state = access.close(t);
  const socket = access.socket(t);
  if (state.lost || socket.destroyed) return;
  state.reason = reason;
  state.disconnecting = true;
  access.closeWrites(t);
  socket.pause();
  socket.destroy();
}

function closeTick(this: void, t: AnyTransport): void {
  access.close(t).closeScheduled = false;
  applyCloseRequest(t);
}

/** Queues the requested close for the end of this turn, unless a producer or a switch holds it. */
export function scheduleClose(t: AnyTransport): void {
  // Deferred to the end of this turn, so writes made right after loseConnection() still go out.
  const state = access.close(t);
  if (access.producer(t) !== null || access.holding(t) || state.closeScheduled) return;
  state.closeScheduled = true;
  process.nextTick(closeTick, t);
}

function applyCloseRequest(t: AnyTransport): void {
  const state = access.close(t);
  const socket = access.socket(t);
  if (state.lost || access.producer(t) !== null || access.holding(t) || socket.destroyed) return;
  access.closeWrites(t);
  if (state.closeRequest === CLOSE_FULL && socket.writableFinished) {
    closeWhenWritten(t); // the write side was already shut by loseWriteConnection
  } else if (!socket.writableEnded) {
    socket.end(); // FIN after the buffer; 'finish' then destroys (full) or reports (half)
  }
}

/**
 * Seconds a TLS connection closed on our side waits for the peer's end of
 * stream before it is closed anyway.
 */
export const TLS_CLOSE_WAIT = 10;

/**
 * Our write side is shut and a full close was asked: closes the socket. Over
 * TLS, first reads (and drops) what the peer still sends until its end of
 * stream, for at most {@link TLS_CLOSE_WAIT} seconds. Closing a socket with
 * bytes unread resets the connection, and the peer then loses what it had
 * not read yet, our last writes included; a TLS peer always sends something
 * the protocol never reads (TLS 1.3 session tickets, its close_notify), and
 * may do so just as we close. The close is clean from here
 * (`ConnectionDone`), whatever the peer does next.
 */
function closeWhenWritten(t: AnyTransport): void {
  const socket = access.socket(t);
  const state = access.close(t);
  if (state.draining !== null) return;
  if (!access.drainsBeforeClose(t) || socket.readableEnded || socket.destroyed) {
    socket.destroy();
    return;
  }
  state.reason ??= new Failure(new ConnectionDone());
  state.draining = access.context(t).reactor.callLater(TLS_CLOSE_WAIT, () => {
    socket.destroy();
  });
  socket.resume();
}

// ----- what the socket reports

function writeFinished(t: AnyTransport): void {
  // 'finish' always comes before 'close', so the connection is not lost yet.
  if (access.close(t).closeRequest === CLOSE_FULL) {
    closeWhenWritten(t);
    return;
  }
  const protocol = t.protocol;
  if (isHalfCloseableProtocol(protocol)) {
    try {
      protocol.writeConnectionLost();
    } catch (e) {
      callbackFailed(t, e, protocol, 'writeConnectionLost');
    }
  }
}

function readEnded(t: AnyTransport): void {
  const state = access.close(t);
  if (state.draining !== null) {
    access.socket(t).destroy(); // the peer's end came: both sides are closed
    return;
  }
  if (state.disconnecting) return;
  const early = access.endReason(t);
  if (early !== null) {
    closeWith(t, new Failure(early));
    return;
  }
  const protocol = t.protocol;
  if (isHalfCloseableProtocol(protocol)) {
    try {
      protocol.readConnectionLost();
    } catch (e) {
      callbackFailed(t, e, protocol, 'readConnectionLost');
    }
  } else {
    access.peerClosed(t);
  }
}

/** Stops any producer, then `protocol.connectionLost(reason)` and the owner's hook: once. */
function connectionLost(t: AnyTransport, reason: Failure): void {
  const state = access.close(t);
  if (state.lost) return;
  state.lost = true;
  state.connected = false;
  if (state.draining?.active() === true) state.draining.cancel();
  state.disconnecting = true;
  access.closeWrites(t);
  access.context(t).selectables.delete(t);
  const producer = access.takeProducer(t);
  if (producer !== null) {
    try {
      producer.stopProducing();
    } catch (e) {
      log.failure('Unhandled error in {source}.stopProducing', e, { source: nameOf(producer) });
    }
  }
  try {
    t.protocol.connectionLost(reason);
  } catch (e) {
    log.failure('Unhandled error in {source}.connectionLost', e, {
      source: nameOf(t.protocol),
    });
  }
  access.onLost(t)?.(reason);
}
