// HostnameEndpoint ("Happy Eyeballs"): resolution through the reactor's resolver, families
// interleaved, attempts staggered every attemptDelay on a MemoryReactorClock, the first success
// cancelling the rest, every failure reported together, cancellation at each stage; then the same
// over real loopback.
import { describe, expect, it } from 'vitest';

import {
  ConnectAttemptsFailedError,
  ConnectingCancelledError,
  ConnectionRefusedError,
  DNSLookupError,
  Factory,
  Failure,
  HostnameAddress,
  InvalidAddressError,
  IPv4Address,
  IPv6Address,
  NoRouteError,
  Protocol,
} from '../../src/core/index.js';
import { HostnameEndpoint, interleaveFamilies, NodeResolver } from '../../src/node/index.js';
import {
  assertNoResult,
  failureResultOf,
  MemoryReactorClock,
  MemoryResolver,
  StringTransport,
  successResultOf,
} from '../../src/testing/index.js';
import { Echo, freshReactor, portNumber, Recorder, RecordingFactory } from './socket-helpers.js';

class CountingFactory extends Factory<Protocol> {
  built = 0;
  override protocol = Protocol;
  override buildProtocol(addr: IPv4Address): Protocol | null {
    this.built += 1;
    return super.buildProtocol(addr);
  }
}

/** A MemoryReactorClock whose resolver knows `hosts`. */
function setUp(hosts: Record<string, string[]>): {
  reactor: MemoryReactorClock;
  resolver: MemoryResolver;
} {
  const reactor = new MemoryReactorClock();
  const resolver = new MemoryResolver(hosts);
  reactor.installNameResolver(resolver);
  return { reactor, resolver };
}

/** The hosts of the attempts started so far. */
function attempted(reactor: MemoryReactorClock): string[] {
  return reactor.tcpClients.map(([host]) => host);
}

const FOUR = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
const SIX = ['2001:db8::1', '2001:db8::2'];

describe('interleaveFamilies', () => {
  it('alternates families, starting with the first answer’s, keeping order within each', () => {
    const a = (h: string): IPv4Address | IPv6Address =>
      h.includes(':') ? new IPv6Address('TCP', h, 0) : new IPv4Address('TCP', h, 0);
    const hosts = (xs: (IPv4Address | IPv6Address)[]): string[] => xs.map((x) => x.host);
    expect(hosts(interleaveFamilies([...SIX, ...FOUR].map(a)))).toEqual([
      '2001:db8::1',
      '192.0.2.1',
      '2001:db8::2',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    expect(hosts(interleaveFamilies(['192.0.2.1', '192.0.2.2', '2001:db8::1'].map(a)))).toEqual([
      '192.0.2.1',
      '2001:db8::1',
      '192.0.2.2',
    ]);
    expect(interleaveFamilies([])).toEqual([]);
  });
});

describe('HostnameEndpoint', () => {
  it('resolves with the reactor’s resolver, with the port, then connects to the first address', () => {
    const { reactor, resolver } = setUp({ 'example.test': ['192.0.2.1'] });
    void new HostnameEndpoint(reactor, 'example.test', 443, { timeout: 7 }).connect(
      new CountingFactory(),
    );
    expect(resolver.requests).toEqual([
      { name: 'example.test', port: 443, addressTypes: null, transportSemantics: 'TCP' },
    ]);
    expect(reactor.tcpClients.map(([h, p, , t]) => [h, p, t])).toEqual([['192.0.2.1', 443, 7]]);
  });

  it('starts one attempt every 0.3 s, families interleaved', () => {
    const { reactor } = setUp({ 'dual.test': [...SIX, ...FOUR] });
    const d = new HostnameEndpoint(reactor, 'dual.test', 80).connect(new CountingFactory());
    expect(attempted(reactor)).toEqual(['2001:db8::1']);
    reactor.advance(0.299);
    expect(attempted(reactor)).toHaveLength(1);
    reactor.advance(0.001);
    expect(attempted(reactor)).toEqual(['2001:db8::1', '192.0.2.1']);
    reactor.advance(0.3);
    expect(attempted(reactor)).toHaveLength(3);
    reactor.advance(0.3);
    expect(attempted(reactor)).toHaveLength(4);
    reactor.advance(0.3);
    expect(attempted(reactor)).toEqual([
      '2001:db8::1',
      '192.0.2.1',
      '2001:db8::2',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    expect(reactor.getDelayedCalls()).toEqual([]); // nothing left to start
    assertNoResult(d);
  });

  it('honours another attemptDelay', () => {
    const { reactor } = setUp({ 'h.test': FOUR });
    void new HostnameEndpoint(reactor, 'h.test', 80, { attemptDelay: 2 }).connect(
      new CountingFactory(),
    );
    reactor.advance(1.999);
    expect(attempted(reactor)).toHaveLength(1);
    reactor.advance(0.001);
    expect(attempted(reactor)).toHaveLength(2);
  });

  it('lets the first success win: the others are cancelled and no more start', () => {
    const { reactor } = setUp({ 'dual.test': [...SIX, ...FOUR] });
    const factory = new CountingFactory();
    const d = new HostnameEndpoint(reactor, 'dual.test', 80).connect(factory);
    reactor.advance(0.3);
    reactor.advance(0.3); // three attempts pending
    const [first, second, third] = reactor.connectors;
    const wrapper = second?.buildProtocol(new IPv4Address('TCP', '192.0.2.1', 80));
    wrapper?.makeConnection(new StringTransport());
    const proto = successResultOf(d);
    expect(proto).toBeInstanceOf(Protocol);
    expect(factory.built).toBe(1);
    expect(first?.stoppedConnecting).toBe(true);
    expect(third?.stoppedConnecting).toBe(true);
    expect(second?.stoppedConnecting).toBe(false);
    reactor.advance(10);
    expect(attempted(reactor)).toHaveLength(3);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('starts the next attempt at once when every started one has failed', () => {
    const { reactor } = setUp({ 'h.test': FOUR });
    void new HostnameEndpoint(reactor, 'h.test', 80).connect(new CountingFactory());
    reactor.advance(0.1);
    reactor.connectors[0]?.connectionFailed(new Failure(new ConnectionRefusedError()));
    expect(attempted(reactor)).toEqual(['192.0.2.1', '192.0.2.2']);
    reactor.advance(0.299); // the delay counts from the new start
    expect(attempted(reactor)).toHaveLength(2);
    reactor.advance(0.001);
    expect(attempted(reactor)).toHaveLength(3);
  });

  it('fails with one ConnectAttemptsFailedError listing every address and failure', () => {
    const { reactor } = setUp({ 'dual.test': ['192.0.2.1', '2001:db8::1'] });
    const d = new HostnameEndpoint(reactor, 'dual.test', 80).connect(new CountingFactory());
    reactor.advance(0.3);
    reactor.connectors[1]?.connectionFailed(new Failure(new NoRouteError('no route')));
    assertNoResult(d);
    reactor.connectors[0]?.connectionFailed(
      new Failure(new ConnectionRefusedError('refused', { code: 'ECONNREFUSED' })),
    );
    const err = failureResultOf(d, ConnectAttemptsFailedError).value as ConnectAttemptsFailedError;
    expect(err.attempts.map((a) => [a.address, a.failure.type])).toEqual([
      ["IPv6Address(TCP, '2001:db8::1', 80)", NoRouteError],
      ["IPv4Address(TCP, '192.0.2.1', 80)", ConnectionRefusedError],
    ]);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.cause).toBeInstanceOf(ConnectionRefusedError);
    expect(err.message).toBe(
      'All 2 connection attempts to HostnameEndpoint(dual.test:80) failed: ' +
        "IPv6Address(TCP, '2001:db8::1', 80): no route; IPv4Address(TCP, '192.0.2.1', 80): refused",
    );
  });

  it('fails with the resolver’s DNSLookupError, keeping its code', () => {
    const { reactor, resolver } = setUp({});
    resolver.fail('down.test', 'EAI_AGAIN');
    const d = new HostnameEndpoint(reactor, 'down.test', 80).connect(new CountingFactory());
    expect(failureResultOf(d, DNSLookupError).value).toMatchObject({ code: 'EAI_AGAIN' });
    const e = new HostnameEndpoint(reactor, 'nowhere.test', 80).connect(new CountingFactory());
    expect(failureResultOf(e, DNSLookupError).value).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('fails at once with InvalidAddressError for an empty or malformed name', () => {
    const { reactor, resolver } = setUp({});
    for (const bad of ['', 'a b', 'a\u0000b']) {
      failureResultOf(
        new HostnameEndpoint(reactor, bad, 80).connect(new CountingFactory()),
        InvalidAddressError,
      );
    }
    expect(resolver.requests).toEqual([]);
  });

  it('cancelling during the lookup abandons it: ConnectingCancelledError(HostnameAddress)', () => {
    const { reactor, resolver } = setUp({});
    resolver.hold('slow.test');
    const d = new HostnameEndpoint(reactor, 'slow.test', 80).connect(new CountingFactory());
    d.cancel();
    const err = failureResultOf(d, ConnectingCancelledError).value as ConnectingCancelledError;
    expect(err.address).toEqual(new HostnameAddress('slow.test', 80));
    expect(resolver.pending[0]?.cancelled).toBe(true);
    resolver.pending[0]?.resolve(['192.0.2.1']); // a late answer is dropped
    expect(reactor.tcpClients).toEqual([]);
  });

  it('cancelling during the lookup also stops the resolver’s lookup timeout', () => {
    const reactor = new MemoryReactorClock();
    const lookup = (): void => {
      // Never answers.
    };
    reactor.installNameResolver(new NodeResolver(reactor, { lookup }));
    const d = new HostnameEndpoint(reactor, 'slow.test', 80).connect(new CountingFactory());
    expect(reactor.getDelayedCalls()).toHaveLength(1);
    d.cancel();
    failureResultOf(d, ConnectingCancelledError);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('cancelling mid-attempts cancels every pending attempt and starts no more', () => {
    const { reactor } = setUp({ 'h.test': FOUR });
    const d = new HostnameEndpoint(reactor, 'h.test', 80).connect(new CountingFactory());
    reactor.advance(0.3);
    d.cancel();
    failureResultOf(d, ConnectingCancelledError);
    expect(reactor.connectors.map((c) => c.stoppedConnecting)).toEqual([true, true]);
    reactor.advance(10);
    expect(attempted(reactor)).toHaveLength(2);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('describes itself with an IPv6 literal in brackets', () => {
    const reactor = new MemoryReactorClock();
    expect(String(new HostnameEndpoint(reactor, '::1', 80))).toBe('HostnameEndpoint([::1]:80)');
    expect(() => new HostnameEndpoint(reactor, 'h', 80, { attemptDelay: -1 })).toThrow(RangeError);
  });

  it('connects over real loopback to whichever localhost address listens', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, new RecordingFactory(Echo), { interface: '127.0.0.1' });
    const client = await new HostnameEndpoint(reactor, 'localhost', portNumber(port)).connect(
      new RecordingFactory(Recorder),
    );
    expect(client.transport.getPeer()).toEqual(
      new IPv4Address('TCP', '127.0.0.1', portNumber(port)),
    );
    client.transport.write('hey');
    expect((await client.bytes(3)).toString()).toBe('hey');
  });

  it('reports every refused address of a real name together', async () => {
    const reactor = freshReactor();
    reactor.installNameResolver(new MemoryResolver({ 'both.test': ['::1', '127.0.0.1'] }));
    const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
      interface: '127.0.0.1',
    });
    const n = portNumber(port);
    await port.stopListening();
    const err = await new HostnameEndpoint(reactor, 'both.test', n)
      .connect(new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectAttemptsFailedError);
    expect((err as ConnectAttemptsFailedError).attempts.map((a) => a.failure.type)).toEqual([
      ConnectionRefusedError,
      ConnectionRefusedError,
    ]);
  });
});
