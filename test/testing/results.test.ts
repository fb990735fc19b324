import { describe, expect, it } from 'vitest';

import {
  ConnectError,
  ConnectionRefusedError,
  Deferred,
  fail,
  succeed,
} from '../../src/core/index.js';
import {
  assertNoResult,
  failureResultOf,
  ResultAssertionError,
  successResultOf,
} from '../../src/testing/index.js';

/** What `d` holds now, read with an addBoth that leaves it in place. */
function current(d: Deferred): unknown {
  let seen: unknown = 'no result';
  d.addBoth((r) => {
    seen = r;
    return r;
  });
  return seen;
}

describe('successResultOf', () => {
  it('returns the value a fired Deferred holds', () => {
    expect(successResultOf(succeed(7))).toBe(7);
  });

  it('leaves the result in place: later callbacks still see it', () => {
    const d = succeed('kept');
    successResultOf(d);
    expect(successResultOf(d)).toBe('kept');
    expect(current(d)).toBe('kept');
  });

  it('throws ResultAssertionError saying there is no result when it has not fired', () => {
    expect(() => successResultOf(new Deferred())).toThrow(ResultAssertionError);
    expect(() => successResultOf(new Deferred())).toThrow(/found no result instead/);
  });

  it('reports no result for a paused Deferred that holds a value', () => {
    const d = succeed(1);
    d.pause();
    expect(() => successResultOf(d)).toThrow(/no result/);
  });

  it('throws with the traceback of a failure, and consumes that failure', () => {
    const d = fail(new RangeError('unexpected failure'));
    expect(() => successResultOf(d)).toThrow(
      /Success result expected, found failure result instead:\nRangeError: unexpected failure/,
    );
    expect(current(d)).toBeUndefined();
  });
});

describe('failureResultOf', () => {
  it('returns the Failure a failed Deferred holds', () => {
    const error = new Error('failed');
    const f = failureResultOf(fail(error));
    expect(f.value).toBe(error);
  });

  it('consumes the failure: the Deferred continues with undefined', () => {
    const d = fail(new Error('x'));
    failureResultOf(d);
    expect(current(d)).toBeUndefined();
  });

  it('accepts a failure matching one of the given types, including by superclass and by name', () => {
    expect(
      failureResultOf(fail(new ConnectionRefusedError()), TypeError, ConnectError).value,
    ).toBeInstanceOf(ConnectionRefusedError);
    expect(failureResultOf(fail(new RangeError('r')), 'RangeError').value).toBeInstanceOf(
      RangeError,
    );
  });

  it('throws naming the expected types when the failure matches none, still consuming it', () => {
    const d = fail(new RangeError('other kind'));
    expect(() => failureResultOf(d, TypeError, 'SyntaxError')).toThrow(
      /Failure of type \(TypeError, SyntaxError\) expected, found:\nRangeError: other kind/,
    );
    expect(current(d)).toBeUndefined();
  });

  it('throws when the Deferred succeeded, showing the value', () => {
    expect(() => failureResultOf(succeed(3))).toThrow(
      /Failure result expected, found success result \(3\) instead/,
    );
  });

  it('throws when the Deferred has no result yet', () => {
    expect(() => failureResultOf(new Deferred())).toThrow(ResultAssertionError);
    expect(() => failureResultOf(new Deferred())).toThrow(/found no result instead/);
  });
});

describe('assertNoResult', () => {
  it('passes for a Deferred that has not fired', () => {
    expect(() => {
      assertNoResult(new Deferred());
    }).not.toThrow();
  });

  it('passes for a Deferred waiting on another that has not fired', () => {
    const d = succeed(0).addCallback(() => new Deferred());
    expect(() => {
      assertNoResult(d);
    }).not.toThrow();
  });

  it('does not disturb the result that arrives later', () => {
    const d = new Deferred<string>();
    assertNoResult(d);
    d.callback('later');
    expect(successResultOf(d)).toBe('later');
  });

  it('throws when the Deferred has a value, and leaves the value in place', () => {
    const d = succeed('there');
    expect(() => {
      assertNoResult(d);
    }).toThrow(/No result expected on <Deferred current result: there>, found there instead/);
    expect(current(d)).toBe('there');
  });

  it('throws when the Deferred has failed, and consumes the failure', () => {
    const d = fail(new Error('failed already'));
    expect(() => {
      assertNoResult(d);
    }).toThrow(ResultAssertionError);
    expect(current(d)).toBeUndefined();
  });
});

describe('ResultAssertionError', () => {
  it('is an Error named ResultAssertionError', () => {
    const error = new ResultAssertionError('m');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ResultAssertionError');
  });
});
