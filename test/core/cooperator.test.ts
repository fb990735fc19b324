import { describe, expect, it } from 'vitest';

import {
  coiterate,
  cooperate,
  Cooperator,
  Deferred,
  DeferredList,
  fail,
  NotPaused,
  SchedulerError,
  SchedulerStopped,
  TaskDone,
  TaskFailed,
  TaskFinished,
  TaskStopped,
} from '../../src/core/index.js';
import type { CooperativeTask } from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';

/** A scheduler that queues ticks until `pump()` runs the queued ones (Twisted's FakeScheduler). */
class FakeScheduler {
  work: { tick: () => void; cancelled: boolean }[] = [];
  readonly schedule = (tick: () => void): { cancel(): void } => {
    const unit = {
      tick,
      cancelled: false,
      cancel(): void {
        unit.cancelled = true;
      },
    };
    this.work.push(unit);
    return unit;
  };
  /** Runs the ticks queued so far (not those they queue). */
  pump(): void {
    const work = this.work;
    this.work = [];
    for (const unit of work) if (!unit.cancelled) unit.tick();
  }
  get pending(): number {
    return this.work.filter((u) => !u.cancelled).length;
  }
}

class UnhandledError extends Error {
  override name = 'UnhandledError';
}

/**
 * One task on a Cooperator that takes one step per tick, driven by a
 * FakeScheduler; the worker yields 1, 2, 3... or, on request, a Deferred,
 * the end, or an error (Twisted's RunStateTests fixture).
 */
function runState(): {
  scheduler: FakeScheduler;
  cooperator: Cooperator;
  task: CooperativeTask;
  iterator: Iterator<unknown>;
  work: unknown[];
  deferNext: () => void;
  stopNext: () => void;
  dieNext: () => void;
} {
  let next: 'value' | 'defer' | 'stop' | 'die' = 'value';
  const work: unknown[] = [];
  function* worker(): Generator {
    let i = 0;
    for (;;) {
      i += 1;
      const what = next;
      next = 'value';
      if (what === 'defer') {
        const d = new Deferred();
        work.push(d);
        yield d;
      } else if (what === 'stop') {
        return;
      } else if (what === 'die') {
        throw new UnhandledError();
      } else {
        work.push(i);
        yield i;
      }
    }
  }
  const scheduler = new FakeScheduler();
  const cooperator = new Cooperator({
    scheduler: scheduler.schedule,
    terminationPredicateFactory: () => () => true,
  });
  const iterator = worker();
  const task = cooperator.cooperate(iterator);
  cooperator.start();
  return {
    scheduler,
    cooperator,
    task,
    iterator,
    work,
    deferNext: () => (next = 'defer'),
    stopNext: () => (next = 'stop'),
    dieNext: () => (next = 'die'),
  };
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('Cooperator', () => {
  describe('constructor', () => {
    it('is running unless started: false', () => {
      expect(new Cooperator({ clock: new Clock() }).running).toBe(true);
      expect(new Cooperator({ clock: new Clock(), started: false }).running).toBe(false);
    });

    it('throws RangeError for a negative timeSlice', () => {
      expect(() => new Cooperator({ timeSlice: -1 })).toThrow(RangeError);
    });

    it('needs no reactor when given a scheduler and a termination predicate', () => {
      const scheduler = new FakeScheduler();
      const coop = new Cooperator({
        scheduler: scheduler.schedule,
        terminationPredicateFactory: () => () => false,
      });
      const d = coop.coiterate(range(3));
      scheduler.pump();
      successResultOf(d);
    });
  });

  describe('coiterate', () => {
    it('schedules a tick with clock.callLater(0) and fires with the iterator when exhausted', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const it = range(3);
      const d = coop.coiterate(it);
      expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([0]);
      assertNoResult(d);
      clock.advance(0);
      expect(successResultOf(d)).toBe(it);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('shares time round-robin: one step from each task in turn', () => {
      // Twisted's testCooperation.
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const seen: unknown[] = [];
      function* each<T>(things: Iterable<T>): Generator<undefined> {
        for (const thing of things) {
          seen.push(thing);
          yield undefined;
        }
      }
      const groups: Iterable<unknown>[] = ['abc', [1, 2, 3], 'def', [4, 5, 6]];
      const all = new DeferredList(groups.map((g) => coop.coiterate(each(g))));
      clock.advance(0);
      successResultOf(all);
      expect(seen).toEqual(['a', 1, 'd', 4, 'b', 2, 'e', 5, 'c', 3, 'f', 6]);
    });

    it('accepts iterables such as arrays, firing with the iterable given', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const items = [1, 2, 3];
      const d = coop.coiterate(items);
      clock.advance(0);
      expect(successResultOf(d)).toBe(items);
    });

    it('throws TypeError for something that is neither an iterator nor an iterable', () => {
      const coop = new Cooperator({ clock: new Clock() });
      expect(() => coop.coiterate(42 as unknown as Iterable<unknown>)).toThrow(TypeError);
    });

    it('fails with the error the iterator throws', () => {
      // Twisted's testUnexpectedError.
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      // eslint-disable-next-line require-yield -- fails on the first step
      function* broken(): Generator<never> {
        throw new UnhandledError('broken');
      }
      const d = coop.coiterate(broken());
      clock.advance(0);
      failureResultOf(d, UnhandledError);
    });

    it('fails with the failure of a yielded Deferred that fails later', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      function* waits(): Generator<Deferred> {
        const d = new Deferred();
        clock.callLater(1, () => {
          d.errback(new UnhandledError());
        });
        yield d;
      }
      const done = coop.coiterate(waits());
      clock.advance(0);
      assertNoResult(done);
      clock.advance(1);
      failureResultOf(done, UnhandledError);
    });

    it('fails with the failure of a yielded Deferred that has already failed', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      function* failing(): Generator<Deferred> {
        yield fail(new UnhandledError());
      }
      const d = coop.coiterate(failing());
      clock.advance(0);
      failureResultOf(d, UnhandledError);
    });

    it('pauses a task on a yielded Deferred until it fires, while others go on', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const seen: string[] = [];
      const gate = new Deferred<string>();
      function* a(): Generator {
        seen.push('a1');
        yield gate;
        seen.push('a2');
      }
      function* b(): Generator {
        for (let i = 1; i <= 3; i++) {
          seen.push(`b${String(i)}`);
          yield undefined;
        }
      }
      const da = coop.coiterate(a());
      const db = coop.coiterate(b());
      clock.advance(0);
      expect(seen).toEqual(['a1', 'b1', 'b2', 'b3']);
      successResultOf(db);
      assertNoResult(da);
      gate.callback('open');
      expect(clock.getDelayedCalls()).toHaveLength(1);
      clock.advance(0);
      expect(seen.at(-1)).toBe('a2');
      successResultOf(da);
    });

    it('pauses a task on a yielded promise until it settles', async () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const seen: string[] = [];
      let release!: (v: string) => void;
      function* waits(): Generator<unknown, void, unknown> {
        seen.push('before');
        yield new Promise<string>((resolve) => {
          release = resolve;
        });
        seen.push('after');
      }
      const d = coop.coiterate(waits());
      clock.advance(0);
      expect(seen).toEqual(['before']);
      expect(clock.getDelayedCalls()).toEqual([]);
      release('go');
      await Promise.resolve();
      await Promise.resolve();
      clock.advance(0);
      expect(seen).toEqual(['before', 'after']);
      successResultOf(d);
    });

    it('fails a task whose yielded promise rejects with that error', async () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      function* rejects(): Generator<Promise<never>> {
        yield Promise.reject(new UnhandledError('async'));
      }
      const d = coop.coiterate(rejects());
      clock.advance(0);
      await expect(d).rejects.toThrow(UnhandledError);
    });

    it('schedules only one tick when a completion callback adds a task', () => {
      // Twisted's testCallbackReCoiterate.
      const scheduler = new FakeScheduler();
      const coop = new Cooperator({
        scheduler: scheduler.schedule,
        terminationPredicateFactory: () => () => true,
      });
      const done: unknown[] = [];
      coop.coiterate([]).addCallback(() => {
        coop.coiterate([]).addBoth((r) => done.push(r));
      });
      let rounds = 0;
      while (done.length === 0 && rounds < 50) {
        expect(scheduler.pending).toBeLessThanOrEqual(1);
        scheduler.pump();
        rounds += 1;
      }
      expect(done).toHaveLength(1);
    });
  });

  describe('time slices', () => {
    it('ends a tick when the termination predicate says so, continuing next tick', () => {
      // Twisted's testResourceExhaustion.
      const scheduler = new FakeScheduler();
      let exhausted = false;
      const output: number[] = [];
      function* producer(): Generator<number> {
        for (let i = 0; i < 100; i++) {
          output.push(i);
          if (i === 9) exhausted = true;
          yield i;
        }
      }
      const coop = new Cooperator({
        scheduler: scheduler.schedule,
        terminationPredicateFactory: () => () => exhausted,
      });
      coop.coiterate(producer()).addErrback((f) => f.trap(SchedulerStopped));
      scheduler.pump();
      expect(output).toEqual([...range(10)]);
      expect(scheduler.pending).toBe(1);
      coop.stop();
      expect(scheduler.pending).toBe(0);
    });

    it('measures the slice (default 0.01 s) with the clock', () => {
      const clock = new Clock();
      const ticks: number[][] = [];
      const coop = new Cooperator({
        clock,
        scheduler: (tick) =>
          clock.callLater(0, () => {
            ticks.push([]);
            tick();
          }),
      });
      // Each step takes 4 ms of (fake) time: three steps use up a 10 ms slice.
      function* slow(id: number): Generator<undefined> {
        for (let i = 0; i < 4; i++) {
          ticks.at(-1)?.push(id * 10 + i);
          clock.advance(0.004);
          yield undefined;
        }
      }
      const a = coop.coiterate(slow(1));
      const b = coop.coiterate(slow(2));
      clock.advance(0);
      // The third tick also sees both generators end (ending takes no time).
      expect(ticks).toEqual([
        [10, 20, 11],
        [21, 12, 22],
        [13, 23],
      ]);
      successResultOf(a);
      successResultOf(b);
    });

    it('takes one step per tick with timeSlice 0', () => {
      const scheduler = new FakeScheduler();
      const coop = new Cooperator({
        clock: new Clock(),
        timeSlice: 0,
        scheduler: scheduler.schedule,
      });
      const seen: number[] = [];
      function* record(): Generator<undefined> {
        for (let i = 0; i < 3; i++) {
          seen.push(i);
          yield undefined;
        }
      }
      coop.coiterate(record());
      scheduler.pump();
      expect(seen).toEqual([0]);
      scheduler.pump();
      expect(seen).toEqual([0, 1]);
    });

    it('runs every task in one tick, with a Clock, when the steps do not advance it', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const d = coop.coiterate(range(1000));
      clock.advance(0);
      successResultOf(d);
      expect(clock.seconds()).toBe(0);
    });
  });

  describe('start and stop', () => {
    it('runs nothing before start() when created with started: false', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock, started: false });
      const d = coop.coiterate(range(2));
      expect(clock.getDelayedCalls()).toEqual([]);
      coop.start();
      expect(coop.running).toBe(true);
      clock.advance(0);
      successResultOf(d);
    });

    it('stop() fails running tasks with SchedulerStopped before they finish', () => {
      // Twisted's testStopRunning.
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const seen: number[] = [];
      function* record(): Generator<undefined> {
        for (let i = 0; i < 3; i++) {
          seen.push(i);
          yield undefined;
        }
      }
      const d = coop.coiterate(record());
      coop.stop();
      expect(coop.running).toBe(false);
      failureResultOf(d, SchedulerStopped);
      clock.advance(1);
      expect(seen).toEqual([]);
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('stop() fails a task waiting on a yielded Deferred at once, ignoring its result', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const outstanding = new Deferred<string>();
      let resumed = false;
      function* waits(): Generator {
        yield outstanding;
        resumed = true;
      }
      const d = coop.coiterate(waits());
      clock.advance(0);
      coop.stop();
      failureResultOf(d, SchedulerStopped);
      outstanding.callback('arglebargle');
      clock.advance(0);
      expect(resumed).toBe(false);
    });

    it('stop() fails paused tasks too', () => {
      const coop = new Cooperator({ clock: new Clock() });
      const task = coop.cooperate(range(3));
      const d = task.whenDone();
      task.pause();
      coop.stop();
      failureResultOf(d, SchedulerStopped);
      expect(() => {
        task.pause();
      }).toThrow(SchedulerStopped);
    });

    it('fails tasks added after stop() at once, whether or not start() was called before', () => {
      // Twisted's testStoppedRejectsNewTasks.
      for (const coop of [
        new Cooperator({ clock: new Clock() }),
        new Cooperator({ clock: new Clock(), started: false }),
      ]) {
        coop.stop();
        failureResultOf(coop.coiterate([]), SchedulerStopped);
      }
    });

    it('runs new tasks again after start() following stop()', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      coop.stop();
      coop.start();
      expect(coop.running).toBe(true);
      const d = coop.coiterate(range(2));
      clock.advance(0);
      successResultOf(d);
    });

    it('cancels the scheduled tick when the last task leaves, and schedules one for a new task', () => {
      // Twisted's test_removingLastTaskStopsScheduledCall.
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const t1 = coop.cooperate(range(2));
      const t2 = coop.cooperate(range(2));
      expect(clock.getDelayedCalls()).toHaveLength(1);
      t1.stop();
      expect(clock.getDelayedCalls()).toHaveLength(1);
      t2.stop();
      expect(clock.getDelayedCalls()).toEqual([]);
      coop.cooperate(range(2));
      expect(clock.getDelayedCalls()).toHaveLength(1);
    });

    it('may be stopped from a completion callback while ticking', () => {
      // Twisted's test_stopCooperatorReentrancy.
      const { scheduler, cooperator, task, iterator, stopNext } = runState();
      const phases: unknown[] = [];
      task.whenDone().addCallback((result) => {
        phases.push(result);
        cooperator.stop();
        phases.push('done');
      });
      stopNext();
      scheduler.pump();
      expect(phases).toEqual([iterator, 'done']);
    });
  });
});

describe('CooperativeTask', () => {
  describe('pause and resume', () => {
    it('stop taking steps while paused, and start again at the next tick', () => {
      const { scheduler, task, work } = runState();
      scheduler.pump();
      scheduler.pump();
      expect(work).toEqual([1, 2]);
      task.pause();
      scheduler.pump();
      expect(work).toEqual([1, 2]);
      task.resume();
      expect(work).toEqual([1, 2]);
      scheduler.pump();
      expect(work).toEqual([1, 2, 3]);
    });

    it('are counted: two pauses need two resumes', () => {
      const { scheduler, task, work } = runState();
      task.pause();
      task.pause();
      scheduler.pump();
      task.resume();
      scheduler.pump();
      expect(work).toEqual([]);
      task.resume();
      scheduler.pump();
      expect(work).toEqual([1]);
    });

    it('resume() throws NotPaused when the task is not paused', () => {
      const { task } = runState();
      expect(() => {
        task.resume();
      }).toThrow(NotPaused);
      task.pause();
      task.resume();
      expect(() => {
        task.resume();
      }).toThrow(NotPaused);
    });

    it('while waiting on a Deferred: both the Deferred and resume() are needed', () => {
      // Twisted's test_pauseWhileDeferred.
      const { scheduler, task, work, deferNext } = runState();
      deferNext();
      scheduler.pump();
      expect(work).toHaveLength(1);
      expect(work[0]).toBeInstanceOf(Deferred);
      scheduler.pump();
      task.pause();
      scheduler.pump();
      task.resume();
      scheduler.pump();
      expect(work).toHaveLength(1);
      (work[0] as Deferred<string>).callback('STUFF!');
      scheduler.pump();
      expect(work).toEqual([work[0], 2]);
    });

    it('pause() after the task finished throws the matching TaskFinished', () => {
      const { scheduler, task, stopNext } = runState();
      stopNext();
      scheduler.pump();
      expect(() => {
        task.pause();
      }).toThrow(TaskDone);
    });
  });

  describe('whenDone', () => {
    it('returns a separate Deferred each call, each firing with the iterator', () => {
      const { scheduler, task, iterator, stopNext } = runState();
      const d1 = task.whenDone();
      const d2 = task.whenDone();
      expect(d1).not.toBe(d2);
      const seen: unknown[] = [];
      d1.addCallback((r) => {
        seen.push(r);
        return 1;
      });
      d2.addCallback((r) => {
        seen.push(r);
        return 2;
      });
      stopNext();
      scheduler.pump();
      expect(seen).toEqual([iterator, iterator]);
      expect(successResultOf(d1)).toBe(1);
      expect(successResultOf(d2)).toBe(2);
    });

    it("fails with the iterator's error", () => {
      const { scheduler, task, dieNext } = runState();
      const d = task.whenDone();
      dieNext();
      scheduler.pump();
      failureResultOf(d, UnhandledError);
    });

    it('fails with TaskStopped after stop()', () => {
      const { task } = runState();
      const d = task.whenDone();
      task.stop();
      failureResultOf(d, TaskStopped);
    });

    it('fires at once when the task is already done', () => {
      const { scheduler, task, iterator, stopNext } = runState();
      stopNext();
      scheduler.pump();
      expect(successResultOf(task.whenDone())).toBe(iterator);
    });

    it('fails at once with the same failure when the task already failed', () => {
      const { scheduler, task, dieNext } = runState();
      dieNext();
      scheduler.pump();
      const f1 = failureResultOf(task.whenDone(), UnhandledError);
      const f2 = failureResultOf(task.whenDone(), UnhandledError);
      expect(f1.value).toBe(f2.value);
    });
  });

  describe('stop', () => {
    it('removes the task; later stop() and pause() throw TaskStopped', () => {
      const { scheduler, task, work } = runState();
      task.stop();
      scheduler.pump();
      expect(work).toEqual([]);
      expect(() => {
        task.stop();
      }).toThrow(TaskStopped);
      expect(() => {
        task.pause();
      }).toThrow(TaskStopped);
      scheduler.pump();
      expect(work).toEqual([]);
    });

    it('on a paused task: resume() is then allowed and does nothing', () => {
      const { scheduler, task, work } = runState();
      task.pause();
      task.stop();
      task.resume();
      scheduler.pump();
      expect(work).toEqual([]);
    });

    it("while waiting on a Deferred: no more steps, and the Deferred's result is consumed", () => {
      // Twisted's test_stopDeferred.
      const { scheduler, task, work, deferNext } = runState();
      deferNext();
      scheduler.pump();
      const d = work.pop() as Deferred<number>;
      const results: unknown[] = [];
      d.addBoth((r) => results.push(r));
      scheduler.pump();
      task.stop();
      scheduler.pump();
      d.callback(7);
      scheduler.pump();
      expect(results).toEqual([undefined]);
      expect(work).toEqual([]);
    });

    it('throws TaskDone when the iterator was exhausted', () => {
      const { scheduler, task, stopNext } = runState();
      stopNext();
      scheduler.pump();
      expect(() => {
        task.stop();
      }).toThrow(TaskDone);
    });

    it('throws TaskFailed when the iterator failed', () => {
      const { scheduler, task, dieNext } = runState();
      const d = task.whenDone();
      dieNext();
      scheduler.pump();
      failureResultOf(d);
      expect(() => {
        task.stop();
      }).toThrow(TaskFailed);
    });

    it('may be called by the task on itself from inside a step', () => {
      const clock = new Clock();
      const coop = new Cooperator({ clock });
      const holder: { task?: CooperativeTask } = {};
      function* stopsItself(): Generator<Deferred> {
        holder.task?.stop();
        yield new Deferred();
      }
      holder.task = coop.cooperate(stopsItself());
      const d = holder.task.whenDone();
      clock.advance(0);
      failureResultOf(d, TaskStopped);
      expect(clock.getDelayedCalls()).toEqual([]);
    });
  });

  it('raises errors in Twisted’s tree: SchedulerError > TaskFinished > TaskDone...', () => {
    for (const error of [new TaskDone(), new TaskStopped(), new TaskFailed()]) {
      expect(error).toBeInstanceOf(TaskFinished);
      expect(error).toBeInstanceOf(SchedulerError);
    }
    expect(new SchedulerStopped()).toBeInstanceOf(SchedulerError);
    expect(new NotPaused()).toBeInstanceOf(SchedulerError);
    expect(new SchedulerStopped()).not.toBeInstanceOf(TaskFinished);
  });
});

describe('cooperate and coiterate', () => {
  it('share one Cooperator per clock, so tasks on the same clock take turns', () => {
    const clock = new Clock();
    const seen: string[] = [];
    function* tag(name: string): Generator<undefined> {
      for (let i = 0; i < 2; i++) {
        seen.push(`${name}${String(i)}`);
        yield undefined;
      }
    }
    const a = coiterate(tag('a'), clock);
    const task = cooperate(tag('b'), clock);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    clock.advance(0);
    expect(seen).toEqual(['a0', 'b0', 'a1', 'b1']);
    successResultOf(a);
    successResultOf(task.whenDone());
  });

  it('keep tasks on different clocks apart', () => {
    const [c1, c2] = [new Clock(), new Clock()];
    const d1 = coiterate(range(2), c1);
    const d2 = coiterate(range(2), c2);
    c1.advance(0);
    successResultOf(d1);
    assertNoResult(d2);
    c2.advance(0);
    successResultOf(d2);
  });
});
