import { describe, expect, it, vi } from 'vitest';

import {
  CancelledError,
  Deferred,
  fail,
  Failure,
  succeed,
  TimeoutError,
} from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';
import { unhandledFailuresAfterGC } from '../support/unhandled-errors.js';
import { controlled } from '../support/promises.js';

/** Lets Node's end-of-turn work (such as unhandled-rejection detection) run: one turn, not a timer. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** The error `p` rejects with (fails the test if it fulfils). */
async function rejectionOf(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('Deferred as a PromiseLike', () => {
  describe('await', () => {
    it('gives the value of a Deferred that has fired', async () => {
      expect(await succeed('value')).toBe('value');
    });

    it('waits for a Deferred that fires later', async () => {
      const d = new Deferred<number>();
      const waiting = (async () => (await d) * 2)();
      d.callback(21);
      expect(await waiting).toBe(42);
    });

    it('throws the original error, not the Failure', async () => {
      const error = new RangeError('original');
      const caught = await rejectionOf(fail(error));
      expect(caught).toBe(error);
      expect(caught).not.toBeInstanceOf(Failure);
    });

    it('throws a non-Error value as it was given', async () => {
      expect(await rejectionOf(fail('a string'))).toBe('a string');
    });

    it('consumes the result: the chain continues with undefined', async () => {
      const d = succeed('value');
      await d;
      expect(successResultOf(d)).toBeUndefined();
    });

    it('consumes a failure: the chain continues with undefined', async () => {
      const d = fail(new RangeError('handled by await'));
      await rejectionOf(d);
      expect(successResultOf(d)).toBeUndefined();
    });

    it('keeps a failure consumed by await from being reported as unhandled', async () => {
      const awaited = new RangeError('consumed by await');
      const ignored = new RangeError('never handled');
      const reports = await unhandledFailuresAfterGC(async () => {
        await rejectionOf(fail(awaited));
        fail(ignored);
      });
      const values = reports.map((f) => f.value);
      expect(values).not.toContain(awaited);
      expect(values).toContain(ignored);
    });
  });

  describe('Promise.resolve and Promise.all', () => {
    it('lets Promise.resolve adopt a Deferred’s value', async () => {
      const d = new Deferred<string>();
      const p = Promise.resolve(d);
      d.callback('adopted');
      expect(await p).toBe('adopted');
    });

    it('lets Promise.resolve adopt a Deferred’s failure as a rejection with the original error', async () => {
      const error = new RangeError('adopted');
      expect(await rejectionOf(Promise.resolve(fail(error)))).toBe(error);
    });

    it('lets Promise.all wait for unfired and fired Deferreds alongside promises', async () => {
      const d = new Deferred<number>();
      const all = Promise.all([d, Promise.resolve(2), succeed(3)]);
      d.callback(1);
      expect(await all).toEqual([1, 2, 3]);
    });

    it('lets Promise.all reject with a Deferred’s original error', async () => {
      const error = new RangeError('one failed');
      expect(await rejectionOf(Promise.all([succeed(1), fail(error)]))).toBe(error);
    });
  });

  describe('then', () => {
    it('returns a real Promise', async () => {
      const p = succeed(1).then((v) => v + 1);
      expect(p).toBeInstanceOf(Promise);
      expect(await p).toBe(2);
    });

    it('calls onFulfilled asynchronously, even on a Deferred that has already fired', async () => {
      const calls: number[] = [];
      const p = succeed(1).then((v) => {
        calls.push(v);
      });
      expect(calls).toEqual([]);
      await p;
      expect(calls).toEqual([1]);
    });

    it('calls onRejected asynchronously with the original error', async () => {
      const error = new RangeError('rejected');
      const calls: unknown[] = [];
      const p = fail(error).then(undefined, (e: unknown) => {
        calls.push(e);
        return 'recovered';
      });
      expect(calls).toEqual([]);
      expect(await p).toBe('recovered');
      expect(calls).toEqual([error]);
    });
  });
});

describe('Deferred.asPromise', () => {
  it('fulfils with the value, or rejects with the original error', async () => {
    expect(await succeed('ok').asPromise()).toBe('ok');
    const error = new RangeError('bad');
    expect(await rejectionOf(fail(error).asPromise())).toBe(error);
  });

  it('consumes the result: the chain continues with undefined', async () => {
    const d = succeed('value');
    await d.asPromise();
    expect(successResultOf(d)).toBeUndefined();
  });

  describe('signal', () => {
    it('cancels the Deferred when aborted, with signal.reason as the cause', async () => {
      const controller = new AbortController();
      const canceller = vi.fn();
      const d = new Deferred<number>(canceller);
      const p = d.asPromise({ signal: controller.signal });
      const reason = new RangeError('aborted by caller');
      controller.abort(reason);
      expect(canceller).toHaveBeenCalledWith(d, reason);
      const error = await rejectionOf(p);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBe(reason);
    });

    it('cancels at once when the signal was aborted before it started', async () => {
      const controller = new AbortController();
      const reason = new RangeError('aborted before');
      controller.abort(reason);
      const canceller = vi.fn();
      const d = new Deferred<number>(canceller);
      const p = d.asPromise({ signal: controller.signal });
      expect(canceller).toHaveBeenCalledTimes(1);
      const error = await rejectionOf(p);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBe(reason);
    });

    it('does not disturb a Deferred that has already fired, even with an aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      expect(await succeed('kept').asPromise({ signal: controller.signal })).toBe('kept');
    });

    it('removes its abort listener once the Deferred has fired', async () => {
      const controller = new AbortController();
      const { signal } = controller;
      const add = vi.spyOn(signal, 'addEventListener');
      const remove = vi.spyOn(signal, 'removeEventListener');
      const d = new Deferred<number>();
      const p = d.asPromise({ signal });
      d.callback(1);
      await p;
      expect(add).toHaveBeenCalledTimes(1);
      const listener = add.mock.calls[0]?.[1];
      expect(remove).toHaveBeenCalledWith('abort', listener);
    });

    it('no longer cancels anything when aborted after the Deferred fired', async () => {
      const controller = new AbortController();
      const d = new Deferred<number>();
      const p = d.asPromise({ signal: controller.signal });
      d.callback(1);
      expect(await p).toBe(1);
      // Were the listener still there, abort() would cancel d, and so the
      // Deferred d now waits on.
      const innerCanceller = vi.fn();
      const inner = new Deferred<string>(innerCanceller);
      d.addCallback(() => inner);
      controller.abort();
      expect(innerCanceller).not.toHaveBeenCalled();
      inner.callback('done');
      expect(successResultOf(d)).toBe('done');
    });

    it('no longer cancels anything when aborted after the Deferred failed', async () => {
      const controller = new AbortController();
      const d = new Deferred<number>();
      const p = d.asPromise({ signal: controller.signal });
      d.errback(new RangeError('failed'));
      await rejectionOf(p);
      const innerCanceller = vi.fn();
      const inner = new Deferred<string>(innerCanceller);
      d.addCallback(() => inner);
      controller.abort();
      expect(innerCanceller).not.toHaveBeenCalled();
      inner.callback('done');
      expect(successResultOf(d)).toBe('done');
    });
  });
});

describe('Deferred.fromPromise', () => {
  describe('given a promise', () => {
    it('fires with the value once the promise fulfils, not before', async () => {
      const { promise, resolve } = controlled<string>();
      const d = Deferred.fromPromise(promise);
      assertNoResult(d);
      resolve('value');
      await promise;
      expect(successResultOf(d)).toBe('value');
    });

    it('fails with the original rejection reason', async () => {
      const error = new RangeError('rejected');
      const { promise, reject } = controlled<string>();
      const d = Deferred.fromPromise(promise);
      reject(error);
      await rejectionOf(promise);
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });

    it('takes any thenable, not only a Promise', () => {
      const thenable: PromiseLike<number> = {
        then(onFulfilled) {
          onFulfilled?.(7);
          return Promise.resolve() as never;
        },
      };
      expect(successResultOf(Deferred.fromPromise(thenable))).toBe(7);
    });

    it('fails with CancelledError at once when cancelled, and ignores a later fulfilment', async () => {
      const { promise, resolve } = controlled<string>();
      const d = Deferred.fromPromise(promise);
      d.cancel();
      const failure = failureResultOf(d, CancelledError);
      resolve('too late');
      await promise;
      expect(successResultOf(d)).toBeUndefined();
      expect(failure.value).toBeInstanceOf(CancelledError);
    });

    it('ignores a rejection after cancel, without AlreadyCalledError or an unhandled rejection', async () => {
      const unhandled = vi.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const { promise, reject } = controlled<string>();
        const d = Deferred.fromPromise(promise);
        d.cancel();
        failureResultOf(d, CancelledError);
        reject(new RangeError('too late'));
        await rejectionOf(promise);
        await nextTurn();
        expect(successResultOf(d)).toBeUndefined();
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });

    it('makes the reason given to cancel the cause of the CancelledError', () => {
      const d = Deferred.fromPromise(controlled<string>().promise);
      const reason = new RangeError('why');
      d.cancel(reason);
      expect((failureResultOf(d, CancelledError).value as CancelledError).cause).toBe(reason);
    });
  });

  describe('given a function', () => {
    it('calls it at once with an AbortSignal that is not aborted', () => {
      const fn = vi.fn((signal: AbortSignal) => {
        expect(signal.aborted).toBe(false);
        return never();
      });
      Deferred.fromPromise(fn);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('aborts the signal with the CancelledError (code ABORT_ERR) the Deferred fails with on cancel()', () => {
      let signal!: AbortSignal;
      const d = Deferred.fromPromise((s) => {
        signal = s;
        return never();
      });
      d.cancel();
      const failure = failureResultOf(d, CancelledError);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe(failure.value);
      expect((signal.reason as CancelledError).code).toBe('ABORT_ERR');
    });

    it('aborts the signal with the reason given to cancel(reason)', () => {
      let signal!: AbortSignal;
      const d = Deferred.fromPromise((s) => {
        signal = s;
        return never();
      });
      const reason = new RangeError('why');
      d.cancel(reason);
      expect(signal.reason).toBe(reason);
      expect((failureResultOf(d, CancelledError).value as CancelledError).cause).toBe(reason);
    });

    it('ignores the promise’s settlement after cancel', async () => {
      const { promise, resolve } = controlled<string>();
      const d = Deferred.fromPromise(() => promise);
      d.cancel();
      resolve('too late');
      await promise;
      failureResultOf(d, CancelledError);
    });

    it('returns a failed Deferred when the function throws synchronously', () => {
      const error = new RangeError('sync throw');
      const d = Deferred.fromPromise(() => {
        throw error;
      });
      expect(failureResultOf(d, RangeError).value).toBe(error);
    });

    it('returns a fired Deferred when the function returns a plain value', () => {
      expect(successResultOf(Deferred.fromPromise(() => 'plain'))).toBe('plain');
    });

    it('follows a Deferred that the function returns', () => {
      const inner = new Deferred<number>();
      const d = Deferred.fromPromise(() => inner);
      assertNoResult(d);
      inner.callback(5);
      expect(successResultOf(d)).toBe(5);
    });

    it('ignores the later result of a returned Deferred after cancel, without AlreadyCalledError', () => {
      const inner = new Deferred<number>();
      const d = Deferred.fromPromise(() => inner);
      d.cancel();
      failureResultOf(d, CancelledError);
      inner.callback(5);
      const innerResult: unknown = successResultOf(inner);
      expect(innerResult).toBeUndefined();
    });
  });

  describe('with addTimeout', () => {
    it('aborts the signal with a TimeoutError and fails with it when the time runs out', () => {
      const clock = new Clock();
      let signal!: AbortSignal;
      const d = Deferred.fromPromise((s) => {
        signal = s;
        return never();
      }).addTimeout(5, clock);
      clock.advance(4.999);
      expect(signal.aborted).toBe(false);
      assertNoResult(d);
      clock.advance(0.001);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(TimeoutError);
      expect((signal.reason as TimeoutError).name).toBe('TimeoutError');
      expect(failureResultOf(d, TimeoutError).value).toBe(signal.reason);
    });

    it('neither aborts nor keeps a timer once the operation settles in time', async () => {
      const clock = new Clock();
      let signal!: AbortSignal;
      const { promise, resolve } = controlled<string>();
      const d = Deferred.fromPromise((s) => {
        signal = s;
        return promise;
      }).addTimeout(5, clock);
      resolve('in time');
      expect(await d).toBe('in time');
      expect(clock.getDelayedCalls()).toEqual([]);
      clock.advance(10);
      expect(signal.aborted).toBe(false);
    });
  });
});

/** A promise that never settles: something to wait on until aborted. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}
