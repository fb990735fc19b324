// The proxies ClientService connects with: everything passes through to the application's
// factory and protocol, and the loss of the connection is reported after the protocol hears it.
import { describe, expect, it } from 'vitest';

import {
  DisconnectFactory,
  ReconnectingProtocolProxy,
} from '../../src/core/client-connection-proxy.js';
import { ConnectionDone, Factory, Failure, IPv4Address, Protocol } from '../../src/core/index.js';
import { StringTransport } from '../../src/testing/index.js';

/** Records every call it gets. */
class Recording extends Protocol {
  readonly calls: string[] = [];
  override connectionMade(): void {
    this.calls.push('connectionMade');
  }
  override dataReceived(data: Uint8Array): void {
    this.calls.push(`data:${new TextDecoder().decode(data)}`);
  }
  override connectionLost(): void {
    this.calls.push('connectionLost');
    throw new Error('connectionLost blew up');
  }
  readConnectionLost(): void {
    this.calls.push('readConnectionLost');
  }
  writeConnectionLost(): void {
    this.calls.push('writeConnectionLost');
  }
  handshakeCompleted(): void {
    this.calls.push('handshakeCompleted');
  }
}

describe('ReconnectingProtocolProxy', () => {
  it('passes every call through and reports the loss even when connectionLost throws', () => {
    const lost: Failure[] = [];
    const app = new Recording();
    const proxy = new ReconnectingProtocolProxy(app, (reason) => lost.push(reason));
    expect(proxy.transport).toBeUndefined();
    const transport = new StringTransport();
    proxy.makeConnection(transport);
    expect(proxy.transport).toBe(transport);
    proxy.connectionMade();
    proxy.dataReceived(new TextEncoder().encode('hi'));
    proxy.readConnectionLost?.();
    proxy.writeConnectionLost?.();
    proxy.handshakeCompleted?.();
    const reason = new Failure(new ConnectionDone());
    expect(() => {
      proxy.connectionLost(reason);
    }).toThrow('connectionLost blew up');
    expect(app.calls).toEqual([
      'connectionMade',
      'connectionMade',
      'data:hi',
      'readConnectionLost',
      'writeConnectionLost',
      'handshakeCompleted',
      'connectionLost',
    ]);
    expect(lost).toEqual([reason]);
  });
});

describe('DisconnectFactory', () => {
  it('wraps what the application’s factory builds, passes null on, and forwards doStart/doStop', () => {
    const app = Factory.forProtocol(Recording);
    app.noisy = false;
    const factory = new DisconnectFactory(app, () => undefined);
    const addr = new IPv4Address('TCP', '10.0.0.1', 1);
    const built = factory.buildProtocol(addr);
    expect(built?.wrappedProtocol).toBeInstanceOf(Recording);
    factory.doStart();
    expect(app.numPorts).toBe(1);
    factory.doStop();
    expect(app.numPorts).toBe(0);
    app.buildProtocol = () => null;
    expect(factory.buildProtocol(addr)).toBeNull();
  });
});
