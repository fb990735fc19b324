import { describe, expect, it, vi } from 'vitest';

import {
  CancelledError,
  Deferred,
  ensureDeferred,
  fail,
  Failure,
  inlineCallbacks,
  NotACoroutineError,
  succeed,
} from '../../src/core/index.js';
import { assertNoResult, failureResultOf, successResultOf } from '../../src/testing/index.js';
import { unhandledFailuresAfterGC } from '../support/unhandled-errors.js';
import { controlled } from '../support/promises.js';

/** A promise that never settles: something to wait on until cancelled. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

describe('inlineCallbacks', () => {
  describe('running the generator', () => {
    it('runs synchronously until the generator yields a Deferred that has not fired', () => {
      const steps: string[] = [];
      const gate = new Deferred<string>();
      const d = inlineCallbacks(function* () {
        steps.push('start');
        yield succeed('fired');
        steps.push('after fired');
        const value = yield gate;
        steps.push(`got ${String(value)}`);
        return 'end';
      })();
      expect(steps).toEqual(['start', 'after fired']);
      assertNoResult(d);
      gate.callback('late');
      expect(steps).toEqual(['start', 'after fired', 'got late']);
      expect(successResultOf(d)).toBe('end');
    });

    it('sends a yielded Deferred’s value back as the value of the yield expression', () => {
      const d = inlineCallbacks(function* () {
        const a = (yield succeed(20)) as number;
        const b = (yield succeed(22)) as number;
        return a + b;
      })();
      expect(successResultOf(d)).toBe(42);
    });

    it('sends a yielded plain value straight back', () => {
      const seen: unknown[] = [];
      const d = inlineCallbacks(function* () {
        seen.push(yield 5);
        seen.push(yield 'text');
        seen.push(yield null);
        return seen.length;
      })();
      expect(successResultOf(d)).toBe(3);
      expect(seen).toEqual([5, 'text', null]);
    });

    it('waits for a yielded promise and sends its value back', async () => {
      const { promise, resolve } = controlled<number>();
      const d = inlineCallbacks(function* () {
        return ((yield promise) as number) + 1;
      })();
      assertNoResult(d);
      resolve(41);
      expect(await d).toBe(42);
    });

    it('throws a yielded promise’s rejection reason into the generator', async () => {
      const error = new RangeError('rejected');
      const d = inlineCallbacks(function* () {
        try {
          yield Promise.reject(error);
          return 'not thrown';
        } catch (e) {
          return e;
        }
      })();
      expect(await d).toBe(error);
    });

    it('throws the original error of a failed Deferred into the generator; Failure.from gives the same Failure back', () => {
      const failure = new Failure(new RangeError('original'));
      let caught: unknown;
      const d = inlineCallbacks(function* () {
        try {
          yield fail(failure);
        } catch (e) {
          caught = e;
        }
        return 'recovered';
      })();
      expect(successResultOf(d)).toBe('recovered');
      expect(caught).toBe(failure.value);
      expect(Failure.from(caught)).toBe(failure);
    });

    it('throws the error of a Deferred that fails later into the generator', () => {
      const gate = new Deferred<string>();
      const error = new RangeError('later');
      const d = inlineCallbacks(function* () {
        try {
          yield gate;
          return 'no';
        } catch (e) {
          return e;
        }
      })();
      gate.errback(error);
      expect(successResultOf(d)).toBe(error);
    });

    it('consumes each yielded Deferred’s result: its chain continues with undefined', () => {
      const ok = new Deferred<string>();
      const bad = new Deferred<string>();
      inlineCallbacks(function* () {
        yield ok;
        try {
          yield bad;
        } catch {
          // handled
        }
      })();
      ok.callback('value');
      bad.errback(new RangeError('handled by the generator'));
      expect(successResultOf(ok)).toBeUndefined();
      expect(successResultOf(bad)).toBeUndefined();
    });

    it('does not report a failure the generator caught as unhandled', async () => {
      const caughtError = new RangeError('caught by the generator');
      const reports = await unhandledFailuresAfterGC(() => {
        inlineCallbacks(function* () {
          try {
            yield fail(caughtError);
          } catch {
            // handled
          }
        })();
      });
      expect(reports.map((f) => f.value)).not.toContain(caughtError);
    });
  });

  describe('result', () => {
    it('fires with the generator’s return value', () => {
      const d = inlineCallbacks(function* () {
        yield succeed(1);
        return 'returned';
      })();
      expect(successResultOf(d)).toBe('returned');
    });

    it('fires with undefined when the generator falls off its end', () => {
      const d: Deferred = inlineCallbacks(function* () {
        yield 1;
      })();
      expect(successResultOf(d)).toBeUndefined();
    });

    it('fails with the error the generator throws and does not catch', () => {
      const error = new RangeError('uncaught');
      const d = inlineCallbacks(function* () {
        yield succeed(1);
        throw error;
      })();
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });

    it('fails with an error thrown after resuming from a Deferred that fired later', () => {
      const gate = new Deferred<number>();
      const error = new RangeError('after resume');
      const d = inlineCallbacks(function* () {
        yield gate;
        throw error;
      })();
      gate.callback(1);
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });

    it('fails with a yielded Deferred’s error that the generator does not catch', () => {
      const error = new RangeError('passed through');
      const d = inlineCallbacks(function* () {
        yield fail(error);
        return 'unreached';
      })();
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });
  });

  describe('calling', () => {
    it('throws TypeError when the wrapped function does not return a generator', () => {
      const notGenerator = inlineCallbacks(
        (() => 42) as unknown as () => Generator<unknown, number, unknown>,
      );
      expect(() => notGenerator()).toThrow(TypeError);
    });

    it('passes `this` and the arguments through to the generator function', () => {
      const counter = {
        step: 10,
        add: inlineCallbacks(function* (this: { step: number }, a: number, b: number) {
          const base = (yield succeed(a + b)) as number;
          return base * this.step;
        }),
      };
      expect(successResultOf(counter.add(1, 2))).toBe(30);
    });

    it('returns a new Deferred and a fresh run for every call', () => {
      const twice = inlineCallbacks(function* (n: number) {
        return ((yield succeed(n)) as number) * 2;
      });
      const a = twice(1);
      const b = twice(2);
      expect(a).not.toBe(b);
      expect([successResultOf(a), successResultOf(b)]).toEqual([2, 4]);
    });

    it('completes 100,000 already-fired yields in a loop without overflowing the stack', () => {
      const d = inlineCallbacks(function* () {
        let total = 0;
        for (let i = 0; i < 100_000; i++) total += (yield succeed(1)) as number;
        return total;
      })();
      expect(successResultOf(d)).toBe(100_000);
    });

    it('completes 100,000 plain-value yields without overflowing the stack', () => {
      const d = inlineCallbacks(function* () {
        let count = 0;
        for (let i = 0; i < 100_000; i++) count += (yield 1) as number;
        return count;
      })();
      expect(successResultOf(d)).toBe(100_000);
    });
  });

  describe('cancel', () => {
    it('cancels the Deferred the generator is waiting on', () => {
      const canceller = vi.fn();
      const awaited = new Deferred<string>(canceller);
      const d = inlineCallbacks(function* () {
        yield awaited;
      })();
      d.cancel();
      expect(canceller).toHaveBeenCalledTimes(1);
      expect(canceller.mock.calls[0]?.[0]).toBe(awaited);
      failureResultOf(d, CancelledError);
    });

    it('throws the CancelledError into the generator, which may catch it and return a value', () => {
      let caught: unknown;
      const d = inlineCallbacks(function* () {
        try {
          yield new Deferred<string>();
          return 'not cancelled';
        } catch (e) {
          caught = e;
          return 'handled';
        }
      })();
      d.cancel();
      expect(caught).toBeInstanceOf(CancelledError);
      expect(successResultOf(d)).toBe('handled');
    });

    it('fails with CancelledError when the generator does not catch it', () => {
      const d = inlineCallbacks(function* () {
        yield new Deferred<string>();
        return 'not cancelled';
      })();
      d.cancel();
      failureResultOf(d, CancelledError);
    });

    it('fails with whatever the generator throws instead after catching the CancelledError', () => {
      const error = new RangeError('replacement');
      const d = inlineCallbacks(function* () {
        try {
          yield new Deferred<string>();
        } catch {
          throw error;
        }
      })();
      d.cancel();
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });

    it('lets a generator that caught the CancelledError wait again, and be cancelled again', () => {
      const second = new Deferred<string>();
      const caught: unknown[] = [];
      const d = inlineCallbacks(function* () {
        try {
          yield new Deferred<string>();
        } catch (e) {
          caught.push(e);
        }
        try {
          yield second;
        } catch (e) {
          caught.push(e);
          return 'cancelled twice';
        }
        return 'once';
      })();
      d.cancel();
      assertNoResult(d);
      expect(caught).toHaveLength(1);
      d.cancel();
      expect(caught).toHaveLength(2);
      expect(caught[1]).toBeInstanceOf(CancelledError);
      expect(successResultOf(d)).toBe('cancelled twice');
    });

    it('continues the generator with the value an awaited Deferred’s canceller fires', () => {
      const awaited = new Deferred<string>((self) => {
        self.callback('from canceller');
      });
      const d = inlineCallbacks(function* () {
        return yield awaited;
      })();
      d.cancel();
      expect(successResultOf(d)).toBe('from canceller');
    });

    it('works while the generator waits on a promise, and ignores the promise’s later settlement', async () => {
      const { promise, resolve } = controlled<string>();
      let caught: unknown;
      const d = inlineCallbacks(function* () {
        try {
          yield promise;
          return 'resolved';
        } catch (e) {
          caught = e;
          return 'handled';
        }
      })();
      d.cancel();
      expect(caught).toBeInstanceOf(CancelledError);
      expect(successResultOf(d)).toBe('handled');
      resolve('too late');
      await promise;
      expect(successResultOf(d)).toBe('handled');
    });

    it('passes the reason given to cancel as the cause of the CancelledError', () => {
      const reason = new RangeError('user gave up');
      let caught: unknown;
      const d = inlineCallbacks(function* () {
        try {
          yield new Deferred<string>();
        } catch (e) {
          caught = e;
          throw e;
        }
      })();
      d.cancel(reason);
      expect(caught).toBeInstanceOf(CancelledError);
      expect((caught as CancelledError).cause).toBe(reason);
      expect(failureResultOf(d, CancelledError).value).toBe(caught);
    });

    it('does nothing once the generator has finished', () => {
      const d = inlineCallbacks(function* () {
        yield succeed(1);
        return 'done';
      })();
      d.cancel();
      expect(successResultOf(d)).toBe('done');
    });
  });
});

describe('ensureDeferred', () => {
  it('returns a Deferred as it is', () => {
    const d = new Deferred<number>();
    expect(ensureDeferred(d)).toBe(d);
  });

  it('follows a promise that resolves', async () => {
    const d = ensureDeferred(Promise.resolve(3));
    expect(d).toBeInstanceOf(Deferred);
    expect(await d).toBe(3);
  });

  it('follows a promise that rejects, failing with the original error', async () => {
    const error = new RangeError('rejected');
    const d = ensureDeferred(Promise.reject(error));
    const failure = await new Promise<Failure>((resolve) => {
      d.addErrback(resolve);
    });
    expect(failure.value).toBe(error);
  });

  it('calls an async function with a live AbortSignal and fires with its result', async () => {
    let seen: AbortSignal | undefined;
    const d = ensureDeferred(async (signal) => {
      seen = signal;
      await Promise.resolve();
      return 'async result';
    });
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen?.aborted).toBe(false);
    expect(await d).toBe('async result');
    expect(seen?.aborted).toBe(false);
  });

  it('aborts the signal with the CancelledError the Deferred fails with when cancelled', () => {
    let seen!: AbortSignal;
    const d = ensureDeferred(async (signal) => {
      seen = signal;
      await never();
    });
    d.cancel();
    const failure = failureResultOf(d, CancelledError);
    expect(seen.aborted).toBe(true);
    expect(seen.reason).toBe(failure.value);
    expect((seen.reason as CancelledError).code).toBe('ABORT_ERR');
  });

  it('aborts the signal with the reason given to cancel', () => {
    let seen!: AbortSignal;
    const d = ensureDeferred(async (signal) => {
      seen = signal;
      await never();
    });
    const reason = new RangeError('stop');
    d.cancel(reason);
    expect(seen.reason).toBe(reason);
    expect((failureResultOf(d, CancelledError).value as CancelledError).cause).toBe(reason);
  });

  it('ignores the async function’s rejection after it was cancelled', async () => {
    let settled!: Promise<unknown>;
    const d = ensureDeferred((signal) => {
      settled = new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          reject(signal.reason);
        });
      });
      return settled;
    });
    d.cancel();
    await expect(settled).rejects.toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });

  it('runs a generator object as inlineCallbacks would', () => {
    const gate = new Deferred<number>();
    const d = ensureDeferred(
      (function* () {
        return ((yield gate) as number) * 2;
      })(),
    );
    assertNoResult(d);
    gate.callback(21);
    expect(successResultOf(d)).toBe(42);
  });

  it('throws NotACoroutineError for anything else', () => {
    for (const value of [42, 'text', null, undefined, {}, [1, 2]]) {
      expect(() => ensureDeferred(value as never)).toThrow(NotACoroutineError);
    }
  });
});
