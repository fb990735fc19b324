// ReconnectingClientFactory over real loopback: the client reconnects by itself after the server
// goes away and comes back on the same port.
import { describe, expect, it } from 'vitest';

import type { Failure, IConnector } from '../../src/core/index.js';
import { ReconnectingClientFactory } from '../../src/core/index.js';
import { freshReactor, later, portNumber, Recorder, RecordingFactory } from './socket-helpers.js';
import type { Later } from './socket-helpers.js';

/** Each connection the client makes resolves the next promise in `connections`. */
const connections: Later<Client>[] = [];
const refused = later<Failure>();

class Client extends Recorder {
  override connectionMade(): void {
    super.connectionMade();
    (this.factory as ReconnectingClientFactory).resetDelay();
    connections.find((c) => !c.settled)?.resolve(this);
  }
}

class Reconnecting extends ReconnectingClientFactory<Client> {
  override clientConnectionFailed(connector: IConnector, reason: Failure): void {
    if (!refused.settled) refused.resolve(reason);
    super.clientConnectionFailed(connector, reason);
  }
}

describe('ReconnectingClientFactory over real sockets', () => {
  it('reconnects after the server restarts on the same port', async () => {
    connections.push(later<Client>(), later<Client>());
    const reactor = freshReactor();
    const server = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
    const n = portNumber(port);

    const factory = Reconnecting.forProtocol(Client);
    factory.clock = reactor;
    factory.noisy = false;
    factory.initialDelay = 0.02;
    factory.delay = 0.02;
    factory.factor = 1; // retry every 20 ms while the server is down
    factory.jitter = 0;
    const connector = reactor.connectTCP('127.0.0.1', n, factory);
    const first = await connections[0]?.promise;

    // The server goes away: its connection closes and it stops listening.
    await port.stopListening();
    const serverSide = await server.connection(0);
    serverSide.transport.loseConnection();
    await first?.lost;
    // At least one retry is refused before the server comes back.
    expect((await refused.promise).value).toMatchObject({ code: 'ECONNREFUSED' });

    await reactor.listenTCP(n, server, { interface: '127.0.0.1' });
    const second = await connections[1]?.promise;
    expect(second).not.toBe(first);
    expect(second?.transport.getPeer().port).toBe(n);
    expect(factory.retries).toBe(0); // resetDelay on connect
    factory.stopTrying();
    connector.disconnect();
    await second?.lost;
    expect(reactor.getDelayedCalls().filter((c) => c.active())).toEqual([]);
  });
});
