/**
 * `StreamServerPort`: a listening `net.Server` that builds a protocol per
 * accepted connection (Twisted's `tcp.Port`, shared by TCP and UNIX ports).
 *
 * @module
 */
import type { ListenOptions, Server, ServerOpts, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { IAddress } from '../core/address.js';
import { Deferred } from '../core/defer.js';
import type { IProtocol, IProtocolFactory } from '../core/interfaces/protocol.js';
import type { IListeningPort } from '../core/interfaces/transport.js';
import { Logger } from '../core/logger.js';
import { cannotListenFrom, errorCode } from './errors.js';
import type { Selectable, SocketContext, StreamTransport } from './stream-transport.js';
import { DEFAULT_BUFFER_SIZE } from './stream-transport.js';

const log = new Logger('weft.port');

function noop(): void {
  // Swallows errors of sockets being discarded.
}

/** Closes an accepted socket no protocol was built for. */
function discard(socket: Socket): void {
  socket.on('error', noop);
  socket.destroy();
}

/**
 * A listening port: accepts connections and builds a protocol for each with
 * its factory. Made by `listenTCP`/`listenUNIX`, which hand it out once it is
 * listening.
 *
 * - The factory's `doStart()` runs when listening begins, its `doStop()`
 *   once the port has closed.
 * - For each connection, `factory.buildProtocol(peerAddress)`; `null`
 *   closes the connection at once, and so does an exception (which is
 *   logged). Either way the port keeps accepting.
 * - Out of descriptors (`EMFILE`/`ENFILE`), libuv accepts each pending
 *   connection on a descriptor it keeps in reserve and closes it at once, so
 *   the peer sees its connection closed and the port accepts again once
 *   descriptors are free. An accept failure Node does report (the server's
 *   `'error'`) is logged with its code, and the port keeps listening.
 * - {@link StreamServerPort.stopListening} stops accepting at once; the
 *   connections already accepted stay open.
 */
export abstract class StreamServerPort implements IListeningPort, Selectable {
  /** The factory building a protocol per connection. */
  readonly factory: IProtocolFactory;
  readonly #server: Server;
  readonly #context: SocketContext;
  /** Fires the Deferred returned by `listen`, until listening starts. */
  #listening: Deferred<IListeningPort> | null = null;
  #stopping = false;
  #stopped = false;
  readonly #waiters: Deferred<void>[] = [];

  protected constructor(factory: IProtocolFactory, context: SocketContext) {
    this.factory = factory;
    this.#context = context;
    const options: ServerOpts = { allowHalfOpen: true, highWaterMark: DEFAULT_BUFFER_SIZE };
    this.#server = createServer(options, this.#accept);
    this.#server.on('error', this.#onServerError);
  }

  /** A readable name for logs: `TCP` or `UNIX`. */
  protected abstract readonly kind: string;

  /** The address or path asked for, for errors: `[interface, port]`. */
  protected abstract describe(): [iface: string, port: number | string];

  /** Called once listening, before the factory starts: cache the address, set the mode. May throw. */
  protected abstract listened(server: Server): void;

  /** The peer of an accepted socket, or `null` if it is already gone. */
  protected abstract peerAddress(socket: Socket): IAddress | null;

  /** A transport for an accepted socket. */
  protected abstract makeTransport(
    socket: Socket,
    protocol: IProtocol,
    context: SocketContext,
    peer: IAddress,
  ): StreamTransport;

  /** The address listened on. */
  abstract getHost(): IAddress;

  /** The `net.Server` underneath: for options weft does not cover. */
  getHandle(): Server {
    return this.#server;
  }

  /**
   * Starts listening; the Deferred fires with this port once it listens, or
   * fails with `CannotListenError`.
   *
   * @internal
   */
  listen(options: ListenOptions): Deferred<IListeningPort> {
    const d = new Deferred<IListeningPort>();
    this.#listening = d;
    try {
      this.#server.listen(options, () => {
        this.#listened(d);
      });
    } catch (e) {
      this.#listening = null;
      const [iface, port] = this.describe();
      d.errback(cannotListenFrom(iface, port, e));
    }
    return d;
  }

  #listened(d: Deferred<IListeningPort>): void {
    this.#listening = null;
    try {
      this.listened(this.#server);
    } catch (e) {
      this.#server.close();
      const [iface, port] = this.describe();
      d.errback(cannotListenFrom(iface, port, e));
      return;
    }
    try {
      this.factory.doStart();
    } catch (e) {
      this.#server.close();
      d.errback(e);
      return;
    }
    this.#context.selectables.add(this);
    log.info('{factory} starting on {address}', {
      factory: this.factory.constructor.name,
      address: this.getHost().toString(),
    });
    d.callback(this);
  }

  readonly #onServerError = (err: Error): void => {
    const d = this.#listening;
    if (d !== null) {
      this.#listening = null;
      const [iface, port] = this.describe();
      d.errback(cannotListenFrom(iface, port, err));
      return;
    }
    // After listening, errors come from accept (EMFILE, ENFILE, ...): the port keeps going.
    const code = errorCode(err);
    log.failure(
      'Could not accept a new connection on {address} ({code})',
      err,
      { address: this.getHost().toString(), code },
      'error',
    );
  };

  // Not called once stopping: closing the server stops libuv accepting at once.
  readonly #accept = (socket: Socket): void => {
    const peer = this.peerAddress(socket);
    if (peer === null) {
      discard(socket); // reset before we saw it: nothing to build a protocol for
      return;
    }
    let protocol: IProtocol | null;
    try {
      protocol = this.factory.buildProtocol(peer);
    } catch (e) {
      log.failure('Unhandled error in {factory}.buildProtocol({peer}); connection closed', e, {
        factory: this.factory.constructor.name,
        peer: peer.toString(),
      });
      discard(socket);
      return;
    }
    if (protocol === null) {
      discard(socket);
      return;
    }
    this.makeTransport(socket, protocol, this.#context, peer).start();
  };

  /**
   * Stops accepting at once; connections already accepted stay open. The
   * Deferred fires on a later turn, once the factory's `doStop()` has run.
   * Calling it again returns a Deferred that fires at the same point.
   */
  stopListening(): Deferred<void> {
    const d = new Deferred<void>();
    if (this.#stopped) {
      d.callback(undefined);
      return d;
    }
    this.#waiters.push(d);
    if (!this.#stopping) {
      this.#stopping = true;
      this.#server.close();
      this.#context.selectables.delete(this);
      setImmediate(() => {
        this.#finishStopping();
      });
    }
    return d;
  }

  /** `await using port = ...`: stops listening. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopListening();
  }

  /**
   * Closes now for reactor shutdown: the factory's `doStop()` runs before
   * this returns.
   *
   * @internal
   */
  closeAtShutdown(): void {
    // Only open ports are in the reactor's set: stopListening() takes them out.
    this.#stopping = true;
    this.#server.close();
    this.#context.selectables.delete(this);
    this.#finishStopping();
  }

  #finishStopping(): void {
    this.#stopped = true;
    log.info('({kind} Port {address} Closed)', {
      kind: this.kind,
      address: this.getHost().toString(),
    });
    try {
      this.factory.doStop();
    } catch (e) {
      log.failure('Unhandled error in {factory}.doStop', e, {
        factory: this.factory.constructor.name,
      });
    }
    for (const d of this.#waiters.splice(0)) d.callback(undefined);
  }
}
