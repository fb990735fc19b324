// Cancellation crossing every adapter boundary, both ways: Deferred ⇄ Observable ⇄ AbortSignal ⇄
// async iterator return(). Each row builds a chain of adapters over instrumented ends, pulls the
// trigger at one end, and checks that every end and every link saw exactly one cancellation —
// not zero (dropped) and not two (echoed back across a two-way link).
import { merge, Observable, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { abortSignalFor, cancelOnAbort, runAbortable } from '../../adapters/promise/abort.js';
import { iterateQueue } from '../../adapters/promise/queue-iterator.js';
import { fromAsyncIterable, iterateObservable } from '../../adapters/rxjs/async-iterable.js';
import { fromObservable, toObservable } from '../../adapters/rxjs/deferred.js';
import { Deferred } from '../../src/core/defer.js';
import { DeferredQueue } from '../../src/core/deferred-queue.js';
import { CancelledError } from '../../src/core/errors.js';
import { Failure } from '../../src/core/failure.js';
import { settle } from '../support/promises.js';

/** Named counters: each end or link of a chain counts the cancellations it saw. */
class Counts {
  readonly #counts = new Map<string, number>();
  /** Adds one to `name`. */
  hit(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }
  /** Declares `name` so that a count of zero shows up. */
  expect(name: string): void {
    if (!this.#counts.has(name)) this.#counts.set(name, 0);
  }
  get all(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

/** A Deferred whose canceller counts as `name`. */
function cancellableDeferred<T>(counts: Counts, name: string): Deferred<T> {
  counts.expect(name);
  return new Deferred<T>(() => {
    counts.hit(name);
  });
}

/**
 * Counts `name` when `d` fails with a CancelledError. The failure is consumed when `d` ends the
 * chain, and passed on when something else reads `d` after the probe.
 */
function watchCancel(counts: Counts, name: string, d: Deferred, consume = true): void {
  counts.expect(name);
  d.addErrback((f: Failure) => {
    if (f.check(CancelledError) !== null) counts.hit(name);
    return consume ? undefined : f;
  });
}

/** An Observable that never emits and counts its teardowns as `name`. */
function idleObservable<T>(counts: Counts, name: string): Observable<T> {
  counts.expect(name);
  return new Observable<T>(() => () => {
    counts.hit(name);
  });
}

/** An abortable operation that counts the aborts it sees as `name`, and then rejects. */
function abortableOp(counts: Counts, name: string): (signal: AbortSignal) => Promise<never> {
  counts.expect(name);
  return (signal) =>
    new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => {
        counts.hit(name);
        reject(signal.reason as Error);
      });
    });
}

/** An async iterable that never yields and counts its return() calls as `name`. */
function idleIterable<T>(counts: Counts, name: string): AsyncIterable<T> {
  counts.expect(name);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<T>>(() => undefined),
      return: () => {
        counts.hit(name);
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
}

/** Counts aborts of `signal` as `name`. */
function watchAbort(counts: Counts, name: string, signal: AbortSignal): void {
  counts.expect(name);
  signal.addEventListener('abort', () => {
    counts.hit(name);
  });
}

interface Row {
  /** The chain, trigger first. */
  readonly chain: string;
  /** Builds the chain on `counts` and returns the trigger. */
  readonly build: (counts: Counts) => () => unknown;
}

const rows: Row[] = [
  {
    chain: 'Deferred.cancel() → Observable teardown',
    build: (c) => {
      const d = fromObservable(idleObservable(c, 'observable teardown'));
      watchCancel(c, 'deferred errback', d);
      return () => {
        d.cancel();
      };
    },
  },
  {
    chain: 'unsubscribe → Deferred canceller',
    build: (c) => {
      const subscription = toObservable(cancellableDeferred(c, 'deferred canceller')).subscribe();
      return () => {
        subscription.unsubscribe();
      };
    },
  },
  {
    chain: 'AbortSignal abort → Deferred canceller',
    build: (c) => {
      const controller = new AbortController();
      const d = cancelOnAbort(
        cancellableDeferred<number>(c, 'deferred canceller'),
        controller.signal,
      );
      watchCancel(c, 'deferred errback', d);
      return () => {
        controller.abort();
      };
    },
  },
  {
    chain: 'Deferred.cancel() → AbortSignal abort',
    build: (c) => {
      const d = new Deferred<number>();
      watchAbort(c, 'signal abort', abortSignalFor(d));
      watchCancel(c, 'deferred errback', d);
      return () => {
        d.cancel();
      };
    },
  },
  {
    chain: 'AbortSignal abort → runAbortable → the operation’s signal',
    build: (c) => {
      const controller = new AbortController();
      const d = runAbortable(abortableOp(c, 'operation abort'), { signal: controller.signal });
      watchCancel(c, 'deferred errback', d);
      return () => {
        controller.abort();
      };
    },
  },
  {
    chain: 'Deferred.cancel() → runAbortable → the operation’s signal',
    build: (c) => {
      const d = runAbortable(abortableOp(c, 'operation abort'));
      watchCancel(c, 'deferred errback', d);
      return () => {
        d.cancel();
      };
    },
  },
  {
    chain: 'iterator return() → iterateQueue → the pending get',
    build: (c) => {
      const queue = new DeferredQueue<number>();
      const iterator = iterateQueue(queue);
      void iterator.next();
      watchCancel(c, 'get errback', queue.waiting[0] as Deferred<number>, false);
      return () => iterator.return?.();
    },
  },
  {
    chain: 'AbortSignal abort → iterateQueue → the pending get',
    build: (c) => {
      const queue = new DeferredQueue<number>();
      const controller = new AbortController();
      const iterator = iterateQueue(queue, { signal: controller.signal });
      c.expect('next() rejects');
      iterator.next().catch((e: unknown) => {
        if (e instanceof CancelledError) c.hit('next() rejects');
      });
      watchCancel(c, 'get errback', queue.waiting[0] as Deferred<number>, false);
      return () => {
        controller.abort();
      };
    },
  },
  {
    chain: 'iterator return() → iterateObservable → Observable teardown',
    build: (c) => {
      const iterator = iterateObservable(idleObservable(c, 'observable teardown'));
      void iterator.next();
      return () => iterator.return();
    },
  },
  {
    chain: 'unsubscribe → fromAsyncIterable → iterator return()',
    build: (c) => {
      const subscription = fromAsyncIterable(idleIterable(c, 'iterator return')).subscribe();
      return () => {
        subscription.unsubscribe();
      };
    },
  },
  {
    chain: 'Deferred.cancel() → Observable → Deferred → AbortSignal → operation',
    build: (c) => {
      const op = runAbortable(abortableOp(c, 'operation abort'));
      watchCancel(c, 'inner deferred errback', op, false);
      const outer = fromObservable(toObservable(op));
      watchCancel(c, 'outer deferred errback', outer);
      return () => {
        outer.cancel();
      };
    },
  },
  {
    chain: 'AbortSignal abort → Deferred → Observable → async iterator return()',
    build: (c) => {
      const controller = new AbortController();
      const d = cancelOnAbort(
        fromObservable(fromAsyncIterable(idleIterable(c, 'iterator return'))),
        controller.signal,
      );
      watchCancel(c, 'deferred errback', d);
      return () => {
        controller.abort();
      };
    },
  },
  {
    chain: 'break out of for await → Observable → Deferred → AbortSignal → operation',
    build: (c) => {
      const op = runAbortable(abortableOp(c, 'operation abort'));
      watchCancel(c, 'deferred errback', op, false);
      const source = merge(of('first'), toObservable(op));
      c.expect('loop body');
      return async () => {
        for await (const value of iterateObservable(source)) {
          if (value === 'first') c.hit('loop body');
          break;
        }
      };
    },
  },
  {
    chain: 'iterator return() of a for await over a queue fed by an Observable',
    build: (c) => {
      const subject = new Subject<number>();
      const queue = new DeferredQueue<number>();
      const feed = subject.subscribe((v) => {
        queue.put(v);
      });
      const fed = fromAsyncIterable(iterateQueue(queue));
      c.expect('feed closed');
      const subscription = fed.subscribe({
        next: (v) => {
          if (v === 2) subscription.unsubscribe();
        },
      });
      subscription.add(() => {
        feed.unsubscribe();
        c.hit('feed closed');
      });
      return async () => {
        subject.next(1);
        subject.next(2);
        await settle();
        subject.next(3);
        expect(subject.observed).toBe(false); // the feed was closed with the loop
        expect(queue.waiting).toEqual([]);
      };
    },
  },
  {
    chain: 'unsubscribe → Deferred → AbortSignal (abortSignalFor)',
    build: (c) => {
      const d = cancellableDeferred<number>(c, 'deferred canceller');
      watchAbort(c, 'signal abort', abortSignalFor(d));
      const subscription = toObservable(d).subscribe();
      return () => {
        subscription.unsubscribe();
      };
    },
  },
  ...(['signal', 'deferred'] as const).map((end): Row => ({
    chain: `a Deferred and a signal bound both ways, cancelled from the ${end}: no echo`,
    build: (c) => {
      const controller = new AbortController();
      const d = cancelOnAbort(
        cancellableDeferred<number>(c, 'deferred canceller'),
        controller.signal,
      );
      watchAbort(c, 'controller signal abort', controller.signal);
      const derived = abortSignalFor(d);
      watchAbort(c, 'derived signal abort', derived);
      derived.addEventListener('abort', () => {
        controller.abort(derived.reason);
      });
      watchCancel(c, 'deferred errback', d);
      return () => {
        if (end === 'signal') controller.abort();
        else d.cancel();
      };
    },
  })),
];

describe('cancellation across adapters', () => {
  for (const row of rows) {
    it(`${row.chain}: every end sees exactly one cancellation`, async () => {
      const counts = new Counts();
      const trigger = row.build(counts);
      await trigger();
      await settle();
      const all = counts.all;
      expect(Object.keys(all).length).toBeGreaterThan(0);
      for (const [name, n] of Object.entries(all)) expect({ [name]: n }).toEqual({ [name]: 1 });
    });
  }
});
