// ReconnectingClientFactory: Twisted's backoff, number for number. Expected delays were computed by
// Twisted 22.4's own ReconnectingClientFactory under /usr/bin/python3, with random.random replaced
// by the same uniform sequence the tests feed `random` (see `golden` below).
import { describe, expect, it } from 'vitest';

import {
  ConnectionDone,
  ConnectionRefusedError,
  Failure,
  getGlobalReactor,
  IPv4Address,
  normalVariate,
  NotConnectingError,
  Protocol,
  ReconnectingClientFactory,
} from '../../src/core/index.js';
import type { IConnector } from '../../src/core/index.js';
import { Clock, FakeConnector } from '../../src/testing/index.js';

/** The uniform numbers fed to both Python's normalvariate and ours: frac(i × φ⁻¹), i = 1, 2, ... */
function golden(): () => number {
  let i = 0;
  return () => {
    i += 1;
    return (i * 0.6180339887498949) % 1;
  };
}

/** A factory on a Clock, quiet, with the golden random sequence. */
function factoryOnClock(): { factory: ReconnectingClientFactory<Protocol>; clock: Clock } {
  const clock = new Clock();
  const factory = new ReconnectingClientFactory<Protocol>();
  factory.protocol = Protocol;
  factory.clock = clock;
  factory.noisy = false;
  factory.random = golden();
  return { factory, clock };
}

function connector(factory: ReconnectingClientFactory<Protocol>): FakeConnector {
  return new FakeConnector(new IPv4Address('TCP', '10.0.0.1', 80), factory);
}

describe('normalVariate', () => {
  it('is mu + z·sigma with z drawn as Python’s random.normalvariate draws it', () => {
    // Python: random._inst.random = golden; random.normalvariate(0, 1) -> first value below.
    const random = golden();
    const z = normalVariate(0, 1, random);
    expect(normalVariate(10, 0, golden())).toBe(10);
    expect(normalVariate(5, 2, golden())).toBeCloseTo(5 + 2 * z, 12);
  });
});

describe('ReconnectingClientFactory', () => {
  it('has Twisted’s defaults', () => {
    const f = new ReconnectingClientFactory();
    expect([
      f.maxDelay,
      f.initialDelay,
      f.factor,
      f.jitter,
      f.delay,
      f.retries,
      f.maxRetries,
    ]).toEqual([3600, 1.0, 2.718281828459045, 0.119626565582, 1.0, 0, null]);
    expect(f.continueTrying).toBe(true);
    expect(f.clock).toBeNull();
  });

  describe('retry', () => {
    it('computes the delays Twisted computes, jitter included', () => {
      const { factory } = factoryOnClock();
      const c = connector(factory);
      const delays: number[] = [];
      for (let i = 0; i < 12; i++) {
        factory.retry(c);
        delays.push(factory.delay);
      }
      // Twisted 22.4, same random sequence:
      expect(delays).toEqual([
        2.804474876200244, 8.672841583608223, 23.942997971357165, 71.91270074750943,
        195.78043124499376, 573.6381949112579, 1542.4183226371765, 3798.684191194142,
        4280.862578572596, 3521.482737640176, 3729.097163768048, 4127.153848296297,
      ]);
    });

    it('without jitter, grows by e each time up to maxDelay, as Twisted', () => {
      const { factory } = factoryOnClock();
      factory.jitter = 0;
      const c = connector(factory);
      const delays: number[] = [];
      for (let i = 0; i < 10; i++) {
        factory.retry(c);
        delays.push(factory.delay);
      }
      expect(delays).toEqual([
        2.718281828459045, 7.3890560989306495, 20.085536923187664, 54.59815003314423,
        148.41315910257657, 403.428793492735, 1096.6331584284583, 2980.9579870417274, 3600, 3600,
      ]);
    });

    it('calls connector.connect() exactly delay seconds later on its clock', () => {
      const { factory, clock } = factoryOnClock();
      factory.jitter = 0;
      const c = connector(factory);
      c.connect();
      c.connectionFailed(new Failure(new ConnectionRefusedError()));
      expect(c.state).toBe('disconnected');
      clock.advance(2.718281828459045 - 0.001);
      expect(c.state).toBe('disconnected');
      clock.advance(0.001);
      expect(c.state).toBe('connecting');
      expect(factory.connector).toBe(c);
    });

    it('reconnects on a lost connection as well as a failed attempt', () => {
      const { factory, clock } = factoryOnClock();
      const c = connector(factory);
      c.connect();
      c.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 80));
      c.connectionLost(new Failure(new ConnectionDone()));
      expect(clock.getDelayedCalls()).toHaveLength(1);
      expect(factory.retries).toBe(1);
    });

    it('gives up after maxRetries', () => {
      const { factory, clock } = factoryOnClock();
      factory.maxRetries = 2;
      const c = connector(factory);
      factory.retry(c);
      factory.retry(c);
      expect(clock.getDelayedCalls()).toHaveLength(2);
      const delay = factory.delay;
      factory.retry(c);
      expect(factory.retries).toBe(3);
      expect(factory.delay).toBe(delay);
      expect(clock.getDelayedCalls()).toHaveLength(2);
    });

    it('uses the remembered connector, and throws RangeError with none', () => {
      const { factory } = factoryOnClock();
      expect(() => {
        factory.retry();
      }).toThrow(RangeError);
      factory.connector = connector(factory);
      factory.retry();
      expect(factory.retries).toBe(1);
    });

    it('falls back to the global reactor when no clock is set', async () => {
      await import('../../src/node/reactor.js'); // installs the Node reactor globally
      const factory = new ReconnectingClientFactory<Protocol>();
      factory.noisy = false;
      const c = connector(factory);
      factory.retry(c);
      expect(factory.clock).toBe(getGlobalReactor());
      const pending = factory.clock?.getDelayedCalls().length ?? 0;
      factory.stopTrying();
      expect(factory.clock?.getDelayedCalls()).toHaveLength(pending - 1);
    });
  });

  describe('stopTrying', () => {
    it('cancels the pending retry and stops an attempt in progress', () => {
      const { factory, clock } = factoryOnClock();
      const c = connector(factory);
      c.connect();
      c.connectionFailed(new Failure(new ConnectionRefusedError()));
      factory.stopTrying();
      expect(clock.getDelayedCalls()).toEqual([]);
      expect(factory.continueTrying).toBe(false);
      const d = connector(factory);
      d.connect();
      factory.connector = d;
      factory.stopTrying();
      expect(d.stoppedConnecting).toBe(true);
      factory.retry(d);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('ignores NotConnectingError from the connector, and rethrows anything else', () => {
      const { factory } = factoryOnClock();
      const throwing = (e: Error): IConnector =>
        ({
          stopConnecting() {
            throw e;
          },
        }) as unknown as IConnector;
      factory.connector = throwing(new NotConnectingError());
      factory.stopTrying();
      factory.connector = throwing(new TypeError('boom'));
      expect(() => {
        factory.stopTrying();
      }).toThrow(TypeError);
    });
  });

  describe('resetDelay', () => {
    it('starts over: initialDelay, no retries, trying again', () => {
      const { factory } = factoryOnClock();
      const c = connector(factory);
      factory.retry(c);
      factory.retry(c);
      factory.stopTrying();
      factory.resetDelay();
      expect([factory.delay, factory.retries, factory.continueTrying]).toEqual([1.0, 0, true]);
    });
  });
});
