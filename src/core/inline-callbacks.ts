/**
 * Sequential code over Deferreds: `inlineCallbacks` (generators) and
 * `ensureDeferred` (promises and async functions).
 *
 * @module
 */
import { Deferred, followDeferred } from './defer.js';
import { NotACoroutineError } from './errors.js';
import { Failure } from './failure.js';

/** The generator an {@link inlineCallbacks} function returns: yields awaitables, returns `R`. */
export type InlineGenerator<R> = Generator<unknown, R, unknown>;

/** Where a running generator stands: the Deferred it fires, and what it waits on. */
interface Status<R> {
  deferred: Deferred<R>;
  waitingOn: Deferred | null;
}

function isGenerator(value: unknown): value is InlineGenerator<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { throw?: unknown }).throw === 'function'
  );
}

function asAwaitable(value: unknown): Deferred | null {
  if (value instanceof Deferred) return value as Deferred;
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    if (typeof (value as { then?: unknown }).then === 'function') {
      return Deferred.fromPromise<unknown>(value as PromiseLike<unknown>);
    }
  }
  return null;
}

/**
 * Drives `gen` from `result` until it yields something unfired or finishes.
 * Already-fired yields are handled in this loop, not by recursion, so a
 * generator yielding a million fired Deferreds uses constant stack.
 */
function step<R>(gen: InlineGenerator<R>, status: Status<R>, first: unknown): void {
  let result: unknown = first;
  for (;;) {
    let next: IteratorResult<unknown, R>;
    try {
      next = result instanceof Failure ? result.throwExceptionIntoGenerator(gen) : gen.next(result);
    } catch (e) {
      if (!status.deferred.called) status.deferred.errback(e);
      return;
    }
    if (next.done === true) {
      if (!status.deferred.called) status.deferred.callback(next.value);
      return;
    }
    const awaited = asAwaitable(next.value);
    if (awaited === null) {
      result = next.value; // a plain value is sent straight back
      continue;
    }
    // While still on this stack, a result delivered at once is caught here
    // and handled by the loop rather than by recursion.
    const here: { waiting: boolean; result: unknown } = { waiting: true, result: undefined };
    awaited.addBoth((r) => {
      if (here.waiting) {
        here.waiting = false;
        here.result = r;
      } else {
        status.waitingOn = null;
        step(gen, status, r);
      }
      return undefined; // the generator consumes the result
    });
    if (here.waiting) {
      here.waiting = false;
      status.waitingOn = awaited;
      return;
    }
    result = here.result;
  }
}

/** Runs a generator under the Deferred it returns, with Twisted's cancellation. */
function runGenerator<R>(gen: InlineGenerator<R>): Deferred<R> {
  const cancel = (d: Deferred<R>, reason: unknown): void => {
    const awaited = status.waitingOn;
    if (awaited === null) return; // running right now: the cancel fails the Deferred
    // `d` now follows a fresh Deferred that the generator will fire, so it
    // can catch the CancelledError thrown into it and still return a value.
    const next = new Deferred<R>(cancel);
    status.deferred = next;
    followDeferred(d, next);
    awaited.cancel(reason);
  };
  const result = new Deferred<R>(cancel);
  const status: Status<R> = { deferred: result, waitingOn: null };
  step(gen, status, undefined);
  return result;
}

/**
 * Turns a generator function into one returning a Deferred: inside, `yield` a
 * Deferred or a promise to wait for it; `yield` gives back its value, or
 * throws its error. The generator's return value fires the Deferred, an
 * uncaught error fails it.
 *
 * Cancelling the returned Deferred cancels the Deferred the generator is
 * waiting on; the resulting `CancelledError` is thrown into the generator,
 * which may catch it and return normally.
 *
 * `yield` expressions are typed `unknown`; for typed code prefer an async
 * function with {@link ensureDeferred}.
 *
 * @example
 * ```ts
 * const getPage = (url: string): Deferred<string> => succeed(`the page at ${url}`);
 * const fetchTwice = inlineCallbacks(function* (url: string) {
 *   const a = (yield getPage(url)) as string;
 *   const b = (yield getPage(url)) as string;
 *   return a === b;
 * });
 * fetchTwice('/x').addCallback((same) => console.log(same));
 * ```
 * @throws {TypeError} (when the wrapped function is called) if it does not
 *   return a generator.
 */
export function inlineCallbacks<A extends unknown[], R>(
  fn: (...args: A) => InlineGenerator<R>,
): (...args: A) => Deferred<R> {
  return function (this: unknown, ...args: A): Deferred<R> {
    const gen = fn.apply(this, args);
    if (!isGenerator(gen)) {
      throw new TypeError(
        `inlineCallbacks requires ${fn.name === '' ? 'a function' : fn.name} to return a generator`,
      );
    }
    return runGenerator(gen);
  };
}

/**
 * A Deferred for `value`: a Deferred is returned as it is; a promise or
 * thenable is followed; a function is called with an `AbortSignal` (aborted
 * when the Deferred is cancelled) and its result followed; a generator is run
 * as by {@link inlineCallbacks}.
 *
 * @example
 * ```ts
 * const url = 'http://127.0.0.1:8080/';
 * const d = ensureDeferred(async (signal) => {
 *   const res = await fetch(url, { signal });
 *   return res.status;
 * });
 * ```
 * @throws {NotACoroutineError} for anything else.
 */
export function ensureDeferred<T>(
  value:
    | Deferred<T>
    | PromiseLike<T>
    | ((signal: AbortSignal) => T | PromiseLike<T>)
    | InlineGenerator<T>,
): Deferred<Awaited<T>> {
  if (value instanceof Deferred) return value as Deferred<Awaited<T>>;
  if (typeof value === 'function') {
    return Deferred.fromPromise<T>((signal) => {
      const result = value(signal);
      return isGenerator(result) ? (runGenerator(result) as Deferred<T>) : result;
    });
  }
  if (isGenerator(value)) return runGenerator(value) as Deferred<Awaited<T>>;
  const awaited = asAwaitable(value);
  if (awaited !== null) return awaited as Deferred<Awaited<T>>;
  throw new NotACoroutineError(
    `ensureDeferred needs a Deferred, a promise, a function or a generator, not ${typeof value}`,
  );
}
