import { describe, expect, it } from 'vitest';

import {
  CancelledError,
  Deferred,
  deferLater,
  InvalidStateError,
  LoopingCall,
  succeed,
} from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';

/** A LoopingCall on a fresh Clock, recording the clock's time at each call. */
function timedLoop(): { clock: Clock; loop: LoopingCall<[]>; times: number[] } {
  const clock = new Clock();
  const times: number[] = [];
  const loop = new LoopingCall(() => {
    times.push(clock.seconds());
  });
  loop.clock = clock;
  return { clock, loop, times };
}

/** A `withCount` LoopingCall on a fresh Clock, recording each count. */
function countingLoop(onCount?: (count: number, counts: number[]) => unknown): {
  clock: Clock;
  loop: LoopingCall<[]>;
  counts: number[];
} {
  const clock = new Clock();
  const counts: number[] = [];
  const loop = LoopingCall.withCount((count) => {
    counts.push(count);
    return onCount?.(count, counts);
  });
  loop.clock = clock;
  return { clock, loop, counts };
}

class TestError extends Error {
  override name = 'TestError';
}

describe('LoopingCall', () => {
  describe('start', () => {
    it('calls the function at once, then every interval, with the given arguments', () => {
      const clock = new Clock();
      const calls: [string, string][] = [];
      const loop = new LoopingCall((a: string, b: string) => calls.push([a, b]), 'a', 'b');
      loop.clock = clock;
      loop.start(0.1);
      clock.pump([0.05, 0.1, 0.1]);
      expect(calls).toEqual([
        ['a', 'b'],
        ['a', 'b'],
        ['a', 'b'],
      ]);
    });

    it('with now = false, makes the first call only after one interval', () => {
      const { clock, loop, times } = timedLoop();
      loop.start(0.1, false);
      expect(times).toEqual([]);
      clock.pump([0.05, 0.1, 0.1]);
      expect(times).toHaveLength(2);
    });

    it('sets running, interval and call', () => {
      const { clock, loop } = timedLoop();
      expect(loop.running).toBe(false);
      expect(loop.interval).toBeUndefined();
      expect(loop.call).toBeNull();
      loop.start(2);
      expect(loop.running).toBe(true);
      expect(loop.interval).toBe(2);
      expect(loop.call?.getTime()).toBe(2);
      expect(clock.getDelayedCalls()).toEqual([loop.call]);
    });

    it('throws RangeError for a negative or NaN interval, leaving the loop stopped', () => {
      const { loop, times } = timedLoop();
      expect(() => loop.start(-1)).toThrow(RangeError);
      expect(() => loop.start(Number.NaN)).toThrow(RangeError);
      expect(loop.running).toBe(false);
      expect(times).toEqual([]);
    });

    it('throws InvalidStateError when already running', () => {
      const { loop } = timedLoop();
      loop.start(1);
      const error = (() => {
        try {
          loop.start(1);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InvalidStateError);
      expect((error as InvalidStateError).code).toBe('ERR_INVALID_STATE');
      expect(loop.running).toBe(true);
    });

    it('keeps calls on the grid of the start time when the reactor runs them late', () => {
      // Twisted's test_reactorTimeSkips: interval 0.5, woken at 2 and 3.
      const { clock, loop, times } = timedLoop();
      loop.start(0.5);
      clock.advance(2);
      clock.advance(1);
      clock.advance(0);
      expect(times).toEqual([0, 2, 3]);
    });

    it('skips the intervals missed while late instead of running them in a burst', () => {
      // Interval 1, the call due at 1 runs 2.2 s late: calls at 0, 3.2, then 4 (on the grid).
      const { clock, loop, times } = timedLoop();
      loop.start(1);
      clock.advance(3.2);
      expect(times).toEqual([0, 3.2]);
      expect(loop.call?.getTime()).toBeCloseTo(4, 12);
      clock.advance(0.8);
      expect(times).toHaveLength(3);
      expect(times[2]).toBeCloseTo(4, 12);
    });

    it('skips the boundary that falls while the function itself runs long', () => {
      // Twisted's test_callbackTimeSkips.
      const clock = new Clock();
      const times: number[] = [];
      let duration = 2;
      const loop = new LoopingCall(() => {
        times.push(clock.seconds());
        clock.advance(duration);
      });
      loop.clock = clock;
      loop.start(0.5);
      expect(times).toEqual([0]);
      expect(clock.seconds()).toBe(2);
      clock.advance(0); // 2 is now, not the future: skipped
      expect(times).toEqual([0]);
      duration = 1;
      clock.advance(0.5);
      expect(times).toEqual([0, 2.5]);
      clock.advance(0);
      expect(times).toEqual([0, 2.5]);
      duration = 0;
      clock.advance(0.5);
      expect(times).toEqual([0, 2.5, 4]);
    });

    it('with interval 0, calls again with callLater(0) each time until stopped', () => {
      const clock = new Clock();
      let n = 0;
      const loop = new LoopingCall(() => {
        n += 1;
        if (n === 6) loop.stop();
      });
      loop.clock = clock;
      const d = loop.start(0);
      expect(n).toBe(1);
      expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([0]);
      clock.advance(0);
      expect(n).toBe(6);
      expect(successResultOf(d)).toBe(loop);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('schedules with the new interval when interval is changed while running', () => {
      const { clock, loop, times } = timedLoop();
      loop.start(1);
      loop.interval = 3;
      clock.advance(1); // the call already scheduled for 1 runs
      clock.advance(2);
      expect(times).toEqual([0, 1, 3]);
    });

    it('can start again after stop, with a new start Deferred', () => {
      const { clock, loop, times } = timedLoop();
      const first = loop.start(1);
      loop.stop();
      const second = loop.start(2, false);
      expect(second).not.toBe(first);
      clock.advance(2);
      expect(times).toEqual([0, 2]);
      loop.stop();
      expect(successResultOf(second)).toBe(loop);
    });
  });

  describe('stop', () => {
    it('fires the start Deferred with the LoopingCall and leaves nothing scheduled', () => {
      const { clock, loop } = timedLoop();
      const d = loop.start(0.1);
      clock.pump([0.05, 0.1]);
      assertNoResult(d);
      loop.stop();
      expect(successResultOf(d)).toBe(loop);
      expect(loop.running).toBe(false);
      expect(loop.call).toBeNull();
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('before a delayed start prevents every call, whatever the interval', () => {
      for (const interval of [0, 10]) {
        const { clock, loop, times } = timedLoop();
        loop.start(interval, false);
        loop.stop();
        clock.advance(20);
        expect(times).toEqual([]);
        expect(clock.getDelayedCalls()).toEqual([]);
      }
    });

    it('throws InvalidStateError when not running', () => {
      const { loop } = timedLoop();
      expect(() => {
        loop.stop();
      }).toThrow(InvalidStateError);
      loop.start(1);
      loop.stop();
      expect(() => {
        loop.stop();
      }).toThrow(InvalidStateError);
    });

    it('from inside the function fires the start Deferred once the function returns', () => {
      const clock = new Clock();
      const order: string[] = [];
      const loop = new LoopingCall(() => {
        loop.stop();
        order.push('returned');
      });
      loop.clock = clock;
      const d = loop.start(1);
      d.addCallback(() => order.push('fired'));
      expect(order).toEqual(['returned', 'fired']);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it("while the function's Deferred is pending fires only once that Deferred settles", () => {
      const clock = new Clock();
      const pending = new Deferred<void>();
      const loop = new LoopingCall(() => pending);
      loop.clock = clock;
      const d = loop.start(1);
      loop.stop();
      expect(loop.running).toBe(false);
      assertNoResult(d);
      pending.callback(undefined);
      expect(successResultOf(d)).toBe(loop);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('has running false by the time the start Deferred fires', () => {
      const { loop } = timedLoop();
      const d = loop.start(1);
      const seen: boolean[] = [];
      d.addCallback((l) => seen.push(l.running));
      loop.stop();
      expect(seen).toEqual([false]);
    });

    it('then start from inside the function: the old Deferred fires, one loop keeps going', () => {
      const clock = new Clock();
      const times: number[] = [];
      let restarted: Deferred<LoopingCall<[]>> | undefined;
      const loop = new LoopingCall(() => {
        times.push(clock.seconds());
        if (times.length === 2) {
          loop.stop();
          restarted = loop.start(1, false);
        }
      });
      loop.clock = clock;
      const first = loop.start(1);
      clock.advance(1);
      expect(successResultOf(first)).toBe(loop);
      expect(loop.running).toBe(true);
      expect(clock.getDelayedCalls()).toHaveLength(1);
      clock.advance(1);
      expect(times).toEqual([0, 1, 2]);
      assertNoResult(restarted as Deferred<LoopingCall<[]>>);
    });
  });

  describe('failure', () => {
    it('fails the start Deferred with what the function threw, and stops', () => {
      const clock = new Clock();
      const loop = new LoopingCall((x: string) => {
        throw new TestError(x);
      }, 'bar');
      loop.clock = clock;
      const d = loop.start(0.1);
      const f = failureResultOf(d, TestError);
      expect((f.value as TestError).message).toBe('bar');
      expect(loop.running).toBe(false);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('fails the start Deferred even if the function stopped the loop before throwing', () => {
      const clock = new Clock();
      const loop = new LoopingCall(() => {
        loop.stop();
        throw new TestError('after stop');
      });
      loop.clock = clock;
      failureResultOf(loop.start(0.1), TestError);
    });

    it("fails the start Deferred when the function's Deferred fails, scheduling nothing", () => {
      const clock = new Clock();
      const loop = new LoopingCall(() => {
        const d = new Deferred<void>();
        clock.callLater(0.3, () => {
          d.errback(new TestError());
        });
        return d;
      });
      loop.clock = clock;
      const d = loop.start(1);
      clock.advance(0.3);
      failureResultOf(d, TestError);
      expect(loop.running).toBe(false);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('fails the start Deferred when the promise the function returns rejects', async () => {
      const clock = new Clock();
      const loop = new LoopingCall(() => Promise.reject(new TestError('async')));
      loop.clock = clock;
      const d = loop.start(1);
      await expect(d).rejects.toThrow(TestError);
      expect(loop.running).toBe(false);
    });
  });

  describe('a function returning a Deferred or promise', () => {
    it('is not called again before its Deferred has fired', () => {
      // Twisted's testWaitDeferred.
      const clock = new Clock();
      let calls = 0;
      const loop = new LoopingCall(() => {
        calls += 1;
        return deferLater(clock, 1).addCallback(() => {
          loop.stop();
        });
      });
      loop.clock = clock;
      const d = loop.start(0.2);
      clock.pump([0.2, 0.2, 0.2, 0.2]);
      expect(calls).toBe(1);
      clock.advance(0.2);
      expect(successResultOf(d)).toBe(loop);
      expect(calls).toBe(1);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('reschedules on the grid from when the Deferred fired', () => {
      const clock = new Clock();
      const times: number[] = [];
      const loop = new LoopingCall(() => {
        times.push(clock.seconds());
        return times.length === 1 ? deferLater(clock, 2.5) : undefined;
      });
      loop.clock = clock;
      loop.start(1);
      clock.advance(2.5); // fires at 2.5: the next call is at 3, not 3.5
      expect(loop.call?.getTime()).toBe(3);
      clock.advance(0.5);
      expect(times).toEqual([0, 3]);
    });

    it('waits for a promise to settle before scheduling the next call', async () => {
      const clock = new Clock();
      let release!: () => void;
      let calls = 0;
      const loop = new LoopingCall(() => {
        calls += 1;
        if (calls === 1) {
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return undefined;
      });
      loop.clock = clock;
      loop.start(1);
      clock.advance(5);
      expect(calls).toBe(1);
      expect(clock.getDelayedCalls()).toEqual([]);
      release();
      await Promise.resolve();
      await Promise.resolve();
      expect(clock.getDelayedCalls()).toHaveLength(1);
      clock.advance(1);
      expect(calls).toBe(2);
      loop.stop();
    });
  });

  describe('reset', () => {
    it('skips the next call and restarts the interval from now', () => {
      const { clock, loop, times } = timedLoop();
      loop.start(2, false);
      clock.advance(1);
      loop.reset();
      clock.advance(1);
      expect(times).toEqual([]);
      clock.advance(1);
      expect(times).toEqual([3]);
      clock.advance(2);
      expect(times).toEqual([3, 5]);
    });

    it("does nothing while the function's Deferred is pending", () => {
      const clock = new Clock();
      const pending = new Deferred<void>();
      const loop = new LoopingCall(() => pending);
      loop.clock = clock;
      loop.start(1);
      loop.reset();
      expect(clock.getDelayedCalls()).toEqual([]);
      expect(loop.starttime).toBe(0);
      loop.stop();
      pending.callback(undefined);
    });

    it('throws InvalidStateError when not running', () => {
      const { loop } = timedLoop();
      expect(() => {
        loop.reset();
      }).toThrow(InvalidStateError);
    });
  });

  describe('withCount', () => {
    it('passes 1 per call on time and the number of intervals passed when late', () => {
      // Twisted's test_reactorTimeCountSkips.
      const { clock, loop, counts } = countingLoop();
      loop.start(0.5);
      clock.advance(0.51);
      clock.advance(1.51);
      clock.advance(0);
      expect(counts).toEqual([1, 1, 3]);
      expect(clock.seconds()).toBeCloseTo(2.02, 12);
    });

    it('does not count more than 1 when less than two intervals separate two calls', () => {
      // Twisted's test_countLengthyIntervalCounts: called at T, 2.75T, 3T.
      const { clock, loop, counts } = countingLoop();
      loop.start(0.5);
      clock.advance(0.51);
      clock.advance(0.5 * 1.75);
      clock.advance(0.5 * 0.25);
      expect(counts).toEqual([1, 1, 1, 1]);
    });

    it('never passes 0, and the counts add up, with an inexact float interval', () => {
      // Twisted's test_withCountFloatingPointBoundary.
      const { clock, loop, counts } = countingLoop();
      const interval = 1 / 10;
      loop.start(interval, false);
      for (let i = 0; i < 10; i++) clock.advance(interval);
      const epsilon = 1 - Array.from({ length: 10 }, () => interval).reduce((a, b) => a + b);
      expect(epsilon).not.toBe(0);
      clock.advance(epsilon);
      expect(clock.seconds()).toBeGreaterThanOrEqual(1);
      expect(counts).not.toContain(0);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
    });

    it('passes 1 every time with interval 0', () => {
      const { clock, loop, counts } = countingLoop((_, all) => {
        if (all.length > 4) loop.stop();
      });
      const d = loop.start(0, false);
      clock.advance(0);
      successResultOf(d);
      expect(counts).toEqual([1, 1, 1, 1, 1]);
    });

    it('passes 1 with interval 0 even after waiting on a slow Deferred', () => {
      const pending = new Deferred<void>();
      const { clock, loop, counts } = countingLoop((_, all) => {
        if (all.length === 2) return pending;
        if (all.length > 4) loop.stop();
        return undefined;
      });
      loop.start(0, false);
      clock.advance(0);
      expect(counts).toEqual([1, 1]);
      clock.advance(2);
      expect(counts).toEqual([1, 1]);
      pending.callback(undefined);
      clock.advance(0);
      expect(counts).toEqual([1, 1, 1, 1, 1]);
    });

    it('counts from the last call when the interval changes from 0 to non-zero', () => {
      const pending = new Deferred<void>();
      const { clock, loop, counts } = countingLoop((_, all) =>
        all.length === 2 ? pending : undefined,
      );
      loop.start(0, false);
      clock.advance(10);
      expect(counts).toEqual([1, 1]);
      loop.interval = 2;
      pending.callback(undefined);
      clock.advance(7);
      expect(counts).toEqual([1, 1, 3]);
      clock.advance(2);
      expect(counts).toEqual([1, 1, 3, 1]);
      clock.advance(4);
      expect(counts).toEqual([1, 1, 3, 1, 2]);
    });

    it("counts the intervals skipped while the function's Deferred was pending", () => {
      // Twisted's test_deferredWithCount.
      const pending = new Deferred<void>();
      const { clock, loop, counts } = countingLoop((_, all) =>
        all.length === 1 ? pending : undefined,
      );
      loop.start(0.2, false);
      expect(counts).toEqual([]);
      clock.pump([0.2, 0.4]);
      expect(counts).toEqual([1]);
      pending.callback(undefined);
      clock.pump([0.2]);
      expect(counts).toEqual([1, 3]);
    });
  });

  describe('clock', () => {
    it('is used as set, and stays set after start', () => {
      const { clock, loop } = timedLoop();
      loop.start(1);
      expect(loop.clock).toBe(clock);
      expect(loop.starttime).toBe(0);
    });
  });

  describe('toString', () => {
    it('names the interval, the function and its arguments', () => {
      function tick(): void {
        // nothing
      }
      const loop = new LoopingCall(tick);
      expect(String(loop)).toBe('LoopingCall<undefined>(tick)');
      const withArgs = new LoopingCall((_a: number, _b: string) => undefined, 1, 'x');
      withArgs.clock = new Clock();
      withArgs.start(2.5, false);
      expect(String(withArgs)).toBe('LoopingCall<2.5>(<anonymous>, 1, x)');
      withArgs.stop();
    });
  });
});

describe('deferLater', () => {
  it('fires after the delay with the result of the function called with the arguments', () => {
    const clock = new Clock();
    const calls: [string, string][] = [];
    const flag = {};
    const d = deferLater(
      clock,
      3,
      (foo: string, bar: string) => {
        calls.push([foo, bar]);
        return flag;
      },
      'foo',
      'bar',
    );
    clock.advance(2);
    expect(calls).toEqual([]);
    assertNoResult(d);
    clock.advance(1);
    expect(calls).toEqual([['foo', 'bar']]);
    expect(successResultOf(d)).toBe(flag);
  });

  it('fires with undefined when no function is given', () => {
    const clock = new Clock();
    const d = deferLater(clock, 2);
    assertNoResult(d);
    const seen: unknown[] = [];
    d.addCallback((result) => {
      seen.push(result);
    });
    clock.advance(2);
    expect(seen).toEqual([undefined]);
  });

  it('fails with what the function throws', () => {
    const clock = new Clock();
    const d = deferLater(clock, 1, () => {
      throw new TestError();
    });
    clock.advance(1);
    failureResultOf(d, TestError);
  });

  it('follows a Deferred returned by the function', () => {
    const clock = new Clock();
    const inner = new Deferred<number>();
    const d = deferLater(clock, 1, () => inner);
    clock.advance(1);
    assertNoResult(d);
    inner.callback(7);
    expect(successResultOf(d)).toBe(7);
  });

  it('follows a promise returned by the function', async () => {
    const clock = new Clock();
    const d = deferLater(clock, 1, () => Promise.resolve('later'));
    clock.advance(1);
    await expect(d).resolves.toBe('later');
  });

  it('when cancelled, cancels the delayed call and fails with CancelledError', () => {
    const clock = new Clock();
    const calls: unknown[] = [];
    const d = deferLater(clock, 1, (x: unknown) => calls.push(x), null);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    const reason = new TestError('no longer needed');
    d.cancel(reason);
    const f = failureResultOf(d, CancelledError);
    expect((f.value as CancelledError).cause).toBe(reason);
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(2);
    expect(calls).toEqual([]);
  });

  it("when cancelled while waiting on the function's Deferred, cancels that Deferred", () => {
    const clock = new Clock();
    let cancelled = false;
    const inner = new Deferred<number>(() => {
      cancelled = true;
    });
    const d = deferLater(clock, 1, () => inner);
    clock.advance(1);
    d.cancel();
    expect(cancelled).toBe(true);
    failureResultOf(d, CancelledError);
  });

  it('still fails with CancelledError if the delayed call was cancelled through the clock', () => {
    const clock = new Clock();
    const d = deferLater(clock, 1);
    (clock.getDelayedCalls()[0] as { cancel(): void }).cancel();
    d.cancel();
    failureResultOf(d, CancelledError);
  });

  it('works with anything that has callLater, and with an already-fired chain', () => {
    const clock = new Clock();
    const d = succeed(2).addCallback((n) => deferLater(clock, n, () => n * 10));
    clock.advance(2);
    expect(successResultOf(d)).toBe(20);
  });
});
