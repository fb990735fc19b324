// TimeoutFactory and TimeoutProtocol (Twisted's test_policies.py TimeoutProtocolTests and
// TimeoutFactoryTests), on a Clock: the deadline to the millisecond, reset by traffic both ways.
import { describe, expect, it } from 'vitest';

import { ConnectionDone, Factory, IPv4Address, Protocol } from '../../../src/core/index.js';
import { TimeoutFactory, TimeoutProtocol } from '../../../src/protocols/policies/index.js';
import {
  AccumulatingProtocol,
  Clock,
  connectedServerAndClient,
  StringTransportWithDisconnection,
} from '../../../src/testing/index.js';

// About a millisecond, and exact in binary: after a reset at t=20, Clock's float sums of
// 29.999 and 0.001 would land a hair before the deadline (49.99999999999999), of TICKs exactly on it.
const TICK = 2 ** -10;

const ADDR = new IPv4Address('TCP', '127.0.0.1', 12345);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

function timed(period: number | null = 30): {
  clock: Clock;
  factory: TimeoutFactory;
  wrapper: TimeoutProtocol;
  inner: AccumulatingProtocol;
  transport: StringTransportWithDisconnection;
} {
  const clock = new Clock();
  const inner = new AccumulatingProtocol();
  const wrappedFactory = new Factory();
  wrappedFactory.buildProtocol = () => inner;
  const factory = new TimeoutFactory(wrappedFactory, { timeoutPeriod: period, reactor: clock });
  const wrapper = factory.buildProtocol(ADDR);
  if (wrapper === null) throw new Error('refused');
  const transport = new StringTransportWithDisconnection();
  transport.protocol = wrapper;
  wrapper.makeConnection(transport);
  return { clock, factory, wrapper, inner, transport };
}

describe('TimeoutFactory', () => {
  it('closes an idle connection exactly at the deadline', () => {
    const { clock, inner } = timed(30);
    clock.advance(29.999);
    expect(inner.closed).toBe(false);
    clock.advance(0.001);
    expect(inner.closed).toBe(true);
    expect(inner.closedReason?.value).toBeInstanceOf(ConnectionDone);
  });

  it('restarts the countdown on every byte received', () => {
    const { clock, wrapper, inner } = timed(30);
    clock.advance(20);
    wrapper.dataReceived(new Uint8Array([1]));
    clock.advance(30 - TICK);
    expect(inner.closed).toBe(false);
    clock.advance(TICK);
    expect(inner.closed).toBe(true);
  });

  it('restarts the countdown on every write, and on writeSequence', () => {
    const { clock, inner, transport } = timed(30);
    clock.advance(20);
    inner.transport.write('ping');
    clock.advance(20);
    inner.transport.writeSequence(['a', 'b']);
    clock.advance(29.999);
    expect(inner.closed).toBe(false);
    clock.advance(0.001);
    expect(inner.closed).toBe(true);
    expect(transport.valueString()).toBe('pingab');
  });

  it('defaults to 30 minutes, as Twisted', () => {
    const factory = new TimeoutFactory(new Factory(), { reactor: new Clock() });
    expect(factory.timeoutPeriod).toBe(1800);
  });

  it('rejects a negative or infinite period', () => {
    expect(() => new TimeoutFactory(new Factory(), { timeoutPeriod: -1 })).toThrow(RangeError);
    expect(() => new TimeoutFactory(new Factory(), { timeoutPeriod: Infinity })).toThrow(
      RangeError,
    );
  });

  it('times out a whole in-memory connection, quiet in both directions', () => {
    const clock = new Clock();
    const factory = new TimeoutFactory(Factory.forProtocol(Echo), {
      timeoutPeriod: 10,
      reactor: clock,
    });
    const { client, pump } = connectedServerAndClient(factory, AccumulatingProtocol);
    clock.advance(9);
    client.transport.write('hi'); // received (reset) and echoed (reset) by the server
    pump.flush();
    clock.advance(9.999);
    pump.flush();
    expect(client.closed).toBe(false);
    clock.advance(0.001);
    pump.flush();
    expect(client.closed).toBe(true);
    expect(client.dataString()).toBe('hi');
    expect(factory.protocols.size).toBe(0);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });
});

describe('TimeoutProtocol', () => {
  it('cancels the countdown when the connection is lost', () => {
    const { clock, transport } = timed(30);
    transport.loseConnection();
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('has no countdown with a null period', () => {
    const { clock, wrapper } = timed(null);
    expect(wrapper.timeoutPeriod).toBeNull();
    expect(clock.getDelayedCalls()).toHaveLength(0);
    wrapper.resetTimeout();
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('starts a new countdown with setTimeout, replacing the period', () => {
    const { clock, wrapper, inner } = timed(30);
    clock.advance(10);
    wrapper.setTimeout(5);
    expect(wrapper.timeoutPeriod).toBe(5);
    clock.advance(5 - TICK);
    expect(inner.closed).toBe(false);
    clock.advance(TICK);
    expect(inner.closed).toBe(true);
  });

  it('stops with setTimeout() or cancelTimeout(), and cancelling twice is harmless', () => {
    const { clock, wrapper, inner } = timed(30);
    wrapper.setTimeout();
    expect(clock.getDelayedCalls()).toHaveLength(0);
    wrapper.setTimeout(30);
    wrapper.cancelTimeout();
    wrapper.cancelTimeout();
    expect(wrapper.timeoutPeriod).toBeNull();
    clock.advance(100);
    expect(inner.closed).toBe(false);
  });

  it('cancelTimeout after the countdown ran out does nothing', () => {
    const { clock, wrapper, inner } = timed(1);
    clock.advance(1);
    expect(inner.closed).toBe(true);
    wrapper.cancelTimeout();
  });

  it('keeps a period set before the connection for when it is made', () => {
    const clock = new Clock();
    const factory = new TimeoutFactory(Factory.forProtocol(AccumulatingProtocol), {
      timeoutPeriod: 30,
      reactor: clock,
    });
    const wrapper = factory.buildProtocol(ADDR);
    if (wrapper === null) throw new Error('refused');
    wrapper.setTimeout(2);
    expect(() => {
      wrapper.setTimeout(-1);
    }).toThrow(RangeError);
    expect(wrapper.timeoutPeriod).toBe(2);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    const transport = new StringTransportWithDisconnection();
    transport.protocol = wrapper;
    wrapper.makeConnection(transport);
    clock.advance(2);
    expect(transport.connected).toBe(false);
  });

  it('calls timeoutFunc, which a subclass may override to abort instead', () => {
    const clock = new Clock();
    class Aborting extends TimeoutProtocol {
      override timeoutFunc(): void {
        this.abortConnection?.();
      }
    }
    class AbortingFactory extends TimeoutFactory {
      override wrapProtocol(wrapped: AccumulatingProtocol): Aborting {
        return new Aborting(this, wrapped, this.timeoutPeriod);
      }
    }
    const factory = new AbortingFactory(Factory.forProtocol(AccumulatingProtocol), {
      timeoutPeriod: 1,
      reactor: clock,
    });
    const wrapper = factory.buildProtocol(ADDR);
    if (wrapper === null) throw new Error('refused');
    const transport = new StringTransportWithDisconnection();
    transport.protocol = wrapper;
    wrapper.makeConnection(transport);
    clock.advance(1);
    expect(transport.disconnected).toBe(true);
  });
});
