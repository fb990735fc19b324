/**
 * Existing Node servers running weft protocols: every connection of a
 * `net.Server`/`tls.Server` ({@link adoptServer}), and HTTP upgrades
 * ({@link upgradeHandler}).
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import type { IAddress } from '../../src/core/address.js';
import { ipAddress } from '../../src/core/address.js';
import type { IProtocol, IProtocolFactory } from '../../src/core/interfaces/protocol.js';
import { Logger } from '../../src/core/logger.js';
import type { DuplexTransport, TransportFromStreamOptions } from './duplex-transport.js';
import { StreamAddress, transportFromStream } from './duplex-transport.js';

const log = new Logger('weft.adapters.node');

/** What {@link adoptServer} returns: stops handing new connections to the factory. */
export interface AdoptedServer extends Disposable {
  /**
   * Stops handing new connections to the factory (and runs its `doStop()`).
   * The server keeps listening, and adopted connections stay open.
   * Idempotent.
   */
  stop(): void;
}

/** Options of {@link adoptServer} and {@link upgradeHandler}. */
export interface AdoptOptions {
  /** The reactor whose shutdown closes adopted connections. Default: weft's global `reactor`. */
  readonly reactor?: TransportFromStreamOptions['reactor'];
  /**
   * The event to take connections from. Default `'secureConnection'` for a
   * `tls.Server` (an emitter that has a `setSecureContext` method), else
   * `'connection'`.
   */
  readonly event?: string;
}

function peerOf(stream: Duplex): IAddress {
  const { remoteAddress, remotePort } = stream as { remoteAddress?: unknown; remotePort?: unknown };
  return typeof remoteAddress === 'string' && typeof remotePort === 'number'
    ? ipAddress('TCP', remoteAddress, remotePort)
    : new StreamAddress('duplex');
}

/**
 * `factory.buildProtocol(peer)` for `stream`, connected over it; `null` (or
 * an exception, logged) closes the stream, as a weft port does.
 */
function serve(
  stream: Duplex,
  factory: IProtocolFactory,
  options: TransportFromStreamOptions,
): DuplexTransport | null {
  let protocol: IProtocol | null;
  const peer = peerOf(stream);
  try {
    protocol = factory.buildProtocol(peer);
  } catch (e) {
    log.failure('Unhandled error in {factory}.buildProtocol({peer}); connection closed', e, {
      factory: factory.constructor.name,
      peer: peer.toString(),
    });
    protocol = null;
  }
  if (protocol === null) {
    stream.on('error', () => undefined);
    stream.destroy();
    return null;
  }
  return transportFromStream(stream, protocol, { ...options, peer });
}

/**
 * Makes every new connection of an existing server — a `net.Server`,
 * `tls.Server`, or anything emitting `'connection'`/`'secureConnection'`
 * with a `Duplex` — run a protocol from `factory`, over
 * {@link transportFromStream}. The server may already be listening and
 * serving: connections it accepted before are left alone.
 *
 * Other `'connection'` listeners the server has (the callback given to
 * `net.createServer`) still run: adopt a server that has none, or remove them.
 * The factory's `doStart()` runs now, its `doStop()` at `stop()`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:net';
 * import { Factory, Protocol } from 'weft';
 * import { adoptServer } from 'weft/adapters/node';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const server = createServer().listen(0, '127.0.0.1');
 * using adopted = adoptServer(server, Factory.forProtocol(Echo));
 * ```
 */
export function adoptServer(
  server: EventEmitter,
  factory: IProtocolFactory,
  options: AdoptOptions = {},
): AdoptedServer {
  const event =
    options.event ??
    (typeof (server as { setSecureContext?: unknown }).setSecureContext === 'function'
      ? 'secureConnection'
      : 'connection');
  const transportOptions = options.reactor === undefined ? {} : { reactor: options.reactor };
  const onConnection = (stream: Duplex): void => {
    serve(stream, factory, transportOptions);
  };
  factory.doStart();
  server.on(event, onConnection);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    server.removeListener(event, onConnection);
    factory.doStop();
  };
  return { stop, [Symbol.dispose]: stop };
}

/** Options of {@link upgradeHandler}. */
export interface UpgradeOptions extends Omit<AdoptOptions, 'event'> {
  /**
   * The response head written before the protocol connects, from the
   * request: default `101 Switching Protocols` naming the request's
   * `Upgrade` header. Return `null` to refuse (`400 Bad Request`, then
   * close).
   */
  readonly respond?: (request: IncomingMessage) => string | null;
}

function switchingProtocols(request: IncomingMessage): string {
  const upgrade = request.headers.upgrade ?? '';
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' + `Connection: Upgrade\r\nUpgrade: ${upgrade}\r\n\r\n`
  );
}

/**
 * An `http.Server` `'upgrade'` listener that hands each upgraded socket to a
 * protocol from `factory`: it writes the response head (see
 * {@link UpgradeOptions.respond}), then connects the protocol over the
 * socket with {@link transportFromStream}; the bytes that came after the
 * request's headers (`head`) are the protocol's first `dataReceived`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { Factory, Protocol } from 'weft';
 * import { upgradeHandler } from 'weft/adapters/node';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const server = createServer((_req, res) => res.end('upgrade to echo'));
 * server.on('upgrade', upgradeHandler(Factory.forProtocol(Echo)));
 * ```
 */
export function upgradeHandler(
  factory: IProtocolFactory,
  options: UpgradeOptions = {},
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const respond = options.respond ?? switchingProtocols;
  return (request, socket, head) => {
    const response = respond(request);
    if (response === null) {
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(response);
    serve(socket, factory, {
      ...(options.reactor === undefined ? {} : { reactor: options.reactor }),
      head,
    });
  };
}
