import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DelayedCall, type DelayedCallOwner } from '../../src/core/delayed-call.js';
import { TimerQueue } from '../../src/core/timer-queue.js';

/** An owner that does nothing: these tests drive the heap by hand. */
const owner: DelayedCallOwner = {
  seconds: () => 0,
  cancelled: () => undefined,
  rescheduled: () => undefined,
};

function call(time: number, seq: number): DelayedCall {
  return new DelayedCall(owner, time, seq, () => undefined, []);
}

/** Pops everything, returning `[time, seq]` pairs in pop order. */
function drain(heap: TimerQueue): [number, number][] {
  const out: [number, number][] = [];
  for (let c = heap.pop(); c !== undefined; c = heap.pop()) out.push([c.time, c.seq]);
  return out;
}

/** (time, seq) ordering, as the heap promises. */
function compare(a: DelayedCall, b: DelayedCall): number {
  return a.time - b.time || a.seq - b.seq;
}

/**
 * Checks the heap's invariants through its surface: the queued calls are
 * exactly `size` distinct calls, and no child entry comes before its parent.
 */
function expectValid(heap: TimerQueue): void {
  const items = heap.toArray();
  expect(items.length).toBe(heap.size);
  expect(new Set(items).size).toBe(items.length);
  expect(heap.isValid()).toBe(true);
}

describe('TimerQueue', () => {
  describe('pop', () => {
    it('returns calls soonest first, whatever order they were pushed in', () => {
      const heap = new TimerQueue();
      [5, 1, 4, 2, 3].forEach((t, seq) => {
        heap.push(call(t, seq), t);
      });
      expect(drain(heap).map(([t]) => t)).toEqual([1, 2, 3, 4, 5]);
    });

    it('returns calls due at the same time in scheduling (seq) order', () => {
      const heap = new TimerQueue();
      for (const seq of [3, 0, 4, 1, 2]) heap.push(call(7, seq), 7);
      heap.push(call(6, 9), 6);
      expect(drain(heap)).toEqual([
        [6, 9],
        [7, 0],
        [7, 1],
        [7, 2],
        [7, 3],
        [7, 4],
      ]);
    });

    it('returns undefined when empty, and marks popped calls as no longer queued', () => {
      const heap = new TimerQueue();
      expect(heap.pop()).toBeUndefined();
      expect(heap.peek()).toBeUndefined();
      const c = call(1, 0);
      heap.push(c, c.time);
      expect(heap.peek()).toBe(c);
      expect(heap.pop()).toBe(c);
      expect(c.index).toBe(-1);
      expect(heap.size).toBe(0);
    });
  });

  describe('remove', () => {
    it('removes an arbitrary call, leaving the rest in order and the heap valid', () => {
      const heap = new TimerQueue();
      const calls = Array.from({ length: 50 }, (_, i) => call((i * 37) % 50, i));
      for (const c of calls) heap.push(c, c.time);
      const removed = calls.filter((_, i) => i % 3 === 0);
      for (const c of removed) {
        heap.remove(c);
        expect(c.index).toBe(-1);
        expectValid(heap);
      }
      const expected = calls
        .filter((c) => !removed.includes(c))
        .sort(compare)
        .map((c) => [c.time, c.seq]);
      expect(drain(heap)).toEqual(expected);
    });

    it('ignores a call that is not queued (already popped or removed)', () => {
      const heap = new TimerQueue();
      const a = call(1, 0);
      const b = call(2, 1);
      heap.push(a, a.time);
      heap.push(b, b.time);
      heap.pop();
      heap.remove(a);
      heap.remove(call(0, 5));
      expect(heap.size).toBe(1);
      expect(heap.peek()).toBe(b);
    });
  });

  describe('update', () => {
    it('moves a call up or down after its time changed', () => {
      const heap = new TimerQueue();
      const calls = Array.from({ length: 20 }, (_, i) => call(i, i));
      for (const c of calls) heap.push(c, c.time);
      const last = calls[19] as DelayedCall;
      last.time = -1;
      heap.update(last, last.time);
      expectValid(heap);
      expect(heap.peek()).toBe(last);
      const first = calls[0] as DelayedCall;
      last.time = 100;
      heap.update(last, last.time);
      expect(heap.peek()).toBe(first);
      first.time = 50.5;
      heap.update(first, first.time);
      expectValid(heap);
      const order = drain(heap).map(([t]) => t);
      expect(order).toEqual([...Array.from({ length: 18 }, (_, i) => i + 1), 50.5, 100]);
    });
  });

  describe('against a sorted-array model', () => {
    type Op =
      | { kind: 'push'; time: number }
      | { kind: 'pop' }
      | { kind: 'popDue'; now: number; limit: number }
      | { kind: 'remove'; pick: number }
      | { kind: 'update'; pick: number; time: number };

    const time = fc.integer({ min: 0, max: 20 }).map((t) => t / 4); // many ties
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), time }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('popDue' as const), now: time, limit: fc.nat({ max: 60 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), time }),
    );

    it('agrees with the model after any sequence of push, pop, popDue, remove and update', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
          const heap = new TimerQueue();
          let model: DelayedCall[] = [];
          let seq = 0;
          for (const o of ops) {
            switch (o.kind) {
              case 'push': {
                const c = call(o.time, seq++);
                // Delays from a small set, so lists hold several calls (and pushes land out of
                // order within a list, as rescheduled calls can).
                heap.push(c, o.time % 1);
                model.push(c);
                break;
              }
              case 'pop': {
                model.sort(compare);
                expect(heap.pop()).toBe(model.shift());
                break;
              }
              case 'popDue': {
                model.sort(compare);
                const first = model[0];
                const due = first !== undefined && first.time <= o.now && first.seq < o.limit;
                expect(heap.popDue(o.now, o.limit)).toBe(due ? model.shift() : undefined);
                break;
              }
              case 'remove': {
                const c = model[o.pick % Math.max(1, model.length)];
                if (c === undefined) break;
                heap.remove(c);
                model = model.filter((m) => m !== c);
                break;
              }
              case 'update': {
                const c = model[o.pick % Math.max(1, model.length)];
                if (c === undefined) break;
                c.time = o.time;
                heap.update(c, c.time);
                break;
              }
            }
            expect(heap.size).toBe(model.length);
            model.sort(compare);
            expect(heap.peek()).toBe(model[0]);
          }
          expectValid(heap);
          const rest = [...model].sort(compare).map((c) => [c.time, c.seq]);
          expect(drain(heap)).toEqual(rest);
        }),
        { numRuns: 300 },
      );
    });
  });
});
