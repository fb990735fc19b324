// react(), driven in-process on a MemoryReactorClock so each case is deterministic (Twisted's
// ReactTests in twisted/test/test_task.py). The same function on the real default reactor, in a
// child process, is tested in reactor.test.ts.
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';

import { Deferred, fail, succeed } from '../../src/core/defer.js';
import { SystemExit } from '../../src/core/errors.js';
import { globalLogPublisher, type LogEvent } from '../../src/core/index.js';
import { react } from '../../src/node/react.js';
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

function loggedErrors(events: readonly LogEvent[]): unknown[] {
  return events.flatMap((e) => (e.log_failure === undefined ? [] : [e.log_failure.value]));
}

/** One macrotask turn, so promises returned by main settle. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

describe('react', () => {
  // react() sets process.exitCode, which would become the test worker's exit status.
  let savedExitCode: typeof process.exitCode;
  beforeEach(() => {
    savedExitCode = process.exitCode;
  });
  afterEach(() => {
    process.exitCode = savedExitCode;
  });

  it("runs the reactor until main's Deferred fires, then stops it with status 0", () => {
    const reactor = new MemoryReactorClock();
    const passed: number[] = [];
    const done = react(
      (r) => {
        const finished = new Deferred<void>();
        r.callLater(1, () => passed.push(r.seconds()));
        r.callLater(2, () => {
          finished.callback(undefined);
        });
        return finished;
      },
      [],
      reactor,
    );
    expect(reactor.running).toBe(true);
    reactor.advance(1);
    assertNoResult(done);
    reactor.advance(1);
    expect(successResultOf(done)).toBe(0);
    expect(passed).toEqual([1]);
    expect(reactor.seconds()).toBe(2);
    expect(reactor.running).toBe(false);
  });

  it('stops on the first iteration when main has already succeeded', () => {
    const reactor = new MemoryReactorClock();
    const done = react(() => succeed('ok'), [], reactor);
    reactor.advance();
    expect(successResultOf(done)).toBe(0);
    expect(reactor.seconds()).toBe(0);
  });

  it('waits for the promise of an async main', async () => {
    const reactor = new MemoryReactorClock();
    const done = react(
      async () => {
        await Promise.resolve();
      },
      [],
      reactor,
    );
    await nextTurn();
    reactor.advance();
    expect(successResultOf(done)).toBe(0);
  });

  it('passes argv to main after the reactor', () => {
    const reactor = new MemoryReactorClock();
    const got: unknown[] = [];
    react(
      (r, x: number, y: string) => {
        got.push(r, x, y);
      },
      [1, 'two'],
      reactor,
    );
    expect(got).toEqual([reactor, 1, 'two']);
  });

  it.each([
    [
      'fails later',
      (r: MemoryReactorClock, e: Error) => {
        const d = new Deferred<void>();
        r.callLater(1, () => {
          d.errback(e);
        });
        return d;
      },
    ],
    ['has already failed', (_r: MemoryReactorClock, e: Error) => fail(e)],
    [
      'throws',
      (_r: MemoryReactorClock, e: Error) => {
        throw e;
      },
    ],
  ])('exits with status 1 and logs the error when main %s', (_, main) => {
    const reactor = new MemoryReactorClock();
    const log = observeLog();
    const error = new Error('main failed');
    const done = react((r) => main(r, error), [], reactor);
    reactor.advance(1);
    expect(successResultOf(done)).toBe(1);
    expect(loggedErrors(log)).toEqual([error]);
    expect(log.find((e) => e.log_failure !== undefined)?.log_format).toBe(
      'main function encountered error',
    );
  });

  it("exits with a SystemExit's status and logs nothing", () => {
    const reactor = new MemoryReactorClock();
    const log = observeLog();
    const done = react(() => fail(new SystemExit(23)), [], reactor);
    reactor.advance();
    expect(successResultOf(done)).toBe(23);
    expect(loggedErrors(log)).toEqual([]);
  });

  it('sets process.exitCode once shutdown has completed, not before', () => {
    const reactor = new MemoryReactorClock();
    process.exitCode = undefined;
    const done = react(() => fail(new SystemExit(4)), [], reactor);
    expect(process.exitCode).toBeUndefined();
    reactor.advance();
    successResultOf(done);
    expect(process.exitCode).toBe(4);
  });

  it("does not stop the reactor again when main's Deferred fires during shutdown", () => {
    const reactor = new MemoryReactorClock();
    const log = observeLog();
    const done = react(
      (r) => {
        r.callLater(1, () => {
          r.stop();
        });
        const finished = new Deferred<void>();
        r.addSystemEventTrigger('during', 'shutdown', () => {
          finished.callback(undefined);
        });
        return finished;
      },
      [],
      reactor,
    );
    reactor.advance(1);
    expect(successResultOf(done)).toBe(0);
    expect(reactor.seconds()).toBe(1);
    expect(log.filter((e) => e.log_level === 'critical' || e.log_level === 'error')).toEqual([]);
  });

  it('reports a failure of main that arrives during shutdown', () => {
    const reactor = new MemoryReactorClock();
    const log = observeLog();
    const error = new Error('failed while stopping');
    const done = react(
      (r) => {
        r.callLater(1, () => {
          r.stop();
        });
        const finished = new Deferred<void>();
        r.addSystemEventTrigger('during', 'shutdown', () => {
          finished.errback(error);
        });
        return finished;
      },
      [],
      reactor,
    );
    reactor.advance(1);
    expect(successResultOf(done)).toBe(1);
    expect(loggedErrors(log)).toEqual([error]);
  });

  it('copes with main stopping the reactor just before its Deferred fires', () => {
    const reactor = new MemoryReactorClock();
    const log = observeLog();
    const done = react(
      (r) => {
        const d = new Deferred<void>();
        r.callWhenRunning(() => {
          r.stop();
          d.callback(undefined);
        });
        return d;
      },
      [],
      reactor,
    );
    reactor.advance();
    expect(successResultOf(done)).toBe(0);
    expect(log.filter((e) => e.log_level === 'critical' || e.log_level === 'error')).toEqual([]);
  });

  it("exits with status 0 when the reactor is stopped and main's Deferred never fires", () => {
    const reactor = new MemoryReactorClock();
    const done = react(
      (r) => {
        r.callLater(1, () => {
          r.stop();
        });
        return new Deferred<void>();
      },
      [],
      reactor,
    );
    reactor.advance(1);
    expect(successResultOf(done)).toBe(0);
  });
});
