/**
 * Endpoint interfaces (Twisted's `IStreamServerEndpoint` and
 * `IStreamClientEndpoint`): where to listen or what to connect to, apart
 * from the protocol that runs there.
 *
 * @module
 */
import type { IAddress } from '../address.js';
import type { Deferred } from '../defer.js';
import type { IProtocol, IProtocolFactory } from './protocol.js';
import type { IListeningPort } from './transport.js';

/** A protocol factory whose `buildProtocol` makes a `P` (as `Factory<P>` does). */
export interface ProtocolFactoryOf<P extends IProtocol> extends IProtocolFactory {
  /** A new protocol for a connection to `addr`, or null to refuse it. */
  buildProtocol(addr: IAddress): P | null;
}

/**
 * A place to listen for stream connections: a TCP port, a UNIX socket, ...
 * Made directly (`new TCP4ServerEndpoint(reactor, 8080)`) or from a string
 * (`serverFromString(reactor, 'tcp:8080')`).
 */
export interface IStreamServerEndpoint {
  /**
   * Listens with `factory` building a protocol per connection. Fires with
   * the port once listening, or fails with `CannotListenError` (carrying the
   * platform's code, `'EADDRINUSE'`, ...).
   */
  listen(factory: IProtocolFactory): Deferred<IListeningPort>;
}

/**
 * Something to connect a stream to: a host and port, a UNIX socket, ...
 * Made directly (`new HostnameEndpoint(reactor, 'example.com', 80)`) or from
 * a string (`clientFromString(reactor, 'tcp:example.com:80')`).
 */
export interface IStreamClientEndpoint {
  /**
   * Connects once, building one protocol with `factory.buildProtocol` when
   * the connection is made. Fires with that protocol after its
   * `connectionMade`; fails with a `ConnectError` (refused, timed out, no
   * route, `NoProtocol` when `buildProtocol` returned null, ...) or a
   * `DNSLookupError`. Cancelling the Deferred abandons the attempt: it
   * fails with `ConnectingCancelledError`.
   */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P>;
}
