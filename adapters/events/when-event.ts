/**
 * EventEmitters (node:events and eventemitter3 alike) ⇄ Deferreds and async
 * iterables, with every listener removed after success, error and cancel.
 *
 * @module
 */
import { Deferred } from '../../src/core/defer.js';
import { CancelledError, QueueOverflow } from '../../src/core/errors.js';
import { listen, remove, type EmitterLike, type Listener } from './emitter-like.js';

/** Options of {@link whenEvent}. */
export interface WhenEventOptions {
  /** Aborting it cancels the Deferred (and removes the listeners). */
  readonly signal?: AbortSignal | undefined;
  /**
   * The event that fails the wait. Default `'error'`; `null` for emitters
   * whose `'error'` is not a failure. Ignored when waiting for that event.
   */
  readonly errorEvent?: string | symbol | null;
}

/**
 * A Deferred that fires with the arguments of the next `event` emitted —
 * `events.once` as a Deferred. It fails with the first argument of an
 * `'error'` event emitted first (see `errorEvent`). Cancelling it (or
 * aborting `signal`) removes its listeners and fails it with
 * `CancelledError`; whatever happens, no listener is left behind.
 *
 * Works with node:events and eventemitter3 alike (only `on` and
 * `off`/`removeListener` are used). Note that eventemitter3 does not throw
 * on an unhandled `'error'`: waiting here is one way to see it.
 *
 * @example
 * ```ts
 * import { EventEmitter } from 'node:events';
 * import { whenEvent } from 'weft/adapters/events';
 *
 * const emitter = new EventEmitter();
 * whenEvent<[number]>(emitter, 'ready').addCallback(([port]) => console.log(port));
 * emitter.emit('ready', 8080);
 * ```
 */
export function whenEvent<A extends unknown[] = unknown[]>(
  emitter: EmitterLike,
  event: string | symbol,
  options: WhenEventOptions = {},
): Deferred<A> {
  const errorEvent = options.errorEvent === undefined ? 'error' : options.errorEvent;
  const signal = options.signal;
  const watchError = errorEvent !== null && errorEvent !== event;
  const cleanup = (): void => {
    remove(emitter, event, onEvent);
    if (watchError) remove(emitter, errorEvent, onError);
    signal?.removeEventListener('abort', onAbort);
  };
  const d = new Deferred<A>(cleanup);
  const onEvent: Listener = (...args) => {
    cleanup();
    d.callback(args as A);
  };
  const onError: Listener = (error) => {
    cleanup();
    d.errback(error);
  };
  const onAbort = (): void => {
    d.cancel(signal?.reason);
  };
  if (signal?.aborted === true) {
    d.cancel(signal.reason);
    return d;
  }
  listen(emitter, event, onEvent);
  if (watchError) listen(emitter, errorEvent, onError);
  signal?.addEventListener('abort', onAbort, { once: true });
  return d;
}

/** Options of {@link iterateEvents}. */
export interface IterateEventsOptions {
  /** Aborting it ends the loop: the pending `next()` rejects with `CancelledError` (cause: the reason). */
  readonly signal?: AbortSignal | undefined;
  /** Events that end the loop normally (e.g. `'end'`, `'close'`). */
  readonly close?: readonly (string | symbol)[];
  /** The event that ends the loop by throwing its first argument. Default `'error'`; `null`: none. */
  readonly errorEvent?: string | symbol | null;
  /**
   * Most events buffered while the loop is busy. Default 1024. An emitter has
   * no backpressure, so past this the loop ends by throwing `QueueOverflow`
   * (nothing is silently dropped) — raise it, or consume faster.
   */
  readonly maxBuffered?: number;
}

/**
 * Iterates the arguments of each `event` with `for await` — `events.on` with
 * a bound: events emitted while the loop body runs are buffered, up to
 * `maxBuffered` (then the loop throws `QueueOverflow`). The loop ends when a
 * `close` event is emitted (after the events buffered before it), throws on
 * `errorEvent`, and removes every listener when it ends — by `break`, by
 * error, by signal or by a close event.
 *
 * @example
 * ```ts
 * import { EventEmitter } from 'node:events';
 * import { iterateEvents } from 'weft/adapters/events';
 *
 * async function logTicks(clock: EventEmitter): Promise<void> {
 *   for await (const [n] of iterateEvents<[number]>(clock, 'tick', { close: ['stop'] })) {
 *     console.log('tick', n);
 *   }
 * }
 * ```
 */
export function iterateEvents<A extends unknown[] = unknown[]>(
  emitter: EmitterLike,
  event: string | symbol,
  options: IterateEventsOptions = {},
): AsyncIterableIterator<A> {
  const { signal, close = [] } = options;
  const errorEvent = options.errorEvent === undefined ? 'error' : options.errorEvent;
  const maxBuffered = options.maxBuffered ?? 1024;
  const buffered: A[] = [];
  let waiter: { resolve: (r: IteratorResult<A>) => void; reject: (e: unknown) => void } | null =
    null;
  /** Set once the loop is over: a clean end (null) or the error to throw after the buffer. */
  let ended: { error: unknown } | null | undefined;
  const DONE: IteratorResult<A> = { value: undefined, done: true };

  const onEvent: Listener = (...args) => {
    if (waiter !== null) {
      const w = waiter;
      waiter = null;
      w.resolve({ value: args as A, done: false });
    } else if (buffered.length < maxBuffered) {
      buffered.push(args as A);
    } else {
      end({ error: new QueueOverflow(`More than ${String(maxBuffered)} events buffered`) });
    }
  };
  const onClose: Listener = () => {
    end(null);
  };
  const onError: Listener = (error) => {
    end({ error });
  };
  const onAbort = (): void => {
    end({
      error: new CancelledError('The event iteration was aborted', { cause: signal?.reason }),
    });
  };

  function detach(): void {
    remove(emitter, event, onEvent);
    for (const name of close) remove(emitter, name, onClose);
    if (errorEvent !== null) remove(emitter, errorEvent, onError);
    signal?.removeEventListener('abort', onAbort);
  }

  function end(how: { error: unknown } | null): void {
    if (ended !== undefined) return;
    ended = how;
    detach();
    if (how !== null && how.error instanceof QueueOverflow) buffered.length = 0;
    const w = waiter;
    if (w === null) return;
    waiter = null;
    if (how === null) w.resolve(DONE);
    else w.reject(how.error);
  }

  if (signal?.aborted === true) {
    ended = {
      error: new CancelledError('The event iteration was aborted', { cause: signal.reason }),
    };
  } else {
    listen(emitter, event, onEvent);
    for (const name of close) listen(emitter, name, onClose);
    if (errorEvent !== null) listen(emitter, errorEvent, onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  }

  return {
    next(): Promise<IteratorResult<A>> {
      const value = buffered.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      if (ended !== undefined) {
        const how = ended;
        ended = null; // an error is thrown once; afterwards the loop is simply over
        return how === null ? Promise.resolve(DONE) : Promise.reject(how.error);
      }
      if (waiter !== null) {
        return Promise.reject(new TypeError('iterateEvents: one next() at a time'));
      }
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    return(): Promise<IteratorResult<A>> {
      end(null);
      buffered.length = 0;
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
