// ClientService over real loopback sockets: it reconnects after the server drops it, stopService
// fires once the real connection is closed, and stopping during a name lookup or a refused
// attempt leaves nothing scheduled on the reactor.
import { describe, expect, it } from 'vitest';

import { CancelledError, ClientService, Factory } from '../../src/core/index.js';
import type { IProtocol } from '../../src/core/index.js';
import { HostnameEndpoint, NodeResolver, TCP4ClientEndpoint } from '../../src/node/index.js';
import { MemoryResolver } from '../../src/testing/index.js';
import { freshReactor, portNumber, Recorder, RecordingFactory } from './socket-helpers.js';

describe('ClientService on the Node reactor', () => {
  it('reconnects after the server drops the connection, and stopService fires once it is closed', async () => {
    const reactor = freshReactor();
    const server = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
    const clients = Factory.forProtocol(Recorder);
    clients.noisy = false;
    const asked: number[] = [];
    const service = new ClientService(
      new TCP4ClientEndpoint(reactor, '127.0.0.1', portNumber(port)),
      clients,
      {
        clock: reactor,
        retryPolicy: (n) => {
          asked.push(n);
          return 0.01;
        },
      },
    );
    service.startService();
    const first = await service.whenConnected();
    (await server.connection(0)).transport.loseConnection();
    await first.lost;
    const second = await service.whenConnected();
    expect(second).not.toBe(first);
    expect(asked).toEqual([1]);
    await server.connection(1);
    await service.stopService();
    expect(second.isLost).toBe(true);
    expect(service.state).toBe('stopped');
    await port.stopListening();
  });

  it('counts refused attempts, and stopService while waiting leaves nothing scheduled', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
      interface: '127.0.0.1',
    });
    const closed = portNumber(port);
    await port.stopListening();
    const before = reactor.getDelayedCalls().length;
    const service = new ClientService(
      new TCP4ClientEndpoint(reactor, '127.0.0.1', closed),
      Factory.forProtocol(Recorder),
      { clock: reactor, retryPolicy: () => 0.01 },
    );
    const third = service.whenConnected({ failAfterFailures: 3 });
    const forever = service.whenConnected();
    service.startService();
    const failure = await third.asPromise().then(
      () => null,
      (e: unknown) => e,
    );
    expect((failure as Error).name).toBe('ConnectionRefusedError');
    await service.stopService();
    await expect(forever.asPromise()).rejects.toBeInstanceOf(CancelledError);
    expect(reactor.getDelayedCalls()).toHaveLength(before);
  });

  it('stopService during a HostnameEndpoint name lookup cancels the lookup and its timeout', async () => {
    const reactor = freshReactor();
    const before = reactor.getDelayedCalls().length;
    reactor.installNameResolver(
      new NodeResolver(reactor, {
        lookup() {
          // Never answers.
        },
      }),
    );
    const service = new ClientService<IProtocol>(
      new HostnameEndpoint(reactor, 'slow.test', 80),
      Factory.forProtocol(Recorder),
      { clock: reactor },
    );
    service.startService();
    expect(reactor.getDelayedCalls()).toHaveLength(before + 1); // the lookup's timeout
    await service.stopService();
    expect(reactor.getDelayedCalls()).toHaveLength(before);
  });

  it('stopService during a connectTCP-backed lookup (held by a MemoryResolver) cancels it', async () => {
    const reactor = freshReactor();
    const resolver = new MemoryResolver();
    resolver.hold('db.test');
    reactor.installNameResolver(resolver);
    const before = reactor.getDelayedCalls().length;
    const service = new ClientService(
      new TCP4ClientEndpoint(reactor, 'db.test', 5432),
      Factory.forProtocol(Recorder),
      { clock: reactor },
    );
    service.startService();
    await service.stopService();
    expect(resolver.pending[0]?.cancelled).toBe(true);
    expect(reactor.getDelayedCalls()).toHaveLength(before);
  });
});
