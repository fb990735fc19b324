import { asyncScheduler, map, Observable, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { SchedulerTime } from '../../../adapters/rxjs/scheduler-time.js';
import { Protocol } from '../../../src/core/protocol.js';
import { LoopingCall } from '../../../src/core/task.js';
import { IdleTimeout } from '../../../src/protocols/policies/idle-timeout.js';
import { LogCapture } from '../../../src/testing/log-capture.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import {
  describeIReactorTime,
  type ReactorTimeHarness,
} from '../../support/reactor-time-contract.js';

/** Moves a virtual scheduler `seconds` forward, running the actions due by then. */
function advanceVirtual(scheduler: VirtualTimeScheduler, seconds: number): void {
  const target = scheduler.frame + seconds * 1000;
  scheduler.maxFrames = target;
  scheduler.flush();
  scheduler.frame = Math.max(scheduler.frame, target);
  scheduler.maxFrames = Infinity;
}

function virtualHarness(scheduler: VirtualTimeScheduler): ReactorTimeHarness {
  return {
    time: new SchedulerTime(scheduler),
    advance: (seconds) => {
      advanceVirtual(scheduler, seconds);
    },
  };
}

function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

describeIReactorTime('SchedulerTime on a VirtualTimeScheduler', () =>
  virtualHarness(new VirtualTimeScheduler()),
);

describeIReactorTime('SchedulerTime on a TestScheduler', () => virtualHarness(newTestScheduler()));

describeIReactorTime(
  'SchedulerTime on asyncScheduler (real time)',
  () => {
    const time = new SchedulerTime(asyncScheduler);
    return {
      time,
      // Waits on a call of its own, then until every call due by the target has run.
      async advance(seconds) {
        const target = time.seconds() + seconds;
        await new Promise<void>((resolve) => time.callLater(seconds, resolve));
        while (time.getDelayedCalls().some((c) => c.getTime() <= target)) {
          await new Promise<void>((resolve) => time.callLater(0, resolve));
        }
      },
    };
  },
  { unit: 0.002 },
);

/** The scheduler actions a VirtualTimeScheduler still holds. */
function pendingActions(scheduler: VirtualTimeScheduler): number {
  return (scheduler as unknown as { actions: unknown[] }).actions.length;
}

describe('SchedulerTime', () => {
  describe('seconds', () => {
    it('is the scheduler time in seconds: frame 1500 is 1.5 s', () => {
      const scheduler = new VirtualTimeScheduler();
      scheduler.frame = 1500;
      expect(new SchedulerTime(scheduler).seconds()).toBe(1.5);
    });

    it('never goes backwards, even if the scheduler clock does', () => {
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      scheduler.frame = 20;
      expect(time.seconds()).toBe(0.02);
      scheduler.frame = 10;
      expect(time.seconds()).toBe(0.02);
    });
  });

  describe('callLater', () => {
    it('runs a call at the frame of its delay in milliseconds', () => {
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      const frames: number[] = [];
      time.callLater(0.25, () => frames.push(scheduler.frame));
      time.callLater(1, () => frames.push(scheduler.frame));
      scheduler.flush();
      expect(frames).toEqual([250, 1000]);
    });

    it('refuses a negative or NaN delay with a RangeError', () => {
      const time = new SchedulerTime(new VirtualTimeScheduler());
      expect(() => time.callLater(-1, () => undefined)).toThrow(RangeError);
      expect(() => time.callLater(Number.NaN, () => undefined)).toThrow(RangeError);
    });

    it('never lets seconds() read below the due time of the running call', () => {
      // 0.1 + 0.2 seconds land on a frame that rounds a hair away from 300.
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      const seen: [number, number][] = [];
      const step = (n: number): void => {
        const call = time.callLater(0.1 + 0.2 * n, () => {
          seen.push([time.seconds(), call.getTime()]);
          if (n < 20) step(n + 1);
        });
      };
      step(0);
      scheduler.flush();
      expect(seen).toHaveLength(21);
      for (const [now, due] of seen) expect(now).toBeGreaterThanOrEqual(due);
    });

    it('keeps one scheduler action armed for the soonest call, and none once idle', () => {
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      const later = time.callLater(5, () => undefined);
      time.callLater(5, () => undefined);
      expect(pendingActions(scheduler)).toBe(1);
      const sooner = time.callLater(1, () => undefined);
      expect(pendingActions(scheduler)).toBe(1);
      sooner.cancel();
      later.reset(0.5);
      expect(pendingActions(scheduler)).toBe(1);
      scheduler.flush();
      expect(time.getDelayedCalls()).toEqual([]);
      expect(pendingActions(scheduler)).toBe(0);
      time.callLater(1, () => undefined).cancel();
      expect(pendingActions(scheduler)).toBe(0);
    });

    it('logs an error thrown by a call, and the other calls and RxJS actions still run', () => {
      const scheduler = new VirtualTimeScheduler();
      const time = new SchedulerTime(scheduler);
      const ran: string[] = [];
      time.callLater(1, () => {
        throw new RangeError('call failed');
      });
      time.callLater(1, () => ran.push('weft'));
      scheduler.schedule(() => ran.push('rxjs'), 2000);
      using logs = new LogCapture();
      scheduler.flush();
      expect(ran).toEqual(['weft', 'rxjs']);
      expect(logs.failures.map((f) => f.value)).toEqual([new RangeError('call failed')]);
      expect(logs.events[0]?.log_namespace).toBe('weft.adapters.rxjs');
    });
  });

  describe('in TestScheduler.run marble tests', () => {
    it('runs a LoopingCall on virtual frames', () => {
      const testScheduler = newTestScheduler();
      testScheduler.run(({ expectObservable }) => {
        const time = new SchedulerTime(testScheduler);
        const ticks = new Observable<number>((subscriber) => {
          let n = 0;
          const loop = new LoopingCall(() => {
            subscriber.next(n++);
            if (n === 3) subscriber.complete();
          });
          loop.clock = time;
          void loop.start(0.01, false);
          return () => {
            if (loop.running) loop.stop();
          };
        });
        expectObservable(ticks).toBe('10ms a 9ms b 9ms (c|)', { a: 0, b: 1, c: 2 });
        // Unsubscribing at 15 ms stops the loop: nothing is left for the flush.
        expectObservable(ticks, '^ 14ms !').toBe('10ms a', { a: 0 });
      });
    });

    it('times out an idle protocol: input resets the countdown, silence closes', () => {
      const testScheduler = newTestScheduler();
      testScheduler.run(({ cold, expectObservable }) => {
        const time = new SchedulerTime(testScheduler);
        // A connection that closes after 20 ms without input; each event is what the test sees.
        const session = (input: Observable<string>): Observable<string> =>
          new Observable<string>((subscriber) => {
            class Session extends Protocol {
              readonly idle = IdleTimeout.forProtocol(this, time);
              override connectionMade(): void {
                this.idle.setTimeout(0.02);
              }
              override dataReceived(data: Uint8Array): void {
                this.idle.resetTimeout();
                subscriber.next(new TextDecoder().decode(data));
              }
              timeoutConnection(): void {
                this.transport.loseConnection();
                subscriber.next('timeout');
                subscriber.complete();
              }
            }
            const transport = new StringTransport();
            const protocol = new Session();
            protocol.makeConnection(transport);
            const feed: Subscription = input.subscribe((text) => {
              protocol.dataReceived(new TextEncoder().encode(text));
            });
            return () => {
              feed.unsubscribe();
              protocol.idle.cancel();
            };
          });
        expectObservable(session(cold('5ms a 9ms b'))).toBe('5ms a 9ms b 19ms (t|)', {
          a: 'a',
          b: 'b',
          t: 'timeout',
        });
        expectObservable(session(cold(''))).toBe('20ms (t|)', { t: 'timeout' });
      });
    });

    it('shares frames with RxJS operators: weft calls and rxjs timers interleave by time', () => {
      const testScheduler = newTestScheduler();
      testScheduler.run(({ cold, expectObservable }) => {
        const time = new SchedulerTime(testScheduler);
        const echoedLater = cold('a 3ms b|').pipe(
          map(
            (v) =>
              new Observable<string>((subscriber) => {
                const call = time.callLater(0.002, () => {
                  subscriber.next(v.toUpperCase());
                  subscriber.complete();
                });
                return () => {
                  if (call.active()) call.cancel();
                };
              }),
          ),
        );
        const flat = new Observable<string>((subscriber) => {
          const inner: Subscription[] = [];
          const outer = echoedLater.subscribe({
            next: (o) =>
              inner.push(
                o.subscribe((v) => {
                  subscriber.next(v);
                }),
              ),
          });
          return () => {
            outer.unsubscribe();
            for (const s of inner) s.unsubscribe();
          };
        });
        expectObservable(flat).toBe('2ms A 3ms B');
      });
    });
  });
});
