import { Observable, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  fromAsyncIterable,
  iterateObservable,
  ObservableOverflowError,
} from '../../../adapters/rxjs/async-iterable.js';
import { LogCapture } from '../../../src/testing/log-capture.js';
import { settle } from '../../support/promises.js';

/** An async generator that records how it ended. */
function counting(limit: number, log: string[]): AsyncGenerator<number> {
  return (async function* () {
    try {
      for (let i = 0; i < limit; i++) yield await Promise.resolve(i);
      log.push('done');
    } finally {
      log.push('finally');
    }
  })();
}

describe('fromAsyncIterable', () => {
  it('emits every value then completes, without calling return()', async () => {
    const log: string[] = [];
    const seen: unknown[] = [];
    await new Promise<void>((resolve) => {
      fromAsyncIterable(counting(3, log)).subscribe({
        next: (v) => seen.push(v),
        complete: resolve,
      });
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(log).toEqual(['done', 'finally']);
  });

  it('calls return() once, at once, when the subscriber leaves', () => {
    let returns = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => undefined), // never yields
        return: () => {
          returns += 1;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    const subscription = fromAsyncIterable(iterable).subscribe();
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(returns).toBe(1);
  });

  it('errors with what next() rejects with, and logs an error thrown by return()', async () => {
    const failing: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new RangeError('broken')),
      }),
    };
    const error = await new Promise((resolve) => {
      fromAsyncIterable(failing).subscribe({ error: resolve });
    });
    expect(error).toEqual(new RangeError('broken'));

    const badReturn: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve({ value: 1, done: false }),
        return: () => Promise.reject(new TypeError('return failed')),
      }),
    };
    using logs = new LogCapture();
    const subscription = fromAsyncIterable(badReturn).subscribe();
    subscription.unsubscribe();
    await settle();
    expect(logs.failures.map((f) => f.value)).toEqual([new TypeError('return failed')]);
  });
});

describe('iterateObservable', () => {
  it('yields the values and ends at complete', async () => {
    const seen: number[] = [];
    for await (const v of iterateObservable(of(1, 2, 3))) seen.push(v);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('subscribes only on the first next(), and a waiting loop gets values as they come', async () => {
    let subscriptions = 0;
    const subject = new Subject<string>();
    const source = new Observable<string>((subscriber) => {
      subscriptions += 1;
      return subject.subscribe(subscriber);
    });
    const iterator = iterateObservable(source);
    expect(subscriptions).toBe(0);
    const first = iterator.next();
    expect(subscriptions).toBe(1);
    subject.next('a');
    expect(await first).toEqual({ value: 'a', done: false });
    const second = iterator.next();
    await expect(iterator.next()).rejects.toBeInstanceOf(TypeError);
    subject.complete();
    expect(await second).toEqual({ value: undefined, done: true });
  });

  it('throws the error after the values before it', async () => {
    const subject = new Subject<number>();
    const iterator = iterateObservable(subject);
    const first = iterator.next();
    subject.next(1);
    subject.next(2);
    subject.error(new RangeError('source failed'));
    expect(await first).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    await expect(iterator.next()).rejects.toEqual(new RangeError('source failed'));
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    const failing = iterateObservable(throwError(() => new TypeError('at once')));
    await expect(failing.next()).rejects.toBeInstanceOf(TypeError);
  });

  it('fails with ObservableOverflowError past maxBuffered and unsubscribes', async () => {
    const subject = new Subject<number>();
    const iterator = iterateObservable(subject, { maxBuffered: 2 });
    const first = iterator.next();
    for (let i = 0; i < 5; i++) subject.next(i);
    expect(subject.observed).toBe(false);
    expect(await first).toEqual({ value: 0, done: false });
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    const error: unknown = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObservableOverflowError);
    expect((error as ObservableOverflowError).maxBuffered).toBe(2);

    // Overflowing during the synchronous subscribe of a cold source.
    const eager = iterateObservable(of(1, 2, 3, 4), { maxBuffered: 1 });
    expect(await eager.next()).toEqual({ value: 1, done: false });
    await expect(eager.next()).rejects.toBeInstanceOf(ObservableOverflowError);
  });

  it('unsubscribes once when the loop is left, ending a waiting next()', async () => {
    const subject = new Subject<number>();
    const iterator = iterateObservable(subject);
    const waiting = iterator.next();
    expect(subject.observed).toBe(true);
    await iterator.return();
    await iterator.return();
    expect(subject.observed).toBe(false);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(await iterateObservable(subject).return()).toEqual({ value: undefined, done: true });
  });
});
