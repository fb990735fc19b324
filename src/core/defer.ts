/**
 * `Deferred`: a result that is not there yet, with a synchronous chain of
 * callbacks and errbacks, as Twisted's `twisted.internet.defer.Deferred`.
 * Only what touches its private state is here; the rest is in `deferred-*.ts`.
 *
 * @module
 */
import {
  alreadyCalledError,
  getDebugging,
  onDebuggingChange,
  newDebugInfo,
  selfReturnFailure,
  stackHere,
  unhandledErrors,
  type DebugInfo,
} from './deferred-debug.js';
import { chainDeferredTo } from './deferred-functions.js';
import { deferredFromPromise, deferredToPromise, isThenable } from './deferred-promise.js';
import * as markers from './deferred-steps.js';
import type { Step } from './deferred-steps.js';
import { addDeferredTimeout } from './deferred-timeout.js';
import type {
  AddCallbacksOptions,
  AsPromiseOptions,
  Canceller,
  Settled,
} from './deferred-types.js';
import { AlreadyCalledError, CancelledError } from './errors.js';
import { Failure } from './failure.js';
import type { IReactorTime } from './interfaces/reactor.js';

export { getDebugging, setDebugging } from './deferred-debug.js';
export { fail, maybeDeferred, succeed } from './deferred-functions.js';
export { passthru } from './deferred-steps.js';
export type * from './deferred-types.js';

// Local copies of the markers and the debugging flag: hot paths read them, and a
// local binding is cheaper for V8 than an imported one (see bench/deferred.ts).
const passthru = markers.passthru;
const CONTINUE = markers.CONTINUE;
const WITH_ARGS: typeof markers.WITH_ARGS = markers.WITH_ARGS;
let debugging = getDebugging();
onDebuggingChange((on) => {
  debugging = on;
});

const CALLED = 1;
const RUNNING = 2;
const SUPPRESS_ALREADY_CALLED = 4;

/**
 * Makes `outer` fire with `inner`'s result (see `Deferred#follow`).
 *
 * @internal
 */
export let followDeferred: (outer: Deferred, inner: Deferred) => void;

/**
 * A result that is not available yet: a chain of callbacks and errbacks run
 * synchronously, in order, when the result arrives.
 *
 * - `callback(value)` or `errback(error)` fires it once; the whole chain runs
 *   before that call returns. A callback added after firing runs at once.
 * - Each callback gets the previous step's result. Throwing, or returning a
 *   {@link Failure}, moves the chain to the error path; an errback that returns
 *   a value moves it back.
 * - A step returning a Deferred or any thenable pauses the chain until that
 *   settles; its result is taken over (the inner Deferred continues with
 *   `undefined`).
 * - `cancel()` stops waiting: the canceller runs, and the Deferred fails with
 *   {@link CancelledError} unless the canceller fired it.
 * - It is `PromiseLike`: `await d` gives the result or throws the original
 *   error, and consumes the result (the chain continues with `undefined`).
 *
 * @typeParam T - the type of the result the next callback receives.
 *
 * @example
 * ```ts
 * const d = new Deferred<number>();
 * d.addCallback((n) => n * 2).addCallback((n) => console.log(n));
 * d.callback(21); // prints 42 before callback() returns
 * ```
 */
export class Deferred<T = unknown> implements PromiseLike<T> {
  /**
   * Pending steps, two slots each: `callback, errback`, or, for a step with
   * arguments (and for CONTINUE, whose argument is the waiting Deferred),
   * `[callback, errback, callbackArgs, errbackArgs], WITH_ARGS`. Consumed from
   * the front by the chain loop, which splices once per run rather than once
   * per step (firing stays linear in length).
   */
  #steps: unknown[] | null = null;
  #result: unknown = undefined;
  #flags = 0;
  #paused = 0;
  /** Typed loosely so that `Deferred<T>` stays covariant in `T`. */
  #canceller: ((deferred: never, reason: unknown) => void) | undefined;
  #debug: DebugInfo | null = null;

  /**
   * @param canceller - called by {@link Deferred.cancel} before the Deferred has
   *   fired; see {@link Canceller}.
   */
  constructor(canceller?: Canceller<T>) {
    this.#canceller = canceller;
    if (debugging) this.#debugInfo().creator = stackHere();
  }

  /** Whether `callback` or `errback` has been called. */
  get called(): boolean {
    return (this.#flags & CALLED) !== 0;
  }

  /** How many times {@link Deferred.pause} was called without a matching `unpause`. */
  get paused(): number {
    return this.#paused;
  }

  #debugInfo(): DebugInfo {
    return (this.#debug ??= newDebugInfo());
  }

  /**
   * Adds a callback/errback pair: exactly one of the two runs for each result,
   * so `errback` does not see an exception thrown by `callback`.
   *
   * @returns this Deferred, typed by what the pair returns.
   */
  addCallbacks<U, V = never, CA extends unknown[] = [], EA extends unknown[] = []>(
    callback: (result: T, ...args: CA) => U | PromiseLike<U>,
    errback?: ((failure: Failure, ...args: EA) => V | PromiseLike<V>) | null,
    options?: AddCallbacksOptions<CA, EA>,
  ): Deferred<Settled<U> | Settled<V>> {
    return this.#add(
      callback as Step,
      (errback ?? passthru) as Step,
      options?.callbackArgs,
      options?.errbackArgs,
    ) as unknown as Deferred<Settled<U> | Settled<V>>;
  }

  /**
   * Adds a step for success: `callback(result, ...args)`. A failure passes it
   * by.
   *
   * @example
   * ```ts
   * succeed(2).addCallback((n, k: number) => n * k, 3); // fires 6
   * ```
   */
  addCallback<U, A extends unknown[] = []>(
    callback: (result: T, ...args: A) => U | PromiseLike<U>,
    ...args: A
  ): Deferred<Settled<U>> {
    return this.#add(
      callback as Step,
      passthru,
      args.length === 0 ? undefined : args,
      undefined,
    ) as unknown as Deferred<Settled<U>>;
  }

  /**
   * Adds a step for failure: `errback(failure, ...args)`. Return a value to
   * recover, or return/throw to keep failing. A success passes it by.
   */
  addErrback<U, A extends unknown[] = []>(
    errback: (failure: Failure, ...args: A) => U | PromiseLike<U>,
    ...args: A
  ): Deferred<T | Settled<U>> {
    return this.#add(passthru, errback as Step, undefined, args.length === 0 ? undefined : args);
  }

  /** Adds `fn` as both callback and errback: it sees the result or the Failure. */
  addBoth<U, A extends unknown[] = []>(
    fn: (result: T | Failure, ...args: A) => U | PromiseLike<U>,
    ...args: A
  ): Deferred<Settled<U>> {
    const a = args.length === 0 ? undefined : args;
    return this.#add(fn as Step, fn as Step, a, a) as unknown as Deferred<Settled<U>>;
  }

  #add(callback: Step, errback: Step, cbArgs: unknown, ebArgs: unknown): this {
    this.#append(callback, errback, cbArgs, ebArgs);
    if ((this.#flags & CALLED) !== 0) this.#runCallbacks();
    return this;
  }

  /** Appends a step to `#steps` (see there for the layout); runs nothing. */
  #append(callback: Step, errback: Step, cbArgs: unknown, ebArgs: unknown): void {
    let first: unknown = callback;
    let second: unknown = errback;
    if (cbArgs !== undefined || ebArgs !== undefined) {
      first = [callback, errback, cbArgs, ebArgs];
      second = WITH_ARGS;
    }
    // A literal for the first step: pushing onto `[]` would reserve 19 slots at once (V8).
    if (this.#steps === null) this.#steps = [first, second];
    else this.#steps.push(first, second);
  }

  /**
   * Makes `other` fire with this Deferred's result: adds `other.callback` and
   * `other.errback` as a pair. This Deferred continues with `undefined`.
   * Unlike returning a Deferred from a callback, long chains built this way
   * recurse (as in Twisted).
   */
  chainDeferred(other: Deferred<T>): Deferred<void> {
    return chainDeferredTo(this, other);
  }

  /**
   * Fires the Deferred with `result`, running the chain before returning.
   * Giving a {@link Failure} is the same as {@link Deferred.errback}.
   *
   * @throws {AlreadyCalledError} if it has fired already (except the single
   *   late fire swallowed after a `cancel()` with no canceller).
   * @throws {TypeError} if `result` is a Deferred: return it from a callback
   *   instead, to chain.
   */
  callback(result: T | Failure): void {
    if (result instanceof Deferred) {
      throw new TypeError('callback() cannot take a Deferred; return it from a callback to chain');
    }
    this.#startRunCallbacks(result);
  }

  /** Fires the Deferred's error path with `reason`, wrapped in a {@link Failure} unless it is one. */
  errback(reason: unknown): void {
    this.#startRunCallbacks(reason instanceof Failure ? reason : Failure.from(reason));
  }

  #startRunCallbacks(result: unknown): void {
    if ((this.#flags & CALLED) !== 0) {
      if ((this.#flags & SUPPRESS_ALREADY_CALLED) !== 0) {
        this.#flags &= ~SUPPRESS_ALREADY_CALLED;
        return;
      }
      throw alreadyCalledError(this.#debug);
    }
    if (debugging) this.#debugInfo().invoker = stackHere();
    this.#flags |= CALLED;
    this.#result = result;
    this.#runCallbacks();
  }

  /**
   * Fires this Deferred with whatever `inner` fires with, as if a callback had
   * returned `inner`: the chain waits on it and `cancel()` is forwarded to it.
   * For weft's own drivers (inlineCallbacks); use returning a Deferred instead.
   */
  #follow(inner: Deferred): void {
    if ((this.#flags & CALLED) !== 0) throw new AlreadyCalledError();
    this.#flags |= CALLED;
    this.#result = inner;
    this.#paused += 1;
    inner.#append(CONTINUE, CONTINUE, this, this);
    if ((inner.#flags & CALLED) !== 0) inner.#runCallbacks();
  }

  static {
    followDeferred = (outer, inner) => {
      outer.#follow(inner);
    };
  }

  /** Stops the chain from running until a matching {@link Deferred.unpause}; counted. */
  pause(): void {
    this.#paused += 1;
  }

  /** Undoes one {@link Deferred.pause}; when none remain and it has fired, the chain runs. */
  unpause(): void {
    if (this.#paused === 0) return;
    this.#paused -= 1;
    if (this.#paused === 0 && (this.#flags & CALLED) !== 0) this.#runCallbacks();
  }

  /**
   * Cancels the operation this Deferred stands for.
   *
   * Not fired yet: the canceller runs; unless it fired the Deferred, the
   * Deferred fails with a {@link CancelledError} whose `cause` is `reason`.
   * With no canceller, the producer's one later `callback`/`errback` is
   * swallowed. Waiting on another Deferred: that one is cancelled instead.
   * Otherwise nothing happens.
   *
   * @param reason - why, like `AbortController.abort(reason)`: becomes the
   *   error's `cause` and the abort reason of signals the canceller aborts.
   */
  cancel(reason?: unknown): void {
    if ((this.#flags & CALLED) === 0) {
      const error = new CancelledError(
        undefined,
        reason === undefined ? undefined : { cause: reason },
      );
      const canceller = this.#canceller;
      if (canceller !== undefined) (canceller as Canceller<T>)(this, reason ?? error);
      else this.#flags |= SUPPRESS_ALREADY_CALLED;
      if ((this.#flags & CALLED) === 0) this.errback(new Failure(error));
    } else if (this.#result instanceof Deferred) {
      this.#result.cancel(reason);
    }
  }

  /**
   * Fails this Deferred with {@link TimeoutError} if it has not fired after
   * `seconds` on `clock`, by cancelling it.
   *
   * Callbacks added before `addTimeout` see the `CancelledError` (whose
   * `cause` is the TimeoutError); those added after see the `TimeoutError`,
   * unless the canceller fired a value, which then passes through.
   *
   * @param seconds - the limit, in seconds.
   * @param clock - anything with `callLater`: the reactor, or a `Clock` in tests.
   * @param onTimeoutCancel - replaces the translation: called with the value
   *   at timeout and `seconds`, its return value continues the chain.
   */
  addTimeout(
    seconds: number,
    clock: Pick<IReactorTime, 'callLater'>,
    onTimeoutCancel?: (value: T | Failure, seconds: number) => unknown,
  ): this {
    addDeferredTimeout(this, seconds, clock, onTimeoutCancel);
    return this;
  }

  /**
   * Runs the chain as far as it can go. Iterative: a chain of Deferreds each
   * waiting on the next uses a constant amount of stack.
   *
   * ```
   *   chain (explicit stack)        outer waits on inner:
   *   [ outer, inner ]              outer.#result = inner, outer paused +1,
   *       ^ current = top           inner.#steps ends with CONTINUE(outer)
   * ```
   * When `inner` reaches CONTINUE it hands its result to `outer`, unpauses it
   * and pushes it; once `outer` is done it is popped and `inner` resumes.
   */
  #runCallbacks(): void {
    if ((this.#flags & RUNNING) !== 0) return; // a step of ours is on the stack; it will continue
    // Allocated at the first CONTINUE: most runs involve this Deferred alone.
    let chain: Deferred[] | null = null;
    for (;;) {
      const current: Deferred = chain === null ? this : (chain[chain.length - 1] as Deferred);
      if (current.#paused > 0) return; // everything up the chain waits with it
      let finished = true;
      const steps = current.#steps;
      if (steps !== null) {
        // Marked running for the whole loop, not just around each call: user
        // code also runs between steps (a `then` getter on a returned value, a
        // log observer), and a step it adds must join this loop, not start a
        // second one over steps already run.
        current.#flags |= RUNNING;
        let i = 0;
        while (i < steps.length) {
          const side = current.#result instanceof Failure ? 1 : 0;
          let step = steps[i + side] as Step;
          let args: unknown[] | undefined;
          if (steps[i + 1] === WITH_ARGS) {
            const withArgs = steps[i] as unknown[];
            step = withArgs[side] as Step;
            args = withArgs[2 + side] as unknown[] | undefined;
          }
          i += 2;
          if (step === passthru) continue;
          if (step === CONTINUE) {
            const waiting = args as unknown as Deferred;
            waiting.#result = current.#result;
            current.#result = undefined;
            if (current.#debug !== null) current.#debug.failure = null;
            waiting.#paused -= 1;
            (chain ??= [current]).push(waiting);
            finished = false;
            break;
          }
          let result: unknown;
          try {
            result = args === undefined ? step(current.#result) : step(current.#result, ...args);
          } catch (e) {
            current.#result = Failure.from(e);
            continue;
          }
          if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
            let inner: Deferred | null = null;
            if (result instanceof Deferred) {
              if (result === current) {
                // It would wait on itself forever (Twisted hangs here); fail the chain instead.
                current.#result = selfReturnFailure();
                continue;
              }
              inner = result as Deferred;
            } else {
              let thenable: boolean;
              try {
                thenable = isThenable(result);
              } catch (e) {
                current.#result = Failure.from(e);
                continue;
              }
              if (thenable) inner = deferredFromPromise(result as PromiseLike<unknown>);
            }
            if (inner !== null) {
              if (
                (inner.#flags & CALLED) === 0 ||
                inner.#paused > 0 ||
                inner.#result instanceof Deferred
              ) {
                // Not ready: wait on it. Its steps end with our continuation.
                current.#result = inner;
                current.#paused += 1;
                inner.#append(CONTINUE, CONTINUE, current, current);
                break;
              }
              // Ready: take its result, leaving it `undefined`.
              current.#result = inner.#result;
              inner.#result = undefined;
              if (inner.#debug !== null) inner.#debug.failure = null;
              continue;
            }
          }
          current.#result = result;
        }
        current.#flags &= ~RUNNING;
        if (i >= steps.length) current.#steps = null;
        else steps.splice(0, i);
      }
      if (finished) {
        if (current.#result instanceof Failure) {
          const info = current.#debugInfo();
          if (!info.registered) {
            info.registered = true;
            unhandledErrors.register(current, info);
          }
          info.failure = current.#result;
        } else if (current.#debug !== null) {
          current.#debug.failure = null;
        }
        if (chain === null) return;
        chain.pop();
        if (chain.length === 0) return;
      }
    }
  }

  /**
   * Registers `onfulfilled`/`onrejected` as a promise would, so `await d` and
   * `Promise.resolve(d)` work. Rejections carry the original error, not the
   * Failure. Consumes the result: the chain continues with `undefined`.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return deferredToPromise(this, undefined).then(onfulfilled, onrejected);
  }

  /**
   * A Promise for the result (Twisted's `asFuture`): fulfilled with the value
   * or rejected with the original error. Consumes the result, so a failure
   * handed to the promise is not also reported as unhandled.
   *
   * @param options.signal - aborting it cancels this Deferred
   *   (`cancel(signal.reason)`); an already-aborted signal cancels at once.
   */
  asPromise(options?: AsPromiseOptions): Promise<T> {
    return deferredToPromise(this, options);
  }

  /**
   * A Deferred for a promise (Twisted's `fromFuture`), or for an abortable
   * async operation.
   *
   * Given a function, calls it with an `AbortSignal` that `cancel(reason)`
   * aborts (with `reason`, or the `CancelledError`), so `fetch`, streams and
   * timers stop. Either way a cancelled Deferred fails at once with
   * `CancelledError`; the promise's later settlement is ignored.
   *
   * @example
   * ```ts
   * const url = 'http://127.0.0.1:8080/';
   * const d = Deferred.fromPromise((signal) => fetch(url, { signal }));
   * d.cancel(); // aborts the fetch
   * ```
   */
  static fromPromise<T>(
    source: PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>),
  ): Deferred<Awaited<T>> {
    return deferredFromPromise(source);
  }

  /** `<Deferred>`, `<Deferred current result: ...>` or `<Deferred waiting on Deferred>`. */
  toString(): string {
    if ((this.#flags & CALLED) === 0) return '<Deferred>';
    if (this.#result instanceof Deferred) return '<Deferred waiting on Deferred>';
    const r = this.#result;
    return `<Deferred current result: ${r instanceof Failure ? r.toString() : String(r)}>`;
  }
}
