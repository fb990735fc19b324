import { assert, describe, it } from 'vitest';

import { LineFramer, LineTooLongError } from '../../../src/protocols/basic/index.js';
import { bytes, forEachChunking, hex, text } from './helpers.js';

/** Every line the framer yields for `chunks`, decoded. */
function linesOf(framer: LineFramer, chunks: readonly Uint8Array[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) for (const line of framer.push(chunk)) lines.push(text(line));
  return lines;
}

describe('LineFramer', () => {
  describe('push', () => {
    it('splits CRLF lines identically at every chunk size, down to one byte', () => {
      const wire = hex('666f6f 0d0a 0d0a 626172 0d0a 62 0d'); // "foo\r\n\r\nbar\r\nb\r"
      forEachChunking(wire, (chunks) => {
        const framer = new LineFramer();
        assert.deepEqual(linesOf(framer, chunks), ['foo', '', 'bar']);
        assert.equal(framer.bufferedLength, 2);
      });
    });

    it('splits on a multi-byte delimiter whose prefix repeats, at every chunk size', () => {
      const wire = bytes('a--b---c-----d--');
      forEachChunking(wire, (chunks) => {
        const framer = new LineFramer({ delimiter: '---' });
        assert.deepEqual(linesOf(framer, chunks), ['a--b', 'c']);
        assert.equal(framer.bufferedLength, 5); // "--d--"
      });
      forEachChunking(bytes('x\r\r\ny\r\n'), (chunks) => {
        assert.deepEqual(linesOf(new LineFramer(), chunks), ['x\r', 'y']);
      });
    });

    it('accepts a one-byte delimiter given as bytes', () => {
      const framer = new LineFramer({ delimiter: hex('00') });
      assert.deepEqual(linesOf(framer, [hex('61 00 00 62 00')]), ['a', '', 'b']);
    });

    it('hands out a line within one chunk as a view of it, and copies only a line spanning chunks', () => {
      const framer = new LineFramer();
      const chunk = bytes('one\r\ntw');
      const [one] = framer.push(chunk);
      assert.equal(one?.buffer, chunk.buffer);
      const [two] = framer.push(bytes('o\r\n'));
      assert.notEqual(two?.buffer, chunk.buffer);
      assert.equal(text(two!), 'two');
    });

    it('hands out plain Uint8Array views, never Buffers, also of Buffer chunks', () => {
      for (const delimiter of ['\n', '\r\n', '\r\n\r\n']) {
        const chunk = Buffer.from(`one${delimiter}two${delimiter}`);
        const lines = new LineFramer({ delimiter }).push(chunk);
        assert.deepEqual(lines.map(text), ['one', 'two']);
        for (const line of lines) {
          assert.equal(Object.getPrototypeOf(line), Uint8Array.prototype);
          assert.equal(line.buffer, chunk.buffer);
        }
      }
    });

    it('accepts a line of exactly maxLength, also when its delimiter arrives split', () => {
      forEachChunking(bytes('xxxx\r\nyyyy\r\n'), (chunks) => {
        assert.deepEqual(linesOf(new LineFramer({ maxLength: 4 }), chunks), ['xxxx', 'yyyy']);
      });
      const framer = new LineFramer({ maxLength: 4 });
      assert.deepEqual(framer.push(bytes('xxxx\r')), []); // maxLength + 1 bytes: not yet too long
      assert.deepEqual(linesOf(framer, [bytes('\n')]), ['xxxx']);
    });

    it('refuses a delimited line over maxLength, with the line and everything discarded', () => {
      const framer = new LineFramer({ maxLength: 4 });
      const e = assertThrows(() => framer.push(bytes('ok\r\nxxxxx\r\nrest')));
      assert.equal(text(e.line), 'xxxxx');
      assert.equal(text(e.discarded), 'xxxxx\r\nrest');
      assert.equal(e.maxLength, 4);
      assert.equal(framer.bufferedLength, 0);
      // The framer goes on with what comes next.
      assert.deepEqual(linesOf(framer, [bytes('next\r\n')]), ['next']);
    });

    it('refuses maxLength + delimiter length bytes without a delimiter, at every chunk size', () => {
      forEachChunking(bytes('xxxxxx'), (chunks) => {
        const framer = new LineFramer({ maxLength: 4 });
        let error: LineTooLongError | undefined;
        for (const chunk of chunks) {
          try {
            framer.push(chunk);
          } catch (e) {
            assert.instanceOf(e, LineTooLongError);
            error = e;
          }
          assert.isAtMost(framer.bufferedLength, 4 + 2 - 1);
        }
        assert.equal(text(error!.discarded), 'xxxxxx');
      });
    });

    it('refuses a line spanning chunks whose delimiter shows it too long', () => {
      const framer = new LineFramer({ maxLength: 4 });
      framer.push(bytes('xxx'));
      const e = assertThrows(() => framer.push(bytes('xx\r\n')));
      assert.equal(text(e.line), 'xxxxx');
    });
  });

  describe('next', () => {
    it('leaves the lines not pulled queued, in order, with later chunks', () => {
      const framer = new LineFramer({ delimiter: '\n' });
      framer.feed(bytes('a\nb\nc'));
      framer.feed(bytes('\nd'));
      assert.equal(text(framer.next()!), 'a');
      assert.equal(framer.bufferedLength, 5);
      framer.feed(bytes('\n'));
      const rest: string[] = [];
      for (let l = framer.next(); l !== undefined; l = framer.next()) rest.push(text(l));
      assert.deepEqual(rest, ['b', 'c', 'd']);
    });
  });

  describe('takeBuffered', () => {
    it('returns every byte held, the unfinished line and the chunks not pulled', () => {
      const framer = new LineFramer();
      framer.push(bytes('par'));
      framer.feed(bytes('tial\r\nmore'));
      framer.feed(bytes('!'));
      assert.equal(text(framer.takeBuffered()), 'partial\r\nmore!');
      assert.equal(framer.bufferedLength, 0);
      assert.equal(framer.takeBuffered().length, 0);
    });
  });

  describe('delimiter', () => {
    it('re-reads the bytes held when it changes', () => {
      const framer = new LineFramer();
      framer.push(bytes('a;b;c'));
      framer.delimiter = ';';
      assert.deepEqual(linesOf(framer, []), []);
      assert.deepEqual(linesOf(framer, [bytes(';')]), ['a', 'b', 'c']);
    });

    it('must not be empty', () => {
      assert.throws(() => new LineFramer({ delimiter: '' }), RangeError);
      const framer = new LineFramer();
      assert.throws(() => {
        framer.delimiter = new Uint8Array(0);
      }, RangeError);
    });
  });
});

function assertThrows(fn: () => unknown): LineTooLongError {
  try {
    fn();
  } catch (e) {
    assert.instanceOf(e, LineTooLongError);
    return e;
  }
  assert.fail('expected LineTooLongError');
}
