import { describe, expect, it, vi } from 'vitest';

import {
  CancelledError,
  Deferred,
  DeferredLock,
  DeferredQueue,
  DeferredSemaphore,
  QueueOverflow,
  QueueUnderflow,
} from '../../src/core/index.js';
import { assertNoResult, failureResultOf, successResultOf } from '../../src/testing/index.js';

/** Records, in order, the labels of acquires as they fire. */
function recorder(): { order: string[]; note: (label: string) => () => void } {
  const order: string[] = [];
  return {
    order,
    note: (label) => () => {
      order.push(label);
    },
  };
}

describe('DeferredLock', () => {
  describe('acquire', () => {
    it('fires synchronously with the lock itself when the lock is free, and locks it', () => {
      const lock = new DeferredLock();
      expect(lock.locked).toBe(false);
      const d = lock.acquire();
      expect(successResultOf(d)).toBe(lock);
      expect(lock.locked).toBe(true);
    });

    it('waits while the lock is held', () => {
      const lock = new DeferredLock();
      lock.acquire();
      assertNoResult(lock.acquire());
    });

    it('serves waiters first come, first served', () => {
      const lock = new DeferredLock();
      const { order, note } = recorder();
      lock.acquire();
      lock.acquire().addCallback(note('first'));
      lock.acquire().addCallback(note('second'));
      lock.acquire().addCallback(note('third'));
      lock.release();
      lock.release();
      expect(order).toEqual(['first', 'second']);
      lock.release();
      expect(order).toEqual(['first', 'second', 'third']);
    });
  });

  describe('release', () => {
    it('puts a holder that releases and re-acquires in its callback behind those already waiting', () => {
      const lock = new DeferredLock();
      const { order, note } = recorder();
      lock.acquire();
      lock.acquire().addCallback(() => {
        order.push('first');
        lock.release();
        lock.acquire().addCallback(note('first again'));
      });
      lock.acquire().addCallback(note('second'));
      lock.release();
      expect(order).toEqual(['first', 'second']);
      lock.release();
      expect(order).toEqual(['first', 'second', 'first again']);
    });

    it('hands the lock directly to the next waiter, so it stays locked', () => {
      const lock = new DeferredLock();
      lock.acquire();
      const waiter = lock.acquire();
      lock.release();
      expect(successResultOf(waiter)).toBe(lock);
      expect(lock.locked).toBe(true);
    });

    it('unlocks the lock when nobody is waiting', () => {
      const lock = new DeferredLock();
      lock.acquire();
      lock.release();
      expect(lock.locked).toBe(false);
      successResultOf(lock.acquire());
    });

    it('throws RangeError when the lock is not held', () => {
      const lock = new DeferredLock();
      expect(() => {
        lock.release();
      }).toThrow(RangeError);
      lock.acquire();
      lock.release();
      expect(() => {
        lock.release();
      }).toThrow(RangeError);
    });
  });

  describe('cancelling an acquire', () => {
    it('fails a waiting acquire with CancelledError and takes it out of the queue', () => {
      const lock = new DeferredLock();
      lock.acquire();
      const cancelled = lock.acquire();
      const next = lock.acquire();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      lock.release();
      expect(successResultOf(next)).toBe(lock);
      expect(lock.locked).toBe(true);
    });

    it('leaves the lock free on release when the only waiter was cancelled', () => {
      const lock = new DeferredLock();
      lock.acquire();
      const cancelled = lock.acquire();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      lock.release();
      expect(lock.locked).toBe(false);
    });

    it('does nothing once the acquire has fired: the lock stays held', () => {
      const lock = new DeferredLock();
      const d = lock.acquire();
      d.cancel();
      expect(successResultOf(d)).toBe(lock);
      expect(lock.locked).toBe(true);
    });
  });

  describe('run', () => {
    it('calls a synchronous function with its arguments under the lock, then releases', () => {
      const lock = new DeferredLock();
      let lockedDuringCall: boolean | undefined;
      const d = lock.run(
        (a: number, b: string) => {
          lockedDuringCall = lock.locked;
          return `${a}${b}`;
        },
        1,
        'x',
      );
      expect(lockedDuringCall).toBe(true);
      expect(successResultOf(d)).toBe('1x');
      expect(lock.locked).toBe(false);
    });

    it('does not call the function until the lock is free', () => {
      const lock = new DeferredLock();
      lock.acquire();
      const calls: string[] = [];
      const d = lock.run(() => calls.push('ran'));
      expect(calls).toEqual([]);
      lock.release();
      expect(calls).toEqual(['ran']);
      successResultOf(d);
      expect(lock.locked).toBe(false);
    });

    it('holds the lock until a returned Deferred fires, and fires with its result', () => {
      const lock = new DeferredLock();
      const work = new Deferred<string>();
      const d = lock.run(() => work);
      const next = lock.acquire();
      expect(lock.locked).toBe(true);
      assertNoResult(d);
      work.callback('done');
      expect(successResultOf(d)).toBe('done');
      expect(successResultOf(next)).toBe(lock);
    });

    it('holds the lock until a returned promise settles, and fires with its value', async () => {
      const lock = new DeferredLock();
      let resolve!: (value: number) => void;
      const d = lock.run(
        () =>
          new Promise<number>((r) => {
            resolve = r;
          }),
      );
      expect(lock.locked).toBe(true);
      resolve(42);
      expect(await d).toBe(42);
      expect(lock.locked).toBe(false);
    });

    it('releases and fails with the error when the function throws', () => {
      const lock = new DeferredLock();
      const error = new RangeError('boom');
      const d = lock.run(() => {
        throw error;
      });
      expect(failureResultOf(d, RangeError).value).toBe(error);
      expect(lock.locked).toBe(false);
    });

    it('releases and fails with the error when a returned Deferred fails', () => {
      const lock = new DeferredLock();
      const work = new Deferred<string>();
      const d = lock.run(() => work);
      const error = new RangeError('later');
      work.errback(error);
      expect(failureResultOf(d, RangeError).value).toBe(error);
      expect(lock.locked).toBe(false);
    });

    it('releases and rejects with the original error when a returned promise rejects', async () => {
      const lock = new DeferredLock();
      const error = new RangeError('rejected');
      const d = lock.run(() => Promise.reject(error));
      await expect(d).rejects.toBe(error);
      expect(lock.locked).toBe(false);
    });

    it('serves 10,000 queued synchronous calls without overflowing the stack', () => {
      const lock = new DeferredLock();
      const gate = new Deferred<void>();
      lock.run(() => gate);
      const results = Array.from({ length: 10_000 }, (_, i) => lock.run(() => i));
      gate.callback(undefined);
      expect(results.map((d) => successResultOf(d))).toEqual(
        Array.from({ length: 10_000 }, (_, i) => i),
      );
      expect(lock.locked).toBe(false);
    });

    it('cancels the running call’s Deferred when cancelled, and releases the lock', () => {
      const lock = new DeferredLock();
      const canceller = vi.fn();
      const work = new Deferred<string>(canceller);
      const d = lock.run(() => work);
      d.cancel();
      expect(canceller).toHaveBeenCalledTimes(1);
      failureResultOf(d, CancelledError);
      expect(lock.locked).toBe(false);
    });

    it('never calls the function when cancelled while waiting for the lock', () => {
      const lock = new DeferredLock();
      lock.acquire();
      const fn = vi.fn();
      const d = lock.run(fn);
      d.cancel();
      failureResultOf(d, CancelledError);
      lock.release();
      expect(fn).not.toHaveBeenCalled();
      expect(lock.locked).toBe(false);
    });

    it('runs queued calls one at a time, in order', () => {
      const lock = new DeferredLock();
      const first = new Deferred<void>();
      const calls: string[] = [];
      lock.run(() => {
        calls.push('first');
        return first;
      });
      lock.run(() => calls.push('second'));
      expect(calls).toEqual(['first']);
      first.callback(undefined);
      expect(calls).toEqual(['first', 'second']);
      expect(lock.locked).toBe(false);
    });
  });
});

describe('DeferredSemaphore', () => {
  describe('constructor', () => {
    it('throws RangeError for fewer than one token or a non-integer count', () => {
      for (const tokens of [0, -1, 1.5, Number.NaN, Infinity]) {
        expect(() => new DeferredSemaphore(tokens)).toThrow(RangeError);
      }
    });

    it('starts with every token free: tokens equals limit', () => {
      const sem = new DeferredSemaphore(3);
      expect(sem.limit).toBe(3);
      expect(sem.tokens).toBe(3);
    });
  });

  describe('acquire', () => {
    it('lets at most `limit` holders in at once, each fired synchronously with the semaphore', () => {
      const sem = new DeferredSemaphore(2);
      expect(successResultOf(sem.acquire())).toBe(sem);
      expect(sem.tokens).toBe(1);
      expect(successResultOf(sem.acquire())).toBe(sem);
      expect(sem.tokens).toBe(0);
      assertNoResult(sem.acquire());
    });

    it('serves waiters first come, first served', () => {
      const sem = new DeferredSemaphore(1);
      const { order, note } = recorder();
      sem.acquire();
      sem.acquire().addCallback(note('first'));
      sem.acquire().addCallback(note('second'));
      sem.release();
      expect(order).toEqual(['first']);
      sem.release();
      expect(order).toEqual(['first', 'second']);
    });
  });

  describe('release', () => {
    it('hands the token directly to the next waiter, leaving none free', () => {
      const sem = new DeferredSemaphore(1);
      sem.acquire();
      const waiter = sem.acquire();
      sem.release();
      expect(successResultOf(waiter)).toBe(sem);
      expect(sem.tokens).toBe(0);
    });

    it('frees a token when nobody is waiting', () => {
      const sem = new DeferredSemaphore(2);
      sem.acquire();
      sem.release();
      expect(sem.tokens).toBe(2);
    });

    it('throws RangeError when released more often than acquired', () => {
      const sem = new DeferredSemaphore(2);
      sem.acquire();
      sem.release();
      expect(() => {
        sem.release();
      }).toThrow(RangeError);
      expect(sem.tokens).toBe(2);
    });
  });

  describe('cancelling an acquire', () => {
    it('fails a waiting acquire with CancelledError and takes it out of the queue', () => {
      const sem = new DeferredSemaphore(1);
      sem.acquire();
      const cancelled = sem.acquire();
      const next = sem.acquire();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      sem.release();
      expect(successResultOf(next)).toBe(sem);
      expect(sem.tokens).toBe(0);
    });

    it('does nothing once the acquire has fired', () => {
      const sem = new DeferredSemaphore(1);
      const d = sem.acquire();
      d.cancel();
      expect(successResultOf(d)).toBe(sem);
      expect(sem.tokens).toBe(0);
    });
  });

  describe('run', () => {
    it('runs at most `limit` calls at once and starts the next as each finishes', () => {
      const sem = new DeferredSemaphore(2);
      const work = [new Deferred<number>(), new Deferred<number>(), new Deferred<number>()];
      const started: number[] = [];
      const results = work.map((w, i) =>
        sem.run(() => {
          started.push(i);
          return w;
        }),
      );
      expect(started).toEqual([0, 1]);
      work[1]?.callback(1);
      expect(started).toEqual([0, 1, 2]);
      work[0]?.callback(0);
      work[2]?.callback(2);
      expect(results.map((d) => successResultOf(d))).toEqual([0, 1, 2]);
      expect(sem.tokens).toBe(2);
    });

    it('serves 10,000 queued synchronous calls without overflowing the stack', () => {
      const sem = new DeferredSemaphore(2);
      const gates = [new Deferred<void>(), new Deferred<void>()];
      for (const gate of gates) sem.run(() => gate);
      const results = Array.from({ length: 10_000 }, (_, i) => sem.run(() => i));
      for (const gate of gates) gate.callback(undefined);
      expect(results.map((d) => successResultOf(d))).toEqual(
        Array.from({ length: 10_000 }, (_, i) => i),
      );
      expect(sem.tokens).toBe(2);
    });

    it('releases its token when the call fails', () => {
      const sem = new DeferredSemaphore(1);
      const d = sem.run(() => {
        throw new RangeError('boom');
      });
      failureResultOf(d, RangeError);
      expect(sem.tokens).toBe(1);
    });
  });
});

describe('DeferredQueue', () => {
  describe('put', () => {
    it('gives the item to the oldest waiting getter, synchronously', () => {
      const queue = new DeferredQueue<string>();
      const first = queue.get();
      const second = queue.get();
      queue.put('a');
      expect(successResultOf(first)).toBe('a');
      assertNoResult(second);
      queue.put('b');
      expect(successResultOf(second)).toBe('b');
      expect(queue.pending).toEqual([]);
    });

    it('buffers the item when no getter is waiting', () => {
      const queue = new DeferredQueue<string>();
      queue.put('a');
      queue.put('b');
      expect(queue.pending).toEqual(['a', 'b']);
    });

    it('throws QueueOverflow synchronously once `size` items are buffered, keeping the buffer', () => {
      const queue = new DeferredQueue<number>(2);
      queue.put(1);
      queue.put(2);
      expect(() => {
        queue.put(3);
      }).toThrow(QueueOverflow);
      expect(queue.pending).toEqual([1, 2]);
    });

    it('with size 0, throws QueueOverflow unless a getter is waiting', () => {
      const queue = new DeferredQueue<number>(0);
      expect(() => {
        queue.put(1);
      }).toThrow(QueueOverflow);
      const d = queue.get();
      queue.put(2);
      expect(successResultOf(d)).toBe(2);
    });
  });

  describe('get', () => {
    it('fires at once with the oldest buffered item', () => {
      const queue = new DeferredQueue<string>();
      queue.put('a');
      queue.put('b');
      expect(successResultOf(queue.get())).toBe('a');
      expect(successResultOf(queue.get())).toBe('b');
      expect(queue.pending).toEqual([]);
    });

    it('waits for a put when nothing is buffered', () => {
      const queue = new DeferredQueue<string>();
      const d = queue.get();
      assertNoResult(d);
      expect(queue.waiting).toEqual([d]);
    });

    it('throws QueueUnderflow once `backlog` getters are waiting', () => {
      const queue = new DeferredQueue<number>(Infinity, 2);
      queue.get();
      queue.get();
      expect(() => queue.get()).toThrow(QueueUnderflow);
      expect(queue.waiting).toHaveLength(2);
    });

    it('with backlog 0, still returns buffered items but throws QueueUnderflow when empty', () => {
      const queue = new DeferredQueue<number>(Infinity, 0);
      queue.put(1);
      expect(successResultOf(queue.get())).toBe(1);
      expect(() => queue.get()).toThrow(QueueUnderflow);
    });
  });

  describe('cancelling a get', () => {
    it('fails a waiting get with CancelledError and gives the next put to the next getter', () => {
      const queue = new DeferredQueue<string>();
      const cancelled = queue.get();
      const next = queue.get();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      queue.put('a');
      expect(successResultOf(next)).toBe('a');
    });

    it('buffers the next put when the cancelled get was the only one waiting', () => {
      const queue = new DeferredQueue<string>();
      const cancelled = queue.get();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      expect(() => {
        queue.put('a');
      }).not.toThrow();
      expect(queue.pending).toEqual(['a']);
      expect(queue.waiting).toEqual([]);
    });

    it('frees its place in the backlog', () => {
      const queue = new DeferredQueue<number>(Infinity, 1);
      const cancelled = queue.get();
      cancelled.cancel();
      failureResultOf(cancelled, CancelledError);
      const d = queue.get();
      queue.put(1);
      expect(successResultOf(d)).toBe(1);
    });

    it('does nothing once the get has its item', () => {
      const queue = new DeferredQueue<string>();
      const d = queue.get();
      queue.put('a');
      d.cancel();
      expect(successResultOf(d)).toBe('a');
      queue.put('b');
      expect(queue.pending).toEqual(['b']);
    });
  });
});
