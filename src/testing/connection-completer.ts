/**
 * `ConnectionCompleter`: decides how the TCP attempts recorded by a
 * `MemoryReactor` end (Twisted's `twisted.test.iosim.ConnectionCompleter`).
 *
 * @module
 */
import { IPv4Address, IPv6Address, type IAddress } from '../core/address.js';
import { ConnectionRefusedError, InvalidStateError, NoProtocol } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { FakeConnector, FakePort } from './fake-port.js';
import { FakeTransport } from './fake-transport.js';
import { connect, type ConnectOptions, type IOPump } from './iosim.js';
import type { MemoryReactor, TCPClientRecord } from './memory-reactor.js';

/** The client end's address in connections the completer makes. */
const CLIENT_ADDRESS = new IPv4Address('TCP', '192.168.1.1', 54321);

function ipAddressOf(address: IAddress): IPv4Address | IPv6Address | null {
  return address instanceof IPv4Address || address instanceof IPv6Address ? address : null;
}

/**
 * Completes or fails the TCP connection attempts a {@link MemoryReactor}
 * recorded, one at a time, oldest first. For tests; not for implementation
 * code.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const reactor = new MemoryReactorClock();
 * void reactor.listenTCP(4321, Factory.forProtocol(Echo));
 * reactor.connectTCP('10.0.0.1', 4321, ClientFactory.forProtocol(AccumulatingProtocol));
 * const pump = new ConnectionCompleter(reactor).succeedOnce();
 * const client = pump?.client as AccumulatingProtocol;
 * client.transport.write('ping');
 * pump?.flush();
 * assert.equal(client.dataString(), 'ping');
 * ```
 */
export class ConnectionCompleter {
  readonly #reactor: MemoryReactor;

  constructor(reactor: MemoryReactor) {
    this.#reactor = reactor;
  }

  /**
   * Connects the oldest pending TCP attempt whose port a listening port of
   * the reactor has: both factories build a protocol (the client's through
   * its connector, which becomes `'connected'` and later reports
   * `clientConnectionLost`), and they are joined with {@link connect}.
   * The attempt leaves `tcpClients` and `connectors`. Returns the pump, or
   * `null` if no pending attempt has a listener.
   *
   * @throws {NoProtocol} if a factory's `buildProtocol` returns null.
   */
  succeedOnce(options?: ConnectOptions): IOPump | null {
    const reactor = this.#reactor;
    for (const record of reactor.tcpClients) {
      const port = reactor.ports.find(
        (p) => p.listening && ipAddressOf(p.getHost())?.port === record[1],
      );
      if (port === undefined) continue;
      const connector = this.#take(record);
      if (connector !== null) return this.#complete(connector, port, options);
    }
    return null;
  }

  /**
   * Fails the oldest pending TCP attempt with `reason` (default
   * `ConnectionRefusedError`): the factory gets `clientConnectionFailed`.
   * The attempt leaves `tcpClients` and `connectors` first, so a factory
   * that reconnects is recorded anew.
   *
   * @throws {InvalidStateError} if no attempt is pending.
   */
  failOnce(reason: Failure = new Failure(new ConnectionRefusedError())): void {
    for (const record of this.#reactor.tcpClients) {
      const connector = this.#take(record);
      if (connector !== null) {
        connector.connectionFailed(reason);
        return;
      }
    }
    throw new InvalidStateError('No pending TCP connection attempt');
  }

  /**
   * Removes a recorded attempt and returns its connector, or null (leaving
   * the record) if that attempt is no longer connecting (it was stopped).
   */
  #take(record: TCPClientRecord): FakeConnector | null {
    const reactor = this.#reactor;
    const [host, port, factory] = record;
    const index = reactor.connectors.findIndex((c) => {
      const destination = ipAddressOf(c.getDestination());
      return (
        c.factory === factory &&
        c.state === 'connecting' &&
        destination?.port === port &&
        destination.host === host
      );
    });
    if (index === -1) return null;
    reactor.tcpClients.splice(reactor.tcpClients.indexOf(record), 1);
    return reactor.connectors.splice(index, 1)[0] ?? null;
  }

  #complete(connector: FakeConnector, port: FakePort, options?: ConnectOptions): IOPump {
    const destination = connector.getDestination();
    const serverProtocol = port.factory.buildProtocol(CLIENT_ADDRESS);
    if (serverProtocol === null) throw new NoProtocol();
    const clientProtocol = connector.buildProtocol(destination);
    if (clientProtocol === null) throw new NoProtocol();
    const serverTransport = new FakeTransport<IAddress>(
      serverProtocol,
      true,
      destination,
      CLIENT_ADDRESS,
    );
    const clientTransport = new FakeTransport<IAddress>(
      clientProtocol,
      false,
      CLIENT_ADDRESS,
      destination,
      {
        onConnectionLost: (reason) => {
          connector.connectionLost(reason);
        },
      },
    );
    connector.transport = clientTransport;
    return connect(serverProtocol, serverTransport, clientProtocol, clientTransport, options);
  }
}
