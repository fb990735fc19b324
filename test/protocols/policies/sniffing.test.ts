// SniffingFactory and ProtocolSniffer: the first bytes choose the protocol, on a Clock and a
// StringTransport; the choice and the bytes delivered do not depend on the chunking (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  ConnectionDone,
  ConnectionLost,
  Factory,
  Failure,
  IPv4Address,
} from '../../../src/core/index.js';
import type { IProtocolFactory } from '../../../src/core/index.js';
import {
  matchPrefixes,
  ProtocolSniffer,
  SniffingFactory,
  type SniffRoute,
} from '../../../src/protocols/policies/index.js';
import {
  AccumulatingProtocol,
  Clock,
  LogCapture,
  StringTransportWithDisconnection,
} from '../../../src/testing/index.js';
import { reactor } from '../../../src/node/reactor.js';

const ADDR = new IPv4Address('TCP', '127.0.0.1', 12345);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** An AccumulatingProtocol that also records the order of its callbacks. */
class Recorder extends AccumulatingProtocol {
  readonly events: string[] = [];
  override connectionMade(): void {
    this.events.push('made');
    super.connectionMade();
  }
  override dataReceived(data: Uint8Array): void {
    this.events.push(`data ${text(data)}`);
    super.dataReceived(data);
  }
  override connectionLost(reason: Failure): void {
    this.events.push('lost');
    super.connectionLost(reason);
  }
}

/** A half-closeable, TLS-aware Recorder. */
class HalfCloser extends Recorder {
  readConnectionLost(): void {
    this.events.push('read lost');
  }
  writeConnectionLost(): void {
    this.events.push('write lost');
  }
  handshakeCompleted(): void {
    this.events.push('handshake');
  }
}

/** A factory that builds `Cls` protocols and keeps them. */
class Keeping<P extends Recorder = Recorder> extends Factory<P> {
  readonly built: P[] = [];
  constructor(Cls: new () => P) {
    super();
    this.protocol = Cls;
    this.noisy = false;
  }
  override buildProtocol(addr: IPv4Address): P | null {
    const p = super.buildProtocol(addr);
    if (p !== null) this.built.push(p);
    return p;
  }
}

interface Setup {
  clock: Clock;
  sniffer: ProtocolSniffer;
  transport: StringTransportWithDisconnection;
}

function connect(factory: SniffingFactory): Omit<Setup, 'clock'> {
  const sniffer = factory.buildProtocol(ADDR);
  const transport = new StringTransportWithDisconnection();
  transport.protocol = sniffer;
  sniffer.makeConnection(transport);
  return { sniffer, transport };
}

function setup(
  routes: readonly SniffRoute[],
  options: ConstructorParameters<typeof SniffingFactory>[1] = {},
): Setup {
  const clock = new Clock();
  return { clock, ...connect(new SniffingFactory(routes, { reactor: clock, ...options })) };
}

describe('matchPrefixes', () => {
  const match = matchPrefixes(['GET ', 'POST ', Uint8Array.of(0, 1)]);

  it('says true once the bytes start with a prefix, undefined while they may, false otherwise', () => {
    expect(match(bytes(''))).toBeUndefined();
    expect(match(bytes('G'))).toBeUndefined();
    expect(match(bytes('GET'))).toBeUndefined();
    expect(match(bytes('GET '))).toBe(true);
    expect(match(bytes('GET /x HTTP/1.1'))).toBe(true);
    expect(match(bytes('PO'))).toBeUndefined();
    expect(match(bytes('GEX'))).toBe(false);
    expect(match(bytes('hello'))).toBe(false);
    expect(match(Uint8Array.of(0))).toBeUndefined();
    expect(match(Uint8Array.of(0, 1, 2))).toBe(true);
    expect(match(Uint8Array.of(0, 2))).toBe(false);
  });

  it('is prefix-stable: an answer for some bytes holds for every extension of them', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12 }),
        fc.uint8Array({ maxLength: 12 }),
        (head, more) => {
          const longer = new Uint8Array([...head, ...more]);
          const first = match(head);
          if (first !== undefined) expect(match(longer)).toBe(first);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('SniffingFactory', () => {
  it('refuses a maxBytes that is not a positive integer and a bad timeout', () => {
    expect(() => new SniffingFactory([], { maxBytes: 0 })).toThrow(RangeError);
    expect(() => new SniffingFactory([], { maxBytes: 1.5 })).toThrow(RangeError);
    expect(() => new SniffingFactory([], { timeout: -1 })).toThrow(RangeError);
    expect(() => new SniffingFactory([], { timeout: Number.NaN })).toThrow(RangeError);
    expect(new SniffingFactory([], { timeout: null }).timeout).toBeNull();
    expect(new SniffingFactory([]).timeout).toBe(5);
    expect(new SniffingFactory([]).maxBytes).toBe(64);
  });

  it("starts and stops every route's factory and the fallback with itself, once each", () => {
    const a = new Keeping(Recorder);
    const b = new Keeping(Recorder);
    const factory = new SniffingFactory(
      [
        { match: () => true, factory: a },
        { match: () => true, factory: a },
      ],
      { fallback: b },
    );
    factory.doStart();
    expect([a.numPorts, b.numPorts]).toEqual([1, 1]);
    factory.doStop();
    expect([a.numPorts, b.numPorts]).toEqual([0, 0]);
  });

  it('uses the global reactor when given none, looked up when first needed', () => {
    const factory = new SniffingFactory([]);
    expect(factory.reactor).toBe(reactor);
  });
});

describe('ProtocolSniffer', () => {
  const hello = (): Keeping => new Keeping(Recorder);

  it('gives the connection to the matching route: connectionMade, the held bytes, then the rest', () => {
    const http = hello();
    const { sniffer, transport } = setup([{ match: matchPrefixes(['GET ']), factory: http }]);
    sniffer.dataReceived(bytes('GE'));
    expect(http.built).toHaveLength(0);
    sniffer.dataReceived(bytes('T /'));
    sniffer.dataReceived(bytes(' HTTP/1.1'));
    const [p] = http.built;
    expect(p?.events).toEqual(['made', 'data GET /', 'data  HTTP/1.1']);
    expect(p?.transport).toBe(transport);
    expect(sniffer.protocol).toBe(p);
    p?.transport.write('ok');
    expect(transport.valueString()).toBe('ok');
  });

  it('holds later routes while an earlier one cannot tell, whatever they say', () => {
    const first = hello();
    const second = hello();
    const { sniffer } = setup([
      { match: matchPrefixes(['ABCD']), factory: first },
      { match: matchPrefixes(['AB']), factory: second },
    ]);
    sniffer.dataReceived(bytes('AB'));
    expect(first.built.length + second.built.length).toBe(0);
    sniffer.dataReceived(bytes('CX'));
    expect(second.built[0]?.dataString()).toBe('ABCX');
    expect(first.built).toHaveLength(0);
  });

  it('gives the connection to the fallback when every route says no', () => {
    const fallback = hello();
    const { sniffer } = setup([{ match: () => false, factory: hello() }], { fallback });
    sniffer.dataReceived(bytes('x'));
    expect(fallback.built[0]?.events).toEqual(['made', 'data x']);
  });

  it('closes the connection when no route takes it and there is no fallback', () => {
    const { sniffer, transport } = setup([{ match: () => false, factory: hello() }]);
    sniffer.dataReceived(bytes('x'));
    expect(transport.disconnecting).toBe(true);
    expect(sniffer.protocol).toBeNull();
  });

  it('closes the connection when the chosen factory refuses it, or fails', () => {
    const refusing = new Factory();
    refusing.buildProtocol = () => null;
    const first = setup([{ match: () => true, factory: refusing }]);
    first.sniffer.dataReceived(bytes('x'));
    expect(first.transport.disconnecting).toBe(true);

    const failing = new Factory();
    failing.buildProtocol = () => {
      throw new Error('no');
    };
    using logs = new LogCapture();
    const second = setup([{ match: () => true, factory: failing }]);
    second.sniffer.dataReceived(bytes('x'));
    expect(second.transport.disconnecting).toBe(true);
    expect(logs.events).toHaveLength(1);
  });

  it('closes the connection, and logs, when a route throws', () => {
    using logs = new LogCapture();
    const { sniffer, transport } = setup([
      {
        match: () => {
          throw new Error('bad matcher');
        },
        factory: hello(),
      },
    ]);
    sniffer.dataReceived(bytes('x'));
    expect(transport.disconnecting).toBe(true);
    expect(logs.events).toHaveLength(1);
  });

  it('shows the routes at most maxBytes bytes, then decides with what it has', () => {
    const seen: number[] = [];
    const long = hello();
    const fallback = hello();
    const { sniffer } = setup(
      [
        {
          match: (head) => {
            seen.push(head.length);
            return matchPrefixes(['abcdefgh'])(head);
          },
          factory: long,
        },
      ],
      { maxBytes: 4, fallback },
    );
    sniffer.dataReceived(bytes('abcdefghij'));
    expect(seen).toEqual([4]);
    expect(long.built).toHaveLength(0);
    expect(fallback.built[0]?.dataString()).toBe('abcdefghij');
  });

  it('decides with what came once the timeout expires on the clock, and greets a silent peer', () => {
    const fallback = hello();
    const { clock, sniffer } = setup([{ match: matchPrefixes(['GET ']), factory: hello() }], {
      timeout: 2,
      fallback,
    });
    clock.advance(1.999);
    expect(fallback.built).toHaveLength(0);
    sniffer.dataReceived(bytes('GE'));
    clock.advance(0.001);
    expect(fallback.built[0]?.events).toEqual(['made', 'data GE']);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('sets no timer with timeout null, and cancels it once the choice is made', () => {
    const none = setup([], { timeout: null });
    expect(none.clock.getDelayedCalls()).toHaveLength(0);
    const timed = setup([{ match: () => true, factory: hello() }], { timeout: 1 });
    expect(timed.clock.getDelayedCalls()).toHaveLength(1);
    timed.sniffer.dataReceived(bytes('x'));
    expect(timed.clock.getDelayedCalls()).toHaveLength(0);
  });

  it('decides at once on the peer end of stream, then hands a half-closeable protocol the end', () => {
    const half = new Keeping(HalfCloser);
    const { sniffer } = setup([{ match: matchPrefixes(['long prefix']), factory: hello() }], {
      fallback: half,
    });
    sniffer.dataReceived(bytes('lo'));
    sniffer.readConnectionLost?.();
    const [p] = half.built;
    expect(p?.events).toEqual(['made', 'data lo', 'read lost']);
    sniffer.writeConnectionLost?.();
    sniffer.readConnectionLost?.();
    expect(p?.events.slice(3)).toEqual(['write lost', 'read lost']);
  });

  it('closes on the peer end of stream for a protocol that cannot half-close, and stops looking half-closeable', () => {
    const plain = hello();
    const { sniffer, transport } = setup([], { fallback: plain });
    sniffer.readConnectionLost?.();
    expect(plain.built[0]?.events).toEqual(['made', 'lost']);
    expect(transport.disconnecting).toBe(true);
    const second = setup([], { fallback: plain });
    second.sniffer.dataReceived(bytes('x'));
    expect(second.sniffer.readConnectionLost).toBeUndefined();
    expect(second.sniffer.writeConnectionLost).toBeUndefined();
  });

  it('forwards connectionLost with the same reason, and builds nothing when lost before the choice', () => {
    const routed = hello();
    const { sniffer } = setup([{ match: () => true, factory: routed }]);
    sniffer.dataReceived(bytes('x'));
    const reason = new Failure(new ConnectionLost());
    sniffer.connectionLost(reason);
    expect(routed.built[0]?.closedReason).toBe(reason);

    const early = hello();
    const lost = setup([{ match: matchPrefixes(['abc']), factory: early }], { timeout: 1 });
    lost.sniffer.dataReceived(bytes('a'));
    lost.sniffer.connectionLost(new Failure(new ConnectionDone()));
    expect(lost.clock.getDelayedCalls()).toHaveLength(0);
    lost.sniffer.dataReceived(bytes('bc'));
    expect(early.built).toHaveLength(0);
  });

  it('tells a TLS handshake that came before the choice after connectionMade, and later ones at once', () => {
    const half = new Keeping(HalfCloser);
    const { sniffer } = setup([{ match: () => true, factory: half }]);
    sniffer.handshakeCompleted();
    sniffer.dataReceived(bytes('x'));
    sniffer.handshakeCompleted();
    expect(half.built[0]?.events).toEqual(['made', 'handshake', 'data x', 'handshake']);
    const plain = hello();
    const other = setup([{ match: () => true, factory: plain }]);
    other.sniffer.dataReceived(bytes('x'));
    other.sniffer.handshakeCompleted();
    expect(plain.built[0]?.events).toEqual(['made', 'data x']);
  });

  it('delivers nothing more when the chosen protocol closes the connection in connectionMade', () => {
    class Closer extends Recorder {
      override connectionMade(): void {
        super.connectionMade();
        this.transport.loseConnection();
      }
    }
    const closing = new Keeping(Closer);
    const { sniffer } = setup([{ match: () => true, factory: closing }]);
    sniffer.dataReceived(bytes('x'));
    expect(closing.built[0]?.events).toEqual(['made', 'lost']);
  });

  it('chooses the same route and delivers the same bytes whatever the chunking (property)', () => {
    const alphabet = fc.constantFrom(0x41, 0x42, 0x43, 0x00, 0x01);
    const prefix = fc
      .array(alphabet, { minLength: 1, maxLength: 5 })
      .map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(
        fc.array(fc.array(prefix, { minLength: 1, maxLength: 3 }), { maxLength: 4 }),
        fc.array(alphabet, { maxLength: 16 }).map((a) => Uint8Array.from(a)),
        fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        (routePrefixes, stream, cuts, maxBytes, end) => {
          const run = (chunks: readonly Uint8Array[]): [number, string] => {
            const factories = [...routePrefixes.map(() => hello()), hello()];
            const fallback = factories[factories.length - 1] as IProtocolFactory;
            const { sniffer } = connect(
              new SniffingFactory(
                routePrefixes.map((prefixes, i) => ({
                  match: matchPrefixes(prefixes),
                  factory: factories[i] as IProtocolFactory,
                })),
                { fallback, maxBytes, timeout: null, reactor: new Clock() },
              ),
            );
            for (const chunk of chunks) sniffer.dataReceived(chunk);
            if (end) sniffer.readConnectionLost?.();
            const chosen = factories.findIndex((f) => f.built.length > 0);
            const got = chosen < 0 ? '' : Buffer.from(factories[chosen]?.built[0]?.data ?? []);
            return [chosen, got.toString('hex')];
          };
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            if (p > from) chunks.push(stream.subarray(from, p));
            from = p;
          }
          const whole = run(stream.length === 0 ? [] : [stream]);
          const oneByOne = run([...stream].map((b) => Uint8Array.of(b)));
          expect(run(chunks)).toEqual(whole);
          expect(oneByOne).toEqual(whole);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
