import { assert, describe, it } from 'vitest';

import {
  AmpBox,
  BoxParser,
  MalformedAmpBox,
  parseBoxes,
  TooLong,
} from '../../../src/protocols/amp/index.js';
import { hex, SUM_ANSWER, SUM_CALL, toHex, utf8 } from './fixtures.js';

/** Every way of cutting `data` into chunks of one size, for each size 1..length. */
function eachChunkSize(data: Uint8Array, fn: (chunks: Uint8Array[]) => void): void {
  for (let size = 1; size <= data.length; size++) {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
    fn(chunks);
  }
}

function entries(box: AmpBox): [string, string][] {
  return [...box].map(([k, v]) => [k, new TextDecoder().decode(v)]);
}

describe('AmpBox', () => {
  describe('serialize', () => {
    it('writes length-prefixed pairs sorted by key bytes, then an empty key (Twisted bytes)', () => {
      const box = AmpBox.of({ b: '81', a: '13', _command: 'Sum', _ask: '1' });
      assert.equal(toHex(box.serialize()), toHex(hex(SUM_CALL)));
    });

    it('writes an empty box as the end marker alone', () => {
      assert.equal(toHex(new AmpBox().serialize()), '0000');
    });

    it('accepts a 255-byte key and a 65,535-byte value', () => {
      const box = new AmpBox().setValue('k'.repeat(255), new Uint8Array(65_535));
      const bytes = box.serialize();
      assert.equal(bytes.length, 2 + 255 + 2 + 65_535 + 2);
      assert.deepEqual(parseBoxes(bytes)[0]?.get('k'.repeat(255))?.length, 65_535);
    });

    it('throws a local TooLong for a 256-byte key, an empty key or a 65,536-byte value', () => {
      for (const box of [
        new AmpBox().setValue('k'.repeat(256), 'v'),
        new AmpBox().setValue('', 'v'),
        new AmpBox().setValue('k', new Uint8Array(65_536)),
      ]) {
        assert.throws(() => box.serialize(), TooLong);
      }
      const err = (() => {
        try {
          new AmpBox().setValue('big', new Uint8Array(65_536)).serialize();
        } catch (e) {
          return e as TooLong;
        }
        return undefined;
      })();
      assert.deepEqual([err?.isKey, err?.isLocal, err?.keyName], [false, true, 'big']);
    });
  });

  describe('getString', () => {
    it('decodes a value as UTF-8 and gives undefined for a missing key', () => {
      const box = AmpBox.of({ k: 'καλημέρα' });
      assert.equal(box.getString('k'), 'καλημέρα');
      assert.isUndefined(box.getString('nope'));
    });
  });
});

describe('BoxParser', () => {
  describe('push', () => {
    it('parses Twisted boxes identically at every chunk size, down to one byte', () => {
      const stream = new Uint8Array([...hex(SUM_CALL), ...hex(SUM_ANSWER), 0, 0]);
      eachChunkSize(stream, (chunks) => {
        const parser = new BoxParser();
        const boxes = chunks.flatMap((c) => parser.push(c));
        assert.deepEqual(boxes.map(entries), [
          [
            ['_ask', '1'],
            ['_command', 'Sum'],
            ['a', '13'],
            ['b', '81'],
          ],
          [
            ['_answer', 'ff'],
            ['total', '3'],
          ],
          [],
        ]);
        assert.equal(parser.pending, 0);
      });
    });

    it('accepts keys in any order and an empty value', () => {
      const [box] = parseBoxes(hex('0001 62 0000 0001 61 0001 78 0000'));
      assert.deepEqual(entries(box as AmpBox), [
        ['b', ''],
        ['a', 'x'],
      ]);
    });

    it('counts the bytes of an unfinished box as pending', () => {
      const parser = new BoxParser();
      assert.deepEqual(parser.push(hex('0001 61 0003 78')), []);
      assert.equal(parser.pending, 6);
    });

    it('throws a remote TooLong for a key length of 256 or more', () => {
      for (const prefix of ['0100', 'ffff']) {
        const parser = new BoxParser();
        try {
          parser.push(hex(prefix));
          assert.fail('no error');
        } catch (e) {
          assert.instanceOf(e, TooLong);
          assert.deepEqual([e.isKey, e.isLocal], [true, false]);
        }
      }
    });

    it('throws MalformedAmpBox once a box grows past maxBoxLength, even before it is complete', () => {
      const parser = new BoxParser({ maxBoxLength: 14 });
      assert.deepEqual(parser.push(hex('0001 61 0005 6161616161')), []);
      assert.throws(() => parser.push(hex('0001 62 0005 62')), MalformedAmpBox);
      // A whole box of exactly the limit is fine.
      const ok = new BoxParser({ maxBoxLength: 12 });
      assert.lengthOf(ok.push(hex('0001 61 0005 6161616161 0000')), 1);
      // Bytes held while waiting for a long value count too.
      const waiting = new BoxParser({ maxBoxLength: 10 });
      waiting.push(hex('0001 61 ffff'));
      assert.throws(() => waiting.push(new Uint8Array(8)), MalformedAmpBox);
    });
  });
});

describe('parseBoxes', () => {
  it('returns the complete boxes and ignores an unfinished one, as amp.parseString', () => {
    const boxes = parseBoxes(new Uint8Array([...hex(SUM_ANSWER), ...utf8('\u0000\u0001a')]));
    assert.lengthOf(boxes, 1);
    assert.equal(boxes[0]?.getString('total'), '3');
  });
});
