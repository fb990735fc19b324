/**
 * An EventEmitter facade over a weft connection, for code written in
 * emitter style (`conn.on('data', ...)`), as if it held a `net.Socket`.
 *
 * @module
 */
import { EventEmitter } from 'node:events';

import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IStreamTransport, ITransport } from '../../src/core/interfaces/transport.js';
import { Logger } from '../../src/core/logger.js';
import { Protocol } from '../../src/core/protocol.js';

const log = new Logger('weft.adapters.events');

/** The events an {@link EmitterProtocol} emits, with their arguments. */
export interface EmitterProtocolEvents {
  /** The connection is made (`connectionMade`). */
  connect: [];
  /** Bytes arrived (`dataReceived`). */
  data: [chunk: Uint8Array];
  /** The peer finished sending: a half-close, or a clean close. At most once, before `close`. */
  end: [];
  /** The connection was lost for a reason other than a clean close; before `close`. */
  error: [error: unknown];
  /** The connection is gone (`connectionLost`). Exactly once, last. */
  close: [hadError: boolean];
}

/** Options of {@link EmitterProtocol}. */
export interface EmitterProtocolOptions {
  /**
   * Keep the connection open for writing after the peer's half-close
   * (`'end'` is emitted, `'close'` waits for `end()`), as `allowHalfOpen`
   * does for `net.Socket`. Default false.
   */
  readonly allowHalfOpen?: boolean;
}

/**
 * A protocol that reports its connection as events — `'connect'`,
 * `'data'`, `'end'`, `'error'`, `'close'` — with `write`, `end` and
 * `destroy` in `net.Socket`'s style.
 *
 * Order: `'connect'` first; `'data'` in order; `'end'` when the peer
 * finishes sending (at most once); then, if the connection was lost
 * uncleanly, `'error'` with the reason's error; `'close'` exactly once, last,
 * with `hadError`. An `'error'` with no listener is logged instead of thrown
 * (a throw inside a transport callback would have nowhere useful to go), so
 * it is the same with node:events and eventemitter3 semantics.
 *
 * Listener errors are logged and do not break the connection's bookkeeping.
 *
 * @example
 * ```ts
 * import { Factory } from 'weft';
 * import { EmitterProtocol } from 'weft/adapters/events';
 *
 * const factory = new Factory<EmitterProtocol>();
 * factory.buildProtocol = () => {
 *   const conn = new EmitterProtocol();
 *   conn.on('data', (chunk) => conn.write(chunk)); // echo
 *   conn.on('close', (hadError) => console.log('closed', hadError));
 *   return conn;
 * };
 * ```
 */
export class EmitterProtocol extends Protocol {
  /** The emitter behind `on`/`once`/`off`; use it directly for the rest of its API. */
  // eslint-disable-next-line @typescript-eslint/consistent-generic-constructors -- isolatedDeclarations needs the annotation
  readonly events: EventEmitter<EmitterProtocolEvents> = new EventEmitter();
  readonly #allowHalfOpen: boolean;
  #ended = false;
  /**
   * Present only with `allowHalfOpen` (with {@link EmitterProtocol.writeConnectionLost}:
   * transports treat a protocol as half-closeable only when it has both).
   */
  readonly readConnectionLost?: () => void;
  /** Present only with `allowHalfOpen`: our write side was closed; nothing to do. */
  readonly writeConnectionLost?: () => void;

  constructor(options: EmitterProtocolOptions = {}) {
    super();
    this.#allowHalfOpen = options.allowHalfOpen ?? false;
    if (this.#allowHalfOpen) {
      this.readConnectionLost = (): void => {
        this.#end();
      };
      this.writeConnectionLost = (): void => undefined;
    }
  }

  /** Adds a listener. */
  on<E extends keyof EmitterProtocolEvents>(
    event: E,
    listener: (...args: EmitterProtocolEvents[E]) => void,
  ): this {
    this.events.on(event, listener as never);
    return this;
  }

  /** Adds a one-time listener. */
  once<E extends keyof EmitterProtocolEvents>(
    event: E,
    listener: (...args: EmitterProtocolEvents[E]) => void,
  ): this {
    this.events.once(event, listener as never);
    return this;
  }

  /** Removes a listener. */
  off<E extends keyof EmitterProtocolEvents>(
    event: E,
    listener: (...args: EmitterProtocolEvents[E]) => void,
  ): this {
    this.events.off(event, listener as never);
    return this;
  }

  /** Writes to the connection (strings as UTF-8). */
  write(data: Uint8Array | string): void {
    this.transport.write(data);
  }

  /**
   * Finishes sending, after writing `data` if given: a half-close when the
   * transport supports it (the peer may still reply), otherwise a close
   * once everything is written.
   */
  end(data?: Uint8Array | string): void {
    if (data !== undefined) this.transport.write(data);
    const t: ITransport = this.transport;
    if (typeof (t as Partial<IStreamTransport>).loseWriteConnection === 'function') {
      (t as IStreamTransport).loseWriteConnection();
    } else {
      t.loseConnection();
    }
  }

  /** Closes the connection at once, dropping unwritten data (`abortConnection`, else `loseConnection`). */
  destroy(): void {
    const t = this.transport as Partial<IStreamTransport> & ITransport;
    if (typeof t.abortConnection === 'function') t.abortConnection();
    else t.loseConnection();
  }

  /** Emits `'connect'`. */
  override connectionMade(): void {
    this.#emit('connect');
  }

  /** Emits `'data'`. */
  override dataReceived(data: Uint8Array): void {
    this.#emit('data', data);
  }

  /** Emits `'end'` (clean close, if not yet), `'error'` (unclean) and `'close'`. */
  override connectionLost(reason: Failure): void {
    const clean = reason.check(ConnectionDone) !== null;
    if (clean) this.#end();
    else this.#emit('error', reason.value);
    this.#emit('close', !clean);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#emit('end');
  }

  #emit<E extends keyof EmitterProtocolEvents>(event: E, ...args: EmitterProtocolEvents[E]): void {
    if (event === 'error' && this.events.listenerCount('error') === 0) {
      log.failure('Connection lost with no error listener', args[0]);
      return;
    }
    try {
      (this.events.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (e) {
      log.failure(`Error in an EmitterProtocol '${event}' listener`, e);
    }
  }
}
