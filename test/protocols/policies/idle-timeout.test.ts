// IdleTimeout (Twisted's test_policies.py TimeoutMixinTests), on a Clock.
import { describe, expect, it } from 'vitest';

import { Protocol, ReactorNotInstalledError } from '../../../src/core/index.js';
import { IdleTimeout, timeoutConnection } from '../../../src/protocols/policies/index.js';
import {
  Clock,
  connectedServerAndClient,
  AccumulatingProtocol,
  StringTransport,
} from '../../../src/testing/index.js';

// About a millisecond, and exact in binary: after a reset at t=20, Clock's float sums of
// 29.999 and 0.001 would land a hair before the deadline (49.99999999999999), of TICKs exactly on it.
const TICK = 2 ** -10;

function counting(): { clock: Clock; idle: IdleTimeout; fired: () => number } {
  const clock = new Clock();
  let fired = 0;
  const idle = new IdleTimeout(clock, () => {
    fired += 1;
  });
  return { clock, idle, fired: () => fired };
}

/** A protocol using the helper as TimeoutMixin users do: set on connect, reset on input. */
class Session extends Protocol {
  static clock = new Clock();
  readonly idle: IdleTimeout = IdleTimeout.forProtocol(this, Session.clock);
  override connectionMade(): void {
    this.idle.setTimeout(30);
  }
  override dataReceived(data: Uint8Array): void {
    this.idle.resetTimeout();
    this.transport.write(data);
  }
  override connectionLost(): void {
    this.idle.cancel();
  }
}

describe('IdleTimeout', () => {
  describe('setTimeout', () => {
    it('fires exactly at the deadline, once', () => {
      const { clock, idle, fired } = counting();
      expect(idle.setTimeout(30)).toBeNull();
      expect(idle.active).toBe(true);
      clock.advance(29.999);
      expect(fired()).toBe(0);
      clock.advance(0.001);
      expect(fired()).toBe(1);
      expect(idle.active).toBe(false);
      clock.advance(100);
      expect(fired()).toBe(1);
    });

    it('returns the previous period and restarts a running countdown with the new one', () => {
      const { clock, idle, fired } = counting();
      idle.setTimeout(10);
      clock.advance(5);
      expect(idle.setTimeout(3)).toBe(10);
      clock.advance(2.999);
      expect(fired()).toBe(0);
      clock.advance(0.001);
      expect(fired()).toBe(1);
    });

    it('stops the countdown with null', () => {
      const { clock, idle, fired } = counting();
      idle.setTimeout(10);
      expect(idle.setTimeout(null)).toBe(10);
      expect(idle.timeOut).toBeNull();
      clock.advance(20);
      expect(fired()).toBe(0);
      expect(clock.getDelayedCalls()).toHaveLength(0);
    });

    it('keeps the period after firing, so setTimeout(timeOut) starts again', () => {
      const { clock, idle, fired } = counting();
      idle.setTimeout(1);
      clock.advance(1);
      expect(idle.timeOut).toBe(1);
      expect(idle.setTimeout(idle.timeOut)).toBe(1);
      clock.advance(1);
      expect(fired()).toBe(2);
    });

    it('rejects negative, infinite and NaN periods', () => {
      const { idle } = counting();
      for (const bad of [-1, Infinity, NaN]) {
        expect(() => idle.setTimeout(bad)).toThrow(RangeError);
      }
    });
  });

  describe('resetTimeout', () => {
    it('restarts a running countdown from now', () => {
      const { clock, idle, fired } = counting();
      idle.setTimeout(30);
      clock.advance(20);
      idle.resetTimeout();
      clock.advance(30 - TICK);
      expect(fired()).toBe(0);
      clock.advance(TICK);
      expect(fired()).toBe(1);
    });

    it('does nothing before setTimeout, after cancel and after firing', () => {
      const { clock, idle, fired } = counting();
      idle.resetTimeout();
      expect(clock.getDelayedCalls()).toHaveLength(0);
      idle.setTimeout(1);
      idle.cancel();
      idle.resetTimeout();
      expect(clock.getDelayedCalls()).toHaveLength(0);
      idle.setTimeout(1);
      clock.advance(1);
      idle.resetTimeout();
      expect(clock.getDelayedCalls()).toHaveLength(0);
      expect(fired()).toBe(1);
    });
  });

  it('is cancelled by `using`', () => {
    const clock = new Clock();
    {
      using idle = new IdleTimeout(clock, () => undefined);
      idle.setTimeout(5);
      expect(clock.getDelayedCalls()).toHaveLength(1);
    }
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  describe('forProtocol', () => {
    it('loses the protocol’s connection by default, as TimeoutMixin.timeoutConnection', () => {
      const clock = new Clock();
      const proto = new Protocol();
      const idle = IdleTimeout.forProtocol(proto, clock);
      const transport = new StringTransport();
      proto.makeConnection(transport);
      idle.setTimeout(5);
      clock.advance(5);
      expect(transport.disconnecting).toBe(true);
      expect(transport.disconnected).toBe(false);
    });

    it('calls the protocol’s own timeoutConnection when it has one', () => {
      const clock = new Clock();
      const proto = new (class extends Protocol<StringTransport> {
        timeoutConnection(): void {
          this.transport.abortConnection();
        }
      })();
      const idle = IdleTimeout.forProtocol(proto, clock);
      const transport = new StringTransport();
      proto.makeConnection(transport);
      idle.setTimeout(5);
      clock.advance(5);
      expect(transport.disconnected).toBe(true);
    });

    it('uses the global reactor when none is given', () => {
      expect(() => IdleTimeout.forProtocol(new Protocol())).toThrow(ReactorNotInstalledError);
    });

    it('times out an idle in-memory connection, input postponing it', () => {
      const { client, server, pump } = connectedServerAndClient(Session, AccumulatingProtocol);
      Session.clock.advance(20);
      client.transport.write('still here');
      pump.flush();
      Session.clock.advance(30 - TICK);
      pump.flush();
      expect(client.closed).toBe(false);
      Session.clock.advance(TICK);
      pump.flush();
      expect(client.closed).toBe(true);
      expect(client.dataString()).toBe('still here');
      expect(server.idle.active).toBe(false);
      expect(Session.clock.getDelayedCalls()).toHaveLength(0);
    });
  });
});

describe('timeoutConnection', () => {
  it('calls loseConnection, so written data is still sent', () => {
    const transport = new StringTransport();
    timeoutConnection(transport);
    expect(transport.disconnecting).toBe(true);
    expect(transport.disconnected).toBe(false);
  });
});
