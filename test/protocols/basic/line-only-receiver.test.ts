// Behaviours of Twisted's LineOnlyReceiverTests (twisted/protocols/test/test_basic.py), ported.
import { assert, describe, it } from 'vitest';

import { LineOnlyReceiver } from '../../../src/protocols/basic/index.js';
import { StringTransport } from '../../../src/testing/index.js';
import { bytes, forEachChunking, hex, text } from './helpers.js';

class LineOnlyTester extends LineOnlyReceiver<StringTransport> {
  override delimiter: Uint8Array | string = '\n';
  override MAX_LENGTH = 64;
  received: string[] = [];
  override lineReceived(line: Uint8Array): void {
    this.received.push(text(line));
  }
}

function connected<P extends LineOnlyReceiver<StringTransport>>(proto: P): P {
  proto.makeConnection(new StringTransport());
  return proto;
}

describe('LineOnlyReceiver', () => {
  describe('dataReceived', () => {
    it('delivers every line at every chunk size, down to one byte', () => {
      const wire = bytes('foo\n    bleakness\n    desolation\n    plastic forks\n    ');
      forEachChunking(wire, (chunks) => {
        const proto = connected(new LineOnlyTester());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.received, [
          'foo',
          '    bleakness',
          '    desolation',
          '    plastic forks',
        ]);
      });
    });

    it('splits CRLF lines by default, empty lines included', () => {
      class Plain extends LineOnlyReceiver<StringTransport> {
        lines: string[] = [];
        override lineReceived(line: Uint8Array): void {
          this.lines.push(text(line));
        }
      }
      forEachChunking(hex('61 0d0a 0d0a 62 0d0a'), (chunks) => {
        const proto = connected(new Plain());
        for (const chunk of chunks) proto.dataReceived(chunk);
        assert.deepEqual(proto.lines, ['a', '', 'b']);
      });
    });

    it('stops delivering once the transport is disconnecting', () => {
      class Quitter extends LineOnlyTester {
        override lineReceived(line: Uint8Array): void {
          super.lineReceived(line);
          if (text(line) === 'QUIT') this.transport.loseConnection();
        }
      }
      const proto = connected(new Quitter());
      proto.dataReceived(bytes('a\nQUIT\nb\n'));
      proto.dataReceived(bytes('c\n'));
      assert.deepEqual(proto.received, ['a', 'QUIT']);
    });
  });

  describe('MAX_LENGTH', () => {
    it('drops the connection on a line longer than MAX_LENGTH + delimiter length', () => {
      const proto = connected(new LineOnlyTester());
      proto.dataReceived(bytes('x'.repeat(proto.MAX_LENGTH + 2) + '\r\nr'));
      assert.isTrue(proto.transport.disconnecting);
    });

    it('drops the connection on a delimited line one byte over MAX_LENGTH', () => {
      const proto = connected(new LineOnlyTester());
      proto.dataReceived(bytes('ok\n' + 'x'.repeat(proto.MAX_LENGTH + 1) + '\nlater\n'));
      assert.deepEqual(proto.received, ['ok']);
      assert.isTrue(proto.transport.disconnecting);
    });

    it('passes just the long line to lineLengthExceeded and drops the rest of the chunk', () => {
      class Catcher extends LineOnlyTester {
        long: string[] = [];
        override lineLengthExceeded(line: Uint8Array): void {
          this.long.push(text(line));
        }
      }
      const proto = connected(new Catcher());
      proto.MAX_LENGTH = 3;
      proto.dataReceived(bytes('abcd\nef\n'));
      proto.dataReceived(bytes('gh\n'));
      assert.deepEqual(proto.long, ['abcd']);
      assert.deepEqual(proto.received, ['gh']);
      assert.isFalse(proto.transport.disconnecting);
    });
  });

  describe('sendLine', () => {
    it('writes the line then the delimiter', () => {
      const proto = connected(new LineOnlyTester());
      proto.sendLine('hi');
      proto.delimiter = hex('00');
      proto.sendLine(hex('ff'));
      assert.deepEqual(proto.transport.value(), hex('6869 0a ff 00'));
    });
  });
});
