// Behaviours of Twisted's Int8Tests, Int16Tests and Int32Tests (twisted/protocols/test/
// test_basic.py), ported, with the framer underneath.
import { assert, describe, it } from 'vitest';

import {
  encodeIntN,
  Int16StringReceiver,
  Int32StringReceiver,
  Int8StringReceiver,
  IntNFramer,
  IntNStringReceiver,
  LengthLimitExceededError,
  StringTooLongError,
} from '../../../src/protocols/basic/index.js';
import { StringTransport } from '../../../src/testing/index.js';
import { bytes, forEachChunking, hex, join, text } from './helpers.js';

// Twisted's TestInt32/TestInt16/TestInt8 (TestMixin: MAX_LENGTH 50, records strings).
class TestInt32 extends Int32StringReceiver<StringTransport> {
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(text(payload));
  }
}

class TestInt16 extends Int16StringReceiver<StringTransport> {
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(text(payload));
  }
}

class TestInt8 extends Int8StringReceiver<StringTransport> {
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(text(payload));
  }
}

/** A 24-bit prefix: IntNStringReceiver with a custom size. */
class TestInt24 extends IntNStringReceiver<StringTransport> {
  readonly prefixLength = 3;
  override MAX_LENGTH = 50;
  received: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(text(payload));
  }
}

const cases = [
  {
    name: 'Int32StringReceiver',
    make: () => new TestInt32(),
    p: 4,
    foo: hex('00000003 666f6f'),
    illegal: hex('10000000 616161616161'),
    partial: ['000000', '68656c6c6f207468657265', ''],
  },
  {
    name: 'Int16StringReceiver',
    make: () => new TestInt16(),
    p: 2,
    foo: hex('0003 666f6f'),
    illegal: hex('1000 616161616161'),
    partial: ['00', '68656c6c6f207468657265', ''],
  },
  {
    name: 'Int8StringReceiver',
    make: () => new TestInt8(),
    p: 1,
    foo: hex('03 666f6f'),
    illegal: hex('00 00 616161616161'), // two empty strings, then a prefix of 0x61 = 97 > 50
    partial: ['08', '647a61647a', ''],
  },
  {
    name: 'IntNStringReceiver with a 3-byte prefix',
    make: () => new TestInt24(),
    p: 3,
    foo: hex('000003 666f6f'),
    illegal: hex('100000 616161616161'),
    partial: ['0000', '68656c6c6f', ''],
  },
] as const;

function connected<P extends IntNStringReceiver<StringTransport>>(proto: P): P {
  proto.makeConnection(new StringTransport());
  return proto;
}

for (const c of cases) {
  describe(c.name, () => {
    it('receives strings at every chunk size, down to one byte', () => {
      const strings = ['a', 'b'.repeat(16), ''];
      const wire = join(strings.map((s) => encodeIntN(bytes(s), c.p)));
      forEachChunking(wire, (chunks) => {
        const proto = connected(c.make());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, strings);
      });
    });

    it('delivers nothing for partial strings', () => {
      for (const partial of c.partial) {
        const proto = connected(c.make());
        for (const byte of hex(partial)) proto.dataReceived(Uint8Array.of(byte));
        assert.deepEqual(proto.received, []);
      }
    });

    it('sends strings with their length prefix, and receives them', () => {
      const proto = connected(c.make());
      proto.sendString('foo');
      assert.deepEqual(proto.transport.value(), c.foo);
      proto.dataReceived(join([c.foo.subarray(0, c.p - 1), hex('').subarray(0)]));
      proto.dataReceived(c.foo.subarray(c.p - 1));
      assert.deepEqual(proto.received, ['foo']);
      proto.sendString(bytes('b'.repeat(16)));
      assert.equal(proto.transport.value().length, 2 * c.p + 3 + 16);
    });

    it('calls lengthLimitExceeded with a prefix over MAX_LENGTH, before the string arrives', () => {
      const proto = connected(c.make());
      const limits: number[] = [];
      proto.lengthLimitExceeded = (length) => {
        limits.push(length);
      };
      proto.MAX_LENGTH = 10;
      proto.dataReceived(encodeIntN(bytes('x'.repeat(11)), c.p).subarray(0, c.p));
      assert.deepEqual(limits, [11]);
      proto.dataReceived(bytes('x'.repeat(11)));
      assert.deepEqual(proto.received, []);
      assert.isFalse(proto.transport.disconnecting);
    });

    it('drops the connection on a prefix over MAX_LENGTH, after the strings before it', () => {
      const proto = connected(c.make());
      proto.MAX_LENGTH = 10;
      proto.dataReceived(
        join([encodeIntN(bytes('ok'), c.p), encodeIntN(bytes('x'.repeat(11)), c.p)]),
      );
      assert.deepEqual(proto.received, ['ok']);
      assert.isTrue(proto.transport.disconnecting);
    });

    it('drops the connection on an illegal prefix fed a byte at a time', () => {
      const proto = connected(c.make());
      for (const byte of c.illegal) proto.dataReceived(Uint8Array.of(byte));
      assert.isTrue(proto.transport.disconnecting);
    });
  });
}

describe('IntNStringReceiver', () => {
  describe('sendString', () => {
    it('refuses a string too long for the prefix with StringTooLongError, writing nothing', () => {
      const int8 = connected(new TestInt8());
      assert.throws(() => {
        int8.sendString(new Uint8Array(256));
      }, StringTooLongError);
      int8.sendString(new Uint8Array(255));
      const int16 = connected(new TestInt16());
      try {
        int16.sendString(new Uint8Array(2 ** 16 + 1));
        assert.fail('expected StringTooLongError');
      } catch (e) {
        assert.instanceOf(e, StringTooLongError);
        assert.equal(e.length, 2 ** 16 + 1);
        assert.equal(e.maxLength, 2 ** 16 - 1);
      }
      assert.equal(int8.transport.value().length, 256);
      assert.equal(int16.transport.value().length, 0);
    });
  });

  describe('pauseProducing / resumeProducing', () => {
    it('holds strings while paused and delivers them in order on resume', () => {
      class Pausing extends TestInt32 {
        override stringReceived(payload: Uint8Array): void {
          super.stringReceived(payload);
          this.pauseProducing();
        }
      }
      const proto = connected(new Pausing());
      proto.dataReceived(join(['a', 'b', 'c'].map((s) => encodeIntN(bytes(s), 4))));
      assert.deepEqual(proto.received, ['a']);
      proto.resumeProducing();
      assert.deepEqual(proto.received, ['a', 'b']);
      proto.resumeProducing();
      assert.deepEqual(proto.received, ['a', 'b', 'c']);
      assert.isTrue(proto.paused);
      proto.resumeProducing();
      assert.isFalse(proto.paused);
      proto.stopProducing();
      assert.equal(proto.transport.producerState, 'stopped');
    });

    it('stops delivering once the transport is disconnecting', () => {
      class Quitter extends TestInt16 {
        override stringReceived(payload: Uint8Array): void {
          super.stringReceived(payload);
          this.transport.loseConnection();
        }
      }
      const proto = connected(new Quitter());
      proto.dataReceived(join(['a', 'b'].map((s) => encodeIntN(bytes(s), 2))));
      assert.deepEqual(proto.received, ['a']);
    });
  });
});

describe('IntNFramer', () => {
  it('hands out a string within one chunk as a view, and copies one spanning chunks', () => {
    const framer = new IntNFramer({ prefixLength: 2 });
    const chunk = hex('0002 6869 0003 61');
    const [hi] = framer.push(chunk);
    assert.equal(hi?.buffer, chunk.buffer);
    const [abc] = framer.push(hex('6263'));
    assert.equal(text(abc!), 'abc');
    assert.notEqual(abc?.buffer, chunk.buffer);
  });

  it('hands out a plain Uint8Array view of a Buffer chunk, not a Buffer', () => {
    const chunk = Buffer.from([0, 2, 0x68, 0x69]);
    const [hi] = new IntNFramer({ prefixLength: 2 }).push(chunk);
    assert.equal(Object.getPrototypeOf(hi), Uint8Array.prototype);
    assert.equal(hi?.buffer, chunk.buffer);
    assert.equal(text(hi!), 'hi');
  });

  it('never holds more than the prefix and maxLength bytes of a string', () => {
    const framer = new IntNFramer({ prefixLength: 4, maxLength: 8 });
    for (const byte of hex('00000008 0102030405060708')) {
      framer.push(Uint8Array.of(byte));
      assert.isAtMost(framer.bufferedLength, 12);
    }
    assert.throws(() => framer.push(hex('00000009')), LengthLimitExceededError);
    assert.instanceOf(framer.error, LengthLimitExceededError);
    assert.deepEqual(framer.push(hex('00000000')), []);
    assert.equal(framer.bufferedLength, 0);
  });

  it('decodes a 6-byte prefix and encodes one', () => {
    const framer = new IntNFramer({ prefixLength: 6, maxLength: 2 ** 40 });
    assert.deepEqual(framer.encode(bytes('z')), hex('000000000001 7a'));
    assert.deepEqual(framer.push(hex('000000000001 7a')).map(text), ['z']);
  });

  it('refuses prefix lengths outside 1 to 6', () => {
    for (const p of [0, 7, 2.5])
      assert.throws(() => new IntNFramer({ prefixLength: p }), RangeError);
  });
});
