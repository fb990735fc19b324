import { describe, expect, it } from 'vitest';

import {
  ConnectError,
  ConnectingTimeoutError,
  ConnectionLost,
  ConnectionRefusedError,
  Deferred,
  Failure,
  fail,
  NoCurrentExceptionError,
  TimeoutError,
  UserError,
} from '../../src/core/index.js';
import { failureResultOf, successResultOf } from '../../src/testing/index.js';

class AppError extends Error {
  override name = 'AppError';
}
class SpecificAppError extends AppError {
  override name = 'SpecificAppError';
}

/** Runs `fn` and returns what it threw (or fails the test if it did not throw). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('Failure', () => {
  describe('constructor', () => {
    it('wraps an Error: value is the error and type its class', () => {
      const error = new RangeError('out of range');
      const f = new Failure(error);
      expect(f.value).toBe(error);
      expect(f.type).toBe(RangeError);
    });

    it('wraps a string, with the type "string"', () => {
      const f = new Failure('went wrong');
      expect(f.value).toBe('went wrong');
      expect(f.type).toBe('string');
    });

    it('wraps a number, with the type "number"', () => {
      const f = new Failure(42);
      expect(f.value).toBe(42);
      expect(f.type).toBe('number');
    });

    it('wraps undefined and null as values like any other', () => {
      expect(new Failure(undefined).type).toBe('undefined');
      expect(new Failure(null).value).toBeNull();
    });

    it('wraps a plain object, with its constructor as the type', () => {
      const value = { reason: 'x' };
      const f = new Failure(value);
      expect(f.value).toBe(value);
      expect(f.type).toBe(Object);
    });

    it('gives the type "Object" to an object with no prototype', () => {
      const value = Object.create(null) as object;
      expect(new Failure(value).type).toBe('Object');
    });

    it('throws NoCurrentExceptionError when called with no argument at all', () => {
      const NoArgs = Failure as unknown as new () => Failure;
      expect(() => new NoArgs()).toThrow(NoCurrentExceptionError);
    });

    it('copies a Failure it is given: a new Failure with the same value and type', () => {
      const original = new Failure(new TypeError('t'));
      const copy = new Failure(original);
      expect(copy).not.toBe(original);
      expect(copy.value).toBe(original.value);
      expect(copy.type).toBe(original.type);
      expect(copy.getTraceback()).toBe(original.getTraceback());
    });

    it('keeps where a non-Error value was wrapped when copied', () => {
      const original = new Failure('no stack of its own');
      expect(new Failure(original).getTraceback()).toBe(original.getTraceback());
    });
  });

  describe('from', () => {
    it('returns a Failure it is given as it is', () => {
      const f = new Failure(new Error('x'));
      expect(Failure.from(f)).toBe(f);
    });

    it('wraps any other value in a new Failure', () => {
      const error = new Error('fresh');
      const f = Failure.from(error);
      expect(f.value).toBe(error);
      expect(Failure.from(error)).not.toBe(f);
    });
  });

  describe('check', () => {
    it('returns the class when the value is an instance of it', () => {
      expect(new Failure(new RangeError('r')).check(RangeError)).toBe(RangeError);
    });

    it('matches a superclass of the value’s class', () => {
      expect(new Failure(new SpecificAppError('s')).check(AppError)).toBe(AppError);
      expect(new Failure(new RangeError('r')).check(Error)).toBe(Error);
    });

    it('returns the first of several types that matches, in the order given', () => {
      const f = new Failure(new SpecificAppError('s'));
      expect(f.check(TypeError, SpecificAppError, AppError)).toBe(SpecificAppError);
      expect(f.check(TypeError, AppError, SpecificAppError)).toBe(AppError);
    });

    it('returns null when nothing matches, or when given no types', () => {
      const f = new Failure(new RangeError('r'));
      expect(f.check(TypeError, AppError)).toBeNull();
      expect(f.check()).toBeNull();
    });

    it('follows weft’s error tree, including a ConnectingTimeoutError being a TimeoutError', () => {
      const refused = new Failure(new ConnectionRefusedError());
      expect(refused.check(ConnectError)).toBe(ConnectError);
      expect(refused.check(ConnectionLost)).toBeNull();
      const timedOut = new Failure(new ConnectingTimeoutError());
      expect(timedOut.check(TimeoutError)).toBe(TimeoutError);
      expect(timedOut.check(UserError)).toBe(UserError);
    });

    it('matches a weft error from another copy of the package through its brands', () => {
      const brands = ['ConnectionRefusedError', 'ConnectError', 'WeftError'].map((n) =>
        Symbol.for(`weft.error.${n}`),
      );
      const foreign = Object.assign(new Error('from another copy'), {
        [Symbol.for('weft.error.brands')]: brands,
      });
      expect(new Failure(foreign).check(ConnectError)).toBe(ConnectError);
    });

    it('matches by name: the error’s name or any class name up its prototype chain', () => {
      const f = new Failure(new SpecificAppError('s'));
      expect(f.check('SpecificAppError')).toBe('SpecificAppError');
      expect(f.check('AppError')).toBe('AppError');
      expect(f.check('Error')).toBe('Error');
      expect(f.check('TypeError')).toBeNull();
    });

    it('matches weft errors by their stable names, including ancestors', () => {
      const f = new Failure(new ConnectionRefusedError());
      expect(f.check('ConnectionRefusedError')).toBe('ConnectionRefusedError');
      expect(f.check('ConnectError')).toBe('ConnectError');
      expect(f.check('WeftError')).toBe('WeftError');
    });

    it('matches a value by the name it carries even when its class says otherwise', () => {
      const error = new Error('renamed');
      error.name = 'CustomName';
      expect(new Failure(error).check('CustomName')).toBe('CustomName');
    });

    it('matches a primitive by its typeof name', () => {
      expect(new Failure('s').check('string')).toBe('string');
      expect(new Failure(1).check('string', 'number')).toBe('number');
    });
  });

  describe('trap', () => {
    it('returns the matching type', () => {
      expect(new Failure(new RangeError('r')).trap(TypeError, RangeError)).toBe(RangeError);
    });

    it('rethrows the original value, not the Failure, when nothing matches', () => {
      const error = new RangeError('r');
      const f = new Failure(error);
      expect(thrownBy(() => f.trap(TypeError))).toBe(error);
    });

    it('lets Failure.from recover the same Failure from the value it rethrew', () => {
      const f = new Failure(new RangeError('r'));
      const caught = thrownBy(() => f.trap(TypeError));
      expect(Failure.from(caught)).toBe(f);
    });

    it('rethrows a primitive value as it is', () => {
      const f = new Failure('plain');
      expect(thrownBy(() => f.trap(Error))).toBe('plain');
    });

    it('passes the same Failure on when an errback traps the wrong type', () => {
      const d = fail(new RangeError('not what you want'));
      const original = failureResultOfWithoutConsuming(d);
      d.addErrback((f) => f.trap(TypeError));
      expect(failureResultOf(d)).toBe(original);
    });

    it('gives errbacks the original Failure when a value rethrown by trap is passed to errback', () => {
      const f = new Failure(new RangeError('r'));
      const d = new Deferred();
      d.errback(thrownBy(() => f.trap(TypeError)));
      expect(failureResultOf(d)).toBe(f);
    });

    it('lets an errback that traps the right type recover the chain', () => {
      const d = fail(new ConnectionRefusedError()).addErrback((f) => {
        f.trap(ConnectError);
        return 'offline';
      });
      expect(successResultOf(d)).toBe('offline');
    });
  });

  describe('raiseException', () => {
    it('throws the original value, which Failure.from maps back to this Failure', () => {
      const error = new Error('raise me');
      const f = new Failure(error);
      const caught = thrownBy(() => f.raiseException());
      expect(caught).toBe(error);
      expect(Failure.from(caught)).toBe(f);
    });

    it('keeps the same Failure through a Deferred when a callback rethrows it', () => {
      const f = new Failure(new Error('through the chain'));
      const d = new Deferred();
      d.addCallback(() => f.raiseException());
      d.callback(undefined);
      expect(failureResultOf(d)).toBe(f);
    });
  });

  describe('throwExceptionIntoGenerator', () => {
    it('throws the value into the generator, which can catch it and recover this Failure', () => {
      const f = new Failure(new Error('into the generator'));
      const recovered: Failure[] = [];
      function* gen(): Generator<string, string, unknown> {
        try {
          yield 'waiting';
        } catch (e) {
          recovered.push(Failure.from(e));
          yield 'caught';
        }
        return 'done';
      }
      const g = gen();
      g.next();
      const step = f.throwExceptionIntoGenerator(g);
      expect(step).toEqual({ value: 'caught', done: false });
      expect(recovered).toEqual([f]);
      expect(recovered[0]).toBe(f);
    });

    it('propagates the value out when the generator does not catch it', () => {
      const error = new Error('uncaught');
      function* gen(): Generator<number, void, unknown> {
        yield 1;
      }
      const g = gen();
      g.next();
      expect(thrownBy(() => new Failure(error).throwExceptionIntoGenerator(g))).toBe(error);
    });
  });

  describe('getErrorMessage', () => {
    it('gives an Error’s message', () => {
      expect(new Failure(new Error('the message')).getErrorMessage()).toBe('the message');
    });

    it('gives a string value as it is and other primitives as text', () => {
      expect(new Failure('text').getErrorMessage()).toBe('text');
      expect(new Failure(42).getErrorMessage()).toBe('42');
      expect(new Failure(undefined).getErrorMessage()).toBe('undefined');
    });

    it('gives the message of a non-Error object that has a string message', () => {
      expect(new Failure({ message: 'from object' }).getErrorMessage()).toBe('from object');
    });

    it('falls back to the object’s text when it has no message', () => {
      expect(new Failure({ code: 1 }).getErrorMessage()).toBe('[object Object]');
    });

    it('says a value is unprintable when turning it into text throws', () => {
      const value = Object.create(null) as object;
      expect(new Failure(value).getErrorMessage()).toBe('<unprintable Object>');
    });
  });

  describe('getTraceback', () => {
    it('includes the error’s stack, which starts with its name and message', () => {
      const error = new RangeError('deep');
      const tb = new Failure(error).getTraceback();
      expect(tb).toContain(error.stack);
      expect(tb.startsWith('RangeError: deep')).toBe(true);
      expect(tb).toContain('failure.test.ts');
    });

    it('follows the cause chain, each cause after a "Caused by:" line', () => {
      const root = new TypeError('root cause');
      const middle = new Error('middle', { cause: root });
      const top = new Error('top', { cause: middle });
      const tb = new Failure(top).getTraceback();
      const lines = tb.split('\n');
      expect(lines.filter((l) => l === 'Caused by:')).toHaveLength(2);
      expect(tb.indexOf('Error: top')).toBeLessThan(tb.indexOf('Error: middle'));
      expect(tb.indexOf('Error: middle')).toBeLessThan(tb.indexOf('TypeError: root cause'));
    });

    it('shows a cause that is not an Error by its type and text', () => {
      const tb = new Failure(new Error('top', { cause: 'a string cause' })).getTraceback();
      expect(tb).toContain('Caused by:\nstring: a string cause');
    });

    it('stops at a cycle of causes', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      a.cause = b;
      const tb = new Failure(a).getTraceback();
      expect(tb.split('\n').filter((l) => l === 'Caused by:')).toHaveLength(1);
    });

    it('shows a non-Error value by type and text, and where it was wrapped', () => {
      const tb = new Failure('plain text').getTraceback();
      expect(tb.startsWith('string: plain text\n')).toBe(true);
      expect(tb).toContain('failure.test.ts');
    });

    it('uses the name and message of an Error without a stack', () => {
      const error = new Error('stackless');
      error.stack = undefined as unknown as string;
      expect(new Failure(error).getTraceback()).toBe('Error: stackless');
    });
  });

  describe('getBriefTraceback', () => {
    it('gives one line: the type’s name and the message', () => {
      expect(new Failure(new RangeError('short')).getBriefTraceback()).toBe('RangeError: short');
      expect(new Failure('s').getBriefTraceback()).toBe('string: s');
    });

    it('names weft errors by their class', () => {
      expect(new Failure(new ConnectionLost()).getBriefTraceback()).toBe(
        'ConnectionLost: Connection to the other side was lost in a non-clean fashion',
      );
    });
  });

  describe('toString', () => {
    it('wraps the traceback in "[Failure instance: ...]"', () => {
      const f = new Failure(new Error('printed'));
      expect(f.toString()).toBe(`[Failure instance: ${f.getTraceback()}]`);
      expect(String(f).startsWith('[Failure instance: Error: printed')).toBe(true);
    });
  });

  describe('cleanFailure', () => {
    it('does nothing visible: value and traceback stay the same', () => {
      const error = new Error('clean');
      const f = new Failure(error);
      const before = f.getTraceback();
      f.cleanFailure();
      expect(f.value).toBe(error);
      expect(f.getTraceback()).toBe(before);
    });
  });
});

/** The Failure `d` currently holds, leaving it in place. */
function failureResultOfWithoutConsuming(d: Deferred): Failure {
  let held: unknown;
  d.addErrback((f) => {
    held = f;
    return f;
  });
  if (!(held instanceof Failure)) throw new Error('expected a failure result');
  return held;
}
