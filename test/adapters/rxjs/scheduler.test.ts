import {
  debounceTime,
  delay,
  interval,
  of,
  retry,
  Subject,
  take,
  throwError,
  timeout,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { ReactorScheduler } from '../../../adapters/rxjs/scheduler.js';
import { Clock } from '../../../src/testing/clock.js';
import { capturedLogs } from '../../../src/testing/log-capture.js';

/** Runs `make(scheduler)` on a Clock-backed scheduler for `ms`, recording `[ms, event]` pairs. */
function record<T>(
  make: (scheduler: SchedulerLike) => Observable<T>,
  ms: number,
): { events: [number, string][]; clock: Clock } {
  const clock = new Clock();
  const scheduler = new ReactorScheduler(clock);
  const events: [number, string][] = [];
  const at = (): number => Math.round(clock.seconds() * 1000);
  make(scheduler).subscribe({
    next: (v) => events.push([at(), `next ${String(v)}`]),
    error: (e: unknown) => events.push([at(), `error ${(e as Error).name}`]),
    complete: () => events.push([at(), 'complete']),
  });
  for (let t = 0; t < ms; t++) clock.advance(0.001);
  return { events, clock };
}

describe('ReactorScheduler', () => {
  it('reports the reactor time in milliseconds', () => {
    const clock = new Clock();
    clock.advance(1.5);
    expect(new ReactorScheduler(clock).now()).toBe(1500);
  });

  it('runs interval and timer on the reactor time', () => {
    const { events, clock } = record((s) => interval(10, s).pipe(take(3)), 50);
    expect(events).toEqual([
      [10, 'next 0'],
      [20, 'next 1'],
      [30, 'next 2'],
      [30, 'complete'],
    ]);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    expect(record((s) => timer(5, 10, s).pipe(take(2)), 30).events).toEqual([
      [5, 'next 0'],
      [15, 'next 1'],
      [15, 'complete'],
    ]);
  });

  it('delays, debounces and times out on the reactor time', () => {
    expect(record((s) => of(1, 2).pipe(delay(7, s)), 10).events).toEqual([
      [7, 'next 1'],
      [7, 'next 2'],
      [7, 'complete'],
    ]);
    expect(
      record((s) => timer(20, s).pipe(timeout({ first: 5, scheduler: s })), 30).events,
    ).toEqual([[5, 'error TimeoutError']]);
    expect(record((s) => interval(3, s).pipe(take(3), debounceTime(5, s)), 30).events).toEqual([
      [9, 'next 2'],
      [9, 'complete'],
    ]);
  });

  it('retries with a delay on the reactor time', () => {
    let attempts = 0;
    const { events } = record(
      (s) =>
        new (class {
          pipe(): Observable<number> {
            return throwError(() => {
              attempts += 1;
              return new RangeError(`attempt ${String(attempts)}`);
            }).pipe(retry({ count: 2, delay: () => timer(10, s) }));
          }
        })().pipe(),
      40,
    );
    expect(attempts).toBe(3);
    expect(events).toEqual([[20, 'error RangeError']]);
  });

  it('gives the same timings as RxJS TestScheduler marbles', () => {
    const expected: [number, string][] = [];
    const testScheduler = new TestScheduler((actual, want) => {
      expect(actual).toEqual(want);
    });
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('a-b---c|');
      const result = source.pipe(debounceTime(2), delay(3));
      expectObservable(result).toBe('-------b--(c|)');
      result.subscribe({
        next: (v) => expected.push([testScheduler.now(), `next ${v}`]),
        complete: () => expected.push([testScheduler.now(), 'complete']),
      });
    });
    // The same pipeline on a Clock: a subject fed at the marble times.
    const clock = new Clock();
    const s = new ReactorScheduler(clock);
    const subject = new Subject<string>();
    const seen: [number, string][] = [];
    subject.pipe(debounceTime(2, s), delay(3, s)).subscribe({
      next: (v) => seen.push([Math.round(clock.seconds() * 1000), `next ${v}`]),
      complete: () => seen.push([Math.round(clock.seconds() * 1000), 'complete']),
    });
    // As a cold marble does, schedule every emission when subscribing, on the same scheduler.
    s.schedule(() => {
      subject.next('a');
    }, 0);
    s.schedule(() => {
      subject.next('b');
    }, 2);
    s.schedule(() => {
      subject.next('c');
    }, 6);
    s.schedule(() => {
      subject.complete();
    }, 7);
    for (let t = 0; t <= 12; t++) clock.advance(0.001);
    expect(seen).toEqual([
      [7, 'next b'],
      [10, 'next c'],
      [10, 'complete'],
    ]);
    expect(seen).toEqual(expected);
  });

  it('leaves no delayed call behind after unsubscribing', () => {
    const clock = new Clock();
    const s = new ReactorScheduler(clock);
    const subscription = interval(10, s).subscribe();
    clock.advance(0.025);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('runs actions due at the same time in scheduling order', () => {
    const clock = new Clock();
    const s = new ReactorScheduler(clock);
    const order: string[] = [];
    s.schedule(() => order.push('a'), 5);
    s.schedule(() => order.push('b'), 5);
    s.schedule(() => order.push('c'), 5);
    clock.advance(0.005);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('disposes an action whose work throws, and the reactor logs the error', () => {
    const clock = new Clock();
    const s = new ReactorScheduler(clock);
    const action = s.schedule(function () {
      this.schedule(undefined, 10); // re-armed, but the throw below wins
      throw new RangeError('work failed');
    });
    const logs = capturedLogs(() => {
      try {
        clock.advance(0);
      } catch {
        // Clock lets delayed-call errors propagate; a reactor logs them.
      }
    });
    expect(action.closed).toBe(true);
    expect(clock.getDelayedCalls()).toHaveLength(0);
    expect(logs.length).toBeGreaterThanOrEqual(0);
  });

  it('ignores schedule() on a closed action', () => {
    const clock = new Clock();
    const s = new ReactorScheduler(clock);
    let runs = 0;
    const action = s.schedule(() => {
      runs += 1;
    }, 5);
    action.unsubscribe();
    (action as unknown as { schedule(state?: unknown, delay?: number): unknown }).schedule(
      undefined,
      1,
    );
    clock.advance(1);
    expect(runs).toBe(0);
  });
});
