// Behaviours of Twisted's NetstringReceiverTests (twisted/protocols/test/test_basic.py), ported,
// with the framer underneath.
import { assert, describe, it } from 'vitest';

import {
  formatNetstring,
  NetstringFramer,
  NetstringParseError,
  NetstringReceiver,
  type NetstringParseErrorReason,
} from '../../../src/protocols/basic/index.js';
import { Clock, StringTransport } from '../../../src/testing/index.js';
import { bytes, forEachChunking, hex, join, text } from './helpers.js';

class TestNetstring extends NetstringReceiver<StringTransport> {
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(text(payload));
    this.transport.write(payload);
  }
}

function connected(max = 50): TestNetstring {
  const proto = new TestNetstring();
  proto.MAX_LENGTH = max;
  proto.makeConnection(new StringTransport());
  return proto;
}

/** The reason a framer refuses `wire`, fed one byte at a time (or undefined). */
function refusal(wire: Uint8Array, maxLength = 50): NetstringParseErrorReason | undefined {
  const framer = new NetstringFramer({ maxLength });
  try {
    for (const byte of wire) framer.push(Uint8Array.of(byte));
  } catch (e) {
    assert.instanceOf(e, NetstringParseError);
    assert.equal(framer.error, e);
    return e.reason;
  }
  return undefined;
}

describe('NetstringFramer', () => {
  it('parses netstrings identically at every chunk size', () => {
    // "5:hello,0:,4:1:a,,"  (empty and nested netstrings)
    const wire = hex('35 3a 68656c6c6f 2c 30 3a 2c 34 3a 313a612c 2c');
    forEachChunking(wire, (chunks) => {
      const framer = new NetstringFramer();
      const frames = chunks.flatMap((c) => framer.push(c)).map(text);
      assert.deepEqual(frames, ['hello', '', '1:a,']);
      assert.equal(framer.bufferedLength, 0);
    });
  });

  it('hands out a payload within one chunk as a view of it', () => {
    const chunk = bytes('3:abc,');
    const [frame] = new NetstringFramer().push(chunk);
    assert.equal(frame?.buffer, chunk.buffer);
  });

  it('hands out a plain Uint8Array view of a Buffer chunk, not a Buffer', () => {
    const chunk = Buffer.from('3:abc,');
    const [frame] = new NetstringFramer().push(chunk);
    assert.equal(Object.getPrototypeOf(frame), Uint8Array.prototype);
    assert.equal(frame?.buffer, chunk.buffer);
    assert.equal(text(frame!), 'abc');
  });

  it('refuses bytes that are not netstrings, each with its reason', () => {
    assert.equal(refusal(bytes('9999999999999999999999')), 'too-long');
    assert.equal(refusal(bytes('abc')), 'missing-length');
    assert.equal(refusal(bytes('4:abcde')), 'missing-comma');
    assert.equal(refusal(bytes('51:' + 'a'.repeat(51) + ',')), 'too-long');
    assert.equal(refusal(bytes('2:aaa,')), 'missing-comma');
    assert.equal(refusal(bytes('0:a,')), 'missing-comma');
    assert.equal(refusal(bytes(':aaa,')), 'missing-length');
    assert.equal(refusal(bytes('3aaa,')), 'missing-length');
    assert.equal(refusal(bytes('01:a,')), 'missing-length');
    assert.equal(refusal(bytes('1:a,')), undefined);
  });

  it('accepts a length of exactly maxLength and refuses one more, from the digits alone', () => {
    assert.equal(refusal(bytes('12:' + 'a'.repeat(12) + ','), 12), undefined);
    assert.equal(refusal(bytes('13'), 12), 'too-long');
    assert.equal(refusal(bytes('1000'), 11), 'too-long');
  });

  it('never holds more than maxLength + 1 bytes of a netstring', () => {
    const framer = new NetstringFramer({ maxLength: 10 });
    for (const byte of bytes('10:0123456789')) {
      framer.push(Uint8Array.of(byte));
      assert.isAtMost(framer.bufferedLength, 11);
    }
    assert.deepEqual(framer.push(bytes(',')).map(text), ['0123456789']);
  });

  it('stays failed after an error: later bytes are dropped', () => {
    const framer = new NetstringFramer();
    assert.throws(() => framer.push(bytes('x')), NetstringParseError);
    assert.deepEqual(framer.push(bytes('1:a,')), []);
    assert.equal(framer.bufferedLength, 0);
  });
});

describe('formatNetstring', () => {
  it('writes the decimal length, a colon, the payload and a comma', () => {
    assert.deepEqual(formatNetstring(bytes('hello')), hex('35 3a 68656c6c6f 2c'));
    assert.deepEqual(formatNetstring(new Uint8Array(0)), hex('30 3a 2c'));
  });
});

describe('NetstringReceiver', () => {
  const strings = ['hello', 'world', 'how', 'are', 'you123', ':today', 'a'.repeat(515)];

  describe('dataReceived', () => {
    it('receives what sendString sent, at every chunk size', () => {
      const sender = connected(699);
      for (const s of strings) sender.sendString(s);
      forEachChunking(sender.transport.value(), (chunks) => {
        const proto = connected(699);
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, strings);
      });
    });

    it('receives netstrings split across portions, the length included', () => {
      const proto = connected();
      for (const part of ['1', '0:01234', '56789', ',', '1:a,1', ':b,']) {
        proto.dataReceived(bytes(part));
      }
      assert.deepEqual(proto.received, ['0123456789', 'a', 'b']);
    });

    it('drops the connection on illegal input, marking the peer broken', () => {
      for (const wire of [
        '9999999999999999999999',
        'abc',
        '4:abcde',
        '51:' + 'a'.repeat(51) + ',',
      ]) {
        const proto = connected();
        for (const byte of bytes(wire)) proto.dataReceived(Uint8Array.of(byte));
        assert.isTrue(proto.transport.disconnecting, wire);
        assert.isTrue(proto.brokenPeer);
        assert.instanceOf(proto.parseError, NetstringParseError);
      }
    });

    it('delivers the netstrings before an error in the same chunk, and none after', () => {
      const proto = connected();
      proto.dataReceived(bytes('1:a,x1:b,'));
      assert.deepEqual(proto.received, ['a']);
      assert.equal(proto.parseError?.reason, 'missing-length');
    });

    it('calls an overridden handleParseError once and delivers nothing more', () => {
      class Lenient extends TestNetstring {
        errors: string[] = [];
        override handleParseError(error: NetstringParseError): void {
          this.errors.push(error.reason);
        }
      }
      const proto = new Lenient();
      proto.makeConnection(new StringTransport());
      proto.dataReceived(bytes('2:aaa,'));
      proto.dataReceived(bytes('1:a,'));
      assert.deepEqual(proto.errors, ['missing-comma']);
      assert.deepEqual(proto.received, []);
      assert.isFalse(proto.transport.disconnecting);
    });

    it('holds netstrings while paused and delivers them on resume', () => {
      class Pausing extends TestNetstring {
        override stringReceived(payload: Uint8Array): void {
          super.stringReceived(payload);
          this.pauseProducing();
        }
      }
      const clock = new Clock();
      const proto = new Pausing();
      proto.makeConnection(new StringTransport());
      proto.dataReceived(join([bytes('1:a,'), bytes('1:b,')]));
      assert.deepEqual(proto.received, ['a']);
      assert.equal(proto.transport.producerState, 'paused');
      clock.callLater(0, () => {
        proto.resumeProducing();
      });
      clock.advance(0);
      assert.deepEqual(proto.received, ['a', 'b']);
      proto.resumeProducing();
      proto.stopProducing();
      proto.dataReceived(bytes('1:c,'));
      assert.deepEqual(proto.received, ['a', 'b']);
      assert.equal(proto.transport.producerState, 'stopped');
    });
  });

  describe('sendString', () => {
    it('writes one netstring, text as UTF-8', () => {
      const proto = connected();
      proto.sendString('é');
      assert.deepEqual(proto.transport.value(), hex('32 3a c3a9 2c'));
    });
  });
});
