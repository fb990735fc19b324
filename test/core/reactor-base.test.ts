// ReactorBase, driven through MemoryReactorClock so every test is deterministic: time moves only
// with advance(), and iterate() runs exactly one iteration. Ported from Twisted's test_core.py,
// test_internet.py (ThreePhaseEventTests, SystemEventTests, TimeTests) and test_base.py.
import { describe, expect, it, onTestFinished } from 'vitest';

import { Deferred } from '../../src/core/defer.js';
import {
  ReactorAlreadyRunning,
  ReactorNotRestartable,
  ReactorNotRunning,
} from '../../src/core/errors.js';
import type { IDelayedCall, TriggerId } from '../../src/core/interfaces/reactor.js';
import { globalLogPublisher, type LogEvent } from '../../src/core/index.js';
import { MemoryReactorClock } from '../../src/testing/memory-reactor.js';
import { assertNoResult, successResultOf } from '../../src/testing/results.js';

/** Collects every log event until the end of the current test. */
function observeLog(): LogEvent[] {
  const events: LogEvent[] = [];
  const observer = (event: LogEvent): void => {
    events.push(event);
  };
  globalLogPublisher.addObserver(observer);
  onTestFinished(() => {
    globalLogPublisher.removeObserver(observer);
  });
  return events;
}

/** The values of the failures logged, in order. */
function loggedErrors(events: readonly LogEvent[]): unknown[] {
  return events.flatMap((e) => (e.log_failure === undefined ? [] : [e.log_failure.value]));
}

/** A list of labels, and a factory of functions that push a label onto it. */
function recorder(): { events: string[]; note: (label: string) => () => void } {
  const events: string[] = [];
  return {
    events,
    note: (label) => () => {
      events.push(label);
    },
  };
}

describe('ReactorBase', () => {
  describe('callLater', () => {
    it('runs calls in order of due time, and calls due together first-in first-out', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(2, note('2a'));
      reactor.callLater(1, note('1a'));
      reactor.callLater(2, note('2b'));
      reactor.callLater(1, note('1b'));
      reactor.callLater(0, note('0'));
      reactor.advance(1);
      expect(events).toEqual(['0', '1a', '1b']);
      reactor.advance(1);
      expect(events).toEqual(['0', '1a', '1b', '2a', '2b']);
    });

    it('does not run a call before it is due', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1.5, note('due'));
      reactor.advance(1.499);
      expect(events).toEqual([]);
      reactor.advance(0.001);
      expect(events).toEqual(['due']);
    });

    it('passes the extra arguments to the function', () => {
      const reactor = new MemoryReactorClock();
      const got: unknown[] = [];
      reactor.callLater(
        1,
        (a: number, b: string) => {
          got.push(a, b);
        },
        7,
        'x',
      );
      reactor.advance(1);
      expect(got).toEqual([7, 'x']);
    });

    it.each([
      ['negative', -1],
      ['NaN', Number.NaN],
      ['-Infinity', -Infinity],
    ])('rejects a %s delay with RangeError and schedules nothing', (_, delay) => {
      const reactor = new MemoryReactorClock();
      expect(() => reactor.callLater(delay, () => undefined)).toThrow(RangeError);
      expect(reactor.getDelayedCalls()).toEqual([]);
    });

    it('runs a call scheduled with delay 0 during an iteration in the next iteration, not the current one', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(0, () => {
        events.push('first');
        reactor.callLater(0, note('scheduled during the iteration'));
      });
      reactor.callLater(0, note('second'));
      reactor.iterate();
      expect(events).toEqual(['first', 'second']);
      expect(reactor.getDelayedCalls()).toHaveLength(1);
      reactor.iterate();
      expect(events).toEqual(['first', 'second', 'scheduled during the iteration']);
    });

    it('lets advance() run calls that were scheduled meanwhile and fall due, at the new time', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1, () => {
        events.push(`a at ${reactor.seconds()}`);
        reactor.callLater(0, () => {
          events.push(`b at ${reactor.seconds()}`);
          reactor.callLater(0, note('c'));
          reactor.callLater(0.5, note('d'));
        });
      });
      reactor.advance(1.5);
      expect(events).toEqual(['a at 1.5', 'b at 1.5', 'c']);
      reactor.advance(0.5);
      expect(events).toEqual(['a at 1.5', 'b at 1.5', 'c', 'd']);
    });

    it('runs delayed calls whether or not the reactor was started', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1, note('ran'));
      reactor.advance(1);
      expect(reactor.running).toBe(false);
      expect(events).toEqual(['ran']);
    });

    it('logs an error thrown by a call and still runs the other calls', () => {
      const reactor = new MemoryReactorClock();
      const log = observeLog();
      const { events, note } = recorder();
      const boom = new Error('boom');
      reactor.callLater(1, note('before'));
      reactor.callLater(1, () => {
        throw boom;
      });
      reactor.callLater(1, note('after'));
      reactor.advance(1);
      expect(events).toEqual(['before', 'after']);
      expect(loggedErrors(log)).toEqual([boom]);
      expect(log.find((e) => e.log_failure !== undefined)?.log_level).toBe('critical');
    });

    it('runs the survivors of a cancel-heavy workload, each once, in due-time order', () => {
      const reactor = new MemoryReactorClock();
      const ran: number[] = [];
      const calls: { call: IDelayedCall; time: number; i: number }[] = [];
      let seed = 12345;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let i = 0; i < 10_000; i++) {
        const time = Math.floor(random() * 1000) / 10;
        calls.push({
          call: reactor.callLater(time, () => {
            ran.push(i);
          }),
          time,
          i,
        });
      }
      const kept = calls.filter((_, n) => n % 10 === 0);
      for (const [n, c] of calls.entries()) if (n % 10 !== 0) c.call.cancel();
      expect(reactor.getDelayedCalls()).toHaveLength(1000);
      reactor.advance(100);
      const expected = [...kept].sort((a, b) => a.time - b.time || a.i - b.i).map((c) => c.i);
      expect(ran).toEqual(expected);
      expect(reactor.getDelayedCalls()).toEqual([]);
      expect(reactor.timeout()).toBeNull();
    });
  });

  describe('IDelayedCall from inside other calls', () => {
    it('cancel, reset and delay made by a call take effect before the affected calls run', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1, () => {
        events.push('driver');
        cancelled.cancel();
        reset.reset(4);
        delayed.delay(2);
      });
      const cancelled = reactor.callLater(1, note('cancelled'));
      const reset = reactor.callLater(1, note('reset'));
      const delayed = reactor.callLater(1, note('delayed'));
      reactor.advance(1);
      expect(events).toEqual(['driver']);
      expect(delayed.getTime()).toBe(3);
      expect(reset.getTime()).toBe(5);
      reactor.advance(2);
      expect(events).toEqual(['driver', 'delayed']);
      reactor.advance(2);
      expect(events).toEqual(['driver', 'delayed', 'reset']);
    });

    it('a reset bringing a later call forward makes it run in the same advance', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1, () => {
        events.push('driver');
        later.reset(0);
      });
      const later = reactor.callLater(10, note('later'));
      reactor.advance(1);
      expect(events).toEqual(['driver', 'later']);
    });
  });

  describe('getDelayedCalls', () => {
    it('is a snapshot of the pending calls: run and cancelled ones are gone', () => {
      const reactor = new MemoryReactorClock();
      const a = reactor.callLater(1, () => undefined);
      const b = reactor.callLater(2, () => undefined);
      const c = reactor.callLater(3, () => undefined);
      const snapshot = reactor.getDelayedCalls();
      b.cancel();
      expect(new Set(snapshot)).toEqual(new Set([a, b, c]));
      expect(new Set(reactor.getDelayedCalls())).toEqual(new Set([a, c]));
      reactor.advance(1);
      expect(reactor.getDelayedCalls()).toEqual([c]);
    });
  });

  describe('timeout', () => {
    it('is null with nothing scheduled, else the seconds until the soonest call, never below 0', () => {
      const reactor = new MemoryReactorClock();
      expect(reactor.timeout()).toBeNull();
      const soon = reactor.callLater(2, () => undefined);
      reactor.callLater(5, () => undefined);
      expect(reactor.timeout()).toBe(2);
      soon.cancel();
      expect(reactor.timeout()).toBe(5);
      reactor.rightNow = 7; // time passed without an iteration: the call is overdue
      expect(reactor.timeout()).toBe(0);
      reactor.advance();
      expect(reactor.timeout()).toBeNull();
    });
  });

  describe('run', () => {
    it('fires startup and shutdown triggers in Twisted order, with running set as Twisted sets it', () => {
      const reactor = new MemoryReactorClock();
      const events: string[] = [];
      const at = (label: string) => (): void => {
        events.push(`${label} running=${String(reactor.running)}`);
      };
      const beforeShutdown = new Deferred<void>();
      reactor.addSystemEventTrigger('before', 'startup', at('startup before'));
      reactor.addSystemEventTrigger('during', 'startup', at('startup during'));
      reactor.addSystemEventTrigger('after', 'startup', at('startup after'));
      reactor.callWhenRunning(at('callWhenRunning'));
      reactor.addSystemEventTrigger('before', 'shutdown', () => {
        at('shutdown before')();
        return beforeShutdown;
      });
      reactor.addSystemEventTrigger('during', 'shutdown', at('shutdown during'));
      reactor.addSystemEventTrigger('after', 'shutdown', at('shutdown after'));

      const done = reactor.run();
      expect(events).toEqual([
        'startup before running=false',
        'startup during running=true',
        'startup after running=true',
        'callWhenRunning running=true',
      ]);
      events.length = 0;

      reactor.stop();
      expect(events).toEqual([]); // shutdown fires on the next iteration, not inside stop()
      reactor.advance();
      expect(events).toEqual(['shutdown before running=true']);
      assertNoResult(done);

      beforeShutdown.callback(undefined);
      expect(events).toEqual([
        'shutdown before running=true',
        'shutdown during running=false',
        'shutdown after running=false',
      ]);
      successResultOf(done);
      expect(reactor.running).toBe(false);
    });

    it('waits for a Deferred returned by a before-startup trigger before running', () => {
      const reactor = new MemoryReactorClock();
      const ready = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'startup', () => ready);
      reactor.callWhenRunning(note('running'));
      reactor.run();
      expect(reactor.running).toBe(false);
      expect(events).toEqual([]);
      ready.callback(undefined);
      expect(reactor.running).toBe(true);
      expect(events).toEqual(['running']);
    });

    it('throws ReactorAlreadyRunning when called while starting or running', () => {
      const reactor = new MemoryReactorClock();
      const ready = new Deferred<void>();
      reactor.addSystemEventTrigger('before', 'startup', () => ready);
      reactor.run();
      expect(() => reactor.run()).toThrow(ReactorAlreadyRunning);
      ready.callback(undefined);
      expect(reactor.running).toBe(true);
      expect(() => reactor.run()).toThrow(ReactorAlreadyRunning);
    });

    it('throws ReactorNotRestartable once stop() was called, whether or not shutdown has finished', () => {
      const reactor = new MemoryReactorClock();
      reactor.run();
      reactor.stop();
      expect(() => reactor.run()).toThrow(ReactorNotRestartable);
      reactor.advance();
      expect(() => reactor.run()).toThrow(ReactorNotRestartable);
    });
  });

  describe('stop', () => {
    it('throws ReactorNotRunning when the reactor was never started', () => {
      const reactor = new MemoryReactorClock();
      expect(() => {
        reactor.stop();
      }).toThrow(ReactorNotRunning);
    });

    it('throws ReactorNotRunning when called twice, before or after shutdown completed', () => {
      const reactor = new MemoryReactorClock();
      reactor.run();
      reactor.stop();
      expect(() => {
        reactor.stop();
      }).toThrow(ReactorNotRunning);
      reactor.advance();
      expect(() => {
        reactor.stop();
      }).toThrow(ReactorNotRunning);
    });

    it('called inside a delayed call, fires shutdown only at the end of the iteration', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'shutdown', note('shutdown before'));
      reactor.addSystemEventTrigger('after', 'shutdown', note('shutdown after'));
      const done = reactor.run();
      reactor.callLater(1, () => {
        reactor.stop();
        events.push('stop returned');
      });
      reactor.callLater(1, note('same iteration'));
      reactor.advance(1);
      expect(events).toEqual([
        'stop returned',
        'same iteration',
        'shutdown before',
        'shutdown after',
      ]);
      successResultOf(done);
    });

    it('during startup (a before-startup Deferred pending) shuts down cleanly and never sets running', () => {
      const reactor = new MemoryReactorClock();
      const ready = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'startup', () => ready);
      reactor.addSystemEventTrigger('before', 'shutdown', note('shutdown before'));
      reactor.addSystemEventTrigger('after', 'shutdown', note('shutdown after'));
      const done = reactor.run();
      reactor.stop();
      reactor.advance();
      expect(events).toEqual(['shutdown before', 'shutdown after']);
      successResultOf(done);
      expect(reactor.running).toBe(false);
      ready.callback(undefined);
      expect(reactor.running).toBe(false);
      expect(() => {
        reactor.stop();
      }).toThrow(ReactorNotRunning);
    });

    it('fires shutdown at once when a host calls fireSystemEvent("shutdown") after stop(), and only once', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'shutdown', note('shutdown before'));
      const done = reactor.run();
      reactor.stop();
      reactor.fireSystemEvent('shutdown');
      expect(events).toEqual(['shutdown before']);
      successResultOf(done);
      reactor.advance();
      expect(events).toEqual(['shutdown before']);
    });

    it('leaves delayed calls unrun once shutdown has completed, and arms nothing for new ones', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.run();
      reactor.callLater(1, note('pending at shutdown'));
      reactor.stop();
      reactor.advance();
      reactor.callLater(0, note('scheduled after shutdown'));
      expect(reactor.wakeup).toBeNull();
      reactor.advance(10);
      reactor.iterate();
      expect(events).toEqual([]);
    });

    it('keeps running delayed calls while shutdown waits on before-trigger Deferreds', () => {
      const reactor = new MemoryReactorClock();
      const flushed = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'shutdown', () => flushed);
      reactor.addSystemEventTrigger('during', 'shutdown', note('shutdown during'));
      reactor.run();
      reactor.stop();
      reactor.advance();
      reactor.callLater(1, () => {
        events.push('delayed call');
        flushed.callback(undefined);
      });
      reactor.advance(1);
      expect(events).toEqual(['delayed call', 'shutdown during']);
    });

    it('waits for a promise returned by a before-shutdown trigger', async () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      let resolve: () => void = () => undefined;
      reactor.addSystemEventTrigger(
        'before',
        'shutdown',
        () =>
          new Promise<void>((r) => {
            resolve = r;
          }),
      );
      reactor.addSystemEventTrigger('after', 'shutdown', note('shutdown after'));
      const done = reactor.run();
      reactor.stop();
      reactor.advance();
      await Promise.resolve();
      expect(events).toEqual([]);
      resolve();
      await done;
      expect(events).toEqual(['shutdown after']);
    });

    it('logs a failed before-shutdown Deferred and completes shutdown anyway', () => {
      const reactor = new MemoryReactorClock();
      const log = observeLog();
      const failing = new Deferred<void>();
      const error = new Error('flush failed');
      reactor.addSystemEventTrigger('before', 'shutdown', () => failing);
      const done = reactor.run();
      reactor.stop();
      reactor.advance();
      failing.errback(error);
      successResultOf(done);
      expect(loggedErrors(log)).toEqual([error]);
    });

    it('gives up on before-shutdown Deferreds after shutdownGracePeriod seconds, with a warning', () => {
      const reactor = new MemoryReactorClock();
      reactor.shutdownGracePeriod = 5;
      const log = observeLog();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'shutdown', () => new Deferred<void>());
      reactor.addSystemEventTrigger('during', 'shutdown', note('shutdown during'));
      const done = reactor.run();
      reactor.stop();
      reactor.advance();
      reactor.advance(4.999);
      assertNoResult(done);
      expect(events).toEqual([]);
      reactor.advance(0.001);
      expect(events).toEqual(['shutdown during']);
      successResultOf(done);
      const warnings = log.filter((e) => e.log_level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.seconds).toBe(5);
      expect(warnings[0]?.event).toBe('shutdown');
    });

    it('cancels the grace-period timer once before-shutdown Deferreds have fired', () => {
      const reactor = new MemoryReactorClock();
      const log = observeLog();
      const flushed = new Deferred<void>();
      reactor.addSystemEventTrigger('before', 'shutdown', () => flushed);
      const done = reactor.run();
      reactor.stop();
      reactor.advance();
      expect(reactor.getDelayedCalls()).toHaveLength(1);
      flushed.callback(undefined);
      successResultOf(done);
      reactor.advance(reactor.shutdownGracePeriod);
      expect(log.filter((e) => e.log_level === 'warn')).toEqual([]);
    });

    it('closes connections (disconnectAll) in the during-shutdown phase, before user during-triggers', () => {
      const events: string[] = [];
      class Tracking extends MemoryReactorClock {
        protected override disconnectAll(): void {
          events.push('disconnectAll');
        }
      }
      const reactor = new Tracking();
      reactor.addSystemEventTrigger('before', 'shutdown', () => {
        events.push('before');
      });
      reactor.addSystemEventTrigger('during', 'shutdown', () => {
        events.push('during');
      });
      reactor.run();
      reactor.stop();
      reactor.advance();
      expect(events).toEqual(['before', 'disconnectAll', 'during']);
    });
  });

  describe('crash', () => {
    it("fires run()'s Deferred at once without running any shutdown trigger", () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      for (const phase of ['before', 'during', 'after'] as const) {
        reactor.addSystemEventTrigger(phase, 'shutdown', note(phase));
      }
      reactor.callLater(1, note('delayed call'));
      const done = reactor.run();
      reactor.crash();
      successResultOf(done);
      expect(reactor.running).toBe(false);
      reactor.advance(1);
      expect(events).toEqual([]);
    });

    it('while shutdown waits, finishes at once; the late Deferred then changes nothing', () => {
      let hostStops = 0;
      class Tracking extends MemoryReactorClock {
        protected override stopHost(): void {
          hostStops++;
        }
      }
      const reactor = new Tracking();
      const log = observeLog();
      const flushed = new Deferred<void>();
      reactor.addSystemEventTrigger('before', 'shutdown', () => flushed);
      const done = reactor.run();
      const outcomes: string[] = [];
      done.addBoth((r) => {
        outcomes.push('fired');
        return r;
      });
      reactor.stop();
      reactor.advance();
      reactor.crash();
      expect(outcomes).toEqual(['fired']);
      expect(hostStops).toBe(1);
      flushed.callback(undefined);
      expect(outcomes).toEqual(['fired']);
      expect(hostStops).toBe(1);
      expect(loggedErrors(log)).toEqual([]);
    });

    it('does nothing on a reactor that was never started', () => {
      const reactor = new MemoryReactorClock();
      reactor.crash();
      expect(reactor.running).toBe(false);
      expect(() => reactor.run()).not.toThrow();
    });
  });

  describe('iterate', () => {
    it('returns at once when nothing is due', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.callLater(1, note('later'));
      reactor.iterate();
      expect(events).toEqual([]);
    });
  });

  describe('callWhenRunning', () => {
    it('calls at once and returns null when the reactor is already running', () => {
      const reactor = new MemoryReactorClock();
      reactor.run();
      const got: unknown[] = [];
      const id = reactor.callWhenRunning((a: number) => {
        got.push(a);
      }, 42);
      expect(id).toBeNull();
      expect(got).toEqual([42]);
    });

    it('before running, returns an after-startup trigger id that can be removed', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      const id = reactor.callWhenRunning(note('removed'));
      reactor.callWhenRunning(note('kept'));
      expect(id).toMatchObject({ event: 'startup', phase: 'after' });
      reactor.removeSystemEventTrigger(id as TriggerId);
      reactor.run();
      expect(events).toEqual(['kept']);
    });

    it('logs an error thrown by a function called at once', () => {
      const reactor = new MemoryReactorClock();
      const log = observeLog();
      const error = new Error('oops');
      reactor.run();
      expect(() =>
        reactor.callWhenRunning(() => {
          throw error;
        }),
      ).not.toThrow();
      expect(loggedErrors(log)).toEqual([error]);
    });
  });

  describe('addSystemEventTrigger and fireSystemEvent', () => {
    it('runs a custom event’s before, during and after triggers in that order, once each', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('after', 'custom', note('after'));
      reactor.addSystemEventTrigger('during', 'custom', note('during 1'));
      reactor.addSystemEventTrigger('before', 'custom', note('before'));
      reactor.addSystemEventTrigger('during', 'custom', note('during 2'));
      reactor.fireSystemEvent('custom');
      expect(events).toEqual(['before', 'during 1', 'during 2', 'after']);
      reactor.fireSystemEvent('custom');
      expect(events).toHaveLength(4);
    });

    it('passes the extra arguments to the trigger', () => {
      const reactor = new MemoryReactorClock();
      const got: unknown[] = [];
      reactor.addSystemEventTrigger(
        'during',
        'custom',
        (a: string, b: number) => {
          got.push(a, b);
        },
        'x',
        2,
      );
      reactor.fireSystemEvent('custom');
      expect(got).toEqual(['x', 2]);
    });

    it('rejects an unknown phase with RangeError', () => {
      const reactor = new MemoryReactorClock();
      expect(() =>
        reactor.addSystemEventTrigger('whenever' as 'before', 'custom', () => undefined),
      ).toThrow(RangeError);
    });

    it('waits for every Deferred returned by before-triggers before the during phase', () => {
      const reactor = new MemoryReactorClock();
      const first = new Deferred<void>();
      const second = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'custom', () => first);
      reactor.addSystemEventTrigger('before', 'custom', () => second);
      reactor.addSystemEventTrigger('during', 'custom', note('during'));
      reactor.fireSystemEvent('custom');
      first.callback(undefined);
      expect(events).toEqual([]);
      second.callback(undefined);
      expect(events).toEqual(['during']);
    });

    it('still runs later before-triggers when one fires an earlier one’s Deferred', () => {
      const reactor = new MemoryReactorClock();
      const first = new Deferred<void>();
      const second = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'custom', () => first);
      reactor.addSystemEventTrigger('before', 'custom', () => {
        first.callback(undefined);
      });
      reactor.addSystemEventTrigger('before', 'custom', () => {
        events.push('before');
        return second;
      });
      reactor.addSystemEventTrigger('during', 'custom', note('during'));
      reactor.fireSystemEvent('custom');
      expect(events).toEqual(['before']);
      second.callback(undefined);
      expect(events).toEqual(['before', 'during']);
    });

    it('keeps events independent while one waits on a Deferred', () => {
      const reactor = new MemoryReactorClock();
      const firstD = new Deferred<void>();
      const secondD = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'first', () => {
        events.push('before first');
        return firstD;
      });
      reactor.addSystemEventTrigger('after', 'first', note('after first'));
      reactor.addSystemEventTrigger('before', 'second', () => {
        events.push('before second');
        return secondD;
      });
      reactor.addSystemEventTrigger('after', 'second', note('after second'));
      reactor.fireSystemEvent('first');
      reactor.fireSystemEvent('second');
      expect(events).toEqual(['before first', 'before second']);
      firstD.callback(undefined);
      expect(events).toEqual(['before first', 'before second', 'after first']);
      secondD.callback(undefined);
      expect(events).toEqual(['before first', 'before second', 'after first', 'after second']);
    });

    it('logs triggers that throw, in every phase, and runs the others', () => {
      const reactor = new MemoryReactorClock();
      const log = observeLog();
      const { events, note } = recorder();
      const errors = ['before', 'during', 'after'].map((phase) => new Error(phase));
      for (const [i, phase] of (['before', 'during', 'after'] as const).entries()) {
        reactor.addSystemEventTrigger(phase, 'custom', () => {
          throw errors[i] as Error;
        });
        reactor.addSystemEventTrigger(phase, 'custom', note(phase));
      }
      expect(() => {
        reactor.fireSystemEvent('custom');
      }).not.toThrow();
      expect(events).toEqual(['before', 'during', 'after']);
      expect(loggedErrors(log)).toEqual(errors);
    });
  });

  describe('removeSystemEventTrigger', () => {
    it('removes a trigger before the event fires', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'custom', note('first'));
      const id = reactor.addSystemEventTrigger('before', 'custom', note('second'));
      reactor.removeSystemEventTrigger(id);
      reactor.fireSystemEvent('custom');
      expect(events).toEqual(['first']);
    });

    it('throws RangeError for a trigger that is removed twice, already ran, or was never added', () => {
      const reactor = new MemoryReactorClock();
      const id = reactor.addSystemEventTrigger('during', 'custom', () => undefined);
      reactor.removeSystemEventTrigger(id);
      expect(() => {
        reactor.removeSystemEventTrigger(id);
      }).toThrow(RangeError);
      const ran = reactor.addSystemEventTrigger('after', 'custom', () => undefined);
      reactor.fireSystemEvent('custom');
      expect(() => {
        reactor.removeSystemEventTrigger(ran);
      }).toThrow(RangeError);
      expect(() => {
        reactor.removeSystemEventTrigger({ event: 'never-registered', phase: 'before' });
      }).toThrow(RangeError);
      expect(() => {
        reactor.removeSystemEventTrigger({ event: 'custom', phase: 'before' });
      }).toThrow(RangeError);
      expect(() => {
        reactor.removeSystemEventTrigger({ event: 'custom', phase: 'xxx' as 'before' });
      }).toThrow(RangeError);
    });

    it('is a no-op for a before-trigger that already ran in the current firing', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      const first = reactor.addSystemEventTrigger('before', 'custom', note('first'));
      reactor.addSystemEventTrigger('before', 'custom', () => {
        reactor.removeSystemEventTrigger(first);
      });
      reactor.addSystemEventTrigger('before', 'custom', note('second'));
      reactor.addSystemEventTrigger('during', 'custom', note('during'));
      expect(() => {
        reactor.fireSystemEvent('custom');
      }).not.toThrow();
      expect(events).toEqual(['first', 'second', 'during']);
    });

    it('stops a pending trigger of the same firing from running', () => {
      const reactor = new MemoryReactorClock();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'custom', () => {
        reactor.removeSystemEventTrigger(pendingBefore);
        reactor.removeSystemEventTrigger(pendingDuring);
      });
      const pendingBefore = reactor.addSystemEventTrigger(
        'before',
        'custom',
        note('pending before'),
      );
      const pendingDuring = reactor.addSystemEventTrigger(
        'during',
        'custom',
        note('pending during'),
      );
      reactor.addSystemEventTrigger('during', 'custom', () => {
        reactor.removeSystemEventTrigger(pendingDuring2);
      });
      const pendingDuring2 = reactor.addSystemEventTrigger(
        'during',
        'custom',
        note('pending during 2'),
      );
      reactor.addSystemEventTrigger('after', 'custom', note('after'));
      reactor.fireSystemEvent('custom');
      expect(events).toEqual(['after']);
    });

    it('removes a during-trigger while before-trigger Deferreds are pending', () => {
      const reactor = new MemoryReactorClock();
      const waiting = new Deferred<void>();
      const { events, note } = recorder();
      reactor.addSystemEventTrigger('before', 'custom', () => waiting);
      const during = reactor.addSystemEventTrigger('during', 'custom', note('during'));
      reactor.addSystemEventTrigger('after', 'custom', note('after'));
      reactor.fireSystemEvent('custom');
      reactor.removeSystemEventTrigger(during);
      waiting.callback(undefined);
      expect(events).toEqual(['after']);
    });
  });
});

describe('MemoryReactorClock', () => {
  describe('advance', () => {
    it('completes a pending stop() even when called with no time', () => {
      const reactor = new MemoryReactorClock();
      const done = reactor.run();
      reactor.stop();
      assertNoResult(done);
      reactor.advance();
      successResultOf(done);
    });

    it('reports the wanted wakeup: seconds to the soonest call, 0 to stop, null when idle', () => {
      const reactor = new MemoryReactorClock();
      expect(reactor.wakeup).toBeNull();
      const call = reactor.callLater(3, () => undefined);
      expect(reactor.wakeup).toBe(3);
      call.cancel();
      expect(reactor.wakeup).toBeNull();
      reactor.run();
      reactor.stop();
      expect(reactor.wakeup).toBe(0);
    });
  });

  describe('pump', () => {
    it('advances by each amount in turn, running calls as they fall due', () => {
      const reactor = new MemoryReactorClock();
      const times: number[] = [];
      for (const delay of [1, 2, 3]) {
        reactor.callLater(delay, () => {
          times.push(reactor.seconds());
        });
      }
      reactor.pump([1, 1, 1]);
      expect(times).toEqual([1, 2, 3]);
    });
  });
});
