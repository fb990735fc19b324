import { assert, describe, it } from 'vitest';

import { WeftError } from '../../../src/core/errors.js';
import {
  FramingError,
  LengthLimitExceededError,
  LineTooLongError,
  NetstringParseError,
  StringTooLongError,
} from '../../../src/protocols/basic/index.js';

describe('framing errors', () => {
  it('derive from FramingError and WeftError, with stable names', () => {
    const line = new LineTooLongError(Uint8Array.of(1), Uint8Array.of(1, 2), 0);
    const netstring = new NetstringParseError('missing-comma', 10);
    const length = new LengthLimitExceededError(11, 10);
    for (const [error, name] of [
      [line, 'LineTooLongError'],
      [netstring, 'NetstringParseError'],
      [length, 'LengthLimitExceededError'],
    ] as const) {
      assert.instanceOf(error, FramingError);
      assert.instanceOf(error, WeftError);
      assert.equal(error.name, name);
    }
    assert.notInstanceOf(line, NetstringParseError);
  });

  it('say what was wrong in their message and fields', () => {
    assert.match(new LineTooLongError(new Uint8Array(0), new Uint8Array(0), 7).message, /7 bytes/);
    assert.match(new NetstringParseError('too-long', 99).message, /maximum of 99/);
    assert.match(new NetstringParseError('missing-length', 99).message, /length/);
    assert.match(new NetstringParseError('missing-comma', 99).message, /","/);
    const length = new LengthLimitExceededError(11, 10);
    assert.deepEqual([length.length, length.maxLength], [11, 10]);
  });

  it('StringTooLongError is a WeftError, not a FramingError: it is the sender’s mistake', () => {
    const error = new StringTooLongError(256, 255);
    assert.instanceOf(error, WeftError);
    assert.isFalse(error instanceof FramingError);
    assert.equal(error.name, 'StringTooLongError');
    assert.match(error.message, /256 bytes.*at most 255/);
  });
});
