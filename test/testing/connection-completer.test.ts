// ConnectionCompleter: completing and failing MemoryReactor's recorded TCP attempts (Twisted's
// twisted.test.iosim.ConnectionCompleter).
import { describe, expect, it } from 'vitest';

import {
  ClientFactory,
  ConnectionDone,
  ConnectionRefusedError,
  Factory,
  Failure,
  InvalidStateError,
  IPv4Address,
  Protocol,
  TCPTimedOutError,
} from '../../src/core/index.js';
import type { IAddress, IConnector } from '../../src/core/index.js';
import {
  AccumulatingProtocol,
  ConnectionCompleter,
  MemoryReactorClock,
} from '../../src/testing/index.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

class RecordingClientFactory extends ClientFactory<AccumulatingProtocol> {
  override noisy = false;
  override protocol = AccumulatingProtocol;
  readonly events: string[] = [];
  readonly addresses: IAddress[] = [];
  reason: Failure | null = null;

  override buildProtocol(addr: IAddress): AccumulatingProtocol | null {
    this.addresses.push(addr);
    return super.buildProtocol(addr);
  }
  override clientConnectionFailed(_c: IConnector, reason: Failure): void {
    this.events.push('failed');
    this.reason = reason;
  }
  override clientConnectionLost(_c: IConnector, reason: Failure): void {
    this.events.push('lost');
    this.reason = reason;
  }
  override stopFactory(): void {
    this.events.push('stopFactory');
  }
}

function listeningReactor(port: number): MemoryReactorClock {
  const reactor = new MemoryReactorClock();
  const server = Factory.forProtocol(Echo);
  server.noisy = false;
  void reactor.listenTCP(port, server);
  return reactor;
}

describe('ConnectionCompleter', () => {
  describe('succeedOnce', () => {
    it('connects the oldest attempt to the port listening on its port number', () => {
      const reactor = listeningReactor(4321);
      const factory = new RecordingClientFactory();
      const connector = reactor.connectTCP('10.0.0.1', 4321, factory);
      const pump = new ConnectionCompleter(reactor).succeedOnce();
      expect(pump).not.toBeNull();
      expect(reactor.tcpClients).toEqual([]);
      expect(reactor.connectors).toEqual([]);
      expect(connector.state).toBe('connected');
      expect(factory.addresses).toEqual([new IPv4Address('TCP', '10.0.0.1', 4321)]);

      const client = pump?.client as AccumulatingProtocol;
      expect(client.made).toBe(true);
      client.transport.write('ping');
      pump?.flush();
      expect(client.dataString()).toBe('ping');
    });

    it("reports the client's connection loss to its factory after the protocol's", () => {
      const reactor = listeningReactor(4321);
      const factory = new RecordingClientFactory();
      reactor.connectTCP('10.0.0.1', 4321, factory);
      const pump = new ConnectionCompleter(reactor).succeedOnce();
      const client = pump?.client as AccumulatingProtocol;
      client.transport.loseConnection();
      pump?.flush();
      expect(client.closed).toBe(true);
      expect(factory.events).toEqual(['lost', 'stopFactory']);
      expect(factory.reason?.check(ConnectionDone)).toBe(ConnectionDone);
    });

    it('returns null when no attempt has a listener', () => {
      const reactor = listeningReactor(4321);
      reactor.connectTCP('10.0.0.1', 1234, new RecordingClientFactory());
      expect(new ConnectionCompleter(reactor).succeedOnce()).toBeNull();
      expect(reactor.tcpClients).toHaveLength(1);
    });

    it('finds a port-0 listener by the fake port number it was given', () => {
      const reactor = new MemoryReactorClock();
      const server = Factory.forProtocol(Echo);
      server.noisy = false;
      let portNumber = 0;
      void reactor.listenTCP(0, server).addCallback((p) => {
        portNumber = p.getHost().port;
      });
      reactor.connectTCP('127.0.0.1', portNumber, new RecordingClientFactory());
      expect(new ConnectionCompleter(reactor).succeedOnce()).not.toBeNull();
    });
  });

  describe('failOnce', () => {
    it('fails the oldest attempt with ConnectionRefusedError by default', () => {
      const reactor = new MemoryReactorClock();
      const factory = new RecordingClientFactory();
      const connector = reactor.connectTCP('10.0.0.1', 4321, factory);
      new ConnectionCompleter(reactor).failOnce();
      expect(connector.state).toBe('disconnected');
      expect(factory.events).toEqual(['failed', 'stopFactory']);
      expect(factory.reason?.check(ConnectionRefusedError)).toBe(ConnectionRefusedError);
      expect(reactor.tcpClients).toEqual([]);
    });

    it('fails with the given reason, and throws InvalidStateError when nothing is pending', () => {
      const reactor = new MemoryReactorClock();
      const factory = new RecordingClientFactory();
      reactor.connectTCP('10.0.0.1', 4321, factory);
      const completer = new ConnectionCompleter(reactor);
      completer.failOnce(new Failure(new TCPTimedOutError()));
      expect(factory.reason?.check(TCPTimedOutError)).toBe(TCPTimedOutError);
      expect(() => {
        completer.failOnce();
      }).toThrow(InvalidStateError);
    });
  });
});
