// ThrottlingFactory and ThrottlingProtocol (Twisted's test_policies.py ThrottlingTests), on a Clock:
// connection counts, the once-a-second read and write checks, and how throttling combines with
// the protocol's own pauses and the transport's back-pressure.
import { describe, expect, it } from 'vitest';

import {
  Factory,
  IPv4Address,
  NoProtocol,
  Protocol,
  ReactorNotInstalledError,
} from '../../../src/core/index.js';
import type { IProtocol, IPullProducer, IPushProducer } from '../../../src/core/index.js';
import {
  ConnectionLimitError,
  ThrottlingFactory,
  ThrottlingProtocol,
} from '../../../src/protocols/policies/index.js';
import {
  AccumulatingProtocol,
  Clock,
  connectedServerAndClient,
  LogCapture,
  StringTransportWithDisconnection,
} from '../../../src/testing/index.js';

const ADDR = new IPv4Address('TCP', '127.0.0.1', 0);
const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

class Pusher implements IPushProducer {
  readonly calls: string[] = [];
  paused = false;
  pauseProducing(): void {
    this.paused = true;
    this.calls.push('pause');
  }
  resumeProducing(): void {
    this.paused = false;
    this.calls.push('resume');
  }
  stopProducing(): void {
    this.calls.push('stop');
  }
}

class Puller implements IPullProducer {
  resumed = 0;
  resumeProducing(): void {
    this.resumed += 1;
  }
  stopProducing(): void {
    // Nothing to stop.
  }
}

function throttled(options: ConstructorParameters<typeof ThrottlingFactory>[1] = {}): {
  clock: Clock;
  factory: ThrottlingFactory;
  connect: (protocol?: IProtocol) => {
    wrapper: ThrottlingProtocol;
    transport: StringTransportWithDisconnection;
  };
} {
  const clock = new Clock();
  const factory = new ThrottlingFactory(Factory.forProtocol(Echo), { reactor: clock, ...options });
  return {
    clock,
    factory,
    connect: (protocol) => {
      if (protocol !== undefined) factory.wrappedFactory.buildProtocol = () => protocol;
      const wrapper = factory.buildProtocol(ADDR);
      if (wrapper === null) throw new Error('refused');
      const transport = new StringTransportWithDisconnection();
      transport.protocol = wrapper;
      wrapper.makeConnection(transport);
      return { wrapper, transport };
    },
  };
}

describe('ThrottlingFactory', () => {
  describe('buildProtocol', () => {
    it('refuses connections beyond maxConnectionCount and accepts again once one goes', () => {
      using logs = new LogCapture();
      const { factory, connect } = throttled({ maxConnectionCount: 2 });
      const first = connect();
      connect();
      expect(factory.buildProtocol(ADDR)).toBeNull();
      expect(logs.messages.some((m) => m.includes('Connection limit of 2 reached'))).toBe(true);
      first.transport.loseConnection();
      expect(factory.connectionCount).toBe(1);
      expect(factory.buildProtocol(ADDR)).toBeInstanceOf(ThrottlingProtocol);
    });

    it('hands a ConnectionLimitError to limitReached', () => {
      const errors: ConnectionLimitError[] = [];
      const { factory } = throttled({ maxConnectionCount: 0 });
      factory.limitReached = (_addr, error) => {
        errors.push(error);
      };
      expect(factory.buildProtocol(ADDR)).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors[0]?.limit).toBe(0);
      expect(errors[0]?.peer).toBe(ADDR);
      expect(errors[0]?.name).toBe('ConnectionLimitError');
    });

    it('closes connections over the limit at once on an in-memory connection', () => {
      const { factory, connect } = throttled({ maxConnectionCount: 1 });
      connect();
      expect(() => connectedServerAndClient(factory, AccumulatingProtocol)).toThrow(NoProtocol);
    });

    it('does not count a connection the wrapped factory refuses', () => {
      const { factory } = throttled({ readLimit: 10 });
      factory.wrappedFactory.buildProtocol = () => null;
      expect(factory.buildProtocol(ADDR)).toBeNull();
      expect(factory.connectionCount).toBe(0);
    });
  });

  it('rejects limits that are not positive', () => {
    expect(() => new ThrottlingFactory(new Factory(), { readLimit: 0 })).toThrow(RangeError);
    expect(() => new ThrottlingFactory(new Factory(), { writeLimit: -1 })).toThrow(RangeError);
    expect(() => new ThrottlingFactory(new Factory(), { maxConnectionCount: NaN })).toThrow(
      RangeError,
    );
  });

  it('uses the global reactor when none is given, looked up when first needed', () => {
    const factory = new ThrottlingFactory(new Factory());
    expect(() => factory.reactor).toThrow(ReactorNotInstalledError);
  });

  describe('checkReadBandwidth', () => {
    it('pauses reading for read/readLimit - 1 seconds after a second over the limit', () => {
      // Twisted's test_readLimit, at Twisted's numbers: 20 bytes against a limit of 10.
      const { clock, factory, connect } = throttled({ readLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.dataReceived(bytes(10));
      wrapper.dataReceived(bytes(10));
      expect(transport.value()).toHaveLength(20);
      expect(factory.readThisSecond).toBe(20);
      clock.advance(1);
      expect(factory.readThisSecond).toBe(0);
      expect(transport.producerState).toBe('paused');
      expect(wrapper.readsThrottled).toBe(true);
      clock.advance(0.999);
      expect(transport.producerState).toBe('paused');
      clock.advance(0.001);
      expect(transport.producerState).toBe('producing');
      expect(factory.readsThrottled).toBe(false);
    });

    it('does nothing at or under the limit', () => {
      const { clock, connect } = throttled({ readLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.dataReceived(bytes(10));
      clock.advance(1);
      expect(transport.producerState).toBe('producing');
    });

    it('holds the average read rate to the limit over simulated seconds', () => {
      // A peer that always has data: each unpaused step of 0.1 s delivers 2 000 bytes
      // (20 000 bytes/s offered); the limit is 5 000 bytes/s.
      const limit = 5000;
      const { clock, connect } = throttled({ readLimit: limit });
      const { wrapper, transport } = connect();
      let read = 0;
      for (let step = 0; step < 300; step++) {
        if (transport.producerState === 'producing') {
          wrapper.dataReceived(bytes(2000));
          read += 2000;
        }
        clock.advance(0.1);
      }
      const rate = read / 30;
      expect(rate).toBeGreaterThan(limit * 0.8);
      expect(rate).toBeLessThan(limit * 1.25);
    });

    it('never lets an earlier throttle end cut a longer one short', () => {
      const { clock, factory, connect } = throttled({ readLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.dataReceived(bytes(50)); // 4 s of throttle from t=1
      clock.advance(1);
      transport.resumeProducing(); // pretend bytes still arrive (kernel buffers)
      wrapper.dataReceived(bytes(25)); // 1.5 s from t=2: ends before t=5, so changes nothing
      transport.pauseProducing();
      clock.advance(1);
      expect(factory.readsThrottled).toBe(true);
      clock.advance(2.999);
      expect(transport.producerState).toBe('paused');
      clock.advance(0.001);
      expect(transport.producerState).toBe('producing');
    });

    it('extends a throttle when a later second asks for longer', () => {
      const { clock, factory, connect } = throttled({ readLimit: 10 });
      const { wrapper } = connect();
      wrapper.dataReceived(bytes(30)); // 2 s of throttle from t=1, until t=3
      clock.advance(1);
      wrapper.dataReceived(bytes(50)); // 4 s from t=2, until t=6
      clock.advance(1);
      clock.advance(3.999);
      expect(factory.readsThrottled).toBe(true);
      clock.advance(0.001);
      expect(factory.readsThrottled).toBe(false);
    });

    it('throttles a connection made while reads are throttled', () => {
      const { clock, connect } = throttled({ readLimit: 10 });
      const { wrapper } = connect();
      wrapper.dataReceived(bytes(30));
      clock.advance(1);
      const late = connect();
      expect(late.transport.producerState).toBe('paused');
      clock.advance(2);
      expect(late.transport.producerState).toBe('producing');
    });

    it('keeps the wrapped protocol’s own pause across the end of a throttle', () => {
      const { clock, connect } = throttled({ readLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.dataReceived(bytes(20));
      clock.advance(1);
      wrapper.pauseProducing(); // the protocol wants no data either
      wrapper.resumeProducing(); // ...and changes its mind: still throttled
      expect(transport.producerState).toBe('paused');
      wrapper.pauseProducing();
      clock.advance(1);
      expect(wrapper.readsThrottled).toBe(false);
      expect(transport.producerState).toBe('paused');
      wrapper.resumeProducing();
      expect(transport.producerState).toBe('producing');
    });

    it('leaves a closing connection’s transport alone', () => {
      const { clock, connect } = throttled({ readLimit: 10 });
      const first = connect();
      const second = connect();
      first.wrapper.dataReceived(bytes(20));
      second.transport.disconnecting = true; // loseConnection pending: StringTransport would throw
      clock.advance(1);
      clock.advance(1);
      expect(second.transport.producerState).toBe('producing');
      expect(first.transport.producerState).toBe('producing');
    });

    it('stops checking once the last connection goes, and starts again with the next', () => {
      const { clock, factory, connect } = throttled({ readLimit: 10, writeLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.dataReceived(bytes(40));
      clock.advance(1);
      expect(clock.getDelayedCalls().length).toBeGreaterThan(0);
      transport.loseConnection();
      expect(clock.getDelayedCalls()).toHaveLength(0);
      expect(factory.readsThrottled).toBe(false);
      const next = connect();
      expect(next.transport.producerState).toBe('producing');
      expect(clock.getDelayedCalls()).toHaveLength(2);
    });
  });

  describe('checkWriteBandwidth', () => {
    it('pauses the registered push producer for written/writeLimit - 1 seconds', () => {
      // Twisted's test_writeLimit: 20 bytes written against a limit of 10.
      const { clock, factory, connect } = throttled({ writeLimit: 10 });
      const { wrapper, transport } = connect();
      const producer = new Pusher();
      wrapper.registerProducer(producer, true);
      expect(wrapper.producer).toBe(producer);
      wrapper.dataReceived(bytes(10)); // echoed: 10 written
      wrapper.write('0123456789');
      expect(transport.value()).toHaveLength(20);
      expect(factory.writtenThisSecond).toBe(20);
      clock.advance(1);
      expect(factory.writtenThisSecond).toBe(0);
      expect(producer.paused).toBe(true);
      expect(wrapper.writesThrottled).toBe(true);
      clock.advance(0.999);
      expect(producer.paused).toBe(true);
      clock.advance(0.001);
      expect(producer.calls).toEqual(['pause', 'resume']);
      wrapper.unregisterProducer();
      expect(wrapper.producer).toBeNull();
    });

    it('counts writeSequence and strings in bytes (UTF-8)', () => {
      const { factory, connect } = throttled({ writeLimit: 100 });
      const { wrapper, transport } = connect();
      wrapper.writeSequence(['é', bytes(3)]);
      expect(factory.writtenThisSecond).toBe(5);
      expect(transport.value()).toHaveLength(5);
    });

    it('does not resume a producer the transport still holds paused', () => {
      const { clock, connect } = throttled({ writeLimit: 10 });
      const { wrapper, transport } = connect();
      const producer = new Pusher();
      wrapper.registerProducer(producer, true);
      const gate = transport.producer as IPushProducer;
      wrapper.write(bytes(20));
      clock.advance(1);
      gate.pauseProducing(); // the transport's buffer is full too
      clock.advance(1); // throttle over
      expect(producer.paused).toBe(true);
      gate.resumeProducing(); // buffer drained
      expect(producer.calls).toEqual(['pause', 'resume']);
      gate.stopProducing();
      expect(producer.calls).toEqual(['pause', 'resume', 'stop']);
    });

    it('throttles a producer registered while writes are throttled', () => {
      const { clock, connect } = throttled({ writeLimit: 10 });
      const { wrapper } = connect();
      wrapper.write(bytes(20));
      clock.advance(1);
      const producer = new Pusher();
      wrapper.registerProducer(producer, true);
      expect(producer.paused).toBe(true);
      clock.advance(1);
      expect(producer.paused).toBe(false);
    });

    it('holds back a pull producer’s requests while writes are throttled', () => {
      const { clock, connect } = throttled({ writeLimit: 10 });
      const { wrapper, transport } = connect();
      const producer = new Puller();
      wrapper.registerProducer(producer, false);
      const gate = transport.producer as IPullProducer;
      gate.resumeProducing();
      expect(producer.resumed).toBe(1);
      wrapper.write(bytes(20));
      clock.advance(1);
      gate.resumeProducing();
      gate.resumeProducing();
      expect(producer.resumed).toBe(1);
      clock.advance(1);
      expect(producer.resumed).toBe(2);
      clock.advance(1);
      expect(producer.resumed).toBe(2);
    });

    it('counts writes without a producer but cannot hold them back', () => {
      const { clock, connect } = throttled({ writeLimit: 10 });
      const { wrapper, transport } = connect();
      wrapper.write(bytes(20));
      clock.advance(1);
      expect(wrapper.writesThrottled).toBe(true);
      wrapper.write(bytes(5));
      expect(transport.value()).toHaveLength(25);
    });
  });

  it('throttles a whole in-memory connection end to end', () => {
    const clock = new Clock();
    const factory = new ThrottlingFactory(Factory.forProtocol(Echo), {
      readLimit: 10,
      reactor: clock,
    });
    const { client, server, pump } = connectedServerAndClient(factory, AccumulatingProtocol);
    client.transport.write(bytes(30));
    pump.flush();
    expect(client.data).toHaveLength(30);
    clock.advance(1); // 30 read: throttled for 2 s
    expect(server.readsThrottled).toBe(true);
    client.transport.write(bytes(5));
    pump.flush();
    expect(client.data).toHaveLength(30);
    clock.advance(2);
    pump.flush();
    expect(client.data).toHaveLength(35);
  });
});
