// Client connections on the Node reactor: the Connector's lifecycle (Twisted's BaseConnector) over
// real loopback sockets.
import { describe, expect, it } from 'vitest';

import { IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { IAddress } from '../../src/core/address.js';
import {
  ConnectBindError,
  ConnectError,
  ConnectionDone,
  InvalidStateError,
  NotConnectingError,
  UserError,
} from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IConnector } from '../../src/core/interfaces/index.js';
import { Factory } from '../../src/core/protocol.js';
import { NodeResolver, TCPConnector } from '../../src/node/index.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { MemoryReactorClock } from '../../src/testing/memory-reactor.js';
import { MemoryResolver } from '../../src/testing/memory-resolver.js';
import {
  connectedPair,
  errorName,
  freshReactor,
  later,
  nextTurn,
  portNumber,
  Recorder,
  RecordingClientFactory,
  RecordingFactory,
} from './socket-helpers.js';
import type { NodeReactor } from '../../src/node/reactor.js';

/** A port number nothing listens on: listened on, then closed. */
async function closedPort(reactor: NodeReactor): Promise<number> {
  const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
    interface: '127.0.0.1',
  });
  const n = portNumber(port);
  await port.stopListening();
  return n;
}

/** A listening server whose protocols close as soon as they are made. */
async function closingServer(reactor: NodeReactor): Promise<number> {
  class Closer extends Recorder {
    override connectionMade(): void {
      super.connectionMade();
      this.transport.loseConnection();
    }
  }
  const port = await reactor.listenTCP(0, new RecordingFactory(Closer), {
    interface: '127.0.0.1',
  });
  return portNumber(port);
}

describe('Connector', () => {
  describe('lifecycle', () => {
    it('reports doStart, startedConnecting, buildProtocol, connectionMade, connectionLost, clientConnectionLost, doStop in order', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(Recorder);
      const events = factory.events;
      class Logged extends Recorder {
        override connectionMade(): void {
          events.push('connectionMade');
          super.connectionMade();
        }
        override connectionLost(reason: Failure): void {
          events.push(`connectionLost:${errorName(reason)}`);
          super.connectionLost(reason);
        }
      }
      factory.protocol = Logged;
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      // startedConnecting comes from inside connectTCP, as in Twisted.
      expect(events).toEqual(['startFactory', 'startedConnecting:connecting']);
      const client = await factory.made;
      (await server.connection()).transport.loseConnection();
      await factory.stopped;
      expect(events).toEqual([
        'startFactory',
        'startedConnecting:connecting',
        'buildProtocol',
        'connectionMade',
        'connectionLost:ConnectionDone',
        'lost:ConnectionDone',
        'stopFactory',
      ]);
      expect(client.events.filter((e) => e === 'lost')).toHaveLength(1);
    });

    it('goes disconnected → connecting → connected → disconnected, with the transport while connected', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const factory = new RecordingClientFactory(Recorder);
      const connector = reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      expect(connector.state).toBe('connecting');
      expect(connector.transport).toBeNull();
      const client = await factory.made;
      expect(connector.state).toBe('connected');
      expect(connector.transport).toBe(client.transport);
      client.transport.loseConnection();
      await factory.lost;
      expect(connector.state).toBe('disconnected');
      expect(connector.transport).toBeNull();
    });

    it('builds the protocol with the address connected to', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(Recorder);
      const addresses: IAddress[] = [];
      const build = factory.buildProtocol.bind(factory);
      factory.buildProtocol = (addr) => {
        addresses.push(addr);
        return build(addr);
      };
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      const client = await factory.made;
      expect(addresses).toEqual([new IPv4Address('TCP', '127.0.0.1', portNumber(port))]);
      expect(client.transport.getPeer()).toEqual(addresses[0]);
    });

    it('works with a plain Factory, which has none of the client callbacks', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const made = later<Recorder>();
      class Tracked extends Recorder {
        override connectionMade(): void {
          super.connectionMade();
          made.resolve(this);
        }
      }
      const factory = Factory.forProtocol(Tracked);
      factory.noisy = false;
      const connector = reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      const [serverSide, client] = await Promise.all([server.connection(), made.promise]);
      expect(factory.numPorts).toBe(1);
      expect(connector.state).toBe('connected');
      serverSide.transport.loseConnection();
      expect(errorName(await client.lost)).toBe('ConnectionDone');
      expect(connector.state).toBe('disconnected');
      expect(factory.numPorts).toBe(0);
    });
  });

  describe('connect', () => {
    it('throws InvalidStateError while connecting or connected', async () => {
      const reactor = freshReactor();
      const { connector } = await connectedPair(reactor);
      expect(() => {
        connector.connect();
      }).toThrow(InvalidStateError);
      const port = await closingServer(reactor);
      const other = reactor.connectTCP('127.0.0.1', port, new RecordingClientFactory(Recorder));
      expect(() => {
        other.connect();
      }).toThrow(InvalidStateError);
    });

    it('reconnects when called from clientConnectionFailed; the factory starts and stops once', async () => {
      const reactor = freshReactor();
      const port = await closedPort(reactor);
      const done = later();
      const factory = new (class extends RecordingClientFactory {
        override clientConnectionFailed(connector: IConnector, reason: Failure): void {
          super.clientConnectionFailed(connector, reason);
          if (this.failures.length < 3) connector.connect();
          else done.resolve(undefined);
        }
      })(Recorder);
      reactor.connectTCP('127.0.0.1', port, factory);
      await done.promise;
      expect(factory.events).toEqual([
        'startFactory',
        'startedConnecting:connecting',
        'failed:ConnectionRefusedError',
        'startedConnecting:connecting',
        'failed:ConnectionRefusedError',
        'startedConnecting:connecting',
        'failed:ConnectionRefusedError',
        'stopFactory',
      ]);
    });

    it('reconnects when called from clientConnectionLost', async () => {
      const reactor = freshReactor();
      const port = await closingServer(reactor);
      let connections = 0;
      const done = later();
      const factory = new (class extends RecordingClientFactory {
        override clientConnectionLost(connector: IConnector, reason: Failure): void {
          super.clientConnectionLost(connector, reason);
          connections++;
          if (connections < 2) connector.connect();
          else done.resolve(undefined);
        }
      })(Recorder);
      reactor.connectTCP('127.0.0.1', port, factory);
      await done.promise;
      expect(factory.built).toHaveLength(2);
      expect(factory.events.filter((e) => e === 'startFactory')).toHaveLength(1);
      expect(factory.events.at(-1)).toBe('stopFactory');
      expect(factory.events.filter((e) => e === 'stopFactory')).toHaveLength(1);
    });
  });

  describe('stopConnecting', () => {
    it('throws NotConnectingError when not connecting', async () => {
      const reactor = freshReactor();
      const { connector, client } = await connectedPair(reactor);
      expect(() => {
        connector.stopConnecting();
      }).toThrow(NotConnectingError);
      client.transport.loseConnection();
      await client.lost;
      expect(() => {
        connector.stopConnecting();
      }).toThrow(NotConnectingError);
    });

    it('fails the attempt with UserError before it returns, and stops the factory', async () => {
      const reactor = freshReactor();
      const port = await closingServer(reactor);
      const factory = new RecordingClientFactory(Recorder);
      const connector = reactor.connectTCP('127.0.0.1', port, factory);
      connector.stopConnecting();
      expect(factory.events).toEqual([
        'startFactory',
        'startedConnecting:connecting',
        'failed:UserError',
        'stopFactory',
      ]);
      expect(factory.failures[0]?.value).toBeInstanceOf(UserError);
      expect(connector.state).toBe('disconnected');
      expect(factory.built).toHaveLength(0);
    });

    it('works from inside startedConnecting', async () => {
      const reactor = freshReactor();
      const port = await closingServer(reactor);
      const factory = new (class extends RecordingClientFactory {
        override startedConnecting(connector: IConnector): void {
          super.startedConnecting(connector);
          connector.stopConnecting();
        }
      })(Recorder);
      const connector = reactor.connectTCP('127.0.0.1', port, factory);
      expect(connector.state).toBe('disconnected');
      expect(factory.events.slice(2)).toEqual(['failed:UserError', 'stopFactory']);
    });
    it('ignores how an abandoned attempt would have ended: one failure only', async () => {
      const reactor = freshReactor();
      const lookup = new RecordingClientFactory(Recorder);
      reactor.connectTCP('nonexistent.invalid', 80, lookup).stopConnecting(); // lookup still running
      const badPort = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', 70000, badPort).stopConnecting(); // failure was due next turn
      await reactor
        .resolve('nonexistent.invalid')
        .asPromise()
        .catch(() => undefined); // the abandoned lookup has finished by now
      await nextTurn();
      expect(lookup.events.slice(2)).toEqual(['failed:UserError', 'stopFactory']);
      expect(badPort.events.slice(2)).toEqual(['failed:UserError', 'stopFactory']);
    });
  });

  describe('disconnect', () => {
    it('stops connecting while connecting', async () => {
      const reactor = freshReactor();
      const port = await closingServer(reactor);
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', port, factory).disconnect();
      expect(errorName(await factory.failed)).toBe('UserError');
    });

    it('closes the connection cleanly while connected', async () => {
      const reactor = freshReactor();
      const { connector, clientFactory, server } = await connectedPair(reactor);
      connector.disconnect();
      expect(errorName(await clientFactory.lost)).toBe('ConnectionDone');
      expect(errorName(await server.lost)).toBe('ConnectionDone');
      connector.disconnect(); // disconnected: nothing to do
    });
  });

  describe('getDestination', () => {
    it('is the host and port as given: IPv4Address, IPv6Address for an IPv6 literal', async () => {
      const reactor = freshReactor();
      const port = await closedPort(reactor);
      const a = reactor.connectTCP('127.0.0.1', port, new RecordingClientFactory(Recorder));
      const b = reactor.connectTCP('::1', port, new RecordingClientFactory(Recorder));
      const c = reactor.connectTCP('localhost', port, new RecordingClientFactory(Recorder));
      expect(a.getDestination()).toEqual(new IPv4Address('TCP', '127.0.0.1', port));
      expect(b.getDestination()).toEqual(new IPv6Address('TCP', '::1', port));
      // As Twisted's: a name stays a name.
      expect(c.getDestination()).toEqual(new IPv4Address('TCP', 'localhost', port));
      for (const connector of [a, b, c]) connector.stopConnecting();
    });
  });

  describe('host names', () => {
    it('resolves a name asynchronously, then connects to its first address', async () => {
      const reactor = freshReactor();
      const [first] = await reactor.resolve('localhost').asPromise();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: first?.host ?? '127.0.0.1' });
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('localhost', portNumber(port), factory);
      const client = await factory.made;
      expect(client.transport.getPeer()).toMatchObject({ host: first?.host });
    });

    it('resolves with the reactor’s installed resolver, so tests can fake names', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      reactor.installNameResolver(new MemoryResolver({ 'db.test': ['127.0.0.1'] }));
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('db.test', portNumber(port), factory);
      const client = await factory.made;
      expect(client.transport.getPeer()).toMatchObject({ host: '127.0.0.1' });
    });
  });

  describe('cancelling during the name lookup', () => {
    /** A TCP connector to `host` on a MemoryReactorClock: no socket is opened while it resolves. */
    function connectorOnClock(
      resolver: NodeResolver | MemoryResolver | ((clock: MemoryReactorClock) => NodeResolver),
      timeout = 30,
    ): { clock: MemoryReactorClock; connector: TCPConnector; factory: RecordingClientFactory } {
      const clock = new MemoryReactorClock();
      clock.installNameResolver(typeof resolver === 'function' ? resolver(clock) : resolver);
      const factory = new RecordingClientFactory(Recorder);
      const connector = new TCPConnector(
        { reactor: clock, selectables: new Set() },
        'slow.test',
        80,
        factory,
        { timeout },
        clock,
      );
      connector.connect();
      return { clock, connector, factory };
    }

    /** A NodeResolver on `clock` whose dns.lookup never answers. */
    const silentNodeResolver = (clock: MemoryReactorClock): NodeResolver =>
      new NodeResolver(clock, {
        lookup() {
          // Never answers: the lookup's timeout is the only way out.
        },
      });

    it('stopConnecting cancels the lookup and the resolver’s timeout with it', () => {
      const { clock, connector, factory } = connectorOnClock(silentNodeResolver);
      expect(clock.getDelayedCalls()).toHaveLength(2); // the lookup's timeout, the attempt's
      connector.stopConnecting();
      expect(factory.events).toContain('failed:UserError');
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('stopConnecting cancels a held MemoryResolver lookup; its late answer connects nothing', () => {
      const resolver = new MemoryResolver();
      resolver.hold('slow.test');
      const { clock, connector, factory } = connectorOnClock(resolver);
      connector.stopConnecting();
      expect(resolver.pending[0]?.cancelled).toBe(true);
      resolver.pending[0]?.resolve(['127.0.0.1']);
      expect(factory.failures).toHaveLength(1);
      expect(connector.state).toBe('disconnected');
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('the attempt’s timeout expiring during the lookup cancels it too', () => {
      const { clock, factory } = connectorOnClock(silentNodeResolver, 10);
      clock.advance(10);
      expect(factory.events).toContain('failed:ConnectingTimeoutError');
      expect(clock.getDelayedCalls()).toEqual([]);
    });
  });

  describe('timeout', () => {
    it('is a delayed call on the reactor’s clock, 30 s by default, cancelled once connected', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const before = reactor.getDelayedCalls().length;
      const now = reactor.seconds();
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      const calls = reactor.getDelayedCalls();
      expect(calls).toHaveLength(before + 1);
      const due = Math.max(...calls.map((c) => c.getTime()));
      expect(due).toBeGreaterThanOrEqual(now + 30);
      expect(due).toBeLessThan(reactor.seconds() + 30.5);
      await factory.made;
      expect(reactor.getDelayedCalls()).toHaveLength(before);
    });

    it('takes the timeout option, and no limit for Infinity', async () => {
      const reactor = freshReactor();
      const port = await closedPort(reactor);
      const before = reactor.getDelayedCalls().length;
      const a = reactor.connectTCP('127.0.0.1', port, new RecordingClientFactory(Recorder), {
        timeout: Infinity,
      });
      expect(reactor.getDelayedCalls()).toHaveLength(before);
      const b = reactor.connectTCP('127.0.0.1', port, new RecordingClientFactory(Recorder), {
        timeout: 5,
      });
      const call = reactor.getDelayedCalls().at(-1);
      expect(call?.getTime()).toBeLessThanOrEqual(reactor.seconds() + 5);
      a.stopConnecting();
      b.stopConnecting();
      expect(reactor.getDelayedCalls()).toHaveLength(before); // cancelled with the attempt
      expect(a).toBeInstanceOf(TCPConnector);
    });

    it('rejects a negative or NaN timeout with RangeError', () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(Recorder);
      expect(() => reactor.connectTCP('127.0.0.1', 1, factory, { timeout: -1 })).toThrow(
        RangeError,
      );
      expect(() => reactor.connectTCP('127.0.0.1', 1, factory, { timeout: NaN })).toThrow(
        RangeError,
      );
      expect(factory.events).toEqual([]);
    });
  });

  describe('bindAddress', () => {
    it('binds the local end before connecting', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), factory, {
        bindAddress: ['127.0.0.1', 0],
      });
      const client = await factory.made;
      expect(client.transport.getHost()).toMatchObject({ host: '127.0.0.1' });
    });

    it('fails with ConnectBindError when the local address cannot be bound', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const factory = new RecordingClientFactory(Recorder);
      // A non-local address cannot be bound (EADDRNOTAVAIL).
      reactor.connectTCP('127.0.0.1', portNumber(port), factory, {
        bindAddress: ['192.0.2.1', 0],
      });
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(ConnectBindError);
      expect(reason.value).toMatchObject({ code: 'EADDRNOTAVAIL' });
    });
  });

  describe('the factory', () => {
    it('a buildProtocol that throws is logged and fails the attempt with a ConnectError caused by it', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const boom = new Error('no protocol for you');
      const factory = new (class extends RecordingClientFactory {
        override buildProtocol(_addr: IAddress): Recorder | null {
          throw boom;
        }
      })(Recorder);
      using logs = new LogCapture();
      const connector = reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(ConnectError);
      expect((reason.value as Error).cause).toBe(boom);
      expect(logs.failures.map((f) => f.value)).toContain(boom);
      await factory.stopped;
      expect(connector.state).toBe('disconnected');
    });

    it('a buildProtocol that returns null gets the connection closed at once', async () => {
      const reactor = freshReactor();
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      const factory = new (class extends RecordingClientFactory {
        override buildProtocol(_addr: IAddress): Recorder | null {
          return null;
        }
      })(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      const reason = await factory.lost;
      expect(reason.value).toBeInstanceOf(ConnectionDone);
      await factory.stopped;
    });

    it('errors thrown by startedConnecting and clientConnectionFailed are logged, not thrown', async () => {
      const reactor = freshReactor();
      const port = await closedPort(reactor);
      const thrown = later();
      const factory = new (class extends RecordingClientFactory {
        override startedConnecting(connector: IConnector): void {
          super.startedConnecting(connector);
          throw new Error('startedConnecting broke');
        }
        override clientConnectionFailed(connector: IConnector, reason: Failure): void {
          super.clientConnectionFailed(connector, reason);
          thrown.resolve(undefined);
          throw new Error('clientConnectionFailed broke');
        }
      })(Recorder);
      using logs = new LogCapture();
      reactor.connectTCP('127.0.0.1', port, factory);
      await thrown.promise;
      await factory.stopped;
      expect(logs.failures.map((f) => (f.value as Error).message)).toEqual([
        'startedConnecting broke',
        'clientConnectionFailed broke',
      ]);
    });

    it('errors thrown by clientConnectionLost and doStop are logged, not thrown', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const factory = new (class extends RecordingClientFactory {
        override clientConnectionLost(connector: IConnector, reason: Failure): void {
          super.clientConnectionLost(connector, reason);
          throw new Error('clientConnectionLost broke');
        }
        override stopFactory(): void {
          super.stopFactory();
          throw new Error('doStop broke');
        }
      })(Recorder);
      const server = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, server, { interface: '127.0.0.1' });
      reactor.connectTCP('127.0.0.1', portNumber(port), factory);
      (await server.connection()).transport.loseConnection();
      await factory.stopped;
      expect(logs.failures.map((f) => (f.value as Error).message)).toEqual([
        'clientConnectionLost broke',
        'doStop broke',
      ]);
    });

    it('stops the factory once when clientConnectionFailed reconnects and then gives up at once', async () => {
      const reactor = freshReactor();
      const port = await closedPort(reactor);
      const factory = new (class extends RecordingClientFactory {
        override clientConnectionFailed(connector: IConnector, reason: Failure): void {
          super.clientConnectionFailed(connector, reason);
          if (this.failures.length === 1) {
            connector.connect();
            connector.stopConnecting();
          }
        }
      })(Recorder);
      reactor.connectTCP('127.0.0.1', port, factory);
      await factory.stopped;
      await nextTurn();
      expect(factory.events).toEqual([
        'startFactory',
        'startedConnecting:connecting',
        'failed:ConnectionRefusedError',
        'startedConnecting:connecting',
        'failed:UserError',
        'stopFactory',
      ]);
      expect(factory.numPorts).toBe(0);
    });

    it('gets a ConnectError with the platform code for a port number out of range, after startedConnecting', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', 70000, factory);
      expect(factory.events).toEqual(['startFactory', 'startedConnecting:connecting']);
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(ConnectError);
      expect(reason.value).toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    });
  });
});
