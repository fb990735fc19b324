/**
 * Waiting on many Deferreds: `DeferredList`, `gatherResults` and `race`.
 *
 * @module
 */
import { Deferred } from './defer.js';
import { FailureGroup, FirstError } from './errors.js';
import { Failure } from './failure.js';
import { Logger } from './logger.js';

const log = new Logger('weft.defer');

/** One entry of a {@link DeferredList}'s result: `[true, value]` or `[false, failure]`. */
export type DeferredListEntry<T> = [success: true, value: T] | [success: false, failure: Failure];

/** Options of {@link DeferredList}. */
export interface DeferredListOptions {
  /** Fire with `[value, index]` as soon as any input succeeds. Default false. */
  readonly fireOnOneCallback?: boolean;
  /** Fail with {@link FirstError} as soon as any input fails. Default false. */
  readonly fireOnOneErrback?: boolean;
  /**
   * Replace each input's failure by `undefined` in that input's own chain, so
   * it is not reported as unhandled. Default false.
   */
  readonly consumeErrors?: boolean;
}

/** Cancels each of `deferreds` with `reason`, logging (not throwing) what a canceller throws. */
function cancelEach(deferreds: readonly Deferred[], reason?: unknown): void {
  for (const d of deferreds) {
    try {
      d.cancel(reason);
    } catch (e) {
      log.failure('Exception raised from user supplied canceller', e);
    }
  }
}

/**
 * A Deferred for a list of Deferreds: by default it fires, once every input
 * has, with `[success, valueOrFailure]` per input in input order.
 *
 * It adds a step to each input's chain (which then passes the result on, or
 * `undefined` for a failure when `consumeErrors` is set). An empty list fires
 * at once with `[]`, except with `fireOnOneCallback`, when it never fires.
 * Cancelling it cancels every input.
 *
 * @typeParam T - the inputs' result type.
 * @typeParam R - the result type: the entry list by default; pass
 *   `[T, number]` when using `fireOnOneCallback`.
 */
export class DeferredList<T = unknown, R = DeferredListEntry<T>[]> extends Deferred<R> {
  /** One entry per input, filled in as inputs fire (`undefined` until then). */
  readonly resultList: (DeferredListEntry<T> | undefined)[];
  /** How many inputs have fired. */
  finishedCount = 0;
  readonly #inputs: readonly Deferred<T>[];

  constructor(deferreds: Iterable<Deferred<T>>, options: DeferredListOptions = {}) {
    super();
    const inputs = [...deferreds];
    this.#inputs = inputs;
    this.resultList = new Array<DeferredListEntry<T> | undefined>(inputs.length).fill(undefined);
    const fireOnOneCallback = options.fireOnOneCallback ?? false;
    const fireOnOneErrback = options.fireOnOneErrback ?? false;
    const consumeErrors = options.consumeErrors ?? false;
    if (inputs.length === 0 && !fireOnOneCallback) this.callback(this.resultList as R);

    inputs.forEach((input, index) => {
      input.addCallbacks(
        (value: T) => {
          this.resultList[index] = [true, value];
          this.finishedCount += 1;
          if (!this.called) {
            if (fireOnOneCallback) this.callback([value, index] as R);
            else if (this.finishedCount === inputs.length) this.callback(this.resultList as R);
          }
          return value;
        },
        (failure: Failure) => {
          this.resultList[index] = [false, failure];
          this.finishedCount += 1;
          if (!this.called) {
            if (fireOnOneErrback) this.errback(new Failure(new FirstError(failure, index)));
            else if (this.finishedCount === inputs.length) this.callback(this.resultList as R);
          }
          return consumeErrors ? undefined : failure;
        },
      );
    });
  }

  /**
   * Cancels every input that has not fired, with `reason`, unless this list
   * has already fired.
   */
  override cancel(reason?: unknown): void {
    if (this.called) {
      super.cancel(reason);
      return;
    }
    cancelEach(this.#inputs, reason);
  }
}

/** The tuple of results of a tuple of Deferreds. */
export type ResultsOf<T extends readonly Deferred[]> = {
  -readonly [K in keyof T]: T[K] extends Deferred<infer U> ? U : never;
};

/**
 * Fires with the list of the inputs' results, in input order, once all have
 * succeeded; fails with {@link FirstError} (holding the failure and its index)
 * as soon as one fails. Cancelling it cancels every input.
 *
 * @param options.consumeErrors - as for {@link DeferredList}.
 */
export function gatherResults<const T extends readonly Deferred[]>(
  deferreds: T,
  options: { readonly consumeErrors?: boolean } = {},
): Deferred<ResultsOf<T>> {
  const list = new DeferredList<unknown>(deferreds, {
    fireOnOneErrback: true,
    consumeErrors: options.consumeErrors ?? false,
  });
  return list.addCallback((entries) => entries.map((entry) => entry[1])) as unknown as Deferred<
    ResultsOf<T>
  >;
}

/**
 * Fires with `[index, value]` of the first input to succeed and cancels the
 * others; fails with {@link FailureGroup} (the failures in input order) when
 * every input fails, including when there are none. Each input's result is
 * consumed. Cancelling the race cancels every input.
 */
export function race<T>(deferreds: Iterable<Deferred<T>>): Deferred<[index: number, value: T]> {
  const inputs = [...deferreds];
  const failures = new Array<Failure | undefined>(inputs.length).fill(undefined);
  let failed = 0;
  let settled = false;
  const winner = new Deferred<[number, T]>((_, reason) => {
    settled = true;
    cancelEach(inputs, reason);
  });
  if (inputs.length === 0) {
    winner.errback(new FailureGroup([]));
    return winner;
  }
  inputs.forEach((input, index) => {
    input.addCallbacks(
      (value: T) => {
        if (!settled) {
          settled = true;
          cancelEach(inputs.filter((_, i) => i !== index));
          winner.callback([index, value]);
        }
        return undefined;
      },
      (failure: Failure) => {
        failures[index] = failure;
        failed += 1;
        if (!settled && failed === inputs.length) {
          settled = true;
          winner.errback(new FailureGroup(failures as Failure[]));
        }
        return undefined;
      },
    );
  });
  return winner;
}
