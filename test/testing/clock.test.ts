import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { AlreadyCalledError, AlreadyCancelledError } from '../../src/core/index.js';
import type { IDelayedCall, IReactorTime } from '../../src/core/index.js';
import { Clock } from '../../src/testing/index.js';

/** A Clock and a log of `[name, time]` for each call that ran. */
function clockWithLog(): {
  clock: Clock;
  ran: [string, number][];
  at: (delay: number, name: string) => IDelayedCall;
} {
  const clock = new Clock();
  const ran: [string, number][] = [];
  const at = (delay: number, name: string): IDelayedCall =>
    clock.callLater(delay, () => {
      ran.push([name, clock.seconds()]);
    });
  return { clock, ran, at };
}

describe('Clock', () => {
  it('is an IReactorTime whose time starts at 0', () => {
    const clock = new Clock() satisfies IReactorTime;
    expect(clock.seconds()).toBe(0);
    expect(clock.rightNow).toBe(0);
  });

  describe('callLater', () => {
    it('returns an active call due at now + delay, passing the arguments when it runs', () => {
      const clock = new Clock();
      clock.advance(2);
      const seen: unknown[] = [];
      const call = clock.callLater(3, (a: number, b: string) => seen.push(a, b), 1, 'x');
      expect(call.getTime()).toBe(5);
      expect(call.active()).toBe(true);
      clock.advance(3);
      expect(seen).toEqual([1, 'x']);
      expect(call.active()).toBe(false);
    });

    it('accepts a negative delay: the call is simply already due', () => {
      const { clock, ran, at } = clockWithLog();
      at(-1, 'a');
      clock.advance(0);
      expect(ran).toEqual([['a', 0]]);
    });
  });

  describe('advance', () => {
    it('moves time forward by the amount', () => {
      const clock = new Clock();
      clock.advance(1.5);
      clock.advance(0.25);
      expect(clock.seconds()).toBe(1.75);
    });

    it('runs calls due at or before the new time, in time order, and not later ones', () => {
      const { clock, ran, at } = clockWithLog();
      at(3, 'c');
      at(1, 'a');
      at(2, 'b');
      at(2.0001, 'late');
      clock.advance(2);
      expect(ran).toEqual([
        ['a', 2],
        ['b', 2],
      ]);
      clock.advance(0.0001);
      expect(ran.map(([n]) => n)).toEqual(['a', 'b', 'late']);
    });

    it('runs calls due at the same time first-in first-out', () => {
      const { clock, ran, at } = clockWithLog();
      for (const name of ['a', 'b', 'c', 'd']) at(1, name);
      clock.advance(1);
      expect(ran.map(([n]) => n)).toEqual(['a', 'b', 'c', 'd']);
    });

    it('runs calls scheduled during the advance that fall due, including with delay 0', () => {
      const clock = new Clock();
      const ran: [string, number][] = [];
      const log = (name: string) => () => ran.push([name, clock.seconds()]);
      clock.callLater(1, () => {
        log('first')();
        clock.callLater(0, log('zero'));
        clock.callLater(-0.5, log('overdue'));
        clock.callLater(0.5, log('after the new time'));
      });
      clock.advance(2);
      // Calls run with the clock already at the new time: delays count from there,
      // and the overdue call (due 1.5) comes before the one due now (2).
      expect(ran).toEqual([
        ['first', 2],
        ['overdue', 2],
        ['zero', 2],
      ]);
      clock.advance(0.5);
      expect(ran.at(-1)).toEqual(['after the new time', 2.5]);
    });

    it('runs the calls a call makes due at the current time after those already due then', () => {
      const clock = new Clock();
      const ran: string[] = [];
      clock.callLater(1, () => {
        ran.push('a');
        clock.callLater(0, () => ran.push('from a'));
      });
      clock.callLater(1, () => ran.push('b'));
      clock.advance(1);
      expect(ran).toEqual(['a', 'b', 'from a']);
    });

    it('runs nothing when nothing is due, and advance(0) runs what is due now', () => {
      const { clock, ran, at } = clockWithLog();
      at(1, 'a');
      clock.advance(0.999);
      expect(ran).toEqual([]);
      at(0, 'now');
      clock.advance(0);
      expect(ran).toEqual([['now', 0.999]]);
    });

    it('lets an exception from a call propagate, leaving the remaining calls scheduled', () => {
      const { clock, ran, at } = clockWithLog();
      at(1, 'a');
      const boom = new RangeError('boom');
      const bad = clock.callLater(1, () => {
        throw boom;
      });
      at(1, 'c');
      at(2, 'd');
      expect(() => {
        clock.advance(2);
      }).toThrow(boom);
      expect(ran).toEqual([['a', 2]]);
      expect(bad.active()).toBe(false);
      expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([1, 2]);
      clock.advance(0);
      expect(ran.map(([n]) => n)).toEqual(['a', 'c', 'd']);
    });

    it('supports a call advancing the clock itself (re-entrant advance)', () => {
      const clock = new Clock();
      const ran: [string, number][] = [];
      clock.callLater(1, () => {
        ran.push(['outer', clock.seconds()]);
        clock.advance(2);
        ran.push(['outer done', clock.seconds()]);
      });
      clock.callLater(2, () => ran.push(['inner', clock.seconds()]));
      clock.advance(1);
      expect(ran).toEqual([
        ['outer', 1],
        ['inner', 3],
        ['outer done', 3],
      ]);
    });
  });

  describe('pump', () => {
    it('advances by each amount in turn, running calls as each step passes them', () => {
      const { clock, ran, at } = clockWithLog();
      at(1, 'a');
      at(2.5, 'b');
      clock.pump([1, 1, 1]);
      expect(ran).toEqual([
        ['a', 1],
        ['b', 3],
      ]);
      expect(clock.seconds()).toBe(3);
    });
  });

  describe('getDelayedCalls', () => {
    it('lists the pending calls soonest first, and none once they ran or were cancelled', () => {
      const { clock, at } = clockWithLog();
      expect(clock.getDelayedCalls()).toEqual([]);
      const b = at(2, 'b');
      const a = at(1, 'a');
      const c = at(3, 'c');
      expect(clock.getDelayedCalls()).toEqual([a, b, c]);
      c.cancel();
      clock.advance(1);
      expect(clock.getDelayedCalls()).toEqual([b]);
      clock.advance(1);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('returns a snapshot that scheduling does not change', () => {
      const { clock, at } = clockWithLog();
      at(1, 'a');
      const snapshot = clock.getDelayedCalls();
      at(2, 'b');
      expect(snapshot).toHaveLength(1);
    });
  });

  describe('IDelayedCall', () => {
    it('cancel() stops the call from running and removes it', () => {
      const { clock, ran, at } = clockWithLog();
      const call = at(1, 'a');
      call.cancel();
      expect(call.active()).toBe(false);
      clock.advance(2);
      expect(ran).toEqual([]);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('delay() postpones the call from its due time and re-orders it', () => {
      const { clock, ran, at } = clockWithLog();
      const a = at(1, 'a');
      at(2, 'b');
      a.delay(2);
      expect(a.getTime()).toBe(3);
      clock.pump([1, 1, 1]);
      expect(ran).toEqual([
        ['b', 2],
        ['a', 3],
      ]);
    });

    it('reset() reschedules from now, later or sooner, and re-orders it', () => {
      const { clock, ran, at } = clockWithLog();
      const a = at(1, 'a');
      at(2, 'b');
      const c = at(10, 'c');
      a.reset(3);
      c.reset(1.5);
      expect(a.getTime()).toBe(3);
      clock.pump([1, 1, 1]);
      expect(ran).toEqual([
        ['c', 2],
        ['b', 2],
        ['a', 3],
      ]);
    });

    it('keeps its order after reset() among calls later scheduled for earlier times', () => {
      // Twisted's test_callLaterKeepsCallsOrdered.
      const { clock, ran, at } = clockWithLog();
      const a = at(1, 'a');
      a.reset(3);
      at(2, 'b');
      clock.pump([1, 1, 1]);
      expect(ran).toEqual([
        ['b', 2],
        ['a', 3],
      ]);
    });

    it('may be reset, delayed or cancelled from inside another call', () => {
      // Twisted's test_callLaterResetInsideCallKeepsCallsOrdered, plus delay and cancel.
      const { clock, ran, at } = clockWithLog();
      const b = at(2, 'b');
      const d = at(1.5, 'd');
      const e = at(1.5, 'e');
      clock.callLater(1, () => {
        b.reset(3);
        d.delay(3.5);
        e.cancel();
      });
      at(3, 'c');
      clock.pump(Array.from({ length: 10 }, () => 0.5));
      expect(ran).toEqual([
        ['c', 3],
        ['b', 4],
        ['d', 5],
      ]);
    });

    it('may cancel a call due in the same advance, from an earlier one', () => {
      const { clock, ran, at } = clockWithLog();
      clock.callLater(1, () => {
        later.cancel();
      });
      const later = at(1, 'later');
      clock.advance(1);
      expect(ran).toEqual([]);
    });

    it('may reset itself from inside a call due in the same advance, to run again', () => {
      const clock = new Clock();
      const times: number[] = [];
      const other = clock.callLater(2, () => times.push(clock.seconds()));
      clock.callLater(1, () => {
        other.reset(0);
      });
      clock.advance(1);
      expect(times).toEqual([1]);
    });

    it('throws AlreadyCalledError from cancel, delay and reset once the call has run', () => {
      const { clock, at } = clockWithLog();
      const call = at(1, 'a');
      clock.advance(1);
      expect(() => {
        call.cancel();
      }).toThrow(AlreadyCalledError);
      expect(() => {
        call.delay(1);
      }).toThrow(AlreadyCalledError);
      expect(() => {
        call.reset(1);
      }).toThrow(AlreadyCalledError);
    });

    it('throws AlreadyCalledError when a call tries to cancel itself while running', () => {
      const clock = new Clock();
      let caught: unknown;
      const call: IDelayedCall = clock.callLater(1, () => {
        try {
          call.cancel();
        } catch (e) {
          caught = e;
        }
      });
      clock.advance(1);
      expect(caught).toBeInstanceOf(AlreadyCalledError);
    });

    it('throws AlreadyCancelledError from cancel, delay and reset once cancelled', () => {
      const { at } = clockWithLog();
      const call = at(1, 'a');
      call.cancel();
      expect(() => {
        call.cancel();
      }).toThrow(AlreadyCancelledError);
      expect(() => {
        call.delay(1);
      }).toThrow(AlreadyCancelledError);
      expect(() => {
        call.reset(1);
      }).toThrow(AlreadyCancelledError);
    });

    it('is cancelled by Symbol.dispose (`using`) while pending, and it is harmless after', () => {
      const { clock, ran, at } = clockWithLog();
      {
        using _call = at(1, 'a');
      }
      clock.advance(1);
      expect(ran).toEqual([]);
      const done = at(1, 'b');
      clock.advance(1);
      done[Symbol.dispose]();
      expect(ran.map(([n]) => n)).toEqual(['b']);
    });
  });

  describe('ordering property', () => {
    it('runs exactly the uncancelled calls, in (time, scheduling) order, for any advances', () => {
      const scenario = fc
        .array(
          fc.record({
            // Few distinct times so that ties (FIFO) are common.
            delay: fc.integer({ min: 0, max: 20 }).map((n) => n / 4),
            cancelled: fc.boolean(),
          }),
          { maxLength: 40 },
        )
        .chain((calls) =>
          fc.record({
            calls: fc.constant(calls),
            steps: fc.array(
              fc.integer({ min: 0, max: 12 }).map((n) => n / 4),
              {
                maxLength: 10,
              },
            ),
          }),
        );
      fc.assert(
        fc.property(scenario, ({ calls, steps }) => {
          const clock = new Clock();
          const ran: number[] = [];
          const handles = calls.map((c, i) =>
            clock.callLater(c.delay, () => {
              ran.push(i);
              // Every call runs no earlier than due.
              expect(clock.seconds()).toBeGreaterThanOrEqual(c.delay);
            }),
          );
          calls.forEach((c, i) => {
            if (c.cancelled) (handles[i] as IDelayedCall).cancel();
          });
          const max = Math.max(0, ...calls.map((c) => c.delay));
          // Random steps, then one that takes the total past every due time.
          const total = steps.reduce((a, b) => a + b, 0);
          clock.pump([...steps, Math.max(0, max - total) + 0.25]);
          const expected = calls
            .map((c, i) => ({ ...c, i }))
            .filter((c) => !c.cancelled)
            .sort((x, y) => x.delay - y.delay || x.i - y.i)
            .map((c) => c.i);
          expect(ran).toEqual(expected);
          expect(clock.getDelayedCalls()).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });
  });
});
