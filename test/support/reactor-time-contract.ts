/**
 * The `IReactorTime` contract (Twisted's `ReactorBuilder` idea): one set of
 * tests run against every implementation — `Clock`, `MemoryReactorClock`,
 * `NodeReactor`.
 *
 * Every case runs for every implementation, so the cases are written to hold
 * on a real clock too: delays are multiples of `unit` seconds, "not before it
 * is due" is checked by recording `seconds()` when a call runs (never by
 * asserting that a call has not run yet after real time passed), and the only
 * "has not run" checks are made before any time is allowed to pass.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { AlreadyCalledError, AlreadyCancelledError } from '../../src/core/errors.js';
import type { IDelayedCall, IReactorTime } from '../../src/core/interfaces/reactor.js';

/** One implementation under test. */
export interface ReactorTimeHarness {
  /** The implementation. */
  readonly time: IReactorTime;
  /**
   * Lets at least `seconds` pass and runs every call due by then (including
   * calls scheduled meanwhile that fall due), as `Clock.advance` does. On a
   * real clock, calls due a little later may also run.
   */
  readonly advance: (seconds: number) => void | Promise<void>;
}

/** How the suite treats an implementation. */
export interface ReactorTimeContractOptions {
  /**
   * The delay unit, in seconds: 1 for fake clocks; a few milliseconds for a
   * real one, so the suite stays fast. Default 1.
   */
  readonly unit?: number;
}

/**
 * Registers the `IReactorTime` contract tests for `name`. `make` is called
 * once per test, so each test gets a fresh implementation; calls still
 * pending at the end of a test are cancelled.
 */
export function describeIReactorTime(
  name: string,
  make: () => ReactorTimeHarness,
  options: ReactorTimeContractOptions = {},
): void {
  const u = options.unit ?? 1;

  describe(`${name} as IReactorTime`, () => {
    let harness: ReactorTimeHarness | undefined;

    function setUp(): ReactorTimeHarness {
      harness = make();
      return harness;
    }

    afterEach(() => {
      for (const call of harness?.time.getDelayedCalls() ?? []) call.cancel();
      harness = undefined;
    });

    /** Schedules a call that records its label and the time it ran. */
    function recorder(time: IReactorTime): {
      ran: { label: string; at: number }[];
      labels: () => string[];
      at: (label: string, delay: number) => IDelayedCall;
      dueOrder: () => string[];
    } {
      const ran: { label: string; at: number }[] = [];
      const calls: { label: string; call: IDelayedCall }[] = [];
      return {
        ran,
        labels: () => ran.map((r) => r.label),
        at: (label, delay) => {
          const call = time.callLater(delay, () => {
            ran.push({ label, at: time.seconds() });
          });
          calls.push({ label, call });
          return call;
        },
        // The labels by due time (ties in scheduling order), read now. On a fake clock no time
        // passes between two statements, so this is the order the delays alone give; on a real
        // one a stall between scheduling one call and the next (a GC, a loaded machine) can
        // legitimately make the later-scheduled call due later than the delays suggest.
        dueOrder: () =>
          calls
            .map((c, i) => ({ ...c, i }))
            .sort((a, b) => a.call.getTime() - b.call.getTime() || a.i - b.i)
            .map((c) => c.label),
      };
    }

    describe('seconds', () => {
      it('never goes backwards, and moves forward when time is advanced', async () => {
        const { time, advance } = setUp();
        const t0 = time.seconds();
        expect(typeof t0).toBe('number');
        expect(time.seconds()).toBeGreaterThanOrEqual(t0);
        await advance(u);
        expect(time.seconds()).toBeGreaterThanOrEqual(t0 + u);
      });
    });

    describe('callLater', () => {
      it('returns an active call due delay seconds from now, and does not run it at once', () => {
        const { time } = setUp();
        const rec = recorder(time);
        const before = time.seconds();
        const call = rec.at('a', 2 * u);
        const after = time.seconds();
        expect(call.active()).toBe(true);
        expect(call.getTime()).toBeGreaterThanOrEqual(before + 2 * u);
        expect(call.getTime()).toBeLessThanOrEqual(after + 2 * u);
        expect(rec.ran).toEqual([]);
      });

      it('runs the call once, not before it is due, with the arguments given', async () => {
        const { time, advance } = setUp();
        const seen: { args: unknown[]; at: number }[] = [];
        const call = time.callLater(
          u,
          (a: number, b: string) => {
            seen.push({ args: [a, b], at: time.seconds() });
          },
          1,
          'two',
        );
        await advance(u);
        await advance(u);
        expect(seen).toHaveLength(1);
        expect(seen[0]?.args).toEqual([1, 'two']);
        expect(seen[0]?.at).toBeGreaterThanOrEqual(call.getTime());
        expect(call.active()).toBe(false);
      });

      it('runs calls in order of due time, not of scheduling', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const calls = { c: rec.at('c', 3 * u), a: rec.at('a', u), b: rec.at('b', 2 * u) };
        // On a real clock a stall between two callLater calls can push a later-scheduled
        // call's due time past an earlier one's, so the expected order is by getTime().
        const byDue = Object.entries(calls)
          .sort(([, x], [, y]) => x.getTime() - y.getTime())
          .map(([label]) => label);
        await advance(3 * u);
        await advance(u);
        expect(rec.labels()).toEqual(byDue);
        const times = rec.ran.map((r) => r.at);
        expect([...times].sort((x, y) => x - y)).toEqual(times);
      });

      it('runs calls due at the same time first-in, first-out', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const labels = Array.from({ length: 20 }, (_, i) => `call ${i}`);
        for (const label of labels) rec.at(label, 0);
        await advance(0);
        expect(rec.labels()).toEqual(labels);
      });

      it('runs a call scheduled from inside another call once it falls due', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        let inner: IDelayedCall | undefined;
        time.callLater(u, () => {
          inner = rec.at('inner', u);
        });
        await advance(u);
        expect(inner?.active()).toBe(true);
        await advance(u);
        expect(rec.labels()).toEqual(['inner']);
        expect(rec.ran[0]?.at).toBeGreaterThanOrEqual(inner?.getTime() ?? Infinity);
      });
    });

    describe('cancel', () => {
      it('stops the call from running and makes it inactive', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const call = rec.at('cancelled', u);
        rec.at('kept', u);
        call.cancel();
        expect(call.active()).toBe(false);
        await advance(2 * u);
        expect(rec.labels()).toEqual(['kept']);
      });

      it('works from inside a call due at the same time', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const victims: IDelayedCall[] = [];
        time.callLater(u, () => {
          victims[0]?.cancel();
        });
        const victim = rec.at('victim', u);
        victims.push(victim);
        await advance(2 * u);
        expect(rec.ran).toEqual([]);
        expect(victim.active()).toBe(false);
      });

      it('throws AlreadyCancelledError when the call was already cancelled', () => {
        const { time } = setUp();
        const call = time.callLater(u, () => undefined);
        call.cancel();
        expect(() => {
          call.cancel();
        }).toThrow(AlreadyCancelledError);
      });

      it('throws AlreadyCalledError once the call has run, even from inside the call', async () => {
        const { time, advance } = setUp();
        const errors: unknown[] = [];
        const call: IDelayedCall = time.callLater(0, () => {
          try {
            call.cancel();
          } catch (e) {
            errors.push(e);
          }
        });
        await advance(0);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(AlreadyCalledError);
        expect(() => {
          call.cancel();
        }).toThrow(AlreadyCalledError);
      });
    });

    describe('reset', () => {
      it('makes the call due the given seconds from now', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const call = rec.at('reset', u);
        rec.at('other', 2 * u);
        const before = time.seconds();
        call.reset(3 * u);
        const after = time.seconds();
        expect(call.getTime()).toBeGreaterThanOrEqual(before + 3 * u);
        expect(call.getTime()).toBeLessThanOrEqual(after + 3 * u);
        await advance(3 * u);
        expect(rec.labels()).toEqual(rec.dueOrder()); // ['other', 'reset'] on a fake clock
        expect(rec.ran[1]?.at).toBeGreaterThanOrEqual(call.getTime());
      });

      it('can bring a call forward', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        rec.at('other', 2 * u);
        const call = rec.at('sooner', 10 * u);
        const before = time.seconds();
        call.reset(u);
        expect(call.getTime()).toBeLessThanOrEqual(time.seconds() + u);
        expect(call.getTime()).toBeGreaterThanOrEqual(before + u);
        await advance(10 * u);
        expect(rec.labels()).toEqual(rec.dueOrder()); // ['sooner', 'other'] on a fake clock
      });

      it('throws AlreadyCalledError once run and AlreadyCancelledError once cancelled', async () => {
        const { time, advance } = setUp();
        const ran = time.callLater(0, () => undefined);
        const cancelled = time.callLater(u, () => undefined);
        cancelled.cancel();
        await advance(0);
        expect(() => {
          ran.reset(u);
        }).toThrow(AlreadyCalledError);
        expect(() => {
          cancelled.reset(u);
        }).toThrow(AlreadyCancelledError);
      });
    });

    describe('delay', () => {
      it('postpones the due time by exactly the given seconds', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        const call = rec.at('delayed', u);
        rec.at('other', 2 * u);
        const due = call.getTime();
        call.delay(2 * u);
        expect(call.getTime()).toBe(due + 2 * u);
        await advance(3 * u);
        expect(rec.labels()).toEqual(rec.dueOrder()); // ['other', 'delayed'] on a fake clock
        expect(rec.ran[1]?.at).toBeGreaterThanOrEqual(call.getTime());
      });

      it('throws AlreadyCalledError once run and AlreadyCancelledError once cancelled', async () => {
        const { time, advance } = setUp();
        const ran = time.callLater(0, () => undefined);
        const cancelled = time.callLater(u, () => undefined);
        cancelled.cancel();
        await advance(0);
        expect(() => {
          ran.delay(u);
        }).toThrow(AlreadyCalledError);
        expect(() => {
          cancelled.delay(u);
        }).toThrow(AlreadyCancelledError);
      });
    });

    describe('getDelayedCalls', () => {
      it('lists exactly the calls still pending', async () => {
        const { time, advance } = setUp();
        expect(time.getDelayedCalls()).toEqual([]);
        const a = time.callLater(0, () => undefined);
        const b = time.callLater(500 * u, () => undefined);
        const c = time.callLater(600 * u, () => undefined);
        expect(new Set(time.getDelayedCalls())).toEqual(new Set([a, b, c]));
        b.cancel();
        expect(new Set(time.getDelayedCalls())).toEqual(new Set([a, c]));
        await advance(0);
        expect(time.getDelayedCalls()).toEqual([c]);
      });

      it('includes a call while reset or delayed, and drops it once run', async () => {
        const { time, advance } = setUp();
        const call = time.callLater(u, () => undefined);
        call.reset(2 * u);
        call.delay(u);
        expect(time.getDelayedCalls()).toEqual([call]);
        await advance(3 * u);
        expect(time.getDelayedCalls()).toEqual([]);
      });
    });

    describe('[Symbol.dispose]', () => {
      it('cancels a pending call when its `using` scope ends', async () => {
        const { time, advance } = setUp();
        const rec = recorder(time);
        let escaped: IDelayedCall | undefined;
        {
          using call = rec.at('disposed', u);
          escaped = call;
          expect(call.active()).toBe(true);
        }
        expect(escaped.active()).toBe(false);
        expect(time.getDelayedCalls()).toEqual([]);
        await advance(2 * u);
        expect(rec.ran).toEqual([]);
      });

      it('does nothing (and does not throw) once the call has run or been cancelled', async () => {
        const { time, advance } = setUp();
        const ran = time.callLater(0, () => undefined);
        const cancelled = time.callLater(u, () => undefined);
        cancelled.cancel();
        await advance(0);
        expect(() => {
          ran[Symbol.dispose]();
          cancelled[Symbol.dispose]();
        }).not.toThrow();
        expect(ran.active()).toBe(false);
        expect(cancelled.active()).toBe(false);
      });
    });
  });
}
