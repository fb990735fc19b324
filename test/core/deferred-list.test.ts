import { describe, expect, it } from 'vitest';

import {
  CancelledError,
  Deferred,
  DeferredList,
  fail,
  Failure,
  FailureGroup,
  FirstError,
  gatherResults,
  race,
  succeed,
} from '../../src/core/index.js';
import {
  assertNoResult,
  capturedLogs,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';
import { unhandledFailuresAfterGC } from '../support/unhandled-errors.js';

/** A canceller that fires the Deferred with a value instead of letting it fail. */
function callbackCanceller(d: Deferred<string>): void {
  d.callback('Callback Result');
}

/** A canceller that throws, as a buggy one might. */
function throwingCanceller(): void {
  throw new RangeError('canceller broke');
}

describe('DeferredList', () => {
  describe('constructor', () => {
    it('fires with [success, value] per input, in input order, whatever order they fire in', () => {
      const [a, b, c] = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
      const dl = new DeferredList([a, b, c]);
      c.callback('c');
      a.callback('a');
      b.callback('b');
      expect(successResultOf(dl)).toEqual([
        [true, 'a'],
        [true, 'b'],
        [true, 'c'],
      ]);
    });

    it('has no result until every input has fired', () => {
      const a = new Deferred<number>();
      const b = new Deferred<number>();
      const dl = new DeferredList([a, b]);
      a.callback(1);
      assertNoResult(dl);
      expect(dl.finishedCount).toBe(1);
      expect(dl.resultList).toEqual([[true, 1], undefined]);
      b.callback(2);
      expect(successResultOf(dl)).toEqual([
        [true, 1],
        [true, 2],
      ]);
    });

    it('records a failed input as [false, failure] and still succeeds itself', () => {
      const a = new Deferred<string>();
      const b = new Deferred<string>();
      const dl = new DeferredList([a, b], { consumeErrors: true });
      const error = new RangeError('bang');
      a.errback(error);
      b.callback('fine');
      const [first, second] = successResultOf(dl);
      expect(first?.[0]).toBe(false);
      expect(first?.[1]).toBeInstanceOf(Failure);
      expect((first?.[1] as Failure).value).toBe(error);
      expect(second).toEqual([true, 'fine']);
    });

    it('fires at once with [] when given no Deferreds', () => {
      expect(successResultOf(new DeferredList([]))).toEqual([]);
    });

    it('never fires when given no Deferreds and fireOnOneCallback', () => {
      const dl = new DeferredList([], { fireOnOneCallback: true });
      assertNoResult(dl);
      dl.cancel();
      assertNoResult(dl);
    });

    it('processes inputs that had already fired, during construction', () => {
      const failed = fail<number>(new RangeError('early'));
      const dl = new DeferredList([succeed(1), failed, succeed(3)], { consumeErrors: true });
      const entries = successResultOf(dl);
      expect(entries.map((e) => e[0])).toEqual([true, false, true]);
      expect(entries[0]?.[1]).toBe(1);
      expect(entries[2]?.[1]).toBe(3);
    });

    it('accepts any iterable and ignores Deferreds added to the source array later', () => {
      const a = new Deferred<number>();
      const source = [a];
      const dl = new DeferredList(new Set(source));
      const late = new Deferred<number>();
      source.push(late);
      a.callback(1);
      expect(successResultOf(dl)).toEqual([[true, 1]]);
      assertNoResult(late);
    });

    it('passes each successful result on down the input’s own chain', () => {
      const a = new Deferred<number>();
      new DeferredList([a]);
      a.callback(7);
      expect(successResultOf(a)).toBe(7);
    });
  });

  describe('fireOnOneCallback', () => {
    it('fires with [value, index] as soon as one input succeeds', () => {
      const a = new Deferred<string>();
      const b = new Deferred<string>();
      const dl = new DeferredList<string, [string, number]>([a, b], { fireOnOneCallback: true });
      b.callback('second');
      expect(successResultOf(dl)).toEqual(['second', 1]);
      a.callback('first');
      expect(successResultOf(dl)).toEqual(['second', 1]);
    });

    it('lets failures pass without firing, and fires on the success after them', () => {
      const a = new Deferred<string>();
      const b = new Deferred<string>();
      const dl = new DeferredList<string, [string, number]>([a, b], {
        fireOnOneCallback: true,
        consumeErrors: true,
      });
      a.errback(new RangeError('no'));
      assertNoResult(dl);
      b.callback('yes');
      expect(successResultOf(dl)).toEqual(['yes', 1]);
    });

    it('fires with the entry list when every input fails', () => {
      const a = new Deferred<string>();
      const dl = new DeferredList([a], { fireOnOneCallback: true, consumeErrors: true });
      a.errback(new RangeError('no'));
      const [entry] = successResultOf(dl);
      expect(entry?.[0]).toBe(false);
    });
  });

  describe('fireOnOneErrback', () => {
    it('fails with FirstError holding the failure and its index as soon as one input fails', () => {
      const [a, b, c] = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
      const dl = new DeferredList([a, b, c], { fireOnOneErrback: true, consumeErrors: true });
      a.callback('1');
      assertNoResult(dl);
      const error = new RangeError('from b');
      b.errback(error);
      const failure = failureResultOf(dl, FirstError);
      const firstError = failure.value as FirstError;
      expect(firstError.index).toBe(1);
      expect(firstError.subFailure.value).toBe(error);
      expect(firstError.cause).toBe(error);
      c.callback('3');
    });

    it('fails during construction when an input had already failed', () => {
      const dl = new DeferredList([fail(new RangeError('early')), new Deferred()], {
        fireOnOneErrback: true,
        consumeErrors: true,
      });
      expect((failureResultOf(dl, FirstError).value as FirstError).index).toBe(0);
    });

    it('fires with the entry list when every input succeeds', () => {
      const dl = new DeferredList([succeed('a'), succeed('b')], { fireOnOneErrback: true });
      expect(successResultOf(dl)).toEqual([
        [true, 'a'],
        [true, 'b'],
      ]);
    });
  });

  describe('consumeErrors', () => {
    it('replaces an input’s failure with undefined in that input’s own chain', () => {
      const a = new Deferred<number>();
      const dl = new DeferredList([a], { consumeErrors: true });
      const seen: unknown[] = [];
      a.addCallbacks(
        (v) => seen.push(['callback', v]),
        (f) => seen.push(['errback', f]),
      );
      a.errback(new RangeError('bang'));
      expect(seen).toEqual([['callback', undefined]]);
      expect(successResultOf(dl)[0]?.[0]).toBe(false);
    });

    it('stops the consumed failure from being reported as unhandled', async () => {
      const consumed = new RangeError('consumed by the list');
      const kept = new RangeError('kept by the input');
      const reports = await unhandledFailuresAfterGC(() => {
        new DeferredList([fail(consumed)], { consumeErrors: true });
        new DeferredList([fail(kept)]);
      });
      const values = reports.map((f) => f.value);
      expect(values).not.toContain(consumed);
      expect(values).toContain(kept);
    });

    it('is off by default: the input keeps its failure for its next errback', () => {
      const a = new Deferred<number>();
      const dl = new DeferredList([a]);
      const error = new RangeError('bang');
      a.errback(error);
      expect(failureResultOf(a, RangeError).value).toBe(error);
      expect((successResultOf(dl)[0]?.[1] as Failure).value).toBe(error);
    });
  });

  describe('cancel', () => {
    it('cancels every input that has not fired', () => {
      const a = new Deferred();
      const b = new Deferred();
      const done = succeed('done');
      const dl = new DeferredList([a, b, done]);
      dl.cancel();
      failureResultOf(a, CancelledError);
      failureResultOf(b, CancelledError);
      expect(successResultOf(done)).toBe('done');
      expect(successResultOf(dl).map((e) => e[0])).toEqual([false, false, true]);
    });

    it('records the value of an input whose canceller fires it', () => {
      const a = new Deferred<string>(callbackCanceller);
      const b = new Deferred<string>();
      const dl = new DeferredList([a, b]);
      dl.cancel();
      const [first, second] = successResultOf(dl);
      expect(first).toEqual([true, 'Callback Result']);
      expect(second?.[0]).toBe(false);
      expect((second?.[1] as Failure).check(CancelledError)).toBe(CancelledError);
      failureResultOf(b, CancelledError);
    });

    it('fires with [value, index] under fireOnOneCallback when a canceller fires a value', () => {
      const a = new Deferred<string>(callbackCanceller);
      const b = new Deferred<string>();
      const dl = new DeferredList<string, [string, number]>([a, b], { fireOnOneCallback: true });
      dl.cancel();
      expect(successResultOf(dl)).toEqual(['Callback Result', 0]);
      failureResultOf(b, CancelledError);
    });

    it('fails with FirstError around the CancelledError under fireOnOneErrback', () => {
      const a = new Deferred();
      const b = new Deferred();
      const dl = new DeferredList([a, b], { fireOnOneErrback: true });
      dl.cancel();
      failureResultOf(a, CancelledError);
      failureResultOf(b, CancelledError);
      const firstError = failureResultOf(dl, FirstError).value as FirstError;
      expect(firstError.subFailure.check(CancelledError)).toBe(CancelledError);
    });

    it('passes the reason on to each input as the cause of its CancelledError', () => {
      const a = new Deferred();
      const reason = new RangeError('shutting down');
      new DeferredList([a]).cancel(reason);
      expect((failureResultOf(a, CancelledError).value as CancelledError).cause).toBe(reason);
    });

    it('logs an exception from an input’s canceller instead of throwing it, and cancels the rest', () => {
      const a = new Deferred(throwingCanceller);
      const b = new Deferred();
      const dl = new DeferredList([a, b]);
      const events = capturedLogs(() => {
        dl.cancel();
      });
      failureResultOf(b, CancelledError);
      const logged = events.filter((e) => e.log_failure?.check(RangeError) != null);
      expect(logged).toHaveLength(1);
      expect(logged[0]?.log_level).toBe('critical');
      assertNoResult(a);
      a.callback(undefined);
      successResultOf(dl);
    });

    it('does nothing once the list has fired', () => {
      const a = new Deferred<string>();
      const b = new Deferred<string>();
      const dl = new DeferredList<string, [string, number]>([a, b], { fireOnOneCallback: true });
      a.callback('won');
      dl.cancel();
      assertNoResult(b);
      expect(successResultOf(dl)).toEqual(['won', 0]);
    });

    it('does nothing once the list has failed under fireOnOneErrback', () => {
      const a = new Deferred();
      const b = new Deferred();
      const dl = new DeferredList([a, b], { fireOnOneErrback: true });
      a.errback(new RangeError('first'));
      dl.cancel();
      assertNoResult(b);
      failureResultOf(a, RangeError);
      failureResultOf(dl, FirstError);
    });
  });
});

describe('gatherResults', () => {
  it('fires with the tuple of results in input order', () => {
    const a = new Deferred<number>();
    const b = new Deferred<string>();
    const d = gatherResults([a, b]);
    b.callback('two');
    assertNoResult(d);
    a.callback(1);
    expect(successResultOf(d)).toEqual([1, 'two']);
  });

  it('fires with [] for no inputs', () => {
    expect(successResultOf(gatherResults([]))).toEqual([]);
  });

  it('fails with FirstError (subFailure and index) as soon as one input fails', () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const d = gatherResults([a, b]);
    const error = new RangeError('b failed');
    b.errback(error);
    const firstError = failureResultOf(d, FirstError).value as FirstError;
    expect(firstError.index).toBe(1);
    expect(firstError.subFailure.value).toBe(error);
    failureResultOf(b, RangeError);
    a.callback(1);
  });

  it('leaves the input’s failure in its chain unless consumeErrors is set', () => {
    const bad = fail<number>(new RangeError('oh no'));
    failureResultOf(gatherResults([succeed(1), bad]), FirstError);
    failureResultOf(bad, RangeError);
  });

  it('with consumeErrors, turns the input’s failure into undefined in its chain', () => {
    const bad = fail<number>(new RangeError('oh no'));
    const d = gatherResults([succeed(1), bad], { consumeErrors: true });
    expect(successResultOf(bad)).toBeUndefined();
    const firstError = failureResultOf(d, FirstError).value as FirstError;
    expect(firstError.subFailure.value).toBeInstanceOf(RangeError);
  });

  it('cancels every input when cancelled, failing with FirstError around CancelledError', () => {
    const a = new Deferred();
    const b = new Deferred();
    const d = gatherResults([a, b]);
    d.cancel();
    failureResultOf(a, CancelledError);
    failureResultOf(b, CancelledError);
    const firstError = failureResultOf(d, FirstError).value as FirstError;
    expect(firstError.subFailure.check(CancelledError)).toBe(CancelledError);
  });

  it('fires with the values that the inputs’ cancellers give when cancelled', () => {
    const d = gatherResults([
      new Deferred<string>(callbackCanceller),
      new Deferred<string>(callbackCanceller),
    ]);
    d.cancel();
    expect(successResultOf(d)).toEqual(['Callback Result', 'Callback Result']);
  });
});

describe('race', () => {
  it('fires with [index, value] of the first input to succeed', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const d = race([a, b]);
    assertNoResult(d);
    b.callback('b');
    expect(successResultOf(d)).toEqual([1, 'b']);
  });

  it('cancels every other input once one succeeds', () => {
    const cancelled: string[] = [];
    const a = new Deferred<string>(() => cancelled.push('a'));
    const b = new Deferred<string>(() => cancelled.push('b'));
    const c = new Deferred<string>(() => cancelled.push('c'));
    const d = race([a, b, c]);
    b.callback('b');
    expect(cancelled).toEqual(['a', 'c']);
    expect(successResultOf(d)).toEqual([1, 'b']);
  });

  it('consumes every input’s result, the winner’s and the cancelled losers’', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    race([a, b]);
    a.callback('a');
    expect(successResultOf(a)).toBeUndefined();
    expect(successResultOf(b)).toBeUndefined();
  });

  it('does not report the losers’ CancelledErrors or failures as unhandled', async () => {
    const loserError = new RangeError('lost anyway');
    const reports = await unhandledFailuresAfterGC(() => {
      const a = new Deferred<string>();
      race([a, new Deferred<string>(), fail<string>(loserError)]);
      a.callback('a');
    });
    expect(reports.filter((f) => f.check(CancelledError) !== null)).toEqual([]);
    expect(reports.map((f) => f.value)).not.toContain(loserError);
  });

  it('is not decided by a failure while another input may still succeed', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const d = race([a, b]);
    a.errback(new RangeError('a failed'));
    assertNoResult(d);
    b.callback('b');
    expect(successResultOf(d)).toEqual([1, 'b']);
  });

  it('fails with FailureGroup holding the failures in input order when every input fails', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const d = race([a, b]);
    const errorA = new RangeError('a');
    const errorB = new TypeError('b');
    b.errback(errorB);
    a.errback(errorA);
    const group = failureResultOf(d, FailureGroup).value as FailureGroup;
    expect(group.failures.map((f) => f.value)).toEqual([errorA, errorB]);
  });

  it('fails with an empty FailureGroup when given no inputs', () => {
    const group = failureResultOf(race([]), FailureGroup).value as FailureGroup;
    expect(group.failures).toEqual([]);
  });

  it('is decided during construction by an input that had already succeeded', () => {
    const later = new Deferred<number>();
    const d = race([succeed(1), later]);
    expect(successResultOf(d)).toEqual([0, 1]);
    expect(successResultOf(later)).toBeUndefined();
  });

  it('keeps the first winner when a loser’s canceller fires it with a value', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>(callbackCanceller);
    const d = race([a, b]);
    a.callback('a');
    expect(successResultOf(d)).toEqual([0, 'a']);
  });

  it('cancels every input when cancelled, and fails with CancelledError', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const d = race([a, b]);
    d.cancel();
    expect(successResultOf(a)).toBeUndefined();
    expect(successResultOf(b)).toBeUndefined();
    failureResultOf(d, CancelledError);
  });

  it('passes the reason given to cancel on to each input', () => {
    const reasons: unknown[] = [];
    const a = new Deferred<string>((_, reason) => reasons.push(reason));
    const reason = new RangeError('no longer needed');
    const d = race([a]);
    d.cancel(reason);
    expect(reasons).toEqual([reason]);
    expect((failureResultOf(d, CancelledError).value as CancelledError).cause).toBe(reason);
  });

  it('is not decided by an input whose canceller fires a value while the race is cancelled', () => {
    const a = new Deferred<string>(callbackCanceller);
    const d = race([a, new Deferred<string>()]);
    d.cancel();
    failureResultOf(d, CancelledError);
  });

  it('logs an exception from an input’s canceller instead of throwing it', () => {
    const a = new Deferred<string>(throwingCanceller);
    const b = new Deferred<string>();
    const d = race([a, b]);
    const events = capturedLogs(() => {
      b.callback('b');
    });
    expect(events.filter((e) => e.log_failure?.check(RangeError) != null)).toHaveLength(1);
    expect(successResultOf(d)).toEqual([1, 'b']);
    expect(() => {
      a.callback('late');
    }).not.toThrow();
  });

  it('does nothing when cancelled after it has fired', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const d = race([a, b]);
    a.callback('a');
    d.cancel();
    expect(successResultOf(d)).toEqual([0, 'a']);
  });
});
