/**
 * Type tests for Deferred chains. The `expectTypeOf` assertions and the
 * `@ts-expect-error` lines are checked by `tsc -p tsconfig.json --noEmit`;
 * vitest runs the file too, so each chain is also exercised at runtime.
 */
import { describe, expectTypeOf, it } from 'vitest';

import {
  Deferred,
  DeferredList,
  ensureDeferred,
  fail,
  Failure,
  gatherResults,
  inlineCallbacks,
  maybeDeferred,
  race,
  succeed,
} from '../../src/core/index.js';
import type { DeferredListEntry } from '../../src/core/index.js';

describe('Deferred types', () => {
  describe('addCallback', () => {
    it('types the next Deferred by what the callback returns', () => {
      const d = succeed(1).addCallback((n) => String(n));
      expectTypeOf(d).toEqualTypeOf<Deferred<string>>();
    });

    it('passes the result type to the callback', () => {
      succeed(1).addCallback((n) => {
        expectTypeOf(n).toEqualTypeOf<number>();
      });
    });

    it('unwraps a returned Deferred to its result type', () => {
      const d = succeed(1).addCallback((n) => succeed(n > 0));
      expectTypeOf(d).toEqualTypeOf<Deferred<boolean>>();
    });

    it('unwraps a returned Promise to its value type', () => {
      const d = succeed(1).addCallback((n) => Promise.resolve([n]));
      expectTypeOf(d).toEqualTypeOf<Deferred<number[]>>();
    });

    it('gives Deferred<void> for a callback that returns nothing', () => {
      const d = succeed(1).addCallback(() => {
        // nothing
      });
      expectTypeOf(d).toEqualTypeOf<Deferred<void>>();
    });

    it('drops a returned Failure from the success type', () => {
      const d = succeed(1).addCallback((n) => (n > 0 ? n : new Failure(new RangeError('neg'))));
      expectTypeOf(d).toEqualTypeOf<Deferred<number>>();
      d.addErrback(() => 0);
    });

    it('types the extra arguments after the result', () => {
      const d = succeed(2).addCallback((n, k: number, unit: string) => `${n * k}${unit}`, 3, 'x');
      expectTypeOf(d).toEqualTypeOf<Deferred<string>>();
    });

    it('rejects a callback whose parameter does not accept the result type', () => {
      const d = succeed(1);
      // @ts-expect-error: a number result cannot go to a string parameter
      d.addCallback((s: string) => s.length);
    });

    it('rejects extra arguments of the wrong type', () => {
      const d = succeed(1);
      // @ts-expect-error: k is a number, not a string
      d.addCallback((n, k: number) => n * k, 'three');
      d.addErrback(() => undefined);
    });
  });

  describe('addErrback', () => {
    it('widens the result type to T | U', () => {
      const d = succeed(1).addErrback(() => 'fallback');
      expectTypeOf(d).toEqualTypeOf<Deferred<number | string>>();
    });

    it('passes a Failure to the errback', () => {
      fail(new RangeError('x')).addErrback((f) => {
        expectTypeOf(f).toEqualTypeOf<Failure>();
      });
    });
  });

  describe('addBoth', () => {
    it('passes T | Failure and types the next Deferred by the return value', () => {
      const d = succeed(1).addBoth((r) => {
        expectTypeOf(r).toEqualTypeOf<number | Failure>();
        return r instanceof Failure ? 'failed' : 'ok';
      });
      expectTypeOf(d).toEqualTypeOf<Deferred<'failed' | 'ok'>>();
    });
  });

  describe('addCallbacks', () => {
    it('types the next Deferred by the union of both sides', () => {
      const d = succeed(1).addCallbacks(
        (n) => n * 2,
        () => 'recovered',
      );
      expectTypeOf(d).toEqualTypeOf<Deferred<number | string>>();
    });
  });

  describe('await and then', () => {
    it('gives the result type to await', async () => {
      const value = await succeed({ id: 1 });
      expectTypeOf(value).toEqualTypeOf<{ id: number }>();
    });

    it('returns a Promise from then, typed by the handlers', async () => {
      const p = succeed(1).then(
        (n) => n + 1,
        () => 'error',
      );
      expectTypeOf(p).toEqualTypeOf<Promise<number | string>>();
      await p;
    });

    it('returns Promise<T> from asPromise', async () => {
      const p = succeed('s').asPromise();
      expectTypeOf(p).toEqualTypeOf<Promise<string>>();
      await p;
    });

    it('is assignable to PromiseLike<T>', () => {
      expectTypeOf(succeed(1)).toExtend<PromiseLike<number>>();
    });
  });

  describe('Deferred.fromPromise', () => {
    it('types the Deferred by the promise’s value', () => {
      const d = Deferred.fromPromise(Promise.resolve(1));
      expectTypeOf(d).toEqualTypeOf<Deferred<number>>();
      d.cancel();
      d.addErrback(() => undefined);
    });

    it('types the Deferred by what the abortable function resolves to', () => {
      const d = Deferred.fromPromise(async (signal) => {
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        await Promise.resolve();
        return 'done';
      });
      expectTypeOf(d).toEqualTypeOf<Deferred<string>>();
    });
  });

  describe('module functions', () => {
    it('types gatherResults as the tuple of the inputs’ results', () => {
      const d = gatherResults([succeed(1), succeed('two')]);
      expectTypeOf(d).toEqualTypeOf<Deferred<[number, string]>>();
    });

    it('types a DeferredList as the list of entries', () => {
      const dl = new DeferredList([succeed(1), succeed(2)]);
      expectTypeOf(dl).toExtend<Deferred<DeferredListEntry<number>[]>>();
    });

    it('types race as [index, value]', () => {
      const d = race([succeed(1), succeed(2)]);
      expectTypeOf(d).toEqualTypeOf<Deferred<[index: number, value: number]>>();
    });

    it('types ensureDeferred of an async function by its resolved value', async () => {
      const d = ensureDeferred(async () => {
        await Promise.resolve();
        return 1;
      });
      expectTypeOf(d).toEqualTypeOf<Deferred<number>>();
      await d;
    });

    it('types ensureDeferred of a promise by its value', async () => {
      const d = ensureDeferred(Promise.resolve('p'));
      expectTypeOf(d).toEqualTypeOf<Deferred<string>>();
      await d;
    });

    it('types the function inlineCallbacks returns by the generator’s arguments and return', () => {
      const fn = inlineCallbacks(function* (n: number) {
        yield succeed(n);
        return String(n);
      });
      expectTypeOf(fn).toEqualTypeOf<(n: number) => Deferred<string>>();
      // @ts-expect-error: n is a number
      fn('one').addErrback(() => undefined);
    });

    it('types maybeDeferred by the function’s settled result', () => {
      expectTypeOf(maybeDeferred(() => 1)).toEqualTypeOf<Deferred<number>>();
      expectTypeOf(maybeDeferred(() => Promise.resolve('p'))).toEqualTypeOf<Deferred<string>>();
      expectTypeOf(maybeDeferred((n: number) => succeed(n), 1)).toEqualTypeOf<Deferred<number>>();
    });

    it('rejects arguments that do not match the function given to maybeDeferred', () => {
      // @ts-expect-error: the function takes a number
      maybeDeferred((n: number) => n, 'one');
    });

    it('types succeed and fail', () => {
      expectTypeOf(succeed('x')).toEqualTypeOf<Deferred<string>>();
      const failed = fail<number>(new RangeError('x'));
      expectTypeOf(failed).toEqualTypeOf<Deferred<number>>();
      failed.addErrback(() => 0);
    });
  });
});
