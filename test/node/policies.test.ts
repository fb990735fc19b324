// weft/protocols/policies over real loopback TCP on the Node reactor: a wrapped echo server, and
// read throttling pausing a real socket. No timing assertion can fail from slowness: the
// throttle checks are ordered events, and the one rate bound only loosens when timers run late.
import { describe, expect, it } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import type { ITransport } from '../../src/core/interfaces/index.js';
import {
  ThrottlingFactory,
  ThrottlingProtocol,
  WrappingFactory,
} from '../../src/protocols/policies/index.js';
import {
  Echo,
  freshReactor,
  later,
  pattern,
  portNumber,
  Recorder,
  RecordingClientFactory,
  RecordingFactory,
} from './socket-helpers.js';

describe('WrappingFactory over TCP', () => {
  it('serves a wrapped echo server transparently and forgets the connection when it closes', async () => {
    const reactor = freshReactor();
    const inner = new RecordingFactory(Echo);
    const wrapping = new WrappingFactory(inner);
    const port = await reactor.listenTCP(0, wrapping, { interface: '127.0.0.1' });
    expect(inner.starts).toBe(1);
    const clientFactory = new RecordingClientFactory(Recorder);
    reactor.connectTCP('127.0.0.1', portNumber(port), clientFactory);
    const [server, client] = await Promise.all([inner.connection(0), clientFactory.made]);

    const wrapper = [...wrapping.protocols][0];
    expect(server.transport).toBe(wrapper);
    // The wrapper shows the TCP transport's features, and its addresses.
    expect(typeof wrapper?.abortConnection).toBe('function');
    expect(typeof wrapper?.loseWriteConnection).toBe('function');
    wrapper?.setTcpNoDelay?.(true);
    expect(wrapper?.getTcpNoDelay?.()).toBe(true);
    expect(server.transport.getPeer().equals(client.transport.getHost())).toBe(true);
    expect(server.transport.getHost().equals(client.transport.getPeer())).toBe(true);

    const payload = pattern(200_000);
    client.transport.write(payload);
    expect((await client.bytes(payload.length)).equals(payload)).toBe(true);

    client.transport.loseConnection();
    const reason = await server.lost;
    expect(reason.value).toBeInstanceOf(ConnectionDone);
    expect(wrapping.protocols.size).toBe(0);
    await port.stopListening();
    expect(inner.stops).toBe(1);
  });
});

/** Records throttling in the order it happens, interleaved with the server's reads. */
class RecordingThrottlingFactory extends ThrottlingFactory {
  readonly events: { what: 'read' | 'throttle' | 'unthrottle'; at: number; bytes: number }[] = [];
  readonly resumedAndRead = later();
  /** When the checks started (the first connection): the start of the first one-second window. */
  firstCheck: number | undefined;

  override throttleReads(): void {
    this.events.push({ what: 'throttle', at: this.reactor.seconds(), bytes: 0 });
    super.throttleReads();
  }

  override unthrottleReads(): void {
    this.events.push({ what: 'unthrottle', at: this.reactor.seconds(), bytes: 0 });
    super.unthrottleReads();
  }

  override checkReadBandwidth(): void {
    this.firstCheck ??= this.reactor.seconds();
    super.checkReadBandwidth();
  }

  override wrapProtocol(wrapped: Recorder): ThrottlingProtocol {
    return new RecordingThrottlingProtocol(this, wrapped);
  }
}

class RecordingThrottlingProtocol extends ThrottlingProtocol {
  readonly #recording: RecordingThrottlingFactory;

  constructor(factory: RecordingThrottlingFactory, wrapped: Recorder) {
    super(factory, wrapped);
    this.#recording = factory;
  }

  override dataReceived(data: Uint8Array): void {
    const factory = this.#recording;
    factory.events.push({ what: 'read', at: factory.reactor.seconds(), bytes: data.length });
    if (factory.events.some((e) => e.what === 'unthrottle')) {
      factory.resumedAndRead.resolve(undefined);
    }
    super.dataReceived(data);
  }
}

describe('ThrottlingFactory over TCP', () => {
  it('stops reading a real socket while throttled, holding the average to the limit', async () => {
    const reactor = freshReactor();
    const limit = 256 * 1024; // bytes per second
    const inner = new RecordingFactory(Recorder);
    const throttling = new RecordingThrottlingFactory(inner, { readLimit: limit, reactor });
    const port = await reactor.listenTCP(0, throttling, { interface: '127.0.0.1' });
    const clientFactory = new RecordingClientFactory(Recorder);
    reactor.connectTCP('127.0.0.1', portNumber(port), clientFactory);
    const [, client] = await Promise.all([inner.connection(0), clientFactory.made]);

    // The client offers about 2.5 times the limit: 32 KiB every 50 ms, at most 100 times.
    const chunk = pattern(32 * 1024);
    let sends = 0;
    const send = (transport: ITransport): void => {
      if (transport.disconnecting || sends >= 100) return;
      sends += 1;
      transport.write(chunk);
      reactor.callLater(0.05, send, transport);
    };
    send(client.transport);

    await throttling.resumedAndRead.promise;
    client.transport.loseConnection();

    const events = throttling.events;
    const throttleAt = events.findIndex((e) => e.what === 'throttle');
    const unthrottleAt = events.findIndex((e) => e.what === 'unthrottle');
    expect(throttleAt).toBeGreaterThan(0);
    expect(unthrottleAt).toBeGreaterThan(throttleAt);
    // Nothing was read from the socket between the throttle and its end...
    expect(events.slice(throttleAt + 1, unthrottleAt).filter((e) => e.what === 'read')).toEqual([]);
    // ...and reading resumed afterwards (resumedAndRead fired on a read after the unthrottle).
    expect(events.slice(unthrottleAt).some((e) => e.what === 'read')).toBe(true);
    // Up to the end of the first throttle, the server read about `limit` bytes a second: exactly
    // that with punctual timers, less when they run late.
    const readBefore = events
      .slice(0, unthrottleAt)
      .reduce((sum, e) => sum + (e.what === 'read' ? e.bytes : 0), 0);
    const elapsed = (events[unthrottleAt]?.at ?? 0) - (throttling.firstCheck ?? NaN);
    expect(readBefore / elapsed).toBeLessThan(limit * 1.2);

    await client.lost;
  }, 20_000);
});
