// Nothing left behind after success, error or cancel, for each adapter: no listener on a signal or
// emitter, no open subscription, no pending delayed call or scheduler action — and the objects of
// the finished operation are garbage-collected while the long-lived ends they were attached to
// (a signal, an emitter, a Subject, a queue, a clock) stay alive. A listener or subscription left
// behind would keep them reachable, so the FinalizationRegistry check catches what a count misses.
// vitest.config.ts runs the workers with --expose-gc.
import { EventEmitter, getEventListeners } from 'node:events';

import { Subject, timeout, timer, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { cancelOnAbort, runAbortable } from '../../adapters/promise/abort.js';
import { iterateQueue } from '../../adapters/promise/queue-iterator.js';
import { whenEvent } from '../../adapters/events/when-event.js';
import { fromAsyncIterable, iterateObservable } from '../../adapters/rxjs/async-iterable.js';
import { fromObservable, toObservable } from '../../adapters/rxjs/deferred.js';
import { ReactorScheduler } from '../../adapters/rxjs/scheduler.js';
import { SchedulerTime } from '../../adapters/rxjs/scheduler-time.js';
import { Deferred } from '../../src/core/defer.js';
import { DeferredQueue } from '../../src/core/deferred-queue.js';
import { Clock } from '../../src/testing/clock.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { settle } from '../support/promises.js';

type Outcome = 'success' | 'error' | 'cancel';
const OUTCOMES: readonly Outcome[] = ['success', 'error', 'cancel'];

/** Registers an object that must be collectable once the operation is over. */
type Track = (o: object) => void;

/**
 * Runs `scenario`, which tracks the short-lived objects of one operation, then collects garbage
 * (a bounded number of times, letting finalizers run in between) until all are gone.
 */
async function expectCollected(scenario: (track: Track) => Promise<void> | void): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc (vitest.config.ts does)');
  let tracked = 0;
  let collected = 0;
  const registry = new FinalizationRegistry<null>(() => {
    collected += 1;
  });
  await scenario((o) => {
    tracked += 1;
    registry.register(o, null);
  });
  for (let i = 0; i < 20 && collected < tracked; i++) {
    gc();
    await settle();
  }
  expect(tracked).toBeGreaterThan(0);
  expect(collected).toBe(tracked);
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

interface LeakCase {
  readonly adapter: string;
  /** Makes the long-lived ends, then returns the scenario run on them for `outcome`. */
  readonly setUp: (outcome: Outcome) => (track: Track) => Promise<void> | void;
}

const cases: LeakCase[] = [
  {
    adapter: 'cancelOnAbort',
    setUp: (outcome) => {
      const controller = new AbortController();
      return (track) => {
        const d = cancelOnAbort(new Deferred<number>(), controller.signal);
        track(d);
        d.addErrback(() => 0);
        if (outcome === 'success') d.callback(1);
        else if (outcome === 'error') d.errback(new RangeError('failed'));
        else controller.abort();
        expect(abortListeners(controller.signal)).toBe(0);
      };
    },
  },
  {
    adapter: 'runAbortable',
    setUp: (outcome) => {
      const controller = new AbortController();
      return async (track) => {
        const op = (signal: AbortSignal): Promise<number> =>
          new Promise((resolve, reject) => {
            if (outcome === 'success') resolve(1);
            else if (outcome === 'error') reject(new RangeError('failed'));
            else
              signal.addEventListener('abort', () => {
                reject(signal.reason as Error);
              });
          });
        track(op);
        const d = runAbortable(op, { signal: controller.signal });
        track(d);
        d.addErrback(() => 0);
        if (outcome === 'cancel') controller.abort();
        await settle();
        expect(d.called).toBe(true);
        expect(abortListeners(controller.signal)).toBe(0);
      };
    },
  },
  {
    adapter: 'toObservable',
    setUp: (outcome) => {
      const d = new Deferred<number>();
      d.addErrback(() => 0);
      return (track) => {
        const observer = { next: () => undefined, error: () => undefined };
        track(observer);
        const subscription = toObservable(d).subscribe(observer);
        if (outcome === 'success') d.callback(1);
        else if (outcome === 'error') d.errback(new RangeError('failed'));
        else subscription.unsubscribe();
        expect(subscription.closed).toBe(true);
      };
    },
  },
  {
    adapter: 'fromObservable',
    setUp: (outcome) => {
      const subject = new Subject<number>();
      return (track) => {
        const d = fromObservable(subject);
        track(d);
        d.addErrback(() => 0);
        if (outcome === 'success') subject.next(1);
        else if (outcome === 'error') subject.error(new RangeError('failed'));
        else d.cancel();
        expect(subject.observed).toBe(false);
      };
    },
  },
  {
    adapter: 'iterateQueue',
    setUp: (outcome) => {
      const queue = new DeferredQueue<number | null>();
      const controller = new AbortController();
      return async (track) => {
        const iterator = iterateQueue(queue, {
          signal: controller.signal,
          isEnd: (v) => v === null,
        });
        track(iterator);
        const loop = (async () => {
          for await (const v of iterator) {
            if (outcome === 'error') throw new RangeError(`failed at ${String(v)}`);
          }
        })();
        queue.put(1);
        if (outcome === 'success') queue.put(null);
        if (outcome === 'cancel') {
          await settle();
          controller.abort();
        }
        await loop.catch(() => undefined);
        expect(queue.waiting).toEqual([]);
        expect(abortListeners(controller.signal)).toBe(0);
      };
    },
  },
  {
    adapter: 'iterateObservable',
    setUp: (outcome) => {
      const subject = new Subject<number>();
      return async (track) => {
        const iterator = iterateObservable(subject);
        track(iterator);
        const loop = (async () => {
          for await (const v of iterator) if (v === 2) break;
        })();
        await settle();
        subject.next(1);
        if (outcome === 'success') subject.complete();
        else if (outcome === 'error') subject.error(new RangeError('failed'));
        else subject.next(2);
        await loop.catch(() => undefined);
        expect(subject.observed).toBe(false);
      };
    },
  },
  {
    adapter: 'fromAsyncIterable',
    setUp: (outcome) => {
      const subject = new Subject<number>();
      return async (track) => {
        const observer = { next: () => undefined, error: () => undefined };
        track(observer);
        const subscription = fromAsyncIterable(iterateObservable(subject)).subscribe(observer);
        await settle();
        if (outcome === 'success') subject.complete();
        else if (outcome === 'error') subject.error(new RangeError('failed'));
        else subscription.unsubscribe();
        await settle();
        expect(subscription.closed).toBe(true);
        expect(subject.observed).toBe(false);
      };
    },
  },
  {
    adapter: 'whenEvent',
    setUp: (outcome) => {
      const emitter = new EventEmitter();
      const controller = new AbortController();
      return (track) => {
        const d = whenEvent(emitter, 'ready', { signal: controller.signal });
        track(d);
        d.addErrback(() => 0);
        if (outcome === 'success') emitter.emit('ready');
        else if (outcome === 'error') emitter.emit('error', new RangeError('failed'));
        else controller.abort();
        expect(emitter.listenerCount('ready') + emitter.listenerCount('error')).toBe(0);
        expect(abortListeners(controller.signal)).toBe(0);
      };
    },
  },
  {
    adapter: 'SchedulerTime',
    setUp: (outcome) => {
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      // Made here, so its stack (kept by the log's history) does not hold the work function.
      const error = new RangeError('failed');
      return (track) => {
        const work = (): void => {
          if (outcome === 'error') throw error;
        };
        track(work);
        const call = time.callLater(1, work);
        using _logs = new LogCapture();
        if (outcome === 'cancel') call.cancel();
        scheduler.flush();
        expect(time.getDelayedCalls()).toEqual([]);
        expect((scheduler as unknown as { actions: unknown[] }).actions).toEqual([]);
      };
    },
  },
  {
    adapter: 'ReactorScheduler',
    setUp: (outcome) => {
      const clock = new Clock();
      const scheduler = new ReactorScheduler(clock);
      return (track) => {
        const observer = { next: () => undefined, error: () => undefined };
        track(observer);
        const source =
          outcome === 'error'
            ? timer(10, scheduler).pipe(timeout({ first: 5, scheduler }))
            : timer(10, scheduler);
        const subscription = source.subscribe(observer);
        if (outcome === 'cancel') subscription.unsubscribe();
        clock.advance(0.02);
        expect(subscription.closed).toBe(true);
        expect(clock.getDelayedCalls()).toEqual([]);
      };
    },
  },
];

describe('adapters leave nothing behind', () => {
  for (const c of cases) {
    for (const outcome of OUTCOMES) {
      it(`${c.adapter}, after ${outcome}: no listener, subscription or call left, and collectable`, async () => {
        const scenario = c.setUp(outcome);
        await expectCollected(scenario);
      });
    }
  }
});
