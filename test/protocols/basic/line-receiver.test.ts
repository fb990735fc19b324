// Behaviours of Twisted's LineReceiverTests, LineReceiverLineLengthExceededTests and
// ProducerTests (twisted/protocols/test/test_basic.py), ported.
import { assert, describe, it } from 'vitest';

import { LineReceiver } from '../../../src/protocols/basic/index.js';
import { Clock, StringTransport } from '../../../src/testing/index.js';
import { bytes, chunksOf, forEachChunking, hex, text } from './helpers.js';

/** Twisted's LineTester: acts on some lines ("len N" then raw bytes, "pause", "stop", ...). */
class LineTester extends LineReceiver<StringTransport> {
  override delimiter = '\n';
  override MAX_LENGTH = 64;
  received: string[] = [];
  length = 0;
  readonly clock: Clock;

  constructor(clock: Clock = new Clock()) {
    super();
    this.clock = clock;
  }

  override lineReceived(lineBytes: Uint8Array): void {
    const line = text(lineBytes);
    this.received.push(line);
    if (line === '') {
      this.setRawMode();
    } else if (line === 'pause') {
      this.pauseProducing();
      this.clock.callLater(0, () => {
        this.resumeProducing();
      });
    } else if (line === 'rawpause') {
      this.pauseProducing();
      this.setRawMode();
      this.received.push('');
      this.clock.callLater(0, () => {
        this.resumeProducing();
      });
    } else if (line === 'stop') {
      this.stopProducing();
    } else if (line.startsWith('len ')) {
      this.length = Number(line.slice(4));
    } else if (line.startsWith('produce')) {
      this.transport.registerProducer(this, false);
    } else if (line.startsWith('unproduce')) {
      this.transport.unregisterProducer();
    }
  }

  override rawDataReceived(data: Uint8Array): void {
    const mine = data.subarray(0, this.length);
    const rest = data.subarray(this.length);
    this.length -= mine.length;
    this.received.push(`${this.received.pop() ?? ''}${text(mine)}`);
    if (this.length === 0) this.setLineMode(rest);
  }

  override lineLengthExceeded(line: Uint8Array): void {
    if (line.length > this.MAX_LENGTH + 1) this.setLineMode(line.subarray(this.MAX_LENGTH + 1));
  }
}

function connected<P extends LineReceiver<StringTransport>>(proto: P): P {
  proto.makeConnection(new StringTransport());
  return proto;
}

/** Records lines and long lines; long lines do not drop the connection. */
class Catcher extends LineReceiver<StringTransport> {
  override MAX_LENGTH = 6;
  lines: string[] = [];
  longLines: string[] = [];
  override lineReceived(line: Uint8Array): void {
    this.lines.push(text(line));
  }
  override lineLengthExceeded(data: Uint8Array): void {
    this.longLines.push(text(data));
  }
}

/** A LineReceiver that keeps the defaults. */
class Plain extends LineReceiver<StringTransport> {
  lines: string[] = [];
  override lineReceived(line: Uint8Array): void {
    this.lines.push(text(line));
  }
}

const BUFFER = bytes(
  'len 10\n\n0123456789len 5\n\n1234\nlen 20\nfoo 123\n\n0123456789\n012345678len 0\nfoo 5\n\n' +
    '1234567890123456789012345678901234567890123456789012345678901234567890\nlen 1\n\na',
);
const OUTPUT = [
  'len 10',
  '0123456789',
  'len 5',
  '1234\n',
  'len 20',
  'foo 123',
  '0123456789\n012345678',
  'len 0',
  'foo 5',
  '',
  '67890',
  'len 1',
  'a',
];

describe('LineReceiver', () => {
  describe('dataReceived', () => {
    it('delivers lines and raw data, switching modes inside callbacks, at every chunk size', () => {
      forEachChunking(BUFFER, (chunks, size) => {
        const proto = connected(new LineTester());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, OUTPUT, `chunks of ${String(size)}`);
      });
    });

    it('holds the lines after a pause until resumed, at every chunk size', () => {
      const wire = bytes('twiddle1\ntwiddle2\npause\ntwiddle3\n');
      forEachChunking(wire, (chunks) => {
        const clock = new Clock();
        const proto = connected(new LineTester(clock));
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, ['twiddle1', 'twiddle2', 'pause']);
        assert.equal(proto.transport.producerState, 'paused');
        clock.advance(0);
        assert.deepEqual(proto.received, ['twiddle1', 'twiddle2', 'pause', 'twiddle3']);
        assert.equal(proto.transport.producerState, 'producing');
      });
    });

    it('holds raw data after a pause in raw mode until resumed, at every chunk size', () => {
      const wire = bytes('twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n');
      forEachChunking(wire, (chunks) => {
        const clock = new Clock();
        const proto = connected(new LineTester(clock));
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, ['twiddle1', 'twiddle2', 'len 5', 'rawpause', '']);
        clock.advance(0);
        assert.deepEqual(proto.received, [
          'twiddle1',
          'twiddle2',
          'len 5',
          'rawpause',
          '12345',
          'twiddle3',
        ]);
      });
    });

    it('delivers nothing after stopProducing, at every chunk size', () => {
      const wire = bytes('twiddle1\ntwiddle2\nstop\nmore\nstuff\n');
      forEachChunking(wire, (chunks) => {
        const proto = connected(new LineTester());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, ['twiddle1', 'twiddle2', 'stop']);
        assert.equal(proto.transport.producerState, 'stopped');
      });
    });

    it('can register itself as a producer on its transport from lineReceived', () => {
      const proto = connected(new LineTester());
      proto.dataReceived(bytes('produce\nhello world\nunproduce\ngoodbye\n'));
      assert.deepEqual(proto.received, ['produce', 'hello world', 'unproduce', 'goodbye']);
    });

    it('switches modes many times within one chunk without growing the stack', () => {
      class Flipping extends LineReceiver<StringTransport> {
        override delimiter = '\n';
        lines: string[] = [];
        override lineReceived(line: Uint8Array): void {
          this.lines.push(text(line));
          this.setRawMode();
        }
        override rawDataReceived(data: Uint8Array): void {
          this.setLineMode(data.subarray(1));
        }
      }
      const proto = connected(new Flipping());
      const n = 20_000;
      proto.dataReceived(bytes('x\nx'.repeat(n)));
      assert.equal(proto.lines.join(''), 'x'.repeat(n));
    });

    it('sends the rest of the chunk raw after setRawMode in lineReceived', () => {
      class Switcher extends Plain {
        raw: string[] = [];
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          this.setRawMode();
        }
        override rawDataReceived(data: Uint8Array): void {
          this.raw.push(text(data));
        }
      }
      const proto = connected(new Switcher());
      proto.dataReceived(hex('4845414420 0d0a 626f6479 0d0a 6d6f7265')); // "HEAD \r\nbody\r\nmore"
      proto.dataReceived(bytes('!'));
      assert.deepEqual(proto.lines, ['HEAD ']);
      assert.deepEqual(proto.raw, ['body\r\nmore', '!']);
      assert.isFalse(proto.lineMode);
    });

    it('drops the lines after a loseConnection in the same chunk', () => {
      class Quitter extends Plain {
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          if (text(line) === 'QUIT') this.transport.loseConnection();
        }
      }
      forEachChunking(bytes('a\r\nQUIT\r\nb\r\nc\r\n'), (chunks) => {
        const proto = connected(new Quitter());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.lines, ['a', 'QUIT']);
      });
    });

    it('delivers a line sent back with sendLine from inside lineReceived in order', () => {
      class Echo extends Plain {
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          this.sendLine(line);
        }
      }
      const proto = connected(new Echo());
      proto.dataReceived(bytes('a\r\nb\r\n'));
      assert.equal(proto.transport.valueString(), 'a\r\nb\r\n');
    });

    it('queues bytes fed from inside lineReceived after the ones held', () => {
      class Injector extends Plain {
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          if (text(line) === 'a') this.dataReceived(bytes('injected\r\n'));
        }
      }
      const proto = connected(new Injector());
      proto.dataReceived(bytes('a\r\nb\r\n'));
      assert.deepEqual(proto.lines, ['a', 'b', 'injected']);
    });

    it('follows a delimiter and MAX_LENGTH changed between chunks', () => {
      const proto = connected(new Plain());
      proto.dataReceived(bytes('a\r\nb;c'));
      proto.delimiter = ';';
      proto.MAX_LENGTH = 1;
      proto.dataReceived(bytes(';dd;'));
      assert.deepEqual(proto.lines, ['a', 'b', 'c']);
      assert.isTrue(proto.transport.disconnecting);
    });

    it('propagates an error thrown by lineReceived and is usable afterwards', () => {
      class Thrower extends Plain {
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          if (text(line) === 'boom') throw new RangeError('boom');
        }
      }
      const proto = connected(new Thrower());
      assert.throws(() => {
        proto.dataReceived(bytes('boom\r\nafter\r\n'));
      }, RangeError);
      proto.dataReceived(new Uint8Array(0));
      assert.deepEqual(proto.lines, ['boom', 'after']);
    });

    it('rejects raw mode without a rawDataReceived override', () => {
      const proto = connected(new Plain());
      proto.setRawMode();
      assert.throws(() => {
        proto.dataReceived(bytes('x'));
      }, TypeError);
    });
  });

  describe('MAX_LENGTH', () => {
    it('drops the connection on a delimited line one byte over MAX_LENGTH', () => {
      const proto = connected(new Plain());
      proto.dataReceived(join2('x'.repeat(proto.MAX_LENGTH + 1), '\r\nr'));
      assert.isTrue(proto.transport.disconnecting);
      assert.deepEqual(proto.lines, []);
    });

    it('drops the connection on MAX_LENGTH + delimiter length bytes with no delimiter', () => {
      const proto = connected(new Plain());
      proto.dataReceived(bytes('x'.repeat(proto.MAX_LENGTH + 2)));
      assert.isTrue(proto.transport.disconnecting);
    });

    it('keeps the connection for MAX_LENGTH bytes followed by part of the delimiter', () => {
      const proto = connected(new Plain());
      proto.dataReceived(bytes('x'.repeat(proto.MAX_LENGTH) + '\r'));
      assert.isFalse(proto.transport.disconnecting);
      proto.dataReceived(bytes('\n'));
      assert.equal(proto.lines[0]?.length, proto.MAX_LENGTH);
    });

    it('accepts a line of MAX_LENGTH whose delimiter straddles the chunk that passes the limit', () => {
      const proto = connected(new Plain());
      proto.MAX_LENGTH = 4;
      proto.dataReceived(bytes('xxx'));
      proto.dataReceived(bytes('x\r'));
      proto.dataReceived(bytes('\nxxx'));
      assert.isFalse(proto.transport.disconnecting);
      assert.deepEqual(proto.lines, ['xxxx']);
    });

    it('passes a long unended line whole to lineLengthExceeded', () => {
      const proto = connected(new Catcher());
      const excessive = 'x'.repeat(proto.MAX_LENGTH * 2 + 2);
      proto.dataReceived(bytes(excessive));
      assert.deepEqual(proto.longLines, [excessive]);
    });

    it('passes the bytes after a short line to lineLengthExceeded', () => {
      const proto = connected(new Catcher());
      const excessive = 'x'.repeat(proto.MAX_LENGTH * 2 + 2);
      proto.dataReceived(bytes('x\r\n' + excessive));
      assert.deepEqual(proto.lines, ['x']);
      assert.deepEqual(proto.longLines, [excessive]);
    });

    it('passes a long delimited line with everything after it to lineLengthExceeded', () => {
      const proto = connected(new Catcher());
      const long = 'x'.repeat(proto.MAX_LENGTH * 2 + 2);
      proto.dataReceived(bytes(`${long}\r\n${long}`));
      assert.deepEqual(proto.longLines, [`${long}\r\n${long}`]);
      const again = connected(new Catcher());
      again.dataReceived(bytes(`${long}\r\n${long}\r\n`));
      assert.deepEqual(again.longLines, [`${long}\r\n${long}\r\n`]);
    });

    it('goes on delivering after lineLengthExceeded when the connection stays open', () => {
      const proto = connected(new Catcher());
      for (const chunk of chunksOf(bytes('xxxxxxxxx\r\nok\r\n'), 3)) proto.dataReceived(chunk);
      // The third chunk passes MAX_LENGTH + 2 with no delimiter: those 9 bytes go; the
      // delimiter that follows ends an empty line.
      assert.deepEqual(proto.longLines, ['xxxxxxxxx']);
      assert.deepEqual(proto.lines, ['', 'ok']);
    });
  });

  describe('clearLineBuffer', () => {
    it('returns the bytes buffered, also from inside lineReceived, and forgets them', () => {
      class Clearing extends LineReceiver<StringTransport> {
        line = '';
        rest = '';
        override lineReceived(line: Uint8Array): void {
          this.line = text(line);
          this.rest = text(this.clearLineBuffer());
        }
      }
      const proto = connected(new Clearing());
      proto.dataReceived(bytes('foo\r\nbar\r\nbaz'));
      assert.equal(proto.line, 'foo');
      assert.equal(proto.rest, 'bar\r\nbaz');
      proto.dataReceived(bytes('quux\r\n'));
      assert.equal(proto.line, 'quux');
      assert.equal(proto.rest, '');
    });

    it('returns nothing before any data', () => {
      assert.equal(new Plain().clearLineBuffer().length, 0);
    });
  });

  describe('sendLine', () => {
    it('writes the line and the delimiter in one write, text as UTF-8', () => {
      const proto = connected(new Plain());
      proto.sendLine('héllo');
      proto.delimiter = hex('00');
      proto.sendLine(hex('01 02'));
      assert.deepEqual(proto.transport.value(), hex('68 c3a9 6c6c6f 0d0a 01 02 00'));
    });
  });

  describe('pauseProducing / resumeProducing', () => {
    it('holds lines while paused and delivers them, in order, on resume', () => {
      // Twisted's ProducerTests.test_pauseResume: the protocol pauses itself after each line.
      class Consuming extends LineReceiver<StringTransport> {
        override lineReceived(line: Uint8Array): void {
          this.transport.write(line);
          this.pauseProducing();
        }
      }
      const p = connected(new Consuming());
      const t = p.transport;
      const written = (): string => t.valueString();
      p.dataReceived(bytes('hello, '));
      assert.equal(written(), '');
      assert.isFalse(p.paused);
      p.dataReceived(bytes('world\r\n'));
      assert.equal(written(), 'hello, world');
      assert.isTrue(p.paused);
      assert.equal(t.producerState, 'paused');
      p.resumeProducing();
      assert.equal(written(), 'hello, world');
      assert.isFalse(p.paused);
      p.dataReceived(bytes('hello\r\nworld\r\n'));
      assert.equal(written(), 'hello, worldhello');
      assert.isTrue(p.paused);
      p.resumeProducing();
      assert.equal(written(), 'hello, worldhelloworld');
      assert.isTrue(p.paused);
      p.dataReceived(bytes('goodbye\r\n'));
      assert.equal(written(), 'hello, worldhelloworld');
      p.resumeProducing();
      assert.equal(written(), 'hello, worldhelloworldgoodbye');
      assert.isTrue(p.paused);
      p.resumeProducing();
      assert.equal(written(), 'hello, worldhelloworldgoodbye');
      assert.isFalse(p.paused);
      assert.equal(t.producerState, 'producing');
    });
  });
});

function join2(a: string, b: string): Uint8Array {
  return bytes(a + b);
}
