// RxJS time operators give the same timings on weft's time as in RxJS's own marble tests:
// each pipeline runs three ways and must agree to the millisecond —
//   1. under TestScheduler.run (RxJS virtualizes its asyncScheduler), checked against a marble;
//   2. on a ReactorScheduler over a Clock, advanced by 0, then 1 ms at a time;
//   3. on a ReactorScheduler over a SchedulerTime hosted by the TestScheduler (both adapters).
import {
  asyncScheduler,
  auditTime,
  bufferTime,
  concat,
  debounceTime,
  defer,
  delay,
  interval,
  map,
  merge,
  of,
  retry,
  sampleTime,
  take,
  takeWhile,
  throttleTime,
  throwError,
  timeout,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { ReactorScheduler } from '../../../adapters/rxjs/scheduler.js';
import { SchedulerTime } from '../../../adapters/rxjs/scheduler-time.js';
import { Clock } from '../../../src/testing/clock.js';

type Events = [number, string][];

interface Case {
  /** The operator under test, as a sentence. */
  readonly name: string;
  /** The pipeline; every time-based piece takes `s`. */
  readonly make: (s: SchedulerLike) => Observable<string>;
  /** What TestScheduler shows, as a marble (values are their own letters). */
  readonly marble: string;
  readonly values?: Record<string, unknown>;
  readonly error?: unknown;
}

/** Letters as strings, so marbles can name them. */
const str = (v: unknown): string => String(v);

/** A source that emits `letters[i]` at `times[i]` ms, then completes at `end` ms (an '' ends it). */
function at(s: SchedulerLike, times: number[], letters: string, end: number): Observable<string> {
  return merge(
    ...times.map((t, i) => timer(t, s).pipe(map(() => letters[i] ?? '?'))),
    timer(end, s).pipe(map(() => '')),
  ).pipe(takeWhile((v) => v !== ''));
}

const cases: Case[] = [
  {
    name: 'interval',
    make: (s) => interval(10, s).pipe(take(3), map(str)),
    marble: '10ms 0 9ms 1 9ms (2|)',
  },
  {
    name: 'timer with a period',
    make: (s) => timer(5, 10, s).pipe(take(3), map(str)),
    marble: '5ms 0 9ms 1 9ms (2|)',
  },
  {
    name: 'delay of synchronous values',
    make: (s) => of('a', 'b').pipe(delay(7, s)),
    marble: '7ms (ab|)',
  },
  {
    name: 'delay of a timed source',
    make: (s) => at(s, [0, 4, 5], 'abc', 12).pipe(delay(5, s)),
    marble: '5ms a 3ms bc 1ms |',
  },
  {
    name: 'timeout on the first value',
    make: (s) => timer(20, s).pipe(map(str), timeout({ first: 5, scheduler: s })),
    marble: '5ms #',
    error: 'TimeoutError',
  },
  {
    name: 'timeout between values',
    make: (s) =>
      concat(timer(2, s), timer(10, s)).pipe(map(str), timeout({ each: 5, scheduler: s })),
    marble: '2ms 0 4ms #',
    error: 'TimeoutError',
  },
  {
    name: 'debounceTime',
    make: (s) => at(s, [0, 2, 10, 11], 'abcd', 30).pipe(debounceTime(3, s)),
    marble: '5ms b 8ms d 15ms |',
  },
  {
    name: 'retry with a delay',
    make: (s) => {
      let attempts = 0;
      return defer(() => {
        attempts += 1;
        return attempts < 3 ? throwError(() => new RangeError('flaky')) : of('ok');
      }).pipe(retry({ delay: () => timer(10, s) }));
    },
    marble: '20ms (o|)',
    values: { o: 'ok' },
  },
  {
    name: 'throttleTime',
    make: (s) => at(s, [0, 2, 6, 12], 'abcd', 20).pipe(throttleTime(5, s)),
    marble: 'a 5ms c 5ms d 7ms |',
  },
  {
    name: 'auditTime',
    make: (s) => at(s, [0, 2, 6, 12], 'abcd', 20).pipe(auditTime(5, s)),
    marble: '5ms b 5ms c 5ms d 2ms |',
  },
  {
    name: 'sampleTime',
    make: (s) => at(s, [1, 2, 6, 12], 'abcd', 20).pipe(sampleTime(5, s)),
    marble: '5ms b 4ms c 4ms d 4ms |',
  },
  {
    name: 'bufferTime',
    make: (s) =>
      at(s, [1, 2, 6, 12], 'abcd', 14).pipe(
        bufferTime(5, s),
        map((b) => b.join('') || '_'),
      ),
    marble: '5ms x 4ms c 3ms (d|)',
    values: { x: 'ab', c: 'c', d: 'd' },
  },
];

/** Subscribes `source`, recording `[time in ms, event]` with `now()`. */
function recordOn(source: Observable<string>, now: () => number): Events {
  const events: Events = [];
  source.subscribe({
    next: (v) => events.push([Math.round(now()), `next ${v}`]),
    error: (e: unknown) => events.push([Math.round(now()), `error ${(e as Error).name}`]),
    complete: () => events.push([Math.round(now()), 'complete']),
  });
  return events;
}

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

describe('ReactorScheduler parity with TestScheduler', () => {
  for (const c of cases) {
    it(`${c.name}: the same timings under TestScheduler, on a Clock, and on SchedulerTime`, () => {
      const marbleValues = c.values ?? {};
      // 1. TestScheduler.run, with RxJS's asyncScheduler virtualized.
      const testScheduler = newTestScheduler();
      let underTest: Events = [];
      testScheduler.run(({ expectObservable }) => {
        underTest = recordOn(c.make(asyncScheduler), () => testScheduler.now());
        expectObservable(c.make(asyncScheduler)).toBe(
          c.marble,
          c.values === undefined ? undefined : marbleValues,
          c.error === undefined ? undefined : expect.objectContaining({ name: c.error }),
        );
      });

      // 2. A Clock, moved 1 ms at a time.
      const clock = new Clock();
      const onClock = recordOn(c.make(new ReactorScheduler(clock)), () => clock.seconds() * 1000);
      clock.advance(0); // what is due at 0 ms (timer(0)) runs at 0 ms
      for (let ms = 0; ms < 60; ms++) clock.advance(0.001);
      expect(clock.getDelayedCalls()).toEqual([]);

      // 3. Both adapters at once: weft time hosted by the TestScheduler, RxJS on weft time.
      const host = newTestScheduler();
      let roundTrip: Events = [];
      host.run(() => {
        const time = new SchedulerTime(host);
        roundTrip = recordOn(c.make(new ReactorScheduler(time)), () => host.now());
      });

      expect(underTest.length).toBeGreaterThan(0);
      expect(onClock).toEqual(underTest);
      expect(roundTrip).toEqual(underTest);
    });
  }
});
