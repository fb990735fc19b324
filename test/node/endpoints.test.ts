// TCP and UNIX endpoints: what they ask a MemoryReactorClock for, how the connect Deferred settles
// (protocol after connectionMade, typed failures, NoProtocol, cancellation), and the same over real
// loopback sockets (127.0.0.1, ::1, a UNIX socket in a fresh temporary directory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import {
  BadFileError,
  CannotListenError,
  ConnectingCancelledError,
  ConnectingTimeoutError,
  ConnectionRefusedError,
  DNSLookupError,
  Factory,
  Failure,
  IPv4Address,
  IPv6Address,
  NoProtocol,
  Protocol,
  UNIXAddress,
} from '../../src/core/index.js';
import type { IHalfCloseableProtocol, IProtocol } from '../../src/core/index.js';
import {
  connectProtocol,
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from '../../src/node/index.js';
import {
  assertNoResult,
  failureResultOf,
  MemoryReactorClock,
  MemoryResolver,
  StringTransport,
  successResultOf,
} from '../../src/testing/index.js';
import { Echo, freshReactor, portNumber, Recorder, RecordingFactory } from './socket-helpers.js';

/** A factory counting buildProtocol calls. */
class CountingFactory extends Factory<Protocol> {
  built = 0;
  override protocol = Protocol;
  override buildProtocol(addr: IPv4Address): Protocol | null {
    this.built += 1;
    return super.buildProtocol(addr);
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-endpoints-'));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('TCP4ServerEndpoint / TCP6ServerEndpoint', () => {
  it('listen() is listenTCP(port, factory, { backlog, interface }) with Twisted’s defaults', () => {
    const reactor = new MemoryReactorClock();
    const factory = new CountingFactory();
    successResultOf(new TCP4ServerEndpoint(reactor, 80).listen(factory));
    successResultOf(new TCP6ServerEndpoint(reactor, 81).listen(factory));
    successResultOf(
      new TCP4ServerEndpoint(reactor, 82, { backlog: 5, interface: '127.0.0.1' }).listen(factory),
    );
    expect(reactor.tcpServers).toEqual([
      [80, factory, 50, ''],
      [81, factory, 50, '::'],
      [82, factory, 5, '127.0.0.1'],
    ]);
  });

  it('fails with CannotListenError (EADDRINUSE) when the port is taken', async () => {
    const reactor = freshReactor();
    const first = await new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' }).listen(
      new RecordingFactory(Recorder),
    );
    const second = new TCP4ServerEndpoint(reactor, portNumber(first), {
      interface: '127.0.0.1',
    }).listen(new RecordingFactory(Recorder));
    const err = await second.asPromise().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CannotListenError);
    expect(err).toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('TCP4ClientEndpoint', () => {
  it('connect() is connectTCP(host, port, ..., { timeout: 30 }) by default', () => {
    const reactor = new MemoryReactorClock();
    void new TCP4ClientEndpoint(reactor, 'example.com', 80).connect(new CountingFactory());
    void new TCP4ClientEndpoint(reactor, '10.0.0.1', 81, {
      timeout: 5,
      bindAddress: ['10.0.0.2', 0],
    }).connect(new CountingFactory());
    expect(reactor.tcpClients.map(([h, p, , t, b]) => [h, p, t, b])).toEqual([
      ['example.com', 80, 30, null],
      ['10.0.0.1', 81, 5, ['10.0.0.2', 0]],
    ]);
  });

  it('fires with the user’s protocol after its connectionMade, building it once', () => {
    const reactor = new MemoryReactorClock();
    const factory = new CountingFactory();
    const d = new TCP4ClientEndpoint(reactor, '10.0.0.1', 80).connect(factory);
    assertNoResult(d);
    const connector = reactor.connectors[0];
    const wrapper = connector?.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 80));
    expect(factory.built).toBe(1);
    assertNoResult(d);
    const transport = new StringTransport();
    wrapper?.makeConnection(transport);
    const proto = successResultOf(d);
    expect(proto).toBeInstanceOf(Protocol);
    expect(proto.transport).toBe(transport);
    expect(proto.connected).toBe(true);
    expect(factory.built).toBe(1);
  });

  it('passes data and connectionLost through to the user’s protocol', () => {
    const reactor = new MemoryReactorClock();
    const seen: string[] = [];
    class P extends Protocol {
      override dataReceived(data: Uint8Array): void {
        seen.push(new TextDecoder().decode(data));
      }
      override connectionLost(reason: Failure): void {
        seen.push(`lost:${reason.getErrorMessage()}`);
      }
    }
    const d = new TCP4ClientEndpoint(reactor, '10.0.0.1', 80).connect(Factory.forProtocol(P));
    const wrapper = reactor.connectors[0]?.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 80));
    wrapper?.makeConnection(new StringTransport());
    wrapper?.dataReceived(new TextEncoder().encode('hi'));
    wrapper?.connectionLost(new Failure(new Error('x')));
    successResultOf(d);
    expect(seen).toEqual(['hi', 'lost:x']);
  });

  it('wraps a half-closeable protocol so the transport sees it is one, and forwards both calls', () => {
    const reactor = new MemoryReactorClock();
    const calls: string[] = [];
    class Half extends Protocol implements IHalfCloseableProtocol {
      readConnectionLost(): void {
        calls.push('read');
      }
      writeConnectionLost(): void {
        calls.push('write');
      }
    }
    void new TCP4ClientEndpoint(reactor, 'h', 1).connect(Factory.forProtocol(Half));
    void new TCP4ClientEndpoint(reactor, 'h', 2).connect(Factory.forProtocol(Protocol));
    const addr = new IPv4Address('TCP', '10.0.0.1', 1);
    const half = reactor.connectors[0]?.buildProtocol(addr) as IProtocol & IHalfCloseableProtocol;
    const plain = reactor.connectors[1]?.buildProtocol(addr);
    expect('readConnectionLost' in (plain ?? {})).toBe(false);
    half.readConnectionLost();
    half.writeConnectionLost();
    expect(calls).toEqual(['read', 'write']);
  });

  it('fails with the connector’s typed error (refused, timed out)', () => {
    const reactor = new MemoryReactorClock();
    const a = new TCP4ClientEndpoint(reactor, 'h', 1).connect(new CountingFactory());
    const b = new TCP4ClientEndpoint(reactor, 'h', 2, { timeout: 1 }).connect(
      new CountingFactory(),
    );
    reactor.connectors[0]?.connectionFailed(new Failure(new ConnectionRefusedError()));
    reactor.connectors[1]?.connectionFailed(new Failure(new ConnectingTimeoutError()));
    failureResultOf(a, ConnectionRefusedError);
    failureResultOf(b, ConnectingTimeoutError);
  });

  it('fails with NoProtocol when buildProtocol returns null, or with what it threw', () => {
    const reactor = new MemoryReactorClock();
    class NullFactory extends Factory {
      override buildProtocol(): null {
        return null;
      }
    }
    class ThrowingFactory extends Factory {
      override buildProtocol(): never {
        throw new RangeError('no');
      }
    }
    const a = new TCP4ClientEndpoint(reactor, 'h', 1).connect(new NullFactory());
    const b = new TCP4ClientEndpoint(reactor, 'h', 2).connect(new ThrowingFactory());
    const addr = new IPv4Address('TCP', '10.0.0.1', 1);
    expect(reactor.connectors[0]?.buildProtocol(addr)).toBeNull();
    expect(reactor.connectors[1]?.buildProtocol(addr)).toBeNull();
    failureResultOf(a, NoProtocol);
    failureResultOf(b, RangeError);
  });

  it('cancelling stops the connector and fails with ConnectingCancelledError(destination)', () => {
    const reactor = new MemoryReactorClock();
    const d = new TCP4ClientEndpoint(reactor, '10.0.0.1', 80).connect(new CountingFactory());
    d.cancel();
    const failure = failureResultOf(d, ConnectingCancelledError);
    expect((failure.value as ConnectingCancelledError).address).toEqual(
      new IPv4Address('TCP', '10.0.0.1', 80),
    );
    expect(reactor.connectors[0]?.stoppedConnecting).toBe(true);
  });

  it('cancelling after the connection is made does nothing', () => {
    const reactor = new MemoryReactorClock();
    const d = new TCP4ClientEndpoint(reactor, '10.0.0.1', 80).connect(new CountingFactory());
    const wrapper = reactor.connectors[0]?.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 80));
    wrapper?.makeConnection(new StringTransport());
    d.cancel();
    successResultOf(d);
  });

  it('connects over real loopback and echoes', async () => {
    const reactor = freshReactor();
    const port = await new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' }).listen(
      new RecordingFactory(Echo),
    );
    const client = await new TCP4ClientEndpoint(reactor, '127.0.0.1', portNumber(port)).connect(
      new RecordingFactory(Recorder),
    );
    client.transport.write('ping');
    expect((await client.bytes(4)).toString()).toBe('ping');
    expect(client.transport.getPeer()).toEqual(
      new IPv4Address('TCP', '127.0.0.1', portNumber(port)),
    );
  });

  it('fails with ConnectionRefusedError (ECONNREFUSED) over real loopback', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
      interface: '127.0.0.1',
    });
    const n = portNumber(port);
    await port.stopListening();
    const err = await new TCP4ClientEndpoint(reactor, '127.0.0.1', n)
      .connect(new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('TCP6ClientEndpoint', () => {
  it('connects to an IPv6 literal at once, without resolving', () => {
    const reactor = new MemoryReactorClock();
    const resolver = new MemoryResolver();
    reactor.installNameResolver(resolver);
    void new TCP6ClientEndpoint(reactor, '::1', 80).connect(new CountingFactory());
    expect(resolver.requests).toEqual([]);
    expect(reactor.tcpClients.map(([h, p]) => [h, p])).toEqual([['::1', 80]]);
  });

  it('resolves a name to its first IPv6 address with the reactor’s resolver', () => {
    const reactor = new MemoryReactorClock();
    const resolver = new MemoryResolver({ 'h.test': ['10.0.0.1', 'fe80::2', 'fe80::3'] });
    reactor.installNameResolver(resolver);
    void new TCP6ClientEndpoint(reactor, 'h.test', 80, { timeout: 4 }).connect(
      new CountingFactory(),
    );
    expect(resolver.requests[0]?.addressTypes).toEqual([IPv6Address]);
    expect(reactor.tcpClients.map(([h, p, , t]) => [h, p, t])).toEqual([['fe80::2', 80, 4]]);
  });

  it('fails with DNSLookupError when the name has no IPv6 address', () => {
    const reactor = new MemoryReactorClock();
    reactor.installNameResolver(new MemoryResolver({ 'v4only.test': ['10.0.0.1'] }));
    const d = new TCP6ClientEndpoint(reactor, 'v4only.test', 80).connect(new CountingFactory());
    expect(failureResultOf(d, DNSLookupError).value).toMatchObject({ code: 'ENOTFOUND' });
    expect(reactor.tcpClients).toEqual([]);
  });

  it('cancelling during the lookup abandons it with ConnectingCancelledError', () => {
    const reactor = new MemoryReactorClock();
    const resolver = new MemoryResolver();
    resolver.hold('slow.test');
    reactor.installNameResolver(resolver);
    const d = new TCP6ClientEndpoint(reactor, 'slow.test', 80).connect(new CountingFactory());
    d.cancel();
    failureResultOf(d, ConnectingCancelledError);
    expect(resolver.pending[0]?.cancelled).toBe(true);
    expect(reactor.tcpClients).toEqual([]);
  });

  it('cancelling after the lookup cancels the connection attempt', () => {
    const reactor = new MemoryReactorClock();
    reactor.installNameResolver(new MemoryResolver({ 'h.test': ['fe80::2'] }));
    const d = new TCP6ClientEndpoint(reactor, 'h.test', 80).connect(new CountingFactory());
    d.cancel();
    failureResultOf(d, ConnectingCancelledError);
    expect(reactor.connectors[0]?.stoppedConnecting).toBe(true);
  });

  it('connects over real ::1 loopback', async () => {
    const reactor = freshReactor();
    const port = await new TCP6ServerEndpoint(reactor, 0, { interface: '::1' }).listen(
      new RecordingFactory(Echo),
    );
    const client = await new TCP6ClientEndpoint(reactor, '::1', portNumber(port)).connect(
      new RecordingFactory(Recorder),
    );
    expect(client.transport.getPeer()).toEqual(new IPv6Address('TCP', '::1', portNumber(port)));
  });
});

describe('UNIXServerEndpoint / UNIXClientEndpoint', () => {
  it('listen() and connect() are listenUNIX/connectUNIX with Twisted’s defaults', () => {
    const reactor = new MemoryReactorClock();
    const factory = new CountingFactory();
    successResultOf(new UNIXServerEndpoint(reactor, '/s').listen(factory));
    successResultOf(
      new UNIXServerEndpoint(reactor, '/t', { backlog: 3, mode: 0o600 }).listen(factory),
    );
    void new UNIXClientEndpoint(reactor, '/s').connect(factory);
    void new UNIXClientEndpoint(reactor, '/t', { timeout: 2 }).connect(factory);
    expect(reactor.unixServers).toEqual([
      ['/s', factory, 50, 0o666],
      ['/t', factory, 3, 0o600],
    ]);
    expect(reactor.unixClients).toEqual([
      ['/s', expect.anything(), 30],
      ['/t', expect.anything(), 2],
    ]);
  });

  it('connects over a real UNIX socket; a missing socket is BadFileError', async () => {
    const reactor = freshReactor();
    const path = join(tempDir(), 's');
    await new UNIXServerEndpoint(reactor, path).listen(new RecordingFactory(Echo));
    const client = await new UNIXClientEndpoint(reactor, path).connect(
      new RecordingFactory(Recorder),
    );
    expect(client.transport.getPeer()).toEqual(new UNIXAddress(path));
    const err = await new UNIXClientEndpoint(reactor, `${path}-missing`)
      .connect(new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadFileError);
  });
});

describe('client endpoints, edge cases', () => {
  it('fail with the error connectTCP/connectUNIX throw for a bad argument', () => {
    const reactor = freshReactor();
    const tcp = new TCP4ClientEndpoint(reactor, '127.0.0.1', 1, { timeout: -1 });
    const unix = new UNIXClientEndpoint(reactor, '/nowhere', { timeout: -1 });
    failureResultOf(tcp.connect(new CountingFactory()), RangeError);
    failureResultOf(unix.connect(new CountingFactory()), RangeError);
  });

  it('TCP6ClientEndpoint passes on the failure of the attempt after the lookup, and its protocol', () => {
    const reactor = new MemoryReactorClock();
    reactor.installNameResolver(new MemoryResolver({ 'h.test': ['fe80::2'] }));
    const failed = new TCP6ClientEndpoint(reactor, 'h.test', 80).connect(new CountingFactory());
    reactor.connectors[0]?.connectionFailed(new Failure(new ConnectionRefusedError()));
    failureResultOf(failed, ConnectionRefusedError);
    const made = new TCP6ClientEndpoint(reactor, 'h.test', 81).connect(new CountingFactory());
    const wrapper = reactor.connectors[1]?.buildProtocol(new IPv6Address('TCP', 'fe80::2', 81));
    wrapper?.makeConnection(new StringTransport());
    expect(successResultOf(made)).toBeInstanceOf(Protocol);
  });

  it('passes a TLS handshake notification through to a protocol that listens for it', () => {
    const reactor = new MemoryReactorClock();
    let handshakes = 0;
    class Listener extends Protocol {
      handshakeCompleted(): void {
        handshakes += 1;
      }
    }
    void new TCP4ClientEndpoint(reactor, 'h', 1).connect(Factory.forProtocol(Listener));
    void new TCP4ClientEndpoint(reactor, 'h', 2).connect(Factory.forProtocol(Protocol));
    const addr = new IPv4Address('TCP', '10.0.0.1', 1);
    for (const connector of reactor.connectors) {
      const wrapper = connector.buildProtocol(addr) as IProtocol & { handshakeCompleted(): void };
      wrapper.handshakeCompleted();
    }
    expect(handshakes).toBe(1);
  });
});

describe('connectProtocol', () => {
  it('connects an existing protocol instance and fires with it', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, new RecordingFactory(Echo), { interface: '127.0.0.1' });
    const mine = new Recorder();
    const proto = await connectProtocol(
      new TCP4ClientEndpoint(reactor, '127.0.0.1', portNumber(port)),
      mine,
    );
    expect(proto).toBe(mine);
    mine.transport.write('x');
    expect((await mine.bytes(1)).toString()).toBe('x');
  });
});
