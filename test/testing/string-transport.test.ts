// StringTransport and StringTransportWithDisconnection (Twisted's StringTransportTests in
// twisted/internet/test/test_testing.py).
import { describe, expect, it } from 'vitest';

import {
  ConnectionAborted,
  ConnectionDone,
  InvalidStateError,
  IPv4Address,
  UNIXAddress,
} from '../../src/core/index.js';
import type { IPushProducer, ITCPTransport, ITransport } from '../../src/core/index.js';
import {
  AccumulatingProtocol,
  StringTransport,
  StringTransportWithDisconnection,
} from '../../src/testing/index.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

/** A push producer that records which of its methods were called. */
function recordingProducer(): IPushProducer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    pauseProducing: () => calls.push('pause'),
    resumeProducing: () => calls.push('resume'),
    stopProducing: () => calls.push('stop'),
  };
}

describe('StringTransport', () => {
  it('is an ITCPTransport with Twisted’s default host and peer addresses', () => {
    const transport = new StringTransport() satisfies ITCPTransport;
    expect(transport.getHost()).toEqual(new IPv4Address('TCP', '10.0.0.1', 12345));
    expect(transport.getPeer()).toEqual(new IPv4Address('TCP', '192.168.1.1', 54321));
    expect(transport.disconnecting).toBe(false);
    expect(transport.disconnected).toBe(false);
  });

  it('returns the host and peer addresses it was given, of any address type', () => {
    const host = new UNIXAddress('/tmp/host.sock');
    const peer = new UNIXAddress(null);
    const transport = new StringTransport(host, peer) satisfies ITransport;
    expect(transport.getHost()).toBe(host);
    expect(transport.getPeer()).toBe(peer);
  });

  describe('write', () => {
    it('records every write in order; value() returns them joined', () => {
      const transport = new StringTransport();
      transport.write(bytes(1, 2));
      transport.write(bytes(3));
      expect(transport.value()).toEqual(bytes(1, 2, 3));
      transport.write(bytes(4));
      expect(transport.value()).toEqual(bytes(1, 2, 3, 4));
    });

    it('encodes a string as UTF-8, and valueString() decodes it back', () => {
      const transport = new StringTransport();
      transport.write('h\u00e9');
      transport.write(bytes(0x21));
      expect(transport.value()).toEqual(bytes(0x68, 0xc3, 0xa9, 0x21));
      expect(transport.valueString()).toBe('h\u00e9!');
    });

    it.each([
      ['a number', 5],
      ['null', null],
      ['an array of numbers', [1, 2]],
      ['an ArrayBuffer', new ArrayBuffer(2)],
    ])('throws TypeError for %s and records nothing', (_name, data) => {
      const transport = new StringTransport();
      expect(() => {
        transport.write(data as unknown as Uint8Array);
      }).toThrow(TypeError);
      expect(transport.value()).toEqual(bytes());
    });

    it('keeps a copy: changing the written array afterwards changes nothing', () => {
      const transport = new StringTransport();
      const data = bytes(1, 2);
      transport.write(data);
      data[0] = 9;
      const value = transport.value();
      value[1] = 9;
      expect(transport.value()).toEqual(bytes(1, 2));
    });

    it('keeps recording after loseConnection(), unlike a real transport', () => {
      const transport = new StringTransport();
      transport.loseConnection();
      transport.write('late');
      expect(transport.valueString()).toBe('late');
    });
  });

  describe('writeSequence', () => {
    it('records each element in order', () => {
      const transport = new StringTransport();
      transport.writeSequence([bytes(1), 'A', bytes(2, 3)]);
      expect(transport.value()).toEqual(bytes(1, 0x41, 2, 3));
    });

    it('throws TypeError for a bad element and records none of the sequence', () => {
      const transport = new StringTransport();
      expect(() => {
        transport.writeSequence([bytes(1), 2 as unknown as Uint8Array]);
      }).toThrow(TypeError);
      expect(transport.value()).toEqual(bytes());
    });
  });

  it('clear() forgets what was written so far', () => {
    const transport = new StringTransport();
    transport.write('abc');
    transport.clear();
    expect(transport.value()).toEqual(bytes());
    transport.write('d');
    expect(transport.valueString()).toBe('d');
  });

  it('loseConnection() only sets disconnecting: the protocol is not told', () => {
    const transport = new StringTransport();
    const proto = new AccumulatingProtocol();
    proto.makeConnection(transport);
    transport.loseConnection();
    expect(transport.disconnecting).toBe(true);
    expect(transport.disconnected).toBe(false);
    expect(proto.closed).toBe(false);
  });

  it('abortConnection() sets disconnected as well as disconnecting', () => {
    const transport = new StringTransport();
    transport.abortConnection();
    expect(transport.disconnecting).toBe(true);
    expect(transport.disconnected).toBe(true);
  });

  it('loseWriteConnection() sets writeDisconnected and leaves the connection open', () => {
    const transport = new StringTransport();
    transport.loseWriteConnection();
    expect(transport.writeDisconnected).toBe(true);
    expect(transport.disconnecting).toBe(false);
  });

  it('stores the TCP options it is given, both off at first', () => {
    const transport = new StringTransport();
    expect([transport.getTcpNoDelay(), transport.getTcpKeepAlive()]).toEqual([false, false]);
    transport.setTcpNoDelay(true);
    transport.setTcpKeepAlive(true);
    expect([transport.getTcpNoDelay(), transport.getTcpKeepAlive()]).toEqual([true, true]);
    transport.setTcpNoDelay(false);
    expect(transport.getTcpNoDelay()).toBe(false);
  });

  describe('as a consumer', () => {
    it('records the registered producer and whether it streams, calling none of its methods', () => {
      const transport = new StringTransport();
      const producer = recordingProducer();
      expect([transport.producer, transport.streaming]).toEqual([null, null]);
      transport.registerProducer(producer, true);
      expect(transport.producer).toBe(producer);
      expect(transport.streaming).toBe(true);
      expect(producer.calls).toEqual([]);
    });

    it('refuses a second producer with InvalidStateError, keeping the first', () => {
      const transport = new StringTransport();
      const first = recordingProducer();
      transport.registerProducer(first, false);
      expect(() => {
        transport.registerProducer(recordingProducer(), true);
      }).toThrow(InvalidStateError);
      expect(transport.producer).toBe(first);
      expect(transport.streaming).toBe(false);
    });

    it('unregisterProducer() forgets the producer; with none registered it throws InvalidStateError', () => {
      const transport = new StringTransport();
      transport.registerProducer(recordingProducer(), true);
      transport.unregisterProducer();
      expect([transport.producer, transport.streaming]).toEqual([null, null]);
      expect(() => {
        transport.unregisterProducer();
      }).toThrow(InvalidStateError);
    });
  });

  describe('as a producer', () => {
    it("starts 'producing' and follows pauseProducing, resumeProducing and stopProducing", () => {
      const transport = new StringTransport();
      expect(transport.producerState).toBe('producing');
      transport.pauseProducing();
      expect(transport.producerState).toBe('paused');
      transport.resumeProducing();
      expect(transport.producerState).toBe('producing');
      transport.stopProducing();
      expect(transport.producerState).toBe('stopped');
    });

    it('cannot be paused or resumed once stopped, even when lenient', () => {
      const transport = new StringTransport(undefined, undefined, { lenient: true });
      transport.stopProducing();
      expect(() => {
        transport.pauseProducing();
      }).toThrow(InvalidStateError);
      expect(() => {
        transport.resumeProducing();
      }).toThrow(InvalidStateError);
      expect(transport.producerState).toBe('stopped');
    });

    it('cannot be paused or resumed after loseConnection(), unless lenient', () => {
      const strict = new StringTransport();
      strict.loseConnection();
      expect(() => {
        strict.pauseProducing();
      }).toThrow(InvalidStateError);
      expect(() => {
        strict.resumeProducing();
      }).toThrow(InvalidStateError);

      const lenient = new StringTransport(undefined, undefined, { lenient: true });
      lenient.loseConnection();
      lenient.pauseProducing();
      expect(lenient.producerState).toBe('paused');
      lenient.resumeProducing();
      expect(lenient.producerState).toBe('producing');
    });
  });
});

describe('StringTransportWithDisconnection', () => {
  it('calls connectionLost(ConnectionDone("Bye.")) synchronously on the first loseConnection() only', () => {
    const transport = new StringTransportWithDisconnection();
    const proto = new AccumulatingProtocol();
    transport.protocol = proto;
    proto.makeConnection(transport);
    let lost = 0;
    proto.connectionLost = (reason) => {
      lost += 1;
      expect(reason.check(ConnectionDone)).toBe(ConnectionDone);
      expect(reason.getErrorMessage()).toBe('Bye.');
    };
    transport.loseConnection();
    expect(lost).toBe(1);
    expect(transport.connected).toBe(false);
    expect(transport.disconnecting).toBe(true);
    transport.loseConnection();
    expect(lost).toBe(1);
  });

  it('reports an abort as ConnectionAborted', () => {
    const transport = new StringTransportWithDisconnection();
    const proto = new AccumulatingProtocol();
    transport.protocol = proto;
    proto.makeConnection(transport);
    transport.abortConnection();
    expect(proto.closedReason?.check(ConnectionAborted)).toBe(ConnectionAborted);
    expect(transport.disconnected).toBe(true);
  });

  it('throws InvalidStateError when closed before its protocol is set', () => {
    const transport = new StringTransportWithDisconnection();
    expect(() => {
      transport.loseConnection();
    }).toThrow(InvalidStateError);
  });
});
