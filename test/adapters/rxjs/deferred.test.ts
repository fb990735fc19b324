import { NEVER, Observable, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { fromObservable, toObservable } from '../../../adapters/rxjs/deferred.js';
import { Deferred } from '../../../src/core/defer.js';
import { CancelledError } from '../../../src/core/errors.js';
import { failureResultOf, successResultOf } from '../../../src/testing/results.js';

describe('toObservable', () => {
  it('emits the result then completes, leaving the Deferred’s result in place', () => {
    const d = new Deferred<number>();
    const seen: string[] = [];
    toObservable(d).subscribe({
      next: (n) => seen.push(`next ${String(n)}`),
      complete: () => seen.push('complete'),
    });
    d.callback(42);
    expect(seen).toEqual(['next 42', 'complete']);
    expect(successResultOf(d)).toBe(42);
  });

  it('errors with the failure’s error', () => {
    const d = new Deferred<number>();
    let error: unknown;
    toObservable(d).subscribe({ error: (e: unknown) => (error = e) });
    const boom = new RangeError('boom');
    d.errback(boom);
    expect(error).toBe(boom);
    failureResultOf(d, RangeError);
  });

  it('cancels the Deferred when unsubscribed before it fires, once', () => {
    let cancels = 0;
    const d = new Deferred<number>(() => {
      cancels += 1;
    });
    const subscription = toObservable(d).subscribe();
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(cancels).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('does not cancel with cancelOnUnsubscribe false, nor after the Deferred fired', () => {
    const d = new Deferred<number>();
    toObservable(d, { cancelOnUnsubscribe: false }).subscribe().unsubscribe();
    expect(d.called).toBe(false);
    d.callback(1);
    toObservable(d).subscribe().unsubscribe();
    expect(successResultOf(d)).toBe(1);
  });
});

describe('fromObservable', () => {
  it('fires with the first value and unsubscribes', () => {
    const subject = new Subject<number>();
    const d = fromObservable(subject);
    subject.next(1);
    expect(successResultOf(d)).toBe(1);
    expect(subject.observed).toBe(false);
  });

  it('fires with a value emitted during subscribe, and unsubscribes', () => {
    let tornDown = false;
    const source = new Observable<number>((subscriber) => {
      subscriber.next(7);
      return () => {
        tornDown = true;
      };
    });
    expect(successResultOf(fromObservable(source))).toBe(7);
    expect(tornDown).toBe(true);
  });

  it('fires with the last value in last mode', () => {
    expect(successResultOf(fromObservable(of(1, 2, 3), { mode: 'last' }))).toBe(3);
  });

  it('fails on error, and on completion without a value unless given a default', () => {
    failureResultOf(fromObservable(throwError(() => new RangeError('x'))), RangeError);
    failureResultOf(fromObservable(of()), RangeError);
    expect(successResultOf(fromObservable(of(), { defaultValue: 0 }))).toBe(0);
  });

  it('unsubscribes when cancelled', () => {
    const subject = new Subject<number>();
    const d = fromObservable(subject);
    expect(subject.observed).toBe(true);
    d.cancel();
    expect(subject.observed).toBe(false);
    failureResultOf(d, CancelledError);
    const never = fromObservable(NEVER);
    never.cancel();
    failureResultOf(never, CancelledError);
  });
});
