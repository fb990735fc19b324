// MemoryReactor's recording of TCP and UNIX calls, and the FakePort and FakeConnector it returns
// (Twisted's MemoryReactorTests in twisted/internet/test/test_testing.py). Its time and lifecycle
// are ReactorBase's, tested in test/core/reactor-base.test.ts.
import { describe, expect, it } from 'vitest';

import {
  ClientFactory,
  Failure,
  InvalidStateError,
  IPv4Address,
  IPv6Address,
  NotConnectingError,
  Protocol,
  UNIXAddress,
  UserError,
} from '../../src/core/index.js';
import type {
  IConnector,
  IReactor,
  IReactorTCP,
  IReactorUNIX,
  IListeningPort,
} from '../../src/core/index.js';
import { MemoryReactor, MemoryReactorClock, successResultOf } from '../../src/testing/index.js';

/** A ClientFactory that logs every call it gets, quietly. */
class LoggingFactory extends ClientFactory {
  override noisy = false;
  override protocol = Protocol;
  readonly calls: string[] = [];
  readonly reasons: Failure[] = [];
  /** When set, called from clientConnectionFailed (e.g. to reconnect). */
  onFailed: ((connector: IConnector) => void) | null = null;

  override startFactory(): void {
    this.calls.push('startFactory');
  }
  override stopFactory(): void {
    this.calls.push('stopFactory');
  }
  override startedConnecting(_connector: IConnector): void {
    this.calls.push('startedConnecting');
  }
  override clientConnectionFailed(connector: IConnector, reason: Failure): void {
    this.calls.push('clientConnectionFailed');
    this.reasons.push(reason);
    this.onFailed?.(connector);
  }
  override clientConnectionLost(_connector: IConnector, reason: Failure): void {
    this.calls.push('clientConnectionLost');
    this.reasons.push(reason);
  }
}

describe('MemoryReactor', () => {
  it('is a whole IReactor with TCP and UNIX, and MemoryReactorClock is one too', () => {
    const reactor = new MemoryReactor() satisfies IReactor & IReactorTCP & IReactorUNIX;
    const clocked = new MemoryReactorClock() satisfies IReactor & IReactorTCP & IReactorUNIX;
    expect(clocked).toBeInstanceOf(MemoryReactor);
    const ran: number[] = [];
    reactor.callLater(2, () => ran.push(reactor.seconds()));
    reactor.advance(1.5);
    expect(ran).toEqual([]);
    reactor.advance(0.5);
    expect(ran).toEqual([2]);
  });

  describe('listenTCP', () => {
    it('records [port, factory, backlog, interface] with the defaults 50 and ""', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      void reactor.listenTCP(8080, factory);
      void reactor.listenTCP(8081, factory, { backlog: 5, interface: '127.0.0.1' });
      expect(reactor.tcpServers).toEqual([
        [8080, factory, 50, ''],
        [8081, factory, 5, '127.0.0.1'],
      ]);
    });

    it("returns an already-fired port at 0.0.0.0, or at an IPv6 interface's address", () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const port: IListeningPort = successResultOf(reactor.listenTCP(8080, factory));
      expect(port.getHost()).toEqual(new IPv4Address('TCP', '0.0.0.0', 8080));
      const v6 = successResultOf(reactor.listenTCP(8081, factory, { interface: '::1' }));
      expect(v6.getHost()).toEqual(new IPv6Address('TCP', '::1', 8081));
      expect(reactor.ports).toEqual([port, v6]);
    });

    it('gives each port-0 listener its own fake port number while recording 0', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const a = successResultOf(reactor.listenTCP(0, factory)).getHost();
      const b = successResultOf(reactor.listenTCP(0, factory)).getHost();
      expect(a.port).toBeGreaterThan(0);
      expect(b.port).not.toBe(a.port);
      expect(reactor.tcpServers.map(([port]) => port)).toEqual([0, 0]);
    });

    it('starts the factory; stopListening() stops it once and returns a fired Deferred', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const port = successResultOf(reactor.listenTCP(8080, factory));
      expect(factory.calls).toEqual(['startFactory']);
      successResultOf(port.stopListening());
      successResultOf(port.stopListening());
      expect(factory.calls).toEqual(['startFactory', 'stopFactory']);
      expect(port.listening).toBe(false);
    });

    it('stops a port with `await using`', async () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      {
        await using port = successResultOf(reactor.listenTCP(8080, factory));
        expect(port.listening).toBe(true);
      }
      expect(factory.calls).toEqual(['startFactory', 'stopFactory']);
    });

    it('stops the ports still listening when the reactor shuts down', () => {
      const reactor = new MemoryReactorClock();
      const factory = new LoggingFactory();
      const port = successResultOf(reactor.listenTCP(8080, factory));
      void reactor.run();
      reactor.stop();
      reactor.advance();
      expect(port.listening).toBe(false);
      expect(factory.calls).toEqual(['startFactory', 'stopFactory']);
    });
  });

  describe('connectTCP', () => {
    it('records [host, port, factory, timeout, bindAddress] with the defaults 30 and null', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      reactor.connectTCP('example.com', 80, factory);
      reactor.connectTCP('10.0.0.2', 81, factory, { timeout: 5, bindAddress: ['10.0.0.1', 0] });
      expect(reactor.tcpClients).toEqual([
        ['example.com', 80, factory, 30, null],
        ['10.0.0.2', 81, factory, 5, ['10.0.0.1', 0]],
      ]);
    });

    it('returns a connecting connector to the destination, after doStart and startedConnecting', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const connector = reactor.connectTCP('10.0.0.2', 80, factory);
      const v6 = reactor.connectTCP('::1', 80, factory);
      expect(connector.state).toBe('connecting');
      expect(connector.getDestination()).toEqual(new IPv4Address('TCP', '10.0.0.2', 80));
      expect(v6.getDestination()).toEqual(new IPv6Address('TCP', '::1', 80));
      expect(reactor.connectors).toEqual([connector, v6]);
      expect(factory.calls).toEqual(['startFactory', 'startedConnecting', 'startedConnecting']);
    });
  });

  describe('UNIX', () => {
    it('listenUNIX records [path, factory, backlog, mode] and returns a port at the path', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const port = successResultOf(reactor.listenUNIX('/tmp/s', factory, { mode: 0o600 }));
      expect(reactor.unixServers).toEqual([['/tmp/s', factory, 50, 0o600]]);
      expect(port.getHost()).toEqual(new UNIXAddress('/tmp/s'));
      expect(factory.calls).toEqual(['startFactory']);
    });

    it('connectUNIX records [path, factory, timeout] and returns a connector to the path', () => {
      const reactor = new MemoryReactor();
      const factory = new LoggingFactory();
      const connector = reactor.connectUNIX('/tmp/s', factory, { timeout: 3 });
      expect(reactor.unixClients).toEqual([['/tmp/s', factory, 3]]);
      expect(connector.getDestination()).toEqual(new UNIXAddress('/tmp/s'));
      expect(reactor.connectors).toEqual([connector]);
    });
  });
});

describe('FakeConnector', () => {
  it('stopConnecting() fails the attempt with UserError, then stops the factory', () => {
    const reactor = new MemoryReactor();
    const factory = new LoggingFactory();
    const connector = reactor.connectTCP('10.0.0.2', 80, factory);
    connector.stopConnecting();
    expect(connector.stoppedConnecting).toBe(true);
    expect(connector.state).toBe('disconnected');
    expect(factory.calls).toEqual([
      'startFactory',
      'startedConnecting',
      'clientConnectionFailed',
      'stopFactory',
    ]);
    expect(factory.reasons[0]?.check(UserError)).toBe(UserError);
  });

  it('stopConnecting() when not connecting throws NotConnectingError', () => {
    const reactor = new MemoryReactor();
    const connector = reactor.connectTCP('10.0.0.2', 80, new LoggingFactory());
    connector.stopConnecting();
    expect(() => {
      connector.stopConnecting();
    }).toThrow(NotConnectingError);
  });

  it('connect() while connecting throws InvalidStateError', () => {
    const reactor = new MemoryReactor();
    const connector = reactor.connectTCP('10.0.0.2', 80, new LoggingFactory());
    expect(() => {
      connector.connect();
    }).toThrow(InvalidStateError);
  });

  it('reconnects from clientConnectionFailed without stopping the factory, recording the new attempt', () => {
    const reactor = new MemoryReactor();
    const factory = new LoggingFactory();
    factory.onFailed = (c) => {
      factory.onFailed = null;
      c.connect();
    };
    const connector = reactor.connectTCP('10.0.0.2', 80, factory);
    connector.connectionFailed(new Failure(new UserError()));
    expect(connector.state).toBe('connecting');
    expect(factory.calls).toEqual([
      'startFactory',
      'startedConnecting',
      'clientConnectionFailed',
      'startedConnecting',
    ]);
    expect(reactor.tcpClients).toHaveLength(2);
    expect(reactor.connectors).toEqual([connector, connector]);
  });

  it('disconnect() stops a connecting attempt, and closes a connected one', () => {
    const reactor = new MemoryReactor();
    const connecting = reactor.connectTCP('10.0.0.2', 80, new LoggingFactory());
    connecting.disconnect();
    expect(connecting.stoppedConnecting).toBe(true);

    const connected = reactor.connectTCP('10.0.0.2', 80, new LoggingFactory());
    connected.buildProtocol(connected.getDestination());
    let closed = false;
    connected.transport = { loseConnection: () => (closed = true) } as never;
    connected.disconnect();
    expect(closed).toBe(true);
    expect(connected.disconnected).toBe(true);
  });

  it('reports a lost connection to the factory, then stops it', () => {
    const reactor = new MemoryReactor();
    const factory = new LoggingFactory();
    const connector = reactor.connectTCP('10.0.0.2', 80, factory);
    const proto = connector.buildProtocol(connector.getDestination());
    expect(proto).toBeInstanceOf(Protocol);
    expect(connector.state).toBe('connected');
    expect(() => {
      connector.connectionFailed(new Failure(new UserError()));
    }).toThrow(InvalidStateError);
    connector.connectionLost(new Failure(new Error('gone')));
    expect(factory.calls.slice(-2)).toEqual(['clientConnectionLost', 'stopFactory']);
    expect(connector.state).toBe('disconnected');
  });
});
