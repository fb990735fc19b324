import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  AlreadyCalledError,
  CancelledError,
  Deferred,
  Failure,
  fail,
  getDebugging,
  globalLogPublisher,
  maybeDeferred,
  passthru,
  setDebugging,
  succeed,
  TimeoutError,
} from '../../src/core/index.js';
import type { LogEvent } from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';

/** Records every event published while `body` runs. */
function capturingLog<R>(body: (events: LogEvent[]) => R): R {
  const events: LogEvent[] = [];
  const observer = (event: LogEvent): void => {
    events.push(event);
  };
  globalLogPublisher.addObserver(observer);
  try {
    return body(events);
  } finally {
    globalLogPublisher.removeObserver(observer);
  }
}

/** A thenable whose settlement the test drives synchronously. */
function manualThenable<T>(): {
  thenable: PromiseLike<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let onFulfilled: ((value: T) => unknown) | null | undefined;
  let onRejected: ((reason: unknown) => unknown) | null | undefined;
  const thenable = {
    then(res?: ((value: T) => unknown) | null, rej?: ((reason: unknown) => unknown) | null) {
      onFulfilled = res;
      onRejected = rej;
      return thenable;
    },
  } as unknown as PromiseLike<T>;
  return {
    thenable,
    resolve: (value) => onFulfilled?.(value),
    reject: (reason) => onRejected?.(reason),
  };
}

describe('Deferred', () => {
  describe('callback', () => {
    it('runs the whole chain synchronously before callback() returns', () => {
      const d = new Deferred<number>();
      const seen: number[] = [];
      d.addCallback((n) => n + 1).addCallback((n) => {
        seen.push(n);
      });
      expect(seen).toEqual([]);
      d.callback(1);
      expect(seen).toEqual([2]);
    });

    it('runs a callback added after firing at once, inside addCallback', () => {
      const d = succeed('done');
      const seen: string[] = [];
      d.addCallback((v) => {
        seen.push(v);
      });
      expect(seen).toEqual(['done']);
    });

    it('hands each callback the previous return value, and undefined after one that returns nothing', () => {
      const seen: unknown[] = [];
      const d = new Deferred<number>();
      d.addCallback((n) => n * 10)
        .addCallback((n) => {
          seen.push(n);
        })
        .addCallback((v) => {
          seen.push(v);
        });
      d.callback(3);
      expect(seen).toEqual([30, undefined]);
    });

    it('marks the Deferred as called', () => {
      const d = new Deferred();
      expect(d.called).toBe(false);
      d.callback(undefined);
      expect(d.called).toBe(true);
    });

    it('treats callback(aFailure) exactly as errback(aFailure): errbacks get the same Failure', () => {
      const failure = new Failure(new RangeError('bad'));
      const d = new Deferred<number>();
      const callbacks: unknown[] = [];
      const errbacks: Failure[] = [];
      d.addCallbacks(
        (v) => callbacks.push(v),
        (f) => errbacks.push(f),
      );
      d.callback(failure);
      expect(callbacks).toEqual([]);
      expect(errbacks).toHaveLength(1);
      expect(errbacks[0]).toBe(failure);
    });

    it('throws AlreadyCalledError when called a second time, and keeps the first result', () => {
      const d = new Deferred<number>();
      d.callback(1);
      expect(() => {
        d.callback(2);
      }).toThrow(AlreadyCalledError);
      expect(successResultOf(d)).toBe(1);
    });

    it('throws AlreadyCalledError on errback after callback, and on callback after errback', () => {
      const a = new Deferred();
      a.callback(1);
      expect(() => {
        a.errback(new Error('late'));
      }).toThrow(AlreadyCalledError);

      const b = new Deferred();
      b.errback(new Error('first'));
      expect(() => {
        b.callback(1);
      }).toThrow(AlreadyCalledError);
      failureResultOf(b);
    });

    it('refuses a Deferred as the result with a TypeError and stays unfired', () => {
      const d = new Deferred<unknown>();
      expect(() => {
        d.callback(new Deferred());
      }).toThrow(TypeError);
      expect(d.called).toBe(false);
      d.callback('fine');
      expect(successResultOf(d)).toBe('fine');
    });
  });

  describe('errback', () => {
    it('wraps a plain error in a Failure whose value is that error', () => {
      const error = new Error('boom');
      const d = new Deferred();
      d.errback(error);
      const f = failureResultOf(d);
      expect(f).toBeInstanceOf(Failure);
      expect(f.value).toBe(error);
    });

    it('wraps thrown values that are not Errors, such as strings', () => {
      const d = fail('just a string');
      const f = failureResultOf(d);
      expect(f.value).toBe('just a string');
      expect(f.type).toBe('string');
    });

    it('passes an errback the Failure it was given, not a copy', () => {
      const failure = new Failure(new Error('x'));
      const d = new Deferred();
      d.errback(failure);
      expect(failureResultOf(d)).toBe(failure);
    });

    it('skips callbacks until an errback handles the failure', () => {
      const order: string[] = [];
      const d = new Deferred<number>();
      d.addCallback(() => order.push('callback 1'))
        .addErrback(() => {
          order.push('errback');
          return 'recovered';
        })
        .addCallback((v) => order.push(`callback 2 got ${String(v)}`));
      d.errback(new Error('x'));
      expect(order).toEqual(['errback', 'callback 2 got recovered']);
    });
  });

  describe('addCallbacks', () => {
    it('runs exactly one side of a pair: the errback does not see its own callback’s exception', () => {
      const d = new Deferred<number>();
      const pairErrback: Failure[] = [];
      const laterErrback: Failure[] = [];
      d.addCallbacks(
        () => {
          throw new Error('from callback');
        },
        (f) => pairErrback.push(f),
      ).addErrback((f) => laterErrback.push(f));
      d.callback(1);
      expect(pairErrback).toEqual([]);
      expect(laterErrback).toHaveLength(1);
      expect(laterErrback[0]?.getErrorMessage()).toBe('from callback');
    });

    it('does not run the callback of a pair whose errback recovered, but the next pair’s callback', () => {
      const order: string[] = [];
      const d = new Deferred<number>();
      d.addCallbacks(
        () => order.push('cb1'),
        () => {
          order.push('eb1');
          return 5;
        },
      ).addCallbacks(
        (v) => order.push(`cb2(${String(v)})`),
        () => order.push('eb2'),
      );
      d.errback(new Error('x'));
      expect(order).toEqual(['eb1', 'cb2(5)']);
    });

    it('passes callbackArgs after the result and errbackArgs after the Failure', () => {
      const seen: unknown[][] = [];
      const ok = new Deferred<string>();
      ok.addCallbacks(
        (r: string, a: number, b: string) => seen.push([r, a, b]),
        (f: Failure, x: boolean) => seen.push([f, x]),
        { callbackArgs: [1, 'two'], errbackArgs: [true] },
      );
      ok.callback('res');

      const bad = new Deferred<string>();
      const error = new Error('e');
      bad.addCallbacks(
        (r: string, a: number) => seen.push([r, a]),
        (f: Failure, x: boolean, y: string) => seen.push([f.value, x, y]),
        { callbackArgs: [1], errbackArgs: [false, 'why'] },
      );
      bad.errback(error);
      expect(seen).toEqual([
        ['res', 1, 'two'],
        [error, false, 'why'],
      ]);
    });

    it('lets a failure pass by unchanged when the errback is null', () => {
      const d = new Deferred<number>();
      d.addCallbacks((n) => n + 1, null);
      d.errback(new Error('still failing'));
      expect(failureResultOf(d).getErrorMessage()).toBe('still failing');
    });
  });

  describe('addCallback, addErrback and addBoth', () => {
    it('passes extra arguments to addCallback’s callback after the result', () => {
      const d = succeed(2).addCallback((n, k: number, label: string) => `${label}${n * k}`, 3, '=');
      expect(successResultOf(d)).toBe('=6');
    });

    it('passes extra arguments to addErrback’s errback after the Failure', () => {
      const seen: unknown[] = [];
      fail(new Error('x')).addErrback(
        (f, a: string, b: number) => seen.push(f.getErrorMessage(), a, b),
        'a',
        7,
      );
      expect(seen).toEqual(['x', 'a', 7]);
    });

    it('calls addBoth’s function with the value or the Failure, plus its extra arguments', () => {
      const seen: unknown[] = [];
      const record = (r: unknown, tag: string) => {
        seen.push([r instanceof Failure ? r.getErrorMessage() : r, tag]);
      };
      succeed(1).addBoth(record, 'ok');
      fail(new Error('bad')).addBoth(record, 'err');
      expect(seen).toEqual([
        [1, 'ok'],
        ['bad', 'err'],
      ]);
    });

    it('returns the same Deferred from every add method, for chaining', () => {
      const d = new Deferred<number>();
      expect(d.addCallback((n) => n)).toBe(d);
      expect(d.addErrback(() => 0)).toBe(d);
      expect(d.addBoth((r) => r)).toBe(d);
      expect(d.addCallbacks((r) => r)).toBe(d);
      d.callback(1);
    });

    it('treats passthru as the identity', () => {
      const value = { a: 1 };
      expect(passthru(value)).toBe(value);
      expect(successResultOf(succeed(value).addCallback(passthru))).toBe(value);
    });
  });

  describe('switching between the success and error paths', () => {
    it('moves to the error path when a callback throws', () => {
      const error = new TypeError('nope');
      const d = succeed(1).addCallback(() => {
        throw error;
      });
      expect(failureResultOf(d).value).toBe(error);
    });

    it('moves to the error path when a callback returns a Failure, passing that same Failure on', () => {
      const failure = new Failure(new Error('returned'));
      const d = succeed(1).addCallback(() => failure);
      expect(failureResultOf(d)).toBe(failure);
    });

    it('stays on the error path when an errback throws or returns a Failure', () => {
      const second = new Error('second');
      const d = fail(new Error('first'))
        .addErrback(() => {
          throw second;
        })
        .addErrback((f) => new Failure(new Error(`third after ${f.getErrorMessage()}`)));
      expect(failureResultOf(d).getErrorMessage()).toBe('third after second');
    });

    it('moves back to the success path when an errback returns a value, even undefined', () => {
      const a = fail(new Error('x')).addErrback(() => 'value');
      expect(successResultOf(a)).toBe('value');
      const b: Deferred = fail(new Error('x')).addErrback(() => undefined);
      expect(successResultOf(b)).toBeUndefined();
    });
  });

  describe('re-entrancy', () => {
    it('runs each step once when code between steps (a then getter) adds a callback', () => {
      const order: string[] = [];
      const d = new Deferred<number>();
      let added = false;
      d.addCallback(() => {
        order.push('step1');
        return {
          get then() {
            if (!added) {
              added = true;
              d.addCallback(() => {
                order.push('late');
                return 0;
              });
            }
            return undefined;
          },
        };
      });
      d.addCallback((x) => {
        order.push('step2');
        return x;
      });
      d.callback(0);
      expect(order).toEqual(['step1', 'step2', 'late']);
    });

    it('appends a callback added by a running callback and runs it in the same loop, after the others', () => {
      const d = new Deferred();
      const called: number[] = [];
      d.addCallback(() => {
        called.push(1);
        d.addCallback(() => called.push(3));
        expect(called).toEqual([1]);
      });
      d.addCallback(() => called.push(2));
      d.callback(undefined);
      expect(called).toEqual([1, 2, 3]);
    });

    it('hands the exception of a re-entrantly added callback to the next errback', () => {
      const d = new Deferred();
      d.addCallback(() => {
        d.addCallback(() => {
          throw new Error('added late');
        });
      });
      d.callback(undefined);
      expect(failureResultOf(d).getErrorMessage()).toBe('added late');
    });

    it('lets a callback fire another Deferred whose callbacks then run to completion first', () => {
      const other = new Deferred<string>();
      const order: string[] = [];
      other.addCallback((v) => order.push(`other ${v}`));
      const d = new Deferred();
      d.addCallback(() => {
        other.callback('x');
        order.push('d after other');
      });
      d.callback(undefined);
      expect(order).toEqual(['other x', 'd after other']);
    });
  });

  describe('returning a Deferred from a callback', () => {
    it('takes over the result of an already-fired Deferred at once and leaves it undefined', () => {
      const inner = succeed('inner result');
      const outer = new Deferred();
      outer.addCallback(() => inner);
      outer.callback(undefined);
      expect(successResultOf(outer)).toBe('inner result');
      expect(successResultOf(inner)).toBeUndefined();
    });

    it('pauses the chain until an unfired Deferred fires, then continues with its result', () => {
      const inner = new Deferred<number>();
      const outer = new Deferred<string>();
      const seen: unknown[] = [];
      outer.addCallback(() => inner).addCallback((n) => seen.push(n));
      outer.callback('go');
      expect(seen).toEqual([]);
      assertNoResult(outer);
      inner.callback(42);
      expect(seen).toEqual([42]);
    });

    it('queues callbacks added to the waiting Deferred until the inner one fires', () => {
      const inner = new Deferred<number>();
      const outer = succeed(0).addCallback(() => inner);
      const seen: number[] = [];
      outer.addCallback((n) => seen.push(n));
      expect(seen).toEqual([]);
      inner.callback(9);
      expect(seen).toEqual([9]);
    });

    it('leaves the inner Deferred with undefined, so its own later callbacks see undefined', () => {
      const inner = new Deferred<string>();
      const outer = succeed(0).addCallback(() => inner);
      inner.callback('taken');
      const innerSeen: unknown[] = [];
      inner.addCallback((v) => innerSeen.push(v));
      expect(innerSeen).toEqual([undefined]);
      expect(successResultOf(outer)).toBe('taken');
    });

    it('moves the inner failure to the outer Deferred and leaves the inner with undefined, not failed', () => {
      const inner = new Deferred();
      const outer = succeed(0).addCallback(() => inner);
      const error = new Error('inner failed');
      inner.errback(error);
      const innerSeen: unknown[] = [];
      inner.addCallbacks(
        (v) => innerSeen.push(['ok', v]),
        (f) => innerSeen.push(['err', f]),
      );
      expect(innerSeen).toEqual([['ok', undefined]]);
      expect(failureResultOf(outer).value).toBe(error);
    });

    it('takes over an already-failed inner Deferred as a failure of the outer', () => {
      const inner = fail(new RangeError('already failed'));
      const outer = succeed(0).addCallback(() => inner);
      expect(failureResultOf(outer, RangeError).getErrorMessage()).toBe('already failed');
      expect(successResultOf(inner)).toBeUndefined();
    });

    it('runs callbacks added to the inner Deferred before it was returned first', () => {
      const inner = new Deferred<number>();
      inner.addCallback((n) => n * 2);
      const outer = succeed(0).addCallback(() => inner);
      inner.callback(21);
      expect(successResultOf(outer)).toBe(42);
    });

    it('does not steal the result of a paused inner Deferred until it is unpaused', () => {
      const paused = succeed('expected');
      paused.pause();
      const outer = succeed(0).addCallback(() => paused);
      const seen: unknown[] = [];
      outer.addCallback((v) => seen.push(v));
      expect(seen).toEqual([]);
      paused.unpause();
      expect(seen).toEqual(['expected']);
    });

    it('lets the inner Deferred finish its callbacks even when the waiting one is paused', () => {
      const first = new Deferred();
      const second = new Deferred();
      first.addCallback(() => second);
      first.callback(undefined);
      first.pause();
      second.callback(undefined);
      const seen: unknown[] = [];
      second.addCallback((v) => seen.push(v));
      expect(seen).toEqual([undefined]);
    });

    it('is transitive: when C is returned to B and B to A, firing C fires A', () => {
      const a = new Deferred();
      const b = new Deferred();
      const c = new Deferred<string>();
      b.addCallback(() => c);
      a.addCallback(() => b);
      const seen: unknown[] = [];
      a.addCallback((v) => seen.push(v));
      b.callback(undefined);
      a.callback(undefined);
      expect(seen).toEqual([]);
      c.callback('from c');
      expect(seen).toEqual(['from c']);
    });

    it('runs callbacks of a nested inner Deferred in order when fired out of order', () => {
      const results: unknown[] = [];
      const innermost = new Deferred<string>();
      const outer = succeed('outer');
      outer.addCallback((r) => {
        results.push(['start', r]);
        const d = succeed('inner');
        d.addCallback((v) => {
          results.push(['first', v]);
          return innermost;
        }).addCallback((v) => {
          results.push(['second', v]);
          return v + v;
        });
        return d;
      });
      outer.addCallback((v) => results.push(v));
      expect(results).toEqual([
        ['start', 'outer'],
        ['first', 'inner'],
      ]);
      innermost.callback('orange');
      expect(results).toEqual([
        ['start', 'outer'],
        ['first', 'inner'],
        ['second', 'orange'],
        'orangeorange',
      ]);
    });

    it('runs callbacks added to the middle of a chain once the last Deferred fires', () => {
      const first = new Deferred();
      const second = new Deferred();
      const third = new Deferred();
      first.addCallback(() => second);
      second.addCallback(() => third);
      second.callback(undefined);
      first.callback(undefined);
      third.callback(undefined);
      const seen: unknown[] = [];
      second.addCallback((v) => seen.push(v));
      expect(seen).toEqual([undefined]);
    });

    it('logs a warning and fails with TypeError when a callback returns the Deferred it is attached to', () => {
      capturingLog((events) => {
        const d = new Deferred<string>();
        d.addCallback(() => d);
        d.callback('foo');
        expect(failureResultOf(d, TypeError).getErrorMessage()).toMatch(/attached to/);
        const warnings = events.filter((e) => e.log_level === 'warn');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.log_format).toMatch(/returned the Deferred it was attached to/);
        expect(warnings[0]?.log_namespace).toBe('weft.defer');
      });
    });
  });

  describe('returning a promise or thenable from a callback', () => {
    it('pauses the chain until a thenable settles, then continues with its value', () => {
      const { thenable, resolve } = manualThenable<number>();
      const seen: unknown[] = [];
      const d = succeed(0).addCallback(() => thenable);
      d.addCallback((n) => seen.push(n));
      expect(seen).toEqual([]);
      resolve(5);
      expect(seen).toEqual([5]);
    });

    it('moves to the error path with the original reason when a thenable rejects', () => {
      const { thenable, reject } = manualThenable<number>();
      const d = succeed(0).addCallback(() => thenable);
      const reason = new Error('rejected');
      reject(reason);
      expect(failureResultOf(d).value).toBe(reason);
    });

    it('continues at once with a thenable that resolves synchronously inside then()', () => {
      const eager = {
        then(onFulfilled: (value: string) => unknown) {
          onFulfilled('eager');
        },
      } as unknown as PromiseLike<string>;
      expect(successResultOf(succeed(0).addCallback(() => eager))).toBe('eager');
    });

    it('follows a native promise, continuing after it resolves', async () => {
      const p = Promise.resolve('from promise');
      const seen: unknown[] = [];
      succeed(0)
        .addCallback(() => p)
        .addCallback((v) => seen.push(v));
      expect(seen).toEqual([]);
      await p;
      expect(seen).toEqual(['from promise']);
    });

    it('fails when reading `then` on the returned object throws', () => {
      const error = new Error('then getter');
      const hostile = {
        get then(): unknown {
          throw error;
        },
      };
      const d = succeed(0).addCallback(() => hostile);
      expect(failureResultOf(d).value).toBe(error);
    });

    it('fails when calling the thenable’s `then` throws', () => {
      const error = new Error('then call');
      const hostile = {
        then(): never {
          throw error;
        },
      };
      const d = succeed(0).addCallback(() => hostile as unknown as PromiseLike<number>);
      expect(failureResultOf(d).value).toBe(error);
    });

    it('passes an object with a non-function `then` through as a plain value', () => {
      const value = { then: 5 };
      expect(successResultOf(succeed(0).addCallback(() => value))).toBe(value);
    });
  });

  describe('pause and unpause', () => {
    it('holds the result until unpause, then runs the chain', () => {
      const d = new Deferred<number>();
      d.pause();
      const seen: number[] = [];
      d.addCallback((n) => seen.push(n));
      d.callback(1);
      expect(seen).toEqual([]);
      expect(d.paused).toBe(1);
      d.unpause();
      expect(d.paused).toBe(0);
      expect(seen).toEqual([1]);
    });

    it('counts pauses: two pauses need two unpauses', () => {
      const d = succeed(1);
      d.pause();
      d.pause();
      const seen: number[] = [];
      d.addCallback((n) => seen.push(n));
      d.unpause();
      expect(seen).toEqual([]);
      d.unpause();
      expect(seen).toEqual([1]);
    });

    it('ignores an unpause without a matching pause', () => {
      const d = new Deferred<number>();
      d.unpause();
      expect(d.paused).toBe(0);
      d.pause();
      d.callback(1);
      d.unpause();
      expect(successResultOf(d)).toBe(1);
    });

    it('does not run anything on unpause when it has not fired yet', () => {
      const d = new Deferred<number>();
      const seen: number[] = [];
      d.addCallback((n) => seen.push(n));
      d.pause();
      d.unpause();
      expect(seen).toEqual([]);
      d.callback(3);
      expect(seen).toEqual([3]);
    });
  });

  describe('chainDeferred', () => {
    it('fires the other Deferred with this one’s result and continues with undefined', () => {
      const a = new Deferred<number>();
      const b = new Deferred<number>();
      a.chainDeferred(b);
      a.callback(7);
      expect(successResultOf(b)).toBe(7);
      expect(successResultOf(a)).toBeUndefined();
    });

    it('errbacks the other Deferred with this one’s Failure and leaves this one handled', () => {
      const a = new Deferred<number>();
      const b = new Deferred<number>();
      a.chainDeferred(b);
      const failure = new Failure(new Error('x'));
      a.errback(failure);
      expect(failureResultOf(b)).toBe(failure);
      expect(successResultOf(a)).toBeUndefined();
    });
  });

  describe('cancel', () => {
    it('fails an unfired Deferred without a canceller with CancelledError', () => {
      const d = new Deferred();
      d.cancel();
      const f = failureResultOf(d, CancelledError);
      expect(f.value).toBeInstanceOf(CancelledError);
    });

    it('gives the CancelledError code ABORT_ERR, as Node’s AbortError', () => {
      const d = new Deferred();
      d.cancel();
      expect((failureResultOf(d).value as CancelledError).code).toBe('ABORT_ERR');
    });

    it('swallows exactly one later callback after cancelling with no canceller; a second one throws', () => {
      const d = new Deferred<number>();
      d.cancel();
      d.callback(1);
      expect(() => {
        d.callback(2);
      }).toThrow(AlreadyCalledError);
      failureResultOf(d, CancelledError);
    });

    it('swallows exactly one later errback after cancelling with no canceller; a second one throws', () => {
      const d = new Deferred<number>();
      d.cancel();
      d.errback(new Error('late'));
      expect(() => {
        d.errback(new Error('later'));
      }).toThrow(AlreadyCalledError);
      failureResultOf(d, CancelledError);
    });

    it('is harmless when repeated, even after the one late fire was swallowed', () => {
      const d = new Deferred<number>();
      d.cancel();
      d.cancel();
      d.callback(1);
      d.cancel();
      failureResultOf(d, CancelledError);
    });

    it('calls the canceller once with the Deferred, and repeated cancels do nothing more', () => {
      const calls: unknown[] = [];
      const d = new Deferred((deferred) => calls.push(deferred));
      d.cancel();
      d.cancel();
      expect(calls).toEqual([d]);
      failureResultOf(d, CancelledError);
    });

    it('lets a canceller that errbacks decide the failure', () => {
      const error = new RangeError('canceller chose this');
      const d = new Deferred((self) => {
        self.errback(error);
      });
      d.cancel();
      expect(failureResultOf(d).value).toBe(error);
    });

    it('lets a canceller that callbacks decide a successful result', () => {
      const d = new Deferred<string>((self) => {
        self.callback('cancelled nicely');
      });
      d.cancel();
      expect(successResultOf(d)).toBe('cancelled nicely');
    });

    it('fails with CancelledError when the canceller does not fire, and a later fire throws AlreadyCalledError', () => {
      const d = new Deferred<number>(() => undefined);
      d.cancel();
      failureResultOf(d, CancelledError);
      expect(() => {
        d.callback(1);
      }).toThrow(AlreadyCalledError);
    });

    it('does nothing once the Deferred has fired', () => {
      const calls: number[] = [];
      const d = new Deferred<number>(() => calls.push(1));
      d.callback(5);
      d.cancel();
      expect(calls).toEqual([]);
      expect(successResultOf(d)).toBe(5);

      const failed = fail(new Error('x'));
      failed.cancel();
      expect(failureResultOf(failed).getErrorMessage()).toBe('x');
    });

    it('cancels the inner Deferred a fired Deferred is waiting on, and the outer gets its CancelledError', () => {
      const innerCancels: unknown[] = [];
      const inner = new Deferred((self) => innerCancels.push(self));
      const outer = succeed(0).addCallback(() => inner);
      outer.cancel();
      expect(innerCancels).toEqual([inner]);
      failureResultOf(outer, CancelledError);
      expect(successResultOf(inner)).toBeUndefined();
    });

    it('sets the CancelledError cause to the reason given and hands the reason to the canceller', () => {
      const reason = new Error('user pressed stop');
      const seen: unknown[] = [];
      const d = new Deferred((_, why) => seen.push(why));
      d.cancel(reason);
      expect(seen).toEqual([reason]);
      const error = failureResultOf(d, CancelledError).value as CancelledError;
      expect(error.cause).toBe(reason);
    });

    it('hands the canceller the CancelledError that will be used when no reason is given', () => {
      let given: unknown;
      const d = new Deferred((_, why) => {
        given = why;
      });
      d.cancel();
      const error = failureResultOf(d).value;
      expect(given).toBe(error);
      expect((error as CancelledError).cause).toBeUndefined();
    });

    it('forwards the reason to the inner Deferred it is waiting on', () => {
      const inner = new Deferred();
      const outer = succeed(0).addCallback(() => inner);
      outer.cancel('why');
      expect((failureResultOf(outer, CancelledError).value as CancelledError).cause).toBe('why');
    });

    it('propagates an exception thrown by the canceller to the caller of cancel', () => {
      const error = new Error('canceller broke');
      const d = new Deferred(() => {
        throw error;
      });
      expect(() => {
        d.cancel();
      }).toThrow(error);
    });
  });

  describe('addTimeout', () => {
    it('fails with TimeoutError carrying the limit once the time passes', () => {
      const clock = new Clock();
      const d = new Deferred().addTimeout(10, clock);
      clock.advance(9.999);
      assertNoResult(d);
      clock.advance(0.001);
      const error = failureResultOf(d, TimeoutError).value as TimeoutError;
      expect(error.timeout).toBe(10);
    });

    it('shows callbacks added before it a CancelledError whose cause is the TimeoutError', () => {
      const clock = new Clock();
      const d = new Deferred();
      const before: Failure[] = [];
      d.addErrback((f) => {
        before.push(f);
        return f;
      });
      d.addTimeout(5, clock);
      clock.advance(5);
      expect(before).toHaveLength(1);
      const cancelled = before[0]?.value;
      expect(cancelled).toBeInstanceOf(CancelledError);
      expect((cancelled as CancelledError).cause).toBeInstanceOf(TimeoutError);
      expect(((cancelled as CancelledError).cause as TimeoutError).timeout).toBe(5);
      const after = failureResultOf(d, TimeoutError).value;
      expect(after).toBe((cancelled as CancelledError).cause);
    });

    it('succeeds when an errback added before it suppresses the CancelledError', () => {
      const clock = new Clock();
      const d = new Deferred<string>();
      d.addErrback((f) => {
        f.trap(CancelledError);
        return 'suppressed';
      });
      d.addTimeout(10, clock);
      clock.advance(15);
      expect(successResultOf(d)).toBe('suppressed');
    });

    it('cancels its timer when the Deferred fires first, and passes the result through', () => {
      const clock = new Clock();
      const d = new Deferred<string>().addTimeout(10, clock);
      expect(clock.getDelayedCalls()).toHaveLength(1);
      clock.advance(5);
      d.callback('in time');
      expect(clock.getDelayedCalls()).toEqual([]);
      expect(successResultOf(d)).toBe('in time');
    });

    it('passes a failure that arrives in time through unchanged and cancels its timer', () => {
      const clock = new Clock();
      const d = new Deferred().addTimeout(10, clock);
      const error = new RangeError('real failure');
      d.errback(error);
      expect(clock.getDelayedCalls()).toEqual([]);
      expect(failureResultOf(d).value).toBe(error);
    });

    it('leaves no timer behind when added to a Deferred that has already fired', () => {
      const clock = new Clock();
      const d = succeed(3).addTimeout(10, clock);
      expect(clock.getDelayedCalls()).toEqual([]);
      expect(successResultOf(d)).toBe(3);
    });

    it('gives a plain CancelledError, not a TimeoutError, on a manual cancel before the timeout', () => {
      const clock = new Clock();
      const d = new Deferred().addTimeout(10, clock);
      d.cancel();
      const f = failureResultOf(d);
      expect(f.value).toBeInstanceOf(CancelledError);
      expect(f.value).not.toBeInstanceOf(TimeoutError);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('passes through the value a canceller fires with, instead of a TimeoutError', () => {
      const clock = new Clock();
      const seen: unknown[] = [];
      const d = new Deferred<string>((self) => {
        self.callback('success');
      });
      d.addCallback((v) => {
        seen.push(v);
        return v;
      });
      d.addTimeout(10, clock);
      clock.advance(15);
      expect(seen).toEqual(['success']);
      expect(successResultOf(d)).toBe('success');
    });

    it('passes through a non-cancellation failure the canceller fires with', () => {
      const clock = new Clock();
      const error = new RangeError('from canceller');
      const d = new Deferred((self) => {
        self.errback(error);
      }).addTimeout(10, clock);
      clock.advance(10);
      expect(failureResultOf(d).value).toBe(error);
    });

    it('hands the canceller the TimeoutError as the cancel reason', () => {
      const clock = new Clock();
      const reasons: unknown[] = [];
      const d = new Deferred((_, why) => reasons.push(why)).addTimeout(2, clock);
      clock.advance(2);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(TimeoutError);
      failureResultOf(d, TimeoutError);
    });

    it('calls onTimeoutCancel with the value and the limit on timeout, and continues with what it returns', () => {
      const clock = new Clock();
      const calls: unknown[] = [];
      const d = new Deferred<string>().addTimeout(7, clock, (value, seconds) => {
        calls.push([value instanceof Failure ? value.value : value, seconds]);
        return 'OVERRIDDEN';
      });
      clock.advance(7);
      expect(calls).toHaveLength(1);
      const [value, seconds] = calls[0] as [unknown, number];
      expect(value).toBeInstanceOf(CancelledError);
      expect(seconds).toBe(7);
      expect(successResultOf(d)).toBe('OVERRIDDEN');
    });

    it('does not call onTimeoutCancel when the Deferred fires in time', () => {
      const clock = new Clock();
      const calls: unknown[] = [];
      const d = new Deferred<string>().addTimeout(7, clock, (v) => calls.push(v));
      d.callback('ok');
      clock.advance(100);
      expect(calls).toEqual([]);
      expect(successResultOf(d)).toBe('ok');
    });

    it('cancels the Deferred a fired Deferred is waiting on when the time passes', () => {
      const clock = new Clock();
      const innerCancelled: unknown[] = [];
      const inner = new Deferred((self) => innerCancelled.push(self));
      const d = succeed(0)
        .addCallback(() => inner)
        .addTimeout(3, clock);
      clock.advance(3);
      expect(innerCancelled).toEqual([inner]);
      failureResultOf(d, TimeoutError);
    });

    it('swallows the producer’s one late result after timing out a Deferred with no canceller', () => {
      const clock = new Clock();
      const d = new Deferred<number>().addTimeout(1, clock);
      clock.advance(1);
      d.callback(5);
      expect(() => {
        d.callback(6);
      }).toThrow(AlreadyCalledError);
      failureResultOf(d, TimeoutError);
    });

    it('returns the same Deferred', () => {
      const clock = new Clock();
      const d = new Deferred();
      expect(d.addTimeout(1, clock)).toBe(d);
      d.callback(undefined);
    });
  });

  describe('toString', () => {
    it('shows <Deferred> when it has not fired', () => {
      expect(String(new Deferred())).toBe('<Deferred>');
    });

    it('shows the current result once fired', () => {
      expect(String(succeed(5))).toBe('<Deferred current result: 5>');
      expect(String(succeed('x'))).toBe('<Deferred current result: x>');
    });

    it('shows the Failure for a failed Deferred', () => {
      const d = fail(new Error('shown'));
      expect(String(d)).toMatch(/^<Deferred current result: \[Failure instance: Error: shown/);
      failureResultOf(d);
    });

    it('shows that it is waiting on another Deferred', () => {
      const outer = succeed(0).addCallback(() => new Deferred());
      expect(String(outer)).toBe('<Deferred waiting on Deferred>');
    });
  });

  describe('setDebugging', () => {
    it('adds where the Deferred was created and first fired to the AlreadyCalledError message', () => {
      expect(getDebugging()).toBe(false);
      setDebugging(true);
      try {
        expect(getDebugging()).toBe(true);
        const d = new Deferred<number>();
        d.callback(1);
        let error: unknown;
        try {
          d.callback(2);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AlreadyCalledError);
        const message = (error as Error).message;
        expect(message).toMatch(/C: Deferred was created:/);
        expect(message).toMatch(/I: First invoker was:/);
        expect(message).toMatch(/defer\.test\.ts/);
      } finally {
        setDebugging(false);
      }
    });

    it('leaves the AlreadyCalledError message short when debugging is off', () => {
      const d = succeed(1);
      expect(() => {
        d.callback(2);
      }).toThrow(/^Already called$/);
    });
  });

  describe('stack safety', () => {
    it('completes a chain of 100,000 Deferreds each returned from the previous one’s callback', () => {
      const n = 100_000;
      const ds = Array.from({ length: n }, () => new Deferred());
      for (let i = 0; i < n - 1; i++) {
        const next = ds[i + 1] as Deferred;
        ds[i]?.addCallback(() => next);
      }
      const seen: unknown[] = [];
      ds[0]?.addCallback((v) => seen.push(v));
      for (let i = 0; i < n - 1; i++) ds[i]?.callback(undefined);
      expect(seen).toEqual([]);
      ds[n - 1]?.callback('bottom');
      expect(seen).toEqual(['bottom']);
    });

    it('runs the last callback at the same stack depth however many Deferreds are chained', () => {
      const depthFor = (howMany: number): number => {
        const top = new Deferred();
        const inners = Array.from({ length: howMany }, () => new Deferred());
        const last = new Deferred();
        let depth = -1;
        top.addCallback(() => inners[0]);
        top.addCallback(() => {
          depth = (new Error().stack ?? '').split('\n').length;
        });
        inners.forEach((d, i) => {
          const next = inners[i + 1] ?? last;
          d.addCallback(() => next);
        });
        top.callback(undefined);
        for (const d of inners) d.callback(undefined);
        expect(depth).toBe(-1);
        last.callback(undefined);
        return depth;
      };
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity;
      try {
        expect(depthFor(1)).toBe(depthFor(50));
      } finally {
        Error.stackTraceLimit = limit;
      }
    });

    it('runs 100,000 callbacks on one Deferred in order', () => {
      const d = new Deferred<number>();
      for (let i = 0; i < 100_000; i++) d.addCallback((n) => n + 1);
      d.callback(0);
      expect(successResultOf(d)).toBe(100_000);
    });

    it('runs 100,000 callbacks added one by one to a fired Deferred', () => {
      const d = succeed(0);
      for (let i = 0; i < 100_000; i++) d.addCallback((n) => n + 1);
      expect(successResultOf(d)).toBe(100_000);
    });
  });

  describe('then and asPromise', () => {
    it('resolves `await d` with the result and consumes it', async () => {
      const d = succeed(4);
      expect(await d).toBe(4);
      expect(successResultOf(d)).toBeUndefined();
    });

    it('rejects `await d` with the original error, not the Failure', async () => {
      const error = new RangeError('original');
      const d = fail(error);
      await expect(d.asPromise()).rejects.toBe(error);
      expect(successResultOf(d)).toBeUndefined();
    });

    it('cancels the Deferred with the signal’s reason when the signal aborts', async () => {
      const controller = new AbortController();
      const d = new Deferred();
      const p = d.asPromise({ signal: controller.signal });
      const reason = new Error('abort reason');
      controller.abort(reason);
      const error: unknown = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBe(reason);
    });

    it('cancels at once for a signal that has already aborted', async () => {
      const d = new Deferred();
      await expect(d.asPromise({ signal: AbortSignal.abort('gone') })).rejects.toBeInstanceOf(
        CancelledError,
      );
    });
  });

  describe('fromPromise', () => {
    it('fires with the value of a promise', async () => {
      const p = Promise.resolve(3);
      const d = Deferred.fromPromise(p);
      await p;
      expect(successResultOf(d)).toBe(3);
    });

    it('fails at once with CancelledError when cancelled, ignoring the promise’s later settlement', () => {
      const { thenable, resolve } = manualThenable<number>();
      const d = Deferred.fromPromise(thenable);
      d.cancel();
      resolve(1);
      failureResultOf(d, CancelledError);
    });

    it('keeps the first settlement of a thenable that settles more than once', () => {
      const { thenable, resolve, reject } = manualThenable<number>();
      const d = Deferred.fromPromise(thenable);
      resolve(1);
      resolve(2);
      reject(new Error('late'));
      expect(successResultOf(d)).toBe(1);
    });

    it('aborts the signal given to an abortable operation when cancelled', () => {
      let signal: AbortSignal | undefined;
      const d = Deferred.fromPromise((s) => {
        signal = s;
        return new Promise<never>(() => undefined);
      });
      const reason = new Error('stop');
      d.cancel(reason);
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBe(reason);
      failureResultOf(d, CancelledError);
    });

    it('fails with what the operation throws synchronously', () => {
      const error = new Error('sync throw');
      const d = Deferred.fromPromise(() => {
        throw error;
      });
      expect(failureResultOf(d).value).toBe(error);
    });
  });
});

describe('succeed', () => {
  it('returns a Deferred that has already fired with the value', () => {
    const d = succeed('v');
    expect(d.called).toBe(true);
    expect(successResultOf(d)).toBe('v');
  });
});

describe('fail', () => {
  it('returns a Deferred that has already failed with the error wrapped in a Failure', () => {
    const error = new Error('e');
    const d = fail(error);
    expect(d.called).toBe(true);
    expect(failureResultOf(d).value).toBe(error);
  });

  it('uses a Failure it is given as it is', () => {
    const failure = new Failure('reason');
    expect(failureResultOf(fail(failure))).toBe(failure);
  });
});

describe('maybeDeferred', () => {
  it('fires with a plain return value', () => {
    expect(successResultOf(maybeDeferred(() => 10))).toBe(10);
  });

  it('passes its extra arguments to the function', () => {
    expect(successResultOf(maybeDeferred((a: number, b: number) => a + b, 2, 3))).toBe(5);
  });

  it('fails with what the function throws', () => {
    const error = new Error('thrown');
    const d = maybeDeferred(() => {
      throw error;
    });
    expect(failureResultOf(d).value).toBe(error);
  });

  it('returns a Deferred the function returns as the same object', () => {
    const inner = new Deferred<number>();
    expect(maybeDeferred(() => inner)).toBe(inner);
    inner.callback(1);
  });

  it('fails with a Failure the function returns, the same Failure', () => {
    const failure = new Failure(new Error('returned failure'));
    expect(failureResultOf(maybeDeferred(() => failure))).toBe(failure);
  });

  it('follows a promise the function returns', async () => {
    const p = Promise.resolve('later');
    const d = maybeDeferred(() => p);
    assertNoResult(d);
    await p;
    expect(successResultOf(d)).toBe('later');
  });

  it('fails when a returned promise rejects', async () => {
    const error = new Error('rejected');
    const p = Promise.reject(error);
    const d = maybeDeferred(() => p);
    await p.catch(() => undefined);
    expect(failureResultOf(d).value).toBe(error);
  });

  it('fails when reading `then` on the returned object throws', () => {
    const error = new Error('getter');
    const d = maybeDeferred(() => ({
      get then(): unknown {
        throw error;
      },
    }));
    expect(failureResultOf(d).value).toBe(error);
  });
});

// Model of a chain: each step is a callback, errback or both, which returns a value, throws, or
// returns a Failure; returning an already-fired Deferred is the same as returning its result.
type Side = 'callback' | 'errback' | 'both';
type Action = 'return' | 'throw' | 'failure' | 'succeed' | 'fail';
interface Op {
  readonly side: Side;
  readonly action: Action;
}
type Observed = readonly [index: number, ok: boolean, what: unknown];

const opArb: fc.Arbitrary<Op> = fc.record({
  side: fc.constantFrom<Side>('callback', 'errback', 'both'),
  action: fc.constantFrom<Action>('return', 'throw', 'failure', 'succeed', 'fail'),
});

function stepOutcome(i: number, action: Action): unknown {
  switch (action) {
    case 'return':
      return `v${String(i)}`;
    case 'throw':
      throw new Error(`e${String(i)}`);
    case 'failure':
      return new Failure(new Error(`e${String(i)}`));
    case 'succeed':
      return succeed(`v${String(i)}`);
    case 'fail':
      return fail(new Error(`e${String(i)}`));
  }
}

function model(ops: readonly Op[], startOk: boolean): Observed[] {
  const observed: Observed[] = [];
  let ok = startOk;
  let what: unknown = startOk ? 'start' : 'boom';
  ops.forEach((op, i) => {
    const runs = op.side === 'both' || (op.side === 'callback') === ok;
    if (!runs) return;
    observed.push([i, ok, what]);
    ok = op.action === 'return' || op.action === 'succeed';
    what = ok ? `v${String(i)}` : `e${String(i)}`;
  });
  observed.push([-1, ok, what]);
  return observed;
}

function runReal(ops: readonly Op[], startOk: boolean, fireAt: number): Observed[] {
  const observed: Observed[] = [];
  const d = new Deferred<unknown>();
  const fire = () => {
    if (startOk) d.callback('start');
    else d.errback(new Error('boom'));
  };
  const record = (i: number) => (r: unknown) => {
    observed.push([i, !(r instanceof Failure), r instanceof Failure ? r.getErrorMessage() : r]);
  };
  ops.forEach((op, i) => {
    if (i === fireAt) fire();
    const step = (r: unknown): unknown => {
      record(i)(r);
      return stepOutcome(i, op.action);
    };
    if (op.side === 'callback') d.addCallback(step);
    else if (op.side === 'errback') d.addErrback(step);
    else d.addBoth(step);
  });
  if (fireAt >= ops.length) fire();
  d.addBoth(record(-1));
  return observed;
}

describe('Deferred (properties)', () => {
  it('runs any chain exactly as the model says, whether fired before, between or after the adds', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 12 }),
        fc.boolean(),
        fc.nat(13),
        (ops, startOk, fireAt) => {
          const at = Math.min(fireAt, ops.length);
          expect(runReal(ops, startOk, at)).toEqual(model(ops, startOk));
        },
      ),
    );
  });

  it('gives the same result for N callbacks added before firing as for N added after', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 30 }),
        fc.integer(),
        (deltas, start) => {
          const before = new Deferred<number>();
          for (const k of deltas) before.addCallback((n) => n + k);
          before.callback(start);

          const after = new Deferred<number>();
          after.callback(start);
          for (const k of deltas) after.addCallback((n) => n + k);

          expect(successResultOf(after)).toBe(successResultOf(before));
        },
      ),
    );
  });

  it('gives the same result whether a callback returns a value or an unfired Deferred fired later', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 10 }), (values) => {
        const direct = new Deferred<number>();
        const viaInner = new Deferred<number>();
        const inners: [Deferred<number>, number][] = [];
        for (const v of values) {
          direct.addCallback((n) => n * 10 + v);
          viaInner.addCallback((n) => {
            const inner = new Deferred<number>();
            inners.push([inner, n * 10 + v]);
            return inner;
          });
        }
        direct.callback(1);
        viaInner.callback(1);
        // Fire each inner as it appears (the loop sees the array grow): each one unblocks the
        // next callback, which pushes the next inner.
        for (const [inner, value] of inners) inner.callback(value);
        expect(inners).toHaveLength(values.length);
        expect(successResultOf(viaInner)).toBe(successResultOf(direct));
      }),
    );
  });

  it('runs the chain only after as many unpauses as pauses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.boolean(), (pauses, fireFirst) => {
        const d = new Deferred<string>();
        const seen: string[] = [];
        d.addCallback((v) => seen.push(v));
        if (fireFirst) d.callback('x');
        for (let i = 0; i < pauses; i++) d.pause();
        if (!fireFirst) d.callback('x');
        for (let i = 0; i < pauses; i++) {
          expect(seen).toEqual(fireFirst ? ['x'] : []);
          d.unpause();
        }
        expect(seen).toEqual(['x']);
      }),
    );
  });
});

describe('unhandled errors in Deferreds', () => {
  const gc = globalThis.gc;

  /** Collects garbage and yields until `done()` holds, at most 50 rounds (bounded polling on GC). */
  async function collectUntil(done: () => boolean): Promise<void> {
    if (gc === undefined) throw new Error('tests must run with --expose-gc');
    for (let i = 0; i < 50 && !done(); i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function withCapturedEvents(body: (events: LogEvent[]) => Promise<void>): Promise<void> {
    const events: LogEvent[] = [];
    const observer = (event: LogEvent): void => {
      events.push(event);
    };
    globalLogPublisher.addObserver(observer);
    try {
      await body(events);
    } finally {
      globalLogPublisher.removeObserver(observer);
    }
  }

  /** Tags of the objects given to `track` that have been garbage-collected. */
  const collected = new Set<string>();
  const registry = new FinalizationRegistry<string>((tag) => collected.add(tag));
  const track = (target: object, tag: string): void => {
    registry.register(target, tag);
  };

  const reportOf = (events: LogEvent[], error: unknown): LogEvent | undefined =>
    events.find((e) => e.log_failure?.value === error);

  /** Makes an unreachable Deferred whose chain ends in `error`. */
  function dropFailing(error: Error): void {
    const d = new Deferred<number>();
    d.addCallback(() => {
      throw error;
    });
    d.callback(1);
  }

  /** Makes an unreachable Deferred, in a reference cycle, whose chain ends in `error`. */
  function dropFailingInCycle(error: Error): void {
    const d = new Deferred<number>() as Deferred<number> & { self?: unknown };
    d.self = d;
    d.addCallback(() => {
      throw error;
    });
    d.callback(1);
  }

  it('reports a failure nobody handled, at critical level, once the Deferred is collected', async () => {
    await withCapturedEvents(async (events) => {
      const error = new Error('never handled');
      dropFailing(error);
      await collectUntil(() => reportOf(events, error) !== undefined);
      const event = reportOf(events, error);
      expect(event).toBeDefined();
      expect(event?.log_level).toBe('critical');
      expect(event?.log_namespace).toBe('weft.defer');
      expect(event?.log_format).toMatch(/Unhandled error in Deferred/);
      expect(event?.log_failure).toBeInstanceOf(Failure);
      expect(events.filter((e) => e.log_failure?.value === error)).toHaveLength(1);
    });
  });

  it('reports an unhandled failure of a Deferred that is part of a reference cycle', async () => {
    await withCapturedEvents(async (events) => {
      const error = new Error('cycle');
      dropFailingInCycle(error);
      await collectUntil(() => reportOf(events, error) !== undefined);
      expect(reportOf(events, error)?.log_level).toBe('critical');
    });
  });

  it('does not report a failure that an errback added later handled', async () => {
    await withCapturedEvents(async (events) => {
      const handled = new Error('handled later');
      const marker = new Error('marker');
      (() => {
        const d = fail(handled);
        d.addErrback(() => undefined);
        track(d, 'handled later');
      })();
      dropFailing(marker);
      await collectUntil(
        () => collected.has('handled later') && reportOf(events, marker) !== undefined,
      );
      expect(collected.has('handled later')).toBe(true);
      expect(reportOf(events, marker)).toBeDefined();
      expect(reportOf(events, handled)).toBeUndefined();
    });
  });

  it('does not report a failure consumed by await or asPromise', async () => {
    await withCapturedEvents(async (events) => {
      const awaited = new Error('awaited');
      const viaPromise = new Error('via asPromise');
      const marker = new Error('marker 2');
      let caught: unknown[] = [];
      await (async () => {
        const a = fail(awaited);
        const b = fail(viaPromise);
        track(a, 'awaited');
        track(b, 'via asPromise');
        caught = await Promise.all([
          (async () => {
            try {
              await a;
            } catch (e) {
              return e;
            }
            return null;
          })(),
          b.asPromise().catch((e: unknown) => e),
        ]);
      })();
      expect(caught).toEqual([awaited, viaPromise]);
      dropFailing(marker);
      await collectUntil(
        () =>
          collected.has('awaited') &&
          collected.has('via asPromise') &&
          reportOf(events, marker) !== undefined,
      );
      expect([collected.has('awaited'), collected.has('via asPromise')]).toEqual([true, true]);
      expect(reportOf(events, marker)).toBeDefined();
      expect(reportOf(events, awaited)).toBeUndefined();
      expect(reportOf(events, viaPromise)).toBeUndefined();
    });
  });

  it('does not report the failure of an inner Deferred taken over by the outer one, only the outer', async () => {
    await withCapturedEvents(async (events) => {
      const error = new Error('inner failure');
      (() => {
        const inner = fail(error);
        track(inner, 'inner');
        succeed(0).addCallback(() => inner);
      })();
      await collectUntil(() => collected.has('inner') && reportOf(events, error) !== undefined);
      expect(collected.has('inner')).toBe(true);
      // Exactly one report, from the outer Deferred that ended with the failure.
      expect(events.filter((e) => e.log_failure?.value === error)).toHaveLength(1);
    });
  });

  it('includes the creation and invocation stacks in the report when debugging is on', async () => {
    await withCapturedEvents(async (events) => {
      const error = new Error('debugged');
      setDebugging(true);
      try {
        dropFailing(error);
      } finally {
        setDebugging(false);
      }
      await collectUntil(() => reportOf(events, error) !== undefined);
      const debug = reportOf(events, error)?.debug;
      expect(debug).toMatch(/C: Deferred was created/);
      expect(debug).toMatch(/I: First invoker was/);
    });
  });
});
